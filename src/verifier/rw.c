/*
 * The reader/writer locks' side of the verifier (hooks.h): NDIS 6.20
 * NDIS_RW_LOCK_EX, NDIS 5 NDIS_RW_LOCK, EX_SPIN_LOCK.  The lock code keeps
 * its own record of what a thread holds (the WDK's recursion rules need it
 * with the verifier off) and calls these hooks; each acquisition is also a
 * hold entry on the thread's stack, so RW locks take part in the order
 * graph (with shared/exclusive edges), the statistics, the watchdog,
 * LOCK_HELD_AT_EXIT and the "who holds it" search like spin locks.
 */
#include "internal.h"
#include "preempt.h"

#include <ndislock/contexts.h>

#define V_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define V_GET(x)    __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define OPT(f)      __atomic_load_n(&ndislock__v.opt.f, __ATOMIC_RELAXED)

static const struct {
    const char *acquire, *release;
    uint8_t write, dpr, at_dpc, ex, family;     /* dpr: exactly DISPATCH_LEVEL; at_dpc: >= it */
} rw[NDISLOCK_RW_OP_COUNT] = {
    [NDISLOCK_RW_NDIS6_READ] = { "NdisAcquireRWLockRead", "NdisReleaseRWLock", 0, 0, 0, 0, 1 },
    [NDISLOCK_RW_NDIS6_WRITE] = { "NdisAcquireRWLockWrite", "NdisReleaseRWLock", 1, 0, 0, 0, 1 },
    [NDISLOCK_RW_NDIS5_READ] = { "NdisAcquireReadWriteLock (read)", "NdisReleaseReadWriteLock",
                                 0, 0, 0, 0, 2 },
    [NDISLOCK_RW_NDIS5_WRITE] = { "NdisAcquireReadWriteLock (write)", "NdisReleaseReadWriteLock",
                                  1, 0, 0, 0, 2 },
    [NDISLOCK_RW_NDIS5_DPR_READ] = { "NdisDprAcquireReadWriteLock (read)",
                                     "NdisDprReleaseReadWriteLock", 0, 1, 0, 0, 3 },
    [NDISLOCK_RW_NDIS5_DPR_WRITE] = { "NdisDprAcquireReadWriteLock (write)",
                                      "NdisDprReleaseReadWriteLock", 1, 1, 0, 0, 3 },
    [NDISLOCK_RW_EX_SHARED] = { "ExAcquireSpinLockShared", "ExReleaseSpinLockShared",
                                0, 0, 0, 1, 4 },
    [NDISLOCK_RW_EX_EXCLUSIVE] = { "ExAcquireSpinLockExclusive", "ExReleaseSpinLockExclusive",
                                   1, 0, 0, 1, 5 },
    [NDISLOCK_RW_EX_SHARED_DPC] = { "ExAcquireSpinLockSharedAtDpcLevel",
                                    "ExReleaseSpinLockSharedFromDpcLevel", 0, 0, 1, 1, 6 },
    [NDISLOCK_RW_EX_EXCLUSIVE_DPC] = { "ExAcquireSpinLockExclusiveAtDpcLevel",
                                       "ExReleaseSpinLockExclusiveFromDpcLevel", 1, 0, 1, 1, 7 },
};

#define REPORT(t, ...)                                                          \
    do {                                                                        \
        struct v_slow s_;                                                       \
        ndislock__v_enter(&s_, (t));                                            \
        ndislock__v_reportf((t), __VA_ARGS__);                                  \
        ndislock__v_leave(&s_);                                                 \
    } while (0)

static int valid(enum ndislock_rw_op op)
{
    return (unsigned)op < NDISLOCK_RW_OP_COUNT;
}

/* Topmost RW entry of t for key in a state of mask, or -1. */
static int find(struct v_thread *t, uintptr_t key, unsigned mask)
{
    for (unsigned i = t->nheld; i-- > 0;)
        if (t->held[i].key == key && t->held[i].op >= V_OP_RW && (mask & (1u << t->held[i].state)))
            return (int)i;
    return -1;
}

/* The record of an RW lock; one never initialized (EX_SPIN_LOCK has no init call) is made
 * silently.  *freed: it was freed (reported). */
