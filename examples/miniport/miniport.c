/*
 * miniport.c - a simulated NIC miniport, written as an NDIS 6 driver is:
 * Windows names only (<ndis.h>), register access through hw.h.
 *
 *   MiniportInterrupt      reads the cause register, merges it into
 *                          PendingIntStatus (shared with the ISR), queues the DPC.
 *   MiniportInterruptDPC   takes the causes through NdisMSynchronizeWithInterruptEx,
 *                          drains the receive ring, completes transmissions; it may
 *                          run on several processors at once (per-processor DPCs).
 *   MiniportSend           (any thread, PASSIVE) pops a free descriptor
 *                          (NdisInterlockedPopEntryList), queues it on the send
 *                          queue under SendLock, counts it in flight, rings the
 *                          doorbell.
 *   WatchdogTimer          periodic NDIS timer object: checks for a stalled
 *                          transmitter, counts ticks.
 *
 * Locks: SendLock (send queue), FreeLock (free descriptors), RecvLock (the
 * receive ring, DPC only), StatsLock (watchdog bookkeeping); order
 * SendLock -> StatsLock.  FilterLock: an NDIS RW lock, read per received frame,
 * written by OID requests.  Interrupt lock: PendingIntStatus and IntMask.
 */
#include "miniport.h"

#include <stdlib.h>

#define TX_DESCRIPTORS      128
#define WATCHDOG_PERIOD_MS  50
#define FILTER_PROMISCUOUS  0x20

typedef struct _TX_DESC {
    LIST_ENTRY QueueLink;               /* on SendQueue */
    SINGLE_LIST_ENTRY FreeLink;         /* on FreeList */
    ULONG Length;
} TX_DESC, *PTX_DESC;

struct _ADAPTER {
    NDIS_HANDLE AdapterHandle;
    NDIS_HANDLE InterruptHandle;
    NDIS_HANDLE WatchdogTimer;
    HW_DEVICE *Hw;

    NDIS_SPIN_LOCK SendLock;
    LIST_ENTRY SendQueue;               /* posted, not yet completed; FIFO = device order */
    LONG TxInFlight;                    /* Interlocked*: descriptors taken for a send, not
                                           yet completed (0 .. TX_DESCRIPTORS) */
    NDIS_SPIN_LOCK FreeLock;
    SINGLE_LIST_ENTRY FreeList;
    TX_DESC Descriptors[TX_DESCRIPTORS];
    ULONG TxCompleted;                  /* under SendLock */
    ULONG LargeFrames[MAXIMUM_PROCESSORS];  /* per processor: touched at DISPATCH_LEVEL there */

    NDIS_SPIN_LOCK RecvLock;
    ULONG RxTail;                       /* under RecvLock */
    ULONG RxLastSequence;               /* under RecvLock */
    BOOLEAN RecvLockLeaked;             /* BUG_MISSING_RELEASE bookkeeping; DPC only */

    PNDIS_RW_LOCK_EX FilterLock;
    ULONG PacketFilter;                 /* under FilterLock */
    ULONG FilteredOut;                  /* under RecvLock */

    NDIS_SPIN_LOCK StatsLock;
    ULONG WatchdogLastTxCompleted;      /* under StatsLock */
    ULONG WatchdogStalls;               /* under StatsLock */
    LONG SendQueueDepth;                /* NdisInterlocked* only */

    /* Shared with the ISR: touched only at DIRQL (ISR or synchronize callbacks). */
    ULONG PendingIntStatus;
    ULONG IntMask;

    SAMPLE_STATS Stats;                 /* NdisInterlocked* only */
};

SAMPLE_BUG SampleBug;

