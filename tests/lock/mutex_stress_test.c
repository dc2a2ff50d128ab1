/*
 * Mutual exclusion under every lock form: threads (2, then more than the
 * cores: 4 and 8) increment shared non-atomic state under the lock for a
 * bounded time; nothing may be lost, nobody may be inside together, and the
 * IRQL inside is DISPATCH_LEVEL.  Under TSan any overlap is also a race report.
 */
#include <ndis.h>

#include <pthread.h>
#include <time.h>

#include "check.h"

enum form { F_NDIS, F_NDIS_DPR, F_KE, F_KE_RAISE_TO_DPC, F_KE_AT_DPC, F_QUEUED, F_QUEUED_AT_DPC,
            F_KE_TRY, F_COUNT };
static const char *const form_name[F_COUNT] = {
    "NdisAcquireSpinLock", "NdisDprAcquireSpinLock", "KeAcquireSpinLock",
    "KeAcquireSpinLockRaiseToDpc", "KeAcquireSpinLockAtDpcLevel", "KeAcquireInStackQueuedSpinLock",
    "KeAcquireInStackQueuedSpinLockAtDpcLevel", "KeTryToAcquireSpinLockAtDpcLevel",
};

static NDIS_SPIN_LOCK lock;
static struct {
    long counter;
    int inside;
    char pad[64];
    long other;   /* a second cache line written in the same critical section */
} shared;
static int stop;
#define MIN_EACH 1000
static enum form current;

static void critical_section(void)
{
    CHECK_EQ(shared.inside, 0);
    shared.inside = 1;
    shared.counter++;
    shared.other += 2;
    if (KeGetCurrentIrql() != DISPATCH_LEVEL)
        CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    shared.inside = 0;
}

static void *worker(void *arg)
{
    long *mine = arg;
    KIRQL old;

    /* at least MIN_EACH acquisitions each, however late the thread gets a CPU: the
     * time bound only adds more (a loaded machine must not make the test vacuous) */
    while (*mine < MIN_EACH || !__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        for (int i = 0; i < 64; i++) {
            switch (current) {
            case F_NDIS:
                NdisAcquireSpinLock(&lock);
                critical_section();
                NdisReleaseSpinLock(&lock);
                break;
            case F_NDIS_DPR:
                KeRaiseIrql(DISPATCH_LEVEL, &old);
                NdisDprAcquireSpinLock(&lock);
                critical_section();
                NdisDprReleaseSpinLock(&lock);
                KeLowerIrql(old);
                break;
            case F_KE:
                KeAcquireSpinLock(&lock.SpinLock, &old);
                critical_section();
                KeReleaseSpinLock(&lock.SpinLock, old);
                break;
            case F_KE_RAISE_TO_DPC:
                old = KeAcquireSpinLockRaiseToDpc(&lock.SpinLock);
                critical_section();
                KeReleaseSpinLock(&lock.SpinLock, old);
                break;
            case F_KE_AT_DPC:
                KeRaiseIrql(DISPATCH_LEVEL, &old);
                KeAcquireSpinLockAtDpcLevel(&lock.SpinLock);
                critical_section();
                KeReleaseSpinLockFromDpcLevel(&lock.SpinLock);
                KeLowerIrql(old);
                break;
            case F_QUEUED: {
                KLOCK_QUEUE_HANDLE h;
                KeAcquireInStackQueuedSpinLock(&lock.SpinLock, &h);
                critical_section();
                KeReleaseInStackQueuedSpinLock(&h);
                break;
            }
            case F_QUEUED_AT_DPC: {
                KLOCK_QUEUE_HANDLE h;
                KeRaiseIrql(DISPATCH_LEVEL, &old);
                KeAcquireInStackQueuedSpinLockAtDpcLevel(&lock.SpinLock, &h);
                critical_section();
                KeReleaseInStackQueuedSpinLockFromDpcLevel(&h);
                KeLowerIrql(old);
                break;
            }
            case F_KE_TRY:
                KeRaiseIrql(DISPATCH_LEVEL, &old);
                while (!KeTryToAcquireSpinLockAtDpcLevel(&lock.SpinLock))
                    ;
                critical_section();
                KeReleaseSpinLockFromDpcLevel(&lock.SpinLock);
                KeLowerIrql(old);
                break;
            default:
                CHECK(0);
            }
            ++*mine;
            CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    /* milliseconds per (form, thread count); the default keeps the whole run near 5 s */
    long ms = argc > 1 ? atol(argv[1]) : 150;
    static const int thread_counts[] = { 2, 4, 8 };

    NdisAllocateSpinLock(&lock);
    for (int f = 0; f < F_COUNT; f++) {
        for (unsigned c = 0; c < 3; c++) {
            int n = thread_counts[c];
            pthread_t th[8];
            long counts[8] = { 0 };
            long total = 0;

            current = (enum form)f;
            shared.counter = shared.other = 0;
            __atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
            for (int t = 0; t < n; t++)
                CHECK(pthread_create(&th[t], NULL, worker, &counts[t]) == 0);
            struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
            nanosleep(&ts, NULL);
            __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
            for (int t = 0; t < n; t++) {
                CHECK(pthread_join(th[t], NULL) == 0);
                total += counts[t];
            }
            printf("%-42s %d threads: %9ld acquisitions, none lost\n", form_name[f], n, total);
            CHECK(total >= (long)n * MIN_EACH);
            CHECK_EQ(shared.counter, total);
            CHECK_EQ(shared.other, 2 * total);
            CHECK_EQ(lock.SpinLock, 0);   /* free, no waiter left registered */
        }
    }
    NdisFreeSpinLock(&lock);
    CHECK_DONE();
}
