/*
 * The checked versions of the lock and IRQL operations: what runs instead of
 * the inline fast path while the verifier or statistics are on.
 *
 * Shape of every checked acquire: under the verifier's mutex, look the lock
 * up and apply the rules; drop the mutex; take the lock word (watched by the
 * deadlock watchdog); retake the mutex to record the hold.  A report never
 * leads into a real self-deadlock: each rule's "after" is in docs/VERIFIER.md.
 */
#include "internal.h"
#include "hooks.h"

#include <string.h>

static int is_ndis(enum ndislock_op op)
{
    return op == NDISLOCK_OP_NDIS || op == NDISLOCK_OP_NDIS_DPR;
}

/* The ops that raise to DISPATCH_LEVEL and restore an IRQL on release. */
static int raising(enum ndislock_op op)
{
    return op == NDISLOCK_OP_KE || op == NDISLOCK_OP_NDIS || op == NDISLOCK_OP_QUEUED;
}

static const char *op_name(enum ndislock_op op, int acquire)
{
    static const char *const a[] = { "KeAcquireSpinLock", "KeAcquireSpinLockAtDpcLevel",
        "KeTryToAcquireSpinLockAtDpcLevel", "NdisAcquireSpinLock", "NdisDprAcquireSpinLock",
        "KeAcquireInStackQueuedSpinLock", "KeAcquireInStackQueuedSpinLockAtDpcLevel" };
    static const char *const r[] = { "KeReleaseSpinLock", "KeReleaseSpinLockFromDpcLevel",
        "KeReleaseSpinLockFromDpcLevel", "NdisReleaseSpinLock", "NdisDprReleaseSpinLock",
        "KeReleaseInStackQueuedSpinLock", "KeReleaseInStackQueuedSpinLockFromDpcLevel" };
    return acquire ? a[op] : r[op];
}

static void enter(struct v_thread *t)
{
    pthread_mutex_lock(&vstate.mu);
    t->guard++;
}

static void leave(struct v_thread *t)
{
    t->guard--;
    pthread_mutex_unlock(&vstate.mu);
}

static void clear_word(ndislock_spin_t *l)
{
    ndislock_pr_store(ndislock__spin_state(l), 0, NDISLOCK_RELAXED);
    ndislock_pr_store(ndislock__spin_waiters(l), 0, NDISLOCK_RELAXED);
}

/*
 * The record of l, creating one for a lock the verifier never saw initialized
 * (LOCK_NOT_INITIALIZED; the word is then cleared, as if initialized here) or
 * reporting a freed one (LOCK_USE_AFTER_FREE; it becomes live again).
 * *reported is set when either was reported.  NULL only if the table is full.
 */
static struct v_lock *lock_record(ndislock_spin_t *l, const char *call, int *reported)
{
    struct v_lock *lk = v_lookup((uintptr_t)l);