const SAMPLE_BUG_INFO SampleBugs[BUG_COUNT] = {
    [BUG_NONE] = { "none", "-", "-", "no bug" },
    [BUG_LOCK_ORDER] = { "lock_order", "LOCK_ORDER_CYCLE", "error",
        "halt takes StatsLock then SendLock; the send path took them the other way (never at the same time)" },
    [BUG_ISR_SPINLOCK] = { "isr_spinlock", "ISR_SPINLOCK", "error",
        "MiniportInterrupt takes StatsLock instead of using NdisMSynchronizeWithInterruptEx" },
    [BUG_DPR_AT_PASSIVE] = { "dpr_at_passive", "IRQL_DPR_NOT_DISPATCH", "error",
        "the send path (PASSIVE_LEVEL) uses NdisDprAcquireSpinLock" },
    [BUG_VARIANT_MISMATCH] = { "variant_mismatch", "LOCK_VARIANT_MISMATCH", "error",
        "the DPC takes RecvLock with NdisDprAcquireSpinLock, releases it with NdisReleaseSpinLock" },
    [BUG_MISSING_RELEASE] = { "missing_release", "LOCK_HELD_AT_EXIT", "error",
        "the DPC returns still holding RecvLock" },
    [BUG_HOLD_TOO_LONG] = { "hold_too_long", "HOLD_TIME_EXCEEDED", "warning",
        "the watchdog holds StatsLock for 200 us on every tick" },
    [BUG_SLEEP_HOLDING_LOCK] = { "sleep_holding_lock", "BLOCKING_AT_DISPATCH", "error",
        "the send path calls NdisMSleep while holding SendLock" },
    [BUG_SYNC_AFTER_DEREGISTER] = { "sync_after_deregister", "INTERRUPT_LIFECYCLE", "error",
        "halt calls NdisMSynchronizeWithInterruptEx after NdisMDeregisterInterruptEx" },
    [BUG_RELEASE_ORDER] = { "release_order", "LOCK_RELEASE_ORDER", "error",
        "the send path releases SendLock before StatsLock, which it took second" },
    [BUG_UNINITIALIZED] = { "uninitialized", "LOCK_NOT_INITIALIZED", "error",
        "halt acquires a spin lock never passed to NdisAllocateSpinLock" },
    [BUG_FREE_WHILE_HELD] = { "free_while_held", "LOCK_FREE_WHILE_HELD", "error",
        "halt frees StatsLock while holding it" },
    [BUG_UNLOCKED_INFLIGHT] = { "unlocked_inflight", "NT_ASSERT", "race",
        "for a full-size frame the send path counts TxInFlight up by a plain read and write "
        "around its per-processor statistics; a DPC's InterlockedAdd in between is lost" },
};

/* Fires a one-shot bug once, from whichever path gets there first. */
static LONG BugFired;
static BOOLEAN BugNow(SAMPLE_BUG Bug)
{
    return SampleBug == Bug && InterlockedCompareExchange(&BugFired, 1, 0) == 0;
}

/* ---- Interrupt ---- */

static BOOLEAN MiniportInterrupt(NDIS_HANDLE MiniportInterruptContext,
                                 PBOOLEAN QueueDefaultInterruptDpc, PULONG TargetProcessors)
{
    PADAPTER Adapter = (PADAPTER)MiniportInterruptContext;
    ULONG Status;

    UNREFERENCED_PARAMETER(TargetProcessors);
    Status = HwReadAndClearIntStatus(Adapter->Hw);
    if (Status == 0) {
        *QueueDefaultInterruptDpc = FALSE;
        return FALSE;                   /* not ours (shared line) */
    }
    Adapter->PendingIntStatus |= Status;
    if (BugNow(BUG_ISR_SPINLOCK)) {
        NdisDprAcquireSpinLock(&Adapter->StatsLock);
        Adapter->WatchdogStalls += 0;
        NdisDprReleaseSpinLock(&Adapter->StatsLock);
    }
    NdisInterlockedIncrement(&Adapter->Stats.Interrupts);
    *QueueDefaultInterruptDpc = (Status & Adapter->IntMask) != 0;
    return TRUE;
}

