/*
 * The contended acquire (encoding in include/ndislock/spin.h, the parking
 * table in src/lock/waitq.h, releases in src/lock/spin_release.c).
 *
 * Ordinary acquire:
 *   1. Spin, unregistered: poll the word read-only (the line stays shared)
 *      with exponential backoff, CAS when it reads 0.  Barging: whoever
 *      sees it free first takes it.
 *   2. Register a record in the lock's bucket as a sleeper, run the heavy
 *      fence once (src/lock/park.c), look at the word, sleep on the record.
 *      A release frees the word and wakes the first sleeper unless another
 *      registered waiter is already awake; woken, the record polls the word
 *      as in 1, still registered (so it keeps its place), then sleeps again.
 *   3. Starvation bound: a record waiting longer than NDISLOCK_STARVE_NS in
 *      all is marked starving and stays awake a while; a release hands it
 *      the lock without freeing it (no barging past it), awake or, if no
 *      waiter owed the lock is running, asleep.
 * In-stack queued acquire: registers at once, awake, owed the lock in ticket
 * order: a release hands it to the first such record that is running.  A
 * record that stays awake without the lock for the spin budget sleeps; a
 * release wakes it when it frees the lock with nobody running owed it, or
 * when it hands the lock to a record behind it (so it is running, first in
 * line, at the next release); the starvation bound applies as in 3.
 */
#include <ndislock/spin.h>

#include <string.h>

#include "park.h"
#include "slow.h"
#include "waitq.h"

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
/* An awake record owed the lock (queued, starving) polls without backoff, so
 * that it takes a hand-off at once: this many polls (~100 us, as above). */
#ifndef NDISLOCK_OWED_POLLS
#define NDISLOCK_OWED_POLLS    4096
#endif
/* A waiter waiting longer than this is handed the lock.  250 us left the
 * worst waits unchanged: they sit at the scheduler's floor (an off-CPU gap
 * of 6-12 ms with 4 runnable threads on 2 CPUs), not here. */
#ifndef NDISLOCK_STARVE_NS
#define NDISLOCK_STARVE_NS     1000000ull
#endif

/* One poll-and-CAS; acquire: the critical section may not move above it. */
static int try_take(ndislock_spin_t *l)
{
    return ndislock_pr_load(l, NDISLOCK_RELAXED) == NDISLOCK_SPIN_FREE &&
           ndislock_pr_cas(l, NDISLOCK_SPIN_FREE, NDISLOCK_SPIN_HELD, NDISLOCK_ACQUIRE);
}

/* Step 1: unregistered spinning with backoff; 1 if the lock was taken. */
static int spin_phase(ndislock_spin_t *l)
{
    unsigned backoff = 1;

    for (int i = 0; i < NDISLOCK_SPIN_ROUNDS; i++) {
        if (try_take(l))
            return 1;
        for (unsigned j = 0; j < backoff; j++)
            ndislock_pr_pause();
        if (backoff < NDISLOCK_BACKOFF_MAX)
            backoff <<= 1;
    }
    return 0;
}

/* What one wait carries besides its record: the watchdog hook. */
struct wait {
    struct ndislock__waiter w;
    struct ndislock__bucket *b;
    ndislock_spin_t *l;
    const struct ndislock_wait_hook *hook;
    uint64_t t0, next_hook;
};

static void maybe_hook(struct wait *x, uint64_t now)
{
    if (x->hook != NULL && now >= x->next_hook) {
        x->hook->on_wait(x->hook, now - x->t0);
        x->next_hook = now + x->hook->period_ns;
    }
}

/* Took the word while registered: leave the list (nobody else unlinks a
 * record that is not being offered the lock, and none is: the word was free). */
static int took_word(struct wait *x)
{
    ndislock__bucket_lock(x->b);
    ndislock__waitq_unlink(x->b, &x->w);
    ndislock__bucket_unlock(x->b);
    return 1;
}

/* A record in WQ_OFFERED: take the hand-off, or learn it was taken back. */
static int take_offer(struct wait *x)
{
    /* acquire: pairs with the release's store of the offer (its critical section) */
    if (ndislock_pr_cas(&x->b->offer, x->w.ticket, 0u, NDISLOCK_ACQUIRE))
        return 1;   /* owner; the release unlinked the record */
    /* Taken back: the release links the record again as WQ_PASSED. */
    while (ndislock_pr_load(&x->w.state, NDISLOCK_ACQUIRE) == WQ_OFFERED)
        ndislock_pr_pause();
    return 0;
}

/* Awake and registered: poll record and word; 1 if the lock is ours. */
static int poll_awake(struct wait *x)
{
    int owed = x->w.queued || x->w.starving;
    unsigned backoff = 1;

    for (int i = 0; i < (owed ? NDISLOCK_OWED_POLLS : NDISLOCK_SPIN_ROUNDS); i++) {
        uint32_t s = ndislock_pr_load(&x->w.state, NDISLOCK_ACQUIRE);
        if (s == WQ_OFFERED)
            return take_offer(x);   /* 0: now WQ_PASSED, the caller looks again */
        if (s != WQ_SPINNING)
            return 0;
        if (try_take(x->l))
            return took_word(x);
        for (unsigned j = 0; j < backoff; j++)
            ndislock_pr_pause();
        if (!owed && backoff < NDISLOCK_BACKOFF_MAX)
            backoff <<= 1;
    }
    return 0;
}

