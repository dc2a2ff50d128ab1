/*
 * The checked versions of the lock and IRQL operations: what runs instead of
 * the inline fast path while the verifier or statistics are on.
 *
 * Shape of every checked acquire: find the lock record (lock-free), apply
 * the rules (thread-local state, plus the order graph, answered from the
 * thread's edge cache once an edge is known); take the lock word (watched by
 * the deadlock watchdog); record the hold (only the lock word's holder
 * writes it).  The verifier's mutex is taken lazily, by mu(), only for what
 * changes shared tables or prints: an unknown or freed lock, a new
 * lock-order edge, a report.  Where a call was made is its caller's PC
 * (lockdep's acquire ip), symbolized at report time; whole stacks only for
 * the offending call of a report, a new edge, NdisInterlocked*, and every
 * acquire/release with acquire_stacks=1.  A report never leads into a real
 * self-deadlock: each rule's "after" is in docs/VERIFIER.md.
 */
#include "internal.h"
#include "preempt.h"
#include "hooks.h"
#include "lock/slow.h"

#include <string.h>

/*
 * What each WDK call family does: its names, the IRQL it raises to (0: no
 * raise), whether it raises only from below DISPATCH_LEVEL (ForDpc), the
 * lowest IRQL its acquire allows (DISPATCH_LEVEL for the AtDpcLevel forms),
 * and its release family (acquires of one family are released alike).
 */
static const struct {
    const char *acquire, *release;
    ndislock_irql_t raise_to, min_irql;
    uint8_t for_dpc, family, ndis;
} ops[NDISLOCK_OP_COUNT] = {
    [NDISLOCK_OP_KE] = { "KeAcquireSpinLock", "KeReleaseSpinLock", 2, 0, 0, 1, 0 },
    [NDISLOCK_OP_KE_DPC] = { "KeAcquireSpinLockAtDpcLevel", "KeReleaseSpinLockFromDpcLevel",
                             0, 2, 0, 2, 0 },
    [NDISLOCK_OP_KE_TRY] = { "KeTryToAcquireSpinLockAtDpcLevel", "KeReleaseSpinLockFromDpcLevel",
                             0, 2, 0, 2, 0 },
    [NDISLOCK_OP_NDIS] = { "NdisAcquireSpinLock", "NdisReleaseSpinLock", 2, 0, 0, 3, 1 },
    [NDISLOCK_OP_NDIS_DPR] = { "NdisDprAcquireSpinLock", "NdisDprReleaseSpinLock", 0, 2, 0, 4, 1 },
    [NDISLOCK_OP_QUEUED] = { "KeAcquireInStackQueuedSpinLock", "KeReleaseInStackQueuedSpinLock",
                             2, 0, 0, 5, 0 },
    [NDISLOCK_OP_QUEUED_DPC] = { "KeAcquireInStackQueuedSpinLockAtDpcLevel",
                                 "KeReleaseInStackQueuedSpinLockFromDpcLevel", 0, 2, 0, 6, 0 },
    [NDISLOCK_OP_KE_SYNCH] = { "KeAcquireSpinLockRaiseToSynch", "KeReleaseSpinLock", 12, 0, 0, 1, 0 },
    [NDISLOCK_OP_KE_FOR_DPC] = { "KeAcquireSpinLockForDpc", "KeReleaseSpinLockForDpc", 2, 0, 1, 7, 0 },
    [NDISLOCK_OP_QUEUED_FOR_DPC] = { "KeAcquireInStackQueuedSpinLockForDpc",
                                     "KeReleaseInStackQueuedSpinLockForDpc", 2, 0, 1, 8, 0 },
    [NDISLOCK_OP_QUEUED_SYNCH] = { "KeAcquireInStackQueuedSpinLockRaiseToSynch",
                                   "KeReleaseInStackQueuedSpinLock", 12, 0, 0, 5, 0 },
    [NDISLOCK_OP_CANCEL] = { "IoAcquireCancelSpinLock", "IoReleaseCancelSpinLock", 2, 0, 0, 9, 0 },
    [NDISLOCK_OP_INTERLOCKED] = { "ExInterlocked*", "ExInterlocked*", 0, 0, 0, 10, 0 },
};

