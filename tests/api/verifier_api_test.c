/*
 * The verifier checks the new calls through the contracts (calls.h rows and
 * events, the spin-lock ops, the RW hooks): each scenario runs in a child
 * with verify=1:halt_on_error=0 and its own log, and must produce its rule
 * id, run to its end (no hang: promotion and interrupt self-deadlocks are
 * skipped) and exit 66; each twin is the correct shape and must stay clean
 * (exit 0, no report).
 */
#define _GNU_SOURCE
#include <ndis.h>
#include <ndislock/verifier.h>

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static KSPIN_LOCK k;
static NDIS_SPIN_LOCK nl;

/* ---- interrupt plumbing for the self-deadlock scenarios ---- */

static NDIS_HANDLE intr;
static int sync_ran, reentry_result = -1;
static BOOLEAN nested_sync(NDIS_HANDLE c)
{
    (void)c;
    sync_ran = 1;
    return TRUE;
}

static BOOLEAN isr(NDIS_HANDLE c, PBOOLEAN q, PULONG t)
{
    (void)c; (void)t;
    *q = FALSE;
    /* from the interrupt's own ISR: a self-deadlock on Windows */
    reentry_result = NdisMSynchronizeWithInterruptEx(intr, 0, nested_sync, NULL);
    return TRUE;
}

static VOID idpc(NDIS_HANDLE c, PVOID d, PVOID a, PVOID b) { (void)c; (void)d; (void)a; (void)b; }

static BOOLEAN sync_takes_interrupt_lock(NDIS_HANDLE c)
{
    KIRQL old;
    (void)c;
    old = KeAcquireInterruptSpinLock((PKINTERRUPT)intr);   /* inside its own sync callback */
    KeReleaseInterruptSpinLock((PKINTERRUPT)intr, old);
    return TRUE;
}

static BOOLEAN sync_plain(NDIS_HANDLE c) { (void)c; return TRUE; }

static struct ndislock_adapter *register_interrupt(void)
{
    struct ndislock_adapter *a = ndislock_harness_adapter_create("v0");
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS ic;

    NdisZeroMemory(&ic, sizeof(ic));
    ic.InterruptHandler = isr;
    ic.InterruptDpcHandler = idpc;
    CHECK_EQ(NdisMRegisterInterruptEx(a, NULL, &ic, &intr), NDIS_STATUS_SUCCESS);
    return a;
}

static VOID tmr(PVOID a, PVOID c, PVOID b, PVOID d) { (void)a; (void)c; (void)b; (void)d; }

/* ---- scenarios: violation (twin = 0) and its correct twin (twin = 1) ---- */

static void dpc_level_at_passive(int twin)
{
    KIRQL old = PASSIVE_LEVEL;

    if (twin)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeAcquireSpinLockAtDpcLevel(&k);
    KeReleaseSpinLockFromDpcLevel(&k);
    if (twin)
        KeLowerIrql(old);
}

static void ke_variant_mismatch(int twin)
{
    KIRQL old;

    KeAcquireSpinLock(&k, &old);
    if (twin) {
        KeReleaseSpinLock(&k, old);
    } else {
        KeReleaseSpinLockFromDpcLevel(&k);
        KeLowerIrql(old);
    }
}

static void wait_event_at_dispatch(int twin)
{
    NDIS_EVENT e;
    KIRQL old = PASSIVE_LEVEL;

    NdisInitializeEvent(&e);
    NdisSetEvent(&e);
    if (!twin)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    CHECK(NdisWaitEvent(&e, 10));
    if (!twin)
        KeLowerIrql(old);
}

static void rw_promotion(int twin)
{
    PNDIS_RW_LOCK_EX l = NdisAllocateRWLock(NULL);
    LOCK_STATE_EX r, w;

    NdisAcquireRWLockRead(l, &r, 0);
    if (twin)
        NdisReleaseRWLock(l, &r);
    NdisAcquireRWLockWrite(l, &w, 0);   /* after a read of our own: a self-deadlock (skipped) */
    NdisReleaseRWLock(l, &w);
    if (!twin)
        NdisReleaseRWLock(l, &r);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    NdisFreeRWLock(l);
}

