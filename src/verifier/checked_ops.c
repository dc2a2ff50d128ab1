/*
 * The checked spin-lock and IRQL operations: what runs instead of the
 * inline fast path while the verifier or statistics are on.
 *
 * Shape of a checked acquire of a known lock (the hot path): find the lock
 * record (the thread's cache, or the lock-free table), check the thread-
 * local rules against the thread's own held-lock stack, ask the thread's
 * edge cache about the order, push a hold entry, take the word through the
 * lock's own contended path (watched by the deadlock watchdog), time it.
 * The release finds its entry, checks, times, unlocks, pops.  Nothing there
 * writes memory another thread writes, except the lock word: ownership is
 * the held-lock stacks, searched across threads only when a report needs
 * "who holds it" (thread.c).  Everything that reports, or changes shared
 * tables, runs in a slow section (recursion guard, cancellation off, time
 * excluded from the thread's holds) and takes ndislock__v.mu inside.
 *
 * After a report with halt_on_error=0 the operation either proceeds as the
 * WDK call would, or, where proceeding would self-deadlock or write into
 * memory that is not a lock (recursive, NULL, freed-and-reused or garbage
 * lock word), is skipped: a phantom entry on the stack then swallows the
 * matching release, so the driver's balanced code stays balanced.
 */
#include "internal.h"
#include "preempt.h"
#include "lock/slow.h"

#include <string.h>

#define V_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define V_GET(x)    __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define OPT(f)      __atomic_load_n(&ndislock__v.opt.f, __ATOMIC_RELAXED)

#define SYNCH_LEVEL 12

/*
 * What each WDK call family does: its names, the IRQL it raises to (0: no
 * raise), whether it raises only from below DISPATCH_LEVEL (ForDpc), the
 * lowest IRQL its acquire allows, whether it must run exactly at
 * DISPATCH_LEVEL (NdisDpr*), its release family, NDIS or not, queued or
 * not, and whether its OldIrql slot lies inside the lock's structure.
 */
static const struct {
    const char *acquire, *release;
    ndislock_irql_t raise_to, min_irql;
    uint8_t for_dpc, exact, family, ndis, queued, slot_in_lock;
} ops[NDISLOCK_OP_COUNT] = {
    [NDISLOCK_OP_KE] = { "KeAcquireSpinLock", "KeReleaseSpinLock", 2, 0, 0, 0, 1, 0, 0, 0 },
    [NDISLOCK_OP_KE_DPC] = { "KeAcquireSpinLockAtDpcLevel", "KeReleaseSpinLockFromDpcLevel",
                             0, 2, 0, 0, 2, 0, 0, 0 },
    [NDISLOCK_OP_KE_TRY] = { "KeTryToAcquireSpinLockAtDpcLevel", "KeReleaseSpinLockFromDpcLevel",
                             0, 2, 0, 0, 2, 0, 0, 0 },
    [NDISLOCK_OP_NDIS] = { "NdisAcquireSpinLock", "NdisReleaseSpinLock", 2, 0, 0, 0, 3, 1, 0, 1 },
    [NDISLOCK_OP_NDIS_DPR] = { "NdisDprAcquireSpinLock", "NdisDprReleaseSpinLock",
                               0, 2, 0, 1, 4, 1, 0, 1 },
    [NDISLOCK_OP_QUEUED] = { "KeAcquireInStackQueuedSpinLock", "KeReleaseInStackQueuedSpinLock",
                             2, 0, 0, 0, 5, 0, 1, 0 },
    [NDISLOCK_OP_QUEUED_DPC] = { "KeAcquireInStackQueuedSpinLockAtDpcLevel",
                                 "KeReleaseInStackQueuedSpinLockFromDpcLevel", 0, 2, 0, 0, 6, 0, 1, 0 },
    [NDISLOCK_OP_KE_SYNCH] = { "KeAcquireSpinLockRaiseToSynch", "KeReleaseSpinLock",
                               SYNCH_LEVEL, 0, 0, 0, 1, 0, 0, 0 },
    [NDISLOCK_OP_KE_FOR_DPC] = { "KeAcquireSpinLockForDpc", "KeReleaseSpinLockForDpc",
                                 2, 0, 1, 0, 7, 0, 0, 0 },
    [NDISLOCK_OP_QUEUED_FOR_DPC] = { "KeAcquireInStackQueuedSpinLockForDpc",
                                     "KeReleaseInStackQueuedSpinLockForDpc", 2, 0, 1, 0, 8, 0, 1, 0 },
    [NDISLOCK_OP_QUEUED_SYNCH] = { "KeAcquireInStackQueuedSpinLockRaiseToSynch",
                                   "KeReleaseInStackQueuedSpinLock", SYNCH_LEVEL, 0, 0, 0, 5, 0, 1, 0 },
    [NDISLOCK_OP_CANCEL] = { "IoAcquireCancelSpinLock", "IoReleaseCancelSpinLock",
                             2, 0, 0, 0, 9, 0, 0, 0 },
    [NDISLOCK_OP_INTERLOCKED] = { "ExInterlocked*", "ExInterlocked*", 0, 0, 0, 0, 10, 0, 0, 0 },
};

static int raising(unsigned op)
{
    return op < NDISLOCK_OP_COUNT && ops[op].raise_to != 0;
}

/* The IRQL op raises to from cur (cur itself when it does not raise). */
static ndislock_irql_t raised(unsigned op, ndislock_irql_t cur)
{
    if (!raising(op) || (ops[op].for_dpc && cur >= NDISLOCK_DISPATCH_LEVEL))
        return cur;
    return cur > ops[op].raise_to ? cur : ops[op].raise_to;
}

#define REPORT(t, ...)                                                          \
    do {                                                                        \
        struct v_slow s_;                                                       \
        ndislock__v_enter(&s_, (t));                                            \
        ndislock__v_reportf((t), __VA_ARGS__);                                  \
        ndislock__v_leave(&s_);                                                 \
    } while (0)

/* Where hold h began: its whole stack (acquire_stacks=1) or its PC. */
static const struct v_stack *hold_stack(struct v_thread *t, const struct v_hold *h,
                                        struct v_stack *buf)
{
    size_t i = (size_t)(h - t->held);