typedef struct _SYNC_TAKE { PADAPTER Adapter; ULONG Status; } SYNC_TAKE;

static BOOLEAN SyncTakePending(NDIS_HANDLE SynchronizeContext)
{
    SYNC_TAKE *Take = (SYNC_TAKE *)SynchronizeContext;

    Take->Status = Take->Adapter->PendingIntStatus & Take->Adapter->IntMask;
    Take->Adapter->PendingIntStatus &= ~Take->Status;
    return Take->Status != 0;
}

/*
 * Drains the receive ring as NDIS drivers do: in batches of at most
 * RX_BATCH frames per RecvLock hold (a burst may fill the whole ring, and a
 * hold over all of it runs for tens of microseconds), RecvLock and the
 * filter lock dropped between batches, and at most RX_BUDGET frames per
 * DPC run (the kind of bound ReceiveThrottleParameters' MaxNblsToIndicate
 * gives), so one run stays well under the 100 us a DPC may take: what is
 * left stays in the ring, and the device raises RX again once the tail
 * write shows the driver took some (hw.c), so the DPC comes back for it.  (Queueing a DPC again from
 * here would have to be the running one itself: another processor's,
 * queued while the interrupt is deregistered, would run after the halt.)
 */
#define RX_BATCH 32
#define RX_BUDGET 64

static VOID ProcessReceives(PADAPTER Adapter)
{
    ULONG Head, Budget = RX_BUDGET;
    LOCK_STATE_EX FilterState;

    if (SampleBug == BUG_VARIANT_MISMATCH && BugNow(BUG_VARIANT_MISMATCH)) {
        NdisDprAcquireSpinLock(&Adapter->RecvLock);
        NdisReleaseSpinLock(&Adapter->RecvLock);     /* BUG: wrong release variant */
    }
    for (;;) {
        ULONG Batch = 0;

        NdisDprAcquireSpinLock(&Adapter->RecvLock);
        NdisAcquireRWLockRead(Adapter->FilterLock, &FilterState, NDIS_RWL_AT_DISPATCH_LEVEL);
        Head = HwReadRxHead(Adapter->Hw);
        while (Adapter->RxTail != Head && Batch < RX_BATCH && Budget != 0) {
            const HW_RX_ENTRY *Entry = HwRxEntry(Adapter->Hw, Adapter->RxTail);

            ASSERT(Entry->Sequence == Adapter->RxLastSequence);
            Adapter->RxLastSequence = Entry->Sequence + 1;
            if (Adapter->PacketFilter == 0 && Entry->Length > 1400) {
                Adapter->FilteredOut++;
            } else {
                NdisInterlockedIncrement(&Adapter->Stats.RxPackets);
                NdisInterlockedAddLargeStatistic(&Adapter->Stats.RxBytes, Entry->Length);
            }
            Adapter->RxTail++;
            Batch++;
            Budget--;
        }
        NdisReleaseRWLock(Adapter->FilterLock, &FilterState);
        HwWriteRxTail(Adapter->Hw, Adapter->RxTail);
        NdisDprReleaseSpinLock(&Adapter->RecvLock);
        if (Batch < RX_BATCH || Budget == 0)
            break;                      /* the ring is empty, or this run's share is done */
    }
}

/* Transmit completions.  The DPC may run on several processors at once (the
 * default DPC goes to the processor the ISR ran on), so what it changes is
 * under SendLock (the queue, TxCompleted) or interlocked (TxInFlight). */
