/*
 * The checked spin-lock pair's common case, and what a checked pair costs.
 *
 * Most checked operations are boring: a known, live lock the thread has
 * used before, at an IRQL its call allows, not held by this thread, taken
 * in an order the thread has seen before, released in LIFO order by its own
 * family.  No rule can fire there, so the entry points below test only that
 * the case is boring (each test a sufficient condition, never the rule
 * itself) and then keep the hold exactly as the full path does (pair.h).
 * Anything else (a lookup miss, a new order, an IRQL or family the rules
 * would look at, a hold out of order, an option that needs more work) goes
 * to the full path in checked_ops.c, which judges it.  Nothing is written
 * before that decision but the sampling countdown, whose verdict the full
 * path is handed.
 *
 * With statistics only (verify=0), an untimed pair keeps no hold entry:
 * nothing will judge it, so it costs its lookup and one count.
 *
 * What the common case touches: the thread's state (its first lines, one
 * lock-cache entry, the top of its held-lock stack, its statistics block of
 * the class), the lock record's line (read only) and the lock word.
 */
#include "pair.h"

#define EPOCH() __atomic_load_n(&ndislock__v.epoch, __ATOMIC_RELAXED)
#define FAST()  __atomic_load_n(&ndislock__v.fast, __ATOMIC_RELAXED)
#define INLINE  static inline __attribute__((always_inline))

/* Verify, with holds: room for one more, not held by t in any state (recursion, a
 * phantom, a signal handler's), and an order t has seen before. */
V_SECTION __attribute__((noinline)) static int nested_ok(struct v_thread *t, unsigned n,
                                                         uintptr_t key, const struct v_lock *lk,
                                                         unsigned op)
{
    if (n >= t->cap)
        return 0;
    for (unsigned i = 0; i < n; i++)
        if (t->held[i].key == key)
            return 0;
    if (op == NDISLOCK_OP_KE_TRY)
        return 1;                           /* a trylock makes no order edge */
    const struct v_hold *h = &t->held[n - 1];
    const struct v_lock *held = V_GET(h->rec);
    /* below a trylock the full path walks further down; a phantom stands for no hold */
    if (h->state != VH_HELD || (h->flags & VH_F_TRY) || held == NULL)
        return 0;
    uint64_t from = ndislock__v_node_of(held, lk), to = ndislock__v_node_of(lk, held);
    return ndislock__v_edge_known(t, from, to, (h->flags & VH_F_READ) ? V_EDGE_FROM_READ : 0);
}

/*
 * Any pair the entry points below do not finish themselves: held locks
 * (verify), timed pairs, statistics with entries.  timed: its turn was
 * decided (v_turn); e0: the clock at its entry when its cost is measured.
 */
