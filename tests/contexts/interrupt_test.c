/* Interrupts: ISR/synchronize exclusion, DPC after the ISR at DISPATCH_LEVEL,
 * deregistration waiting for in-flight DPCs, synchronize's BOOLEAN, NDIS 5 names, MSI. */
#include <ndis.h>

#include <pthread.h>

#include "check.h"

static int inside;              /* 1 while an ISR or synchronize callback runs */
static unsigned long shared;    /* plain: only touched at DIRQL under the interrupt lock */
static unsigned long isr_count, dpc_count, dpc_bad;
static int dpc_slow, dpc_done;
static NDIS_HANDLE intr;

static void enter_exclusive(void)
{
    CHECK(KeGetCurrentIrql() > DISPATCH_LEVEL);
    CHECK_EQ(__atomic_exchange_n(&inside, 1, __ATOMIC_ACQ_REL), 0);
    shared++;
}

static void leave_exclusive(void)
{
    __atomic_store_n(&inside, 0, __ATOMIC_RELEASE);
}

static BOOLEAN isr(NDIS_HANDLE ctx, PBOOLEAN queue_dpc, PULONG targets)
{
    (void)targets;
    CHECK(ctx == &shared);
    CHECK_EQ(ndislock_context_current(), NDISLOCK_CTX_ISR);
    enter_exclusive();
    __atomic_fetch_add(&isr_count, 1, __ATOMIC_RELAXED);
    leave_exclusive();
    *queue_dpc = TRUE;
    return TRUE;
}

static void dpc(NDIS_HANDLE ctx, PVOID dctx, PVOID r1, PVOID r2)
{
    (void)ctx; (void)dctx; (void)r1; (void)r2;
    if (KeGetCurrentIrql() != DISPATCH_LEVEL || ndislock_context_current() != NDISLOCK_CTX_DPC ||
        __atomic_load_n(&isr_count, __ATOMIC_RELAXED) == 0)
        __atomic_fetch_add(&dpc_bad, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&dpc_slow, __ATOMIC_ACQUIRE)) {
        NdisStallExecution(20000);
        __atomic_store_n(&dpc_done, 1, __ATOMIC_RELEASE);
    }
    __atomic_fetch_add(&dpc_count, 1, __ATOMIC_RELAXED);
}

static BOOLEAN sync_cb(NDIS_HANDLE ctx)
{
    CHECK_EQ(ndislock_context_current(), NDISLOCK_CTX_SYNC);
    enter_exclusive();
    leave_exclusive();
    return (BOOLEAN)(ctx != NULL);
}

static struct ndislock_adapter *adapter;
#define FIRES 20000

static void *firer(void *arg)
{
    (void)arg;
    for (int i = 0; i < FIRES; i++)
        CHECK_EQ(ndislock_harness_fire_interrupt(adapter, 0), 1);
    return NULL;
}

static void *syncer(void *arg)
{
    (void)arg;
    for (int i = 0; i < FIRES; i++)
        CHECK_EQ(NdisMSynchronizeWithInterruptEx(intr, 0, sync_cb, &shared), TRUE);
    return NULL;
}

/* NDIS 5 */
static int isr5_calls, dpc5_calls;
static void isr5(PBOOLEAN recognized, PBOOLEAN queue, NDIS_HANDLE ctx)
{
    CHECK(ctx == &isr5_calls);
    CHECK(KeGetCurrentIrql() > DISPATCH_LEVEL);
    isr5_calls++;
    *recognized = TRUE;
    *queue = TRUE;
}
static void handle5(NDIS_HANDLE ctx)
{
    (void)ctx;
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    __atomic_fetch_add(&dpc5_calls, 1, __ATOMIC_RELEASE);
}
static BOOLEAN sync5(PVOID ctx)
{
    return *(int *)ctx == 1;
}

/* MSI */
static ULONG msg_seen[NDISLOCK_MAX_MESSAGES];
static BOOLEAN msi_isr(NDIS_HANDLE ctx, ULONG msg, PBOOLEAN queue, PULONG targets)
{
    (void)ctx; (void)targets;
    *queue = TRUE;
    return msg != 3;        /* message 3 is "not ours" */
}
static void msi_dpc(NDIS_HANDLE ctx, ULONG msg, PVOID d, PVOID r1, PVOID r2)
{
    (void)ctx; (void)d; (void)r1; (void)r2;
    __atomic_fetch_add(&msg_seen[msg], 1, __ATOMIC_RELAXED);
}
static int disabled_calls, enabled_calls;
static void disable_cb(NDIS_HANDLE ctx) { (void)ctx; CHECK_EQ(ndislock_context_current(), NDISLOCK_CTX_DISABLE_INTR); disabled_calls++; }
static void enable_cb(NDIS_HANDLE ctx) { (void)ctx; enabled_calls++; }

