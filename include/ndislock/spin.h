/*
 * ndislock/spin.h - the spin lock under KSPIN_LOCK and NDIS_SPIN_LOCK.
 *
 * Lock word (one KSPIN_LOCK, 8 bytes, always accessed as one 64-bit atomic):
 *   0 = free, NDISLOCK_SPIN_HELD (1) = held.  Nothing but an acquire and a
 *   release changes it, as on Windows: waiters never write it, so a holder
 *   that rewrites the word with its held value, or copies the structure
 *   around it out and back, loses nothing, and KeTestSpinLock reads the
 *   whole word.  A zeroed KSPIN_LOCK is a free one.
 *
 * Waiters that register (sleepers, in-stack queued waiters, starving ones)
 * are kept outside the word, in a parking table keyed by the lock's address
 * (src/lock/waitq.h); ndislock__spin_waiters counts them process-wide.
 *
 * Uncontended acquire is one CAS; release is a load of that count, the
 * release store of 0, a compiler barrier and the count again.  Only a
 * nonzero count leads out of line: before the store, to hand the lock to a
 * registered waiter without ever freeing it; after it, to wake a sleeper
 * that registered meanwhile.  The store/load pair needs no hardware fence:
 * a sleeper pays a heavy fence (membarrier) instead, see src/lock/park.c.
 */
#ifndef NDISLOCK_SPIN_H
#define NDISLOCK_SPIN_H

#include <ndislock/irql.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uintptr_t ndislock_spin_t;

#define NDISLOCK_SPIN_FREE  ((ndislock_spin_t)0)
#define NDISLOCK_SPIN_HELD  ((ndislock_spin_t)1)

/* Threads registered in the parking table, all locks together.  Written in
 * the contended paths only; read (relaxed) by every release: in its own cache
 * line, which stays shared and hot while nobody waits. */
NDISLOCK_API extern uint32_t ndislock__spin_waiters;

struct ndislock_queue_handle;

/* Out of line (src/lock/spin_contended.c, src/lock/spin_release.c). */
NDISLOCK_API void ndislock__spin_lock_contended(ndislock_spin_t *l);
/* Release with registered waiters: hand the lock over or free it and wake one. */
NDISLOCK_API void ndislock__spin_unlock_slow(ndislock_spin_t *l);
/* After a plain release: wake a sleeper that registered during it. */
NDISLOCK_API void ndislock__spin_wake(ndislock_spin_t *l);

/*
 * Where a lock was initialized: its name (the expression passed to
 * NdisAllocateSpinLock / KeInitializeSpinLock) and file:line.  One static
 * object per call site; its address is the lock's class key (lockdep-style).
 */
struct ndislock_site {
    const char *name;
    const char *file;
    int line;
};

#define NDISLOCK_SITE_HERE(expr_text)                                           \
    __extension__({ static const struct ndislock_site ndislock_site_ =          \
                        { (expr_text), __FILE__, __LINE__ };                    \
                    &ndislock_site_; })

/* --- Raw lock: no IRQL change.  The building block of everything below. --- */

NDISLOCK_INLINE int ndislock_spin_trylock(ndislock_spin_t *l)
{
    /* acquire: the critical section may not move above the CAS */
    return ndislock_pr_cas(l, NDISLOCK_SPIN_FREE, NDISLOCK_SPIN_HELD, NDISLOCK_ACQUIRE);
}

NDISLOCK_INLINE void ndislock_spin_lock(ndislock_spin_t *l)
{
    if (NDISLOCK_UNLIKELY(!ndislock_spin_trylock(l)))
        ndislock__spin_lock_contended(l);
}

NDISLOCK_INLINE void ndislock_spin_unlock(ndislock_spin_t *l)
{
    /* Someone registered: the slow path may hand the lock over without freeing it. */
    if (NDISLOCK_UNLIKELY(ndislock_pr_load(&ndislock__spin_waiters, NDISLOCK_RELAXED) != 0)) {
        ndislock__spin_unlock_slow(l);
        return;
    }
    /* release: the critical section may not move below the store */
    ndislock_pr_store(l, NDISLOCK_SPIN_FREE, NDISLOCK_RELEASE);
    /* light half of the asymmetric fence: keeps the compiler from hoisting the load */
    ndislock_pr_barrier();
    if (NDISLOCK_UNLIKELY(ndislock_pr_load(&ndislock__spin_waiters, NDISLOCK_RELAXED) != 0))
        ndislock__spin_wake(l);
}

/* The word of a free lock (initialization, NdisFreeSpinLock). */
NDISLOCK_INLINE void ndislock__spin_clear(ndislock_spin_t *l)
{
    ndislock_pr_store(l, NDISLOCK_SPIN_FREE, NDISLOCK_RELAXED);
}

