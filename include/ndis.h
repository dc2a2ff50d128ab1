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
#define NT_SUCCESS(_Status)             (((NTSTATUS)(_Status)) >= 0)

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
#define KeRaiseIrql(_NewIrql, _OldIrql)      ((void)(*(_OldIrql) = ndislock_irql_raise(_NewIrql)))
#define KeLowerIrql(_NewIrql)               ndislock_irql_lower(_NewIrql)
#define KeRaiseIrqlToDpcLevel()            ndislock_irql_raise(DISPATCH_LEVEL)
#define NDIS_CURRENT_IRQL()                ndislock_irql_current()
#define NDIS_RAISE_IRQL_TO_DISPATCH(_pIrql) ((void)(*(_pIrql) = ndislock_irql_raise(DISPATCH_LEVEL)))
#define NDIS_LOWER_IRQL(_OldIrql, _CurIrql)                                     \
    do {                                                                        \
        if ((_OldIrql) != (_CurIrql))                                           \
            ndislock_irql_lower(_OldIrql);                                      \
    } while (0)

/* ---- Kernel spin locks ---- */

#define KeInitializeSpinLock(_SpinLock)                                         \
    ndislock_spin_init((_SpinLock), NDISLOCK_SITE_HERE(#_SpinLock))
#define KeAcquireSpinLock(_SpinLock, _OldIrql)                                  \
    ((void)(*(_OldIrql) = ndislock_spin_acquire(_SpinLock)))
#define KeAcquireSpinLockRaiseToDpc(_SpinLock)   ndislock_spin_acquire(_SpinLock)
#define KeReleaseSpinLock(_SpinLock, _NewIrql)    ndislock_spin_release((_SpinLock), (_NewIrql))
#define KeAcquireSpinLockAtDpcLevel(_SpinLock)   ndislock_spin_acquire_at_dpc(_SpinLock)
#define KeReleaseSpinLockFromDpcLevel(_SpinLock) ndislock_spin_release_from_dpc(_SpinLock)
#define KeTryToAcquireSpinLockAtDpcLevel(_SpinLock)                             \
    ((BOOLEAN)(ndislock_spin_try_at_dpc(_SpinLock) != 0))
#define KeTestSpinLock(_SpinLock)            ((BOOLEAN)(ndislock_spin_is_free(_SpinLock) != 0))

#define KeAcquireInStackQueuedSpinLock(_SpinLock, _LockHandle)                  \
    ndislock_queued_acquire((_SpinLock), (_LockHandle))
#define KeReleaseInStackQueuedSpinLock(_LockHandle) ndislock_queued_release(_LockHandle)
#define KeAcquireInStackQueuedSpinLockAtDpcLevel(_SpinLock, _LockHandle)        \
    ndislock_queued_lock((_SpinLock), (_LockHandle))
#define KeReleaseInStackQueuedSpinLockFromDpcLevel(_LockHandle)                 \
    ndislock_queued_unlock(_LockHandle)

/* ---- NDIS spin locks (the seeds) ---- */

#define NdisAllocateSpinLock(_SpinLock)                                         \
    ndislock_ndis_init((_SpinLock), NDISLOCK_SITE_HERE(#_SpinLock))
#define NdisFreeSpinLock(_SpinLock)        ndislock_ndis_free(_SpinLock)
#define NdisAcquireSpinLock(_SpinLock)     ndislock_ndis_acquire(_SpinLock)
#define NdisReleaseSpinLock(_SpinLock)     ndislock_ndis_release(_SpinLock)
#define NdisDprAcquireSpinLock(_SpinLock)  ndislock_ndis_dpr_acquire(_SpinLock)
#define NdisDprReleaseSpinLock(_SpinLock)  ndislock_ndis_dpr_release(_SpinLock)

/* ---- Interlocked ---- */

#define InterlockedIncrement(_Addend)          ndislock_interlocked_increment(_Addend)
#define InterlockedDecrement(_Addend)          ndislock_interlocked_decrement(_Addend)
#define InterlockedExchange(_Target, _Value)    ndislock_interlocked_exchange((_Target), (_Value))
#define InterlockedExchangeAdd(_Addend, _Value) ndislock_interlocked_exchange_add((_Addend), (_Value))
#define InterlockedCompareExchange(_Destination, _ExChange, _Comperand)         \
    ndislock_interlocked_compare_exchange((_Destination), (_ExChange), (_Comperand))

#define NdisInterlockedIncrement(_Addend)      ndislock_interlocked_increment(_Addend)
#define NdisInterlockedDecrement(_Addend)      ndislock_interlocked_decrement(_Addend)
#define NdisInterlockedAddUlong(_Addend, _Increment, _SpinLock)                 \
    ndislock_interlocked_add_ulong((_Addend), (_Increment), &(_SpinLock)->SpinLock)
#define NdisInterlockedAddLargeStatistic(_Addend, _Increment)                   \
    ndislock_interlocked_add_large(&(_Addend)->QuadPart, (_Increment))

#define NdisInitializeListHead(_ListHead)      InitializeListHead(_ListHead)
#define NdisInterlockedInsertHeadList(_ListHead, _ListEntry, _SpinLock)         \
    ndislock_interlocked_insert_head((_ListHead), (_ListEntry), &(_SpinLock)->SpinLock)
#define NdisInterlockedInsertTailList(_ListHead, _ListEntry, _SpinLock)         \
    ndislock_interlocked_insert_tail((_ListHead), (_ListEntry), &(_SpinLock)->SpinLock)
#define NdisInterlockedRemoveHeadList(_ListHead, _SpinLock)                     \
    ndislock_interlocked_remove_head((_ListHead), &(_SpinLock)->SpinLock)
#define NdisInterlockedPushEntryList(_ListHead, _ListEntry, _Lock)              \
    ndislock_interlocked_push((_ListHead), (_ListEntry), &(_Lock)->SpinLock)
#define NdisInterlockedPopEntryList(_ListHead, _Lock)                           \
    ndislock_interlocked_pop((_ListHead), &(_Lock)->SpinLock)

#define ExInterlockedInsertHeadList(_ListHead, _ListEntry, _Lock)               \
    ndislock_interlocked_insert_head((_ListHead), (_ListEntry), (_Lock))
#define ExInterlockedInsertTailList(_ListHead, _ListEntry, _Lock)               \
    ndislock_interlocked_insert_tail((_ListHead), (_ListEntry), (_Lock))
#define ExInterlockedRemoveHeadList(_ListHead, _Lock)                           \
    ndislock_interlocked_remove_head((_ListHead), (_Lock))
#define ExInterlockedPushEntryList(_ListHead, _ListEntry, _Lock)                \
    ndislock_interlocked_push((_ListHead), (_ListEntry), (_Lock))
#define ExInterlockedPopEntryList(_ListHead, _Lock)                             \
    ndislock_interlocked_pop((_ListHead), (_Lock))

/* ---- Debugging ---- */

#define ASSERT(_exp)                                                            \
    ((void)((_exp) ? 0 : (ndislock_assert_failed(#_exp, __FILE__, __LINE__), 0)))
#define NT_ASSERT(_exp)   ASSERT(_exp)
#define ASSERTMSG(_msg, _exp)                                                   \
    ((void)((_exp) ? 0 : (ndislock_assert_failed((_msg), __FILE__, __LINE__), 0)))
#define DbgPrint         ndislock_dbg_print
#define KdPrint(_args)    ((void)ndislock_dbg_print _args)

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