static int is_ndis(enum ndislock_op op)
{
    return ops[op].ndis;
}

/* The ops that raise and restore an IRQL on release. */
static int raising(enum ndislock_op op)
{
    return ops[op].raise_to != 0;
}

static const char *op_name(enum ndislock_op op, int acquire)
{
    return acquire ? ops[op].acquire : ops[op].release;
}

/* The IRQL op raises to from cur (cur itself when it does not raise). */
static ndislock_irql_t raised(enum ndislock_op op, ndislock_irql_t cur)
{
    if (!raising(op) || (ops[op].for_dpc && cur >= NDISLOCK_DISPATCH_LEVEL))
        return cur;
    return cur > ops[op].raise_to ? cur : ops[op].raise_to;
}

static void enter(struct v_thread *t)
{
    t->guard++;
}

/* Takes vstate.mu for the rest of this checked call (once). */
static void mu(struct v_thread *t)
{
    if (!t->mu_held) {
        pthread_mutex_lock(&vstate.mu);
        t->mu_held = 1;
    }
}

static void mu_drop(struct v_thread *t)
{
    if (t->mu_held) {
        t->mu_held = 0;
        pthread_mutex_unlock(&vstate.mu);
    }
}

static void leave(struct v_thread *t)
{
    mu_drop(t);
    t->guard--;
}

/* A report: under the mutex.  Every v_report in this file goes through it. */
#define REPORT(t, ...) (mu(t), v_report(__VA_ARGS__))

/* Where a hold began or ended: the caller's PC, or its whole stack. */
static void record_site(struct v_stack *st, void *pc, int whole)
{
    if (whole || vstate.opt.acquire_stacks) {
        v_capture_from(st, pc);
        return;
    }
    st->n = 1;
    st->pc[0] = pc;
}

static struct v_thread *owner_of(const struct v_lock *lk)
{
    return __atomic_load_n(&lk->owner, __ATOMIC_RELAXED);
}

static void set_owner(struct v_lock *lk, struct v_thread *t)
{
    __atomic_store_n(&lk->owner, t, __ATOMIC_RELAXED);
}

static void clear_word(ndislock_spin_t *l)
{
    ndislock__spin_clear(l);
}

/*
 * The record of l, creating one for a lock the verifier never saw initialized
 * (LOCK_NOT_INITIALIZED; the word is then cleared, as if initialized here) or
 * reporting a freed one (LOCK_USE_AFTER_FREE; it becomes live again).
 * *reported is set when either was reported.  NULL only if the table is full.
 * The common case, a live known lock, takes no mutex.
 */
static struct v_lock *lock_record(struct v_thread *t, ndislock_spin_t *l, const char *call,
                                  int *reported)
{
    struct v_lock *lk = v_lookup((uintptr_t)l);

    *reported = 0;
    if (lk != NULL && v_state_of(lk) == VL_LIVE)
        return lk;
    mu(t);
    lk = v_lookup((uintptr_t)l);            /* again: another thread may have added it */
    if (lk == NULL) {
        if ((lk = v_insert((uintptr_t)l)) == NULL)
            return NULL;
        lk->cls = &vstate.classes[0];
        v_set_state(lk, VL_LIVE);
        if (vstate.opt.verify && !ndislock_pr_load(&ndislock__unchecked_inits, NDISLOCK_RELAXED)) {
            *reported = 1;
            v_report(R_LOCK_NOT_INITIALIZED, lk, NULL, NULL,
                     "%s on a lock never passed to NdisAllocateSpinLock/KeInitializeSpinLock", call);
            clear_word(l);
        }
    } else if (v_state_of(lk) == VL_FREED && vstate.opt.verify) {
        *reported = 1;
        v_report(R_LOCK_USE_AFTER_FREE, lk, &lk->freed, "lock freed at", "%s after NdisFreeSpinLock",
                 call);
        v_set_state(lk, VL_LIVE);
    }
    return lk;
}

static int held_index(const struct v_thread *t, const struct v_lock *lk)
{
    for (int i = (int)t->nheld - 1; i >= 0; i--)
        if (t->held[i].lk == lk)
            return i;
    return -1;
}

