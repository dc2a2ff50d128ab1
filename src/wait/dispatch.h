/*
 * The dispatcher: wait blocks, the locks that guard each object's state and
 * waiter list, and the one wait loop (dispatch.c).  Internal.
 */
#ifndef NDISLOCK_WAIT_DISPATCH_H
#define NDISLOCK_WAIT_DISPATCH_H

#include <ndislock/wait.h>

#include <pthread.h>

/* One waiting thread, on its own stack, queued on one object. */
struct ndislock_wait_block {
    struct ndislock_wait_block *next;
    uint32_t state;                 /* futex word: 0 waiting, 1 satisfied (set under the lock) */
    uint64_t thread;                /* ndislock_thread_id() of the waiter: a mutex is handed to it */
};

/* The lock of obj's bucket: guards SignalState changes, the waiter list, a mutex's owner. */
pthread_mutex_t *ndislock__dispatcher_lock(const void *obj);
/* Removes and returns the first waiter, or NULL.  Under the lock. */
struct ndislock_wait_block *ndislock__waiter_pop(struct ndislock_dispatcher_header *h);
/* Wakes wb: its wait is satisfied.  Under the lock (the waiter's stack stays
 * valid until the lock is released: see ndislock__wait_object). */
void ndislock__waiter_satisfy(struct ndislock_wait_block *wb);
/* The wait itself, unchecked: NDISLOCK_WAIT_SUCCESS or NDISLOCK_WAIT_TIMEOUT. */
int32_t ndislock__wait_object(struct ndislock_dispatcher_header *h, const int64_t *timeout);

#endif
