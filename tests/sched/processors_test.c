/*
 * Simulated processors (cpus=N, more than the host has): the counts and
 * masks say N; a DPC targeted at processor k (KeSetTargetProcessorDpc and
 * ...Ex) runs at DISPATCH_LEVEL and reports k; an untargeted DPC runs on
 * the processor of the thread that inserted it; a timer runs on the
 * processor it was set on; NdisMQueueDpcEx's DPC for processor p reports p,
 * and an ISR's default DPC runs on the ISR's processor; KeFlushQueuedDpcs
 * waits for every processor's queue.  A thread that owns processor k at
 * DISPATCH_LEVEL keeps k's DPCs from running until it drops below
 * DISPATCH_LEVEL (however long it stays), while other processors' DPCs run.
 * Every number seen, at any IRQL, is in [0, N).
 */
#include <ndis.h>
#include <ndislock/harness.h>
#include <ndislock/sched.h>

#include <string.h>

#include "check.h"

#define N 7

static KDPC dpc[N];
static ULONG seen_cpu[N], seen_index[N];
static KIRQL seen_irql[N];
static LONG runs[N];

static VOID Record(PKDPC Dpc, PVOID Ctx, PVOID A1, PVOID A2)
{
    ULONG k = (ULONG)(uintptr_t)Ctx;
    PROCESSOR_NUMBER pn;

    (void)Dpc; (void)A1; (void)A2;
    seen_cpu[k] = KeGetCurrentProcessorNumberEx(&pn);
    CHECK_EQ(pn.Group, 0);
    CHECK_EQ(pn.Number, seen_cpu[k]);
    seen_index[k] = NdisCurrentProcessorIndex();
    seen_irql[k] = KeGetCurrentIrql();
    InterlockedIncrement(&runs[k]);
}

static void counts(void)
{
    KAFFINITY mask;
    PROCESSOR_NUMBER pn;

    CHECK_EQ(KeQueryActiveProcessorCount(&mask), N);
    CHECK_EQ(mask, (1u << N) - 1);
    CHECK_EQ(KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS), N);
    CHECK_EQ(KeQueryMaximumProcessorCount(), N);
    CHECK_EQ(NdisSystemProcessorCount(), N);
    CHECK_EQ(NdisGroupActiveProcessorCount(0), N);
    CHECK_EQ(KeGetProcessorNumberFromIndex(N - 1, &pn), STATUS_SUCCESS);
    CHECK_EQ(KeGetProcessorIndexFromNumber(&pn), N - 1);
    CHECK_EQ(KeGetProcessorNumberFromIndex(N, &pn), STATUS_INVALID_PARAMETER);
    CHECK(KeGetCurrentProcessorNumber() < N);              /* PASSIVE_LEVEL */
}

static void targeted(void)
{
    for (ULONG k = 0; k < N; k++) {
        KeInitializeDpc(&dpc[k], Record, (PVOID)(uintptr_t)k);
        if (k & 1) {
            PROCESSOR_NUMBER pn = { 0, (UCHAR)k, 0 };
            CHECK_EQ(KeSetTargetProcessorDpcEx(&dpc[k], &pn), STATUS_SUCCESS);
        } else {
            KeSetTargetProcessorDpc(&dpc[k], (CCHAR)k);
        }
    }
    PROCESSOR_NUMBER bad = { 0, N, 0 };
    CHECK_EQ(KeSetTargetProcessorDpcEx(&dpc[0], &bad), STATUS_INVALID_PARAMETER);
    for (ULONG k = 0; k < N; k++)
        CHECK(KeInsertQueueDpc(&dpc[k], NULL, NULL));
    KeFlushQueuedDpcs();        /* every processor's queue */
    for (ULONG k = 0; k < N; k++) {
        CHECK_EQ(runs[k], 1);
        CHECK_EQ(seen_cpu[k], k);
        CHECK_EQ(seen_index[k], k);
        CHECK_EQ(seen_irql[k], DISPATCH_LEVEL);
    }
}

/* Holding processor k keeps k's DPC from running, not another processor's. */
static KDPC mine, other;
static LONG mine_ran, other_ran;
static ULONG mine_cpu;

static VOID Flag(PKDPC Dpc, PVOID Ctx, PVOID A1, PVOID A2)
{
    (void)Dpc; (void)A1; (void)A2;
    if (Ctx == &mine_ran)
        mine_cpu = KeGetCurrentProcessorNumber();
    InterlockedIncrement((LONG *)Ctx);
}

static void exclusion(void)
{
    KIRQL old;
    ULONG k;

    KeInitializeDpc(&mine, Flag, &mine_ran);
    KeInitializeDpc(&other, Flag, &other_ran);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    k = KeGetCurrentProcessorNumber();
    CHECK(k < N);
    KeSetTargetProcessorDpc(&other, (CCHAR)((k + 1) % N));
    CHECK(KeInsertQueueDpc(&mine, NULL, NULL));          /* untargeted: this processor */
    CHECK(KeInsertQueueDpc(&other, NULL, NULL));
    /* The other processor's DPC runs while we stay at DISPATCH_LEVEL ... */
    while (InterlockedCompareExchange(&other_ran, 0, 0) == 0)
        NdisStallExecution(10);
    /* ... ours cannot, however long we wait: we are on its processor */
    for (int i = 0; i < 2000; i++)
        NdisStallExecution(5);
    CHECK_EQ(InterlockedCompareExchange(&mine_ran, 0, 0), 0);
    CHECK_EQ(KeGetCurrentProcessorNumber(), k);         /* still ours */
    KeLowerIrql(old);
    KeFlushQueuedDpcs();
    CHECK_EQ(mine_ran, 1);
    CHECK_EQ(mine_cpu, k);
}

