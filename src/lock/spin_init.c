/* Initializing and freeing spin locks. */
#include <ndislock/spin.h>

#include "verifier/hooks.h"

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
