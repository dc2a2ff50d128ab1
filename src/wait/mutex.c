/* Mutexes: KMUTEX (recursive for its owner, handed to the first waiter on
 * release) and the NDIS_MUTEX macros over it. */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/events.h"

void ndislock_mutex_init(struct ndislock_kmutex *m)
{
    m->Header.Type = NDISLOCK_OBJ_MUTEX;
    m->Header.Reserved[0] = m->Header.Reserved[1] = m->Header.Reserved[2] = 0;
    m->Header.SignalState = 1;      /* free */
    m->Header.WaitListHead = NULL;
    m->OwnerThread = 0;
}

static int32_t mutex_release(struct ndislock_kmutex *m, const char *call)
{
    pthread_mutex_t *mu = ndislock__dispatcher_lock(m);
    struct ndislock_wait_block *wb;
    int32_t prev;

    pthread_mutex_lock(mu);
    prev = m->Header.SignalState;
    if (prev > 0 || m->OwnerThread != ndislock_thread_id()) {
        pthread_mutex_unlock(mu);
        /* Windows raises STATUS_MUTANT_NOT_OWNED, a bug check in kernel mode */
        fprintf(stderr, "ndislock: %s of mutex %p, which the calling thread does not own "
                        "(Windows raises STATUS_MUTANT_NOT_OWNED)\n", call, (void *)m);
        abort();
    }
    if (++m->Header.SignalState == 1) {
        /* free now: straight to the first waiter, if any, which then holds it once */
        m->OwnerThread = 0;
        if ((wb = ndislock__waiter_pop(&m->Header)) != NULL) {
            m->OwnerThread = wb->thread;
            m->Header.SignalState = 0;
            ndislock__waiter_satisfy(wb);
        }
    }
    pthread_mutex_unlock(mu);
    return prev;
}

int32_t ndislock_mutex_release(struct ndislock_kmutex *m)
{
    NDISLOCK_CHECK_CALL(KeReleaseMutex);
    return mutex_release(m, "KeReleaseMutex");
}

int32_t ndislock_mutex_read(struct ndislock_kmutex *m)
{
    return __atomic_load_n(&m->Header.SignalState, __ATOMIC_RELAXED);
}

int32_t ndislock_ndis_mutex_wait(struct ndislock_kmutex *m)
{
    NDISLOCK_CHECK_WAIT(NDIS_WAIT_FOR_MUTEX, NDISLOCK_WAIT_FOREVER);
    return ndislock__wait_object(&m->Header, NULL);
}

void ndislock_ndis_mutex_release(struct ndislock_kmutex *m)
{
    NDISLOCK_CHECK_CALL(NDIS_RELEASE_MUTEX);
    (void)mutex_release(m, "NDIS_RELEASE_MUTEX");
}
