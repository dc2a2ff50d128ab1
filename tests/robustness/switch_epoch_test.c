/*
 * Defect: verify switched off and on at run time with a lock held gave a
 * false LOCK_RECURSIVE_ACQUIRE and skipped the acquire, so the program ran
 * without mutual exclusion.  Expect: held under the verifier, released
 * with it off, taken again with it on: no report, and the lock really is
 * held (another thread cannot take it); taken with the verifier off and
 * released with it on: no report, the lock free again, the IRQL restored.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>
#include <pthread.h>

static NDIS_SPIN_LOCK l;

static void *try_it(void *arg)
{
    KIRQL irql;
    KeRaiseIrql(DISPATCH_LEVEL, &irql);
    *(int *)arg = KeTryToAcquireSpinLockAtDpcLevel(&l.SpinLock);
    if (*(int *)arg)
        KeReleaseSpinLockFromDpcLevel(&l.SpinLock);
    KeLowerIrql(irql);
    return NULL;
}

static int other_thread_gets_it(void)
{
    pthread_t th;
    int got = -1;

    pthread_create(&th, NULL, try_it, &got);
    pthread_join(th, NULL);
    return got;
}

int main(void)
{
    robust_deadline(30);
    CHECK_EQ(ndislock_verifier_configure("verify=1:halt_on_error=0"), 0);
    NdisAllocateSpinLock(&l);
    for (int round = 0; round < 3; round++) {
        NdisAcquireSpinLock(&l);
        CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
        NdisReleaseSpinLock(&l);
        CHECK_EQ(ndislock_verifier_configure("verify=1"), 0);
        NdisAcquireSpinLock(&l);
        CHECK_EQ(other_thread_gets_it(), 0);        /* held for real */
        NdisReleaseSpinLock(&l);
        CHECK_EQ(other_thread_gets_it(), 1);
        CHECK_EQ(ndislock_verifier_report_count(), 0);

        CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
        NdisAcquireSpinLock(&l);
        CHECK_EQ(ndislock_verifier_configure("verify=1"), 0);
        NdisReleaseSpinLock(&l);
        CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
        CHECK_EQ(other_thread_gets_it(), 1);
        CHECK_EQ(ndislock_verifier_report_count(), 0);
    }
    CHECK_DONE();
}
