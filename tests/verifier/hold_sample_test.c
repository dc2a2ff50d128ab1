/*
 * Sampled hold timing (hold_sample, docs/VERIFIER.md "Cost").  Expect, with
 * the default period (16) and hold_us=25: every acquisition counted, the
 * holds of short pairs timed about one in 16 (never fewer than one in 31,
 * the longest gap); and for a site whose holds run 200 us on the CPU, once
 * one of its holds is judged over budget, every later one is timed (the site is
 * suspect), so HOLD_TIME_EXCEEDED ("3 in a row") comes, and no earlier
 * than the third.
 */
#define _GNU_SOURCE
#include "check.h"

#include <ndis.h>
#include <ndislock/verifier.h>

#include "verifier/internal.h"

#include <stdint.h>
#include <time.h>

static NDIS_SPIN_LOCK a, b;             /* two sites: two classes */

static void cpu_spin_us(unsigned us)    /* on the CPU: thread CPU time, not wall time */
{
    struct timespec s, e;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &s);
    do
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &e);
    while ((e.tv_sec - s.tv_sec) * 1000000L + (e.tv_nsec - s.tv_nsec) / 1000 < (long)us);
}

/* This thread's statistics block of l's class (NULL: none yet). */
static struct v_cstats *stats_of(NDIS_SPIN_LOCK *l)
{
    struct v_lock *lk = ndislock__v_lock_find((uintptr_t)l);
    struct v_thread *t = ndislock__vt;

    if (lk == NULL || t == NULL || lk->cls->id >= t->nstats)
        return NULL;
    return t->stats[lk->cls->id];
}

static uint64_t timed(NDIS_SPIN_LOCK *l)
{
    struct v_cstats *s = stats_of(l);
    return s ? s->hold.count : 0;
}

int main(void)
{
    CHECK_EQ(ndislock_verifier_configure("verify=1:halt_on_error=0:hold_us=25"), 0);
    NdisAllocateSpinLock(&a);
    NdisAllocateSpinLock(&b);

    for (int i = 0; i < 1600; i++) {
        NdisAcquireSpinLock(&a);
        NdisReleaseSpinLock(&a);
    }
    CHECK(stats_of(&a) != NULL);
    CHECK_EQ(stats_of(&a)->acq, (uint64_t)1600);             /* counts: exact */
    uint64_t n = timed(&a);
    CHECK(n >= 1600 / 31 && n < 1600 / 4);                  /* times: sampled */
    CHECK_EQ(ndislock_verifier_warning_count(), 0);

    /* a hold the scheduler interrupted is timed but not judged (preempt.c): the site
     * turns suspect at its first hold judged over budget */
    int first = -1, warned = -1;
    for (int i = 0; i < 200 && warned < 0; i++) {
        uint64_t before = timed(&b), over = stats_of(&b) ? stats_of(&b)->over : 0;
        NdisAcquireSpinLock(&b);
        cpu_spin_us(200);
        NdisReleaseSpinLock(&b);
        if (first >= 0)
            CHECK_EQ(timed(&b), before + 1);                /* suspect: every hold timed */
        else if (stats_of(&b)->over != over)
            first = i;
        if (ndislock_verifier_warning_count() != 0)
            warned = i;
    }
    CHECK(first >= 0);
    CHECK(warned >= first + 2);                             /* the third over budget in a row */
    CHECK_EQ(ndislock_verifier_warning_count(), 1);
    CHECK_EQ(ndislock_verifier_report_count(), 0);

    /* exact mode: every hold timed from the next pair on */
    CHECK_EQ(ndislock_verifier_configure("hold_sample=1"), 0);
    n = timed(&a);
    for (int i = 0; i < 100; i++) {
        NdisAcquireSpinLock(&a);
        NdisReleaseSpinLock(&a);
    }
    CHECK_EQ(timed(&a), n + 100);
    NdisFreeSpinLock(&a);
    NdisFreeSpinLock(&b);
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    CHECK_DONE();
}