/* A timer runs on the processor it was set on. */
static KEVENT fired;
static ULONG timer_cpu;
static KIRQL timer_irql;

static VOID Tick(PVOID S1, PVOID Ctx, PVOID S2, PVOID S3)
{
    (void)S1; (void)Ctx; (void)S2; (void)S3;
    timer_cpu = KeGetCurrentProcessorNumber();
    timer_irql = KeGetCurrentIrql();
    KeSetEvent(&fired, 0, FALSE);
}

static void timer_processor(void)
{
    NDIS_TIMER_CHARACTERISTICS tc = { 0 };
    NDIS_HANDLE t;
    LARGE_INTEGER due = { .QuadPart = -1000 };
    KIRQL old;
    ULONG k;

    KeInitializeEvent(&fired, SynchronizationEvent, FALSE);
    tc.TimerFunction = Tick;
    CHECK(NdisAllocateTimerObject(NULL, &tc, &t) == NDIS_STATUS_SUCCESS);
    for (int round = 0; round < 3; round++) {
        KeRaiseIrql(DISPATCH_LEVEL, &old);
        k = KeGetCurrentProcessorNumber();
        NdisSetTimerObject(t, due, 0, NULL);
        KeLowerIrql(old);
        KeWaitForSingleObject(&fired, Executive, KernelMode, FALSE, NULL);
        CHECK_EQ(timer_cpu, k);
        CHECK_EQ(timer_irql, DISPATCH_LEVEL);
    }
    NdisFreeTimerObject(t);
}

/* Interrupt DPCs: per target processor, and the ISR's own processor for the default one. */
static ULONG isr_cpu;
static LONG intr_runs[N];
static ULONG intr_cpu_of[N];

static BOOLEAN Isr(NDIS_HANDLE c, PBOOLEAN q, PULONG t)
{
    (void)c; (void)t;
    isr_cpu = KeGetCurrentProcessorNumber();
    CHECK(isr_cpu < N);
    *q = TRUE;
    return TRUE;
}

static VOID IntrDpc(NDIS_HANDLE c, PVOID DpcCtx, PVOID a, PVOID b)
{
    ULONG p = KeGetCurrentProcessorNumber();

    (void)c; (void)a; (void)b;
    CHECK(p < N);
    intr_cpu_of[p] = p;
    InterlockedIncrement(&intr_runs[p]);
    CHECK(DpcCtx == NULL || DpcCtx == &intr_runs[p]);
}

static void interrupt_dpcs(void)
{
    struct ndislock_adapter *a = ndislock_harness_adapter_create("sched0");
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS ic = { 0 };
    NDIS_HANDLE h;

    ic.InterruptHandler = Isr;
    ic.InterruptDpcHandler = IntrDpc;
    CHECK(NdisMRegisterInterruptEx(a, NULL, &ic, &h) == NDIS_STATUS_SUCCESS);
    CHECK_EQ(ndislock_harness_fire_interrupt(a, 0), 1);
    KeFlushQueuedDpcs();
    CHECK_EQ(intr_runs[isr_cpu], 1);                    /* the default DPC: the ISR's processor */
    intr_runs[isr_cpu] = 0;
    for (ULONG p = 0; p < N; p += 2) {
        GROUP_AFFINITY ga = { 0 };
        ga.Mask = (KAFFINITY)1 << p;
        CHECK(NdisMQueueDpcEx(h, 0, &ga, &intr_runs[p]) == ga.Mask);
    }
    KeFlushQueuedDpcs();
    for (ULONG p = 0; p < N; p++)
        CHECK_EQ(intr_runs[p], p % 2 == 0 ? 1 : 0);
    NdisMDeregisterInterruptEx(h);
    ndislock_harness_adapter_destroy(a);
}

int main(void)
{
    char line[64];

    CHECK(ndislock_sched_configure("cpus=65") == -1);  /* out of range: nothing changes */
    CHECK(ndislock_sched_configure("cpus=x") == -1);
    CHECK(ndislock_sched_configure("frobnicate=1") == -1);
    CHECK_EQ(ndislock_sched_describe(line, sizeof line), 0);
    CHECK_EQ(line[0], '\0');
    CHECK(ndislock_sched_configure("cpus=7") == 0);
    CHECK(ndislock_sched_describe(line, sizeof line) > 0);
    CHECK(strcmp(line, "cpus=7") == 0);
    counts();
    targeted();
    exclusion();
    timer_processor();
    interrupt_dpcs();
    CHECK(KeGetCurrentProcessorNumber() < N);
    CHECK_DONE();
}
