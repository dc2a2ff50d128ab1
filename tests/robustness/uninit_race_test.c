/*
 * Defect: LOCK_NOT_INITIALIZED recovery published the lock's record before
 * clearing its word, so a concurrent holder's hold was wiped (a filter
 * driver relying on zeroed memory saw a false LOCK_DEADLOCK and a hang).
 * Expect: two threads take thousands of zeroed, never-initialized locks at
 * the same moment: mutual exclusion holds (exact counts), and the only
 * reports are LOCK_NOT_INITIALIZED, never a deadlock or ownership report.
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
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:deadlock_ms=2000:hold_us=0:json=%s",
             json);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
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
