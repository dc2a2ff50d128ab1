/*
 * ndislock/wait.h - dispatcher objects and waits: events (KEVENT,
 * NDIS_EVENT), mutexes (KMUTEX, NDIS_MUTEX), KeWaitForSingleObject and
 * KeDelayExecutionThread.  Native API; driver code uses the Windows names of
 * ndislock/wdk_wait.h.  Docs: docs/CONTEXTS.md "Events and waits".
 *
 * Timeouts use the WDK's encoding everywhere: a pointer to a count of
 * 100 ns units; NULL waits forever, 0 polls, a negative value is relative to
 * now, a positive one an absolute system time (100 ns units since
 * 1601-01-01 UTC, the KeQuerySystemTime clock).
 *
 * Each object keeps its waiters in FIFO order on a list of wait blocks that
 * live on the waiting threads' stacks; a setter hands the object to waiters
 * directly (a synchronization event or a mutex is never seen free by a third
 * thread in between), the way the Windows dispatcher does.
 */
#ifndef NDISLOCK_WAIT_H
#define NDISLOCK_WAIT_H

#include <ndislock/irql.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Object types (DISPATCHER_HEADER.Type values of wdm.h's KOBJECTS). */
#define NDISLOCK_OBJ_EVENT_NOTIFICATION     0
#define NDISLOCK_OBJ_EVENT_SYNCHRONIZATION  1
#define NDISLOCK_OBJ_MUTEX                  2

/* Wait results (the NTSTATUS values). */
#define NDISLOCK_WAIT_SUCCESS   0x00000000
#define NDISLOCK_WAIT_TIMEOUT   0x00000102

struct ndislock_wait_block;

/* DISPATCHER_HEADER: what every waitable object starts with.  Field names
 * are the WDK's (drivers sometimes read Header.SignalState). */
struct ndislock_dispatcher_header {
    uint8_t Type;                           /* NDISLOCK_OBJ_* */
    uint8_t Reserved[3];
    int32_t SignalState;                    /* event: 1 signaled; mutex: 1 free, 1 - n held n times */
    struct ndislock_wait_block *WaitListHead;   /* FIFO of waiters; under the object's bucket lock */
};

/* KEVENT. */
struct ndislock_kevent {
    struct ndislock_dispatcher_header Header;
};

/* KMUTEX (KMUTANT): recursive for its owner. */
struct ndislock_kmutex {
    struct ndislock_dispatcher_header Header;
    uint64_t OwnerThread;                   /* ndislock_thread_id() of the owner, 0 if free */
};

/* A number that names the calling thread for as long as the process runs (never reused). */
NDISLOCK_API uint64_t ndislock_thread_id(void);

/* KeInitializeEvent (synchronization: auto-reset, wakes one waiter per set). */
NDISLOCK_API void ndislock_event_init(struct ndislock_kevent *e, int synchronization, int signaled);
/* KeSetEvent (wait: its Wait argument, which only changes the allowed IRQL):
 * the previous state.  A notification event wakes every waiter and stays
 * signaled; a synchronization event satisfies one waiter, or becomes
 * signaled if nobody waits. */
NDISLOCK_API int32_t ndislock_event_set(struct ndislock_kevent *e, int wait);
/* KeResetEvent (the previous state) / KeClearEvent. */
NDISLOCK_API int32_t ndislock_event_reset(struct ndislock_kevent *e);
NDISLOCK_API void ndislock_event_clear(struct ndislock_kevent *e);
/* KeReadStateEvent. */
NDISLOCK_API int32_t ndislock_event_read(struct ndislock_kevent *e);

/* KeInitializeMutex: free. */
NDISLOCK_API void ndislock_mutex_init(struct ndislock_kmutex *m);
/* KeReleaseMutex: the previous SignalState (0: now free).  The owner only. */
NDISLOCK_API int32_t ndislock_mutex_release(struct ndislock_kmutex *m);
/* KeReadStateMutex: the SignalState (1: free; 0 or less: held). */
NDISLOCK_API int32_t ndislock_mutex_read(struct ndislock_kmutex *m);

/* KeWaitForSingleObject / KeWaitForMutexObject on an event or mutex:
 * NDISLOCK_WAIT_SUCCESS or NDISLOCK_WAIT_TIMEOUT. */
NDISLOCK_API int32_t ndislock_wait(void *object, const int64_t *timeout);
/* KeDelayExecutionThread: sleeps for the interval (0: yields the CPU). */
NDISLOCK_API int32_t ndislock_delay(const int64_t *interval);

/* The NDIS wrappers (their own IRQL rules and report names). */
NDISLOCK_API void ndislock_ndis_event_init(struct ndislock_kevent *e);       /* NdisInitializeEvent */
NDISLOCK_API void ndislock_ndis_event_set(struct ndislock_kevent *e);        /* NdisSetEvent */
NDISLOCK_API void ndislock_ndis_event_reset(struct ndislock_kevent *e);      /* NdisResetEvent */
/* NdisWaitEvent: ms = 0 waits forever; 1 if the event was signaled, 0 on timeout. */
NDISLOCK_API int ndislock_ndis_event_wait(struct ndislock_kevent *e, uint32_t ms);
NDISLOCK_API int32_t ndislock_ndis_mutex_wait(struct ndislock_kmutex *m);    /* NDIS_WAIT_FOR_MUTEX */
NDISLOCK_API void ndislock_ndis_mutex_release(struct ndislock_kmutex *m);    /* NDIS_RELEASE_MUTEX */

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WAIT_H */