static void register_interrupt_at_dispatch(int twin)
{
    struct ndislock_adapter *a = ndislock_harness_adapter_create("v1");
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS ic;
    NDIS_HANDLE h;
    KIRQL old = PASSIVE_LEVEL;

    NdisZeroMemory(&ic, sizeof(ic));
    ic.InterruptHandler = isr;
    ic.InterruptDpcHandler = idpc;
    if (!twin)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    CHECK_EQ(NdisMRegisterInterruptEx(a, NULL, &ic, &h), NDIS_STATUS_SUCCESS);
    if (!twin)
        KeLowerIrql(old);
    NdisMDeregisterInterruptEx(h);
    ndislock_harness_adapter_destroy(a);
}

static void paged_code_at_dispatch(int twin)
{
    KIRQL old;

    KeRaiseIrql(twin ? APC_LEVEL : DISPATCH_LEVEL, &old);
    PAGED_CODE();
    KeLowerIrql(old);
}

static void sync_from_own_isr(int twin)
{
    struct ndislock_adapter *a = register_interrupt();

    if (twin) {
        CHECK_EQ(NdisMSynchronizeWithInterruptEx(intr, 0, nested_sync, NULL), TRUE);
        CHECK_EQ(sync_ran, 1);
    } else {
        CHECK_EQ(ndislock_harness_fire_interrupt(a, 0), 1);
        CHECK_EQ(reentry_result, FALSE);        /* reported, not run, no hang */
        CHECK_EQ(sync_ran, 0);
    }
    NdisMDeregisterInterruptEx(intr);
    ndislock_harness_adapter_destroy(a);
}

static void interrupt_lock_in_sync(int twin)
{
    struct ndislock_adapter *a = register_interrupt();

    if (twin) {
        KIRQL old = KeAcquireInterruptSpinLock((PKINTERRUPT)intr);
        CHECK_EQ(KeGetCurrentIrql(), NDISLOCK_DEVICE_IRQL);
        KeReleaseInterruptSpinLock((PKINTERRUPT)intr, old);
        CHECK_EQ(NdisMSynchronizeWithInterruptEx(intr, 0, sync_plain, NULL), TRUE);
    } else {
        CHECK_EQ(NdisMSynchronizeWithInterruptEx(intr, 0, sync_takes_interrupt_lock, NULL), TRUE);
    }
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    NdisMDeregisterInterruptEx(intr);
    ndislock_harness_adapter_destroy(a);
}

static void wait_timeout_at_dispatch(int twin)
{
    KEVENT e;
    LARGE_INTEGER t;
    KIRQL old;

    KeInitializeEvent(&e, NotificationEvent, FALSE);
    t.QuadPart = twin ? 0 : -10000;             /* a poll is legal at DISPATCH_LEVEL */
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    CHECK_EQ(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &t), STATUS_TIMEOUT);
    KeLowerIrql(old);
}

static void flush_dpcs_at_dispatch(int twin)
{
    KIRQL old = PASSIVE_LEVEL;

    if (!twin)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeFlushQueuedDpcs();
    if (!twin)
        KeLowerIrql(old);
}

static void cancel_periodic_at_dispatch(int twin)
{
    NDIS_TIMER_CHARACTERISTICS tc;
    NDIS_HANDLE t;
    LARGE_INTEGER due;
    KIRQL old = PASSIVE_LEVEL;

    NdisZeroMemory(&tc, sizeof(tc));
    tc.TimerFunction = tmr;
    CHECK_EQ(NdisAllocateTimerObject(NULL, &tc, &t), NDIS_STATUS_SUCCESS);
    due.QuadPart = -10000000;                   /* 1 s: it does not fire during the test */
    NdisSetTimerObject(t, due, 1000, NULL);
    if (!twin)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    CHECK_EQ(NdisCancelTimerObject(t), TRUE);
    if (!twin)
        KeLowerIrql(old);
    NdisFreeTimerObject(t);
}

static void stall_too_long(int twin)
{
    KeStallExecutionProcessor(twin ? 50 : 100);
}

