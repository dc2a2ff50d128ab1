/*
 * bench/api_bench.c - what the issue-8 surface costs, each beside a baseline
 * measured in the same run:
 *   uncontended pairs (ns): NDIS 6.20 RW read / write / nested read, NDIS 5
 *     read, EX shared, pthread_rwlock (baseline), NdisAcquireSpinLock pair
 *     (baseline); SList push+pop vs the spin-locked NdisInterlockedPush/Pop
 *     list (baseline); KeSetEvent+poll wait vs a pthread mutex pair;
 *   readers on one RW lock from T threads (Mops/s), NDIS 6.20 vs
 *     pthread_rwlock, and T threads pushing/popping one SList vs the
 *     spin-locked list.
 * Never part of the tests.  usage: api_bench [ms per measurement, default 300]
 * With -DAPI_BENCH_RW_ONLY it builds against the 0.1 headers too (the NDIS
 * 6.20 RW pairs only), to compare the RW lock before and after issue 8.
 */
#include <ndis.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned ms = 300;

/* Runs body in batches until ms have passed; prints ns per iteration. */
#define PAIR(name, body)                                                        \
    do {                                                                        \
        uint64_t t0 = now_ns(), n = 0, dt;                                      \
        do {                                                                    \
            for (int i_ = 0; i_ < 1000; i_++) {                                 \
                body;                                                           \
            }                                                                   \
            n += 1000;                                                          \
        } while ((dt = now_ns() - t0) < (uint64_t)ms * 1000000u);              \
        printf("%-44s %8.2f ns\n", name, (double)dt / (double)n);             \
    } while (0)

static PNDIS_RW_LOCK_EX rw6;
static pthread_rwlock_t prw = PTHREAD_RWLOCK_INITIALIZER;

static void pairs_rw6(void)
{
    LOCK_STATE_EX s, s2;
    KIRQL old;

    PAIR("NdisAcquireRWLockRead + Release", {
        NdisAcquireRWLockRead(rw6, &s, 0);
        NdisReleaseRWLock(rw6, &s);
    });
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    PAIR("NdisAcquireRWLockRead (AT_DISPATCH) + Release", {
        NdisAcquireRWLockRead(rw6, &s, NDIS_RWL_AT_DISPATCH_LEVEL);
        NdisReleaseRWLock(rw6, &s);
    });
    KeLowerIrql(old);
    PAIR("NdisAcquireRWLockWrite + Release", {
        NdisAcquireRWLockWrite(rw6, &s, 0);
        NdisReleaseRWLock(rw6, &s);
    });
    NdisAcquireRWLockRead(rw6, &s2, 0);
    PAIR("nested NdisAcquireRWLockRead + Release", {
        NdisAcquireRWLockRead(rw6, &s, NDIS_RWL_AT_DISPATCH_LEVEL);
        NdisReleaseRWLock(rw6, &s);
    });
    NdisReleaseRWLock(rw6, &s2);
    PAIR("pthread_rwlock_rdlock + unlock (baseline)", {
        pthread_rwlock_rdlock(&prw);
        pthread_rwlock_unlock(&prw);
    });
}

/* ---- readers from T threads ---- */

static volatile int go, stop;
static int use_pthread;

static void *reader(void *arg)
{
    uint64_t n = 0;

    (void)arg;
    while (!go)
        ;
    while (!stop) {
        for (int i = 0; i < 256; i++) {
            if (use_pthread) {
                pthread_rwlock_rdlock(&prw);
                pthread_rwlock_unlock(&prw);
            } else {
                LOCK_STATE_EX s;
                NdisAcquireRWLockRead(rw6, &s, 0);
                NdisReleaseRWLock(rw6, &s);
            }
        }
        n += 256;
    }
    return (void *)(uintptr_t)n;
}

static double run_threads(void *(*fn)(void *), int threads)
{
    pthread_t t[16];
    uint64_t total = 0, t0;

    go = stop = 0;
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, fn, NULL);
    t0 = now_ns();
    go = 1;
    while (now_ns() - t0 < (uint64_t)ms * 1000000u)
        ;
    stop = 1;
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (uint64_t)(uintptr_t)r;
    }
    return (double)total / ((double)(now_ns() - t0) / 1e3);      /* Mops/s */
}

#ifndef API_BENCH_RW_ONLY

