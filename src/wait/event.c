/* Events: KEVENT (notification and synchronization) and the NDIS_EVENT calls over it. */
#include "dispatch.h"

#include "core/events.h"

void ndislock_event_init(struct ndislock_kevent *e, int synchronization, int signaled)
{
    e->Header.Type = synchronization ? NDISLOCK_OBJ_EVENT_SYNCHRONIZATION
                                     : NDISLOCK_OBJ_EVENT_NOTIFICATION;
    e->Header.Reserved[0] = e->Header.Reserved[1] = e->Header.Reserved[2] = 0;
    e->Header.SignalState = signaled ? 1 : 0;
    e->Header.WaitListHead = NULL;
}

static int32_t event_set(struct ndislock_kevent *e)
{
    pthread_mutex_t *mu = ndislock__dispatcher_lock(e);
    struct ndislock_wait_block *wb;
    int32_t prev;

    pthread_mutex_lock(mu);
    prev = e->Header.SignalState;
    if (e->Header.Type == NDISLOCK_OBJ_EVENT_SYNCHRONIZATION) {
        /* one wait satisfied by this set (the event is consumed at once), or signaled */
        if ((wb = ndislock__waiter_pop(&e->Header)) != NULL)
            ndislock__waiter_satisfy(wb);
        else
            e->Header.SignalState = 1;
    } else {
        e->Header.SignalState = 1;  /* stays signaled: every waiter, now and later, passes */
        while ((wb = ndislock__waiter_pop(&e->Header)) != NULL)
            ndislock__waiter_satisfy(wb);
    }
    pthread_mutex_unlock(mu);
    return prev;
}

static int32_t event_reset(struct ndislock_kevent *e)
{
    pthread_mutex_t *mu = ndislock__dispatcher_lock(e);
    int32_t prev;

    pthread_mutex_lock(mu);
    prev = e->Header.SignalState;
    e->Header.SignalState = 0;
    pthread_mutex_unlock(mu);
    return prev;
}

int32_t ndislock_event_set(struct ndislock_kevent *e, int wait)
{
    if (wait)
        NDISLOCK_CHECK_CALL(KeSetEventWait);    /* Wait = TRUE: <= APC_LEVEL */
    else
        NDISLOCK_CHECK_CALL(KeSetEvent);
    return event_set(e);
}

int32_t ndislock_event_reset(struct ndislock_kevent *e)
{
    NDISLOCK_CHECK_CALL(KeResetEvent);
    return event_reset(e);
}

void ndislock_event_clear(struct ndislock_kevent *e)
{
    NDISLOCK_CHECK_CALL(KeClearEvent);
    (void)event_reset(e);
}

int32_t ndislock_event_read(struct ndislock_kevent *e)
{
    NDISLOCK_CHECK_CALL(KeReadStateEvent);
    return __atomic_load_n(&e->Header.SignalState, __ATOMIC_RELAXED);
}

void ndislock_ndis_event_init(struct ndislock_kevent *e)
{
    ndislock_event_init(e, 0, 0);   /* NdisInitializeEvent: a notification event, not signaled */
}

void ndislock_ndis_event_set(struct ndislock_kevent *e)
{
    NDISLOCK_CHECK_CALL(NdisSetEvent);
    (void)event_set(e);
}

void ndislock_ndis_event_reset(struct ndislock_kevent *e)
{
    NDISLOCK_CHECK_CALL(NdisResetEvent);
    (void)event_reset(e);
}

int ndislock_ndis_event_wait(struct ndislock_kevent *e, uint32_t ms)
{
    int64_t t = -(int64_t)ms * 10000;

    NDISLOCK_CHECK_WAIT(NdisWaitEvent, ms ? t : NDISLOCK_WAIT_FOREVER);
    return ndislock__wait_object(&e->Header, ms ? &t : NULL) == NDISLOCK_WAIT_SUCCESS;
}
