/*
 * KDPC against the WDK pages: KeInsertQueueDpc returns FALSE when the DPC is
 * already queued (and keeps the first insert's arguments); the routine gets
 * its DeferredContext and SystemArgument1/2 at DISPATCH_LEVEL on a library
 * thread; KeRemoveQueueDpc returns TRUE only for a queued DPC, which then
 * never runs; HighImportance queues at the head; KeFlushQueuedDpcs returns
 * after every DPC queued before it has run; KeSetTargetProcessorDpcEx
 * refuses a processor that does not exist.  NdisMQueueDpcEx queues the
 * interrupt's DPC per target processor with its MiniportDpcContext.
 */
#include <ndis.h>

#include <pthread.h>

#include "check.h"

static KDPC blocker, d1, d2, d3, hi, slow;
static int gate, order[16], norder, slow_done;
static PVOID seen_ctx, seen_a1, seen_a2;
static KIRQL seen_irql;

static VOID Block(PKDPC Dpc, PVOID Ctx, PVOID A1, PVOID A2)
{
    (void)Dpc; (void)Ctx; (void)A1; (void)A2;
    while (!__atomic_load_n(&gate, __ATOMIC_ACQUIRE))
        NdisStallExecution(50);
}

static VOID Record(PKDPC Dpc, PVOID Ctx, PVOID A1, PVOID A2)
{
    (void)Dpc;
    seen_ctx = Ctx;
    seen_a1 = A1;
    seen_a2 = A2;
    seen_irql = KeGetCurrentIrql();
    order[norder++] = (int)(intptr_t)Ctx;
}

static VOID Slow(PKDPC Dpc, PVOID Ctx, PVOID A1, PVOID A2)
{
    (void)Dpc; (void)Ctx; (void)A1; (void)A2;
    NdisStallExecution(40);
    for (int i = 0; i < 200; i++)
        NdisStallExecution(40);     /* ~8 ms: the flush must wait for it */
    __atomic_store_n(&slow_done, 1, __ATOMIC_RELEASE);
}

/* ---- NdisMQueueDpcEx ---- */

static LONG dpc_runs;
static PVOID dpc_ctx_seen;
static BOOLEAN Isr(NDIS_HANDLE c, PBOOLEAN q, PULONG t) { (void)c; (void)t; *q = FALSE; return TRUE; }
static VOID IntrDpc(NDIS_HANDLE c, PVOID DpcCtx, PVOID a, PVOID b)
{
    (void)c; (void)a; (void)b;
    dpc_ctx_seen = DpcCtx;
    InterlockedIncrement(&dpc_runs);
}

static void queue_dpc_ex(void)
{
    struct ndislock_adapter *a = ndislock_harness_adapter_create("q0");
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS ic;
    NDIS_HANDLE h;
    GROUP_AFFINITY ga;
    KAFFINITY all, got;
    ULONG n = KeQueryActiveProcessorCount(&all);

    NdisZeroMemory(&ic, sizeof(ic));
    ic.InterruptHandler = Isr;
    ic.InterruptDpcHandler = IntrDpc;
    CHECK_EQ(NdisMRegisterInterruptEx(a, NULL, &ic, &h), NDIS_STATUS_SUCCESS);
    __atomic_store_n(&gate, 0, __ATOMIC_RELEASE);
    KeInitializeDpc(&blocker, Block, NULL);
    CHECK_EQ(KeInsertQueueDpc(&blocker, NULL, NULL), TRUE);     /* hold the DPC thread */
    NdisZeroMemory(&ga, sizeof(ga));
    ga.Mask = all;
    got = NdisMQueueDpcEx(h, 0, &ga, (PVOID)0x5a);
    CHECK_EQ(got, all);                                         /* one DPC per processor */
    CHECK_EQ(NdisMQueueDpcEx(h, 0, &ga, NULL), 0);              /* all already queued */
    ga.Group = 1;
    CHECK_EQ(NdisMQueueDpcEx(h, 0, &ga, NULL), 0);              /* no such group */
    __atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
    KeFlushQueuedDpcs();
    CHECK_EQ(dpc_runs, (LONG)n);
    CHECK(dpc_ctx_seen == (PVOID)0x5a);
    CHECK_EQ(NdisMQueueDpc(h, 0, 1, NULL), 1);
    KeFlushQueuedDpcs();
    CHECK_EQ(dpc_runs, (LONG)n + 1);
    NdisMDeregisterInterruptEx(h);
    ndislock_harness_adapter_destroy(a);
}

