/*
 * ndislock/wdk_dpc.h - DPC objects (KDPC) with their Windows names.  DPC
 * routines run at DISPATCH_LEVEL on the library's DPC thread (docs/CONTEXTS.md).
 * A compatibility header: driver code gets it through <ndis.h>.
 */
#ifndef NDISLOCK_WDK_DPC_H
#define NDISLOCK_WDK_DPC_H

#ifndef NDISLOCK_NDIS_H
#error "include <ndis.h>, not <ndislock/wdk_dpc.h>"
#endif

#include <ndislock/contexts.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ndislock_dpc KDPC, *PKDPC, *PRKDPC;

typedef VOID KDEFERRED_ROUTINE(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1,
                               PVOID SystemArgument2);
typedef KDEFERRED_ROUTINE *PKDEFERRED_ROUTINE;

typedef enum _KDPC_IMPORTANCE {
    LowImportance, MediumImportance, HighImportance, MediumHighImportance
} KDPC_IMPORTANCE;

FORCEINLINE VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine,
                                 PVOID DeferredContext)
{
    ndislock_dpc_init(Dpc, DeferredRoutine, DeferredContext);
}

/* TRUE if queued now; FALSE if it already was (the arguments are then not changed). */
FORCEINLINE BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)
{
    return (BOOLEAN)ndislock_dpc_queue(Dpc, SystemArgument1, SystemArgument2);
}

/* TRUE if it was queued and now is not (its routine had not started). */
FORCEINLINE BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc)
{
    return (BOOLEAN)ndislock_dpc_dequeue(Dpc);
}

/* Returns once every DPC queued before the call has run.  PASSIVE_LEVEL. */
FORCEINLINE VOID KeFlushQueuedDpcs(VOID)
{
    ndislock_dpc_flush();
}

FORCEINLINE VOID KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance)
{
    ndislock_dpc_set_importance(Dpc, (unsigned)Importance);
}

FORCEINLINE VOID KeSetTargetProcessorDpc(PRKDPC Dpc, CCHAR Number)
{
    (void)ndislock_dpc_set_target(Dpc, (uint32_t)(UCHAR)Number);
}

/* STATUS_INVALID_PARAMETER if ProcNumber names no processor. */
FORCEINLINE NTSTATUS KeSetTargetProcessorDpcEx(PKDPC Dpc, PPROCESSOR_NUMBER ProcNumber)
{
    if (ProcNumber->Group != 0 || ndislock_dpc_set_target(Dpc, ProcNumber->Number) != 0)
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_DPC_H */