    buf->n = 0;
    if (t->stacks != NULL && i < t->cap)
        *buf = t->stacks[i];
    if (buf->n == 0) {
        buf->n = 1;
        buf->pc[0] = h->pc;
    }
    return buf;
}

/* Does the word look like one the lock layer wrote (spin.h's state values)?  A freed
 * and reused, or never-initialized, word usually does not: it is then never written. */
static int word_plausible(ndislock_spin_t *l)
{
    return ndislock_pr_load(l, NDISLOCK_RELAXED) <= NDISLOCK_SPIN_HELD;   /* 0 free, 1 held */
}

/* The hold entry of an acquire the verifier skipped. */
static void push_phantom(struct v_thread *t, uintptr_t key, struct v_lock *lk, unsigned op,
                         void *pc)
{
    struct v_hold *h = v_push(t);

    if (h == NULL)
        return;
    h->op = (uint8_t)op;
    h->flags = 0;
    V_SET(h->key, key);
    V_SET(h->rec, lk);
    V_SET(h->pc, pc);
    V_SET(h->state, (uint8_t)VH_PHANTOM);
}

/* What a skipped acquire hands back: the IRQL unchanged, written only where the
 * slot is the caller's own variable (not inside a lock that may be freed memory). */
static void phantom_slot(unsigned op, ndislock_irql_t *old_slot, ndislock_irql_t cur)
{
    if (old_slot != NULL && !ops[op].slot_in_lock)
        *old_slot = cur;
}

/*
 * The record of l when the fast lookup did not find a live one: a lock the
 * verifier never saw initialized (LOCK_NOT_INITIALIZED, unless some lock
 * was initialized while it was off), or a freed one (LOCK_USE_AFTER_FREE).
 * *skip: the call must not touch the word (reported, and the word is not
 * a lock word: garbage or freed memory).  NULL if the table is full.
 */
V_CODE static struct v_lock *resolve(struct v_thread *t, ndislock_spin_t *l, const char *call,
                                     void *pc, int acquire, int *skip)
{
    uintptr_t key = (uintptr_t)l;
    struct v_stack freed = { 0 };
    int verify = OPT(verify), rule = -1;
    struct v_slow s;

    *skip = 0;
    ndislock__v_enter(&s, t);
    if (!ndislock__v_lock(t)) {
        ndislock__v_leave(&s);
        return NULL;
    }
    struct v_lock *lk = ndislock__v_lock_find(key);
    if (lk == NULL) {
        lk = ndislock__v_lock_add(key, ndislock__v_class_unknown(V_KIND_SPIN), V_KIND_SPIN);
        if (verify && !ndislock_pr_load(&ndislock__unchecked_inits, NDISLOCK_RELAXED))
            rule = R_LOCK_NOT_INITIALIZED;
    } else if (V_GET(lk->state) == VL_FREED && verify) {
        const struct v_stack *st = ndislock__v_lock_freed_at(lk);
        if (st)
            freed = *st;
        rule = R_LOCK_USE_AFTER_FREE;
        /* a word that still looks like a lock's: in use again, as on Windows */
        if (acquire && word_plausible(l))
            ndislock__v_lock_revive(lk);
    }
    ndislock__v_unlock(t);
    if (rule == R_LOCK_NOT_INITIALIZED) {
        *skip = !acquire || !word_plausible(l);
        ndislock__v_reportf(t, R_LOCK_NOT_INITIALIZED, lk, pc, NULL, NULL, NULL,
                            "%s on a lock never passed to NdisAllocateSpinLock/KeInitializeSpinLock%s",
                            call, *skip && acquire ? " (its word is not a lock's: the call is skipped)"
                                                   : "");
    } else if (rule == R_LOCK_USE_AFTER_FREE) {
        *skip = !acquire || V_GET(lk->state) == VL_FREED;
        ndislock__v_reportf(t, R_LOCK_USE_AFTER_FREE, lk, pc, &freed, NULL, "lock freed at",
                            "%s after NdisFreeSpinLock%s", call,
                            *skip && acquire ? " (its memory no longer holds a lock: the call is "
                                               "skipped)" : "");
    }
    ndislock__v_leave(&s);
    return lk;
}

/* The lookup every operation starts with; a live record, or NULL with *skip set as above. */
static inline struct v_lock *record(struct v_thread *t, ndislock_spin_t *l, const char *call,
                                    void *pc, int acquire, int *skip)
{
    struct v_lock *lk = ndislock__v_lock_lookup(t, (uintptr_t)l);

    *skip = 0;
    if (__builtin_expect(lk != NULL && V_GET(lk->state) == VL_LIVE, 1))
        return lk;
    return resolve(t, l, call, pc, acquire, skip);
}

/* Topmost entry of t for key whose state is in mask (1 << VH_*), or -1. */
static inline int find_hold(struct v_thread *t, uintptr_t key, unsigned mask)
{
    for (unsigned i = t->nheld; i-- > 0;)
        if (t->held[i].key == key && (mask & (1u << t->held[i].state)))
            return (int)i;
    return -1;
}

/* ---- over-budget streaks ---- */

/*
 * A hold over budget is a warning only when the same acquire site (per
 * thread) is over budget on V_STREAK consecutive holds that stayed on the
 * CPU.  On this project's VM the host stops a vCPU for 25 us - 1.3 ms about
 * 270 times a second, unseen by rseq and counted as the thread's own CPU
 * time (bench/verifier_bench --gaps measures it), so one long hold proves
 * nothing; three in a row at one site by chance is ~1e-10 per hold.
 */
int ndislock__v_streak(struct v_thread *t, void *pc, int over)
{
    unsigned i;

    for (i = 0; i < t->nstreak && t->streak[i].pc != pc; i++)
        ;
    if (!over) {
        if (i < t->nstreak)
            t->streak[i] = t->streak[--t->nstreak];
        return 0;
    }
    if (i == t->nstreak) {
        if (t->nstreak == V_STREAKS)
            i = (unsigned)((uintptr_t)pc >> 4) % V_STREAKS;    /* evict one */
        else
            t->nstreak++;
        t->streak[i].pc = pc;
        t->streak[i].n = 0;
    }
    return ++t->streak[i].n == V_STREAK;
}

