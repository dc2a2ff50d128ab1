/* The verifier contract: every callback is bracketed by CALLBACK_ENTER/EXIT
 * with its role name, context and IRQL already set at ENTER and still the
 * callback's at EXIT; NdisMSleep reports a WAIT with its timeout; synchronize on a
 * deregistered interrupt reports INTERRUPT_NOT_REGISTERED. */
#include <ndis.h>

#include <pthread.h>
#include <string.h>

#include "../../src/core/events.h"
#include "check.h"

#define MAXEV 4096
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct { enum ndislock_event_kind ev; const void *obj; const char *what; int ctx, irql; int64_t arg; } evs[MAXEV];
static int nev;

static const char *const call_names[] = {
#define NAME_(id, name, lo, hi, fl, ref) name,
    NDISLOCK_CALL_TABLE(NAME_)
#undef NAME_
};

static void hook(const struct ndislock_event *e)
{
    pthread_mutex_lock(&mu);
    if (nev < MAXEV) {
        evs[nev].ev = e->kind; evs[nev].obj = e->obj; evs[nev].arg = e->arg;
        evs[nev].what = e->role ? e->role : call_names[e->call];
        evs[nev].ctx = ndislock_context_current(); evs[nev].irql = KeGetCurrentIrql();
        nev++;
    }
    pthread_mutex_unlock(&mu);
}

/* Count ENTER events for role with the expected context and IRQL, and check each has an EXIT. */
static int count_role(const char *role, int ctx, int irql)
{
    int enters = 0, exits = 0;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nev; i++) {
        if (strcmp(evs[i].what, role) != 0)
            continue;
        if (evs[i].ev == NDISLOCK_EV_CALLBACK_ENTER || evs[i].ev == NDISLOCK_EV_CALLBACK_EXIT) {
            CHECK_EQ(evs[i].ctx, ctx);
            CHECK_EQ(evs[i].irql, irql);
        }
        enters += evs[i].ev == NDISLOCK_EV_CALLBACK_ENTER;
        exits += evs[i].ev == NDISLOCK_EV_CALLBACK_EXIT;
    }
    pthread_mutex_unlock(&mu);
    CHECK_EQ(enters, exits);
    return enters;
}

static int count_ev(enum ndislock_event_kind ev, const char *what)
{
    int n = 0;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nev; i++)
        n += evs[i].ev == ev && strcmp(evs[i].what, what) == 0;
    pthread_mutex_unlock(&mu);
    return n;
}

static BOOLEAN isr(NDIS_HANDLE c, PBOOLEAN q, PULONG t) { (void)c; (void)t; *q = TRUE; return TRUE; }
static void dpc(NDIS_HANDLE c, PVOID d, PVOID a, PVOID b) { (void)c; (void)d; (void)a; (void)b; }
static void dis(NDIS_HANDLE c) { (void)c; }
static BOOLEAN syn(NDIS_HANDLE c) { (void)c; return TRUE; }
static int fired;
static void tmr(PVOID a, PVOID c, PVOID b, PVOID d) { (void)a; (void)c; (void)b; (void)d; __atomic_store_n(&fired, 1, __ATOMIC_RELEASE); }

int main(void)
{
    struct ndislock_adapter *a = ndislock_harness_adapter_create("ev0");
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS ic;
    NDIS_TIMER_CHARACTERISTICS tc;
    NDIS_HANDLE h, t;
    LARGE_INTEGER due;

    __atomic_store_n(&ndislock__event_hook, hook, __ATOMIC_RELEASE);
    NdisZeroMemory(&ic, sizeof(ic));
    ic.InterruptHandler = isr;
    ic.InterruptDpcHandler = dpc;
    ic.DisableInterruptHandler = dis;
    CHECK_EQ(NdisMRegisterInterruptEx(a, NULL, &ic, &h), NDIS_STATUS_SUCCESS);
    CHECK_EQ(ndislock_harness_fire_interrupt(a, 0), 1);
    CHECK_EQ(NdisMSynchronizeWithInterruptEx(h, 0, syn, NULL), TRUE);
    ndislock_harness_disable_interrupt(a);
    ndislock_harness_enable_interrupt(a);
    NdisZeroMemory(&tc, sizeof(tc));
    tc.TimerFunction = tmr;
    CHECK_EQ(NdisAllocateTimerObject(NULL, &tc, &t), NDIS_STATUS_SUCCESS);
    due.QuadPart = -10000;
    NdisSetTimerObject(t, due, 0, NULL);
    do                              /* at least once: the BLOCKING event is checked below */
        NdisMSleep(1000);
    while (!__atomic_load_n(&fired, __ATOMIC_ACQUIRE));
    NdisFreeTimerObject(t);
    NdisMDeregisterInterruptEx(h);
    CHECK_EQ(NdisMSynchronizeWithInterruptEx(h, 0, syn, NULL), FALSE);
    __atomic_store_n(&ndislock__event_hook, NULL, __ATOMIC_RELEASE);

    CHECK_EQ(count_role("MiniportInterrupt", NDISLOCK_CTX_ISR, NDISLOCK_DEVICE_IRQL), 1);
    CHECK_EQ(count_role("MiniportInterruptDPC", NDISLOCK_CTX_DPC, DISPATCH_LEVEL), 1);
    CHECK_EQ(count_role("MiniportSynchronizeInterrupt", NDISLOCK_CTX_SYNC, NDISLOCK_DEVICE_IRQL), 1);
    CHECK_EQ(count_role("MiniportDisableInterruptEx", NDISLOCK_CTX_DISABLE_INTR, NDISLOCK_DEVICE_IRQL), 1);
    CHECK_EQ(count_role("NetTimerCallback", NDISLOCK_CTX_TIMER, DISPATCH_LEVEL), 1);
    CHECK(count_ev(NDISLOCK_EV_WAIT, "NdisMSleep") >= 1);
    for (int i = 0; i < nev; i++)        /* NdisMSleep(1000): a relative 10000 x 100 ns wait */
        if (evs[i].ev == NDISLOCK_EV_WAIT)
            CHECK_EQ(evs[i].arg, -10000);
    CHECK_EQ(count_ev(NDISLOCK_EV_INTERRUPT_NOT_REGISTERED, "NdisMSynchronizeWithInterruptEx"), 1);
    /* the callee is the driver's function */
    for (int i = 0; i < nev; i++)
        if (strcmp(evs[i].what, "MiniportInterrupt") == 0)
            CHECK(evs[i].obj == (const void *)(uintptr_t)isr);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    ndislock_harness_adapter_destroy(a);
    ndislock_contexts_shutdown();
    CHECK_DONE();
}
