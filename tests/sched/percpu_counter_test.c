/*
 * Per-processor data without locks, as Windows drivers keep it: code at
 * DISPATCH_LEVEL updates counter[KeGetCurrentProcessorNumberEx()] with a
 * plain read-modify-write, which is safe only if nothing else runs at
 * DISPATCH_LEVEL on that processor meanwhile.
 *
 *   percpu_counter_test cpus   with cpus=4 (on a 2-core host): threads that
 *       raise (KeRaiseIrql, NdisAcquireSpinLock), DPCs targeted at every
 *       processor and a periodic timer make UPDATES plain updates between
 *       them, yielding the host CPU inside the window now and then; no update
 *       is lost, no two of them are ever inside the window of one processor
 *       at once, every number is in [0, 4).  Then the handshake below: no
 *       loss either, since the second thread gets another processor.
 *   percpu_counter_test off    no simulated processors (processor numbers
 *       are host CPUs, IRQL is per thread): the handshake loses an update in
 *       every round, for certain.
 *
 * The handshake: threads A and B run on one host CPU (affinity).  A raises,
 * reads counter[p], then waits until B has finished one whole update at
 * DISPATCH_LEVEL, then writes.  Without simulated processors B sees the
 * same processor number as A (the same host CPU) and A's write undoes B's:
 * one lost update per round, whatever the timing.  With cpus=4, A owns its
 * processor and B gets another one, so nothing is lost.
 */
#define _GNU_SOURCE
#include <ndis.h>
#include <ndislock/sched.h>

#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "check.h"

/* Sanitizers and qemu run ~10x slower: a tenth of the updates there. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__) || defined(__aarch64__)
#define SCALE 10
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SCALE 10
#endif
#endif
#ifndef SCALE
#define SCALE 1
#endif

#define CPUS        4
#define RAISERS     3
#define PER_RAISER  (2500000 / SCALE)
#define DPC_BATCH   1000
#define PER_DPC     (500000 / SCALE)            /* per processor */
#define TIMER_BATCH 5000
#define PER_TIMER   (500000 / SCALE)
#define UPDATES     ((uint64_t)RAISERS * PER_RAISER + (uint64_t)CPUS * PER_DPC + PER_TIMER)
#define ROUNDS      1000

static uint64_t counter[NDISLOCK_MAX_PROCESSORS];   /* plain: only the processor's owner writes it */
static uint32_t inside[NDISLOCK_MAX_PROCESSORS];    /* threads in a window of that processor */
static uint32_t overlaps, out_of_range;

/* One update at DISPATCH_LEVEL; yields the host CPU inside the window when asked. */
static void update(int yield)
{
    ULONG p = KeGetCurrentProcessorNumberEx(NULL);

    if (p >= CPUS) {
        __atomic_fetch_add(&out_of_range, 1, __ATOMIC_RELAXED);
        return;
    }
    if (__atomic_fetch_add(&inside[p], 1, __ATOMIC_RELAXED) != 0)
        __atomic_fetch_add(&overlaps, 1, __ATOMIC_RELAXED);
    uint64_t v = counter[p];
    if (yield)
        sched_yield();          /* preempted at DISPATCH_LEVEL: Linux may, Windows does not */
    counter[p] = v + 1;
    __atomic_fetch_sub(&inside[p], 1, __ATOMIC_RELAXED);
}

static void *raiser(void *arg)
{
    NDIS_SPIN_LOCK own;         /* a lock nobody else takes: only its raise matters */
    KIRQL old;

    (void)arg;
    NdisAllocateSpinLock(&own);
    for (int i = 0; i < PER_RAISER; i++) {
        if (i & 1) {
            KeRaiseIrql(DISPATCH_LEVEL, &old);
            update((i & 1023) == 1);
            KeLowerIrql(old);
        } else {
            NdisAcquireSpinLock(&own);
            update(0);
            NdisReleaseSpinLock(&own);
        }
    }
    NdisFreeSpinLock(&own);
    return NULL;
}

static KDPC dpcs[CPUS];
static LONG dpc_left[CPUS], dpc_wrong_cpu;

static VOID PerCpuDpc(PKDPC Dpc, PVOID Ctx, PVOID A1, PVOID A2)
{
    LONG k = (LONG)(intptr_t)Ctx;

    (void)A1; (void)A2;
    if (KeGetCurrentProcessorNumberEx(NULL) != (ULONG)k || KeGetCurrentIrql() != DISPATCH_LEVEL)
        InterlockedIncrement(&dpc_wrong_cpu);
    for (int i = 0; i < DPC_BATCH; i++)
        update(i == DPC_BATCH / 2);
    if (InterlockedAdd(&dpc_left[k], -DPC_BATCH) > 0)
        KeInsertQueueDpc(Dpc, NULL, NULL);      /* again, on the same processor */
}

static NDIS_HANDLE timer;
static LONG timer_left = PER_TIMER;
static KEVENT timer_done;

static VOID TimerTick(PVOID S1, PVOID Ctx, PVOID S2, PVOID S3)
{
    (void)S1; (void)Ctx; (void)S2; (void)S3;
    if (timer_left <= 0)
        return;                 /* a tick after the last one, before the cancel */
    for (int i = 0; i < TIMER_BATCH; i++)
        update(i == 0);
    if (InterlockedAdd(&timer_left, -TIMER_BATCH) <= 0)
        KeSetEvent(&timer_done, 0, FALSE);
}

static uint64_t total(void)
{
    uint64_t sum = 0;

    for (int k = 0; k < NDISLOCK_MAX_PROCESSORS; k++)
        sum += counter[k];
    return sum;
}

