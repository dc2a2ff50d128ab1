/*
 * The deadlock watchdog: how a checked acquire waits for the lock word.
 * Same protocol as src/lock/spin_contended.c (register in `waiters`, heavy
 * fence, futex-wait on the state word), but the sleep has a timeout so the
 * waiter can notice that it has waited longer than deadlock_ms and report
 * LOCK_DEADLOCK: who holds the lock and where it was taken.  It never asks
 * for a starvation hand-off (state 2), so it cannot take one meant for others.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "lock/park.h"

static void report_deadlock(struct v_lock *lk, uint64_t waited)
{
    pthread_mutex_lock(&vstate.mu);
    if (lk->owner != NULL)
        v_report(R_LOCK_DEADLOCK, lk, &lk->acquired, "the holder acquired it at",
                 "waited %llu ms; held by thread %llu", (unsigned long long)(waited / 1000000u),
                 (unsigned long long)lk->owner_tid);
    else
        v_report(R_LOCK_DEADLOCK, lk, &lk->released, "lock last released at",
                 "waited %llu ms; the verifier knows no holder (lock word corrupted or taken unchecked)",
                 (unsigned long long)(waited / 1000000u));
    pthread_mutex_unlock(&vstate.mu);
}

uint64_t v_wait_lock(ndislock_spin_t *l, struct v_lock *lk, int *contended)
{
    ndislock_u32_alias *state = ndislock__spin_state(l);
    ndislock_u32_alias *waiters = ndislock__spin_waiters(l);

    *contended = 0;
    if (ndislock_pr_cas(state, NDISLOCK_SPIN_FREE, NDISLOCK_SPIN_HELD, NDISLOCK_ACQUIRE))
        return 0;
    *contended = 1;
    uint64_t t0 = v_now_ns();
    if (!vstate.opt.verify || vstate.opt.deadlock_ms == 0) {
        ndislock__spin_lock_contended(l);
        return v_now_ns() - t0;
    }
    for (int i = 0; i < 200; i++) {
        if (ndislock_pr_load(state, NDISLOCK_RELAXED) == NDISLOCK_SPIN_FREE &&
            ndislock_pr_cas(state, NDISLOCK_SPIN_FREE, NDISLOCK_SPIN_HELD, NDISLOCK_ACQUIRE))
            return v_now_ns() - t0;
        ndislock_pr_pause();
    }
    uint64_t bound = (uint64_t)vstate.opt.deadlock_ms * 1000000u;
    int reported = 0;

    ndislock_pr_faa(waiters, NDISLOCK_WAITER_ONE, NDISLOCK_SEQ_CST);
    ndislock__heavy_fence();            /* see src/lock/park.c */
    for (;;) {
        uint32_t s = ndislock_pr_load(state, NDISLOCK_RELAXED);
        if (s == NDISLOCK_SPIN_FREE &&
            ndislock_pr_cas(state, NDISLOCK_SPIN_FREE, NDISLOCK_SPIN_HELD, NDISLOCK_ACQUIRE))
            break;
        if (s != NDISLOCK_SPIN_FREE)
            ndislock__park((uint32_t *)state, s, NDISLOCK_PARK_NORMAL,
                           ndislock__now_ns() + 10000000u);   /* 10 ms: the watchdog's resolution */
        uint64_t waited = v_now_ns() - t0;
        if (!reported && waited > bound) {
            reported = 1;           /* halt_on_error=0: report once, keep waiting */
            report_deadlock(lk, waited);
        }
    }
    ndislock_pr_fas(waiters, NDISLOCK_WAITER_ONE, NDISLOCK_RELAXED);
    return v_now_ns() - t0;
}