static VOID ProcessTransmitCompletions(PADAPTER Adapter)
{
    SINGLE_LIST_ENTRY Done = { NULL };
    ULONG HwDone, Completed;
    LONG Left;

    NdisDprAcquireSpinLock(&Adapter->SendLock);
    HwDone = HwReadTxDone(Adapter->Hw);
    Completed = HwDone - Adapter->TxCompleted;
    /* What the device finished is no longer in flight; what is left never
     * exceeds the descriptors there are (a lost decrement would pile up). */
    Left = InterlockedAdd(&Adapter->TxInFlight, -(LONG)Completed);
    NT_ASSERT((ULONG)Left <= TX_DESCRIPTORS);
    while (Adapter->TxCompleted != HwDone) {
        PLIST_ENTRY Link = RemoveHeadList(&Adapter->SendQueue);
        PTX_DESC Desc = CONTAINING_RECORD(Link, TX_DESC, QueueLink);

        PushEntryList(&Done, &Desc->FreeLink);
        Adapter->TxCompleted++;
    }
    NdisDprReleaseSpinLock(&Adapter->SendLock);

    for (PSINGLE_LIST_ENTRY Entry = PopEntryList(&Done); Entry != NULL; Entry = PopEntryList(&Done)) {
        PTX_DESC Desc = CONTAINING_RECORD(Entry, TX_DESC, FreeLink);

        NdisInterlockedDecrement(&Adapter->SendQueueDepth);
        NdisInterlockedIncrement(&Adapter->Stats.TxPackets);
        NdisInterlockedAddLargeStatistic(&Adapter->Stats.TxBytes, Desc->Length);
        NdisInterlockedPushEntryList(&Adapter->FreeList, &Desc->FreeLink, &Adapter->FreeLock);
    }
}

static VOID MiniportInterruptDPC(NDIS_HANDLE MiniportInterruptContext, PVOID MiniportDpcContext,
                                 PVOID ReceiveThrottleParameters, PVOID NdisReserved2)
{
    PADAPTER Adapter = (PADAPTER)MiniportInterruptContext;
    SYNC_TAKE Take = { Adapter, 0 };

    UNREFERENCED_PARAMETER(MiniportDpcContext);
    UNREFERENCED_PARAMETER(ReceiveThrottleParameters);
    UNREFERENCED_PARAMETER(NdisReserved2);

    if (Adapter->RecvLockLeaked) {      /* BUG_MISSING_RELEASE: undo last time's leak */
        Adapter->RecvLockLeaked = FALSE;
        NdisDprReleaseSpinLock(&Adapter->RecvLock);
    }
    NdisInterlockedIncrement(&Adapter->Stats.Dpcs);
    if (!NdisMSynchronizeWithInterruptEx(Adapter->InterruptHandle, 0, SyncTakePending, &Take))
        return;
    if (Take.Status & HW_INT_RX)
        ProcessReceives(Adapter);
    if (Take.Status & HW_INT_TX)
        ProcessTransmitCompletions(Adapter);
    if (BugNow(BUG_MISSING_RELEASE)) {
        NdisDprAcquireSpinLock(&Adapter->RecvLock);
        Adapter->RecvLockLeaked = TRUE;  /* BUG: returns holding RecvLock */
    }
}

/* ---- Watchdog timer ---- */

static VOID WatchdogTimer(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2,
                          PVOID SystemSpecific3)
{
    PADAPTER Adapter = (PADAPTER)FunctionContext;
    ULONG Depth;
    ULONG TxDone = (ULONG)InterlockedExchangeAdd(&Adapter->Stats.TxPackets, 0); /* TxCompleted is DPC-private */

    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);
    ASSERT(KeGetCurrentIrql() == DISPATCH_LEVEL);

    NdisDprAcquireSpinLock(&Adapter->SendLock);           /* SendLock -> StatsLock */
    Depth = (ULONG)InterlockedExchangeAdd(&Adapter->SendQueueDepth, 0);
    NdisDprAcquireSpinLock(&Adapter->StatsLock);
    if (Depth != 0 && Adapter->WatchdogLastTxCompleted == TxDone)
        Adapter->WatchdogStalls++;
    NdisDprReleaseSpinLock(&Adapter->StatsLock);
    NdisDprReleaseSpinLock(&Adapter->SendLock);

    NdisDprAcquireSpinLock(&Adapter->StatsLock);
    Adapter->WatchdogLastTxCompleted = TxDone;
    /* every tick, not once: one long hold cannot be told from the host stopping
     * the vCPU, so the verifier warns on a run of them (docs/VERIFIER.md) */
    if (SampleBug == BUG_HOLD_TOO_LONG)
        NdisStallExecution(200);                          /* BUG: 200 us under a spin lock */
    NdisDprReleaseSpinLock(&Adapter->StatsLock);
    NdisInterlockedIncrement(&Adapter->Stats.WatchdogTicks);
}

