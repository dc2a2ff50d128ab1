/*
 * Every exported WDK function of SPEC §1 with its WDK prototype:
 * X(return type, name, (parameter types)).  The compile tests assign each
 * to a pointer of exactly that type (so the prototype must match the WDK's
 * and the name must be a real function whose address can be taken), from
 * C and from C++.
 */
#define API_FUNCTIONS(X)                                                        \
    /* IRQL */                                                                  \
    X(KIRQL, KeGetCurrentIrql, (VOID))                                          \
    X(KIRQL, KfRaiseIrql, (KIRQL))                                              \
    X(VOID, KeLowerIrql, (KIRQL))                                               \
    X(KIRQL, KeRaiseIrqlToDpcLevel, (VOID))                                     \
    X(KIRQL, KeRaiseIrqlToSynchLevel, (VOID))                                   \
    /* kernel spin locks */                                                     \
    X(VOID, KeInitializeSpinLock, (PKSPIN_LOCK))                                \
    X(KIRQL, KeAcquireSpinLockRaiseToDpc, (PKSPIN_LOCK))                        \
    X(VOID, KeReleaseSpinLock, (PKSPIN_LOCK, KIRQL))                            \
    X(VOID, KeAcquireSpinLockAtDpcLevel, (PKSPIN_LOCK))                         \
    X(VOID, KeReleaseSpinLockFromDpcLevel, (PKSPIN_LOCK))                       \
    X(BOOLEAN, KeTryToAcquireSpinLockAtDpcLevel, (PKSPIN_LOCK))                 \
    X(BOOLEAN, KeTestSpinLock, (PKSPIN_LOCK))                                   \
    X(KIRQL, KeAcquireSpinLockRaiseToSynch, (PKSPIN_LOCK))                      \
    X(KIRQL, KeAcquireSpinLockForDpc, (PKSPIN_LOCK))                            \
    X(VOID, KeReleaseSpinLockForDpc, (PKSPIN_LOCK, KIRQL))                      \
    X(VOID, KeAcquireInStackQueuedSpinLock, (PKSPIN_LOCK, PKLOCK_QUEUE_HANDLE)) \
    X(VOID, KeReleaseInStackQueuedSpinLock, (PKLOCK_QUEUE_HANDLE))              \
    X(VOID, KeAcquireInStackQueuedSpinLockAtDpcLevel, (PKSPIN_LOCK, PKLOCK_QUEUE_HANDLE)) \
    X(VOID, KeReleaseInStackQueuedSpinLockFromDpcLevel, (PKLOCK_QUEUE_HANDLE))  \
    X(VOID, KeAcquireInStackQueuedSpinLockForDpc, (PKSPIN_LOCK, PKLOCK_QUEUE_HANDLE)) \
    X(VOID, KeReleaseInStackQueuedSpinLockForDpc, (PKLOCK_QUEUE_HANDLE))        \
    X(VOID, KeAcquireInStackQueuedSpinLockRaiseToSynch, (PKSPIN_LOCK, PKLOCK_QUEUE_HANDLE)) \
    X(VOID, IoAcquireCancelSpinLock, (PKIRQL))                                  \
    X(VOID, IoReleaseCancelSpinLock, (KIRQL))                                   \
    X(KIRQL, KeAcquireInterruptSpinLock, (PKINTERRUPT))                         \
    X(VOID, KeReleaseInterruptSpinLock, (PKINTERRUPT, KIRQL))                   \
    /* NDIS spin locks */                                                       \
    X(VOID, NdisAllocateSpinLock, (PNDIS_SPIN_LOCK))                            \
    X(VOID, NdisFreeSpinLock, (PNDIS_SPIN_LOCK))                                \
    X(VOID, NdisAcquireSpinLock, (PNDIS_SPIN_LOCK))                             \
    X(VOID, NdisReleaseSpinLock, (PNDIS_SPIN_LOCK))                             \
    X(VOID, NdisDprAcquireSpinLock, (PNDIS_SPIN_LOCK))                          \
    X(VOID, NdisDprReleaseSpinLock, (PNDIS_SPIN_LOCK))                          \
    /* RW locks */                                                              \
    X(PNDIS_RW_LOCK_EX, NdisAllocateRWLock, (NDIS_HANDLE))                      \
    X(VOID, NdisFreeRWLock, (PNDIS_RW_LOCK_EX))                                 \
    X(VOID, NdisAcquireRWLockRead, (PNDIS_RW_LOCK_EX, PLOCK_STATE_EX, UCHAR))   \
    X(VOID, NdisAcquireRWLockWrite, (PNDIS_RW_LOCK_EX, PLOCK_STATE_EX, UCHAR))  \
    X(VOID, NdisReleaseRWLock, (PNDIS_RW_LOCK_EX, PLOCK_STATE_EX))              \
    X(VOID, NdisInitializeReadWriteLock, (PNDIS_RW_LOCK))                       \
    X(VOID, NdisAcquireReadWriteLock, (PNDIS_RW_LOCK, BOOLEAN, PLOCK_STATE))    \
    X(VOID, NdisReleaseReadWriteLock, (PNDIS_RW_LOCK, PLOCK_STATE))             \
    X(VOID, NdisDprAcquireReadWriteLock, (PNDIS_RW_LOCK, BOOLEAN, PLOCK_STATE)) \
    X(VOID, NdisDprReleaseReadWriteLock, (PNDIS_RW_LOCK, PLOCK_STATE))          \
    X(KIRQL, ExAcquireSpinLockShared, (PEX_SPIN_LOCK))                          \
    X(VOID, ExReleaseSpinLockShared, (PEX_SPIN_LOCK, KIRQL))                    \
    X(KIRQL, ExAcquireSpinLockExclusive, (PEX_SPIN_LOCK))                       \
    X(VOID, ExReleaseSpinLockExclusive, (PEX_SPIN_LOCK, KIRQL))                 \
    X(VOID, ExAcquireSpinLockSharedAtDpcLevel, (PEX_SPIN_LOCK))                 \
    X(VOID, ExReleaseSpinLockSharedFromDpcLevel, (PEX_SPIN_LOCK))               \
    X(VOID, ExAcquireSpinLockExclusiveAtDpcLevel, (PEX_SPIN_LOCK))              \
    X(VOID, ExReleaseSpinLockExclusiveFromDpcLevel, (PEX_SPIN_LOCK))            \
    X(LOGICAL, ExTryConvertSharedSpinLockExclusive, (PEX_SPIN_LOCK))            \
    /* Interlocked (plain forms; the fence forms are checked in the test body) */ \
    X(LONG, InterlockedIncrement, (LONG volatile *))                            \
    X(LONG, InterlockedDecrement, (LONG volatile *))                            \
    X(LONG, InterlockedExchange, (LONG volatile *, LONG))                       \
    X(LONG, InterlockedExchangeAdd, (LONG volatile *, LONG))                    \
    X(LONG, InterlockedAdd, (LONG volatile *, LONG))                            \
    X(LONG, InterlockedCompareExchange, (LONG volatile *, LONG, LONG))          \
    X(LONG, InterlockedAnd, (LONG volatile *, LONG))                            \
    X(LONG, InterlockedOr, (LONG volatile *, LONG))                             \
    X(LONG, InterlockedXor, (LONG volatile *, LONG))                            \
    X(LONG64, InterlockedIncrement64, (LONG64 volatile *))                      \
    X(LONG64, InterlockedDecrement64, (LONG64 volatile *))                      \
    X(LONG64, InterlockedExchange64, (LONG64 volatile *, LONG64))               \
    X(LONG64, InterlockedExchangeAdd64, (LONG64 volatile *, LONG64))            \
    X(LONG64, InterlockedAdd64, (LONG64 volatile *, LONG64))                    \
    X(LONG64, InterlockedCompareExchange64, (LONG64 volatile *, LONG64, LONG64)) \
    X(LONG64, InterlockedAnd64, (LONG64 volatile *, LONG64))                    \
    X(LONG64, InterlockedOr64, (LONG64 volatile *, LONG64))                     \
    X(LONG64, InterlockedXor64, (LONG64 volatile *, LONG64))                    \
    X(CHAR, InterlockedAnd8, (CHAR volatile *, CHAR))                           \
    X(CHAR, InterlockedOr8, (CHAR volatile *, CHAR))                            \
    X(CHAR, InterlockedXor8, (CHAR volatile *, CHAR))                           \
    X(CHAR, InterlockedExchange8, (CHAR volatile *, CHAR))                      \
    X(SHORT, InterlockedAnd16, (SHORT volatile *, SHORT))                       \
    X(SHORT, InterlockedOr16, (SHORT volatile *, SHORT))                        \
    X(SHORT, InterlockedXor16, (SHORT volatile *, SHORT))                       \
    X(SHORT, InterlockedExchange16, (SHORT volatile *, SHORT))                  \
    X(SHORT, InterlockedIncrement16, (SHORT volatile *))                        \
    X(SHORT, InterlockedDecrement16, (SHORT volatile *))                        \
    X(SHORT, InterlockedCompareExchange16, (SHORT volatile *, SHORT, SHORT))    \
    X(PVOID, InterlockedExchangePointer, (PVOID volatile *, PVOID))             \
    X(PVOID, InterlockedCompareExchangePointer, (PVOID volatile *, PVOID, PVOID)) \
    X(SIZE_T, InterlockedExchangeAddSizeT, (SIZE_T volatile *, SIZE_T))         \
    X(SIZE_T, InterlockedIncrementSizeT, (SIZE_T volatile *))                   \
    X(SIZE_T, InterlockedDecrementSizeT, (SIZE_T volatile *))                   \
    X(BOOLEAN, InterlockedBitTestAndSet, (LONG volatile *, LONG))               \
    X(BOOLEAN, InterlockedBitTestAndReset, (LONG volatile *, LONG))             \
    X(BOOLEAN, InterlockedBitTestAndSet64, (LONG64 volatile *, LONG64))         \
    X(BOOLEAN, InterlockedBitTestAndReset64, (LONG64 volatile *, LONG64))       \
    X(VOID, KeMemoryBarrier, (VOID))                                            \
    X(VOID, KeMemoryBarrierWithoutFence, (VOID))                                \
    X(VOID, MemoryBarrier, (VOID))                                              \
    X(LONG, NdisInterlockedIncrement, (LONG volatile *))                        \
    X(LONG, NdisInterlockedDecrement, (LONG volatile *))                        \
    X(VOID, NdisInterlockedAddUlong, (PULONG, ULONG, PNDIS_SPIN_LOCK))          \
    X(VOID, NdisInterlockedAddLargeStatistic, (PLARGE_INTEGER, ULONG))          \
    X(PLIST_ENTRY, NdisInterlockedInsertHeadList, (PLIST_ENTRY, PLIST_ENTRY, PNDIS_SPIN_LOCK)) \
    X(PLIST_ENTRY, NdisInterlockedInsertTailList, (PLIST_ENTRY, PLIST_ENTRY, PNDIS_SPIN_LOCK)) \
    X(PLIST_ENTRY, NdisInterlockedRemoveHeadList, (PLIST_ENTRY, PNDIS_SPIN_LOCK)) \
    X(PSINGLE_LIST_ENTRY, NdisInterlockedPushEntryList,                         \
      (PSINGLE_LIST_ENTRY, PSINGLE_LIST_ENTRY, PNDIS_SPIN_LOCK))                \
    X(PSINGLE_LIST_ENTRY, NdisInterlockedPopEntryList, (PSINGLE_LIST_ENTRY, PNDIS_SPIN_LOCK)) \
    X(ULONG, ExInterlockedAddUlong, (PULONG, ULONG, PKSPIN_LOCK))               \
    X(LARGE_INTEGER, ExInterlockedAddLargeInteger, (PLARGE_INTEGER, LARGE_INTEGER, PKSPIN_LOCK)) \
    X(VOID, ExInterlockedAddLargeStatistic, (PLARGE_INTEGER, ULONG))            \
    X(LONGLONG, ExInterlockedCompareExchange64,                                 \
      (LONGLONG volatile *, PLONGLONG, PLONGLONG, PKSPIN_LOCK))                 \
    X(PLIST_ENTRY, ExInterlockedInsertHeadList, (PLIST_ENTRY, PLIST_ENTRY, PKSPIN_LOCK)) \
    X(PLIST_ENTRY, ExInterlockedInsertTailList, (PLIST_ENTRY, PLIST_ENTRY, PKSPIN_LOCK)) \
    X(PLIST_ENTRY, ExInterlockedRemoveHeadList, (PLIST_ENTRY, PKSPIN_LOCK))     \
    X(PSINGLE_LIST_ENTRY, ExInterlockedPushEntryList,                           \
      (PSINGLE_LIST_ENTRY, PSINGLE_LIST_ENTRY, PKSPIN_LOCK))                    \
    X(PSINGLE_LIST_ENTRY, ExInterlockedPopEntryList, (PSINGLE_LIST_ENTRY, PKSPIN_LOCK)) \
    /* SLists */                                                                \
    X(VOID, InitializeSListHead, (PSLIST_HEADER))                               \
    X(VOID, ExInitializeSListHead, (PSLIST_HEADER))                             \
    X(PSLIST_ENTRY, InterlockedPushEntrySList, (PSLIST_HEADER, PSLIST_ENTRY))   \
    X(PSLIST_ENTRY, InterlockedPopEntrySList, (PSLIST_HEADER))                  \
    X(PSLIST_ENTRY, InterlockedFlushSList, (PSLIST_HEADER))                     \
    X(USHORT, QueryDepthSList, (PSLIST_HEADER))                                 \
    X(USHORT, ExQueryDepthSList, (PSLIST_HEADER))                               \
    X(PSLIST_ENTRY, FirstEntrySList, (PSLIST_HEADER))                           \
    X(PSLIST_ENTRY, ExInterlockedPushEntrySList, (PSLIST_HEADER, PSLIST_ENTRY, PKSPIN_LOCK)) \
    X(PSLIST_ENTRY, ExInterlockedPopEntrySList, (PSLIST_HEADER, PKSPIN_LOCK))   \
    X(PSLIST_ENTRY, ExInterlockedFlushSList, (PSLIST_HEADER))                   \
    X(VOID, NdisInitializeSListHead, (PSLIST_HEADER))                           \
    X(PSLIST_ENTRY, NdisInterlockedPushEntrySList, (PSLIST_HEADER, PSLIST_ENTRY, PNDIS_SPIN_LOCK)) \
    X(PSLIST_ENTRY, NdisInterlockedPopEntrySList, (PSLIST_HEADER, PNDIS_SPIN_LOCK)) \
    X(PSLIST_ENTRY, NdisInterlockedFlushSList, (PSLIST_HEADER))                 \
    X(USHORT, NdisQueryDepthSList, (PSLIST_HEADER))                             \
    /* lists */                                                                 \
    X(VOID, InitializeListHead, (PLIST_ENTRY))                                  \
    X(BOOLEAN, IsListEmpty, (const LIST_ENTRY *))                               \
    X(BOOLEAN, RemoveEntryList, (PLIST_ENTRY))                                  \
    X(PLIST_ENTRY, RemoveHeadList, (PLIST_ENTRY))                               \
    X(PLIST_ENTRY, RemoveTailList, (PLIST_ENTRY))                               \
    X(VOID, InsertHeadList, (PLIST_ENTRY, PLIST_ENTRY))                         \
    X(VOID, InsertTailList, (PLIST_ENTRY, PLIST_ENTRY))                         \
    X(VOID, AppendTailList, (PLIST_ENTRY, PLIST_ENTRY))                         \
    X(VOID, PushEntryList, (PSINGLE_LIST_ENTRY, PSINGLE_LIST_ENTRY))            \
    X(PSINGLE_LIST_ENTRY, PopEntryList, (PSINGLE_LIST_ENTRY))                   \
    /* events and waits */                                                      \
    X(VOID, KeInitializeEvent, (PRKEVENT, EVENT_TYPE, BOOLEAN))                 \
    X(LONG, KeSetEvent, (PRKEVENT, KPRIORITY, BOOLEAN))                         \
    X(LONG, KeResetEvent, (PRKEVENT))                                           \
    X(VOID, KeClearEvent, (PRKEVENT))                                           \
    X(LONG, KeReadStateEvent, (PRKEVENT))                                       \
    X(VOID, KeInitializeMutex, (PRKMUTEX, ULONG))                               \
    X(LONG, KeReleaseMutex, (PRKMUTEX, BOOLEAN))                                \
    X(LONG, KeReadStateMutex, (PRKMUTEX))                                       \
    X(NTSTATUS, KeWaitForSingleObject, (PVOID, KWAIT_REASON, KPROCESSOR_MODE, BOOLEAN, PLARGE_INTEGER)) \
    X(NTSTATUS, KeDelayExecutionThread, (KPROCESSOR_MODE, BOOLEAN, PLARGE_INTEGER)) \
    X(VOID, KeQuerySystemTimePrecise, (PLARGE_INTEGER))                         \
    X(VOID, NdisInitializeEvent, (PNDIS_EVENT))                                 \
    X(VOID, NdisSetEvent, (PNDIS_EVENT))                                        \
    X(VOID, NdisResetEvent, (PNDIS_EVENT))                                      \
    X(BOOLEAN, NdisWaitEvent, (PNDIS_EVENT, UINT))                              \
    X(VOID, NdisMSleep, (ULONG))                                                \
    X(VOID, NdisStallExecution, (UINT))                                         \
    X(VOID, KeStallExecutionProcessor, (ULONG))                                 \
    /* DPCs */                                                                  \
    X(VOID, KeInitializeDpc, (PRKDPC, PKDEFERRED_ROUTINE, PVOID))               \
    X(BOOLEAN, KeInsertQueueDpc, (PRKDPC, PVOID, PVOID))                        \
    X(BOOLEAN, KeRemoveQueueDpc, (PRKDPC))                                      \
    X(VOID, KeFlushQueuedDpcs, (VOID))                                          \
    X(VOID, KeSetImportanceDpc, (PRKDPC, KDPC_IMPORTANCE))                      \
    X(VOID, KeSetTargetProcessorDpc, (PRKDPC, CCHAR))                           \
    X(NTSTATUS, KeSetTargetProcessorDpcEx, (PKDPC, PPROCESSOR_NUMBER))          \
    X(KAFFINITY, NdisMQueueDpcEx, (NDIS_HANDLE, ULONG, PGROUP_AFFINITY, PVOID)) \
    X(ULONG, NdisMQueueDpc, (NDIS_HANDLE, ULONG, ULONG, PVOID))                 \
    /* interrupts */                                                            \
    X(NDIS_STATUS, NdisMRegisterInterruptEx,                                    \
      (NDIS_HANDLE, NDIS_HANDLE, PNDIS_MINIPORT_INTERRUPT_CHARACTERISTICS, PNDIS_HANDLE)) \
    X(VOID, NdisMDeregisterInterruptEx, (NDIS_HANDLE))                          \
    X(BOOLEAN, NdisMSynchronizeWithInterruptEx,                                 \
      (NDIS_HANDLE, ULONG, MINIPORT_SYNCHRONIZE_INTERRUPT_HANDLER, PVOID))      \
    X(NDIS_STATUS, NdisMRegisterInterrupt, (PNDIS_MINIPORT_INTERRUPT, NDIS_HANDLE, UINT, UINT, \
                                            BOOLEAN, BOOLEAN, NDIS_INTERRUPT_MODE)) \
    X(VOID, NdisMDeregisterInterrupt, (PNDIS_MINIPORT_INTERRUPT))               \
    X(BOOLEAN, NdisMSynchronizeWithInterrupt, (PNDIS_MINIPORT_INTERRUPT, PVOID, PVOID)) \
    /* timers */                                                                \
    X(NDIS_STATUS, NdisAllocateTimerObject, (NDIS_HANDLE, PNDIS_TIMER_CHARACTERISTICS, PNDIS_HANDLE)) \
    X(BOOLEAN, NdisSetTimerObject, (NDIS_HANDLE, LARGE_INTEGER, LONG, PVOID))   \
    X(BOOLEAN, NdisCancelTimerObject, (NDIS_HANDLE))                            \
    X(VOID, NdisFreeTimerObject, (NDIS_HANDLE))                                 \
    X(VOID, NdisInitializeTimer, (PNDIS_TIMER, PNDIS_TIMER_FUNCTION, PVOID))    \
    X(VOID, NdisSetTimer, (PNDIS_TIMER, UINT))                                  \
    X(VOID, NdisSetTimerEx, (PNDIS_TIMER, UINT, PVOID))                         \
    X(VOID, NdisCancelTimer, (PNDIS_TIMER, PBOOLEAN))                           \
    X(VOID, NdisMInitializeTimer, (PNDIS_MINIPORT_TIMER, NDIS_HANDLE, PNDIS_TIMER_FUNCTION, PVOID)) \
    X(VOID, NdisMSetTimer, (PNDIS_MINIPORT_TIMER, UINT))                        \
    X(VOID, NdisMSetPeriodicTimer, (PNDIS_MINIPORT_TIMER, UINT))                \
    X(VOID, NdisMCancelTimer, (PNDIS_MINIPORT_TIMER, PBOOLEAN))                 \
    /* processors */                                                            \
    X(ULONG, KeGetCurrentProcessorNumber, (VOID))                               \
    X(ULONG, KeGetCurrentProcessorNumberEx, (PPROCESSOR_NUMBER))                \
    X(ULONG, KeQueryActiveProcessorCount, (PKAFFINITY))                         \
    X(ULONG, KeQueryActiveProcessorCountEx, (USHORT))                           \
    X(ULONG, KeGetProcessorIndexFromNumber, (PPROCESSOR_NUMBER))                \
    X(NTSTATUS, KeGetProcessorNumberFromIndex, (ULONG, PPROCESSOR_NUMBER))      \
    X(CCHAR, NdisSystemProcessorCount, (VOID))                                  \
    X(ULONG, NdisCurrentProcessorIndex, (VOID))
