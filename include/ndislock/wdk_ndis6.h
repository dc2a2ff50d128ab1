/*
 * ndislock/wdk_ndis6.h - the WDK types of NDIS interrupts, timers and RW locks
 * (NDIS 6.x, plus the NDIS 5 interrupt names).  A compatibility header:
 * driver code gets it through <ndis.h>, which must be included first.
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
#define NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS      0x97
#define NDIS_MINIPORT_INTERRUPT_REVISION_1          1
#define NDIS_TIMER_CHARACTERISTICS_REVISION_1       1

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

/* NdisMRegisterInterruptEx, over the native table (handler types match exactly). */
static inline NDIS_STATUS ndislock__ndis_register_interrupt(
        NDIS_HANDLE adapter, NDIS_HANDLE ctx, PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS c,
        PNDIS_HANDLE handle)
{
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
    if (ndislock_interrupt_register(adapter, ctx, &h, handle) != 0)
        return NDIS_STATUS_RESOURCES;
    c->InterruptType = c->MsiSupported ? NDIS_CONNECT_MESSAGE_BASED : NDIS_CONNECT_LINE_BASED;
    c->MessageInfoTable = NULL;
    return NDIS_STATUS_SUCCESS;
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

static inline NDIS_STATUS ndislock__ndis_register_interrupt5(PNDIS_MINIPORT_INTERRUPT intr,
                                                             NDIS_HANDLE adapter)
{
    return ndislock_interrupt_register_ndis5(adapter, &intr->InterruptObject) == 0
               ? NDIS_STATUS_SUCCESS : NDIS_STATUS_RESOURCES;
}

/* ---- Timer objects ---- */

typedef VOID (NDIS_TIMER_FUNCTION)(PVOID SystemSpecific1, PVOID FunctionContext,
                                   PVOID SystemSpecific2, PVOID SystemSpecific3);
typedef NDIS_TIMER_FUNCTION *PNDIS_TIMER_FUNCTION;
typedef NDIS_TIMER_FUNCTION NETTIMERCALLBACK;

typedef struct _NDIS_TIMER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    ULONG AllocationTag;
    PNDIS_TIMER_FUNCTION TimerFunction;
    PVOID FunctionContext;
} NDIS_TIMER_CHARACTERISTICS, *PNDIS_TIMER_CHARACTERISTICS;

#define NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1                            \
    ((USHORT)(FIELD_OFFSET(NDIS_TIMER_CHARACTERISTICS, FunctionContext) + sizeof(PVOID)))

static inline NDIS_STATUS ndislock__ndis_alloc_timer(PNDIS_TIMER_CHARACTERISTICS c,
                                                     PNDIS_HANDLE timer)
{
    *timer = ndislock_timer_create(c->TimerFunction, c->FunctionContext);
    return *timer != NULL ? NDIS_STATUS_SUCCESS : NDIS_STATUS_RESOURCES;
}

static inline BOOLEAN ndislock__ndis_set_timer(NDIS_HANDLE timer, LONGLONG due, LONG period_ms,
                                               PVOID ctx)
{
    return (BOOLEAN)ndislock_timer_set((struct ndislock_timer *)timer, due, period_ms, ctx);
}

static inline BOOLEAN ndislock__ndis_cancel_timer(NDIS_HANDLE timer)
{
    return (BOOLEAN)ndislock_timer_cancel((struct ndislock_timer *)timer);
}

/* ---- RW locks (NDIS 6.20) ---- */

typedef struct ndislock_rwlock NDIS_RW_LOCK_EX, *PNDIS_RW_LOCK_EX;
typedef struct ndislock_rw_state LOCK_STATE_EX, *PLOCK_STATE_EX;

#define NDIS_RWL_AT_DISPATCH_LEVEL  NDISLOCK_RWL_AT_DISPATCH

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_NDIS6_H */
