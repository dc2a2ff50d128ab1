/*
 * IRQL levels and the spin-lock forms beyond the seeds, against wdm.h and
 * the WDK pages: the x64 IRQL values; KeRaiseIrqlToSynchLevel; ForDpc raises
 * only from below DISPATCH_LEVEL and restores what it found; RaiseToSynch
 * raises to SYNCH_LEVEL (12) and is released by the ordinary releases; the
 * queued ForDpc / RaiseToSynch forms store OldIrql in the handle; the cancel
 * spin lock is one lock for the whole process; KeAcquireInterruptSpinLock
 * raises to the interrupt's DIRQL and excludes its ISR (fired from another
 * thread meanwhile, the ISR runs only after the release); PAGED_CODE() is
 * nothing with the verifier off, even at DISPATCH_LEVEL.
 */
#include <ndis.h>

#include <pthread.h>

#include "check.h"

static KSPIN_LOCK k;

static void levels(void)
{
    KIRQL old;

    CHECK_EQ(PASSIVE_LEVEL, 0);
    CHECK_EQ(LOW_LEVEL, 0);
    CHECK_EQ(APC_LEVEL, 1);
    CHECK_EQ(DISPATCH_LEVEL, 2);
    CHECK_EQ(CMCI_LEVEL, 5);
    CHECK_EQ(SYNCH_LEVEL, 12);
    CHECK_EQ(CLOCK_LEVEL, 13);
    CHECK_EQ(IPI_LEVEL, 14);
    CHECK_EQ(DRS_LEVEL, 14);
    CHECK_EQ(POWER_LEVEL, 14);
    CHECK_EQ(PROFILE_LEVEL, 15);
    CHECK_EQ(HIGH_LEVEL, 15);
    old = KeRaiseIrqlToSynchLevel();
    CHECK_EQ(old, PASSIVE_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), SYNCH_LEVEL);
    KeLowerIrql(old);
    old = KeRaiseIrqlToDpcLevel();
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    PAGED_CODE();                   /* the verifier is off: nothing */
    KeLowerIrql(old);
}

static void for_dpc(void)
{
    KIRQL old, o2;
    KLOCK_QUEUE_HANDLE h;

    old = KeAcquireSpinLockForDpc(&k);          /* from PASSIVE: raises */
    CHECK_EQ(old, PASSIVE_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    CHECK_EQ(KeTestSpinLock(&k), FALSE);
    KeReleaseSpinLockForDpc(&k, old);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    CHECK_EQ(KeTestSpinLock(&k), TRUE);

    KeRaiseIrql(DISPATCH_LEVEL, &o2);
    old = KeAcquireSpinLockForDpc(&k);          /* at DISPATCH: no change */
    CHECK_EQ(old, DISPATCH_LEVEL);
    KeReleaseSpinLockForDpc(&k, old);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeAcquireInStackQueuedSpinLockForDpc(&k, &h);
    CHECK_EQ(h.OldIrql, DISPATCH_LEVEL);
    KeReleaseInStackQueuedSpinLockForDpc(&h);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeLowerIrql(o2);

    KeAcquireInStackQueuedSpinLockForDpc(&k, &h);
    CHECK_EQ(h.OldIrql, PASSIVE_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeReleaseInStackQueuedSpinLockForDpc(&h);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

static void to_synch(void)
{
    KIRQL old;
    KLOCK_QUEUE_HANDLE h;

    old = KeAcquireSpinLockRaiseToSynch(&k);
    CHECK_EQ(old, PASSIVE_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), SYNCH_LEVEL);
    CHECK_EQ(KeTestSpinLock(&k), FALSE);
    KeReleaseSpinLock(&k, old);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KeAcquireInStackQueuedSpinLockRaiseToSynch(&k, &h);
    CHECK_EQ(h.OldIrql, PASSIVE_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), SYNCH_LEVEL);
    KeReleaseInStackQueuedSpinLock(&h);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    CHECK_EQ(KeTestSpinLock(&k), TRUE);
}

/* ---- the cancel spin lock: one lock, mutual exclusion across threads ---- */

static unsigned long cancel_count;

static void *canceller(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        KIRQL old;
        IoAcquireCancelSpinLock(&old);
        CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
        cancel_count++;
        IoReleaseCancelSpinLock(old);
    }
    return NULL;
}

static void cancel_lock(void)
{
    pthread_t t[3];

    for (int i = 0; i < 3; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, canceller, NULL), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(cancel_count, 60000ul);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

/* ---- the interrupt spin lock excludes the ISR ---- */

static NDIS_HANDLE intr;
static struct ndislock_adapter *adapter;
static int holding, isr_ran_while_held, isr_runs, fired;

static BOOLEAN Isr(NDIS_HANDLE c, PBOOLEAN q, PULONG t)
{
    (void)c; (void)t;
    *q = FALSE;
    isr_ran_while_held |= __atomic_load_n(&holding, __ATOMIC_SEQ_CST);
    isr_runs++;
    return TRUE;
}

static VOID Dpc(NDIS_HANDLE c, PVOID d, PVOID a, PVOID b) { (void)c; (void)d; (void)a; (void)b; }

static void *firer(void *arg)
{
    (void)arg;
    __atomic_store_n(&fired, 1, __ATOMIC_SEQ_CST);
    CHECK_EQ(ndislock_harness_fire_interrupt(adapter, 0), 1);   /* waits for the lock */
    return NULL;
}

static void interrupt_lock(void)
{
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS ic;
    pthread_t t;
    KIRQL old;

    adapter = ndislock_harness_adapter_create("s0");
    NdisZeroMemory(&ic, sizeof(ic));
    ic.InterruptHandler = Isr;
    ic.InterruptDpcHandler = Dpc;
    CHECK_EQ(NdisMRegisterInterruptEx(adapter, NULL, &ic, &intr), NDIS_STATUS_SUCCESS);
    old = KeAcquireInterruptSpinLock((PKINTERRUPT)intr);
    CHECK_EQ(old, PASSIVE_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), NDISLOCK_DEVICE_IRQL);
    __atomic_store_n(&holding, 1, __ATOMIC_SEQ_CST);
    CHECK_EQ(pthread_create(&t, NULL, firer, NULL), 0);
    while (!__atomic_load_n(&fired, __ATOMIC_SEQ_CST))
        ;
    NdisStallExecution(2000);       /* the ISR would have run by now if the lock let it */
    __atomic_store_n(&holding, 0, __ATOMIC_SEQ_CST);
    KeReleaseInterruptSpinLock((PKINTERRUPT)intr, old);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    pthread_join(t, NULL);
    CHECK_EQ(isr_runs, 1);
    CHECK_EQ(isr_ran_while_held, 0);
    NdisMDeregisterInterruptEx(intr);
    /* on a deregistered interrupt: nothing taken, nothing to release */
    old = KeAcquireInterruptSpinLock((PKINTERRUPT)intr);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KeReleaseInterruptSpinLock((PKINTERRUPT)intr, old);
    ndislock_harness_adapter_destroy(adapter);
}

int main(void)
{
    KeInitializeSpinLock(&k);
    levels();
    for_dpc();
    to_synch();
    cancel_lock();
    interrupt_lock();
    ndislock_contexts_shutdown();
    CHECK_DONE();
}
