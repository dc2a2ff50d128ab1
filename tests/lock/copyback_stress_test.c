/*
 * copyback_stress_test - issue 11's Done-when: holders copy the structure
 * around the held lock out and back (and rewrite the lock word with the
 * value it holds) while other threads spin, sleep, starve and queue on it.
 * More threads than CPUs, every acquire form on one lock (NDIS, NDIS Dpr,
 * Ke, in-stack queued), occasional long holds so that waiters park.  The
 * count of acquisitions is exact; a lost update (a broken exclusion, or a
 * copy-back that lost a write) shows in the counters, a lost wake-up as no
 * progress, which the watchdog turns into a failure instead of a hang.
 *
 *   copyback_stress_test [acquisitions]   (default 10^7; the TSan build
 *   runs a tenth: 10^7 take it about 70 s on a 2-CPU VM)
 */
#define _GNU_SOURCE
#include <ndis.h>

#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "copyback.h"

/* 10^7 in every variant (issue 11): plain and ASan ~7 s, aarch64 under qemu ~15 s,
 * TSan ~60-90 s on the 2-CPU VM */
#define DEFAULT_COUNT 10000000L
#define THREADS 8           /* four per CPU on the 2-CPU machines it runs on; divides 10^7 */
#define STALL_S 30          /* no progress for this long: a lost wake-up */

/* The driver's structure: the lock inside, data on both sides of it. */
struct adapter {
    uint64_t head[3];
    NDIS_SPIN_LOCK Lock;
    uint64_t counter;       /* acquisitions, through copy-backs */
    uint64_t shadow;        /* 3 per acquisition */
    uint32_t tail[5];
};

static struct adapter A;
static long per_thread;
static struct {
    uint64_t done, copies, rewrites, long_holds;
} __attribute__((aligned(64))) stats[THREADS];

static unsigned rnd(unsigned *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* The critical section: the update goes through a copy of the whole structure. */
static void critical(int id, unsigned *s)
{
    struct adapter copy;

    COPY_STRUCT(struct adapter, &copy, &A, Lock);     /* out: the word held, OldIrql */
    copy.counter++;
    copy.shadow += 3;
    unsigned r = rnd(s);
    if (r % 2048 == 0) {                              /* a long hold: waiters park */
        struct timespec d = { 0, 100000 + (long)(r % 200) * 1000 };
        nanosleep(&d, NULL);
        stats[id].long_holds++;
    }
    if (r % 7 == 0) {
        REWRITE_WORD(A.Lock.SpinLock);                 /* the word, with the value it holds */
        stats[id].rewrites++;
    }
    COPY_STRUCT(struct adapter, &A, &copy, Lock);     /* and back */
    stats[id].copies++;
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    unsigned s = (unsigned)id * 2654435761u + 1;
    KIRQL old;

    for (long i = 0; i < per_thread; i++) {
        switch (rnd(&s) % 4) {
        case 0:
            NdisAcquireSpinLock(&A.Lock);
            critical(id, &s);
            NdisReleaseSpinLock(&A.Lock);
            break;
        case 1:
            KeRaiseIrql(DISPATCH_LEVEL, &old);
            NdisDprAcquireSpinLock(&A.Lock);
            critical(id, &s);
            NdisDprReleaseSpinLock(&A.Lock);
            KeLowerIrql(old);
            break;
        case 2:
            KeAcquireSpinLock(&A.Lock.SpinLock, &old);
            critical(id, &s);
            KeReleaseSpinLock(&A.Lock.SpinLock, old);
            break;
        default: {
            KLOCK_QUEUE_HANDLE h;
            KeAcquireInStackQueuedSpinLock(&A.Lock.SpinLock, &h);
            critical(id, &s);
            KeReleaseInStackQueuedSpinLock(&h);
            break;
        }
        }
        __atomic_store_n(&stats[id].done, (uint64_t)i + 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static int finished;

static void *watchdog(void *arg)
{
    uint64_t last = 0;
    int still = 0;

    (void)arg;
    while (!__atomic_load_n(&finished, __ATOMIC_ACQUIRE)) {
        sleep(1);
        uint64_t sum = 0;
        for (int i = 0; i < THREADS; i++)
            sum += __atomic_load_n(&stats[i].done, __ATOMIC_RELAXED);
        still = sum == last ? still + 1 : 0;
        last = sum;
        if (still >= STALL_S) {
            fprintf(stderr, "copyback_stress_test: no progress for %d s at %llu acquisitions "
                            "(word %#llx, %u registered waiters): lost wake-up\n",
                    STALL_S, (unsigned long long)sum,
                    (unsigned long long)__atomic_load_n(&A.Lock.SpinLock, __ATOMIC_RELAXED),
                    __atomic_load_n(&ndislock__spin_waiters, __ATOMIC_RELAXED));
            _exit(2);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long total = argc > 1 ? atol(argv[1]) : DEFAULT_COUNT;
    pthread_t t[THREADS], wd;
    struct timespec t0, t1;

    per_thread = total / THREADS;
    total = per_thread * THREADS;
    NdisAllocateSpinLock(&A.Lock);
    for (int i = 0; i < 3; i++)
        A.head[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
    for (int i = 0; i < 5; i++)
        A.tail[i] = 0x22222222u + (uint32_t)i;
    CHECK(pthread_create(&wd, NULL, watchdog, NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_join(t[i], NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    __atomic_store_n(&finished, 1, __ATOMIC_RELEASE);
    CHECK(pthread_join(wd, NULL) == 0);

    uint64_t copies = 0, rewrites = 0, long_holds = 0;
    for (int i = 0; i < THREADS; i++) {
        copies += stats[i].copies;
        rewrites += stats[i].rewrites;
        long_holds += stats[i].long_holds;
    }
    printf("%d threads, %ld acquisitions, %llu copy-backs, %llu word rewrites, %llu long holds "
           "in %.2f s\n", THREADS, total, (unsigned long long)copies,
           (unsigned long long)rewrites, (unsigned long long)long_holds,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    CHECK_EQ(A.counter, total);                  /* no lost update */
    CHECK_EQ(A.shadow, 3 * total);
    CHECK_EQ(copies, total);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(A.head[i], 0x1111111111111111ull * (uint64_t)(i + 1));
    for (int i = 0; i < 5; i++)
        CHECK_EQ(A.tail[i], 0x22222222u + (uint32_t)i);
    CHECK_EQ(A.Lock.SpinLock, 0);                 /* free */
    CHECK_EQ(ndislock__spin_waiters, 0);          /* nobody left registered */
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    NdisFreeSpinLock(&A.Lock);
    CHECK_DONE();
}