V_CODE static struct v_lock *rw_record(struct v_thread *t, const void *lock, const char *call,
                                       void *pc, int *freed)
{
    uintptr_t key = (uintptr_t)lock;
    struct v_lock *lk = ndislock__v_lock_lookup(t, key);
    struct v_stack at = { 0 };

    *freed = 0;
    if (__builtin_expect(lk != NULL && V_GET(lk->state) == VL_LIVE, 1))
        return lk;
    struct v_slow s;
    ndislock__v_enter(&s, t);
    if (ndislock__v_lock(t)) {
        lk = ndislock__v_lock_find(key);
        if (lk == NULL) {
            lk = ndislock__v_lock_add(key, ndislock__v_class_unknown(V_KIND_RW), V_KIND_RW);
        } else if (V_GET(lk->state) == VL_FREED) {
            const struct v_stack *st = ndislock__v_lock_freed_at(lk);
            if (st)
                at = *st;
            *freed = 1;
        }
        ndislock__v_unlock(t);
    }
    if (*freed && OPT(verify))
        ndislock__v_reportf(t, R_LOCK_USE_AFTER_FREE, lk, pc, &at, NULL, "lock freed at",
                            "%s of a freed RW lock; the call is skipped", call);
    ndislock__v_leave(&s);
    return lk;
}

V_CODE void ndislock__verifier_rw_init(const void *lock, const struct ndislock_site *site)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = v_self();
    uintptr_t key = (uintptr_t)lock;
    struct v_holder who;
    struct v_slow s;
    int held = 0;

    if (t == NULL || key < 4096)
        return;
    ndislock__v_enter(&s, t);
    if (ndislock__v_lock(t)) {
        struct v_lock *lk = ndislock__v_lock_find(key);
        struct v_class *cls = ndislock__v_class_of(site, V_KIND_RW);
        held = lk != NULL && ndislock__v_find_holder(key, NULL, &who);
        if (lk == NULL) {
            lk = ndislock__v_lock_add(key, cls, V_KIND_RW);
        } else if (!held) {
            if (lk->inst) {
                ndislock__v_graph_forget(key);
                lk->inst = 0;
            }
            if (V_GET(lk->state) == VL_FREED)
                ndislock__v_lock_revive(lk);
            __atomic_store_n(&lk->cls, cls, __ATOMIC_RELAXED);
            lk->kind = V_KIND_RW;
            ndislock__v_lock_touch(lk);     /* lock caches (fast.c) drop what they knew */
        }
        if (lk != NULL)
            lk->init_pc = pc;
        ndislock__v_unlock(t);
        if (held && OPT(verify)) {
            if (who.stack.n == 0) {
                who.stack.n = 1;
                who.stack.pc[0] = who.pc;
            }
            ndislock__v_reportf(t, R_LOCK_FREE_WHILE_HELD, lk, pc, &who.stack, NULL,
                                "lock acquired at", "RW lock initialized again while thread %d "
                                "holds it", who.os_tid);
        }
    }
    ndislock__v_leave(&s);
}

V_CODE void ndislock__verifier_rw_free(const void *lock)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = v_self();
    uintptr_t key = (uintptr_t)lock;
    struct v_stack here, at = { 0 };
    struct v_holder who;
    struct v_slow s;
    int rule = -1;

    if (t == NULL || key < 4096)
        return;
    ndislock__v_enter(&s, t);
    ndislock__v_capture(&here, pc);
    if (ndislock__v_lock(t)) {
        struct v_lock *lk = ndislock__v_lock_find(key);
        if (lk != NULL && V_GET(lk->state) == VL_FREED) {
            const struct v_stack *st = ndislock__v_lock_freed_at(lk);
            if (st)
                at = *st;
            rule = R_LOCK_USE_AFTER_FREE;
        } else if (lk != NULL && ndislock__v_find_holder(key, NULL, &who)) {
            rule = R_LOCK_FREE_WHILE_HELD;
        } else if (lk != NULL) {
            if (lk->inst) {
                ndislock__v_graph_forget(key);
                lk->inst = 0;
            }
            ndislock__v_lock_freed(lk, &here);
        }
        ndislock__v_unlock(t);
        if (rule == R_LOCK_USE_AFTER_FREE && OPT(verify))
            ndislock__v_reportf(t, R_LOCK_USE_AFTER_FREE, lk, pc, &at, NULL, "lock freed at",
                                "RW lock freed twice");
        else if (rule == R_LOCK_FREE_WHILE_HELD && OPT(verify)) {
            if (who.stack.n == 0) {
                who.stack.n = 1;
                who.stack.pc[0] = who.pc;
            }
            ndislock__v_reportf(t, R_LOCK_FREE_WHILE_HELD, lk, pc, &who.stack, NULL,
                                "lock acquired at", "RW lock freed while thread %d holds it",
                                who.os_tid);
        }
    }
    ndislock__v_leave(&s);
}