/* What a successful acquire leaves behind: the raising forms store the IRQL
 * they raised from, NdisDprAcquireSpinLock stores DISPATCH_LEVEL. */
static void acquired(enum ndislock_op op, ndislock_irql_t old, ndislock_irql_t *old_slot)
{
    if (old_slot)
        *old_slot = op == NDISLOCK_OP_NDIS_DPR ? NDISLOCK_DISPATCH_LEVEL : old;
}

/* The unchecked operation, for calls made while the verifier itself runs:
 * raise, then lock, as the fast path does. */
static int raw_acquire(ndislock_spin_t *l, enum ndislock_op op, ndislock_irql_t *old_slot,
                       struct ndislock_queue_handle *qh)
{
    ndislock_irql_t old = ndislock_tls.irql;

    if (op == NDISLOCK_OP_KE_TRY)
        return ndislock_spin_trylock(l);
    ndislock__irql_raise_raw(raised(op, old));
    (void)ndislock__spin_lock_wait(l, qh, NULL);
    acquired(op, old, old_slot);
    return 1;
}

/* The rules checked before an acquire; returns the hold's V_HELD_* flags. */
static int check_acquire(struct v_thread *t, struct v_lock *lk, enum ndislock_op op,
                         ndislock_irql_t cur)
{
    const char *call = t->il_what ? t->il_what : op_name(op, 1);
    unsigned ctx = ndislock_tls.context;
    int flags = 0;

    /* most specific first: an ISR is also above DISPATCH_LEVEL */
    if (is_ndis(op) && (ctx == NDISLOCK_CTX_ISR || ctx == NDISLOCK_CTX_DISABLE_INTR ||
                        ctx == NDISLOCK_CTX_SYNC))
        REPORT(t, R_ISR_SPINLOCK, lk, NULL, NULL, "%s called in %s", call,
                 ctx == NDISLOCK_CTX_ISR ? "MiniportInterrupt (ISR)"
                 : ctx == NDISLOCK_CTX_SYNC ? "a MiniportSynchronizeInterrupt callback"
                                            : "MiniportDisableInterruptEx");
    if (raising(op) && cur > ops[op].raise_to) {
        REPORT(t, R_IRQL_ACQUIRE_TOO_HIGH, lk, NULL, NULL, "%s called at IRQL %u (> DISPATCH_LEVEL)",
                 call, cur);
        flags |= V_HELD_AT_HIGH_IRQL;
    }
    if (op == NDISLOCK_OP_NDIS_DPR && cur != NDISLOCK_DISPATCH_LEVEL)
        REPORT(t, R_IRQL_DPR_NOT_DISPATCH, lk, NULL, NULL, "%s called at IRQL %u", call, cur);
    else if (cur < ops[op].min_irql)
        REPORT(t, R_IRQL_DPR_NOT_DISPATCH, lk, NULL, NULL, "%s called at IRQL %u (< DISPATCH_LEVEL)",
               call, cur);
    unsigned nheld = t->nheld < V_HELD ? t->nheld : V_HELD;
    if (vstate.opt.lock_nested && is_ndis(op)) {
        for (unsigned i = 0; i < nheld; i++)
            if (t->held[i].lk->ndis) {
                REPORT(t, R_LOCK_NESTED, lk, &t->held[i].lk->acquired, "other lock acquired at",
                         "%s while holding \"%s\"", call, v_lock_name(t->held[i].lk));
                break;
            }
    }
    /* an already-validated nesting: cache hits, no mutex */
    for (unsigned i = 0; i < nheld; i++) {
        if (v_graph_known(t, t->held[i].lk, lk))
            continue;
        mu(t);
        if (v_graph_add(t, t->held[i].lk, lk))
            break;
    }
    return flags;
}

/* The watchdog: a wait longer than deadlock_ms is LOCK_DEADLOCK (once per wait). */
struct watch {
    struct ndislock_wait_hook hook;
    struct v_lock *lk;
    int reported;
};

