/*
 * Releases that find registered waiters (the inline release reads
 * ndislock__spin_waiters; encoding in include/ndislock/spin.h).
 *
 * With l still held, under the bucket mutex, the release looks at l's
 * records in ticket order:
 *   1. hand-off: the first running record that is owed the lock (an
 *      in-stack queued waiter, or a waiter starving past NDISLOCK_STARVE_NS)
 *      is unlinked and offered it: bucket->offer = its ticket.  The word
 *      stays held, so nobody can barge in.  A sleeper owed the lock ahead of
 *      it is woken, to be first at the next release.  The waiter takes the
 *      offer with CAS(offer: ticket -> 0); if it has not within NDISLOCK_HANDOFF_POLLS
 *      (preempted, most likely), the release takes the offer back with the
 *      same CAS, links the record again at its old place as WQ_PASSED (not
 *      offered again until its thread runs and says so) and goes on to 3.
 *   2. else, if a sleeper has starved past NDISLOCK_STARVE_NS, it is handed
 *      the lock asleep (WQ_OWNER, then woken): the lock idles for one wake-up,
 *      the price of the bound, paid only when nobody owed it is running.
 *   3. otherwise: store 0 (still under the mutex: a waiter that links after
 *      this sees 0, one linked before is seen here) and wake the first
 *      sleeper, unless a record of l is already awake and polling.
 * One offer per bucket at a time; a release that finds the bucket's offer
 * busy (another lock hashed there) skips 1.
 */
#include <ndislock/spin.h>

#include "park.h"
#include "waitq.h"

/*
 * How long a release waits for an offer to be taken: 256 polls with a pause
 * each, ~7 us where a pause costs 28 ns (the 2-CPU EPYC VM).  A running
 * waiter needs two cache-line transfers (measured: 688 of 731 offers taken
 * in ke_queued cs/8, 8 threads on 2 CPUs); one that is not running costs the
 * lock this much once, and is then passed over until it runs again.  A
 * variable so that tests/lock/handoff_test.c can make both outcomes
 * deterministic.
 */
#ifndef NDISLOCK_HANDOFF_POLLS
#define NDISLOCK_HANDOFF_POLLS 256
#endif
unsigned ndislock__handoff_polls = NDISLOCK_HANDOFF_POLLS;

/* Under b's mutex, l free: the sleeper to wake, marked awake, or NULL. */
static struct ndislock__waiter *pick_sleeper(struct ndislock__bucket *b, const ndislock_spin_t *l)
{
    /* One awake waiter at a time: it takes the lock or sleeps again, and the
     * release after that wakes the next (no herd of woken waiters). */
    if (ndislock__waitq_first(b, l, WQ_SPINNING, WQ_ANY) != NULL)
        return NULL;
    struct ndislock__waiter *w = ndislock__waitq_first(b, l, WQ_SLEEPING, WQ_ANY);
    if (w != NULL)
        ndislock_pr_store(&w->state, WQ_SPINNING, NDISLOCK_RELEASE);
    return w;
}

/* Offers l to w (unlinked by the caller, b's mutex dropped); 1 if w took it. */
static int await_taken(struct ndislock__bucket *b, uint64_t ticket)
{
    for (unsigned i = 0, n = ndislock__handoff_polls; i < n; i++) {
        /* relaxed: the release does not read what the taker wrote */
        if (ndislock_pr_load(&b->offer, NDISLOCK_RELAXED) != ticket)
            return 1;
        ndislock_pr_pause();
    }
    return 0;
}

