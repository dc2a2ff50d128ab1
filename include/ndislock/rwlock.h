/*
 * ndislock/rwlock.h - reader/writer spin locks: the NDIS 6.20 lock
 * (NDIS_RW_LOCK_EX), the NDIS 5 lock (NDIS_RW_LOCK) and the kernel's
 * EX_SPIN_LOCK.  Native API; driver code uses the Windows names of
 * ndislock/wdk_rwlock.h.  Docs: docs/CONTEXTS.md "RW locks".
 *
 * All three run on one 32-bit lock word:
 *
 *   bit 31      held for write
 *   bit 30      a writer waits: new readers step aside until it got in
 *   bits 0-29   number of read holds
 *
 * Recursion follows the WDK: a thread may take an NDIS lock (either
 * generation) again for read or for write while it holds it for write, and
 * for read while it holds it for read; those nested holds do not touch the
 * word (the library keeps a per-thread record of the NDIS locks a thread
 * holds), so they never wait, not even behind a waiting writer.  Read ->
 * write promotion is a self-deadlock on Windows and here (with the verifier
 * on it is reported as LOCK_RECURSIVE_ACQUIRE and skipped instead).  An
 * EX_SPIN_LOCK may not be taken recursively at all: as on Windows, a nested
 * shared acquire succeeds unless a writer waits, a nested exclusive one
 * deadlocks.
 */
#ifndef NDISLOCK_RWLOCK_H
#define NDISLOCK_RWLOCK_H

#include <ndislock/spin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NDISLOCK_RW_WRITER      0x80000000u
#define NDISLOCK_RW_WAITING     0x40000000u
#define NDISLOCK_RW_READERS     0x3fffffffu

/* An NDIS 6.20 or NDIS 5 lock: the word (0 = free). */
struct ndislock_rwlock {
    uint32_t word;
};

/* LOCK_STATE_EX (NDIS 6.20); the fields keep their WDK names because drivers see them. */
struct ndislock_rw_state {
    ndislock_irql_t OldIrql;
    uint8_t LockState;              /* NDISLOCK_RWS_* */
    uint8_t Flags;                  /* the acquire's flags */
};

/* LOCK_STATE (NDIS 5). */
struct ndislock_rw5_state {
    uint16_t LockState;             /* NDISLOCK_RWS_*, | NDISLOCK_RWS_DPR for the Dpr forms */
    ndislock_irql_t OldIrql;
};

/* What a state records (LockState). */
#define NDISLOCK_RWS_FREE           0
#define NDISLOCK_RWS_READ           1   /* took the word for read */
#define NDISLOCK_RWS_WRITE          2   /* took the word for write */
#define NDISLOCK_RWS_NESTED_READ    3   /* a read inside this thread's own hold */
#define NDISLOCK_RWS_NESTED_WRITE   4   /* a write inside this thread's own write hold */
#define NDISLOCK_RWS_SKIPPED        5   /* the verifier refused it (self-deadlock): nothing held */
#define NDISLOCK_RWS_DPR            0x100

#define NDISLOCK_RWL_AT_DISPATCH    0x1 /* NDIS_RWL_AT_DISPATCH_LEVEL */

/* --- NDIS 6.20: NdisAllocateRWLock ... NdisReleaseRWLock --- */

/* NdisAllocateRWLock: a free lock, or NULL if out of memory; site names it. */
NDISLOCK_API struct ndislock_rwlock *ndislock_rwlock_create(const struct ndislock_site *site);
/* NdisFreeRWLock. */
NDISLOCK_API void ndislock_rwlock_free(struct ndislock_rwlock *l);
/* NdisAcquireRWLockRead / Write: raise to DISPATCH_LEVEL unless flags has
 * NDISLOCK_RWL_AT_DISPATCH, take the lock, fill *s. */
NDISLOCK_API void ndislock_rwlock_read(struct ndislock_rwlock *l, struct ndislock_rw_state *s,
                                       unsigned flags);
NDISLOCK_API void ndislock_rwlock_write(struct ndislock_rwlock *l, struct ndislock_rw_state *s,
                                        unsigned flags);
/* NdisReleaseRWLock: release what *s holds, restore the IRQL. */
NDISLOCK_API void ndislock_rwlock_release(struct ndislock_rwlock *l, struct ndislock_rw_state *s);

/* --- NDIS 5: NdisInitializeReadWriteLock ... NdisDprReleaseReadWriteLock --- */

/* NdisInitializeReadWriteLock. */
NDISLOCK_API void ndislock_rwlock5_init(struct ndislock_rwlock *l, const struct ndislock_site *site);
/* NdisAcquireReadWriteLock (dpr = 0: raises to DISPATCH_LEVEL) /
 * NdisDprAcquireReadWriteLock (dpr != 0: the caller is at DISPATCH_LEVEL). */
NDISLOCK_API void ndislock_rwlock5_acquire(struct ndislock_rwlock *l, int write,
                                           struct ndislock_rw5_state *s, int dpr);
/* NdisReleaseReadWriteLock (restores the IRQL) / NdisDprReleaseReadWriteLock. */
NDISLOCK_API void ndislock_rwlock5_release(struct ndislock_rwlock *l, struct ndislock_rw5_state *s,
                                           int dpr);

/* --- EX_SPIN_LOCK: a LONG, zero-initialized by the driver --- */

/* ExAcquireSpinLockShared / Exclusive (at_dpc = 0: raise to DISPATCH_LEVEL,
 * return the old IRQL) and their AtDpcLevel forms (return the current IRQL). */
NDISLOCK_API ndislock_irql_t ndislock_ex_acquire(volatile int32_t *l, int exclusive, int at_dpc);
/* ExReleaseSpinLockShared / Exclusive (lower to old) and their FromDpcLevel forms. */
NDISLOCK_API void ndislock_ex_release(volatile int32_t *l, int exclusive, int at_dpc,
                                      ndislock_irql_t old);
/* ExTryConvertSharedSpinLockExclusive: 1 if the caller, the only reader, now holds it for write. */
NDISLOCK_API int ndislock_ex_try_convert(volatile int32_t *l);

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_RWLOCK_H */
