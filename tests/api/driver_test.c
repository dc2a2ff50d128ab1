/*
 * A driver-shaped program written against <ndis.h> only: a filter that
 * forwards sends and receives.  The handlers pick the Dpr or plain lock
 * calls from the NDIS IRQL flags they are given (send, send-complete,
 * receive, return), look up a filter table under an NDIS 6.20 RW lock
 * (NDIS_RWL_AT_DISPATCH_LEVEL when the flags say so; OID writes nest a read
 * inside the write), complete sends from a KDPC under a Ke spin lock, keep
 * descriptors on an SList, serialize OIDs with an NDIS_MUTEX, run a periodic
 * timer object and an NDIS 5 one-shot timer, and pause by waiting for an
 * NDIS_EVENT that the last completion sets.
 *
 * Asserts the bookkeeping (every send completed exactly once, every
 * descriptor back, counters equal) and the IRQL at every handler's exit.
 * Registered plain and with NDISLOCK_OPTIONS=verify=1 (where any report
 * aborts the run): it must be clean under the verifier.
 */
#include <ndis.h>

#include <pthread.h>

#include "check.h"

#define SENDERS         3
#define SENDS           4000
#define DESCRIPTORS     64
#define TABLE_SIZE      16

typedef struct _DESCRIPTOR {
    SLIST_ENTRY Link;               /* first: the SList entry (16-byte aligned) */
    LIST_ENTRY QueueLink;
    ULONG Port;
} DESCRIPTOR, *PDESCRIPTOR;

typedef struct _FILTER {
    NDIS_SPIN_LOCK SendLock;        /* guards SendQueue and the two counters below */
    LIST_ENTRY SendQueue;           /* sent, waiting for the completion DPC */
    ULONG Queued, Dequeued;
    KSPIN_LOCK CompletionLock;      /* guards CompletedCount (Ke lock in the DPC) */
    ULONG CompletedCount;
    NDIS_SPIN_LOCK RecvLock;
    ULONG Received, Returned;
    PNDIS_RW_LOCK_EX TableLock;     /* guards Table */
    ULONG Table[TABLE_SIZE];
    SLIST_HEADER FreeDescriptors;
    DESCRIPTOR Descriptors[DESCRIPTORS];
    KDPC CompletionDpc;
    NDIS_EVENT PauseComplete;
    LONG Pending;                   /* sends not yet completed */
    LONG Pausing;
    NDIS_MUTEX OidMutex;
    NDIS_HANDLE Watchdog;
    LONG WatchdogRuns;
    NDIS_MINIPORT_TIMER Kick;
    NDIS_EVENT KickDone;
    LONG Bad;                       /* an assertion failed on a library thread */
} FILTER, *PFILTER;

static FILTER g;

#define BAD_IF(cond) do { if (cond) InterlockedExchange(&g.Bad, __LINE__); } while (0)

/* ---- data path ---- */

static void SendComplete(PFILTER f, ULONG SendCompleteFlags)
{
    BOOLEAN dispatch = NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(SendCompleteFlags);

    BAD_IF(dispatch != (KeGetCurrentIrql() == DISPATCH_LEVEL));
    if (InterlockedDecrement(&f->Pending) == 0 && InterlockedCompareExchange(&f->Pausing, 1, 1))
        NdisSetEvent(&f->PauseComplete);
}