int main(void)
{
    PROCESSOR_NUMBER pn;

    KeInitializeDpc(&blocker, Block, NULL);
    KeInitializeDpc(&d1, Record, (PVOID)1);
    KeInitializeDpc(&d2, Record, (PVOID)2);
    KeInitializeDpc(&d3, Record, (PVOID)3);
    KeInitializeDpc(&hi, Record, (PVOID)4);
    KeInitializeDpc(&slow, Slow, NULL);

    CHECK_EQ(KeInsertQueueDpc(&blocker, NULL, NULL), TRUE);     /* holds the DPC thread */
    CHECK_EQ(KeInsertQueueDpc(&d1, (PVOID)11, (PVOID)12), TRUE);
    CHECK_EQ(KeInsertQueueDpc(&d1, (PVOID)99, (PVOID)99), FALSE);   /* already queued */
    CHECK_EQ(KeInsertQueueDpc(&d2, NULL, NULL), TRUE);
    CHECK_EQ(KeInsertQueueDpc(&d3, NULL, NULL), TRUE);
    CHECK_EQ(KeRemoveQueueDpc(&d2), TRUE);
    CHECK_EQ(KeRemoveQueueDpc(&d2), FALSE);                     /* not queued any more */
    KeSetImportanceDpc(&hi, HighImportance);
    CHECK_EQ(KeInsertQueueDpc(&hi, NULL, NULL), TRUE);          /* to the head */
    __atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
    KeFlushQueuedDpcs();                                        /* all of the above ran */
    CHECK_EQ(norder, 3);
    CHECK_EQ(order[0], 4);
    CHECK_EQ(order[1], 1);
    CHECK_EQ(order[2], 3);
    CHECK_EQ(seen_irql, DISPATCH_LEVEL);
    CHECK(seen_ctx == (PVOID)3);
    KeInsertQueueDpc(&d1, (PVOID)21, (PVOID)22);
    KeFlushQueuedDpcs();
    CHECK(seen_a1 == (PVOID)21 && seen_a2 == (PVOID)22);        /* this insert's arguments */
    CHECK_EQ(KeRemoveQueueDpc(&d1), FALSE);                     /* it ran */

    /* flush waits for a DPC that is running or queued when it is called */
    CHECK_EQ(KeInsertQueueDpc(&slow, NULL, NULL), TRUE);
    KeFlushQueuedDpcs();
    CHECK_EQ(__atomic_load_n(&slow_done, __ATOMIC_ACQUIRE), 1);

    /* target processor */
    KeSetTargetProcessorDpc(&d3, 0);
    CHECK_EQ(d3.Number, 0);
    pn.Group = 0;
    pn.Number = 0;
    pn.Reserved = 0;
    CHECK_EQ(KeSetTargetProcessorDpcEx(&d3, &pn), STATUS_SUCCESS);
    pn.Number = (UCHAR)KeQueryActiveProcessorCount(NULL);
    CHECK_EQ(KeSetTargetProcessorDpcEx(&d3, &pn), STATUS_INVALID_PARAMETER);
    pn.Number = 0;
    pn.Group = 1;
    CHECK_EQ(KeSetTargetProcessorDpcEx(&d3, &pn), STATUS_INVALID_PARAMETER);

    queue_dpc_ex();
    ndislock_contexts_shutdown();
    CHECK_DONE();
}
