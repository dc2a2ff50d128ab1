/*
 * ndislock/wdk_ndis6.h - NDIS interrupts: NdisMRegisterInterruptEx and
 * friends (NDIS 6.x), NdisMQueueDpc(Ex), and the NDIS 5 interrupt names.  A
 * compatibility header: driver code gets it through <ndis.h>, which must be
 * included first.  (Timers: ndislock/wdk_timer.h; RW locks:
 * ndislock/wdk_rwlock.h.)
 */
#ifndef NDISLOCK_WDK_NDIS6_H
#define NDISLOCK_WDK_NDIS6_H

#ifndef NDISLOCK_NDIS_H
#error "include <ndis.h>, not <ndislock/wdk_ndis6.h>"
#endif

#include <ndislock/contexts.h>
#include <ndislock/harness.h>

#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Object header types and revisions ---- */

#define NDIS_OBJECT_TYPE_DEFAULT                    0x80
#define NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT         0x84
#define NDIS_MINIPORT_INTERRUPT_REVISION_1          1

/* ---- Interrupts (NDIS 6) ---- */

typedef enum _NDIS_INTERRUPT_TYPE {
    NDIS_CONNECT_LINE_BASED = 1,
    NDIS_CONNECT_MESSAGE_BASED
} NDIS_INTERRUPT_TYPE, *PNDIS_INTERRUPT_TYPE;

typedef struct _IO_INTERRUPT_MESSAGE_INFO IO_INTERRUPT_MESSAGE_INFO, *PIO_INTERRUPT_MESSAGE_INFO;

typedef BOOLEAN (MINIPORT_ISR)(NDIS_HANDLE MiniportInterruptContext,
                              PBOOLEAN QueueDefaultInterruptDpc, PULONG TargetProcessors);
typedef MINIPORT_ISR (*MINIPORT_ISR_HANDLER);
typedef VOID (MINIPORT_INTERRUPT_DPC)(NDIS_HANDLE MiniportInterruptContext,
                                      PVOID MiniportDpcContext, PVOID ReceiveThrottleParameters,
                                      PVOID NdisReserved2);
typedef MINIPORT_INTERRUPT_DPC (*MINIPORT_INTERRUPT_DPC_HANDLER);
typedef VOID (MINIPORT_DISABLE_INTERRUPT)(NDIS_HANDLE MiniportInterruptContext);
typedef MINIPORT_DISABLE_INTERRUPT (*MINIPORT_DISABLE_INTERRUPT_HANDLER);
typedef VOID (MINIPORT_ENABLE_INTERRUPT)(NDIS_HANDLE MiniportInterruptContext);
typedef MINIPORT_ENABLE_INTERRUPT (*MINIPORT_ENABLE_INTERRUPT_HANDLER);

typedef BOOLEAN (MINIPORT_MESSAGE_INTERRUPT)(NDIS_HANDLE MiniportInterruptContext, ULONG MessageId,
                                            PBOOLEAN QueueDefaultInterruptDpc,
                                            PULONG TargetProcessors);
typedef MINIPORT_MESSAGE_INTERRUPT (*MINIPORT_MSI_ISR_HANDLER);
typedef VOID (MINIPORT_MESSAGE_INTERRUPT_DPC)(NDIS_HANDLE MiniportInterruptContext,
                                              ULONG MessageId, PVOID MiniportDpcContext,
                                              PVOID ReceiveThrottleParameters,
                                              PVOID NdisReserved2);
typedef MINIPORT_MESSAGE_INTERRUPT_DPC (*MINIPORT_MSI_INTERRUPT_DPC_HANDLER);
typedef VOID (MINIPORT_DISABLE_MESSAGE_INTERRUPT)(NDIS_HANDLE MiniportInterruptContext,
                                                  ULONG MessageId);
typedef MINIPORT_DISABLE_MESSAGE_INTERRUPT (*MINIPORT_DISABLE_MSI_INTERRUPT_HANDLER);
typedef VOID (MINIPORT_ENABLE_MESSAGE_INTERRUPT)(NDIS_HANDLE MiniportInterruptContext,
                                                 ULONG MessageId);
typedef MINIPORT_ENABLE_MESSAGE_INTERRUPT (*MINIPORT_ENABLE_MSI_INTERRUPT_HANDLER);

typedef BOOLEAN (MINIPORT_SYNCHRONIZE_INTERRUPT)(NDIS_HANDLE SynchronizeContext);
typedef MINIPORT_SYNCHRONIZE_INTERRUPT (*MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER);
typedef MINIPORT_SYNCHRONIZE_INTERRUPT *PKSYNCHRONIZE_ROUTINE;

typedef struct _NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    MINIPORT_ISR_HANDLER InterruptHandler;
    MINIPORT_INTERRUPT_DPC_HANDLER InterruptDpcHandler;
    MINIPORT_DISABLE_INTERRUPT_HANDLER DisableInterruptHandler;
    MINIPORT_ENABLE_INTERRUPT_HANDLER EnableInterruptHandler;
    BOOLEAN MsiSupported;
    BOOLEAN MsiSyncWithAllMessages;
    MINIPORT_MSI_ISR_HANDLER MessageInterruptHandler;
    MINIPORT_MSI_INTERRUPT_DPC_HANDLER MessageInterruptDpcHandler;
    MINIPORT_DISABLE_MSI_INTERRUPT_HANDLER DisableMessageInterruptHandler;
    MINIPORT_ENABLE_MSI_INTERRUPT_HANDLER EnableMessageInterruptHandler;
    NDIS_INTERRUPT_TYPE InterruptType;          /* out */
    PIO_INTERRUPT_MESSAGE_INFO MessageInfoTable; /* out; NULL here */
} NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, *PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS;