    *reported = 0;
    if (lk == NULL) {
        if ((lk = v_insert((uintptr_t)l)) == NULL)
            return NULL;
        lk->state = VL_LIVE;
        lk->cls = &vstate.classes[0];
        if (vstate.opt.verify && !ndislock_pr_load(&ndislock__unchecked_inits, NDISLOCK_RELAXED)) {
            *reported = 1;
            v_report(R_LOCK_NOT_INITIALIZED, lk, NULL, NULL,
                     "%s on a lock never passed to NdisAllocateSpinLock/KeInitializeSpinLock", call);
            clear_word(l);
        }
    } else if (lk->state == VL_FREED && vstate.opt.verify) {
        *reported = 1;
        v_report(R_LOCK_USE_AFTER_FREE, lk, &lk->freed, "lock freed at", "%s after NdisFreeSpinLock",
                 call);
        lk->state = VL_LIVE;
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

/* The unchecked operation, for calls made while the verifier itself runs. */
static int raw_acquire(ndislock_spin_t *l, enum ndislock_op op, ndislock_irql_t *old_irql)
{
    ndislock_irql_t old = ndislock_tls.irql;

    if (op == NDISLOCK_OP_KE_TRY)
        return ndislock_spin_trylock(l);
    if (raising(op))
        ndislock__irql_raise_raw(NDISLOCK_DISPATCH_LEVEL);
    ndislock_spin_lock(l);
    if (op == NDISLOCK_OP_NDIS)
        ((struct ndislock_ndis_spin *)(void *)l)->OldIrql = old;
    else if (op == NDISLOCK_OP_NDIS_DPR)
        ((struct ndislock_ndis_spin *)(void *)l)->OldIrql = NDISLOCK_DISPATCH_LEVEL;
    if (old_irql)
        *old_irql = old;
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
        v_report(R_ISR_SPINLOCK, lk, NULL, NULL, "%s called in %s", call,
                 ctx == NDISLOCK_CTX_ISR ? "MiniportInterrupt (ISR)"
                 : ctx == NDISLOCK_CTX_SYNC ? "a MiniportSynchronizeInterrupt callback"
                                            : "MiniportDisableInterruptEx");
    if (raising(op) && cur > NDISLOCK_DISPATCH_LEVEL) {
        v_report(R_IRQL_ACQUIRE_TOO_HIGH, lk, NULL, NULL, "%s called at IRQL %u (> DISPATCH_LEVEL)",
                 call, cur);
        flags |= V_HELD_AT_HIGH_IRQL;
    }
    if (op == NDISLOCK_OP_NDIS_DPR && cur != NDISLOCK_DISPATCH_LEVEL)
        v_report(R_IRQL_DPR_NOT_DISPATCH, lk, NULL, NULL, "%s called at IRQL %u", call, cur);
    if (vstate.opt.lock_nested && is_ndis(op)) {
        for (unsigned i = 0; i < t->nheld; i++)
            if (t->held[i].lk->ndis) {
                v_report(R_LOCK_NESTED, lk, &t->held[i].lk->acquired, "other lock acquired at",
                         "%s while holding \"%s\"", call, v_lock_name(t->held[i].lk));
                break;
            }
    }
    for (unsigned i = 0; i < t->nheld; i++)
        if (v_graph_add(t->held[i].lk, lk))
            break;
    return flags;
}

int ndislock__checked_acquire(ndislock_spin_t *l, enum ndislock_op op, ndislock_irql_t *old_irql)
{
    struct v_thread *t = v_self();
    ndislock_irql_t cur = ndislock_tls.irql;
    int reported, contended = 0, flags = 0;
    uint64_t waited = 0;

    if (t->guard)
        return raw_acquire(l, op, old_irql);
    enter(t);
    struct v_lock *lk = lock_record(l, op_name(op, 1), &reported);
    if (lk == NULL) {
        leave(t);
        return raw_acquire(l, op, old_irql);
    }
    if (vstate.opt.verify && lk->owner == t) {
        if (op != NDISLOCK_OP_KE_TRY) {
            /* Skipped: the thread already holds it.  The matching release is swallowed too. */
            v_report(R_LOCK_RECURSIVE_ACQUIRE, lk, &lk->acquired, "lock acquired earlier at",
                     "%s of a lock this thread already holds", op_name(op, 1));
            lk->recursion++;
        }
        leave(t);
        if (old_irql)
            *old_irql = cur;
        return op != NDISLOCK_OP_KE_TRY;
    }
    if (vstate.opt.verify)
        flags = check_acquire(t, lk, op, cur);
    pthread_mutex_unlock(&vstate.mu);       /* guard stays: the wait may report */

    if (op == NDISLOCK_OP_KE_TRY) {
        if (!ndislock_spin_trylock(l)) {
            pthread_mutex_lock(&vstate.mu);
            lk->cls->contentions++;
            leave(t);
            return 0;
        }
    } else {
        waited = v_wait_lock(l, lk, &contended);
    }
    if (raising(op) && cur <= NDISLOCK_DISPATCH_LEVEL)
        ndislock_tls.irql = NDISLOCK_DISPATCH_LEVEL;    /* above it: stays (reported) */

    pthread_mutex_lock(&vstate.mu);
    lk->owner = t;
    lk->owner_tid = t->tid;
    lk->op = (uint8_t)op;
    lk->flags = (uint8_t)flags;
    lk->old_irql = op == NDISLOCK_OP_NDIS_DPR ? NDISLOCK_DISPATCH_LEVEL : cur;
    if (vstate.opt.verify)
        v_capture(&lk->acquired, 1);
    if (t->nheld < V_HELD)
        t->held[t->nheld].lk = lk;
    t->nheld++;
    lk->cls->acquisitions++;
    if (contended) {
        lk->cls->contentions++;
        v_hist_add(&lk->cls->wait, waited);
    }
    lk->acquired_ns = v_now_ns();
    lk->report_ns_at_acquire = t->report_ns;
    leave(t);
    if (op == NDISLOCK_OP_NDIS)
        ((struct ndislock_ndis_spin *)(void *)l)->OldIrql = cur;
    else if (op == NDISLOCK_OP_NDIS_DPR)
        ((struct ndislock_ndis_spin *)(void *)l)->OldIrql = NDISLOCK_DISPATCH_LEVEL;
    if (old_irql)
        *old_irql = cur;
    return 1;
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

void ndislock__checked_release(ndislock_spin_t *l, enum ndislock_op op, ndislock_irql_t new_irql)
{
    struct v_thread *t = v_self();
    struct ndislock_ndis_spin *nl = (struct ndislock_ndis_spin *)(void *)l;
    ndislock_irql_t cur = ndislock_tls.irql;
    int reported, lower = 1, verify = vstate.opt.verify;

    if (t->guard)
        goto raw;
    enter(t);
    struct v_lock *lk = lock_record(l, op_name(op, 0), &reported);
    if (lk == NULL) {
        leave(t);
        goto raw;
    }
    if (reported)
        goto skip;      /* never initialized / freed: nothing of ours to release */
    if (verify && lk->owner == NULL) {
        v_report(R_LOCK_RELEASE_NOT_HELD, lk, &lk->released, "lock last released at",
                 "%s of a lock that is not held", op_name(op, 0));
        goto skip;
    }
    if (verify && lk->owner != t) {
        v_report(R_LOCK_RELEASE_WRONG_OWNER, lk, &lk->acquired, "lock acquired by its owner at",
                 "%s by thread %llu; the lock is held by thread %llu", op_name(op, 0),
                 (unsigned long long)t->tid, (unsigned long long)lk->owner_tid);
        goto skip;
    }
    if (lk->recursion) {
        lk->recursion--;
        goto skip;
    }
    if (verify && is_ndis(op) && is_ndis((enum ndislock_op)lk->op) && op != lk->op) {
        v_report(R_LOCK_VARIANT_MISMATCH, lk, &lk->acquired, "lock acquired at",
                 "%s of a lock acquired with %s", op_name(op, 0),
                 op_name((enum ndislock_op)lk->op, 1));
        op = (enum ndislock_op)lk->op;      /* release as the acquire requires */
    }
    if (verify && op == NDISLOCK_OP_NDIS_DPR && cur != NDISLOCK_DISPATCH_LEVEL)
        v_report(R_IRQL_DPR_NOT_DISPATCH, lk, &lk->acquired, "lock acquired at",
                 "%s called at IRQL %u", op_name(op, 0), cur);
    else if (verify && raising(op) && cur != NDISLOCK_DISPATCH_LEVEL &&
             !(lk->flags & V_HELD_AT_HIGH_IRQL))
        v_report(R_IRQL_BAD_RAISE_LOWER, lk, &lk->acquired, "lock acquired at",
                 "%s called at IRQL %u; spin locks are released at DISPATCH_LEVEL",
                 op_name(op, 0), cur);
    int i = held_index(t, lk);
    if (verify && i >= 0 && i + 1 < (int)t->nheld && i + 1 < V_HELD) {
        struct v_lock *next = t->held[i + 1].lk;
        v_report(R_LOCK_RELEASE_ORDER, lk, &t->held[t->nheld - 1].lk->acquired,
                 "the lock acquired after it was acquired at",
                 "%s of \"%s\" while \"%s\", acquired later, is still held", op_name(op, 0),
                 v_lock_name(lk), v_lock_name(t->held[t->nheld - 1].lk));
        /* Keep the IRQL; the lock taken right after inherits the level to restore. */
        if (raising(op) && raising((enum ndislock_op)next->op)) {
            ndislock_irql_t give = op == NDISLOCK_OP_NDIS ? nl->OldIrql : new_irql;
            next->old_irql = give;
            if (next->op == NDISLOCK_OP_NDIS)
                ((struct ndislock_ndis_spin *)(void *)next->addr)->OldIrql = give;
        }
        lower = 0;
    }
    uint64_t held_ns = v_now_ns() - lk->acquired_ns - (t->report_ns - lk->report_ns_at_acquire);
    v_hist_add(&lk->cls->hold, held_ns);
    if (vstate.opt.hold_us && held_ns > (uint64_t)vstate.opt.hold_us * 1000u) {
        lk->cls->over_budget++;
        if (verify)
            v_report(R_HOLD_TIME_EXCEEDED, lk, &lk->acquired, "lock acquired at",
                     "held for %llu us (budget %u us)", (unsigned long long)(held_ns / 1000),
                     vstate.opt.hold_us);
    }
    drop_held(t, i);
    lk->flags = 0;
    lk->owner = NULL;
    lk->owner_tid = 0;
    if (verify)
        v_capture(&lk->released, 1);
    leave(t);
    goto release;
skip:
    leave(t);
    return;
raw:
    lower = 1;
release:
    {
        ndislock_irql_t to = op == NDISLOCK_OP_NDIS ? nl->OldIrql : new_irql;
        ndislock_spin_unlock(l);
        if (raising(op) && lower)
            ndislock__irql_lower_raw(to);
    }
}

ndislock_irql_t ndislock__checked_irql(int raise, ndislock_irql_t new_irql)
{
    struct v_thread *t = v_self();
    ndislock_irql_t cur = ndislock_tls.irql;

    if (vstate.opt.verify && !t->guard && (raise ? new_irql < cur : new_irql > cur)) {
        enter(t);
        v_report(R_IRQL_BAD_RAISE_LOWER, NULL, NULL, NULL, "%s(%u) called at IRQL %u",
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
    struct v_lock *lk = v_lookup((uintptr_t)l);
    if (lk && lk->state == VL_LIVE && lk->owner != NULL && vstate.opt.verify) {
        v_report(R_LOCK_FREE_WHILE_HELD, lk, &lk->acquired, "lock acquired at",
                 "%s of a lock that is held", ndis ? "NdisAllocateSpinLock" : "KeInitializeSpinLock");
        leave(t);
        return 1;       /* skipped: the holder keeps a valid lock */
    }
    if (lk == NULL)
        lk = v_insert((uintptr_t)l);
    if (lk) {
        uintptr_t addr = lk->addr;
        memset(lk, 0, sizeof *lk);
        lk->addr = addr;
        lk->state = VL_LIVE;
        lk->ndis = (uint8_t)ndis;
        lk->cls = site ? v_class_of(site) : &vstate.classes[0];
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
    struct v_lock *lk = v_lookup((uintptr_t)l);
    if (lk && lk->state == VL_FREED) {
        v_report(R_LOCK_USE_AFTER_FREE, lk, &lk->freed, "lock freed at",
                 "NdisFreeSpinLock of a lock already freed");
        skip = 1;
    } else if ((lk = lock_record(l, "NdisFreeSpinLock", &reported)) == NULL || reported) {
        skip = 0;
    } else if (lk->owner != NULL) {
        v_report(R_LOCK_FREE_WHILE_HELD, lk, &lk->acquired, "lock acquired at",
                 "NdisFreeSpinLock of a lock held by thread %llu",
                 (unsigned long long)lk->owner_tid);
        skip = 1;       /* the holder keeps a valid lock */
    }
    if (lk && !skip) {
        lk->state = VL_FREED;
        v_capture(&lk->freed, 1);
    }
    leave(t);
    return skip;
}

int ndislock__verifier_interlocked(ndislock_spin_t *l, const char *what, ndislock_irql_t *old)
{
    struct v_thread *t = v_self();
    ndislock_irql_t cur = ndislock_tls.irql;

    if (!t->guard && vstate.opt.verify) {
        enter(t);
        struct v_lock *lk = v_lookup((uintptr_t)l);
        if (lk && lk->state == VL_LIVE && lk->owner == t) {
            v_report(R_INTERLOCKED_LOCK_HELD, lk, &lk->acquired, "lock acquired at",
                     "%s with a spin lock this thread already holds", what);
            leave(t);
            *old = cur;
            return 0;   /* runs under the caller's hold */
        }
        leave(t);
    }
    t->il_what = what;      /* names the call in IRQL_ACQUIRE_TOO_HIGH */
    (void)ndislock__checked_acquire(l, NDISLOCK_OP_KE, old);
    t->il_what = NULL;
    return 1;
}