static void on_wait(const struct ndislock_wait_hook *h, uint64_t waited)
{
    struct watch *w = (struct watch *)(uintptr_t)h;
    struct v_lock *lk = w->lk;

    if (w->reported || waited < (uint64_t)vstate.opt.deadlock_ms * 1000000u)
        return;
    w->reported = 1;
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

/* Takes l's word through the lock's own contended path, watched; returns ns waited. */
static uint64_t wait_lock(ndislock_spin_t *l, struct ndislock_queue_handle *qh, struct v_lock *lk)
{
    struct watch w = { { 10000000u, on_wait }, lk, 0 };    /* 10 ms: the watchdog's resolution */
    int watched = vstate.opt.verify && vstate.opt.deadlock_ms != 0;

    return ndislock__spin_lock_wait(l, qh, watched ? &w.hook : NULL);
}

static int checked_acquire(ndislock_spin_t *l, enum ndislock_op op, ndislock_irql_t *old_irql,
                           struct ndislock_queue_handle *qh, void *pc)
{
    struct v_thread *t = v_self();
    ndislock_irql_t cur = ndislock_tls.irql;
    int reported, contended = 0, flags = 0, verify = vstate.opt.verify;
    uint64_t waited = 0;

    if (t->guard)
        return raw_acquire(l, op, old_irql, qh);
    enter(t);
    struct v_lock *lk = lock_record(t, l, op_name(op, 1), &reported);
    if (lk == NULL) {
        leave(t);
        return raw_acquire(l, op, old_irql, qh);
    }
    if (verify && owner_of(lk) == t) {
        if (op != NDISLOCK_OP_KE_TRY) {
            /* Skipped: the thread already holds it.  The matching release is swallowed too. */
            REPORT(t, R_LOCK_RECURSIVE_ACQUIRE, lk, &lk->acquired, "lock acquired earlier at",
                   "%s of a lock this thread already holds", op_name(op, 1));
            lk->recursion++;
        }
        leave(t);
        if (old_irql)
            *old_irql = cur;
        return op != NDISLOCK_OP_KE_TRY;
    }
    if (verify)
        flags = check_acquire(t, lk, op, cur);
    if (t->il_what)
        flags |= V_HELD_INTERLOCKED;
    mu_drop(t);                             /* guard stays: the wait may report */

    /* Raise, then lock (spin.h); above the raise level the IRQL stays (reported).
     * KE_TRY does not raise: a failed try changes nothing. */
    if (!(flags & V_HELD_AT_HIGH_IRQL))
        ndislock__irql_raise_raw(raised(op, cur));
    if (op == NDISLOCK_OP_KE_TRY) {
        if (!ndislock_spin_trylock(l)) {
            v_count(&lk->cls->contentions);
            leave(t);
            return 0;
        }
    } else {
        waited = wait_lock(l, qh, lk);
        contended = waited != 0;
    }

    /* the lock word is ours: the hold's fields are written by us alone */
    set_owner(lk, t);
    lk->owner_tid = t->tid;
    lk->op = (uint8_t)op;
    lk->flags = (uint8_t)flags;
    lk->old_irql = op == NDISLOCK_OP_NDIS_DPR ? NDISLOCK_DISPATCH_LEVEL : cur;
    lk->old_slot = old_irql;
    if (verify)
        record_site(&lk->acquired, pc, flags & V_HELD_INTERLOCKED);
    if (t->nheld < V_HELD)
        t->held[t->nheld].lk = lk;
    t->nheld++;
    v_count(&lk->cls->acquisitions);
    if (contended) {
        v_count(&lk->cls->contentions);
        v_hist_add(&lk->cls->wait, waited);
    }
    lk->acquired_ns = v_now_ns();
    lk->report_ns_at_acquire = t->report_ns;
    lk->switches_at_acquire = vstate.opt.hold_us ? ndislock__switches() : 0;
    leave(t);
    acquired(op, cur, old_irql);
    return 1;
}

/* noinline: __builtin_return_address(0) must be the driver's call site. */
__attribute__((noinline)) int ndislock__checked_acquire(ndislock_spin_t *l, enum ndislock_op op,
                                                        ndislock_irql_t *old_irql,
                                                        struct ndislock_queue_handle *qh)
{
    return checked_acquire(l, op, old_irql, qh, __builtin_return_address(0));
}

/* Forgets lk in t's held list (out of order allowed). */
static void drop_held(struct v_thread *t, int i)
{
    if (i < 0)
        return;
    for (unsigned j = (unsigned)i; j + 1 < t->nheld && j + 1 < V_HELD; j++)
        t->held[j] = t->held[j + 1];
    t->nheld--;
}

__attribute__((noinline)) void ndislock__checked_release(ndislock_spin_t *l, enum ndislock_op op,
                                                         ndislock_irql_t new_irql,
                                                         struct ndislock_queue_handle *qh)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = v_self();
    ndislock_irql_t cur = ndislock_tls.irql;
    int reported, lower = 1, verify = vstate.opt.verify;

    if (t->guard)
        goto raw;
    enter(t);
    struct v_lock *lk = lock_record(t, l, op_name(op, 0), &reported);
    if (lk == NULL) {
        leave(t);
        goto raw;
    }
    if (reported)
        goto skip;      /* never initialized / freed: nothing of ours to release */
    struct v_thread *owner = owner_of(lk);
    if (verify && owner == NULL) {
        REPORT(t, R_LOCK_RELEASE_NOT_HELD, lk, &lk->released, "lock last released at",
                 "%s of a lock that is not held", op_name(op, 0));
        goto skip;
    }
    if (verify && owner != t) {
        REPORT(t, R_LOCK_RELEASE_WRONG_OWNER, lk, &lk->acquired, "lock acquired by its owner at",
                 "%s by thread %llu; the lock is held by thread %llu", op_name(op, 0),
                 (unsigned long long)t->tid, (unsigned long long)lk->owner_tid);
        goto skip;
    }
    if (lk->recursion) {
        lk->recursion--;
        goto skip;
    }
    if (verify && ops[op].family != ops[lk->op].family) {
        REPORT(t, R_LOCK_VARIANT_MISMATCH, lk, &lk->acquired, "lock acquired at",
                 "%s of a lock acquired with %s", op_name(op, 0),
                 op_name((enum ndislock_op)lk->op, 1));
        op = (enum ndislock_op)lk->op;      /* release as the acquire requires */
        new_irql = lk->old_irql;
    }
    if (verify && op == NDISLOCK_OP_NDIS_DPR && cur != NDISLOCK_DISPATCH_LEVEL)
        REPORT(t, R_IRQL_DPR_NOT_DISPATCH, lk, &lk->acquired, "lock acquired at",
                 "%s called at IRQL %u", op_name(op, 0), cur);
    else if (verify && cur < ops[op].min_irql)
        REPORT(t, R_IRQL_DPR_NOT_DISPATCH, lk, &lk->acquired, "lock acquired at",
                 "%s called at IRQL %u (< DISPATCH_LEVEL)", op_name(op, 0), cur);
    else if (verify && raising(op) && cur != raised(op, lk->old_irql) &&
             !(lk->flags & V_HELD_AT_HIGH_IRQL))
        REPORT(t, R_IRQL_BAD_RAISE_LOWER, lk, &lk->acquired, "lock acquired at",
                 "%s called at IRQL %u; spin locks are released at DISPATCH_LEVEL",
                 op_name(op, 0), cur);
    int i = held_index(t, lk);
    if (verify && i >= 0 && i + 1 < (int)t->nheld && i + 1 < V_HELD) {
        struct v_lock *next = t->held[i + 1].lk;
        REPORT(t, R_LOCK_RELEASE_ORDER, lk, &t->held[t->nheld - 1].lk->acquired,
                 "the lock acquired after it was acquired at",
                 "%s of \"%s\" while \"%s\", acquired later, is still held", op_name(op, 0),
                 v_lock_name(lk), v_lock_name(t->held[t->nheld - 1].lk));
        /* Keep the IRQL; the lock taken right after inherits the level to restore. */
        if (raising(op) && raising((enum ndislock_op)next->op)) {
            next->old_irql = new_irql;
            if (next->old_slot)
                *next->old_slot = new_irql;
        }
        lower = 0;
    }
    uint64_t held_ns = v_now_ns() - lk->acquired_ns - (t->report_ns - lk->report_ns_at_acquire);
    v_hist_add(&lk->cls->hold, held_ns);
    /* Over budget counts only holds spent on the CPU: code at DISPATCH_LEVEL cannot
     * be preempted on Windows, so time the Linux scheduler took is not the driver's. */
    if (vstate.opt.hold_us && held_ns > (uint64_t)vstate.opt.hold_us * 1000u &&
        ndislock__switches() == lk->switches_at_acquire) {
        v_count(&lk->cls->over_budget);
        if (verify)
            REPORT(t, R_HOLD_TIME_EXCEEDED, lk, &lk->acquired, "lock acquired at",
                     "held for %llu us (budget %u us)", (unsigned long long)(held_ns / 1000),
                     vstate.opt.hold_us);
    }
    drop_held(t, i);
    if (verify)
        record_site(&lk->released, pc, lk->flags & V_HELD_INTERLOCKED);
    lk->flags = 0;
    lk->owner_tid = 0;
    set_owner(lk, NULL);        /* before the unlock below (a release store) */
    leave(t);
    goto release;
skip:
    leave(t);
    return;
raw:
    lower = 1;
release:
    ndislock__spin_unlock_raw(l, qh);
    if (raising(op) && lower)
        ndislock__irql_lower_raw(new_irql);
}

