/* Initializing and freeing spin locks, and the layouts driver code sees. */
#include <ndislock/spin.h>

#include <stddef.h>

#include "verifier/hooks.h"

/* The Windows layouts (SPEC section 2): KSPIN_LOCK is one ULONG_PTR; NDIS_SPIN_LOCK is
 * { SpinLock; OldIrql }; KLOCK_QUEUE_HANDLE is { LockQueue { Next, Lock }; OldIrql }
 * (24 bytes on x64).  Nothing else is kept in them: waiters live in src/lock/waitq.c. */
_Static_assert(sizeof(ndislock_spin_t) == sizeof(void *), "KSPIN_LOCK is a ULONG_PTR");
_Static_assert(offsetof(struct ndislock_ndis_spin, OldIrql) == sizeof(ndislock_spin_t) &&
               sizeof(struct ndislock_ndis_spin) == 2 * sizeof(ndislock_spin_t),
               "NDIS_SPIN_LOCK is { KSPIN_LOCK SpinLock; KIRQL OldIrql; }");
_Static_assert(offsetof(struct ndislock_queue_handle, OldIrql) == 2 * sizeof(void *) &&
               sizeof(struct ndislock_queue_handle) == 3 * sizeof(void *),
               "KLOCK_QUEUE_HANDLE is { KSPIN_LOCK_QUEUE LockQueue; KIRQL OldIrql; }");

static void clear_word(ndislock_spin_t *l)
{
    ndislock__spin_clear(l);
}

void ndislock_spin_init(ndislock_spin_t *l, const struct ndislock_site *site)
{
    /* site is the lock's name and class, recorded when the verifier is on */
    if (!ndislock__checked_on())
        ndislock__verifier_note_unchecked_init();   /* unknown to a verifier switched on later */
    else if (ndislock__verifier_init(l, site, 0))
        return;
    clear_word(l);
}

void ndislock_ndis_init(struct ndislock_ndis_spin *l, const struct ndislock_site *site)
{
    if (!ndislock__checked_on())
        ndislock__verifier_note_unchecked_init();
    else if (ndislock__verifier_init(&l->SpinLock, site, 1))
        return;
    clear_word(&l->SpinLock);
    l->OldIrql = NDISLOCK_PASSIVE_LEVEL;
}

/* NdisFreeSpinLock: "clears the memory at SpinLock so it no longer represents a spin lock". */
void ndislock_ndis_free(struct ndislock_ndis_spin *l)
{
    if (ndislock__checked_on() && ndislock__verifier_free(&l->SpinLock))
        return;
    clear_word(&l->SpinLock);
    l->OldIrql = NDISLOCK_PASSIVE_LEVEL;
}