/* ---- Send path ---- */

/* Per-processor statistics: at DISPATCH_LEVEL nothing else runs on this
 * processor, so its counter needs no lock (with simulated processors, as
 * on Windows). */
static VOID CountLargeFrame(PADAPTER Adapter)
{
    KIRQL Irql;

    KeRaiseIrql(DISPATCH_LEVEL, &Irql);
    Adapter->LargeFrames[KeGetCurrentProcessorNumberEx(NULL) % MAXIMUM_PROCESSORS]++;
    KeLowerIrql(Irql);
}

NDIS_STATUS MiniportSend(PADAPTER Adapter, ULONG Length)
{
    PSINGLE_LIST_ENTRY Free;
    PTX_DESC Desc;

    Free = NdisInterlockedPopEntryList(&Adapter->FreeList, &Adapter->FreeLock);
    if (Free == NULL) {
        NdisInterlockedIncrement(&Adapter->Stats.TxNoResources);
        return NDIS_STATUS_RESOURCES;
    }
    Desc = CONTAINING_RECORD(Free, TX_DESC, FreeLink);
    Desc->Length = Length;

    if (BugNow(BUG_DPR_AT_PASSIVE)) {
        NdisDprAcquireSpinLock(&Adapter->SendLock);       /* BUG: Dpr variant at PASSIVE */
        NdisDprReleaseSpinLock(&Adapter->SendLock);
    }
    if (BugNow(BUG_SLEEP_HOLDING_LOCK)) {
        NdisAcquireSpinLock(&Adapter->SendLock);
        NdisMSleep(10);                                   /* BUG: blocking at DISPATCH_LEVEL */
        NdisReleaseSpinLock(&Adapter->SendLock);
    }

    /* In flight from now: before the device can see it. */
    if (SampleBug == BUG_UNLOCKED_INFLIGHT && Length >= 1514) {
        LONG InFlight = *(volatile LONG *)&Adapter->TxInFlight;   /* BUG: a plain read ... */
        CountLargeFrame(Adapter);
        *(volatile LONG *)&Adapter->TxInFlight = InFlight + 1;    /* ... and write */
    } else {
        InterlockedIncrement(&Adapter->TxInFlight);
    }

    /* The queue order must be the doorbell order: both under SendLock. */
    NdisAcquireSpinLock(&Adapter->SendLock);
    InsertTailList(&Adapter->SendQueue, &Desc->QueueLink);
    HwTxDoorbell(Adapter->Hw, Length);
    NdisInterlockedIncrement(&Adapter->SendQueueDepth);
    NdisDprAcquireSpinLock(&Adapter->StatsLock);          /* SendLock -> StatsLock */
    Adapter->WatchdogLastTxCompleted += 0;
    if (BugNow(BUG_RELEASE_ORDER)) {
        KIRQL Irql = Adapter->SendLock.OldIrql;
        NdisReleaseSpinLock(&Adapter->SendLock);          /* BUG: released before StatsLock */
        NdisDprReleaseSpinLock(&Adapter->StatsLock);
        KeLowerIrql(Irql);
        return NDIS_STATUS_SUCCESS;
    }
    NdisDprReleaseSpinLock(&Adapter->StatsLock);
    NdisReleaseSpinLock(&Adapter->SendLock);
    return NDIS_STATUS_SUCCESS;
}

/* ---- OIDs ---- */

