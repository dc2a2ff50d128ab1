/* Library-internal entry points of the verifier, called by src/lock/. */
#ifndef NDISLOCK_VERIFIER_HOOKS_H
#define NDISLOCK_VERIFIER_HOOKS_H

#include <ndislock/spin.h>

/* Checked KeInitializeSpinLock / NdisAllocateSpinLock: records the lock; 1 if it did the init. */
int ndislock__verifier_init(ndislock_spin_t *l, const struct ndislock_site *site, int ndis);
/* Checked NdisFreeSpinLock; 1 if it did the free (or decided to skip it). */
int ndislock__verifier_free(ndislock_spin_t *l);
/* Checked lock of an NdisInterlocked* operation; 0: run it without taking l. */
int ndislock__verifier_interlocked(ndislock_spin_t *l, const char *what, ndislock_irql_t *old);

/* A lock was initialized while the verifier was off (so unknown locks may be legitimate). */
extern int ndislock__unchecked_inits;

static inline void ndislock__verifier_note_unchecked_init(void)
{
    if (!ndislock_pr_load(&ndislock__unchecked_inits, NDISLOCK_RELAXED))
        ndislock_pr_store(&ndislock__unchecked_inits, 1, NDISLOCK_RELAXED);
}

#endif