/* ---- the watchdog ---- */

struct watch {
    struct ndislock_wait_hook hook;
    struct v_thread *t;
    uintptr_t key;
    struct v_lock *lk;
    void *pc;
    int reported;
};

V_CODE static void on_wait(const struct ndislock_wait_hook *hk, uint64_t waited)
{
    struct watch *w = (struct watch *)(uintptr_t)hk;
    struct v_holder who;
    struct v_slow s;

    if (w->reported || waited < (uint64_t)OPT(deadlock_ms) * 1000000u)
        return;
    w->reported = 1;
    ndislock__v_enter(&s, w->t);
    int found = 0;
    if (ndislock__v_lock(w->t)) {
        found = ndislock__v_find_holder(w->key, w->t, &who);
        ndislock__v_unlock(w->t);
    }
    if (found) {
        if (who.stack.n == 0) {
            who.stack.n = 1;
            who.stack.pc[0] = who.pc;
        }
        ndislock__v_reportf(w->t, R_LOCK_DEADLOCK, w->lk, w->pc, &who.stack, NULL,
                            "the holder acquired it at", "waited %llu ms; held by thread %d%s",
                            (unsigned long long)(waited / 1000000u), who.os_tid,
                            who.dead ? " (which has exited)" : "");
    } else {
        ndislock__v_reportf(w->t, R_LOCK_DEADLOCK, w->lk, w->pc, NULL,
                            ndislock__v_last_release(w->t, w->key), "lock last released at",
                            "waited %llu ms; no holder known to the verifier (taken while it was "
                            "off, or the lock word is corrupted)",
                            (unsigned long long)(waited / 1000000u));
    }
    ndislock__v_leave(&s);
}

/* ---- acquire ---- */

static const char *name_of(unsigned op, int acquire, const char *what)
{
    return what ? what : acquire ? ops[op].acquire : ops[op].release;
}

/* The rules checked before an acquire; returns the hold's VH_F_* flags. */
V_SECTION static unsigned check_acquire(struct v_thread *t, struct v_lock *lk, unsigned op,
                                     ndislock_irql_t cur, void *pc, const char *call)
{
    unsigned ctx = ndislock_tls.context, flags = 0;

    /* most specific first: an ISR is also above DISPATCH_LEVEL */
    if (ops[op].ndis && (ctx == NDISLOCK_CTX_ISR || ctx == NDISLOCK_CTX_DISABLE_INTR ||
                         ctx == NDISLOCK_CTX_SYNC))
        REPORT(t, R_ISR_SPINLOCK, lk, pc, NULL, NULL, NULL, "%s called in %s", call,
               ctx == NDISLOCK_CTX_ISR ? "MiniportInterrupt (ISR)"
               : ctx == NDISLOCK_CTX_SYNC ? "a MiniportSynchronizeInterrupt callback"
                                          : "MiniportDisableInterruptEx");
    if (op == NDISLOCK_OP_INTERLOCKED)
        return 0;                           /* any IRQL: the WDK allows it */
    if (raising(op) && cur > ops[op].raise_to) {
        REPORT(t, R_IRQL_ACQUIRE_TOO_HIGH, lk, pc, NULL, NULL, NULL,
               "%s called at IRQL %u (allowed: <= %u)", call, cur,
               ops[op].for_dpc ? NDISLOCK_DISPATCH_LEVEL : ops[op].raise_to);
        flags |= VH_F_HIGH;
    } else if (ops[op].exact && cur != NDISLOCK_DISPATCH_LEVEL) {
        REPORT(t, R_IRQL_DPR_NOT_DISPATCH, lk, pc, NULL, NULL, NULL, "%s called at IRQL %u", call,
               cur);
    } else if (cur < ops[op].min_irql) {
        REPORT(t, R_IRQL_DPR_NOT_DISPATCH, lk, pc, NULL, NULL, NULL,
               "%s called at IRQL %u (< DISPATCH_LEVEL)", call, cur);
    }
    if (lk != NULL) {
        /* one KSPIN_LOCK is either queued or ordinary, never both (DV 0x1009) */
        unsigned use = ops[op].queued ? V_USE_QUEUED : V_USE_ORDINARY;
        unsigned uses = V_GET(lk->uses);
        if (!(uses & use)) {
            __atomic_fetch_or(&lk->uses, (uint8_t)use, __ATOMIC_RELAXED);
            if (uses & (V_USE_QUEUED | V_USE_ORDINARY))
                REPORT(t, R_LOCK_VARIANT_MISMATCH, lk, pc, NULL, NULL, NULL,
                       "%s of a lock also used as %s spin lock", call,
                       ops[op].queued ? "an ordinary" : "an in-stack queued");
        }
    }
    if (OPT(lock_nested) && ops[op].ndis) {
        for (unsigned i = 0; i < t->nheld; i++) {
            struct v_hold *h = &t->held[i];
            if (h->state == VH_HELD && h->op < NDISLOCK_OP_COUNT && ops[h->op].ndis) {
                REPORT(t, R_LOCK_NESTED, lk, pc, NULL, h->pc, "other lock acquired at",
                       "%s while holding \"%s\"", call, ndislock__v_lock_name(h->rec));
                break;
            }
        }
    }
    return flags;
}

/*
 * Order edges into lk (type: taken shared or not) from the locks held:
 * the topmost one, and below it while the holds are trylocks (a trylock
 * adds no edge into itself, so what was held before it must link here).
 */
