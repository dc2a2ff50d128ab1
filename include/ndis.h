/*
 * <ndis.h> - the NDIS spin-lock facility and the IRQL model under it, for
 * driver code compiled unmodified on Linux.
 *
 * Every Windows name here maps onto the native ndislock_ API.  Each macro is
 * one expression or a do { } while (0) statement, so drivers can wrap them in
 * unbraced if/else.  Usable from C (C11) and C++.
 */
#ifndef NDISLOCK_NDIS_H
#define NDISLOCK_NDIS_H

#include <ndislock/wdk_types.h>
#include <ndislock/wdk_sal.h>
#include <ndislock/wdk_list.h>
#include <ndislock/ndislock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Types ---- */

typedef struct ndislock_ndis_spin NDIS_SPIN_LOCK, *PNDIS_SPIN_LOCK;
typedef struct ndislock_queue_node KSPIN_LOCK_QUEUE, *PKSPIN_LOCK_QUEUE;
typedef struct ndislock_queue_handle KLOCK_QUEUE_HANDLE, *PKLOCK_QUEUE_HANDLE;

typedef int NDIS_STATUS, *PNDIS_STATUS;
typedef PVOID NDIS_HANDLE, *PNDIS_HANDLE;
typedef ULONG NDIS_OID, *PNDIS_OID;
typedef LARGE_INTEGER NDIS_PHYSICAL_ADDRESS, *PNDIS_PHYSICAL_ADDRESS;

typedef struct _NDIS_OBJECT_HEADER {
    UCHAR Type;
    UCHAR Revision;
    USHORT Size;
} NDIS_OBJECT_HEADER, *PNDIS_OBJECT_HEADER;

#define STATUS_SUCCESS                 ((NTSTATUS)0x00000000L)
#define STATUS_PENDING                 ((NTSTATUS)0x00000103L)
#define STATUS_UNSUCCESSFUL            ((NTSTATUS)0xC0000001L)
#define STATUS_INVALID_PARAMETER       ((NTSTATUS)0xC000000DL)
#define STATUS_INSUFFICIENT_RESOURCES  ((NTSTATUS)0xC000009AL)
#define STATUS_NOT_SUPPORTED           ((NTSTATUS)0xC00000BBL)
#define NT_SUCCESS(Status)             (((NTSTATUS)(Status)) >= 0)

#define NDIS_STATUS_SUCCESS            ((NDIS_STATUS)STATUS_SUCCESS)
#define NDIS_STATUS_PENDING            ((NDIS_STATUS)STATUS_PENDING)
#define NDIS_STATUS_FAILURE            ((NDIS_STATUS)STATUS_UNSUCCESSFUL)
#define NDIS_STATUS_RESOURCES          ((NDIS_STATUS)STATUS_INSUFFICIENT_RESOURCES)
#define NDIS_STATUS_INVALID_PARAMETER  ((NDIS_STATUS)STATUS_INVALID_PARAMETER)
#define NDIS_STATUS_NOT_SUPPORTED      ((NDIS_STATUS)STATUS_NOT_SUPPORTED)
#define NDIS_STATUS_NOT_ACCEPTED       ((NDIS_STATUS)0x00010003L)

/* ---- IRQL ---- */

#define PASSIVE_LEVEL   NDISLOCK_PASSIVE_LEVEL
#define LOW_LEVEL       NDISLOCK_PASSIVE_LEVEL
#define APC_LEVEL       NDISLOCK_APC_LEVEL
#define DISPATCH_LEVEL  NDISLOCK_DISPATCH_LEVEL
#define HIGH_LEVEL      NDISLOCK_HIGH_LEVEL

#define KeGetCurrentIrql()                 ndislock_irql_current()
#define KeRaiseIrql(NewIrql, OldIrql)      ((void)(*(OldIrql) = ndislock_irql_raise(NewIrql)))
#define KeLowerIrql(NewIrql)               ndislock_irql_lower(NewIrql)
#define KeRaiseIrqlToDpcLevel()            ndislock_irql_raise(DISPATCH_LEVEL)
#define NDIS_CURRENT_IRQL()                ndislock_irql_current()
#define NDIS_RAISE_IRQL_TO_DISPATCH(pIrql) ((void)(*(pIrql) = ndislock_irql_raise(DISPATCH_LEVEL)))
#define NDIS_LOWER_IRQL(OldIrql, CurIrql)                                       \
    do {                                                                        \
        if ((OldIrql) != (CurIrql))                                             \
            ndislock_irql_lower(OldIrql);                                       \
    } while (0)

/* ---- Kernel spin locks ---- */