static VOID CompletionDpcRoutine(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    PFILTER f = (PFILTER)Context;
    ULONG flags = 0;

    (void)Dpc;
    (void)Arg2;
    BAD_IF(Arg1 != (PVOID)f);
    BAD_IF(KeGetCurrentIrql() != DISPATCH_LEVEL);
    NDIS_SET_SEND_COMPLETE_FLAG(flags, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL);
    for (;;) {
        PLIST_ENTRY e;
        PDESCRIPTOR d;

        NdisDprAcquireSpinLock(&f->SendLock);
        e = IsListEmpty(&f->SendQueue) ? NULL : RemoveHeadList(&f->SendQueue);
        if (e != NULL)
            f->Dequeued++;
        NdisDprReleaseSpinLock(&f->SendLock);
        if (e == NULL)
            break;
        d = CONTAINING_RECORD(e, DESCRIPTOR, QueueLink);
        KeAcquireSpinLockAtDpcLevel(&f->CompletionLock);
        f->CompletedCount++;
        KeReleaseSpinLockFromDpcLevel(&f->CompletionLock);
        InterlockedPushEntrySList(&f->FreeDescriptors, &d->Link);
        SendComplete(f, flags);
    }
}

static BOOLEAN Send(PFILTER f, ULONG Port, ULONG SendFlags)
{
    BOOLEAN dispatch = NDIS_TEST_SEND_AT_DISPATCH_LEVEL(SendFlags);
    LOCK_STATE_EX ls;
    PSLIST_ENTRY e;
    PDESCRIPTOR d;
    ULONG allowed;

    NdisAcquireRWLockRead(f->TableLock, &ls, dispatch ? NDIS_RWL_AT_DISPATCH_LEVEL : 0);
    allowed = f->Table[Port % TABLE_SIZE];
    NdisReleaseRWLock(f->TableLock, &ls);
    if (!allowed)
        return FALSE;
    if ((e = InterlockedPopEntrySList(&f->FreeDescriptors)) == NULL)
        return FALSE;                   /* out of descriptors: dropped */
    d = CONTAINING_RECORD(e, DESCRIPTOR, Link);
    d->Port = Port;
    InterlockedIncrement(&f->Pending);
    if (dispatch)
        NdisDprAcquireSpinLock(&f->SendLock);
    else
        NdisAcquireSpinLock(&f->SendLock);
    InsertTailList(&f->SendQueue, &d->QueueLink);
    f->Queued++;
    if (dispatch)
        NdisDprReleaseSpinLock(&f->SendLock);
    else
        NdisReleaseSpinLock(&f->SendLock);
    KeInsertQueueDpc(&f->CompletionDpc, f, NULL);   /* FALSE if already queued: it drains all */
    return TRUE;
}

static void Return(PFILTER f, ULONG ReturnFlags)
{
    if (NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(ReturnFlags)) {
        NdisDprAcquireSpinLock(&f->RecvLock);
        f->Returned++;
        NdisDprReleaseSpinLock(&f->RecvLock);
    } else {
        NdisAcquireSpinLock(&f->RecvLock);
        f->Returned++;
        NdisReleaseSpinLock(&f->RecvLock);
    }
}

static void Receive(PFILTER f, ULONG Port, ULONG ReceiveFlags)
{
    BOOLEAN dispatch = NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(ReceiveFlags);
    ULONG returnFlags = 0;
    LOCK_STATE_EX ls;

    NdisAcquireRWLockRead(f->TableLock, &ls, dispatch ? NDIS_RWL_AT_DISPATCH_LEVEL : 0);
    (void)f->Table[Port % TABLE_SIZE];
    NdisReleaseRWLock(f->TableLock, &ls);
    if (dispatch)
        NdisDprAcquireSpinLock(&f->RecvLock);
    else
        NdisAcquireSpinLock(&f->RecvLock);
    f->Received++;
    if (dispatch)
        NdisDprReleaseSpinLock(&f->RecvLock);
    else
        NdisReleaseSpinLock(&f->RecvLock);
    if (NDIS_TEST_RECEIVE_CAN_PEND(ReceiveFlags)) {
        if (dispatch)
            NDIS_SET_RETURN_FLAG(returnFlags, NDIS_RETURN_FLAGS_DISPATCH_LEVEL);
        Return(f, returnFlags);     /* "the stack" returns it at once */
    }
}

/* ---- control path (PASSIVE_LEVEL) ---- */