/* KeTestSpinLock: nonzero if the whole word is 0 (a hint; it may change at once). */
NDISLOCK_INLINE int ndislock_spin_is_free(ndislock_spin_t *l)
{
    return ndislock_pr_load(l, NDISLOCK_RELAXED) == NDISLOCK_SPIN_FREE;
}

/* KeInitializeSpinLock: the lock becomes free; site names it for the verifier. */
NDISLOCK_API void ndislock_spin_init(ndislock_spin_t *l, const struct ndislock_site *site);

/*
 * --- Verifier hook ---
 * With ndislock__checked set, each operation below calls its checked version
 * once, at its top, instead of the fast path (src/verifier/checked_ops.c).
 * op says which WDK call family it was; the checked call is given everything
 * the WDK call reads or writes (where OldIrql is stored, the IRQL to restore,
 * the queue handle), so it never needs the layout of the structure around
 * the lock.  Each family is released by its own call(s):
 */
enum ndislock_op {
    NDISLOCK_OP_KE,             /* KeAcquireSpinLock, KeAcquireSpinLockRaiseToDpc / KeReleaseSpinLock */
    NDISLOCK_OP_KE_DPC,         /* KeAcquireSpinLockAtDpcLevel / KeReleaseSpinLockFromDpcLevel */
    NDISLOCK_OP_KE_TRY,         /* KeTryToAcquireSpinLockAtDpcLevel / KeReleaseSpinLockFromDpcLevel */
    NDISLOCK_OP_NDIS,           /* NdisAcquireSpinLock / NdisReleaseSpinLock */
    NDISLOCK_OP_NDIS_DPR,       /* NdisDprAcquireSpinLock / NdisDprReleaseSpinLock */
    NDISLOCK_OP_QUEUED,         /* KeAcquireInStackQueuedSpinLock / KeReleaseInStackQueuedSpinLock */
    NDISLOCK_OP_QUEUED_DPC,     /* ...AtDpcLevel / KeReleaseInStackQueuedSpinLockFromDpcLevel */
    NDISLOCK_OP_KE_SYNCH,       /* KeAcquireSpinLockRaiseToSynch (to SYNCH_LEVEL) / KeReleaseSpinLock */
    NDISLOCK_OP_KE_FOR_DPC,     /* KeAcquireSpinLockForDpc / KeReleaseSpinLockForDpc (raise only
                                   when below DISPATCH_LEVEL) */
    NDISLOCK_OP_QUEUED_FOR_DPC, /* KeAcquireInStackQueuedSpinLockForDpc / ...ReleaseInStack...ForDpc */
    NDISLOCK_OP_QUEUED_SYNCH,   /* KeAcquireInStackQueuedSpinLockRaiseToSynch / KeReleaseInStackQueuedSpinLock */
    NDISLOCK_OP_CANCEL,         /* IoAcquireCancelSpinLock / IoReleaseCancelSpinLock (one global lock) */
    NDISLOCK_OP_INTERLOCKED,    /* the hold inside one ExInterlocked* / NdisInterlocked* call: any
                                   IRQL, no IRQL change; the caller must not hold the lock */
    NDISLOCK_OP_COUNT
};

/* Acquire l as op does.  old_slot: where the WDK call stores the IRQL it
 * raised from (NDIS_SPIN_LOCK.OldIrql, KLOCK_QUEUE_HANDLE.OldIrql, the
 * caller's KIRQL); never NULL for the raising ops.  qh: the in-stack queue
 * handle of the queued ops, else NULL.  Returns nonzero if the lock is now
 * held (KE_TRY may fail). */
NDISLOCK_API int ndislock__checked_acquire(ndislock_spin_t *l, enum ndislock_op op,
                                           ndislock_irql_t *old_slot,
                                           struct ndislock_queue_handle *qh);
/* Release l as op does; new_irql is the IRQL the WDK call restores (the
 * saved OldIrql, or the KeRelease* argument); ignored by the non-raising ops. */
NDISLOCK_API void ndislock__checked_release(ndislock_spin_t *l, enum ndislock_op op,
                                            ndislock_irql_t new_irql,
                                            struct ndislock_queue_handle *qh);
/* After a checked call: no tail call, so the caller's frame (the driver's line) stays in reports. */
#define NDISLOCK__NO_TAIL() __asm__ __volatile__("" ::: "memory")

/* --- Kernel spin-lock semantics (IRQL handled) --- */

