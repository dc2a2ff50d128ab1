/*
 * Defect: a new thread reusing a dead thread's TLS was taken for the dead
 * holder (ownership was a TLS address): a false LOCK_RECURSIVE_ACQUIRE,
 * and the acquire "succeeded" into a held lock.  Expect: a thread exits
 * holding the lock (LOCK_HELD_AT_EXIT, as on Windows nothing releases it);
 * a new thread created after it (glibc reuses the dead thread's stack and
 * TLS) waits for the lock like anyone else: the watchdog reports
 * LOCK_DEADLOCK naming the dead holder, and the waiter gets the lock only
 * once the word is freed; never a recursive-acquire report.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>
#include <pthread.h>

static NDIS_SPIN_LOCK l;
static int got;

static void *take_and_exit(void *arg)
{
    (void)arg;
    NdisAcquireSpinLock(&l);
    return NULL;
}

static void *take(void *arg)
{
    (void)arg;
    NdisAcquireSpinLock(&l);
    __atomic_store_n(&got, 1, __ATOMIC_RELEASE);
    NdisReleaseSpinLock(&l);
    return NULL;
}

int main(void)
{
    const char *json = robust_json_path();
    char opts[200];
    pthread_t th;

    robust_deadline(60);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:deadlock_ms=100:json=%s", json);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
    NdisAllocateSpinLock(&l);
    pthread_create(&th, NULL, take_and_exit, NULL);
    pthread_join(th, NULL);
    CHECK_EQ(robust_json_count(json, "LOCK_HELD_AT_EXIT"), 1);

    pthread_create(&th, NULL, take, NULL);
    while (robust_json_count(json, "LOCK_DEADLOCK") == 0)
        usleep(10000);
    CHECK_EQ(__atomic_load_n(&got, __ATOMIC_ACQUIRE), 0);      /* it waits: the lock is held */
    ndislock_spin_unlock(&l.SpinLock);      /* what the dead holder never did (unchecked) */
    pthread_join(th, NULL);
    CHECK_EQ(got, 1);
    CHECK_EQ(robust_json_count(json, "LOCK_RECURSIVE_ACQUIRE"), 0);
    CHECK_EQ(robust_json_total(json), 2);
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    unlink(json);
    CHECK_DONE();
}
