/*
 * The dispatcher: one wait loop for every waitable object, and
 * KeWaitForSingleObject / KeDelayExecutionThread on top of it.
 *
 * An object's state and its FIFO of waiters change only under the lock of
 * its bucket (objects hash onto 64 pthread mutexes, like Windows' dispatcher
 * lock, split).  A waiter that cannot be satisfied at once queues a wait
 * block from its own stack and sleeps on the block's futex word; whoever
 * satisfies it (a set, a release) takes it off the list, performs the
 * wait's side effect for it (consumes the synchronization event, hands over
 * the mutex) and wakes it, all under the lock.
 */
#define _GNU_SOURCE
#include "dispatch.h"

#include <errno.h>
#include <sched.h>
#include <time.h>

#include "core/events.h"
#include "lock/park.h"
#include "sched/sched.h"
#include "wait/due.h"

#define BUCKETS 64

static pthread_mutex_t buckets[BUCKETS] = { [0 ... BUCKETS - 1] = PTHREAD_MUTEX_INITIALIZER };

pthread_mutex_t *ndislock__dispatcher_lock(const void *obj)
{
    uintptr_t a = (uintptr_t)obj;

    return &buckets[((a >> 4) ^ (a >> 10)) % BUCKETS];
}

uint64_t ndislock_thread_id(void)
{
    static uint64_t last;
    static __thread uint64_t id;

    if (id == 0)
        id = __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
    return id;
}

struct ndislock_wait_block *ndislock__waiter_pop(struct ndislock_dispatcher_header *h)
{
    struct ndislock_wait_block *wb = h->WaitListHead;

    if (wb != NULL)
        h->WaitListHead = wb->next;
    return wb;
}

void ndislock__waiter_satisfy(struct ndislock_wait_block *wb)
{
    /* release: the waiter reads what the setter changed for it (mutex owner) */
    __atomic_store_n(&wb->state, 1u, __ATOMIC_RELEASE);
    ndislock__unpark(&wb->state, 1);
    ndislock__pct_notify(wb);       /* under sched=pct: it may run again */
}

/* The wait's side effect if the object is signaled now; 1 if satisfied.  Under the lock. */
static int try_satisfy(struct ndislock_dispatcher_header *h, uint64_t self)
{
    switch (h->Type) {
    case NDISLOCK_OBJ_EVENT_NOTIFICATION:
        return h->SignalState > 0;
    case NDISLOCK_OBJ_EVENT_SYNCHRONIZATION:
        if (h->SignalState <= 0)
            return 0;
        h->SignalState = 0;             /* auto-reset: this wait consumes it */
        return 1;
    default: {                          /* mutex: free, or ours (recursive) */
        struct ndislock_kmutex *m = (struct ndislock_kmutex *)h;
        if (h->SignalState > 0)
            m->OwnerThread = self;
        else if (m->OwnerThread != self)
            return 0;
        h->SignalState--;
        return 1;
    }
    }
}

static void unlink_waiter(struct ndislock_dispatcher_header *h, struct ndislock_wait_block *wb)
{
    struct ndislock_wait_block **pp = &h->WaitListHead;

    while (*pp != NULL && *pp != wb)
        pp = &(*pp)->next;
    if (*pp == wb)
        *pp = wb->next;
}

int32_t ndislock__wait_object(struct ndislock_dispatcher_header *h, const int64_t *timeout)
{
    pthread_mutex_t *mu = ndislock__dispatcher_lock(h);
    struct ndislock_wait_block wb = { NULL, 0, ndislock_thread_id() };
    struct ndislock_wait_block **tail;
    uint64_t deadline = 0;          /* 0: none */
    int poll = 0;

    if (timeout != NULL) {
        uint64_t rel = *timeout == 0 ? 0 : ndislock__due_rel_ns(*timeout);
        poll = rel == 0;            /* a zero timeout, or an absolute time already past */
        deadline = ndislock__deadline_after(rel);
    }
    pthread_mutex_lock(mu);
    if (try_satisfy(h, wb.thread)) {
        pthread_mutex_unlock(mu);
        return NDISLOCK_WAIT_SUCCESS;
    }
    if (poll) {
        pthread_mutex_unlock(mu);
        return NDISLOCK_WAIT_TIMEOUT;
    }
    for (tail = &h->WaitListHead; *tail != NULL; tail = &(*tail)->next)
        ;
    *tail = &wb;                    /* FIFO */
    pthread_mutex_unlock(mu);

    for (;;) {
        if (__atomic_load_n(&wb.state, __ATOMIC_ACQUIRE) == 1)
            break;
        if (deadline != 0 && ndislock__sched_now_ns() >= deadline) {
            pthread_mutex_lock(mu);
            if (wb.state == 1) {    /* satisfied just now: the wait succeeded after all */
                pthread_mutex_unlock(mu);
                return NDISLOCK_WAIT_SUCCESS;
            }
            unlink_waiter(h, &wb);
            pthread_mutex_unlock(mu);
            return NDISLOCK_WAIT_TIMEOUT;
        }
        /* under sched=pct the others run until a satisfy notifies wb or the
         * virtual deadline passes; else sleep on the word */
        if (!ndislock__pct_block(&wb, deadline))
            ndislock__park(&wb.state, 0, deadline);
    }
    /* The satisfier wakes wb under the lock: once we hold it, it is done with wb. */
    pthread_mutex_lock(mu);
    pthread_mutex_unlock(mu);
    return NDISLOCK_WAIT_SUCCESS;
}

int32_t ndislock_wait(void *object, const int64_t *timeout)
{
    NDISLOCK_CHECK_WAIT(KeWaitForSingleObject, ndislock__wait_arg(timeout));
    return ndislock__wait_object((struct ndislock_dispatcher_header *)object, timeout);
}

int32_t ndislock_delay(const int64_t *interval)
{
    uint64_t deadline;

    NDISLOCK_CHECK_WAIT(KeDelayExecutionThread, ndislock__wait_arg(interval));
    if (interval == NULL || *interval == 0) {
        ndislock_sched_yield();     /* a zero interval gives up the rest of the quantum */
        return NDISLOCK_WAIT_SUCCESS;
    }
    deadline = ndislock__deadline_after(ndislock__due_rel_ns(*interval));
    ndislock__sleep_until(deadline);
    return NDISLOCK_WAIT_SUCCESS;
}
