/*
 * Cost of an uncontended NdisAcquireSpinLock + NdisReleaseSpinLock pair with
 * the verifier off, with statistics only, with the verifier on, and with the
 * verifier on recording whole stacks (acquire_stacks=1), in one run.
 *
 *   cmake --build build/gcc && gcc -O2 -Iinclude bench/verifier_overhead.c \
 *       build/gcc/src/libndislock.a -ldw -lpthread -ldl -o /tmp/verifier_overhead && /tmp/verifier_overhead
 */
#include <ndis.h>
#include <ndislock/verifier.h>

#include <stdio.h>
#include <time.h>

static NDIS_SPIN_LOCK lock;

static double ns_per_pair(long n)
{
    struct timespec a, b;

    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        NdisAcquireSpinLock(&lock);
        __asm__ __volatile__("" ::: "memory");
        NdisReleaseSpinLock(&lock);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n;
}

static double best_of(int runs, long n)
{
    double best = 1e18;
    for (int r = 0; r < runs; r++) {
        double x = ns_per_pair(n);
        if (x < best)
            best = x;
    }
    return best;
}

int main(void)
{
    NdisAllocateSpinLock(&lock);
    double off = best_of(5, 20000000);
    ndislock_verifier_configure("stats=1:verify=0");
    NdisAllocateSpinLock(&lock);
    double stats = best_of(5, 200000);
    ndislock_verifier_configure("stats=0:verify=1:hold_us=0");
    NdisAllocateSpinLock(&lock);
    double on = best_of(5, 200000);
    ndislock_verifier_configure("acquire_stacks=1");
    double stacks = best_of(5, 20000);
    ndislock_verifier_configure("verify=0:stats=0:acquire_stacks=0");
    double off2 = best_of(5, 20000000);

    printf("uncontended NdisAcquireSpinLock+NdisReleaseSpinLock, ns per pair (best of 5):\n");
    printf("  verifier off      %8.2f\n", off);
    printf("  stats=1 only      %8.2f  (%.0fx)\n", stats, stats / off);
    printf("  verify=1          %8.2f  (%.0fx)\n", on, on / off);
    printf("  + acquire_stacks  %8.2f  (%.0fx)\n", stacks, stacks / off);
    printf("  off again         %8.2f\n", off2);
    return 0;
}