V_CODE int ndislock__verifier_rw_acquire(const void *lock, enum ndislock_rw_op op, unsigned flags,
                                         int held)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = v_self();
    uintptr_t key = (uintptr_t)lock;
    ndislock_irql_t cur = ndislock_tls.irql;
    int verify = OPT(verify), freed;

    if (t == NULL || !valid(op) || key < 4096)
        return 0;
    const char *call = rw[op].acquire;
    struct v_lock *lk = rw_record(t, lock, call, pc, &freed);
    if (freed)
        return 1;                           /* its memory is no lock any more: skipped */
    if (verify) {
        int mine = find(t, key, 1u << VH_HELD | 1u << VH_WAITING);
        int have = held != NDISLOCK_RW_HELD_NONE ? held
                 : mine < 0 ? NDISLOCK_RW_HELD_NONE
                 : (t->held[mine].flags & VH_F_READ) ? NDISLOCK_RW_HELD_READ : NDISLOCK_RW_HELD_WRITE;
        if (have != NDISLOCK_RW_HELD_NONE &&
            (rw[op].ex || (have == NDISLOCK_RW_HELD_READ && rw[op].write))) {
            REPORT(t, R_LOCK_RECURSIVE_ACQUIRE, lk, pc, NULL, mine >= 0 ? t->held[mine].pc : NULL,
                   "lock acquired earlier at", "%s of an RW lock this thread holds for %s (%s); "
                   "the acquire is skipped", call, have == NDISLOCK_RW_HELD_READ ? "read" : "write",
                   rw[op].ex ? "EX spin locks are not recursive" : "read -> write promotion "
                   "deadlocks");
            return 1;
        }
        if (cur > NDISLOCK_DISPATCH_LEVEL)
            REPORT(t, R_IRQL_ACQUIRE_TOO_HIGH, lk, pc, NULL, NULL, NULL,
                   "%s called at IRQL %u (allowed: <= DISPATCH_LEVEL)", call, cur);
        else if ((rw[op].dpr || (flags & NDISLOCK_RWL_AT_DISPATCH)) &&
                 cur != NDISLOCK_DISPATCH_LEVEL)
            REPORT(t, R_IRQL_DPR_NOT_DISPATCH, lk, pc, NULL, NULL, NULL, "%s%s called at IRQL %u",
                   call, (flags & NDISLOCK_RWL_AT_DISPATCH) ? " with NDIS_RWL_AT_DISPATCH_LEVEL" : "",
                   cur);
        else if (rw[op].at_dpc && cur < NDISLOCK_DISPATCH_LEVEL)
            REPORT(t, R_IRQL_DPR_NOT_DISPATCH, lk, pc, NULL, NULL, NULL,
                   "%s called at IRQL %u (< DISPATCH_LEVEL)", call, cur);
        if (lk != NULL && have == NDISLOCK_RW_HELD_NONE && t->nheld > 0)
            ndislock__v_order(t, lk, !rw[op].write, pc);
    }
    struct v_hold *h = v_push(t);
    if (h == NULL)
        return 0;
    h->op = (uint8_t)(V_OP_RW + op);
    h->flags = rw[op].write ? 0 : VH_F_READ;
    h->restore = h->raised = cur;
    V_SET(h->key, key);
    V_SET(h->rec, lk);
    V_SET(h->pc, pc);
    V_SET(h->state, (uint8_t)VH_WAITING);
    return 0;
}

V_CODE void ndislock__verifier_rw_acquired(const void *lock, enum ndislock_rw_op op,
                                           uint64_t waited_ns)
{
    struct v_thread *t = v_self();
    int i = t ? find(t, (uintptr_t)lock, 1u << VH_WAITING) : -1;

    (void)op;
    if (i < 0)
        return;
    struct v_hold *h = &t->held[i];
    struct v_cstats *st = h->rec ? v_stats(t, h->rec->cls) : NULL;
    t->own += v_ns_ticks(waited_ns);        /* not charged to the holds around it */
    if (st) {
        v_inc(&st->acq, 1);
        if (waited_ns) {
            v_inc(&st->cont, 1);
            v_hist_add(&st->wait, waited_ns);
        }
    }
    h->ops0 = ++t->nops;
    h->own0 = t->own;
    h->sw0 = v_switches(t);
    h->flags |= VH_F_TIMED;
    h->t0 = v_ticks();
    V_SET(h->state, (uint8_t)VH_HELD);
}