V_CODE void ndislock__v_order(struct v_thread *t, struct v_lock *lk, int shared, void *pc)
{
    for (unsigned i = t->nheld; i-- > 0;) {
        struct v_hold *h = &t->held[i];
        if (h->state != VH_HELD)
            continue;
        struct v_lock *held = h->rec;
        if (held == NULL || held == lk)
            break;
        uint64_t from = ndislock__v_node_of(held, lk), to = ndislock__v_node_of(lk, held);
        unsigned type = ((h->flags & VH_F_READ) ? V_EDGE_FROM_READ : 0) |
                        (shared ? V_EDGE_TO_READ : 0);
        if (!ndislock__v_edge_known(t, from, to, type)) {
            struct v_slow s;
            ndislock__v_enter(&s, t);
            ndislock__v_edge_add(t, held, lk, from, to, type, pc);
            ndislock__v_leave(&s);
        }
        if (!(h->flags & VH_F_TRY))
            break;
    }
}

V_SECTION static inline int acquire(ndislock_spin_t *l, unsigned op, ndislock_irql_t *old_slot,
                          struct ndislock_queue_handle *qh, void *pc, const char *what)
{
    struct v_thread *t = v_self();
    ndislock_irql_t cur = ndislock_tls.irql;
    uintptr_t key = (uintptr_t)l;
    const char *call = name_of(op, 1, what);
    int verify = OPT(verify), skip;
    unsigned flags = 0;
    /* every 64th pair measures what the checked pair itself costs on this thread, in place
     * (caches and all), so holds and callbacks can leave it out */
    uint64_t e0 = t != NULL && (t->nops & 63) == 0 && !t->calibrating ? v_ticks() : 0;

    if (__builtin_expect(t == NULL || key < 4096, 0)) {
        if (t != NULL && verify) {
            REPORT(t, R_LOCK_NOT_INITIALIZED, NULL, pc, NULL, NULL, NULL,
                   "%s with a NULL lock pointer (%p): the call is skipped", call, (void *)l);
            if (op == NDISLOCK_OP_KE_TRY)
                return 0;
            push_phantom(t, key, NULL, op, pc);
            phantom_slot(op, old_slot, cur);
            return 1;
        }
        goto raw;       /* no memory for thread state, or stats only: as unchecked */
    }
    struct v_lock *lk = record(t, l, call, pc, 1, &skip);
    if (__builtin_expect(skip, 0)) {
        if (op == NDISLOCK_OP_KE_TRY)
            return 0;
        push_phantom(t, key, lk, op, pc);
        phantom_slot(op, old_slot, cur);
        return 1;
    }
    if (verify) {
        /* this thread holds it, is taking it, or is releasing it (a signal handler
         * interrupted that): waiting would never end */
        int i = find_hold(t, key, 1u << VH_HELD | 1u << VH_WAITING | 1u << VH_RELEASING);
        if (__builtin_expect(i >= 0, 0) &&
            (t->held[i].state != VH_RELEASING || !ndislock_spin_is_free(l))) {
            if (op == NDISLOCK_OP_KE_TRY)
                return 0;       /* fails, as on Windows: not an error */
            struct v_stack buf;
            REPORT(t, R_LOCK_RECURSIVE_ACQUIRE, lk, pc, hold_stack(t, &t->held[i], &buf), NULL,
                   "lock acquired earlier at", "%s of a lock this thread %s; the acquire is skipped",
                   call, t->held[i].state == VH_HELD ? "already holds"
                         : "is itself acquiring or releasing (a signal handler interrupted it)");
            push_phantom(t, key, lk, op, pc);
            phantom_slot(op, old_slot, cur);
            return 1;
        }
        flags = check_acquire(t, lk, op, cur, pc, call);
        if (lk != NULL && t->nheld > 0 && op != NDISLOCK_OP_KE_TRY && !t->calibrating)
            ndislock__v_order(t, lk, 0, pc);
    }
    if (op == NDISLOCK_OP_KE_TRY)
        flags |= VH_F_TRY;

    if (__builtin_expect(OPT(acquire_stacks) && t->stacks == NULL, 0))
        ndislock__v_stacks_alloc(t);
    struct v_hold *h = v_push(t);
    if (h == NULL)
        goto raw;
    unsigned idx = (unsigned)(h - t->held);
    h->op = (uint8_t)op;
    h->flags = (uint8_t)flags;
    h->restore = op == NDISLOCK_OP_NDIS_DPR ? NDISLOCK_DISPATCH_LEVEL : cur;
    h->raised = (flags & VH_F_HIGH) ? cur : raised(op, cur);
    V_SET(h->key, key);
    V_SET(h->rec, lk);
    V_SET(h->pc, pc);
    if (t->stacks != NULL) {
        struct v_stack st = { 0 };
        if (OPT(acquire_stacks))
            ndislock__v_capture(&st, pc);
        V_SET(t->stacks[idx].n, st.n);
        for (int k = 0; k < st.n; k++)
            V_SET(t->stacks[idx].pc[k], st.pc[k]);
    }
    V_SET(h->state, (uint8_t)VH_WAITING);

