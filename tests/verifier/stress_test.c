/*
 * The verifier under load: more threads than cores taking NDIS, Ke,
 * in-stack queued and interlocked locks, nested in one consistent order
 * (classes and same-class instances), with the deadlock watchdog armed.
 * Expect: exact counts, no report, no hang, a few seconds on 2 cores.
 */
#include "check.h"

#include <ndis.h>
#include <ndislock/verifier.h>

#include <pthread.h>
#include <time.h>

#define THREADS 8
#define ITERS   2000

static NDIS_SPIN_LOCK outer, inner, listlock, q[4];
static KSPIN_LOCK kspin;
static LIST_ENTRY list;
static long n_outer, n_k, n_q[4];
static ULONG n_add;
static LIST_ENTRY nodes[THREADS][ITERS];   /* a node is never reused: another thread may hold it */

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    LIST_ENTRY *mine = nodes[seed - 1];

    for (int i = 0; i < ITERS; i++) {
        NdisAcquireSpinLock(&outer);
        NdisDprAcquireSpinLock(&inner);
        n_outer++;
        NdisDprReleaseSpinLock(&inner);
        NdisReleaseSpinLock(&outer);

        KLOCK_QUEUE_HANDLE h;
        KeAcquireInStackQueuedSpinLock(&kspin, &h);
        n_k++;
        KeReleaseInStackQueuedSpinLock(&h);

        NdisInterlockedInsertTailList(&list, &mine[i], &listlock);
        CHECK(NdisInterlockedRemoveHeadList(&list, &listlock) != NULL);
        NdisInterlockedAddUlong(&n_add, 1, &listlock);

        seed = seed * 1103515245u + 12345u;
        int x = (int)(seed >> 16) % 4, y = (int)(seed >> 8) % 4;
        if (x > y) {
            int t = x;
            x = y;
            y = t;
        }
        NdisAcquireSpinLock(&q[x]);             /* same class, always lower index first */
        if (y != x)
            NdisDprAcquireSpinLock(&q[y]);
        n_q[x]++;
        if (y != x) {
            n_q[y]++;
            NdisDprReleaseSpinLock(&q[y]);
        }
        NdisReleaseSpinLock(&q[x]);
    }
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    return NULL;
}

int main(void)
{
    struct timespec t0, t1;
    pthread_t th[THREADS];

    CHECK_EQ(ndislock_verifier_configure("verify=1:hold_us=0:deadlock_ms=60000:stats=0"), 0);
    NdisAllocateSpinLock(&outer);
    NdisAllocateSpinLock(&inner);
    NdisAllocateSpinLock(&listlock);
    for (int i = 0; i < 4; i++)
        NdisAllocateSpinLock(&q[i]);
    KeInitializeSpinLock(&kspin);
    InitializeListHead(&list);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    long qsum = 0;
    for (int i = 0; i < 4; i++)
        qsum += n_q[i];
    CHECK_EQ(n_outer, THREADS * ITERS);
    CHECK_EQ(n_k, THREADS * ITERS);
    CHECK_EQ(n_add, THREADS * ITERS);
    CHECK(qsum >= THREADS * ITERS && qsum <= 2 * THREADS * ITERS);
    CHECK(IsListEmpty(&list));
    CHECK_EQ(ndislock_verifier_report_count(), 0);
    printf("%d threads x %d iterations, verifier on: %.2f s\n", THREADS, ITERS,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    ndislock_stats_dump(stdout, 0);
    CHECK_DONE();
}