V_CODE void ndislock__verifier_rw_release(const void *lock, enum ndislock_rw_op op)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = v_self();
    uintptr_t key = (uintptr_t)lock;
    int verify = OPT(verify);

    if (t == NULL || !valid(op) || key < 4096)
        return;
    int i = find(t, key, 1u << VH_HELD);
    if (i < 0) {
        if (!verify)
            return;
        struct v_holder who;
        struct v_slow s;
        int found = 0;
        ndislock__v_enter(&s, t);
        if (ndislock__v_lock(t)) {
            found = ndislock__v_find_holder(key, t, &who);
            ndislock__v_unlock(t);
        }
        struct v_lock *lk = ndislock__v_lock_lookup(t, key);
        if (found)
            ndislock__v_reportf(t, R_LOCK_RELEASE_WRONG_OWNER, lk, pc, NULL, who.pc,
                                "lock acquired by its owner at", "%s by thread %d; the RW lock is "
                                "held by thread %d", rw[op].release, t->os_tid, who.os_tid);
        else
            ndislock__v_reportf(t, R_LOCK_RELEASE_NOT_HELD, lk, pc, NULL, NULL, NULL,
                                "%s of an RW lock this thread does not hold", rw[op].release);
        ndislock__v_leave(&s);
        return;
    }
    struct v_hold *h = &t->held[i];
    struct v_lock *lk = h->rec;
    unsigned acq = h->op - V_OP_RW;
    void *acq_pc = h->pc;
    if (h->flags & VH_F_TIMED) {
        uint64_t held = v_span(v_ticks() - h->t0, v_own_since(t, h->own0, h->ops0));
        uint64_t budget = __atomic_load_n(&ndislock__v.budget_ticks, __ATOMIC_RELAXED);
        struct v_cstats *st = lk ? v_stats(t, lk->cls) : NULL;
        if (st)
            v_hist_add(&st->hold, v_ticks_ns(held));
        if (budget && held > budget && v_switches(t) == h->sw0 && st)
            v_inc(&st->over, 1);
    }
    if (verify)
        v_note_release(t, key, pc);
    v_remove(t, (unsigned)i);
    if (verify && acq < NDISLOCK_RW_OP_COUNT && rw[acq].family != rw[op].family)
        REPORT(t, R_LOCK_VARIANT_MISMATCH, lk, pc, NULL, acq_pc, "lock acquired at",
               "%s of an RW lock acquired with %s", rw[op].release, rw[acq].acquire);
}

V_CODE void ndislock__verifier_rw_waiting(const void *lock, enum ndislock_rw_op op,
                                          uint64_t waited_ns)
{
    struct v_thread *t = v_self();
    uintptr_t key = (uintptr_t)lock;
    unsigned ms = OPT(deadlock_ms);

    if (t == NULL || !valid(op) || !OPT(verify) || ms == 0 || waited_ns < (uint64_t)ms * 1000000u)
        return;
    int i = find(t, key, 1u << VH_WAITING);
    if (i < 0 || (t->held[i].flags & VH_F_WAITREP))
        return;                             /* untracked wait, or reported already */
    t->held[i].flags |= VH_F_WAITREP;
    struct v_holder who;
    struct v_slow s;
    int found = 0;
    ndislock__v_enter(&s, t);
    if (ndislock__v_lock(t)) {
        found = ndislock__v_find_holder(key, t, &who);
        ndislock__v_unlock(t);
    }
    struct v_lock *lk = ndislock__v_lock_lookup(t, key);
    void *pc = t->held[i].pc;
    if (found)
        ndislock__v_reportf(t, R_LOCK_DEADLOCK, lk, pc, NULL, who.pc, "the holder acquired it at",
                            "%s waited %llu ms; held by thread %d%s", rw[op].acquire,
                            (unsigned long long)(waited_ns / 1000000u), who.os_tid,
                            who.dead ? " (which has exited)" : "");
    else
        ndislock__v_reportf(t, R_LOCK_DEADLOCK, lk, pc, NULL, NULL, NULL,
                            "%s waited %llu ms; no holder known to the verifier", rw[op].acquire,
                            (unsigned long long)(waited_ns / 1000000u));
    ndislock__v_leave(&s);
}