INLINE int acquire_any(struct v_thread *t, ndislock_spin_t *l, unsigned op,
                       ndislock_irql_t *old_slot, struct ndislock_queue_handle *qh, void *pc,
                       int timed, uint64_t e0)
{
    uintptr_t key = (uintptr_t)l;
    const struct v_op *o = &ndislock__v_ops[op & (V_OPS - 1)];
    int fast = FAST();
    struct v_lcache *c = &t->lcache[V_LSLOT(key)];
    struct v_lock *lk = c->rec;
    ndislock_irql_t cur = t->tls->irql;

    /* a lock this thread used lately, unchanged since (stamp: live, same class and uses) */
    /* lk == NULL: the empty entry, which a NULL lock pointer matches */
    if (fast == V_FAST_NONE || c->addr != key || lk == NULL || V_GET(lk->stamp) != c->stamp)
        goto full;
    unsigned n = t->nheld;
    if (fast == V_FAST_VERIFY) {
        /* the IRQL, context and kind-of-use rules have nothing to say */
        if ((unsigned)(cur - o->lo) > o->span || t->tls->context >= NDISLOCK_CTX_ISR ||
            !(c->uses & o->use))
            goto full;
        if (n != 0 && !nested_ok(t, n, key, lk, op))
            goto full;
    } else if (!timed && op != NDISLOCK_OP_KE_TRY) {
        /* statistics only: an untimed hold needs no entry, nothing will judge it */
        ndislock_irql_t to = v_raised(o, cur);
        if (to != cur)
            v_raise(t, to);                 /* raise, then lock */
        uint64_t waited = v_lock_word(t, l, lk, o->queued, qh, pc);
        v_count(t, c->st, waited);
        if (old_slot != NULL)
            *old_slot = op == NDISLOCK_OP_NDIS_DPR ? NDISLOCK_DISPATCH_LEVEL : cur;
        return 1;
    } else if (n >= t->cap) {
        goto full;
    }
    struct v_hold *h = v_push(t);           /* n < cap: never NULL */
    h->op = (uint8_t)op;
    h->flags = op == NDISLOCK_OP_KE_TRY ? VH_F_TRY : 0;
    h->restore = op == NDISLOCK_OP_NDIS_DPR ? NDISLOCK_DISPATCH_LEVEL : cur;
    h->raised = v_raised(o, cur);
    V_SET(h->key, key);
    V_SET(h->rec, lk);
    V_SET(h->pc, pc);
    return v_take(t, h, l, lk, c->st, op, old_slot, qh, pc, timed, e0);
full:
    return ndislock__v_acquire(l, op, old_slot, qh, pc, timed);
}

V_SECTION __attribute__((noinline)) static int acquire_other(ndislock_spin_t *l, unsigned op,
                                                             ndislock_irql_t *old_slot,
                                                             struct ndislock_queue_handle *qh,
                                                             void *pc)
{
    return acquire_any(ndislock__vt, l, op, old_slot, qh, pc, 0, 0);
}

/* A timed pair's acquire (its turn came, or its site is suspect: v_turn). */
V_SECTION __attribute__((noinline)) static int acquire_timed(ndislock_spin_t *l, unsigned op,
                                                             ndislock_irql_t *old_slot,
                                                             struct ndislock_queue_handle *qh,
                                                             void *pc)
{
    struct v_thread *t = ndislock__vt;
    /* every 4th counted turn (on average) also measures what a timed pair costs, in place */
    uint64_t e0 = t->sample_left == 0 && (t->rng & 3) == 0 && !t->calibrating ? v_ticks() : 0;
    int timed = 1;

    if (t->sample_left == 0)
        t->sample_left = ndislock__v_gap(t);
    else
        timed = v_suspect(t, pc);
    return acquire_any(t, l, op, old_slot, qh, pc, timed, e0);
}

/*
 * noinline (V_CODE): __builtin_return_address(0) must be the driver's call
 * site.  Finishes itself the two commonest pairs (statistics only, and the
 * verifier with no lock held), untimed; hands everything else on without
 * having written anything but the countdown.
 */
