/*
 * The contended path of the spin lock (encoding in include/ndislock/spin.h).
 *
 * 1. Spin: while the holder is likely running on another CPU, poll the state
 *    word (read-only, so the line stays shared) with exponential backoff.
 * 2. Sleep: register in `waiters`, publish the registration with the heavy
 *    fence (src/lock/park.c says why), then futex-wait on the state word.
 *    Woken, compete again; no FIFO hand-off, because a strict queue stalls
 *    behind every preempted waiter.
 * 3. Starve-proofing: a sleeper that has waited longer than
 *    NDISLOCK_STARVE_NS marks itself starving.  Unlockers then hand the lock
 *    over instead of freeing it (state 2), which newcomers cannot take, and
 *    wake a starving sleeper, who claims it.
 */
#include <ndislock/spin.h>

#include "park.h"
#include "slow.h"

/*
 * Spin budget before sleeping: 64 polls with exponential backoff capped at 64
 * pauses, ~3800 pauses in all (~100 us where a pause costs 28 ns, as on the
 * 2-CPU EPYC VM; a few us on parts with short pauses).  Measured there with
 * ndislock_bench, 6 interleaved rounds, ndis over max(tas, adaptive mutex):
 * 16/16 and 8/8 (sleep sooner), 256/2 and 128/8 (poll more, back off less)
 * moved cs/2, cs/4 and cs/8 by less than the round-to-round noise (+-10%),
 * so the budget stays.  -D overrides are for such tuning runs.
 */
#ifndef NDISLOCK_SPIN_ROUNDS
#define NDISLOCK_SPIN_ROUNDS   64
#endif
#ifndef NDISLOCK_BACKOFF_MAX
#define NDISLOCK_BACKOFF_MAX   64
#endif
/* A sleeper waiting longer than this asks for a direct hand-off.  250 us
 * left the worst waits unchanged: they sit at the scheduler's floor (an
 * off-CPU gap of 6-12 ms with 4 runnable threads on 2 CPUs), not here. */
#ifndef NDISLOCK_STARVE_NS
#define NDISLOCK_STARVE_NS     1000000ull
#endif

static int spin_phase(ndislock_u32_alias *state)
{
    unsigned backoff = 1;

    for (int i = 0; i < NDISLOCK_SPIN_ROUNDS; i++) {
        if (ndislock_pr_load(state, NDISLOCK_RELAXED) == NDISLOCK_SPIN_FREE &&
            ndislock_pr_cas(state, NDISLOCK_SPIN_FREE, NDISLOCK_SPIN_HELD, NDISLOCK_ACQUIRE))
            return 1;
        for (unsigned j = 0; j < backoff; j++)
            ndislock_pr_pause();
        if (backoff < NDISLOCK_BACKOFF_MAX)
            backoff <<= 1;
    }
    return 0;
}