VOID MiniportSetPacketFilter(PADAPTER Adapter, ULONG Filter)
{
    LOCK_STATE_EX State;

    NdisAcquireRWLockWrite(Adapter->FilterLock, &State, 0);
    Adapter->PacketFilter = Filter;
    NdisReleaseRWLock(Adapter->FilterLock, &State);
}

typedef struct _SYNC_MASK { PADAPTER Adapter; ULONG Mask; } SYNC_MASK;

static BOOLEAN SyncSetMask(NDIS_HANDLE SynchronizeContext)
{
    SYNC_MASK *Set = (SYNC_MASK *)SynchronizeContext;

    Set->Adapter->IntMask = Set->Mask;
    return TRUE;
}

VOID MiniportSetInterruptMask(PADAPTER Adapter, ULONG Mask)
{
    SYNC_MASK Set = { Adapter, Mask };

    NdisMSynchronizeWithInterruptEx(Adapter->InterruptHandle, 0, SyncSetMask, &Set);
}

/* ---- Initialize / halt ---- */

NDIS_STATUS MiniportInitializeEx(NDIS_HANDLE MiniportAdapterHandle, HW_DEVICE *Hw, PADAPTER *Out)
{
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS Intr;
    NDIS_TIMER_CHARACTERISTICS Timer;
    PADAPTER Adapter;
    LARGE_INTEGER Due;
    NDIS_STATUS Status;

    Adapter = (PADAPTER)calloc(1, sizeof(*Adapter));
    if (Adapter == NULL)
        return NDIS_STATUS_RESOURCES;
    Adapter->AdapterHandle = MiniportAdapterHandle;
    Adapter->Hw = Hw;
    Adapter->IntMask = HW_INT_RX | HW_INT_TX;
    Adapter->PacketFilter = FILTER_PROMISCUOUS;

    NdisAllocateSpinLock(&Adapter->SendLock);
    NdisAllocateSpinLock(&Adapter->FreeLock);
    NdisAllocateSpinLock(&Adapter->RecvLock);
    NdisAllocateSpinLock(&Adapter->StatsLock);
    NdisInitializeListHead(&Adapter->SendQueue);
    Adapter->FreeList.Next = NULL;
    for (int i = 0; i < TX_DESCRIPTORS; i++)
        NdisInterlockedPushEntryList(&Adapter->FreeList, &Adapter->Descriptors[i].FreeLink,
                                     &Adapter->FreeLock);
    Adapter->FilterLock = NdisAllocateRWLock(MiniportAdapterHandle);
    if (Adapter->FilterLock == NULL)
        return NDIS_STATUS_RESOURCES;

    NdisZeroMemory(&Intr, sizeof(Intr));
    Intr.Header.Type = NDIS_OBJECT_TYPE_MINIPORT_INTERRUPT;
    Intr.Header.Revision = NDIS_MINIPORT_INTERRUPT_REVISION_1;
    Intr.Header.Size = NDIS_SIZEOF_MINIPORT_INTERRUPT_CHARACTERISTICS_REVISION_1;
    Intr.InterruptHandler = MiniportInterrupt;
    Intr.InterruptDpcHandler = MiniportInterruptDPC;
    Status = NdisMRegisterInterruptEx(MiniportAdapterHandle, Adapter, &Intr,
                                      &Adapter->InterruptHandle);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;

    NdisZeroMemory(&Timer, sizeof(Timer));
    Timer.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    Timer.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    Timer.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    Timer.AllocationTag = 0x676f6457;   /* 'Wdog' */
    Timer.TimerFunction = WatchdogTimer;
    Timer.FunctionContext = Adapter;
    Status = NdisAllocateTimerObject(MiniportAdapterHandle, &Timer, &Adapter->WatchdogTimer);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    Due.QuadPart = -(LONGLONG)WATCHDOG_PERIOD_MS * 10000;
    NdisSetTimerObject(Adapter->WatchdogTimer, Due, WATCHDOG_PERIOD_MS, NULL);

    *Out = Adapter;
    return NDIS_STATUS_SUCCESS;
}