V_CODE int ndislock__checked_acquire(ndislock_spin_t *l, enum ndislock_op op,
                                     ndislock_irql_t *old_slot, struct ndislock_queue_handle *qh)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = ndislock__vt;
    uintptr_t key = (uintptr_t)l;

    /* guard: a signal handler interrupted the verifier on this thread */
    if (__builtin_expect(t == NULL || t->epoch != EPOCH() || t->guard != 0, 0))
        return ndislock__v_acquire(l, op, old_slot, qh, pc, V_TURN);
    if (__builtin_expect(--t->sample_left == 0 || t->nstreak != 0, 0))
        return acquire_timed(l, op, old_slot, qh, pc);
    struct v_lcache *c = &t->lcache[V_LSLOT(key)];
    struct v_lock *lk = c->rec;
    int fast = FAST();
    /* lk == NULL: the empty entry, which a NULL lock pointer matches */
    if (__builtin_expect(c->addr != key || lk == NULL || V_GET(lk->stamp) != c->stamp, 0))
        return ndislock__v_acquire(l, op, old_slot, qh, pc, 0);
    const struct v_op *o = &ndislock__v_ops[(unsigned)op & (V_OPS - 1)];
    ndislock_irql_t cur = t->tls->irql;
    if (fast == V_FAST_STATS) {
        /* no entry: nothing will judge an untimed hold */
        if (__builtin_expect(o->queued || op == NDISLOCK_OP_KE_TRY, 0))
            return acquire_other(l, op, old_slot, qh, pc);
        ndislock_irql_t to = v_raised(o, cur);
        if (to != cur)
            v_raise(t, to);                 /* raise, then lock */
        v_count(t, c->st, v_lock_word(t, l, lk, 0, qh, pc));  /* a filled entry has a block */
        if (old_slot != NULL)
            *old_slot = op == NDISLOCK_OP_NDIS_DPR ? NDISLOCK_DISPATCH_LEVEL : cur;
        return 1;
    }
    /* the verifier, no lock held: no recursion, no order; the IRQL, context and
     * kind-of-use rules have nothing to say */
    if (__builtin_expect(fast != V_FAST_VERIFY || t->nheld != 0 ||
                         (unsigned)(cur - o->lo) > o->span ||
                         t->tls->context >= NDISLOCK_CTX_ISR || !(c->uses & o->use) || o->queued ||
                         op == NDISLOCK_OP_KE_TRY, 0))
        return acquire_other(l, op, old_slot, qh, pc);
    struct v_hold *h = t->held;             /* the first entry: cap > 0 */
    V_SET(h->state, (uint8_t)VH_EMPTY);     /* claimed before filled: see v_push */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    V_SET(t->nheld, 1u);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    h->op = (uint8_t)op;
    h->flags = 0;
    h->restore = op == NDISLOCK_OP_NDIS_DPR ? NDISLOCK_DISPATCH_LEVEL : cur;
    h->raised = v_raised(o, cur);
    V_SET(h->key, key);
    V_SET(h->rec, lk);
    V_SET(h->pc, pc);
    V_SET(h->state, (uint8_t)VH_WAITING);
    if (h->raised != cur)
        v_raise(t, h->raised);              /* raise, then lock */
    uint64_t waited = v_lock_word(t, l, lk, 0, qh, pc);
    h = t->held;                            /* the stack may have grown while we waited */
    v_count(t, c->st, waited);
    V_SET(h->state, (uint8_t)VH_HELD);
    if (old_slot != NULL)
        *old_slot = h->restore;
    return 1;
}

/* Does t have an entry for key (statistics only: only its timed holds have one)? */
INLINE int has_entry(const struct v_thread *t, uintptr_t key)
{
    for (unsigned i = 0; i < t->nheld; i++)
        if (t->held[i].key == key)
            return 1;
    return 0;
}

/* Any release the entry point below does not finish itself. */
V_SECTION __attribute__((noinline)) static void release_other(ndislock_spin_t *l, unsigned op,
                                                              ndislock_irql_t new_irql,
                                                              struct ndislock_queue_handle *qh,
                                                              void *pc)
{
    struct v_thread *t = ndislock__vt;
    uintptr_t key = (uintptr_t)l;
    const struct v_op *o = &ndislock__v_ops[op & (V_OPS - 1)];
    int fast = FAST();
    unsigned n = t->nheld;
    struct v_hold *h = &t->held[n ? n - 1 : 0];
    uint64_t warn_us = 0;

    if (fast == V_FAST_NONE)
        goto full;
    if (n == 0 || h->key != key || h->state != VH_HELD) {
        if (fast == V_FAST_STATS && !has_entry(t, key)) {
            /* statistics only, an untimed hold: as the unchecked release */
            if (qh == NULL)
                ndislock_spin_unlock(l);
            else
                ndislock__spin_unlock_raw(l, qh);
            if (o->raise_to)
                v_lower(t, new_irql);
            return;
        }
        goto full;
    }
    int verify = fast == V_FAST_VERIFY;
    if (verify) {
        /* the top hold (LIFO: no LOCK_RELEASE_ORDER) without an inherited or skipped
         * IRQL, by its own family, at the IRQL its acquire left, in that op's range,
         * restoring no higher */
        ndislock_irql_t cur = t->tls->irql;
        if ((h->op != op && (h->op >= NDISLOCK_OP_INTERLOCKED ||
                             ndislock__v_ops[h->op].family != o->family)) ||
            (h->flags & (VH_F_HIGH | VH_F_OVERRIDE | VH_F_READ)) || cur != h->raised ||
            (unsigned)(cur - o->lo) > o->span || new_irql > cur)
            goto full;
    }
    struct v_lock *lk = V_GET(h->rec);
    v_drop(t, h, n - 1, l, qh, o->raise_to != 0, new_irql, pc, verify, &warn_us);
    if (__builtin_expect(warn_us != 0, 0))
        ndislock__v_hold_warn(t, lk, pc, warn_us);      /* after the unlock */
    return;
full:
    ndislock__v_release(l, op, new_irql, qh, pc, NULL);
}

