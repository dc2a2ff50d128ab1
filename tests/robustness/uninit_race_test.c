/*
 * Defect: LOCK_NOT_INITIALIZED recovery published the lock's record before
 * clearing its word, so a concurrent holder's hold was wiped (a filter
 * driver relying on zeroed memory saw a false LOCK_DEADLOCK and a hang).
 * Expect: a zeroed, never-initialized lock held (taken before the verifier
 * was switched on) is first touched under the verifier by another thread:
 * LOCK_NOT_INITIALIZED, and that thread waits until the holder releases;
 * two threads take thousands of zeroed locks at the same moment: mutual
 * exclusion holds (exact counts); the only reports are
 * LOCK_NOT_INITIALIZED, never a deadlock or ownership report.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>
#include <pthread.h>

#define LOCKS 4000
#define REPS  8

static NDIS_SPIN_LOCK locks[LOCKS];        /* zeroed, never initialized */
static unsigned long counts[LOCKS];
static pthread_barrier_t start;
static NDIS_SPIN_LOCK held;                 /* zeroed, never initialized */
static int entered;

static void *take_held(void *arg)
{
    (void)arg;
    NdisAcquireSpinLock(&held);
    __atomic_store_n(&entered, 1, __ATOMIC_RELEASE);
    NdisReleaseSpinLock(&held);
    return NULL;
}

static void *worker(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    for (int i = 0; i < LOCKS; i++)
        for (int r = 0; r < REPS; r++) {
            NdisAcquireSpinLock(&locks[i]);
            unsigned long v = counts[i];
            __asm__ __volatile__("" ::: "memory");
            counts[i] = v + 1;
            NdisReleaseSpinLock(&locks[i]);
        }
    return NULL;
}

int main(void)
{
    const char *json = robust_json_path();
    char opts[200];
    pthread_t th[2];

    robust_deadline(120);
    NdisAcquireSpinLock(&held);                     /* the verifier is off: unchecked */
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:deadlock_ms=20000:hold_us=0:json=%s",
             json);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
    pthread_create(&th[0], NULL, take_held, NULL);
    while (robust_json_count(json, "LOCK_NOT_INITIALIZED") == 0)
        usleep(1000);
    usleep(100000);
    CHECK_EQ(__atomic_load_n(&entered, __ATOMIC_ACQUIRE), 0);  /* my hold was not wiped */
    NdisReleaseSpinLock(&held);
    pthread_join(th[0], NULL);
    CHECK_EQ(entered, 1);
    CHECK_EQ(robust_json_total(json), 1);

    pthread_barrier_init(&start, NULL, 2);
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < LOCKS; i++)
        CHECK_EQ(counts[i], 2 * REPS);
    int n = robust_json_count(json, "LOCK_NOT_INITIALIZED");
    CHECK(n >= 1);
    CHECK_EQ(robust_json_total(json), n);
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    unlink(json);
    CHECK_DONE();
}
