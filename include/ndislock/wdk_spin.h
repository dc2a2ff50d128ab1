/*
 * ndislock/wdk_spin.h - the kernel and NDIS spin locks with their Windows
 * names: every form (plain, AtDpcLevel, ForDpc, RaiseToSynch, try, test,
 * in-stack queued), the cancel spin lock, the interrupt spin lock and the
 * NDIS spin locks of the seeds.  A compatibility header: driver code gets it
 * through <ndis.h>.
 *
 * Each exported WDK function is a function here (its address can be taken,
 * `(KeAcquireSpinLockAtDpcLevel)(&k)` calls it) and also a macro of the same
 * name, which adds what only a macro can: the initializers record the lock's
 * name text and file:line for the verifier, and the others go straight to
 * the native inline, so a verifier report's innermost driver frame is the
 * driver's own line (one inline level, not two).  KeAcquireSpinLock is only
 * a macro, as in wdm.h.
 */
#ifndef NDISLOCK_WDK_SPIN_H
#define NDISLOCK_WDK_SPIN_H

#ifndef NDISLOCK_NDIS_H
#error "include <ndis.h>, not <ndislock/wdk_spin.h>"
#endif

#include <ndislock/spin_variants.h>
#include <ndislock/contexts.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ndislock_ndis_spin NDIS_SPIN_LOCK, *PNDIS_SPIN_LOCK;
typedef struct ndislock_queue_node KSPIN_LOCK_QUEUE, *PKSPIN_LOCK_QUEUE;
typedef struct ndislock_queue_handle KLOCK_QUEUE_HANDLE, *PKLOCK_QUEUE_HANDLE;
/* An interrupt object: here the NDIS_HANDLE that NdisMRegisterInterruptEx returned. */
typedef struct _KINTERRUPT KINTERRUPT, *PKINTERRUPT, *PRKINTERRUPT;

/* ---- Kernel spin locks ---- */

FORCEINLINE VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock)
{
    ndislock_spin_init(SpinLock, NULL);
}
#define KeInitializeSpinLock(SpinLock)                                          \
    ndislock_spin_init((SpinLock), NDISLOCK_SITE_HERE(#SpinLock))

FORCEINLINE KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
    return ndislock_spin_acquire(SpinLock);
}
#define KeAcquireSpinLockRaiseToDpc(SpinLock) ndislock_spin_acquire(SpinLock)

#define KeAcquireSpinLock(SpinLock, OldIrql)                                    \
    ((void)(*(OldIrql) = KeAcquireSpinLockRaiseToDpc(SpinLock)))

FORCEINLINE VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)
{
    ndislock_spin_release(SpinLock, NewIrql);
}
#define KeReleaseSpinLock(SpinLock, NewIrql) ndislock_spin_release((SpinLock), (NewIrql))

FORCEINLINE VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    ndislock_spin_acquire_at_dpc(SpinLock);
}
#define KeAcquireSpinLockAtDpcLevel(SpinLock) ndislock_spin_acquire_at_dpc(SpinLock)

FORCEINLINE VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)
{
    ndislock_spin_release_from_dpc(SpinLock);
}
#define KeReleaseSpinLockFromDpcLevel(SpinLock) ndislock_spin_release_from_dpc(SpinLock)

FORCEINLINE BOOLEAN KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    return (BOOLEAN)(ndislock_spin_try_at_dpc(SpinLock) != 0);
}
#define KeTryToAcquireSpinLockAtDpcLevel(SpinLock)                             \
    ((BOOLEAN)(ndislock_spin_try_at_dpc(SpinLock) != 0))

/* TRUE if the lock looks free (a hint: it may be taken the next instant). */
FORCEINLINE BOOLEAN KeTestSpinLock(PKSPIN_LOCK SpinLock)
{
    return (BOOLEAN)(ndislock_spin_is_free(SpinLock) != 0);
}
#define KeTestSpinLock(SpinLock) ((BOOLEAN)(ndislock_spin_is_free(SpinLock) != 0))

FORCEINLINE KIRQL KeAcquireSpinLockRaiseToSynch(PKSPIN_LOCK SpinLock)
{
    return ndislock_spin_acquire_synch(SpinLock);
}
#define KeAcquireSpinLockRaiseToSynch(SpinLock) ndislock_spin_acquire_synch(SpinLock)

FORCEINLINE KIRQL KeAcquireSpinLockForDpc(PKSPIN_LOCK SpinLock)
{
    return ndislock_spin_acquire_for_dpc(SpinLock);
}
#define KeAcquireSpinLockForDpc(SpinLock) ndislock_spin_acquire_for_dpc(SpinLock)

FORCEINLINE VOID KeReleaseSpinLockForDpc(PKSPIN_LOCK SpinLock, KIRQL OldIrql)
{
    ndislock_spin_release_for_dpc(SpinLock, OldIrql);
}
#define KeReleaseSpinLockForDpc(SpinLock, OldIrql)                             \
    ndislock_spin_release_for_dpc((SpinLock), (OldIrql))

/* ---- In-stack queued spin locks ---- */

FORCEINLINE VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    ndislock_queued_acquire(SpinLock, LockHandle);
}
#define KeAcquireInStackQueuedSpinLock(SpinLock, LockHandle)                   \
    ndislock_queued_acquire((SpinLock), (LockHandle))