static void delay_at_dispatch(int twin)
{
    LARGE_INTEGER t;
    KIRQL old;

    t.QuadPart = -1000;
    KeRaiseIrql(twin ? APC_LEVEL : DISPATCH_LEVEL, &old);
    KeDelayExecutionThread(KernelMode, FALSE, &t);
    KeLowerIrql(old);
}

static void mutex_wait_holding_spin_lock(int twin)
{
    NDIS_MUTEX m;

    NDIS_INIT_MUTEX(&m);
    if (!twin)
        NdisAcquireSpinLock(&nl);
    NDIS_WAIT_FOR_MUTEX(&m);
    if (!twin)
        NdisReleaseSpinLock(&nl);
    NDIS_RELEASE_MUTEX(&m);
}

static void ex_interlocked_any_irql(int twin)
{
    LIST_ENTRY head, e;
    KIRQL old;

    /* both shapes are correct: ExInterlocked* is allowed at any IRQL */
    InitializeListHead(&head);
    KeRaiseIrql(twin ? PASSIVE_LEVEL : NDISLOCK_DEVICE_IRQL, &old);
    CHECK(ExInterlockedInsertHeadList(&head, &e, &k) == NULL);
    CHECK(ExInterlockedRemoveHeadList(&head, &k) == &e);
    KeLowerIrql(old);
}

static void raise_to_synch_release(int twin)
{
    KLOCK_QUEUE_HANDLE h;
    KIRQL old;

    /* both correct: RaiseToSynch forms are released by the ordinary releases */
    if (twin) {
        KeAcquireInStackQueuedSpinLockRaiseToSynch(&k, &h);
        KeReleaseInStackQueuedSpinLock(&h);
    } else {
        old = KeAcquireSpinLockRaiseToSynch(&k);
        KeReleaseSpinLock(&k, old);
    }
}

static void rw_flag_not_at_dispatch(int twin)
{
    PNDIS_RW_LOCK_EX l = NdisAllocateRWLock(NULL);
    LOCK_STATE_EX s;
    KIRQL old = PASSIVE_LEVEL;

    if (twin)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    NdisAcquireRWLockRead(l, &s, NDIS_RWL_AT_DISPATCH_LEVEL);   /* the flag must be true */
    NdisReleaseRWLock(l, &s);
    if (twin)
        KeLowerIrql(old);
    NdisFreeRWLock(l);
}

static void dpr_rw5_at_passive(int twin)
{
    NDIS_RW_LOCK l;
    LOCK_STATE s;
    KIRQL old = PASSIVE_LEVEL;

    NdisInitializeReadWriteLock(&l);
    if (twin)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    NdisDprAcquireReadWriteLock(&l, FALSE, &s);
    NdisDprReleaseReadWriteLock(&l, &s);
    if (twin)
        KeLowerIrql(old);
}

struct scenario {
    const char *name;
    void (*fn)(int twin);
    const char *rule;               /* NULL: both shapes are correct (no report either way) */
    const char *names;              /* text the report must contain (the WDK call) */
};

