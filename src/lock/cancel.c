/* The cancel spin lock (IoAcquireCancelSpinLock): one per system, named for the verifier. */
#include <ndislock/spin_variants.h>

#include <pthread.h>

static ndislock_spin_t cancel_lock;
static pthread_once_t cancel_once = PTHREAD_ONCE_INIT;
static const struct ndislock_site cancel_site = { "IoCancelSpinLock", __FILE__, __LINE__ };

static void cancel_init(void)
{
    ndislock_spin_init(&cancel_lock, &cancel_site);
}

ndislock_spin_t *ndislock__cancel_lock(void)
{
    pthread_once(&cancel_once, cancel_init);
    return &cancel_lock;
}
