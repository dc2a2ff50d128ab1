/*
 * The checked spin-lock pair, shared by its two paths: the common case
 * (fast.c: a known lock, no rule broken, nothing to report) and the path
 * that checks every rule (checked_ops.c).  Both take the word, count and
 * keep the hold with the helpers below, so a hold is the same whichever
 * path made it.
 *
 * Timing is sampled.  Every pair is counted; its hold is timed when the
 * thread's countdown runs out (random gaps of 1 .. 2P-1 pairs, mean P =
 * hold_sample) or when its acquire site is suspect: a timed hold from it
 * went over budget and none has been timed under budget since, so every
 * pair of an offending site is timed from its first sampled long hold on
 * (HOLD_TIME_EXCEEDED's "3 in a row" counts exactly from there).  Two clock
 * reads are most of a timed pair (rdtsc: 11.7 ns each on the 2-vCPU EPYC
 * VM, against 4.3 ns for a whole unchecked pair).
 */
#ifndef NDISLOCK_VERIFIER_PAIR_H
#define NDISLOCK_VERIFIER_PAIR_H

#include "internal.h"
#include "lock/slow.h"

#define V_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define V_GET(x)    __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define OPT(f)      __atomic_load_n(&ndislock__v.opt.f, __ATOMIC_RELAXED)

/*
 * What each WDK call family does: its names, the IRQL it raises to (0: no
 * raise), whether it raises only from below DISPATCH_LEVEL (ForDpc), the
 * lowest IRQL its acquire allows, whether it must run exactly at
 * DISPATCH_LEVEL (NdisDpr*), its release family, NDIS or not, queued or
 * not, whether its OldIrql slot lies inside the lock's structure; then what
 * the common case (fast.c) needs: the IRQLs lo .. lo+span at which the call
 * breaks no IRQL rule, and the V_USE_* bit of its kind of use (0: never the
 * common case).  Rows up to V_OPS are zero: fast.c indexes with op & 15.
 */
struct v_op {
    const char *acquire, *release;
    ndislock_irql_t raise_to, min_irql;
    uint8_t for_dpc, exact, family, ndis, queued, slot_in_lock;
    ndislock_irql_t lo, span;
    uint8_t use;
};
#define V_OPS 16
extern const struct v_op ndislock__v_ops[V_OPS];

/* The IRQL op o raises to from cur (cur itself when it does not raise). */
static inline ndislock_irql_t v_raised(const struct v_op *o, ndislock_irql_t cur)
{
    if (o->raise_to == 0 || (o->for_dpc && cur >= NDISLOCK_DISPATCH_LEVEL))
        return cur;
    return cur > o->raise_to ? cur : o->raise_to;
}

/* Which common case applies (ndislock__v.fast, derived from the options). */
enum { V_FAST_NONE, V_FAST_STATS, V_FAST_VERIFY };

/* The full paths (checked_ops.c); pc is the driver's call site.  timed: this pair's
 * turn to be timed (v_turn), or V_TURN: not decided yet. */
#define V_TURN (-1)
int ndislock__v_acquire(ndislock_spin_t *l, unsigned op, ndislock_irql_t *old_slot,
                        struct ndislock_queue_handle *qh, void *pc, int timed);
void ndislock__v_release(ndislock_spin_t *l, unsigned op, ndislock_irql_t new_irql,
                         struct ndislock_queue_handle *qh, void *pc, const char *what);
/* The contended (or in-stack queued) wait, watched by the deadlock watchdog; ns waited. */
uint64_t ndislock__v_wait(struct v_thread *t, ndislock_spin_t *l, struct v_lock *lk,
                          struct ndislock_queue_handle *qh, void *pc);
/* A timed hold: its start (fast.c; e0: the clock at the pair's entry, 0 if its cost
 * is not measured), its end (checked_ops.c: the statistics and the over-budget
 * streak; returns the end, *warn_us set when HOLD_TIME_EXCEEDED is due). */
void ndislock__v_time_start(struct v_thread *t, struct v_hold *h, uint64_t e0);
uint64_t ndislock__v_hold_done(struct v_thread *t, struct v_hold *h, struct v_lock *lk,
                               int verify, uint64_t *warn_us);
void ndislock__v_hold_warn(struct v_thread *t, struct v_lock *lk, void *pc, uint64_t warn_us);

/* ndislock__irql_lower_raw on t's IRQL, through t->tls (deferred work, a simulated
 * processor to leave: the library's own lower). */
static inline void v_lower(struct v_thread *t, ndislock_irql_t irql)
{
    struct ndislock_thread *me = t->tls;

    if (__builtin_expect(me->lower_slow != 0, 0))
        ndislock__irql_lower_raw(irql);
    else
        me->irql = irql;
}

/* ndislock__irql_raise_raw to irql (above t's IRQL), through t->tls: with simulated
 * processors or a schedule (ndislock__sched), the library's own raise, which may wait
 * for a processor.  Always before the lock word is taken (raise, then lock, as Windows
 * and spin.h do): no thread waits for a processor while holding a lock. */