/* The contended path; with a hook, parks no longer than until its next call. */
static void lock_contended(ndislock_spin_t *l, const struct ndislock_wait_hook *hook,
                           uint64_t t0)
{
    ndislock_u32_alias *state = ndislock__spin_state(l);
    ndislock_u32_alias *waiters = ndislock__spin_waiters(l);
    uint32_t mine = NDISLOCK_WAITER_ONE;   /* what we added to waiters */
    uint64_t next_hook = hook ? t0 + hook->period_ns : 0;

    if (spin_phase(state))
        return;

    ndislock_pr_faa(waiters, NDISLOCK_WAITER_ONE, NDISLOCK_SEQ_CST);
    ndislock__heavy_fence();
    uint64_t since = ndislock__now_ns();

    for (;;) {
        uint32_t s = ndislock_pr_load(state, NDISLOCK_RELAXED);

        if (s == NDISLOCK_SPIN_FREE &&
            ndislock_pr_cas(state, NDISLOCK_SPIN_FREE, NDISLOCK_SPIN_HELD, NDISLOCK_ACQUIRE))
            break;
        /* A hand-off is for starving sleepers only; its RMW continues the
         * releaser's release sequence, so acquire here synchronizes with it. */
        if (s == NDISLOCK_SPIN_HANDOFF && mine != NDISLOCK_WAITER_ONE &&
            ndislock_pr_cas(state, NDISLOCK_SPIN_HANDOFF, NDISLOCK_SPIN_HELD, NDISLOCK_ACQUIRE))
            break;
        /* Never sleep on a hand-off when starving: the value may already be
         * a newer hand-off whose wake-up we missed (ABA; the model's trail). */
        if (s == NDISLOCK_SPIN_HELD || (s == NDISLOCK_SPIN_HANDOFF && mine == NDISLOCK_WAITER_ONE))
            ndislock__park((uint32_t *)state, s,
                           mine == NDISLOCK_WAITER_ONE ? NDISLOCK_PARK_NORMAL
                                                       : NDISLOCK_PARK_STARVING, next_hook);
        uint64_t now = ndislock__now_ns();
        if (hook && now >= next_hook) {
            hook->on_wait(hook, now - t0);
            next_hook = now + hook->period_ns;
        }
        if (mine == NDISLOCK_WAITER_ONE && now - since > NDISLOCK_STARVE_NS) {
            mine += NDISLOCK_STARVING_ONE;
            ndislock_pr_faa(waiters, NDISLOCK_STARVING_ONE, NDISLOCK_SEQ_CST);
            ndislock__heavy_fence();   /* same argument as for the registration */
        } else if (spin_phase(state)) {
            break;
        }
    }
    /* Only a hint for unlockers from here on: relaxed is enough. */
    ndislock_pr_fas(waiters, mine, NDISLOCK_RELAXED);
}

void ndislock__spin_lock_contended(ndislock_spin_t *l)
{
    lock_contended(l, NULL, 0);
}

uint64_t ndislock__spin_lock_wait(ndislock_spin_t *l, struct ndislock_queue_handle *qh,
                                  const struct ndislock_wait_hook *hook)
{
    (void)qh;       /* queued locks share the ordinary protocol (include/ndislock/spin.h) */
    if (ndislock_spin_trylock(l))
        return 0;
    uint64_t t0 = ndislock__now_ns();
    lock_contended(l, hook, t0);
    uint64_t waited = ndislock__now_ns() - t0;
    return waited ? waited : 1;
}

void ndislock__spin_unlock_raw(ndislock_spin_t *l, struct ndislock_queue_handle *qh)
{
    (void)qh;       /* queued locks share the ordinary protocol */
    ndislock_spin_unlock(l);
}

void ndislock__spin_wake(ndislock_spin_t *l)
{
    ndislock_u32_alias *state = ndislock__spin_state(l);
    ndislock_u32_alias *waiters = ndislock__spin_waiters(l);

    if (ndislock_pr_load(waiters, NDISLOCK_RELAXED) >= NDISLOCK_STARVING_ONE) {
        /* Take the lock for a starving sleeper.  If a newcomer got it first,
         * its unlock comes back here and tries again.  Acquire: the re-check
         * below then sees the decrement of any starving thread that has
         * owned the lock since (it decrements before its release store). */
        if (!ndislock_pr_cas(state, NDISLOCK_SPIN_FREE, NDISLOCK_SPIN_HANDOFF, NDISLOCK_ACQUIRE))
            return;
        /* Re-check: the starving sleeper may have taken the lock normally
         * since our load, and a hand-off nobody claims would stall every
         * thread (tests/model/spinlock.pml -DNO_RECHECK finds it).  A
         * starving thread counted here cannot leave without claiming it. */
        if (ndislock_pr_load(waiters, NDISLOCK_RELAXED) >= NDISLOCK_STARVING_ONE) {
            ndislock__unpark((uint32_t *)state, 1, NDISLOCK_PARK_STARVING);
            return;
        }
        /* Undo, unless a starving thread registered and claimed it meanwhile. */
        if (!ndislock_pr_cas(state, NDISLOCK_SPIN_HANDOFF, NDISLOCK_SPIN_FREE, NDISLOCK_RELEASE))
            return;
    }
    ndislock__unpark((uint32_t *)state, 1, NDISLOCK_PARK_ANY);
}
