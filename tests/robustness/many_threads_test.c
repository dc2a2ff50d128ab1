/*
 * A correct program gets no report at scale: 1000 threads (50 at a time),
 * each taking a shared lock, its own lock (one class: per-queue locks) and
 * a nested pair in a fixed order; then 10^6 lock lifetimes (10^5 under a
 * sanitizer) across 4 threads, each lock initialized, taken, freed and its
 * memory reused.  Expect: exact counts, no report, no warning.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>
#include <pthread.h>

#define THREADS 1000
#define BATCH   50

static NDIS_SPIN_LOCK shared, outer, inner;
static unsigned long total;
static long lifetimes_per_thread;

static void *worker(void *arg)
{
    NDIS_SPIN_LOCK own;

    (void)arg;
    NdisAllocateSpinLock(&own);
    for (int i = 0; i < 100; i++) {
        NdisAcquireSpinLock(&shared);
        total++;
        NdisReleaseSpinLock(&shared);
        NdisAcquireSpinLock(&own);
        NdisReleaseSpinLock(&own);
        NdisAcquireSpinLock(&outer);
        NdisDprAcquireSpinLock(&inner);
        NdisDprReleaseSpinLock(&inner);
        NdisReleaseSpinLock(&outer);
    }
    NdisFreeSpinLock(&own);
    return NULL;
}

static void *lifetimes(void *arg)
{
    (void)arg;
    for (long i = 0; i < lifetimes_per_thread; i++) {
        NDIS_SPIN_LOCK *l = malloc(sizeof *l);
        NdisAllocateSpinLock(l);
        NdisAcquireSpinLock(l);
        NdisReleaseSpinLock(l);
        NdisFreeSpinLock(l);
        free(l);
    }
    return NULL;
}

int main(void)
{
    pthread_t th[BATCH];

    robust_deadline(600);
    CHECK_EQ(ndislock_verifier_configure("verify=1:halt_on_error=0:stats=0"), 0);
    NdisAllocateSpinLock(&shared);
    NdisAllocateSpinLock(&outer);
    NdisAllocateSpinLock(&inner);
    for (int done = 0; done < THREADS; done += BATCH) {
        for (int i = 0; i < BATCH; i++)
            CHECK_EQ(pthread_create(&th[i], NULL, worker, NULL), 0);
        for (int i = 0; i < BATCH; i++)
            pthread_join(th[i], NULL);
    }
    CHECK_EQ(total, THREADS * 100ul);
    lifetimes_per_thread = (ROBUST_SANITIZED ? 100000 : 1000000) / 4;
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, lifetimes, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ(ndislock_verifier_report_count(), 0);
    CHECK_EQ(ndislock_verifier_warning_count(), 0);
    CHECK_DONE();
}