    /* Raise, then lock, as Windows and spin.h do: no thread holds a spin lock
     * below DISPATCH_LEVEL, and with simulated processors the raise may wait
     * for one (never while this thread holds the lock another one spins on).
     * Above the raise level the IRQL stays (reported). */
    if (!(flags & VH_F_HIGH) && h->raised != cur)
        (void)ndislock__irql_raise_raw(h->raised);
    uint64_t waited = 0;
    if (op == NDISLOCK_OP_KE_TRY) {
        if (!ndislock_spin_trylock(l)) {
            struct v_cstats *st = lk ? v_stats(t, lk->cls) : NULL;
            if (st)
                v_inc(&st->cont, 1);
            v_remove(t, idx);
            return 0;
        }
    } else if (__builtin_expect(!ops[op].queued && ndislock_spin_trylock(l), 1)) {
        waited = 0;                         /* what the inline fast path does first, too */
    } else if (verify && OPT(deadlock_ms) != 0) {
        struct watch w = { { 10000000u, on_wait }, t, key, lk, pc, 0 };   /* 10 ms resolution */
        waited = ndislock__spin_lock_wait(l, qh, &w.hook);
    } else {
        waited = ndislock__spin_lock_wait(l, qh, NULL);
    }
    h = &t->held[idx];                      /* the stack may have grown while we waited */
    /* a wait is not charged to the holds around it: the holder may have been preempted
     * by Linux, which cannot happen to code at DISPATCH_LEVEL on Windows */
    if (waited)
        t->own += v_ns_ticks(waited);
    if (lk != NULL) {
        struct v_cstats *st = v_stats(t, lk->cls);
        if (st) {
            v_inc(&st->acq, 1);
            if (waited) {
                v_inc(&st->cont, 1);
                v_hist_add(&st->wait, waited);
            }
        }
    }
    /* timed always: statistics are gathered whenever checking is on (stats=0 hides the table) */
    h->ops0 = ++t->nops;
    h->own0 = t->own;
    h->sw0 = v_switches(t);
    h->flags |= VH_F_TIMED;
    h->t0 = v_ticks();                      /* last: the hold starts here */
    if (e0 != 0 && waited == 0) {
        h->flags |= VH_F_SAMPLE;
        h->acq_cost = (uint32_t)(h->t0 - e0);
    }
    V_SET(h->state, (uint8_t)VH_HELD);
    if (old_slot != NULL)
        *old_slot = h->restore;
    return 1;

raw:
    if (op == NDISLOCK_OP_KE_TRY)
        return ndislock_spin_trylock(l);
    ndislock_irql_t was = cur;
    if (raising(op) && raised(op, cur) != cur)
        (void)ndislock__irql_raise_raw(raised(op, cur));       /* raise, then lock */
    (void)ndislock__spin_lock_wait(l, qh, NULL);
    if (old_slot != NULL)
        *old_slot = op == NDISLOCK_OP_NDIS_DPR ? NDISLOCK_DISPATCH_LEVEL : was;
    return 1;
}

/* noinline (V_CODE): __builtin_return_address(0) must be the driver's call site. */
V_CODE int ndislock__checked_acquire(ndislock_spin_t *l, enum ndislock_op op,
                                     ndislock_irql_t *old_slot, struct ndislock_queue_handle *qh)
{
    return acquire(l, op, old_slot, qh, __builtin_return_address(0), NULL);
}

/* ---- release ---- */

/* The hold's time on release: statistics, and the hold-time warning.  Returns its end. */
static uint64_t hold_done(struct v_thread *t, struct v_hold *h, struct v_lock *lk, void *pc,
                          int verify, uint64_t *warn_us)
{
    uint64_t now = v_ticks();
    uint64_t held = v_span(now - h->t0, v_own_since(t, h->own0, h->ops0));
    uint64_t budget = __atomic_load_n(&ndislock__v.budget_ticks, __ATOMIC_RELAXED);
    struct v_cstats *st = lk ? v_stats(t, lk->cls) : NULL;

    (void)pc;
    if (st)
        v_hist_add(&st->hold, v_ticks_ns(held));
    if (budget == 0)
        return now;
    if (held > budget) {
        /* code at DISPATCH_LEVEL cannot be preempted on Windows: a hold the Linux
         * scheduler interrupted is not judged (preempt.c) */
        if (v_switches(t) != h->sw0)
            return now;
        if (st)
            v_inc(&st->over, 1);
        if (verify && ndislock__v_streak(t, h->pc, 1))
            *warn_us = v_ticks_ns(held) / 1000u;
    } else if (t->nstreak) {
        ndislock__v_streak(t, h->pc, 0);
    }
    return now;
}

/* A release with no entry of this thread: what kind of mistake it is. */
V_CODE static int release_unheld(struct v_thread *t, ndislock_spin_t *l, struct v_lock *lk,
                                 const char *call, void *pc)
{
    uintptr_t key = (uintptr_t)l;
    struct v_holder who;
    struct v_slow s;
    int found = 0;
    void *last = NULL;

    if (ndislock_spin_is_free(l)) {
        ndislock__v_enter(&s, t);
        if (ndislock__v_lock(t)) {
            last = ndislock__v_last_release(t, key);
            ndislock__v_unlock(t);
        }
        ndislock__v_reportf(t, R_LOCK_RELEASE_NOT_HELD, lk, pc, NULL, last,
                            "lock last released at", "%s of a lock that is not held", call);
        ndislock__v_leave(&s);
        return 0;                           /* skipped */
    }
    ndislock__v_enter(&s, t);
    if (ndislock__v_lock(t)) {
        found = ndislock__v_find_holder(key, t, &who);
        ndislock__v_unlock(t);
    }
    if (found) {
        if (who.stack.n == 0) {
            who.stack.n = 1;
            who.stack.pc[0] = who.pc;
        }
        ndislock__v_reportf(t, R_LOCK_RELEASE_WRONG_OWNER, lk, pc, &who.stack, NULL,
                            "lock acquired by its owner at",
                            "%s by thread %d; the lock is held by thread %d", call, t->os_tid,
                            who.os_tid);
    }
    ndislock__v_leave(&s);
    return !found;      /* held, but by no checked acquire (taken while checking was off): release it */
}

V_SECTION static inline void release(ndislock_spin_t *l, unsigned op, ndislock_irql_t new_irql,
                           struct ndislock_queue_handle *qh, void *pc, const char *what)
{
    struct v_thread *t = v_self();
    ndislock_irql_t cur = ndislock_tls.irql;
    uintptr_t key = (uintptr_t)l;
    const char *call = name_of(op, 0, what);
    int verify = OPT(verify), lower = raising(op), skip, i;
    enum { MAXR = 4 };
    struct { enum v_rule rule; char msg[200]; void *prior; } rep[MAXR];
    int nrep = 0;
    uint64_t warn_us = 0;