static void OidSetTable(PFILTER f, ULONG Port, ULONG Allow)
{
    LOCK_STATE_EX ws, rs;

    PAGED_CODE();
    NDIS_WAIT_FOR_MUTEX(&f->OidMutex);
    NdisAcquireRWLockWrite(f->TableLock, &ws, 0);
    f->Table[Port % TABLE_SIZE] = Allow;
    NdisAcquireRWLockRead(f->TableLock, &rs, NDIS_RWL_AT_DISPATCH_LEVEL);  /* read inside write */
    BAD_IF(f->Table[Port % TABLE_SIZE] != Allow);
    NdisReleaseRWLock(f->TableLock, &rs);
    NdisReleaseRWLock(f->TableLock, &ws);
    NDIS_RELEASE_MUTEX(&f->OidMutex);
}

static VOID WatchdogTimer(PVOID S1, PVOID Context, PVOID S2, PVOID S3)
{
    PFILTER f = (PFILTER)Context;
    LOCK_STATE_EX ls;

    (void)S1; (void)S2; (void)S3;
    BAD_IF(KeGetCurrentIrql() != DISPATCH_LEVEL);
    NdisAcquireRWLockRead(f->TableLock, &ls, NDIS_RWL_AT_DISPATCH_LEVEL);
    NdisReleaseRWLock(f->TableLock, &ls);
    InterlockedIncrement(&f->WatchdogRuns);
}

static VOID KickTimer(PVOID S1, PVOID Context, PVOID S2, PVOID S3)
{
    PFILTER f = (PFILTER)Context;

    (void)S1; (void)S2; (void)S3;
    KeInsertQueueDpc(&f->CompletionDpc, f, NULL);   /* flush stragglers */
    NdisSetEvent(&f->KickDone);
}

static void Pause(PFILTER f)
{
    InterlockedExchange(&f->Pausing, 1);
    if (InterlockedCompareExchange(&f->Pending, 0, 0) != 0)
        NdisWaitEvent(&f->PauseComplete, 0);     /* the last completion sets it */
    CHECK_EQ(InterlockedCompareExchange(&f->Pending, 0, 0), 0);
}

/* ---- the test ---- */

static void *sender(void *arg)
{
    ULONG id = (ULONG)(uintptr_t)arg, sent = 0;

    for (ULONG i = 0; i < SENDS; i++) {
        ULONG port = (id * 7 + i) % TABLE_SIZE;
        if (i % 2) {                /* half of the sends arrive at DISPATCH_LEVEL */
            KIRQL old;
            ULONG flags = 0;
            NDIS_RAISE_IRQL_TO_DISPATCH(&old);
            NDIS_SET_SEND_FLAG(flags, NDIS_SEND_FLAGS_DISPATCH_LEVEL);
            sent += Send(&g, port, flags);
            NDIS_LOWER_IRQL(old, DISPATCH_LEVEL);
        } else {
            sent += Send(&g, port, 0);
        }
        CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
        if (i % 64 == 0)
            NdisMSleep(100);        /* let the completion DPC catch up now and then */
    }
    return (void *)(uintptr_t)sent;
}

static void *receiver(void *arg)
{
    (void)arg;
    for (ULONG i = 0; i < SENDS; i++) {
        if (i % 2) {
            KIRQL old;
            KeRaiseIrql(DISPATCH_LEVEL, &old);
            Receive(&g, i, NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL |
                               (i % 4 == 1 ? NDIS_RECEIVE_FLAGS_RESOURCES : 0));
            KeLowerIrql(old);
        } else {
            Receive(&g, i, 0);
        }
        CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    }
    return NULL;
}

static void *controller(void *arg)
{
    (void)arg;
    for (ULONG i = 0; i < 500; i++)
        OidSetTable(&g, i, (i % 5) != 0);       /* mostly allowed */
    return NULL;
}