/* Finishes itself the commonest releases: statistics only with no entries, and
 * the verifier's top hold, untimed, by the op that took it. */
V_CODE void ndislock__checked_release(ndislock_spin_t *l, enum ndislock_op op,
                                      ndislock_irql_t new_irql, struct ndislock_queue_handle *qh)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = ndislock__vt;
    uintptr_t key = (uintptr_t)l;

    if (__builtin_expect(t == NULL || t->epoch != EPOCH() || t->guard != 0, 0)) {
        ndislock__v_release(l, op, new_irql, qh, pc, NULL);
        return;
    }
    const struct v_op *o = &ndislock__v_ops[(unsigned)op & (V_OPS - 1)];
    int fast = FAST();
    unsigned n = t->nheld;
    if (fast == V_FAST_STATS && n == 0 && qh == NULL) {
        ndislock_spin_unlock(l);            /* no entry: an untimed hold */
        if (o->raise_to)
            v_lower(t, new_irql);
        return;
    }
    if (__builtin_expect(fast != V_FAST_VERIFY || n == 0 || qh != NULL, 0)) {
        release_other(l, op, new_irql, qh, pc);
        return;
    }
    /* the top hold (LIFO), untimed, taken by this very op (no variant, no skipped or
     * inherited IRQL), at the IRQL it left, in this op's range, restoring no higher */
    struct v_hold *h = &t->held[n - 1];
    ndislock_irql_t cur = t->tls->irql;
    if (__builtin_expect(h->key != key || h->state != VH_HELD || h->op != op || h->flags != 0 ||
                         cur != h->raised || (unsigned)(cur - o->lo) > o->span ||
                         new_irql > cur, 0)) {
        release_other(l, op, new_irql, qh, pc);
        return;
    }
    v_note_release(t, key, pc);
    V_SET(h->state, (uint8_t)VH_RELEASING);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    ndislock_spin_unlock(l);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    V_SET(t->nheld, n - 1);
    if (o->raise_to)
        v_lower(t, new_irql);
}

/* ---- timing ---- */

/* The gap to the next timed pair: uniform in 1 .. 2P-1 (mean P), so a thread times
 * at least one pair in every 2P-1 and no pattern of the driver's can dodge it. */
uint32_t ndislock__v_gap(struct v_thread *t)
{
    uint32_t p = v_period();

    t->rng ^= t->rng << 13;                 /* xorshift32 */
    t->rng ^= t->rng >> 17;
    t->rng ^= t->rng << 5;
    return p <= 1 ? 1 : 1 + (uint32_t)(((uint64_t)t->rng * (2 * p - 1)) >> 32);
}

V_CODE void ndislock__v_time_start(struct v_thread *t, struct v_hold *h, uint64_t e0)
{
    h->ops0 = t->nops;
    h->own0 = t->own;
    h->sw0 = v_switches(t);
    h->flags |= VH_F_TIMED;
    h->t0 = v_ticks();                      /* last: the hold starts here */
    if (e0 != 0) {
        h->flags |= VH_F_SAMPLE;
        h->acq_cost = (uint32_t)(h->t0 - e0);
    }
}