/* Sets the record's state from `from` to `to` under the bucket mutex (the
 * releases read it there); returns the state found. */
static uint32_t set_state(struct wait *x, uint32_t from, uint32_t to)
{
    ndislock__bucket_lock(x->b);
    uint32_t s = ndislock_pr_load(&x->w.state, NDISLOCK_RELAXED);
    if (s == from)
        ndislock_pr_store(&x->w.state, to, NDISLOCK_RELAXED);
    ndislock__bucket_unlock(x->b);
    return s;
}

static void sleep_once(struct wait *x)
{
    uint64_t deadline = 0;

    /* Until it starves a sleeper wakes by itself to learn it has: a release
     * may leave it asleep while others run.  Starved, it is handed the lock. */
    if (!x->w.starving)
        deadline = x->w.since_ns + NDISLOCK_STARVE_NS;
    if (x->hook != NULL && (deadline == 0 || x->next_hook < deadline))
        deadline = x->next_hook;
    ndislock__park(&x->w.state, WQ_SLEEPING, deadline);
    uint64_t now = ndislock__now_ns();
    maybe_hook(x, now);
    if (!x->w.starving && now - x->w.since_ns >= NDISLOCK_STARVE_NS) {
        /* starving: stay awake, owed the next hand-off */
        ndislock__bucket_lock(x->b);
        x->w.starving = 1;
        if (ndislock_pr_load(&x->w.state, NDISLOCK_RELAXED) == WQ_SLEEPING)
            ndislock_pr_store(&x->w.state, WQ_SPINNING, NDISLOCK_RELAXED);
        ndislock__bucket_unlock(x->b);
    }
}

/* Steps 2 and 3 (and the queued wait): returns once the lock is ours. */
static void wait_registered(struct wait *x, uint32_t first_state)
{
    x->w.since_ns = ndislock__now_ns();
    ndislock__waitq_enter();
    ndislock__bucket_lock(x->b);
    ndislock__waitq_link(x->b, &x->w, first_state);
    ndislock__bucket_unlock(x->b);
    for (;;) {
        switch (ndislock_pr_load(&x->w.state, NDISLOCK_ACQUIRE)) {
        case WQ_OWNER:      /* handed the lock asleep; the release unlinked the record */
            goto owned;
        case WQ_OFFERED:
            if (take_offer(x))
                goto owned;
            break;
        case WQ_PASSED:
            /* running again: eligible for the next hand-off */
            (void)set_state(x, WQ_PASSED, WQ_SPINNING);
            break;
        case WQ_SPINNING:
            if (poll_awake(x))
                goto owned;
            if (set_state(x, WQ_SPINNING, WQ_SLEEPING) == WQ_SPINNING)
                maybe_hook(x, ndislock__now_ns());
            break;
        default: /* WQ_SLEEPING */
            if (!x->w.fenced) {
                /* publishes the registration before the look below (src/lock/park.c) */
                ndislock__heavy_fence();
                x->w.fenced = 1;
            }
            if (try_take(x->l) && took_word(x))
                goto owned;
            sleep_once(x);
            break;
        }
    }
owned:
    ndislock__waitq_leave();
}

static void lock_slow(ndislock_spin_t *l, int queued, const struct ndislock_wait_hook *hook,
                      uint64_t t0)
{
    struct wait x;

    if (!queued && spin_phase(l))
        return;
    memset(&x, 0, sizeof(x));
    x.w.lock = l;
    x.w.queued = (uint8_t)queued;
    x.b = ndislock__bucket_of(l);
    x.l = l;
    x.hook = hook;
    x.t0 = t0;
    x.next_hook = hook != NULL ? t0 + hook->period_ns : 0;
    wait_registered(&x, queued ? WQ_SPINNING : WQ_SLEEPING);
}

void ndislock__spin_lock_contended(ndislock_spin_t *l)
{
    lock_slow(l, 0, NULL, 0);
}

void ndislock__spin_lock_queued(ndislock_spin_t *l, struct ndislock_queue_handle *h)
{
    (void)h;   /* the handle names the lock for the release; the record is in our frame */
    lock_slow(l, 1, NULL, 0);
}

uint64_t ndislock__spin_lock_wait(ndislock_spin_t *l, struct ndislock_queue_handle *qh,
                                  const struct ndislock_wait_hook *hook)
{
    if (ndislock_spin_trylock(l))
        return 0;
    uint64_t t0 = ndislock__now_ns();
    lock_slow(l, qh != NULL, hook, t0);
    uint64_t waited = ndislock__now_ns() - t0;
    return waited ? waited : 1;
}

void ndislock__spin_unlock_raw(ndislock_spin_t *l, struct ndislock_queue_handle *qh)
{
    (void)qh;   /* one release for both: it hands the lock to queued waiters first */
    ndislock_spin_unlock(l);
}