    if (__builtin_expect(t == NULL || key < 4096, 0)) {
        if (t != NULL && verify) {
            i = find_hold(t, key, 1u << VH_PHANTOM);
            if (i >= 0) {
                v_remove(t, (unsigned)i);
                return;
            }
            REPORT(t, R_LOCK_NOT_INITIALIZED, NULL, pc, NULL, NULL, NULL,
                   "%s with a NULL lock pointer (%p): the call is skipped", call, (void *)l);
            return;
        }
        goto raw;
    }
    i = find_hold(t, key, 1u << VH_HELD | 1u << VH_PHANTOM);
    if (__builtin_expect(i < 0, 0)) {
        struct v_lock *lk = record(t, l, call, pc, 0, &skip);
        if (skip || !verify)
            goto raw_or_skip;
        if (!release_unheld(t, l, lk, call, pc))
            return;
        goto raw;
raw_or_skip:
        if (skip)
            return;
        goto raw;
    }
    struct v_hold *h = &t->held[i];
    if (h->state == VH_PHANTOM) {
        v_remove(t, (unsigned)i);
        return;
    }
    struct v_lock *lk = h->rec;
    if (verify) {
        if (ops[op].family != ops[h->op].family) {
            rep[nrep].rule = R_LOCK_VARIANT_MISMATCH;
            rep[nrep].prior = h->pc;
            snprintf(rep[nrep++].msg, sizeof rep[0].msg, "%s of a lock acquired with %s", call,
                     ops[h->op].acquire);
            op = h->op;                     /* released as its acquire requires */
            call = ops[op].release;
            lower = raising(op);
            new_irql = h->restore;
        }
        if (ops[op].exact && cur != NDISLOCK_DISPATCH_LEVEL) {
            rep[nrep].rule = R_IRQL_DPR_NOT_DISPATCH;
            rep[nrep].prior = h->pc;
            snprintf(rep[nrep++].msg, sizeof rep[0].msg, "%s called at IRQL %u", call, cur);
        } else if (cur < ops[op].min_irql) {
            rep[nrep].rule = R_IRQL_DPR_NOT_DISPATCH;
            rep[nrep].prior = h->pc;
            snprintf(rep[nrep++].msg, sizeof rep[0].msg, "%s called at IRQL %u (< DISPATCH_LEVEL)",
                     call, cur);
        } else if (lower && !(h->flags & VH_F_HIGH) && cur != h->raised) {
            rep[nrep].rule = R_IRQL_BAD_RAISE_LOWER;
            rep[nrep].prior = h->pc;
            snprintf(rep[nrep++].msg, sizeof rep[0].msg,
                     "%s called at IRQL %u; the lock was acquired leaving IRQL %u", call, cur,
                     h->raised);
        }
        if (lower && new_irql > cur && !(h->flags & VH_F_OVERRIDE)) {
            rep[nrep].rule = R_IRQL_BAD_RAISE_LOWER;
            rep[nrep].prior = h->pc;
            snprintf(rep[nrep++].msg, sizeof rep[0].msg,
                     "%s would restore IRQL %u above the current IRQL %u; IRQL %u (the acquire's) "
                     "is restored instead", call, new_irql, cur, h->restore);
            new_irql = h->restore;
        }
    }
    if (h->flags & VH_F_OVERRIDE) {
        new_irql = h->restore;              /* inherited from an out-of-order release below */
        lower = 1;
    }
    /* out of order: wrong only where it restores an IRQL (hand-over-hand with
     * AtDpcLevel/Dpr locks changes none and is fine), and only past a real hold
     * (phantoms stand for skipped acquires) */
    int next = -1, rw_above = 0;
    for (unsigned j = (unsigned)i + 1; lower && j < t->nheld && next < 0; j++) {
        if (t->held[j].state == VH_HELD && t->held[j].op < V_OP_RW)
            next = (int)j;
        rw_above |= t->held[j].state == VH_HELD && t->held[j].op >= V_OP_RW;
    }
    if (verify && (next >= 0 || rw_above)) {
        struct v_hold *top = &t->held[next >= 0 ? (unsigned)next : t->nheld - 1];
        rep[nrep].rule = R_LOCK_RELEASE_ORDER;
        rep[nrep].prior = top->pc;
        snprintf(rep[nrep++].msg, sizeof rep[0].msg,
                 "%s of \"%s\" while \"%s\", acquired later, is still held", call,
                 ndislock__v_lock_name(lk), ndislock__v_lock_name(top->rec));
    }
    if (verify && next >= 0) {
        /* the IRQL stays; the next spin hold above restores it when it goes, as LIFO would */
        t->held[next].restore = new_irql;
        t->held[next].flags |= VH_F_OVERRIDE;
        lower = 0;
    }
    uint64_t end = 0, sampled = 0;
    if (h->flags & VH_F_TIMED)
        end = hold_done(t, h, lk, pc, verify, &warn_us);
    if (h->flags & VH_F_SAMPLE)
        sampled = h->acq_cost;
    if (verify)
        v_note_release(t, key, pc);
    V_SET(h->state, (uint8_t)VH_RELEASING);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (qh == NULL)
        ndislock_spin_unlock(l);            /* the inline fast path's release */
    else
        ndislock__spin_unlock_raw(l, qh);
    v_remove(t, (unsigned)i);
    if (lower)
        ndislock__irql_lower_raw(new_irql);
    if (sampled && end)
        v_pair_sample(t, sampled + (v_ticks() - end));
    /* reports after the unlock: nobody waits on this lock while we symbolize */
    for (int k = 0; k < nrep; k++)
        REPORT(t, rep[k].rule, lk, pc, NULL, rep[k].prior,
               rep[k].rule == R_LOCK_RELEASE_ORDER ? "the lock acquired after it was acquired at"
                                                   : "lock acquired at", "%s", rep[k].msg);
    if (warn_us)
        REPORT(t, R_HOLD_TIME_EXCEEDED, lk, pc, NULL, NULL, NULL,
               "held for %llu us on the CPU (budget %u us): %d holds in a row from this acquire "
               "site went over", (unsigned long long)warn_us, OPT(hold_us), V_STREAK);
    return;

raw:
    ndislock__spin_unlock_raw(l, qh);
    if (raising(op))
        ndislock__irql_lower_raw(new_irql);
}

V_CODE void ndislock__checked_release(ndislock_spin_t *l, enum ndislock_op op,
                                      ndislock_irql_t new_irql, struct ndislock_queue_handle *qh)
{
    release(l, op, new_irql, qh, __builtin_return_address(0), NULL);
}