int main(void)
{
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS ic = {0};
    pthread_t t[3];

    adapter = ndislock_harness_adapter_create("test0");
    ic.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT;
    ic.Header.Revision = NDIS_MINIPORT_INTERRUPT_REVISION_1;
    ic.Header.Size = NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1;
    ic.InterruptHandler = isr;
    ic.InterruptDpcHandler = dpc;
    ic.DisableInterruptHandler = disable_cb;
    ic.EnableInterruptHandler = enable_cb;
    CHECK_EQ(NdisMRegisterInterruptEx(adapter, &shared, &ic, &intr), NDIS_STATUS_SUCCESS);
    CHECK_EQ(ic.InterruptType, NDIS_CONNECT_LINE_BASED);
    /* a second registration on the same adapter fails */
    { NDIS_HANDLE h2; CHECK(NdisMRegisterInterruptEx(adapter, &shared, &ic, &h2) != NDIS_STATUS_SUCCESS); }

    /* synchronize passes back the callback's BOOLEAN */
    CHECK_EQ(NdisMSynchronizeWithInterruptEx(intr, 0, sync_cb, &shared), TRUE);
    CHECK_EQ(NdisMSynchronizeWithInterruptEx(intr, 0, sync_cb, NULL), FALSE);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    /* exclusion under load: two device threads and a synchronizer */
    pthread_create(&t[0], NULL, firer, NULL);
    pthread_create(&t[1], NULL, firer, NULL);
    pthread_create(&t[2], NULL, syncer, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(shared, 3 * FIRES + 2);
    CHECK_EQ(isr_count, 2 * FIRES);

    /* disable / enable */
    ndislock_harness_disable_interrupt(adapter);
    CHECK_EQ(disabled_calls, 1);
    CHECK_EQ(ndislock_harness_fire_interrupt(adapter, 0), -1);
    ndislock_harness_enable_interrupt(adapter);
    CHECK_EQ(enabled_calls, 1);

    /* deregistration waits for a DPC in flight */
    __atomic_store_n(&dpc_slow, 1, __ATOMIC_RELEASE);
    CHECK_EQ(ndislock_harness_fire_interrupt(adapter, 0), 1);
    NdisMDeregisterInterruptEx(intr);
    CHECK_EQ(__atomic_load_n(&dpc_done, __ATOMIC_ACQUIRE), 1);
    CHECK(__atomic_load_n(&dpc_count, __ATOMIC_RELAXED) >= 1);
    CHECK_EQ(dpc_bad, 0);

    /* after deregistration: synchronize fails safely, interrupts are dropped */
    CHECK_EQ(NdisMSynchronizeWithInterruptEx(intr, 0, sync_cb, &shared), FALSE);
    CHECK_EQ(NdisMSynchronizeWithInterruptEx(NULL, 0, sync_cb, &shared), FALSE);
    CHECK_EQ(ndislock_harness_fire_interrupt(adapter, 0), -1);

    /* NDIS 5 names */
    {
        NDIS_MINIPORT_INTERRUPT i5;
        int one = 1;

        ndislock_harness_set_ndis5_handlers(adapter, isr5, handle5, NULL, NULL, &isr5_calls);
        CHECK_EQ(NdisMRegisterInterrupt(&i5, adapter, 10, 10, TRUE, FALSE, NdisInterruptLatched),
                 NDIS_STATUS_SUCCESS);
        CHECK_EQ(ndislock_harness_fire_interrupt(adapter, 0), 1);
        CHECK_EQ(NdisMSynchronizeWithInterrupt(&i5, sync5, &one), TRUE);
        NdisMDeregisterInterrupt(&i5);
        CHECK_EQ(isr5_calls, 1);
        CHECK_EQ(__atomic_load_n(&dpc5_calls, __ATOMIC_ACQUIRE), 1);
    }

    /* MSI: per-message DPCs */
    {
        NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS mc = {0};
        NDIS_HANDLE mh;

        mc.MsiSupported = TRUE;
        mc.MessageInterruptHandler = msi_isr;
        mc.MessageInterruptDpcHandler = msi_dpc;
        CHECK_EQ(NdisMRegisterInterruptEx(adapter, NULL, &mc, &mh), NDIS_STATUS_SUCCESS);
        CHECK_EQ(mc.InterruptType, NDIS_CONNECT_MESSAGE_BASED);
        CHECK_EQ(ndislock_harness_fire_interrupt(adapter, 2), 1);
        CHECK_EQ(ndislock_harness_fire_interrupt(adapter, 3), 0);
        CHECK_EQ(ndislock_harness_fire_interrupt(adapter, NDISLOCK_MAX_MESSAGES), -1);
        NdisMDeregisterInterruptEx(mh);
        CHECK_EQ(__atomic_load_n(&msg_seen[2], __ATOMIC_RELAXED), 1);
        CHECK_EQ(__atomic_load_n(&msg_seen[3], __ATOMIC_RELAXED), 0);
    }
    ndislock_harness_adapter_destroy(adapter);
    ndislock_contexts_shutdown();
    CHECK_DONE();
}
