/*
 * bench/sched_bench.c - what simulated processors cost: uncontended pairs
 * from PASSIVE_LEVEL, first in the per-thread mode (no cpus option, the
 * baseline), then in the same process with cpus=N, and the ratio of each.
 * Rounds alternate the two modes so load on a shared host hits both alike;
 * the best round of each is printed.  Never part of the tests.
 *
 *   usage: sched_bench [ms per measurement, default 200] [cpus, default 4] [rounds, default 5]
 */
#include <ndis.h>
#include <ndislock/sched.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned ms = 200;

/* Runs body in batches of 1000 until ms have passed; ns per iteration. */
#define PAIR(body)                                                              \
    __extension__({                                                             \
        uint64_t t0 = now_ns(), n = 0, dt;                                      \
        do {                                                                    \
            for (int i_ = 0; i_ < 1000; i_++) {                                 \
                body;                                                           \
            }                                                                   \
            n += 1000;                                                          \
        } while ((dt = now_ns() - t0) < (uint64_t)ms * 1000000u);              \
        (double)dt / (double)n;                                                 \
    })

enum { NDIS_PAIR, KE_PAIR, RAISE_PAIR, DPR_PAIR, ROWS };
static const char *const names[ROWS] = {
    "NdisAcquireSpinLock + NdisReleaseSpinLock",
    "KeAcquireSpinLock + KeReleaseSpinLock",
    "KeRaiseIrql(DISPATCH) + KeLowerIrql",
    "NdisDprAcquire/Release at DISPATCH (no raise)",
};

static void measure(double out[ROWS])
{
    static NDIS_SPIN_LOCK l;
    static KSPIN_LOCK k;
    KIRQL old;

    NdisAllocateSpinLock(&l);
    KeInitializeSpinLock(&k);
    out[NDIS_PAIR] = PAIR({ NdisAcquireSpinLock(&l); NdisReleaseSpinLock(&l); });
    out[KE_PAIR] = PAIR({ KeAcquireSpinLock(&k, &old); KeReleaseSpinLock(&k, old); });
    out[RAISE_PAIR] = PAIR({ KeRaiseIrql(DISPATCH_LEVEL, &old); KeLowerIrql(old); });
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    out[DPR_PAIR] = PAIR({ NdisDprAcquireSpinLock(&l); NdisDprReleaseSpinLock(&l); });
    KeLowerIrql(old);
    NdisFreeSpinLock(&l);
}

int main(int argc, char **argv)
{
    double base[ROWS], sim[ROWS], r[ROWS];
    unsigned cpus = 4, rounds = 5;
    char on[32];

    if (argc > 1)
        ms = (unsigned)atoi(argv[1]);
    if (argc > 2)
        cpus = (unsigned)atoi(argv[2]);
    if (argc > 3)
        rounds = (unsigned)atoi(argv[3]);
    snprintf(on, sizeof on, "cpus=%u", cpus);
    for (int i = 0; i < ROWS; i++)
        base[i] = sim[i] = 1e30;
    for (unsigned round = 0; round < rounds; round++) {
        if (ndislock_sched_configure("cpus=0") != 0)
            return 1;
        measure(r);
        for (int i = 0; i < ROWS; i++)
            base[i] = r[i] < base[i] ? r[i] : base[i];
        if (ndislock_sched_configure(on) != 0)
            return 1;
        measure(r);
        for (int i = 0; i < ROWS; i++)
            sim[i] = r[i] < sim[i] ? r[i] : sim[i];
    }
    printf("uncontended pairs from PASSIVE_LEVEL, one thread, best of %u rounds of %u ms\n", rounds, ms);
    printf("%-46s %12s %12s %7s\n", "pair", "per-thread", on, "ratio");
    for (int i = 0; i < ROWS; i++)
        printf("%-46s %9.2f ns %9.2f ns %6.2fx\n", names[i], base[i], sim[i], sim[i] / base[i]);
    return 0;
}