static void mixed_updates(void)
{
    pthread_t t[RAISERS];
    NDIS_TIMER_CHARACTERISTICS tc;
    LARGE_INTEGER due;

    KeInitializeEvent(&timer_done, NotificationEvent, FALSE);
    memset(&tc, 0, sizeof tc);
    tc.TimerFunction = TimerTick;
    CHECK(NdisAllocateTimerObject(NULL, &tc, &timer) == NDIS_STATUS_SUCCESS);
    due.QuadPart = -10000;      /* 1 ms, then every 1 ms */
    NdisSetTimerObject(timer, due, 1, NULL);
    for (int k = 0; k < CPUS; k++) {
        dpc_left[k] = PER_DPC;
        KeInitializeDpc(&dpcs[k], PerCpuDpc, (PVOID)(intptr_t)k);
        KeSetTargetProcessorDpc(&dpcs[k], (CCHAR)k);
        CHECK(KeInsertQueueDpc(&dpcs[k], NULL, NULL));
    }
    for (int i = 0; i < RAISERS; i++)
        CHECK(pthread_create(&t[i], NULL, raiser, NULL) == 0);
    for (int i = 0; i < RAISERS; i++)
        pthread_join(t[i], NULL);
    KeWaitForSingleObject(&timer_done, Executive, KernelMode, FALSE, NULL);
    NdisCancelTimerObject(timer);
    NdisFreeTimerObject(timer);
    for (;;) {                  /* the DPCs re-insert themselves until their budget is spent */
        KeFlushQueuedDpcs();
        int left = 0;
        for (int k = 0; k < CPUS; k++)
            left |= __atomic_load_n(&dpc_left[k], __ATOMIC_ACQUIRE) > 0;
        if (!left)
            break;
    }
    KeFlushQueuedDpcs();

    CHECK_EQ(__atomic_load_n(&out_of_range, __ATOMIC_RELAXED), 0);
    CHECK_EQ(__atomic_load_n(&overlaps, __ATOMIC_RELAXED), 0);
    CHECK_EQ(dpc_wrong_cpu, 0);
    CHECK_EQ(total(), UPDATES);
    for (int k = CPUS; k < NDISLOCK_MAX_PROCESSORS; k++)
        CHECK_EQ(counter[k], 0);
    for (int k = 0; k < CPUS; k++)
        CHECK(counter[k] > 0);  /* every processor ran DPCs */
    printf("cpus=%d: %llu updates from %d threads, %d processors' DPCs and a timer: none lost\n",
           CPUS, (unsigned long long)total(), RAISERS, CPUS);
}

/* ---- The handshake ---- */

static uint64_t hs_counter[NDISLOCK_MAX_PROCESSORS];   /* relaxed atomics: the race is the point */
static int a_read, b_done, hs_cpu;

static void pin_to_one_cpu(void)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(hs_cpu, &set);
    CHECK(pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0);
}

static void hs_update(void)
{
    ULONG p = KeGetCurrentProcessorNumberEx(NULL);
    uint64_t v = __atomic_load_n(&hs_counter[p], __ATOMIC_RELAXED);

    __atomic_store_n(&hs_counter[p], v + 1, __ATOMIC_RELAXED);
}

static void *hs_b(void *arg)
{
    KIRQL old;

    (void)arg;
    pin_to_one_cpu();
    for (int r = 1; r <= ROUNDS; r++) {
        while (__atomic_load_n(&a_read, __ATOMIC_ACQUIRE) != r)
            sched_yield();
        KeRaiseIrql(DISPATCH_LEVEL, &old);
        hs_update();
        KeLowerIrql(old);
        __atomic_store_n(&b_done, r, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* Returns the updates lost in ROUNDS rounds of two updates each. */
static uint64_t handshake(void)
{
    pthread_t b;
    cpu_set_t mask;
    KIRQL old;
    uint64_t sum = 0;

    CHECK(sched_getaffinity(0, sizeof mask, &mask) == 0);
    while (!CPU_ISSET(hs_cpu, &mask))
        hs_cpu++;
    CHECK(pthread_create(&b, NULL, hs_b, NULL) == 0);
    pin_to_one_cpu();
    for (int r = 1; r <= ROUNDS; r++) {
        KeRaiseIrql(DISPATCH_LEVEL, &old);
        ULONG p = KeGetCurrentProcessorNumberEx(NULL);
        uint64_t v = __atomic_load_n(&hs_counter[p], __ATOMIC_RELAXED);
        __atomic_store_n(&a_read, r, __ATOMIC_RELEASE);
        while (__atomic_load_n(&b_done, __ATOMIC_ACQUIRE) != r)
            sched_yield();      /* B runs its whole update now, on this host CPU */
        __atomic_store_n(&hs_counter[p], v + 1, __ATOMIC_RELAXED);
        KeLowerIrql(old);
    }
    pthread_join(b, NULL);
    for (int k = 0; k < NDISLOCK_MAX_PROCESSORS; k++)
        sum += hs_counter[k];
    return 2u * ROUNDS - sum;
}

int main(int argc, char **argv)
{
    int cpus = argc > 1 && strcmp(argv[1], "cpus") == 0;

    CHECK(argc > 1 && (cpus || strcmp(argv[1], "off") == 0));
    if (cpus) {
        CHECK(ndislock_sched_configure("cpus=4") == 0);
        CHECK_EQ(KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS), CPUS);
        mixed_updates();
        CHECK_EQ(handshake(), 0);
        printf("cpus=%d: handshake: %d rounds, no update lost (B got another processor)\n", CPUS,
               ROUNDS);
    } else {
        CHECK_EQ(handshake(), ROUNDS);
        printf("no simulated processors: handshake: %d of %d updates lost, one per round\n",
               ROUNDS, 2 * ROUNDS);
    }
    CHECK_DONE();
}
