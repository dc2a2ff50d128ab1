/*
 * ndislock/spin_variants.h - the kernel spin-lock forms beyond spin.h's:
 * RaiseToSynch, ForDpc, their in-stack queued forms and the cancel spin
 * lock.  Same lock word and protocol, same checked prologue: with the
 * verifier on, each calls ndislock__checked_acquire/release once, at its
 * top, with its enum ndislock_op (which selects the IRQL it raises to and
 * the release family it pairs with).
 */
#ifndef NDISLOCK_SPIN_VARIANTS_H
#define NDISLOCK_SPIN_VARIANTS_H

#include <ndislock/spin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* KeAcquireSpinLockRaiseToSynch: lock, raise to SYNCH_LEVEL, return the old
 * IRQL.  Released by KeReleaseSpinLock. */
NDISLOCK_INLINE ndislock_irql_t ndislock_spin_acquire_synch(ndislock_spin_t *l)
{
    if (ndislock__checked_on()) {
        ndislock_irql_t o;

        (void)ndislock__checked_acquire(l, NDISLOCK_OP_KE_SYNCH, &o, NULL);
        return o;
    }
    ndislock_irql_t o = ndislock__irql_raise_raw(NDISLOCK_SYNCH_LEVEL);

    ndislock_spin_lock(l);   /* raise, then lock (spin.h) */
    return o;
}

/* KeAcquireSpinLockForDpc: lock; raise to DISPATCH_LEVEL only from below it
 * (a threaded DPC may run at PASSIVE_LEVEL); return the IRQL before. */
NDISLOCK_INLINE ndislock_irql_t ndislock_spin_acquire_for_dpc(ndislock_spin_t *l)
{
    ndislock_irql_t o = ndislock_tls.irql;

    if (ndislock__checked_on()) {
        (void)ndislock__checked_acquire(l, NDISLOCK_OP_KE_FOR_DPC, &o, NULL);
        return o;
    }
    if (o < NDISLOCK_DISPATCH_LEVEL)
        ndislock__irql_raise_raw(NDISLOCK_DISPATCH_LEVEL);
    ndislock_spin_lock(l);   /* raise, then lock (spin.h) */
    return o;
}

/* KeReleaseSpinLockForDpc: unlock, return to old (no change if it was DISPATCH_LEVEL). */
NDISLOCK_INLINE void ndislock_spin_release_for_dpc(ndislock_spin_t *l, ndislock_irql_t old)
{
    if (ndislock__checked_on()) {
        ndislock__checked_release(l, NDISLOCK_OP_KE_FOR_DPC, old, NULL);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_spin_unlock(l);
    ndislock__irql_lower_raw(old);
}

/* KeAcquireInStackQueuedSpinLockForDpc: the queued ForDpc form; h->OldIrql = the IRQL before. */
NDISLOCK_INLINE void ndislock_queued_acquire_for_dpc(ndislock_spin_t *l,
                                                     struct ndislock_queue_handle *h)
{
    h->LockQueue.Next = NULL;
    h->LockQueue.Lock = l;
    if (ndislock__checked_on()) {
        (void)ndislock__checked_acquire(l, NDISLOCK_OP_QUEUED_FOR_DPC, &h->OldIrql, h);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_irql_t o = ndislock_tls.irql;

    if (o < NDISLOCK_DISPATCH_LEVEL)
        ndislock__irql_raise_raw(NDISLOCK_DISPATCH_LEVEL);
    ndislock_spin_lock(l);   /* raise, then lock (spin.h) */
    h->OldIrql = o;          /* under the lock, as the other queued forms */
}

/* KeReleaseInStackQueuedSpinLockForDpc. */
NDISLOCK_INLINE void ndislock_queued_release_for_dpc(struct ndislock_queue_handle *h)
{
    if (ndislock__checked_on()) {
        ndislock__checked_release(h->LockQueue.Lock, NDISLOCK_OP_QUEUED_FOR_DPC, h->OldIrql, h);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_irql_t old = h->OldIrql;   /* read before unlocking, as ndislock_queued_release */

    ndislock_spin_unlock(h->LockQueue.Lock);
    ndislock__irql_lower_raw(old);
}

/* KeAcquireInStackQueuedSpinLockRaiseToSynch: raise to SYNCH_LEVEL, take;
 * released by KeReleaseInStackQueuedSpinLock. */
NDISLOCK_INLINE void ndislock_queued_acquire_synch(ndislock_spin_t *l,
                                                   struct ndislock_queue_handle *h)
{
    h->LockQueue.Next = NULL;
    h->LockQueue.Lock = l;
    if (ndislock__checked_on()) {
        (void)ndislock__checked_acquire(l, NDISLOCK_OP_QUEUED_SYNCH, &h->OldIrql, h);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_irql_t o = ndislock__irql_raise_raw(NDISLOCK_SYNCH_LEVEL);

    ndislock_spin_lock(l);   /* raise, then lock (spin.h) */
    h->OldIrql = o;
}

/* The system's one cancel spin lock (IoAcquireCancelSpinLock), initialized
 * on first use so the verifier knows it by name. */
NDISLOCK_API ndislock_spin_t *ndislock__cancel_lock(void);

/* IoAcquireCancelSpinLock: raise to DISPATCH_LEVEL, take the cancel lock, return the old IRQL. */
NDISLOCK_INLINE ndislock_irql_t ndislock_cancel_acquire(void)
{
    ndislock_spin_t *l = ndislock__cancel_lock();

    if (ndislock__checked_on()) {
        ndislock_irql_t o;

        (void)ndislock__checked_acquire(l, NDISLOCK_OP_CANCEL, &o, NULL);
        return o;
    }
    ndislock_irql_t o = ndislock__irql_raise_raw(NDISLOCK_DISPATCH_LEVEL);

    ndislock_spin_lock(l);   /* raise, then lock (spin.h) */
    return o;
}

/* IoReleaseCancelSpinLock: release it, lower to old. */
NDISLOCK_INLINE void ndislock_cancel_release(ndislock_irql_t old)
{
    ndislock_spin_t *l = ndislock__cancel_lock();

    if (ndislock__checked_on()) {
        ndislock__checked_release(l, NDISLOCK_OP_CANCEL, old, NULL);
        NDISLOCK__NO_TAIL();
        return;
    }
    ndislock_spin_unlock(l);
    ndislock__irql_lower_raw(old);
}

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_SPIN_VARIANTS_H */
