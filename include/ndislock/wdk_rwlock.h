/*
 * ndislock/wdk_rwlock.h - reader/writer locks with their Windows names:
 * NDIS 6.20 (NDIS_RW_LOCK_EX), NDIS 5 (NDIS_RW_LOCK) and EX_SPIN_LOCK.
 * Semantics and recursion rules: ndislock/rwlock.h.  A compatibility
 * header: driver code gets it through <ndis.h>.
 */
#ifndef NDISLOCK_WDK_RWLOCK_H
#define NDISLOCK_WDK_RWLOCK_H

#ifndef NDISLOCK_NDIS_H
#error "include <ndis.h>, not <ndislock/wdk_rwlock.h>"
#endif

#include <ndislock/rwlock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- NDIS 6.20 ---- */

typedef struct ndislock_rwlock NDIS_RW_LOCK_EX, *PNDIS_RW_LOCK_EX;
typedef struct ndislock_rw_state LOCK_STATE_EX, *PLOCK_STATE_EX;

#define NDIS_RWL_AT_DISPATCH_LEVEL  NDISLOCK_RWL_AT_DISPATCH    /* 0x1 */

/* NULL if out of memory.  The macro names the lock after its call site. */
FORCEINLINE PNDIS_RW_LOCK_EX NdisAllocateRWLock(NDIS_HANDLE NdisHandle)
{
    (void)NdisHandle;
    return ndislock_rwlock_create(NULL);
}
#define NdisAllocateRWLock(NdisHandle)                                          \
    ((void)(NdisHandle), ndislock_rwlock_create(NDISLOCK_SITE_HERE("NDIS_RW_LOCK_EX")))

FORCEINLINE VOID NdisFreeRWLock(PNDIS_RW_LOCK_EX Lock)
{
    ndislock_rwlock_free(Lock);
}

FORCEINLINE VOID NdisAcquireRWLockRead(PNDIS_RW_LOCK_EX Lock, PLOCK_STATE_EX LockState, UCHAR Flags)
{
    ndislock_rwlock_read(Lock, LockState, Flags);
}

FORCEINLINE VOID NdisAcquireRWLockWrite(PNDIS_RW_LOCK_EX Lock, PLOCK_STATE_EX LockState, UCHAR Flags)
{
    ndislock_rwlock_write(Lock, LockState, Flags);
}

FORCEINLINE VOID NdisReleaseRWLock(PNDIS_RW_LOCK_EX Lock, PLOCK_STATE_EX LockState)
{
    ndislock_rwlock_release(Lock, LockState);
}

/* ---- NDIS 5 ---- */

typedef struct ndislock_rwlock NDIS_RW_LOCK, *PNDIS_RW_LOCK;
typedef struct ndislock_rw5_state LOCK_STATE, *PLOCK_STATE;

FORCEINLINE VOID NdisInitializeReadWriteLock(PNDIS_RW_LOCK Lock)
{
    ndislock_rwlock5_init(Lock, NULL);
}
#define NdisInitializeReadWriteLock(Lock)                                       \
    ndislock_rwlock5_init((Lock), NDISLOCK_SITE_HERE(#Lock))

FORCEINLINE VOID NdisAcquireReadWriteLock(PNDIS_RW_LOCK Lock, BOOLEAN fWrite, PLOCK_STATE LockState)
{
    ndislock_rwlock5_acquire(Lock, fWrite, LockState, 0);
}

FORCEINLINE VOID NdisReleaseReadWriteLock(PNDIS_RW_LOCK Lock, PLOCK_STATE LockState)
{
    ndislock_rwlock5_release(Lock, LockState, 0);
}

FORCEINLINE VOID NdisDprAcquireReadWriteLock(PNDIS_RW_LOCK Lock, BOOLEAN fWrite,
                                             PLOCK_STATE LockState)
{
    ndislock_rwlock5_acquire(Lock, fWrite, LockState, 1);
}

FORCEINLINE VOID NdisDprReleaseReadWriteLock(PNDIS_RW_LOCK Lock, PLOCK_STATE LockState)
{
    ndislock_rwlock5_release(Lock, LockState, 1);
}

/* ---- EX_SPIN_LOCK (a LONG the driver zeroes) ---- */

typedef volatile LONG EX_SPIN_LOCK, *PEX_SPIN_LOCK;

FORCEINLINE KIRQL ExAcquireSpinLockShared(PEX_SPIN_LOCK SpinLock)
{
    return ndislock_ex_acquire(SpinLock, 0, 0);
}

FORCEINLINE VOID ExReleaseSpinLockShared(PEX_SPIN_LOCK SpinLock, KIRQL OldIrql)
{
    ndislock_ex_release(SpinLock, 0, 0, OldIrql);
}

FORCEINLINE KIRQL ExAcquireSpinLockExclusive(PEX_SPIN_LOCK SpinLock)
{
    return ndislock_ex_acquire(SpinLock, 1, 0);
}

FORCEINLINE VOID ExReleaseSpinLockExclusive(PEX_SPIN_LOCK SpinLock, KIRQL OldIrql)
{
    ndislock_ex_release(SpinLock, 1, 0, OldIrql);
}

FORCEINLINE VOID ExAcquireSpinLockSharedAtDpcLevel(PEX_SPIN_LOCK SpinLock)
{
    (void)ndislock_ex_acquire(SpinLock, 0, 1);
}

FORCEINLINE VOID ExReleaseSpinLockSharedFromDpcLevel(PEX_SPIN_LOCK SpinLock)
{
    ndislock_ex_release(SpinLock, 0, 1, NDISLOCK_DISPATCH_LEVEL);
}

FORCEINLINE VOID ExAcquireSpinLockExclusiveAtDpcLevel(PEX_SPIN_LOCK SpinLock)
{
    (void)ndislock_ex_acquire(SpinLock, 1, 1);
}

FORCEINLINE VOID ExReleaseSpinLockExclusiveFromDpcLevel(PEX_SPIN_LOCK SpinLock)
{
    ndislock_ex_release(SpinLock, 1, 1, NDISLOCK_DISPATCH_LEVEL);
}

/* TRUE if the caller, holding it shared and alone, now holds it exclusive. */
FORCEINLINE LOGICAL ExTryConvertSharedSpinLockExclusive(PEX_SPIN_LOCK SpinLock)
{
    return (LOGICAL)ndislock_ex_try_convert(SpinLock);
}

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_RWLOCK_H */