/* KeAcquireSpinLock / KeAcquireSpinLockRaiseToDpc: raise to DISPATCH_LEVEL, lock, return the old IRQL. */
NDISLOCK_INLINE ndislock_irql_t ndislock_spin_acquire(ndislock_spin_t *l)
{
    if (ndislock__checked_on()) {
        ndislock_irql_t o;

        (void)ndislock__checked_acquire(l, NDISLOCK_OP_KE, &o, NULL);
        return o;
    }
    ndislock_irql_t o = ndislock__irql_raise_raw(NDISLOCK_DISPATCH_LEVEL);

    ndislock_spin_lock(l);   /* raise, then lock, as in ndislock_ndis_acquire */
    return o;
}

/* KeReleaseSpinLock: unlock, then lower the IRQL to new_irql. */
NDISLOCK_INLINE void ndislock_spin_release(ndislock_spin_t *l, ndislock_irql_t new_irql)
{
    if (ndislock__checked_on()) {
        ndislock__checked_release(l, NDISLOCK_OP_KE, new_irql, NULL);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_spin_unlock(l);
    ndislock__irql_lower_raw(new_irql);
}

/* KeAcquireSpinLockAtDpcLevel: the caller is at DISPATCH_LEVEL or above; no IRQL change. */
NDISLOCK_INLINE void ndislock_spin_acquire_at_dpc(ndislock_spin_t *l)
{
    if (ndislock__checked_on()) {
        (void)ndislock__checked_acquire(l, NDISLOCK_OP_KE_DPC, NULL, NULL);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_spin_lock(l);
}

/* KeReleaseSpinLockFromDpcLevel. */
NDISLOCK_INLINE void ndislock_spin_release_from_dpc(ndislock_spin_t *l)
{
    if (ndislock__checked_on()) {
        ndislock__checked_release(l, NDISLOCK_OP_KE_DPC, 0, NULL);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_spin_unlock(l);
}

/* KeTryToAcquireSpinLockAtDpcLevel: nonzero if the lock was taken. */
NDISLOCK_INLINE int ndislock_spin_try_at_dpc(ndislock_spin_t *l)
{
    if (ndislock__checked_on())
        return ndislock__checked_acquire(l, NDISLOCK_OP_KE_TRY, NULL, NULL);
    return ndislock_spin_trylock(l);
}

/* --- NDIS spin locks (NdisAllocateSpinLock and friends) --- */

/* Layout of NDIS_SPIN_LOCK; the fields keep their WDK names because driver code reads them. */
struct ndislock_ndis_spin {
    ndislock_spin_t SpinLock;
    ndislock_irql_t OldIrql;
};

NDISLOCK_API void ndislock_ndis_init(struct ndislock_ndis_spin *l, const struct ndislock_site *site);
NDISLOCK_API void ndislock_ndis_free(struct ndislock_ndis_spin *l);

/* NdisAcquireSpinLock: raise to DISPATCH_LEVEL, lock, remember the old IRQL in the lock. */
NDISLOCK_INLINE void ndislock_ndis_acquire(struct ndislock_ndis_spin *l)
{
    if (ndislock__checked_on()) {
        (void)ndislock__checked_acquire(&l->SpinLock, NDISLOCK_OP_NDIS, &l->OldIrql, NULL);
        NDISLOCK__NO_TAIL();
        return;
    }
    /* Raise, then lock, as Windows does: a holder is always at DISPATCH_LEVEL,
     * so with simulated processors (where the raise may wait for one) no
     * thread ever waits for a processor while holding a lock. */
    ndislock_irql_t o = ndislock__irql_raise_raw(NDISLOCK_DISPATCH_LEVEL);

    ndislock_spin_lock(&l->SpinLock);
    l->OldIrql = o;     /* under the lock */
}

/* NdisReleaseSpinLock: unlock and restore the IRQL saved by the acquire. */
NDISLOCK_INLINE void ndislock_ndis_release(struct ndislock_ndis_spin *l)
{
    if (ndislock__checked_on()) {
        /* a NULL lock reaches the verifier (a named report), not a fault here */
        ndislock__checked_release(&l->SpinLock, NDISLOCK_OP_NDIS, l ? l->OldIrql : 0, NULL);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_irql_t old = l->OldIrql;   /* read before unlocking: the next owner overwrites it */

    ndislock_spin_unlock(&l->SpinLock);
    ndislock__irql_lower_raw(old);
}

/* NdisDprAcquireSpinLock: caller is at DISPATCH_LEVEL; no raise, OldIrql = DISPATCH_LEVEL. */
NDISLOCK_INLINE void ndislock_ndis_dpr_acquire(struct ndislock_ndis_spin *l)
{
    if (ndislock__checked_on()) {
        (void)ndislock__checked_acquire(&l->SpinLock, NDISLOCK_OP_NDIS_DPR, &l->OldIrql, NULL);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_spin_lock(&l->SpinLock);
    l->OldIrql = NDISLOCK_DISPATCH_LEVEL;
}

/* NdisDprReleaseSpinLock: unlock; the IRQL stays where it is. */
NDISLOCK_INLINE void ndislock_ndis_dpr_release(struct ndislock_ndis_spin *l)
{
    if (ndislock__checked_on()) {
        ndislock__checked_release(&l->SpinLock, NDISLOCK_OP_NDIS_DPR, l ? l->OldIrql : 0, NULL);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_spin_unlock(&l->SpinLock);
}

/*
 * --- In-stack queued spin locks ---
 * Same lock word and release as ordinary spin locks; only a contended
 * acquire differs.  A queued waiter registers at once in the lock's wait
 * queue (FIFO by arrival) and a release hands the lock directly to the
 * first registered waiter that is running, never freeing it in between,
 * so newcomers cannot barge past running waiters.  A waiter that does not
 * take the hand-off within a few microseconds (preempted, or asleep after
 * spinning too long) is passed over and keeps its place; the lock then goes
 * to the next running waiter, or is freed and the first sleeper woken.
 * (src/lock/spin_release.c; docs/API.md states the promise.)  Queued and
 * ordinary acquisition of one lock may be mixed without corruption or hang,
 * the WDK forbids it and the verifier reports it; ordinary acquirers then
 * barge as they always do.  The handle records the lock for the release.
 */

/* Layout of KLOCK_QUEUE_HANDLE. */
struct ndislock_queue_node {
    struct ndislock_queue_node *volatile Next;
    ndislock_spin_t *volatile Lock;
};
struct ndislock_queue_handle {
    struct ndislock_queue_node LockQueue;
    ndislock_irql_t OldIrql;
};

/* The contended queued acquire (src/lock/spin_contended.c). */
NDISLOCK_API void ndislock__spin_lock_queued(ndislock_spin_t *l, struct ndislock_queue_handle *h);

/* KeAcquireInStackQueuedSpinLockAtDpcLevel: no IRQL change. */
NDISLOCK_INLINE void ndislock_queued_lock(ndislock_spin_t *l, struct ndislock_queue_handle *h)
{
    h->LockQueue.Next = NULL;
    h->LockQueue.Lock = l;
    if (ndislock__checked_on()) {
        (void)ndislock__checked_acquire(l, NDISLOCK_OP_QUEUED_DPC, NULL, h);
        NDISLOCK__NO_TAIL();
        return;
    }
    if (NDISLOCK_UNLIKELY(!ndislock_spin_trylock(l)))
        ndislock__spin_lock_queued(l, h);
}

/* KeReleaseInStackQueuedSpinLockFromDpcLevel. */
NDISLOCK_INLINE void ndislock_queued_unlock(struct ndislock_queue_handle *h)
{
    if (ndislock__checked_on()) {
        ndislock__checked_release(h->LockQueue.Lock, NDISLOCK_OP_QUEUED_DPC, 0, h);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_spin_unlock(h->LockQueue.Lock);
}

/* KeAcquireInStackQueuedSpinLock: raise to DISPATCH_LEVEL, queue, wait our turn. */
NDISLOCK_INLINE void ndislock_queued_acquire(ndislock_spin_t *l, struct ndislock_queue_handle *h)
{
    if (ndislock__checked_on()) {
        h->LockQueue.Next = NULL;
        h->LockQueue.Lock = l;
        (void)ndislock__checked_acquire(l, NDISLOCK_OP_QUEUED, &h->OldIrql, h);
        NDISLOCK__NO_TAIL();
        return;
    }
    h->LockQueue.Next = NULL;
    h->LockQueue.Lock = l;
    h->OldIrql = ndislock__irql_raise_raw(NDISLOCK_DISPATCH_LEVEL);   /* raise, then lock */
    if (NDISLOCK_UNLIKELY(!ndislock_spin_trylock(l)))
        ndislock__spin_lock_queued(l, h);
}

/* KeReleaseInStackQueuedSpinLock: pass the lock on, restore the IRQL. */
NDISLOCK_INLINE void ndislock_queued_release(struct ndislock_queue_handle *h)
{
    if (ndislock__checked_on()) {
        ndislock__checked_release(h->LockQueue.Lock, NDISLOCK_OP_QUEUED, h->OldIrql, h);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_irql_t old = h->OldIrql;

    ndislock_spin_unlock(h->LockQueue.Lock);
    ndislock__irql_lower_raw(old);
}

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_SPIN_H */
