/* Library-internal entry points of the verifier, called by src/lock/. */
#ifndef NDISLOCK_VERIFIER_HOOKS_H
#define NDISLOCK_VERIFIER_HOOKS_H

#include <ndislock/spin.h>

/* Checked KeInitializeSpinLock / NdisAllocateSpinLock: records the lock; 1 if it did the init. */
int ndislock__verifier_init(ndislock_spin_t *l, const struct ndislock_site *site, int ndis);
/* Checked NdisFreeSpinLock; 1 if it did the free (or decided to skip it). */
int ndislock__verifier_free(ndislock_spin_t *l);
/* Checked lock of an ExInterlocked* or NdisInterlocked* operation (no IRQL change: the WDK
 * allows them at any IRQL); 0: run it without taking l (the caller holds it, reported). */
int ndislock__verifier_interlocked(ndislock_spin_t *l, const char *what);
/* ... and its release. */
void ndislock__verifier_interlocked_done(ndislock_spin_t *l);

/*
 * Reader/writer locks (NDIS 6.20 NDIS_RW_LOCK_EX, NDIS 5 NDIS_RW_LOCK,
 * EX_SPIN_LOCK).  The lock code keeps its own per-thread record of what the
 * calling thread holds (it needs it for the WDK's recursion rules even with
 * the verifier off) and feeds the verifier at these points; call them only
 * while ndislock__checked_on().  `lock` is the lock object's address: its
 * identity in the verifier (order graph, statistics, reports).
 */
enum ndislock_rw_op {
    NDISLOCK_RW_NDIS6_READ,         /* NdisAcquireRWLockRead / NdisReleaseRWLock */
    NDISLOCK_RW_NDIS6_WRITE,        /* NdisAcquireRWLockWrite / NdisReleaseRWLock */
    NDISLOCK_RW_NDIS5_READ,         /* NdisAcquireReadWriteLock(fWrite = FALSE) / NdisReleaseReadWriteLock */
    NDISLOCK_RW_NDIS5_WRITE,        /* NdisAcquireReadWriteLock(fWrite = TRUE) / ... */
    NDISLOCK_RW_NDIS5_DPR_READ,     /* NdisDprAcquireReadWriteLock / NdisDprReleaseReadWriteLock */
    NDISLOCK_RW_NDIS5_DPR_WRITE,
    NDISLOCK_RW_EX_SHARED,          /* ExAcquireSpinLockShared / ExReleaseSpinLockShared */
    NDISLOCK_RW_EX_EXCLUSIVE,       /* ExAcquireSpinLockExclusive / ExReleaseSpinLockExclusive */
    NDISLOCK_RW_EX_SHARED_DPC,      /* ...AtDpcLevel / ...FromDpcLevel */
    NDISLOCK_RW_EX_EXCLUSIVE_DPC,
    NDISLOCK_RW_OP_COUNT
};
#define NDISLOCK_RW_HELD_NONE   0
#define NDISLOCK_RW_HELD_READ   1
#define NDISLOCK_RW_HELD_WRITE  2

/* Initialization (site names the lock and its class; NULL if unknown) / free. */
void ndislock__verifier_rw_init(const void *lock, const struct ndislock_site *site);
void ndislock__verifier_rw_free(const void *lock);
/* Before an acquire, before any waiting.  held: what the calling thread
 * already holds of this lock (NDISLOCK_RW_HELD_*) by the lock's own record;
 * flags: the caller's NDIS_RWL_AT_DISPATCH_LEVEL-style flags (0 if none).
 * Returns 1 when the acquire must not happen (a reported self-deadlock, e.g.
 * read -> write promotion): the lock code then returns without waiting or
 * changing the IRQL and must also skip the matching release. */
int ndislock__verifier_rw_acquire(const void *lock, enum ndislock_rw_op op, unsigned flags,
                                  int held);
/* The acquire succeeded (after waiting waited_ns; 0 = at once). */
void ndislock__verifier_rw_acquired(const void *lock, enum ndislock_rw_op op, uint64_t waited_ns);
/* Before a release, with the op the acquire used. */
void ndislock__verifier_rw_release(const void *lock, enum ndislock_rw_op op);
/* Called by a waiting acquire every ~10 ms of waiting: LOCK_DEADLOCK after deadlock_ms. */
void ndislock__verifier_rw_waiting(const void *lock, enum ndislock_rw_op op, uint64_t waited_ns);

/* A driver handler bracketed by the harness (src/harness/handler.c) starts / returns:
 * the return is checked like a callback's (LOCK_HELD_AT_EXIT); a halt also audits what
 * is still armed for adapter (ACTIVE_AT_UNLOAD).  pc: the harness caller's call site. */
void ndislock__verifier_handler_begin(const char *name, const void *adapter, int halt);
void ndislock__verifier_handler_end(void *pc);

/* A lock was initialized while the verifier was off (so unknown locks may be legitimate). */
extern int ndislock__unchecked_inits;

static inline void ndislock__verifier_note_unchecked_init(void)
{
    if (!ndislock_pr_load(&ndislock__unchecked_inits, NDISLOCK_RELAXED))
        ndislock_pr_store(&ndislock__unchecked_inits, 1, NDISLOCK_RELAXED);
}

#endif