/*
 * What a checked pair costs beyond an unchecked one, so that hold and
 * callback times can leave out the verifier's own work on the hot path
 * (nested pairs inside a hold, the many pairs of a DPC): the fastest of 8
 * rounds of 512 pairs on a private lock, less the same without checks.
 */
void ndislock__v_calibrate(struct v_thread *t)
{
    static ndislock_spin_t word;
    static uint64_t known[2];               /* per mode (statistics only, verify): measured once */
    struct v_lock *lk = NULL;
    uint64_t best = UINT64_MAX, raw = UINT64_MAX;
    int verify = OPT(verify) != 0;

    if (known[verify]) {
        __atomic_store_n(&ndislock__v.pair_ticks, known[verify] - 1, __ATOMIC_RELAXED);
        return;
    }
    if (t == NULL || t->guard > 1 || !ndislock__v_lock(t))
        return;
    if ((lk = ndislock__v_lock_find((uintptr_t)&word)) == NULL) {
        static const struct ndislock_site site = { "<verifier calibration>", __FILE__, __LINE__ };
        struct v_class *c = ndislock__v_class_of(&site, V_KIND_SPIN);
        if (c != NULL)
            c->hidden = 1;
        lk = ndislock__v_lock_add((uintptr_t)&word, c, V_KIND_SPIN);
    }
    ndislock__v_unlock(t);
    if (lk == NULL)
        return;
    int guard = t->guard;
    t->guard = 0;                           /* the real hot path, not the re-entered one */
    t->calibrating = 1;
    for (int round = 0; round < 8; round++) {
        uint64_t a = v_ticks();
        for (int i = 0; i < 512; i++) {
            ndislock_irql_t o;
            (void)acquire(&word, NDISLOCK_OP_KE, &o, NULL, NULL, NULL);
            release(&word, NDISLOCK_OP_KE, o, NULL, NULL, NULL);
        }
        uint64_t b = v_ticks();
        for (int i = 0; i < 512; i++) {
            ndislock_spin_lock(&word);
            ndislock_spin_unlock(&word);
        }
        uint64_t c = v_ticks();
        best = b - a < best ? b - a : best;
        raw = c - b < raw ? c - b : raw;
    }
    t->calibrating = 0;
    t->guard = guard;
    t->nops -= 8 * 512;                     /* not the program's */
    known[verify] = (best > raw ? (best - raw) / 512 : 0) + 1;
    __atomic_store_n(&ndislock__v.raw_pair_ticks, raw / 512, __ATOMIC_RELAXED);
    __atomic_store_n(&ndislock__v.pair_ticks, known[verify] - 1, __ATOMIC_RELAXED);
}

/* ---- KeRaiseIrql / KeLowerIrql ---- */

#define IRQL_MAX 31         /* values above are no IRQL at all */

V_CODE ndislock_irql_t ndislock__checked_irql(int raise, ndislock_irql_t new_irql)
{
    ndislock_irql_t cur = ndislock_tls.irql;

    if (OPT(verify) && (new_irql > IRQL_MAX || (raise ? new_irql < cur : new_irql > cur))) {
        struct v_thread *t = v_self();
        /* lowering to a higher level, or to no level, is ignored: the thread
         * must not run at IRQL 200 afterwards */
        int keep = new_irql > IRQL_MAX || !raise;
        if (t != NULL)
            REPORT(t, R_IRQL_BAD_RAISE_LOWER, NULL, __builtin_return_address(0), NULL, NULL, NULL,
                   "%s(%u) called at IRQL %u%s", raise ? "KeRaiseIrql" : "KeLowerIrql", new_irql,
                   cur, keep ? "; the IRQL is left unchanged" : "");
        if (keep)
            return cur;
    }
    if (raise && cur < NDISLOCK_DISPATCH_LEVEL && new_irql >= NDISLOCK_DISPATCH_LEVEL && OPT(verify))
        (void)v_self();     /* the thread's record: its exit is checked (LOCK_HELD_AT_EXIT) */
    if (raise)
        return ndislock__irql_raise_raw(new_irql);
    ndislock__irql_lower_raw(new_irql);
    return cur;
}

/* ---- initialization and free ---- */

/* The class of site, taking the mutex for it. */
static struct v_class *class_of_locked(struct v_thread *t, const struct ndislock_site *site)
{
    struct v_class *c = NULL;

    if (ndislock__v_lock(t)) {
        c = ndislock__v_class_of(site, V_KIND_SPIN);
        ndislock__v_unlock(t);
    }
    return c ? c : ndislock__v_class_unknown(V_KIND_SPIN);
}