int main(void)
{
    NDIS_TIMER_CHARACTERISTICS tc;
    LARGE_INTEGER due;
    pthread_t t[SENDERS + 2];
    ULONG sent = 0, received_expected_returns = 0;

    NdisZeroMemory(&g, sizeof(g));
    NdisAllocateSpinLock(&g.SendLock);
    NdisAllocateSpinLock(&g.RecvLock);
    KeInitializeSpinLock(&g.CompletionLock);
    InitializeListHead(&g.SendQueue);
    g.TableLock = NdisAllocateRWLock(NULL);
    CHECK(g.TableLock != NULL);
    for (ULONG i = 0; i < TABLE_SIZE; i++)
        g.Table[i] = 1;
    NdisInitializeSListHead(&g.FreeDescriptors);
    for (ULONG i = 0; i < DESCRIPTORS; i++)
        InterlockedPushEntrySList(&g.FreeDescriptors, &g.Descriptors[i].Link);
    CHECK_EQ(QueryDepthSList(&g.FreeDescriptors), DESCRIPTORS);
    KeInitializeDpc(&g.CompletionDpc, CompletionDpcRoutine, &g);
    NdisInitializeEvent(&g.PauseComplete);
    NdisInitializeEvent(&g.KickDone);
    NDIS_INIT_MUTEX(&g.OidMutex);

    NdisZeroMemory(&tc, sizeof(tc));
    tc.Header.Type = NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS;
    tc.Header.Revision = NDIS_TIMER_CHARACTERISTICS_REVISION_1;
    tc.Header.Size = NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1;
    tc.TimerFunction = WatchdogTimer;
    tc.FunctionContext = &g;
    CHECK_EQ(NdisAllocateTimerObject(NULL, &tc, &g.Watchdog), NDIS_STATUS_SUCCESS);
    due.QuadPart = -10000;          /* 1 ms, then every 2 ms */
    NdisSetTimerObject(g.Watchdog, due, 2, NULL);
    NdisMInitializeTimer(&g.Kick, NULL, KickTimer, &g);

    for (uintptr_t i = 0; i < SENDERS; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, sender, (void *)i), 0);
    CHECK_EQ(pthread_create(&t[SENDERS], NULL, receiver, NULL), 0);
    CHECK_EQ(pthread_create(&t[SENDERS + 1], NULL, controller, NULL), 0);
    for (int i = 0; i < SENDERS; i++) {
        void *r;
        pthread_join(t[i], &r);
        sent += (ULONG)(uintptr_t)r;
    }
    pthread_join(t[SENDERS], NULL);
    pthread_join(t[SENDERS + 1], NULL);

    NdisMSetTimer(&g.Kick, 1);
    CHECK(NdisWaitEvent(&g.KickDone, 0));
    Pause(&g);
    KeFlushQueuedDpcs();

    /* every send completed exactly once, every descriptor is back */
    CHECK(sent > 0);
    CHECK_EQ(g.Queued, sent);
    CHECK_EQ(g.Dequeued, sent);
    CHECK_EQ(g.CompletedCount, sent);
    CHECK_EQ(QueryDepthSList(&g.FreeDescriptors), DESCRIPTORS);
    CHECK_EQ(g.Received, SENDS);
    for (ULONG i = 0; i < SENDS; i++)
        received_expected_returns += !(i % 4 == 1);
    CHECK_EQ(g.Returned, received_expected_returns);
    CHECK_EQ(g.Bad, 0);

    CHECK_EQ(NdisCancelTimerObject(g.Watchdog), TRUE);     /* periodic: still queued */
    CHECK(g.WatchdogRuns > 0);
    NdisFreeTimerObject(g.Watchdog);
    {
        BOOLEAN cancelled;
        NdisMCancelTimer(&g.Kick, &cancelled);
        CHECK_EQ(cancelled, FALSE);                        /* it fired */
    }
    NdisFreeRWLock(g.TableLock);
    NdisFreeSpinLock(&g.SendLock);
    NdisFreeSpinLock(&g.RecvLock);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    ndislock_contexts_shutdown();
    CHECK_DONE();
}