VOID MiniportQueryStats(PADAPTER Adapter, SAMPLE_STATS *Stats)
{
    Stats->TxPackets = InterlockedExchangeAdd(&Adapter->Stats.TxPackets, 0);
    Stats->RxPackets = InterlockedExchangeAdd(&Adapter->Stats.RxPackets, 0);
    Stats->TxNoResources = InterlockedExchangeAdd(&Adapter->Stats.TxNoResources, 0);
    Stats->WatchdogTicks = InterlockedExchangeAdd(&Adapter->Stats.WatchdogTicks, 0);
    Stats->Interrupts = InterlockedExchangeAdd(&Adapter->Stats.Interrupts, 0);
    Stats->Dpcs = InterlockedExchangeAdd(&Adapter->Stats.Dpcs, 0);
    Stats->TxBytes.QuadPart = __atomic_load_n(&Adapter->Stats.TxBytes.QuadPart, __ATOMIC_RELAXED);
    Stats->RxBytes.QuadPart = __atomic_load_n(&Adapter->Stats.RxBytes.QuadPart, __ATOMIC_RELAXED);
}

VOID MiniportHaltEx(PADAPTER Adapter)
{
    NdisCancelTimerObject(Adapter->WatchdogTimer);
    NdisFreeTimerObject(Adapter->WatchdogTimer);        /* waits for a running callback */
    NdisMDeregisterInterruptEx(Adapter->InterruptHandle); /* waits for the DPC */
    /* The device completed everything posted and the DPC saw it all. */
    NT_ASSERT(InterlockedCompareExchange(&Adapter->TxInFlight, 0, 0) == 0);

    if (SampleBug == BUG_SYNC_AFTER_DEREGISTER)
        MiniportSetInterruptMask(Adapter, 0);             /* BUG: interrupt is gone */
    if (BugNow(BUG_LOCK_ORDER)) {
        /* BUG: StatsLock -> SendLock, while the send path took SendLock -> StatsLock.
         * The senders and the timer are stopped, so this cannot deadlock now; the
         * verifier reports the cycle anyway, as lockdep does: the two orders were
         * each seen once, and on a busier day they would meet. */
        KIRQL Old;
        KeRaiseIrql(DISPATCH_LEVEL, &Old);
        NdisDprAcquireSpinLock(&Adapter->StatsLock);
        NdisDprAcquireSpinLock(&Adapter->SendLock);
        NdisDprReleaseSpinLock(&Adapter->SendLock);
        NdisDprReleaseSpinLock(&Adapter->StatsLock);
        KeLowerIrql(Old);
    }
    if (SampleBug == BUG_UNINITIALIZED) {
        static NDIS_SPIN_LOCK NeverAllocated;             /* BUG: no NdisAllocateSpinLock */
        NdisAcquireSpinLock(&NeverAllocated);
        NdisReleaseSpinLock(&NeverAllocated);
    }
    if (Adapter->RecvLockLeaked) {
        KIRQL Old;
        KeRaiseIrql(DISPATCH_LEVEL, &Old);
        NdisDprReleaseSpinLock(&Adapter->RecvLock);
        KeLowerIrql(Old);
    }
    if (SampleBug == BUG_FREE_WHILE_HELD) {
        KIRQL Old;
        NdisAcquireSpinLock(&Adapter->StatsLock);
        Old = Adapter->StatsLock.OldIrql;
        NdisFreeSpinLock(&Adapter->StatsLock);            /* BUG: still held */
        KeLowerIrql(Old);
    } else {
        NdisFreeSpinLock(&Adapter->StatsLock);
    }
    NdisFreeSpinLock(&Adapter->SendLock);
    NdisFreeSpinLock(&Adapter->FreeLock);
    NdisFreeSpinLock(&Adapter->RecvLock);
    NdisFreeRWLock(Adapter->FilterLock);
    free(Adapter);
}