ndislock_irql_t ndislock__checked_irql(int raise, ndislock_irql_t new_irql)
{
    struct v_thread *t = v_self();
    ndislock_irql_t cur = ndislock_tls.irql;

    if (vstate.opt.verify && !t->guard && (raise ? new_irql < cur : new_irql > cur)) {
        enter(t);
        REPORT(t, R_IRQL_BAD_RAISE_LOWER, NULL, NULL, NULL, "%s(%u) called at IRQL %u",
               raise ? "KeRaiseIrql" : "KeLowerIrql", new_irql, cur);
        leave(t);
    }
    if (raise)
        return ndislock__irql_raise_raw(new_irql);
    ndislock__irql_lower_raw(new_irql);
    return cur;
}

int ndislock__verifier_init(ndislock_spin_t *l, const struct ndislock_site *site, int ndis)
{
    struct v_thread *t = v_self();

    if (t->guard)
        return 0;
    enter(t);
    mu(t);
    struct v_lock *lk = v_lookup((uintptr_t)l);
    if (lk && v_state_of(lk) == VL_LIVE && owner_of(lk) != NULL && vstate.opt.verify) {
        v_report(R_LOCK_FREE_WHILE_HELD, lk, &lk->acquired, "lock acquired at",
                 "%s of a lock that is held", ndis ? "NdisAllocateSpinLock" : "KeInitializeSpinLock");
        leave(t);
        return 1;       /* skipped: the holder keeps a valid lock */
    }
    if (lk == NULL)
        lk = v_insert((uintptr_t)l);
    if (lk) {
        /* field by field: addr and state stay valid for lock-free readers */
        lk->ndis = (uint8_t)ndis;
        lk->op = lk->flags = 0;
        lk->recursion = 0;
        lk->cls = site ? v_class_of(site) : &vstate.classes[0];
        set_owner(lk, NULL);
        lk->owner_tid = lk->acquired_ns = lk->report_ns_at_acquire = lk->switches_at_acquire = 0;
        lk->old_irql = 0;
        lk->old_slot = NULL;
        lk->acquired.n = lk->released.n = lk->freed.n = 0;
        v_set_state(lk, VL_LIVE);
    }
    leave(t);
    return 0;
}

