/* Initializing and freeing spin locks. */
#include <ndislock/spin.h>

static void clear_word(ndislock_spin_t *l)
{
    /* Halves stored separately, as every other access treats them. */
    ndislock_pr_store(ndislock__spin_state(l), 0, NDISLOCK_RELAXED);
    ndislock_pr_store(ndislock__spin_waiters(l), 0, NDISLOCK_RELAXED);
}

void ndislock_spin_init(ndislock_spin_t *l, const struct ndislock_site *site)
{
    (void)site;   /* the lock's name and class; recorded when the verifier is on */
    clear_word(l);
}

void ndislock_ndis_init(struct ndislock_ndis_spin *l, const struct ndislock_site *site)
{
    ndislock_spin_init(&l->SpinLock, site);
    l->OldIrql = NDISLOCK_PASSIVE_LEVEL;
}

/* NdisFreeSpinLock: "clears the memory at SpinLock so it no longer represents a spin lock". */
void ndislock_ndis_free(struct ndislock_ndis_spin *l)
{
    clear_word(&l->SpinLock);
    l->OldIrql = NDISLOCK_PASSIVE_LEVEL;
}
