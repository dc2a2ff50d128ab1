/*
 * ndislock/wdk_wait.h - events, mutexes, waits and delays with their Windows
 * names: KEVENT, KMUTEX, KeWaitForSingleObject, KeDelayExecutionThread,
 * NDIS_EVENT, NDIS_MUTEX, NdisMSleep, NdisStallExecution,
 * KeStallExecutionProcessor.  Semantics: ndislock/wait.h.  A compatibility
 * header: driver code gets it through <ndis.h>.
 */
#ifndef NDISLOCK_WDK_WAIT_H
#define NDISLOCK_WDK_WAIT_H

#ifndef NDISLOCK_NDIS_H
#error "include <ndis.h>, not <ndislock/wdk_wait.h>"
#endif

#include <ndislock/wait.h>
#include <ndislock/contexts.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;

typedef enum _KWAIT_REASON {
    Executive, FreePage, PageIn, PoolAllocation, DelayExecution, Suspended, UserRequest,
    WrExecutive, WrFreePage, WrPageIn, WrPoolAllocation, WrDelayExecution, WrSuspended,
    WrUserRequest
} KWAIT_REASON;

typedef CCHAR KPROCESSOR_MODE;
typedef enum _MODE { KernelMode, UserMode, MaximumMode } MODE;

typedef struct ndislock_dispatcher_header DISPATCHER_HEADER, *PDISPATCHER_HEADER;
typedef struct ndislock_kevent KEVENT, *PKEVENT, *PRKEVENT;
typedef struct ndislock_kmutex KMUTEX, *PKMUTEX, *PRKMUTEX, KMUTANT, *PKMUTANT, *PRKMUTANT;

/* ---- Events ---- */

FORCEINLINE VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    ndislock_event_init(Event, Type == SynchronizationEvent, State);
}

/* The previous state (nonzero: it was signaled).  Increment is a scheduling hint. */
FORCEINLINE LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    (void)Increment;
    return ndislock_event_set(Event, Wait);
}

FORCEINLINE LONG KeResetEvent(PRKEVENT Event)
{
    return ndislock_event_reset(Event);
}

FORCEINLINE VOID KeClearEvent(PRKEVENT Event)
{
    ndislock_event_clear(Event);
}

FORCEINLINE LONG KeReadStateEvent(PRKEVENT Event)
{
    return ndislock_event_read(Event);
}

/* ---- Mutexes ---- */

/* Level is not used (as on Windows since XP). */
FORCEINLINE VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level)
{
    (void)Level;
    ndislock_mutex_init(Mutex);
}

/* The previous state: 0 means the mutex is now free.  Wait changes only the allowed IRQL. */
FORCEINLINE LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait)
{
    (void)Wait;
    return ndislock_mutex_release(Mutex);
}

FORCEINLINE LONG KeReadStateMutex(PRKMUTEX Mutex)
{
    return ndislock_mutex_read(Mutex);
}

/* ---- Waits ---- */

/* Timeout: NULL waits forever, 0 polls, < 0 relative, > 0 absolute (100 ns units).
 * STATUS_SUCCESS or STATUS_TIMEOUT (waits are never alerted here). */
FORCEINLINE NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason,
                                           KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                           PLARGE_INTEGER Timeout)
{
    (void)WaitReason;
    (void)WaitMode;
    (void)Alertable;
    return ndislock_wait(Object, Timeout != NULL ? &Timeout->QuadPart : NULL);
}

/* A macro in wdm.h too. */
#define KeWaitForMutexObject KeWaitForSingleObject

FORCEINLINE NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                            PLARGE_INTEGER Interval)
{
    (void)WaitMode;
    (void)Alertable;
    return ndislock_delay(Interval != NULL ? &Interval->QuadPart : NULL);
}

/* A macro in wdm.h (it reads the shared user data page). */
#define KeQuerySystemTime(CurrentTime)                                          \
    ((void)((CurrentTime)->QuadPart = ndislock_system_time()))

/* The same clock (100 ns resolution here as well). */
FORCEINLINE VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime)
{
    CurrentTime->QuadPart = ndislock_system_time();
}

/* ---- NDIS events and mutexes ---- */

typedef struct _NDIS_EVENT {
    KEVENT Event;
} NDIS_EVENT, *PNDIS_EVENT;

/* A notification event, not signaled. */
FORCEINLINE VOID NdisInitializeEvent(PNDIS_EVENT Event)
{
    ndislock_ndis_event_init(&Event->Event);
}

FORCEINLINE VOID NdisSetEvent(PNDIS_EVENT Event)
{
    ndislock_ndis_event_set(&Event->Event);
}

FORCEINLINE VOID NdisResetEvent(PNDIS_EVENT Event)
{
    ndislock_ndis_event_reset(&Event->Event);
}

/* MsToWait = 0 waits forever.  TRUE if the event is signaled, FALSE on timeout. */
FORCEINLINE BOOLEAN NdisWaitEvent(PNDIS_EVENT Event, UINT MsToWait)
{
    return (BOOLEAN)ndislock_ndis_event_wait(&Event->Event, MsToWait);
}

typedef KMUTEX NDIS_MUTEX, *PNDIS_MUTEX;

#define NDIS_INIT_MUTEX(_M_)        KeInitializeMutex((_M_), 0xFFFF)
#define NDIS_WAIT_FOR_MUTEX(_M_)    ndislock_ndis_mutex_wait(_M_)
#define NDIS_RELEASE_MUTEX(_M_)     ndislock_ndis_mutex_release(_M_)

/* ---- Delays ---- */

/* At least MicrosecondsToSleep; PASSIVE_LEVEL only. */
FORCEINLINE VOID NdisMSleep(ULONG MicrosecondsToSleep)
{
    ndislock_sleep_us(MicrosecondsToSleep);
}

/* Busy-waits; any IRQL; the WDK's limit is 50 us (the verifier's STALL_TOO_LONG). */
FORCEINLINE VOID NdisStallExecution(UINT MicrosecondsToStall)
{
    ndislock_stall_us(MicrosecondsToStall);
}

FORCEINLINE VOID KeStallExecutionProcessor(ULONG MicroSeconds)
{
    ndislock_stall_processor_us(MicroSeconds);
}

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_WAIT_H */