void ndislock__spin_unlock_slow(ndislock_spin_t *l)
{
    struct ndislock__bucket *b = ndislock__bucket_of(l);

    /* Waiters elsewhere only: a plain release.  The same asymmetric-fence
     * pairing as the inline one, with the bucket's count in place of the
     * process-wide one (a sleeper fences after linking, src/lock/park.c). */
    if (ndislock_pr_load(&b->n, NDISLOCK_RELAXED) == 0) {
        ndislock_pr_store(l, NDISLOCK_SPIN_FREE, NDISLOCK_RELEASE);
        ndislock_pr_barrier();
        if (NDISLOCK_UNLIKELY(ndislock_pr_load(&b->n, NDISLOCK_RELAXED) != 0))
            ndislock__spin_wake(l);
        return;
    }
    ndislock__bucket_lock(b);
    struct ndislock__waiter *w = NULL;
    /* relaxed: a taker may clear another lock's offer meanwhile (CAS, no mutex) */
    if (ndislock_pr_load(&b->offer, NDISLOCK_RELAXED) == 0)
        w = ndislock__waitq_first(b, l, WQ_SPINNING, WQ_OWED);
    if (w != NULL) {
        uint64_t ticket = w->ticket;
        /* A sleeper owed the lock ahead of w: wake it, first in line next time. */
        struct ndislock__waiter *ahead = ndislock__waitq_first(b, l, WQ_SLEEPING, WQ_OWED);

        if (ahead != NULL && ahead->ticket < ticket)
            ndislock_pr_store(&ahead->state, WQ_SPINNING, NDISLOCK_RELEASE);
        else
            ahead = NULL;
        ndislock__waitq_unlink(b, w);
        /* release: the critical section happens before the taker's CAS (acquire) */
        ndislock_pr_store(&b->offer, ticket, NDISLOCK_RELEASE);
        ndislock_pr_store(&w->state, WQ_OFFERED, NDISLOCK_RELEASE);
        ndislock__bucket_unlock(b);
        if (ahead != NULL)
            ndislock__unpark(&ahead->state, 1);
        /* From here w may own l and be gone: only b is touched until the CAS below fails. */
        if (await_taken(b, ticket))
            return;
        ndislock__bucket_lock(b);
        if (!ndislock_pr_cas(&b->offer, ticket, 0u, NDISLOCK_RELAXED)) {
            ndislock__bucket_unlock(b);   /* taken at the last moment */
            return;
        }
        /* Taken back: w cannot take it now and cannot leave without it. */
        ndislock__waitq_link(b, w, WQ_PASSED);
    } else if ((w = ndislock__waitq_first(b, l, WQ_SLEEPING, WQ_STARVED)) != NULL) {
        /* Nobody owed it is running; a sleeper starved past its bound gets it
         * asleep: the lock idles while it wakes, once per starved wait. */
        ndislock__waitq_unlink(b, w);
        /* release: the critical section happens before its acquire load of the state */
        ndislock_pr_store(&w->state, WQ_OWNER, NDISLOCK_RELEASE);   /* the last write to w */
        ndislock__bucket_unlock(b);
        ndislock__unpark(&w->state, 1);
        return;
    }
    ndislock_pr_store(l, NDISLOCK_SPIN_FREE, NDISLOCK_RELEASE);
    w = pick_sleeper(b, l);
    ndislock__bucket_unlock(b);
    if (w != NULL)
        ndislock__unpark(&w->state, 1);
}

void ndislock__spin_wake(ndislock_spin_t *l)
{
    struct ndislock__bucket *b = ndislock__bucket_of(l);

    /* Both loads may be stale only where the sleeper's heavy fence makes it
     * see the free word itself (src/lock/park.c). */
    if (ndislock_pr_load(&b->n, NDISLOCK_RELAXED) == 0)
        return;
    ndislock__bucket_lock(b);
    /* Taken again meanwhile: that holder's release wakes instead. */
    struct ndislock__waiter *w = NULL;
    if (ndislock_pr_load(l, NDISLOCK_RELAXED) == NDISLOCK_SPIN_FREE)
        w = pick_sleeper(b, l);
    ndislock__bucket_unlock(b);
    if (w != NULL)
        ndislock__unpark(&w->state, 1);
}