static NDIS_SPIN_LOCK nsl;
static SLIST_HEADER sl;
static SINGLE_LIST_ENTRY locked_head;
static struct { SLIST_ENTRY e; SINGLE_LIST_ENTRY s; } items[64];
static int use_locked;

static void *churn(void *arg)
{
    uint64_t n = 0;

    (void)arg;
    while (!go)
        ;
    while (!stop) {
        for (int i = 0; i < 256; i++) {
            if (use_locked) {
                PSINGLE_LIST_ENTRY e = NdisInterlockedPopEntryList(&locked_head, &nsl);
                if (e != NULL)
                    NdisInterlockedPushEntryList(&locked_head, e, &nsl);
            } else {
                PSLIST_ENTRY e = InterlockedPopEntrySList(&sl);
                if (e != NULL)
                    InterlockedPushEntrySList(&sl, e);
            }
        }
        n += 256;
    }
    return (void *)(uintptr_t)n;
}

static void pairs_other(void)
{
    NDIS_RW_LOCK rw5;
    LOCK_STATE s5;
    EX_SPIN_LOCK ex = 0;
    KEVENT ev;
    LARGE_INTEGER zero;
    pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
    SLIST_ENTRY e;
    SINGLE_LIST_ENTRY se;

    NdisInitializeReadWriteLock(&rw5);
    PAIR("NdisAcquireReadWriteLock(read) + Release", {
        NdisAcquireReadWriteLock(&rw5, FALSE, &s5);
        NdisReleaseReadWriteLock(&rw5, &s5);
    });
    PAIR("ExAcquireSpinLockShared + Release", {
        KIRQL o = ExAcquireSpinLockShared(&ex);
        ExReleaseSpinLockShared(&ex, o);
    });
    PAIR("NdisAcquireSpinLock + Release (baseline)", {
        NdisAcquireSpinLock(&nsl);
        NdisReleaseSpinLock(&nsl);
    });
    PAIR("InterlockedPushEntrySList + Pop", {
        InterlockedPushEntrySList(&sl, &e);
        (void)InterlockedPopEntrySList(&sl);
    });
    PAIR("NdisInterlockedPushEntryList + Pop (baseline)", {
        NdisInterlockedPushEntryList(&locked_head, &se, &nsl);
        (void)NdisInterlockedPopEntryList(&locked_head, &nsl);
    });
    KeInitializeEvent(&ev, SynchronizationEvent, FALSE);
    zero.QuadPart = 0;
    PAIR("KeSetEvent + KeWaitForSingleObject(0)", {
        KeSetEvent(&ev, 0, FALSE);
        (void)KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, &zero);
    });
    PAIR("pthread_mutex_lock + unlock (baseline)", {
        pthread_mutex_lock(&pm);
        pthread_mutex_unlock(&pm);
    });
}

#endif

int main(int argc, char **argv)
{
    if (argc > 1)
        ms = (unsigned)atoi(argv[1]);
    rw6 = NdisAllocateRWLock(NULL);
    printf("uncontended pairs (%u ms each)\n", ms);
    pairs_rw6();
#ifndef API_BENCH_RW_ONLY
    NdisAllocateSpinLock(&nsl);
    InitializeSListHead(&sl);
    pairs_other();
#endif
    printf("readers on one RW lock (Mops/s)\n");
    for (int t = 1; t <= 4; t *= 2) {
        use_pthread = 0;
        double a = run_threads(reader, t);
        use_pthread = 1;
        double b = run_threads(reader, t);
        printf("  %d thread(s): NDIS 6.20 %7.2f   pthread_rwlock %7.2f   ratio %.2f\n", t, a, b, a / b);
    }
#ifndef API_BENCH_RW_ONLY
    printf("pop+push on one list (Mops/s)\n");
    for (int i = 0; i < 64; i++) {
        InterlockedPushEntrySList(&sl, &items[i].e);
        NdisInterlockedPushEntryList(&locked_head, &items[i].s, &nsl);
    }
    for (int t = 1; t <= 4; t *= 2) {
        use_locked = 0;
        double a = run_threads(churn, t);
        use_locked = 1;
        double b = run_threads(churn, t);
        printf("  %d thread(s): SList %7.2f   spin-locked list %7.2f   ratio %.2f\n", t, a, b, a / b);
    }
#endif
    NdisFreeRWLock(rw6);
    ndislock_contexts_shutdown();
    return 0;
}