FORCEINLINE VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle)
{
    ndislock_queued_release(LockHandle);
}
#define KeReleaseInStackQueuedSpinLock(LockHandle) ndislock_queued_release(LockHandle)

FORCEINLINE VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock,
                                                          PKLOCK_QUEUE_HANDLE LockHandle)
{
    ndislock_queued_lock(SpinLock, LockHandle);
}
#define KeAcquireInStackQueuedSpinLockAtDpcLevel(SpinLock, LockHandle)         \
    ndislock_queued_lock((SpinLock), (LockHandle))

FORCEINLINE VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle)
{
    ndislock_queued_unlock(LockHandle);
}
#define KeReleaseInStackQueuedSpinLockFromDpcLevel(LockHandle) ndislock_queued_unlock(LockHandle)

FORCEINLINE VOID KeAcquireInStackQueuedSpinLockForDpc(PKSPIN_LOCK SpinLock,
                                                      PKLOCK_QUEUE_HANDLE LockHandle)
{
    ndislock_queued_acquire_for_dpc(SpinLock, LockHandle);
}
#define KeAcquireInStackQueuedSpinLockForDpc(SpinLock, LockHandle)             \
    ndislock_queued_acquire_for_dpc((SpinLock), (LockHandle))

FORCEINLINE VOID KeReleaseInStackQueuedSpinLockForDpc(PKLOCK_QUEUE_HANDLE LockHandle)
{
    ndislock_queued_release_for_dpc(LockHandle);
}
#define KeReleaseInStackQueuedSpinLockForDpc(LockHandle)                       \
    ndislock_queued_release_for_dpc(LockHandle)

FORCEINLINE VOID KeAcquireInStackQueuedSpinLockRaiseToSynch(PKSPIN_LOCK SpinLock,
                                                            PKLOCK_QUEUE_HANDLE LockHandle)
{
    ndislock_queued_acquire_synch(SpinLock, LockHandle);
}
#define KeAcquireInStackQueuedSpinLockRaiseToSynch(SpinLock, LockHandle)       \
    ndislock_queued_acquire_synch((SpinLock), (LockHandle))

/* ---- The cancel spin lock and interrupt spin locks ---- */

FORCEINLINE VOID IoAcquireCancelSpinLock(PKIRQL Irql)
{
    *Irql = ndislock_cancel_acquire();
}
#define IoAcquireCancelSpinLock(Irql) ((void)(*(Irql) = ndislock_cancel_acquire()))

FORCEINLINE VOID IoReleaseCancelSpinLock(KIRQL Irql)
{
    ndislock_cancel_release(Irql);
}
#define IoReleaseCancelSpinLock(Irql) ndislock_cancel_release(Irql)

/* Interrupt: the interrupt's NDIS_HANDLE, cast (NDIS never shows a driver its KINTERRUPT). */
FORCEINLINE KIRQL KeAcquireInterruptSpinLock(PKINTERRUPT Interrupt)
{
    return ndislock_interrupt_lock((void *)Interrupt);
}

FORCEINLINE VOID KeReleaseInterruptSpinLock(PKINTERRUPT Interrupt, KIRQL OldIrql)
{
    ndislock_interrupt_unlock((void *)Interrupt, OldIrql);
}

/* ---- NDIS spin locks (the seeds) ---- */

FORCEINLINE VOID NdisAllocateSpinLock(PNDIS_SPIN_LOCK SpinLock)
{
    ndislock_ndis_init(SpinLock, NULL);
}
#define NdisAllocateSpinLock(SpinLock)                                          \
    ndislock_ndis_init((SpinLock), NDISLOCK_SITE_HERE(#SpinLock))

FORCEINLINE VOID NdisFreeSpinLock(PNDIS_SPIN_LOCK SpinLock)
{
    ndislock_ndis_free(SpinLock);
}
#define NdisFreeSpinLock(SpinLock) ndislock_ndis_free(SpinLock)

FORCEINLINE VOID NdisAcquireSpinLock(PNDIS_SPIN_LOCK SpinLock)
{
    ndislock_ndis_acquire(SpinLock);
}
#define NdisAcquireSpinLock(SpinLock) ndislock_ndis_acquire(SpinLock)

FORCEINLINE VOID NdisReleaseSpinLock(PNDIS_SPIN_LOCK SpinLock)
{
    ndislock_ndis_release(SpinLock);
}
#define NdisReleaseSpinLock(SpinLock) ndislock_ndis_release(SpinLock)

FORCEINLINE VOID NdisDprAcquireSpinLock(PNDIS_SPIN_LOCK SpinLock)
{
    ndislock_ndis_dpr_acquire(SpinLock);
}
#define NdisDprAcquireSpinLock(SpinLock) ndislock_ndis_dpr_acquire(SpinLock)

FORCEINLINE VOID NdisDprReleaseSpinLock(PNDIS_SPIN_LOCK SpinLock)
{
    ndislock_ndis_dpr_release(SpinLock);
}
#define NdisDprReleaseSpinLock(SpinLock) ndislock_ndis_dpr_release(SpinLock)

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_SPIN_H */
