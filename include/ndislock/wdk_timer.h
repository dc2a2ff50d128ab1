/*
 * ndislock/wdk_timer.h - NDIS 6 timer objects (NdisAllocateTimerObject ...)
 * and NDIS 5 timers (NDIS_TIMER, NDIS_MINIPORT_TIMER) with their Windows
 * names.  Callbacks run at DISPATCH_LEVEL on the library's timer thread
 * (docs/CONTEXTS.md).  A compatibility header: driver code gets it through
 * <ndis.h>.
 */
#ifndef NDISLOCK_WDK_TIMER_H
#define NDISLOCK_WDK_TIMER_H

#ifndef NDISLOCK_NDIS_H
#error "include <ndis.h>, not <ndislock/wdk_timer.h>"
#endif

#include <ndislock/contexts.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS      0x97
#define NDIS_TIMER_CHARACTERISTICS_REVISION_1       1

typedef VOID (NDIS_TIMER_FUNCTION)(PVOID SystemSpecific1, PVOID FunctionContext,
                                   PVOID SystemSpecific2, PVOID SystemSpecific3);
typedef NDIS_TIMER_FUNCTION *PNDIS_TIMER_FUNCTION;
typedef NDIS_TIMER_FUNCTION NETTIMERCALLBACK;

/* ---- NDIS 6 timer objects ---- */

typedef struct _NDIS_TIMER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    ULONG AllocationTag;
    PNDIS_TIMER_FUNCTION TimerFunction;
    PVOID FunctionContext;
} NDIS_TIMER_CHARACTERISTICS, *PNDIS_TIMER_CHARACTERISTICS;

#define NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1                            \
    ((USHORT)(FIELD_OFFSET(NDIS_TIMER_CHARACTERISTICS, FunctionContext) + sizeof(PVOID)))

FORCEINLINE NDIS_STATUS NdisAllocateTimerObject(NDIS_HANDLE NdisHandle,
                                                PNDIS_TIMER_CHARACTERISTICS TimerCharacteristics,
                                                PNDIS_HANDLE pTimerObject)
{
    (void)NdisHandle;
    *pTimerObject = ndislock_timer_create(TimerCharacteristics->TimerFunction,
                                          TimerCharacteristics->FunctionContext);
    return *pTimerObject != NULL ? NDIS_STATUS_SUCCESS : NDIS_STATUS_RESOURCES;
}

/* DueTime < 0 relative, >= 0 absolute (100 ns units); TRUE if it was already queued. */
FORCEINLINE BOOLEAN NdisSetTimerObject(NDIS_HANDLE TimerObject, LARGE_INTEGER DueTime,
                                       LONG MillisecondsPeriod, PVOID FunctionContext)
{
    return (BOOLEAN)ndislock_timer_set((struct ndislock_timer *)TimerObject, DueTime.QuadPart,
                                       MillisecondsPeriod, FunctionContext);
}

/* TRUE if it was queued.  A periodic timer: PASSIVE_LEVEL, waits for a running callback. */
FORCEINLINE BOOLEAN NdisCancelTimerObject(NDIS_HANDLE TimerObject)
{
    return (BOOLEAN)ndislock_timer_cancel((struct ndislock_timer *)TimerObject);
}

FORCEINLINE VOID NdisFreeTimerObject(NDIS_HANDLE TimerObject)
{
    ndislock_timer_free((struct ndislock_timer *)TimerObject);
}

/* ---- NDIS 5 timers (the driver's storage) ---- */

typedef struct _NDIS_TIMER {
    struct ndislock_timer Timer;
} NDIS_TIMER, *PNDIS_TIMER;

typedef struct _NDIS_MINIPORT_TIMER {
    struct ndislock_timer Timer;
} NDIS_MINIPORT_TIMER, *PNDIS_MINIPORT_TIMER;

/* A delay in ms as a relative due time. */
#define NDISLOCK__MS_DUE(ms) (-(LONGLONG)(ms) * 10000)

FORCEINLINE VOID NdisInitializeTimer(PNDIS_TIMER Timer, PNDIS_TIMER_FUNCTION TimerFunction,
                                     PVOID FunctionContext)
{
    ndislock_timer_init(&Timer->Timer, TimerFunction, FunctionContext, NDISLOCK_TIMER_NDIS5);
}

FORCEINLINE VOID NdisSetTimer(PNDIS_TIMER Timer, UINT MillisecondsToDelay)
{
    (void)ndislock_timer_set(&Timer->Timer, NDISLOCK__MS_DUE(MillisecondsToDelay), 0, NULL);
}

/* The same, with a new FunctionContext for the callback. */
FORCEINLINE VOID NdisSetTimerEx(PNDIS_TIMER Timer, UINT MillisecondsToDelay, PVOID FunctionContext)
{
    (void)ndislock_timer_set(&Timer->Timer, NDISLOCK__MS_DUE(MillisecondsToDelay), 0,
                             FunctionContext);
}

/* *TimerCancelled: TRUE if it was queued, FALSE if not set or already fired. */
FORCEINLINE VOID NdisCancelTimer(PNDIS_TIMER Timer, PBOOLEAN TimerCancelled)
{
    *TimerCancelled = (BOOLEAN)ndislock_timer_cancel(&Timer->Timer);
}

FORCEINLINE VOID NdisMInitializeTimer(PNDIS_MINIPORT_TIMER Timer, NDIS_HANDLE MiniportAdapterHandle,
                                      PNDIS_TIMER_FUNCTION TimerFunction, PVOID FunctionContext)
{
    (void)MiniportAdapterHandle;
    ndislock_timer_init(&Timer->Timer, TimerFunction, FunctionContext,
                        NDISLOCK_TIMER_NDIS5_MINIPORT);
}

FORCEINLINE VOID NdisMSetTimer(PNDIS_MINIPORT_TIMER Timer, UINT MillisecondsToDelay)
{
    (void)ndislock_timer_set(&Timer->Timer, NDISLOCK__MS_DUE(MillisecondsToDelay), 0, NULL);
}

/* First expiry after MillisecondPeriod, then every MillisecondPeriod. */
FORCEINLINE VOID NdisMSetPeriodicTimer(PNDIS_MINIPORT_TIMER Timer, UINT MillisecondPeriod)
{
    (void)ndislock_timer_set(&Timer->Timer, NDISLOCK__MS_DUE(MillisecondPeriod),
                             (int32_t)MillisecondPeriod, NULL);
}

FORCEINLINE VOID NdisMCancelTimer(PNDIS_MINIPORT_TIMER Timer, PBOOLEAN TimerCancelled)
{
    *TimerCancelled = (BOOLEAN)ndislock_timer_cancel(&Timer->Timer);
}

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_TIMER_H */
