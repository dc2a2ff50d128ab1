/*
 * The lock layer's entry points for the verifier: the one contended path,
 * with an optional hook for the deadlock watchdog.  Internal.
 *
 * The checked acquire does not keep a copy of the lock protocol: it calls
 * ndislock__spin_lock_wait, which is the path the inline fast path falls
 * into, plus a callback every hook->period_ns of waiting (WebKit's
 * LockAlgorithm with hooks, Linux's lock_contended at one place).
 */
#ifndef NDISLOCK_LOCK_SLOW_H
#define NDISLOCK_LOCK_SLOW_H

#include <ndislock/spin.h>

struct ndislock_wait_hook {
    uint64_t period_ns;     /* first call after this long waiting, then every period; > 0 */
    /* Called on the waiting thread, which holds nothing of the lock's; may
     * report.  The wait goes on afterwards (a real hang stays a hang). */
    void (*on_wait)(const struct ndislock_wait_hook *h, uint64_t waited_ns);
};

/*
 * Takes l, or for an in-stack queued acquire (qh != NULL) takes it through
 * the queue handle, exactly as the unchecked operation does.  hook may be
 * NULL.  Returns the nanoseconds spent waiting (0: taken at once).
 */
uint64_t ndislock__spin_lock_wait(ndislock_spin_t *l, struct ndislock_queue_handle *qh,
                                  const struct ndislock_wait_hook *hook);

/* Releases l as the unchecked operation does (through qh for a queued hold). */
void ndislock__spin_unlock_raw(ndislock_spin_t *l, struct ndislock_queue_handle *qh);

#endif