int ndislock__verifier_free(ndislock_spin_t *l)
{
    struct v_thread *t = v_self();
    int reported, skip = 0;

    if (t->guard || !vstate.opt.verify)
        return 0;
    enter(t);
    mu(t);
    struct v_lock *lk = v_lookup((uintptr_t)l);
    if (lk && v_state_of(lk) == VL_FREED) {
        v_report(R_LOCK_USE_AFTER_FREE, lk, &lk->freed, "lock freed at",
                 "NdisFreeSpinLock of a lock already freed");
        skip = 1;
    } else if ((lk = lock_record(t, l, "NdisFreeSpinLock", &reported)) == NULL || reported) {
        skip = 0;
    } else if (owner_of(lk) != NULL) {
        v_report(R_LOCK_FREE_WHILE_HELD, lk, &lk->acquired, "lock acquired at",
                 "NdisFreeSpinLock of a lock held by thread %llu",
                 (unsigned long long)lk->owner_tid);
        skip = 1;       /* the holder keeps a valid lock */
    }
    if (lk && !skip) {
        v_capture(&lk->freed, 1);
        v_set_state(lk, VL_FREED);
    }
    leave(t);
    return skip;
}

__attribute__((noinline)) int ndislock__verifier_interlocked(ndislock_spin_t *l, const char *what)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = v_self();

    if (!t->guard && vstate.opt.verify) {
        enter(t);
        struct v_lock *lk = v_lookup((uintptr_t)l);
        if (lk && v_state_of(lk) == VL_LIVE && owner_of(lk) == t) {
            REPORT(t, R_INTERLOCKED_LOCK_HELD, lk, &lk->acquired, "lock acquired at",
                     "%s with a spin lock this thread already holds", what);
            leave(t);
            return 0;   /* runs under the caller's hold */
        }
        leave(t);
    }
    t->il_what = what;      /* names the call in reports */
    (void)checked_acquire(l, NDISLOCK_OP_INTERLOCKED, NULL, NULL, pc);   /* pc: in interlocked.c */
    t->il_what = NULL;
    return 1;
}