#define NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1                   \
    ((USHORT)(FIELD_OFFSET(NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, MessageInfoTable) \
              + sizeof(PIO_INTERRUPT_MESSAGE_INFO)))

/* Over the native handler table (the handler types match exactly). */
FORCEINLINE NDIS_STATUS NdisMRegisterInterruptEx(
        NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportInterruptContext,
        PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS MiniportInterruptCharacteristics,
        PNDIS_HANDLE NdisInterruptHandle)
{
    PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS c = MiniportInterruptCharacteristics;
    struct ndislock_interrupt_handlers h;

    memset(&h, 0, sizeof(h));
    h.isr = c->InterruptHandler;
    h.dpc = c->InterruptDpcHandler;
    h.disable = c->DisableInterruptHandler;
    h.enable = c->EnableInterruptHandler;
    h.msi = c->MsiSupported;
    h.msg_isr = c->MessageInterruptHandler;
    h.msg_dpc = c->MessageInterruptDpcHandler;
    h.msg_disable = c->DisableMessageInterruptHandler;
    h.msg_enable = c->EnableMessageInterruptHandler;
    if (ndislock_interrupt_register(MiniportAdapterHandle, MiniportInterruptContext, &h,
                                    NdisInterruptHandle) != 0)
        return NDIS_STATUS_RESOURCES;
    c->InterruptType = c->MsiSupported ? NDIS_CONNECT_MESSAGE_BASED : NDIS_CONNECT_LINE_BASED;
    c->MessageInfoTable = NULL;
    return NDIS_STATUS_SUCCESS;
}

FORCEINLINE VOID NdisMDeregisterInterruptEx(NDIS_HANDLE NdisInterruptHandle)
{
    ndislock_interrupt_deregister(NdisInterruptHandle);
}

/* SynchronizeFunction's result; FALSE without running it if the handle is
 * not registered, or (verifier on) if called from the interrupt's own ISR or
 * synchronize callback, a self-deadlock on Windows. */
FORCEINLINE BOOLEAN NdisMSynchronizeWithInterruptEx(NDIS_HANDLE NdisInterruptHandle, ULONG MessageId,
                                                    MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER SynchronizeFunction,
                                                    PVOID SynchronizeContext)
{
    return ndislock_interrupt_synchronize(NdisInterruptHandle, MessageId, SynchronizeFunction,
                                          SynchronizeContext);
}

/* The processors a DPC was queued for now (not those where it already was). */
FORCEINLINE KAFFINITY NdisMQueueDpcEx(NDIS_HANDLE NdisInterruptHandle, ULONG MessageId,
                                      PGROUP_AFFINITY TargetProcessors, PVOID MiniportDpcContext)
{
    if (TargetProcessors->Group != 0)
        return 0;
    return (KAFFINITY)ndislock_interrupt_queue_dpc(NdisInterruptHandle, MessageId,
                                                   TargetProcessors->Mask, MiniportDpcContext);
}

FORCEINLINE ULONG NdisMQueueDpc(NDIS_HANDLE NdisInterruptHandle, ULONG MessageId,
                                ULONG TargetProcessors, PVOID MiniportDpcContext)
{
    return (ULONG)ndislock_interrupt_queue_dpc(NdisInterruptHandle, MessageId, TargetProcessors,
                                               MiniportDpcContext);
}

/* ---- Interrupts (NDIS 5) ---- */

typedef VOID (MINIPORT_ISR_NDIS5)(PBOOLEAN InterruptRecognized,
                                  PBOOLEAN QueueMiniportHandleInterrupt,
                                  NDIS_HANDLE MiniportAdapterContext);
typedef VOID (MINIPORT_HANDLE_INTERRUPT)(NDIS_HANDLE MiniportAdapterContext);

typedef enum _NDIS_INTERRUPT_MODE { NdisInterruptLevelSensitive, NdisInterruptLatched }
    NDIS_INTERRUPT_MODE, KINTERRUPT_MODE;

/* NDIS_MINIPORT_INTERRUPT: opaque to drivers; here it only carries the handle. */
typedef struct _NDIS_MINIPORT_INTERRUPT {
    NDIS_HANDLE InterruptObject;
} NDIS_MINIPORT_INTERRUPT, *PNDIS_MINIPORT_INTERRUPT;

FORCEINLINE NDIS_STATUS NdisMRegisterInterrupt(PNDIS_MINIPORT_INTERRUPT Interrupt,
                                               NDIS_HANDLE MiniportAdapterHandle,
                                               UINT InterruptVector, UINT InterruptLevel,
                                               BOOLEAN RequestIsr, BOOLEAN SharedInterrupt,
                                               NDIS_INTERRUPT_MODE InterruptMode)
{
    (void)InterruptVector;
    (void)InterruptLevel;
    (void)RequestIsr;
    (void)SharedInterrupt;
    (void)InterruptMode;
    return ndislock_interrupt_register_ndis5(MiniportAdapterHandle, &Interrupt->InterruptObject) == 0
               ? NDIS_STATUS_SUCCESS : NDIS_STATUS_RESOURCES;
}

FORCEINLINE VOID NdisMDeregisterInterrupt(PNDIS_MINIPORT_INTERRUPT Interrupt)
{
    ndislock_interrupt_deregister(Interrupt->InterruptObject);
}

/* SynchronizeFunction is a PVOID in the NDIS 5 prototype. */
FORCEINLINE BOOLEAN NdisMSynchronizeWithInterrupt(PNDIS_MINIPORT_INTERRUPT Interrupt,
                                                  PVOID SynchronizeFunction,
                                                  PVOID SynchronizeContext)
{
    return ndislock_interrupt_synchronize(
        Interrupt->InterruptObject, 0,
        (MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER)(uintptr_t)SynchronizeFunction, SynchronizeContext);
}

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_NDIS6_H */
