/*
 * The verifier's clock, for hold, wait and callback times.
 *
 * Two reads per hold make it the largest part of a checked pair, so it is
 * the cheapest counter that is invariant: on x86-64 the TSC when the CPU
 * says it is constant-rate and keeps running in idle states (constant_tsc
 * and nonstop_tsc in /proc/cpuinfo; measured 11.7 ns a read on the 2-vCPU
 * EPYC VM, against 29 ns for clock_gettime through the vDSO), whatever
 * clocksource the kernel chose; on aarch64 the virtual counter cntvct_el0
 * at cntfrq_el0; CLOCK_MONOTONIC otherwise.  Counter ticks are converted
 * with a 32.32 factor (TSC: calibrated against CLOCK_MONOTONIC over 2 ms
 * when the verifier is first switched on).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <string.h>
#include <time.h>

struct v_clock ndislock__v_clk = { V_CLK_MONO, 1ull << 32, 1ull << 32 };

uint64_t ndislock__v_mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__)
/* Both flags on the first "flags" line of /proc/cpuinfo. */
static int tsc_invariant(void)
{
    char line[4096];
    int ok = 0;
    FILE *f = fopen("/proc/cpuinfo", "re");

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        ok = strstr(line, " constant_tsc") != NULL && strstr(line, " nonstop_tsc") != NULL;
        break;
    }
    fclose(f);
    return ok;
}

/* A (CLOCK_MONOTONIC, TSC) pair read close together: the tightest of 8 brackets. */
static void pair(uint64_t *ns, uint64_t *tsc)
{
    uint64_t best = UINT64_MAX;

    for (int i = 0; i < 8; i++) {
        uint64_t a = ndislock__v_mono_ns(), t = __builtin_ia32_rdtsc(), b = ndislock__v_mono_ns();
        if (b - a < best) {
            best = b - a;
            *ns = a + (b - a) / 2;
            *tsc = t;
        }
    }
}

void ndislock__v_clock_init(void)
{
    uint64_t n0, t0, n1, t1;

    if (ndislock__v_clk.mode != V_CLK_MONO || !tsc_invariant())
        return;
    pair(&n0, &t0);
    do
        pair(&n1, &t1);
    while (n1 - n0 < 2000000u);
    if (t1 <= t0)
        return;
    uint64_t mult = (uint64_t)(((unsigned __int128)(n1 - n0) << 32) / (t1 - t0));
    __atomic_store_n(&ndislock__v_clk.mult, mult, __ATOMIC_RELAXED);
    __atomic_store_n(&ndislock__v_clk.inv, (uint64_t)(((unsigned __int128)1 << 64) / mult),
                     __ATOMIC_RELAXED);
    __atomic_store_n(&ndislock__v_clk.mode, V_CLK_TSC, __ATOMIC_RELEASE);
}
#elif defined(__aarch64__)
void ndislock__v_clock_init(void)
{
    uint64_t freq;

    __asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(freq));
    if (ndislock__v_clk.mode != V_CLK_MONO || freq == 0)
        return;
    __atomic_store_n(&ndislock__v_clk.mult, (uint64_t)((1000000000ull << 32) / freq),
                     __ATOMIC_RELAXED);
    __atomic_store_n(&ndislock__v_clk.inv, (uint64_t)(((unsigned __int128)freq << 32) / 1000000000u),
                     __ATOMIC_RELAXED);
    __atomic_store_n(&ndislock__v_clk.mode, V_CLK_CNTVCT, __ATOMIC_RELEASE);
}
#else
void ndislock__v_clock_init(void)
{
}
#endif