V_CODE int ndislock__verifier_init(ndislock_spin_t *l, const struct ndislock_site *site, int ndis)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = v_self();
    uintptr_t key = (uintptr_t)l;
    const char *call = ndis ? "NdisAllocateSpinLock" : "KeInitializeSpinLock";
    int verify = OPT(verify), held = 0, twice = 0;
    struct v_holder who;
    struct v_slow s;

    if (t == NULL)
        return 0;
    if (key < 4096) {
        if (!verify)
            return 0;
        REPORT(t, R_LOCK_NOT_INITIALIZED, NULL, pc, NULL, NULL, NULL,
               "%s with a NULL lock pointer (%p): the call is skipped", call, (void *)l);
        return 1;
    }
    ndislock__v_enter(&s, t);
    if (!ndislock__v_lock(t)) {
        ndislock__v_leave(&s);
        return 0;
    }
    struct v_lock *lk = ndislock__v_lock_find(key);
    if (lk != NULL && verify && !ndislock_spin_is_free(l))
        held = ndislock__v_find_holder(key, NULL, &who);
    if (!held) {
        struct v_class *cls = ndislock__v_class_of(site, V_KIND_SPIN);
        if (lk == NULL) {
            lk = ndislock__v_lock_add(key, cls, V_KIND_SPIN);
        } else {
            /* the WDK requires NdisFreeSpinLock before the memory is used again; a
             * KSPIN_LOCK has no free call, so its re-initialization is always fine */
            /* (not when the verifier was off since: it may have missed the free) */
            twice = verify && ndis && lk->ndis && V_GET(lk->state) == VL_LIVE &&
                    lk->init_epoch == __atomic_load_n(&ndislock__v.epoch, __ATOMIC_RELAXED);
            if (lk->inst) {
                ndislock__v_graph_forget(key);  /* a new lock: the old one's order is gone */
                lk->inst = 0;
            }
            if (V_GET(lk->state) == VL_FREED)
                ndislock__v_lock_revive(lk);
            if (!twice)                     /* else after the report, which names the first */
                __atomic_store_n(&lk->cls, cls, __ATOMIC_RELAXED);
            __atomic_store_n(&lk->uses, (uint8_t)0, __ATOMIC_RELAXED);
        }
    }
    void *prev_pc = lk ? lk->init_pc : NULL;
    if (lk != NULL && !held) {
        lk->ndis = (uint8_t)ndis;
        lk->init_pc = pc;
        lk->init_epoch = __atomic_load_n(&ndislock__v.epoch, __ATOMIC_RELAXED);
    }
    ndislock__v_unlock(t);
    if (held) {
        if (who.stack.n == 0) {
            who.stack.n = 1;
            who.stack.pc[0] = who.pc;
        }
        ndislock__v_reportf(t, R_LOCK_FREE_WHILE_HELD, lk, pc, &who.stack, NULL, "lock acquired at",
                            "%s of a lock held by thread %d; the call is skipped", call, who.os_tid);
    } else if (twice) {
        ndislock__v_reportf(t, R_LOCK_DOUBLE_INIT, lk, pc, NULL, prev_pc == pc ? NULL : prev_pc,
                            "initialized before at", "%s of a live lock never passed to "
                            "NdisFreeSpinLock", call);
        __atomic_store_n(&lk->cls, class_of_locked(t, site), __ATOMIC_RELAXED);
    }
    ndislock__v_leave(&s);
    return held;        /* skipped: the holder keeps a valid lock */
}

V_CODE int ndislock__verifier_free(ndislock_spin_t *l)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = v_self();
    uintptr_t key = (uintptr_t)l;
    struct v_stack here, freed = { 0 };
    struct v_holder who;
    struct v_slow s;
    int rule = -1;

    int verify = OPT(verify);

    if (t == NULL || (key < 4096 && !verify))
        return 0;
    if (key < 4096) {
        REPORT(t, R_LOCK_NOT_INITIALIZED, NULL, pc, NULL, NULL, NULL,
               "NdisFreeSpinLock with a NULL lock pointer (%p): the call is skipped", (void *)l);
        return 1;
    }
    ndislock__v_enter(&s, t);
    ndislock__v_capture(&here, pc);
    if (!ndislock__v_lock(t)) {
        ndislock__v_leave(&s);
        return 0;
    }
    struct v_lock *lk = ndislock__v_lock_find(key);
    if (!verify) {                          /* statistics only: keep the books, judge nothing */
        if (lk != NULL && V_GET(lk->state) == VL_LIVE) {
            if (lk->inst) {
                ndislock__v_graph_forget(key);
                lk->inst = 0;
            }
            ndislock__v_lock_freed(lk, &here);
        }
    } else if (lk == NULL) {
        if (!ndislock_pr_load(&ndislock__unchecked_inits, NDISLOCK_RELAXED))
            rule = R_LOCK_NOT_INITIALIZED;
    } else if (V_GET(lk->state) == VL_FREED) {
        const struct v_stack *st = ndislock__v_lock_freed_at(lk);
        if (st)
            freed = *st;
        rule = R_LOCK_USE_AFTER_FREE;
    } else if (!ndislock_spin_is_free(l) && ndislock__v_find_holder(key, NULL, &who)) {
        rule = R_LOCK_FREE_WHILE_HELD;
    } else {
        if (lk->inst) {
            ndislock__v_graph_forget(key);
            lk->inst = 0;
        }
        ndislock__v_lock_freed(lk, &here);
    }
    ndislock__v_unlock(t);
    if (rule == R_LOCK_NOT_INITIALIZED)
        ndislock__v_reportf(t, R_LOCK_NOT_INITIALIZED, NULL, pc, NULL, NULL, NULL,
                            "NdisFreeSpinLock of a lock at %p never passed to NdisAllocateSpinLock; "
                            "the call is skipped", (void *)l);
    else if (rule == R_LOCK_USE_AFTER_FREE)
        ndislock__v_reportf(t, R_LOCK_USE_AFTER_FREE, lk, pc, &freed, NULL, "lock freed at",
                            "NdisFreeSpinLock of a lock already freed; the call is skipped");
    else if (rule == R_LOCK_FREE_WHILE_HELD) {
        if (who.stack.n == 0) {
            who.stack.n = 1;
            who.stack.pc[0] = who.pc;
        }
        ndislock__v_reportf(t, R_LOCK_FREE_WHILE_HELD, lk, pc, &who.stack, NULL, "lock acquired at",
                            "NdisFreeSpinLock of a lock held by thread %d; the call is skipped",
                            who.os_tid);
    }
    ndislock__v_leave(&s);
    return rule >= 0;
}

/* ---- ExInterlocked* / NdisInterlocked* ---- */

V_CODE int ndislock__verifier_interlocked(ndislock_spin_t *l, const char *what)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = v_self();

    if (t != NULL && OPT(verify) && (uintptr_t)l >= 4096) {
        int i = find_hold(t, (uintptr_t)l, 1u << VH_HELD);
        if (i >= 0) {
            struct v_stack buf;
            REPORT(t, R_INTERLOCKED_LOCK_HELD, t->held[i].rec, pc, hold_stack(t, &t->held[i], &buf),
                   NULL, "lock acquired at", "%s with a spin lock this thread already holds; it "
                   "runs under that hold", what);
            return 0;   /* runs under the caller's hold */
        }
    }
    (void)acquire(l, NDISLOCK_OP_INTERLOCKED, NULL, NULL, pc, what);
    return 1;
}

V_CODE void ndislock__verifier_interlocked_done(ndislock_spin_t *l)
{
    release(l, NDISLOCK_OP_INTERLOCKED, 0, NULL, __builtin_return_address(0), NULL);
}