/* ---- what a checked pair costs ---- */

/*
 * Called by every ndislock_verifier_configure that leaves checking on:
 * which common case applies under the new options, then what a checked
 * pair costs beyond an unchecked one, so that hold and callback times can
 * leave out the verifier's own work (nested pairs inside a hold, the many
 * pairs of a DPC): the fastest of 8 rounds of 512 pairs on a private lock,
 * untimed and timed, less the same without checks.  The difference between
 * untimed and timed is what timing adds (v_pair_cost weighs it by the
 * sampling period).
 */
void ndislock__v_calibrate(struct v_thread *t)
{
    static ndislock_spin_t word;
    static uint64_t known[3][2];            /* per common case: measured once */
    uint64_t best[3] = { UINT64_MAX, UINT64_MAX, UINT64_MAX };  /* untimed, timed, raw */
    int fast = OPT(acquire_stacks) ? V_FAST_NONE
             : !OPT(verify) ? V_FAST_STATS : OPT(lock_nested) ? V_FAST_NONE : V_FAST_VERIFY;

    __atomic_store_n(&ndislock__v.fast, fast, __ATOMIC_RELAXED);
    if (known[fast][0] == 0 && t != NULL && t->guard <= 1 && ndislock__v_lock(t)) {
        struct v_lock *lk = ndislock__v_lock_find((uintptr_t)&word);
        if (lk == NULL) {
            static const struct ndislock_site site = { "<verifier calibration>", __FILE__,
                                                       __LINE__ };
            struct v_class *c = ndislock__v_class_of(&site, V_KIND_SPIN);
            if (c != NULL)
                c->hidden = 1;
            lk = ndislock__v_lock_add((uintptr_t)&word, c, V_KIND_SPIN);
        }
        ndislock__v_unlock(t);
        if (lk == NULL)
            return;
        int guard = t->guard;
        t->guard = 0;                       /* the real hot path, not the re-entered one */
        t->calibrating = 1;
        for (int round = 0; round < 8; round++) {
            for (int timed = 0; timed < 2; timed++) {
                uint64_t a = v_ticks();
                for (int i = 0; i < 512; i++) {
                    ndislock_irql_t o;
                    t->sample_left = timed ? 1 : 1u << 30;
                    (void)ndislock__checked_acquire(&word, NDISLOCK_OP_KE, &o, NULL);
                    ndislock__checked_release(&word, NDISLOCK_OP_KE, o, NULL);
                }
                uint64_t d = v_ticks() - a;
                best[timed] = d < best[timed] ? d : best[timed];
            }
            uint64_t a = v_ticks();
            for (int i = 0; i < 512; i++) {
                ndislock_spin_lock(&word);
                ndislock_spin_unlock(&word);
            }
            uint64_t d = v_ticks() - a;
            best[2] = d < best[2] ? d : best[2];
        }
        t->calibrating = 0;
        t->guard = guard;
        t->nops -= 8 * 2 * 512;             /* not the program's */
        known[fast][0] = (best[1] > best[2] ? (best[1] - best[2]) / 512 : 0) + 1;
        known[fast][1] = (best[1] > best[0] ? (best[1] - best[0]) / 512 : 0) + 1;
        __atomic_store_n(&ndislock__v.raw_pair_ticks, best[2] / 512, __ATOMIC_RELAXED);
    }
    /* this thread counts down under the new period now (others from their next timed pair) */
    if (t != NULL)
        t->sample_left = ndislock__v_gap(t);
    if (known[fast][0] != 0) {
        __atomic_store_n(&ndislock__v.timed_ticks, known[fast][0] - 1, __ATOMIC_RELAXED);
        __atomic_store_n(&ndislock__v.timing_ticks, known[fast][1] - 1, __ATOMIC_RELAXED);
    }
}