#define KeInitializeSpinLock(SpinLock)                                          \
    ndislock_spin_init((SpinLock), NDISLOCK_SITE_HERE(#SpinLock))
#define KeAcquireSpinLock(SpinLock, OldIrql)                                    \
    ((void)(*(OldIrql) = ndislock_spin_acquire(SpinLock)))
#define KeAcquireSpinLockRaiseToDpc(SpinLock)   ndislock_spin_acquire(SpinLock)
#define KeReleaseSpinLock(SpinLock, NewIrql)    ndislock_spin_release((SpinLock), (NewIrql))
#define KeAcquireSpinLockAtDpcLevel(SpinLock)   ndislock_spin_acquire_at_dpc(SpinLock)
#define KeReleaseSpinLockFromDpcLevel(SpinLock) ndislock_spin_release_from_dpc(SpinLock)
#define KeTryToAcquireSpinLockAtDpcLevel(SpinLock)                              \
    ((BOOLEAN)(ndislock_spin_try_at_dpc(SpinLock) != 0))
#define KeTestSpinLock(SpinLock)            ((BOOLEAN)(ndislock_spin_is_free(SpinLock) != 0))

#define KeAcquireInStackQueuedSpinLock(SpinLock, LockHandle)                    \
    ndislock_queued_acquire((SpinLock), (LockHandle))
#define KeReleaseInStackQueuedSpinLock(LockHandle) ndislock_queued_release(LockHandle)
#define KeAcquireInStackQueuedSpinLockAtDpcLevel(SpinLock, LockHandle)          \
    ndislock_queued_lock((SpinLock), (LockHandle))
#define KeReleaseInStackQueuedSpinLockFromDpcLevel(LockHandle)                  \
    ndislock_queued_unlock(LockHandle)

/* ---- NDIS spin locks (the seeds) ---- */

#define NdisAllocateSpinLock(SpinLock)                                          \
    ndislock_ndis_init((SpinLock), NDISLOCK_SITE_HERE(#SpinLock))
#define NdisFreeSpinLock(SpinLock)        ndislock_ndis_free(SpinLock)
#define NdisAcquireSpinLock(SpinLock)     ndislock_ndis_acquire(SpinLock)
#define NdisReleaseSpinLock(SpinLock)     ndislock_ndis_release(SpinLock)
#define NdisDprAcquireSpinLock(SpinLock)  ndislock_ndis_dpr_acquire(SpinLock)
#define NdisDprReleaseSpinLock(SpinLock)  ndislock_ndis_dpr_release(SpinLock)

/* ---- Interlocked ---- */

#define InterlockedIncrement(Addend)          ndislock_interlocked_increment(Addend)
#define InterlockedDecrement(Addend)          ndislock_interlocked_decrement(Addend)
#define InterlockedExchange(Target, Value)    ndislock_interlocked_exchange((Target), (Value))
#define InterlockedExchangeAdd(Addend, Value) ndislock_interlocked_exchange_add((Addend), (Value))
#define InterlockedCompareExchange(Destination, ExChange, Comperand)            \
    ndislock_interlocked_compare_exchange((Destination), (ExChange), (Comperand))

#define NdisInterlockedIncrement(Addend)      ndislock_interlocked_increment(Addend)
#define NdisInterlockedDecrement(Addend)      ndislock_interlocked_decrement(Addend)
#define NdisInterlockedAddUlong(Addend, Increment, Lock)                        \
    ndislock_interlocked_add_ulong((Addend), (Increment), &(Lock)->SpinLock)
#define NdisInterlockedAddLargeStatistic(Addend, Increment)                     \
    ndislock_interlocked_add_large(&(Addend)->QuadPart, (Increment))

#define NdisInitializeListHead(ListHead)      InitializeListHead(ListHead)
#define NdisInterlockedInsertHeadList(ListHead, ListEntry, Lock)                \
    ndislock_interlocked_insert_head((ListHead), (ListEntry), &(Lock)->SpinLock)
#define NdisInterlockedInsertTailList(ListHead, ListEntry, Lock)                \
    ndislock_interlocked_insert_tail((ListHead), (ListEntry), &(Lock)->SpinLock)
#define NdisInterlockedRemoveHeadList(ListHead, Lock)                           \
    ndislock_interlocked_remove_head((ListHead), &(Lock)->SpinLock)
#define NdisInterlockedPushEntryList(ListHead, ListEntry, Lock)                 \
    ndislock_interlocked_push((ListHead), (ListEntry), &(Lock)->SpinLock)
#define NdisInterlockedPopEntryList(ListHead, Lock)                             \
    ndislock_interlocked_pop((ListHead), &(Lock)->SpinLock)

#define ExInterlockedInsertHeadList(ListHead, ListEntry, Lock)                  \
    ndislock_interlocked_insert_head((ListHead), (ListEntry), (Lock))
#define ExInterlockedInsertTailList(ListHead, ListEntry, Lock)                  \
    ndislock_interlocked_insert_tail((ListHead), (ListEntry), (Lock))
#define ExInterlockedRemoveHeadList(ListHead, Lock)                             \
    ndislock_interlocked_remove_head((ListHead), (Lock))
#define ExInterlockedPushEntryList(ListHead, ListEntry, Lock)                   \
    ndislock_interlocked_push((ListHead), (ListEntry), (Lock))
#define ExInterlockedPopEntryList(ListHead, Lock)                               \
    ndislock_interlocked_pop((ListHead), (Lock))

/* ---- Debugging ---- */

#define ASSERT(exp)                                                             \
    ((void)((exp) ? 0 : (ndislock_assert_failed(#exp, __FILE__, __LINE__), 0)))
#define NT_ASSERT(exp)   ASSERT(exp)
#define ASSERTMSG(msg, exp)                                                     \
    ((void)((exp) ? 0 : (ndislock_assert_failed((msg), __FILE__, __LINE__), 0)))
#define DbgPrint         ndislock_dbg_print
#define KdPrint(args)    ((void)ndislock_dbg_print args)

#ifdef __cplusplus
}
#endif


/* ---- Interrupts, DPCs, timers, RW locks, delays (ndislock/contexts.h) ---- */

#include <ndislock/wdk_ndis6.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NdisMRegisterInterruptEx(MiniportAdapterHandle, MiniportInterruptContext, \
                                 MiniportInterruptCharacteristics, NdisInterruptHandle) \
    ndislock__ndis_register_interrupt((MiniportAdapterHandle), (MiniportInterruptContext), \
                                      (MiniportInterruptCharacteristics), (NdisInterruptHandle))
#define NdisMDeregisterInterruptEx(NdisInterruptHandle)                         \
    ndislock_interrupt_deregister(NdisInterruptHandle)
#define NdisMSynchronizeWithInterruptEx(NdisInterruptHandle, MessageId,         \
                                        SynchronizeFunction, SynchronizeContext) \
    ndislock_interrupt_synchronize((NdisInterruptHandle), (MessageId),          \
                                   (SynchronizeFunction), (SynchronizeContext))

/* NDIS 5: the ISR/HandleInterrupt come from the adapter (ndislock_harness_set_ndis5_handlers). */
#define NdisMRegisterInterrupt(Interrupt, MiniportAdapterHandle, InterruptVector, \
                               InterruptLevel, RequestIsr, SharedInterrupt, InterruptMode) \
    ndislock__ndis_register_interrupt5((Interrupt), (MiniportAdapterHandle))
#define NdisMDeregisterInterrupt(Interrupt)                                     \
    ndislock_interrupt_deregister((Interrupt)->InterruptObject)
#define NdisMSynchronizeWithInterrupt(Interrupt, SynchronizeFunction, SynchronizeContext) \
    ndislock_interrupt_synchronize((Interrupt)->InterruptObject, 0,             \
        (MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER)(SynchronizeFunction), (SynchronizeContext))

#define NdisAllocateTimerObject(NdisHandle, TimerCharacteristics, pTimerObject) \
    ((void)(NdisHandle), ndislock__ndis_alloc_timer((TimerCharacteristics), (pTimerObject)))
#define NdisSetTimerObject(TimerObject, DueTime, MillisecondsPeriod, FunctionContext) \
    ndislock__ndis_set_timer((TimerObject), (DueTime).QuadPart, (MillisecondsPeriod), \
                             (FunctionContext))
#define NdisCancelTimerObject(TimerObject)                                      \
    ndislock__ndis_cancel_timer(TimerObject)
#define NdisFreeTimerObject(TimerObject)                                        \
    ndislock_timer_free((struct ndislock_timer *)(TimerObject))
#define KeQuerySystemTime(CurrentTime)                                          \
    ((void)((CurrentTime)->QuadPart = ndislock_system_time()))

#define NdisAllocateRWLock(NdisHandle)   ((void)(NdisHandle), ndislock_rwlock_create())
#define NdisFreeRWLock(Lock)             ndislock_rwlock_free(Lock)
#define NdisAcquireRWLockRead(Lock, LockState, Flags)                           \
    ndislock_rwlock_read((Lock), (LockState), (Flags))
#define NdisAcquireRWLockWrite(Lock, LockState, Flags)                          \
    ndislock_rwlock_write((Lock), (LockState), (Flags))
#define NdisReleaseRWLock(Lock, LockState) ndislock_rwlock_release((Lock), (LockState))

#define NdisZeroMemory(Destination, Length)  ((void)memset((Destination), 0, (Length)))
#define NdisMoveMemory(Destination, Source, Length)                             \
    ((void)memmove((Destination), (Source), (Length)))

#define NdisMSleep(MicrosecondsToSleep)          ndislock_sleep_us(MicrosecondsToSleep)
#define NdisStallExecution(MicrosecondsToStall)  ndislock_stall_us(MicrosecondsToStall)
#define KeStallExecutionProcessor(MicroSeconds)  ndislock_stall_us(MicroSeconds)

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_NDIS_H */