static inline void v_raise(struct v_thread *t, ndislock_irql_t irql)
{
    if (__builtin_expect(ndislock_pr_load(&ndislock__sched, NDISLOCK_RELAXED) != 0, 0))
        (void)ndislock__irql_raise_raw(irql);
    else
        t->tls->irql = irql;
}

/* Is pc an acquire site with over-budget holds in a row (its pairs are all timed)? */
static inline int v_suspect(const struct v_thread *t, void *pc)
{
    for (unsigned i = 0; i < t->nstreak; i++)
        if (t->streak[i].pc == pc)
            return 1;
    return 0;
}

/* Is this pair of t (acquired at pc) timed?  Called once per checked acquire. */
static inline int v_turn(struct v_thread *t, void *pc)
{
    if (__builtin_expect(--t->sample_left == 0, 0)) {
        t->sample_left = ndislock__v_gap(t);
        return 1;
    }
    return __builtin_expect(t->nstreak != 0, 0) && v_suspect(t, pc);
}

/* Takes the word as the inline fast path does (its CAS, then the lock's own
 * contended path); returns the ns waited (0: taken at once). */
static inline uint64_t v_lock_word(struct v_thread *t, ndislock_spin_t *l, struct v_lock *lk,
                                   int queued, struct ndislock_queue_handle *qh, void *pc)
{
    if (__builtin_expect(!queued && ndislock_spin_trylock(l), 1))
        return 0;
    uint64_t waited = ndislock__v_wait(t, l, lk, qh, pc);
    /* a wait is not charged to the holds around it: the holder may have been
     * preempted by Linux, which cannot happen at DISPATCH_LEVEL on Windows */
    if (waited)
        t->own += v_ns_ticks(waited);
    return waited;
}

/* An acquire into t's statistics of its class (st; NULL: not counted). */
static inline void v_count(struct v_thread *t, struct v_cstats *st, uint64_t waited)
{
    t->nops++;
    if (st == NULL)
        return;
    v_inc(&st->acq, 1);
    if (__builtin_expect(waited != 0, 0)) {
        v_inc(&st->cont, 1);
        v_hist_add(&st->wait, waited);
    }
}

/*
 * A hold entry h (pushed and filled) becomes a hold of l: take the word,
 * raise the IRQL, count, start its time if timed.  0 if a trylock failed.
 */
static inline int v_take(struct v_thread *t, struct v_hold *h, ndislock_spin_t *l,
                         struct v_lock *lk, struct v_cstats *st, unsigned op,
                         ndislock_irql_t *old_slot, struct ndislock_queue_handle *qh, void *pc,
                         int timed, uint64_t e0)
{
    unsigned idx = (unsigned)(h - t->held);
    uint64_t waited = 0;

    /* a signal handler taking this lock now finds it being taken (LOCK_RECURSIVE_ACQUIRE) */
    V_SET(h->state, (uint8_t)VH_WAITING);
    /* raise, then lock; above the raise level the IRQL stays (VH_F_HIGH: reported) */
    if (!(h->flags & VH_F_HIGH) && h->raised != t->tls->irql)
        v_raise(t, h->raised);
    if (op == NDISLOCK_OP_KE_TRY) {
        if (!ndislock_spin_trylock(l)) {
            if (st)
                v_inc(&st->cont, 1);
            v_remove(t, idx);
            return 0;
        }
    } else {
        waited = v_lock_word(t, l, lk, ndislock__v_ops[op].queued, qh, pc);
        h = &t->held[idx];                  /* the stack may have grown while we waited */
    }
    v_count(t, st, waited);
    if (__builtin_expect(timed, 0))
        ndislock__v_time_start(t, h, waited ? 0 : e0);
    V_SET(h->state, (uint8_t)VH_HELD);
    if (old_slot != NULL)
        *old_slot = h->restore;
    return 1;
}

/*
 * Ends hold i (h) of t: its time, where it was released (verify), the
 * unlock, the pop, the IRQL.  *warn_us: HOLD_TIME_EXCEEDED is due (the
 * caller reports it, after the unlock).
 */
static inline void v_drop(struct v_thread *t, struct v_hold *h, unsigned i, ndislock_spin_t *l,
                          struct ndislock_queue_handle *qh, int lower, ndislock_irql_t new_irql,
                          void *pc, int verify, uint64_t *warn_us)
{
    uint64_t end = 0, measured = 0;

    if (__builtin_expect(h->flags & VH_F_TIMED, 0)) {
        end = ndislock__v_hold_done(t, h, h->rec, verify, warn_us);
        if (h->flags & VH_F_SAMPLE)
            measured = h->acq_cost;
    }
    if (verify)
        v_note_release(t, (uintptr_t)l, pc);
    V_SET(h->state, (uint8_t)VH_RELEASING);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (qh == NULL)
        ndislock_spin_unlock(l);            /* the inline fast path's release */
    else
        ndislock__spin_unlock_raw(l, qh);
    v_remove(t, i);
    if (lower)
        v_lower(t, new_irql);
    if (__builtin_expect(measured != 0, 0))
        v_pair_sample(t, measured + (v_ticks() - end));
}

#endif