void ndislock__verifier_interlocked_done(ndislock_spin_t *l)
{
    ndislock__checked_release(l, NDISLOCK_OP_INTERLOCKED, 0, NULL);
}

/* ---- reader/writer locks (hooks.h) ---- */

static const char *const rw_names[NDISLOCK_RW_OP_COUNT] = {
    "NdisAcquireRWLockRead", "NdisAcquireRWLockWrite",
    "NdisAcquireReadWriteLock (read)", "NdisAcquireReadWriteLock (write)",
    "NdisDprAcquireReadWriteLock (read)", "NdisDprAcquireReadWriteLock (write)",
    "ExAcquireSpinLockShared", "ExAcquireSpinLockExclusive",
    "ExAcquireSpinLockSharedAtDpcLevel", "ExAcquireSpinLockExclusiveAtDpcLevel",
};

static int rw_is_write(enum ndislock_rw_op op)
{
    return op == NDISLOCK_RW_NDIS6_WRITE || op == NDISLOCK_RW_NDIS5_WRITE ||
           op == NDISLOCK_RW_NDIS5_DPR_WRITE || op == NDISLOCK_RW_EX_EXCLUSIVE ||
           op == NDISLOCK_RW_EX_EXCLUSIVE_DPC;
}

void ndislock__verifier_rw_init(const void *lock, const struct ndislock_site *site)
{
    (void)lock;
    (void)site;
}

void ndislock__verifier_rw_free(const void *lock)
{
    (void)lock;
}

int ndislock__verifier_rw_acquire(const void *lock, enum ndislock_rw_op op, unsigned flags,
                                  int held)
{
    struct v_thread *t = v_self();

    (void)flags;
    if (t->guard || !vstate.opt.verify)
        return 0;
    if (held == NDISLOCK_RW_HELD_READ && rw_is_write(op)) {
        enter(t);
        REPORT(t, R_LOCK_RECURSIVE_ACQUIRE, NULL, NULL, NULL,
               "%s of RW lock %p, which this thread holds for read (read -> write promotion "
               "deadlocks); the acquire is skipped", rw_names[op], lock);
        leave(t);
        return 1;
    }
    return 0;
}

void ndislock__verifier_rw_acquired(const void *lock, enum ndislock_rw_op op, uint64_t waited_ns)
{
    (void)lock;
    (void)op;
    (void)waited_ns;
}

void ndislock__verifier_rw_release(const void *lock, enum ndislock_rw_op op)
{
    (void)lock;
    (void)op;
}

void ndislock__verifier_rw_waiting(const void *lock, enum ndislock_rw_op op, uint64_t waited_ns)
{
    struct v_thread *t = v_self();

    if (t->guard || !vstate.opt.verify || vstate.opt.deadlock_ms == 0 ||
        waited_ns < (uint64_t)vstate.opt.deadlock_ms * 1000000u)
        return;
    enter(t);
    REPORT(t, R_LOCK_DEADLOCK, NULL, NULL, NULL, "%s of RW lock %p waited %llu ms", rw_names[op],
           lock, (unsigned long long)(waited_ns / 1000000u));
    leave(t);
}