static const struct scenario scenarios[] = {
    { "dpc_level_at_passive", dpc_level_at_passive, "IRQL_DPR_NOT_DISPATCH",
      "KeAcquireSpinLockAtDpcLevel" },
    { "ke_variant_mismatch", ke_variant_mismatch, "LOCK_VARIANT_MISMATCH",
      "KeReleaseSpinLockFromDpcLevel" },
    { "wait_event_at_dispatch", wait_event_at_dispatch, "BLOCKING_AT_DISPATCH", "NdisWaitEvent" },
    { "rw_promotion", rw_promotion, "LOCK_RECURSIVE_ACQUIRE", "NdisAcquireRWLockWrite" },
    { "register_interrupt_at_dispatch", register_interrupt_at_dispatch, "IRQL_CALL_TOO_HIGH",
      "NdisMRegisterInterruptEx" },
    { "paged_code_at_dispatch", paged_code_at_dispatch, "IRQL_CALL_TOO_HIGH", "PAGED_CODE" },
    { "sync_from_own_isr", sync_from_own_isr, "LOCK_RECURSIVE_ACQUIRE",
      "NdisMSynchronizeWithInterruptEx" },
    { "interrupt_lock_in_sync", interrupt_lock_in_sync, "LOCK_RECURSIVE_ACQUIRE",
      "KeAcquireInterruptSpinLock" },
    { "wait_timeout_at_dispatch", wait_timeout_at_dispatch, "BLOCKING_AT_DISPATCH",
      "KeWaitForSingleObject" },
    { "flush_dpcs_at_dispatch", flush_dpcs_at_dispatch, "IRQL_CALL_TOO_HIGH", "KeFlushQueuedDpcs" },
    { "cancel_periodic_at_dispatch", cancel_periodic_at_dispatch, "IRQL_CALL_TOO_HIGH",
      "NdisCancelTimerObject (periodic timer)" },
    { "stall_too_long", stall_too_long, "STALL_TOO_LONG", "KeStallExecutionProcessor" },
    { "delay_at_dispatch", delay_at_dispatch, "BLOCKING_AT_DISPATCH", "KeDelayExecutionThread" },
    { "mutex_wait_holding_spin_lock", mutex_wait_holding_spin_lock, "BLOCKING_AT_DISPATCH",
      "NDIS_WAIT_FOR_MUTEX" },
    { "ex_interlocked_any_irql", ex_interlocked_any_irql, NULL, NULL },
    { "raise_to_synch_release", raise_to_synch_release, NULL, NULL },
    { "rw_flag_not_at_dispatch", rw_flag_not_at_dispatch, "IRQL_DPR_NOT_DISPATCH",
      "NdisAcquireRWLockRead" },
    { "dpr_rw5_at_passive", dpr_rw5_at_passive, "IRQL_DPR_NOT_DISPATCH",
      "NdisDprAcquireReadWriteLock" },
};

static char logbuf[1 << 16];

/* Runs scenario s (twin or not) in a child; returns its exit status and fills logbuf. */
static int run(const struct scenario *s, int twin)
{
    char path[] = "/tmp/ndislock_vapi_XXXXXX", opts[256];
    int fd = mkstemp(path), st = 0;
    pid_t pid;

    CHECK(fd >= 0);
    close(fd);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:hold_us=0:log=%s", path);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        if (ndislock_verifier_configure(opts) != 0)
            _exit(3);
        NdisAllocateSpinLock(&nl);
        KeInitializeSpinLock(&k);
        s->fn(twin);
        ndislock_contexts_shutdown();
        exit(0);                    /* at exit: 66 if anything was reported */
    }
    CHECK(pid > 0);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(logbuf, 1, sizeof logbuf - 1, f) : 0;
    logbuf[n] = '\0';
    if (f)
        fclose(f);
    unlink(path);
    return st;
}

int main(void)
{
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        const struct scenario *s = &scenarios[i];
        char head[128];
        int st;

        printf("-- %s\n", s->name);
        st = run(s, 0);
        if (s->rule != NULL) {
            snprintf(head, sizeof head, "ndislock: error: %s", s->rule);
            if (!strstr(logbuf, head) || !strstr(logbuf, s->names))
                fprintf(stderr, "%s: expected %s naming %s; log:\n%s\n", s->name, s->rule, s->names,
                        logbuf);
            CHECK(WIFEXITED(st));
            CHECK_EQ(WEXITSTATUS(st), 66);      /* reported, and ran to its end */
            CHECK(strstr(logbuf, head) != NULL);
            CHECK(strstr(logbuf, s->names) != NULL);
        } else {
            if (strstr(logbuf, "ndislock: error"))
                fprintf(stderr, "%s: false report:\n%s\n", s->name, logbuf);
            CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
            CHECK(strstr(logbuf, "ndislock: error") == NULL);
        }
        st = run(s, 1);                         /* the correct twin */
        if (strstr(logbuf, "ndislock: error"))
            fprintf(stderr, "%s twin: false report:\n%s\n", s->name, logbuf);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK(strstr(logbuf, "ndislock: error") == NULL);
    }
    CHECK_DONE();
}
