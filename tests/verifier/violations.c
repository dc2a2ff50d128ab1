/*
 * One misuse per rule of the verifier, written against the Windows names
 * only, each with a correct twin of the same shape:
 *
 *   violations RULE_ID        commits the violation
 *   violations RULE_ID twin   does the same work correctly
 *
 * Each line that matters prints a marker first, on the same source line:
 * "alloc N" (where the lock is allocated), "at N" (the offending call), so
 * tests/verifier/rules_test.c can check the report's lines.  Contexts (DPC,
 * ISR) and the events of the context code are simulated the way
 * src/contexts does it: ndislock_tls plus the events of core/events.h.
 */
#include <ndis.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/events.h"
#include "verifier/hooks.h"

#include <ndislock/harness.h>

#define MARK(kind) printf("%s %d\n", (kind), __LINE__)
/* After a last call: keeps it from being a tail call, so this function's line stays on the stack. */
#define NO_TAIL() __asm__ __volatile__("" ::: "memory")

struct adapter {
    NDIS_SPIN_LOCK SendLock;
    NDIS_SPIN_LOCK RecvLock;
    NDIS_SPIN_LOCK Queue[2];
    LIST_ENTRY SendQueue;
    ULONG Packets;
};

static struct adapter the_adapter;
static struct adapter *adapter = &the_adapter;
static int twin;

static void spin_us(unsigned us)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do
        clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < (long)us);
}

static void alloc_send(void)
{
    MARK("alloc"); NdisAllocateSpinLock(&adapter->SendLock);
}

static void alloc_recv(void)
{
    MARK("allocr"); NdisAllocateSpinLock(&adapter->RecvLock);
}

static void lock_not_initialized(void)
{
    if (twin)
        alloc_send();
    MARK("at"); NdisAcquireSpinLock(&adapter->SendLock);
    NdisReleaseSpinLock(&adapter->SendLock);
}

static void lock_use_after_free(void)
{
    alloc_send();
    if (!twin)
        NdisFreeSpinLock(&adapter->SendLock);
    MARK("at"); NdisAcquireSpinLock(&adapter->SendLock);
    NdisReleaseSpinLock(&adapter->SendLock);
    if (twin)
        NdisFreeSpinLock(&adapter->SendLock);
}

static void lock_free_while_held(void)
{
    alloc_send();
    NdisAcquireSpinLock(&adapter->SendLock);
    if (twin)
        NdisReleaseSpinLock(&adapter->SendLock);
    MARK("at"); NdisFreeSpinLock(&adapter->SendLock);
    if (!twin)
        NdisReleaseSpinLock(&adapter->SendLock);
}

static void lock_recursive_acquire(void)
{
    alloc_send();
    NdisAcquireSpinLock(&adapter->SendLock);
    if (twin)
        NdisReleaseSpinLock(&adapter->SendLock);
    MARK("at"); NdisAcquireSpinLock(&adapter->SendLock);
    NdisReleaseSpinLock(&adapter->SendLock);
    if (!twin)
        NdisReleaseSpinLock(&adapter->SendLock);
}

static void lock_release_not_held(void)
{
    alloc_send();
    NdisAcquireSpinLock(&adapter->SendLock);
    NdisReleaseSpinLock(&adapter->SendLock);
    if (twin)
        NdisAcquireSpinLock(&adapter->SendLock);
    MARK("at"); NdisReleaseSpinLock(&adapter->SendLock);
}

static volatile int owner_state;

static void *owner_thread(void *arg)
{
    (void)arg;
    NdisAcquireSpinLock(&adapter->SendLock);
    __atomic_store_n(&owner_state, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&owner_state, __ATOMIC_ACQUIRE) != 2)
        usleep(100);
    NdisReleaseSpinLock(&adapter->SendLock);
    return NULL;
}

static void lock_release_wrong_owner(void)
{
    pthread_t th;

    alloc_send();
    if (twin) {
        NdisAcquireSpinLock(&adapter->SendLock);
        MARK("at"); NdisReleaseSpinLock(&adapter->SendLock);
        return;
    }
    pthread_create(&th, NULL, owner_thread, NULL);
    while (__atomic_load_n(&owner_state, __ATOMIC_ACQUIRE) != 1)
        usleep(100);
    MARK("at"); NdisReleaseSpinLock(&adapter->SendLock);
    __atomic_store_n(&owner_state, 2, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
}

static void lock_variant_mismatch(void)
{
    KIRQL old;

    alloc_send();
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    NdisDprAcquireSpinLock(&adapter->SendLock);
    if (twin)
        NdisDprReleaseSpinLock(&adapter->SendLock);
    else
        MARK("at"), NdisReleaseSpinLock(&adapter->SendLock);
    KeLowerIrql(old);
}

static void irql_dpr_not_dispatch(void)
{
    KIRQL old = PASSIVE_LEVEL;

    alloc_send();
    if (twin)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    MARK("at"); NdisDprAcquireSpinLock(&adapter->SendLock);
    NdisDprReleaseSpinLock(&adapter->SendLock);
    if (twin)
        KeLowerIrql(old);
}

static void irql_acquire_too_high(void)
{
    KIRQL old = PASSIVE_LEVEL;

    alloc_send();
    if (!twin)
        KeRaiseIrql(5, &old);   /* a device IRQL */
    MARK("at"); NdisAcquireSpinLock(&adapter->SendLock);
    NdisReleaseSpinLock(&adapter->SendLock);
    KeLowerIrql(old);
}

static void irql_bad_raise_lower(void)
{
    KIRQL old, old2;

    alloc_send();
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    MARK("at"); KeRaiseIrql(twin ? HIGH_LEVEL : PASSIVE_LEVEL, &old2);
    KeLowerIrql(old2);
    KeLowerIrql(old);
}

static void lock_release_order(void)
{
    alloc_send();
    alloc_recv();
    NdisAcquireSpinLock(&adapter->SendLock);
    NdisAcquireSpinLock(&adapter->RecvLock);
    if (twin) {
        NdisReleaseSpinLock(&adapter->RecvLock);
        NdisReleaseSpinLock(&adapter->SendLock);
    } else {
        MARK("at"); NdisReleaseSpinLock(&adapter->SendLock);
        NdisReleaseSpinLock(&adapter->RecvLock);
    }
    if (KeGetCurrentIrql() != PASSIVE_LEVEL) {
        printf("IRQL not restored: %u\n", KeGetCurrentIrql());
        _exit(3);
    }
}

static void MiniportInterruptDpc(void)
{
    NdisDprAcquireSpinLock(&adapter->SendLock);
    adapter->Packets++;
    if (twin)
        NdisDprReleaseSpinLock(&adapter->SendLock);
}

static void lock_held_at_exit(void)
{
    alloc_send();
    /* what src/contexts does around a DPC */
    ndislock_tls.context = NDISLOCK_CTX_DPC;
    ndislock_tls.irql = DISPATCH_LEVEL;
    NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_ENTER, (const void *)MiniportInterruptDpc, "MiniportInterruptDPC");
    MiniportInterruptDpc();
    MARK("at"); NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_EXIT, (const void *)MiniportInterruptDpc, "MiniportInterruptDPC");
    if (!twin)
        NdisDprReleaseSpinLock(&adapter->SendLock);
    ndislock_tls.context = NDISLOCK_CTX_THREAD;
    ndislock_tls.irql = PASSIVE_LEVEL;
}

static void lock_order_cycle(void)
{
    alloc_send();
    alloc_recv();
    NdisAcquireSpinLock(&adapter->SendLock);
    NdisAcquireSpinLock(&adapter->RecvLock);
    NdisReleaseSpinLock(&adapter->RecvLock);
    NdisReleaseSpinLock(&adapter->SendLock);
    /* later, never concurrently: the other order (the twin keeps the first) */
    NdisAcquireSpinLock(twin ? &adapter->SendLock : &adapter->RecvLock);
    MARK("at"); NdisAcquireSpinLock(twin ? &adapter->RecvLock : &adapter->SendLock);
    NdisReleaseSpinLock(twin ? &adapter->RecvLock : &adapter->SendLock);
    NdisReleaseSpinLock(twin ? &adapter->SendLock : &adapter->RecvLock);
}

/* Two instances of one class (one allocation site): only the instance order counts. */
static void same_class_cycle(void)
{
    for (int i = 0; i < 2; i++) {
        MARK("alloc"); NdisAllocateSpinLock(&adapter->Queue[i]);
    }
    for (int round = 0; round < 2; round++) {
        int first = (twin || round == 0) ? 0 : 1;
        NdisAcquireSpinLock(&adapter->Queue[first]);
        (void)(round == 1 && MARK("at")); NdisDprAcquireSpinLock(&adapter->Queue[1 - first]);
        NdisDprReleaseSpinLock(&adapter->Queue[1 - first]);
        NdisReleaseSpinLock(&adapter->Queue[first]);
    }
}

static void *holder_thread(void *arg)
{
    NdisAcquireSpinLock(&adapter->SendLock);
    __atomic_store_n(&owner_state, 1, __ATOMIC_RELEASE);
    usleep(*(unsigned *)arg);
    NdisReleaseSpinLock(&adapter->SendLock);
    return NULL;
}

static void lock_deadlock(void)
{
    static unsigned hold_us;
    pthread_t th;

    hold_us = twin ? 20000 : 1500000;   /* the driver sets deadlock_ms=300 */
    alloc_send();
    pthread_create(&th, NULL, holder_thread, &hold_us);
    while (__atomic_load_n(&owner_state, __ATOMIC_ACQUIRE) != 1)
        usleep(100);
    MARK("at"); NdisAcquireSpinLock(&adapter->SendLock);
    NdisReleaseSpinLock(&adapter->SendLock);
    pthread_join(th, NULL);
}

static void isr_spinlock(void)
{
    alloc_send();
    /* what src/contexts does around MiniportInterrupt (twin: a DPC) */
    ndislock_tls.context = twin ? NDISLOCK_CTX_DPC : NDISLOCK_CTX_ISR;
    ndislock_tls.irql = twin ? DISPATCH_LEVEL : 5;
    NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_ENTER, NULL, twin ? "MiniportInterruptDPC" : "MiniportInterrupt");
    MARK("at"); NdisDprAcquireSpinLock(&adapter->SendLock);
    NdisDprReleaseSpinLock(&adapter->SendLock);
    NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_EXIT, NULL, twin ? "MiniportInterruptDPC" : "MiniportInterrupt");
    ndislock_tls.context = NDISLOCK_CTX_THREAD;
    ndislock_tls.irql = PASSIVE_LEVEL;
}

static void interrupt_lifecycle(void)
{
    static int interrupt_object;
    /* what NdisMSynchronizeWithInterruptEx does on a deregistered handle */
    if (!twin) {
        MARK("at"); NDISLOCK_EVENT_OBJ(NDISLOCK_EV_INTERRUPT_NOT_REGISTERED, NdisMSynchronizeWithInterruptEx, &interrupt_object);
        printf("returned FALSE\n");
    }
}

static void interlocked_lock_held(void)
{
    LIST_ENTRY e;

    alloc_send();
    NdisInitializeListHead(&adapter->SendQueue);
    NdisAcquireSpinLock(&adapter->SendLock);
    if (twin)
        NdisReleaseSpinLock(&adapter->SendLock);
    MARK("at"); NdisInterlockedInsertTailList(&adapter->SendQueue, &e, &adapter->SendLock);
    if (!twin)
        NdisReleaseSpinLock(&adapter->SendLock);
    NdisInterlockedRemoveHeadList(&adapter->SendQueue, &adapter->SendLock);
}

static void blocking_at_dispatch(void)
{
    alloc_send();
    NdisAcquireSpinLock(&adapter->SendLock);
    if (twin)
        NdisReleaseSpinLock(&adapter->SendLock);
    /* what NdisMSleep does first */
    MARK("at"); NDISLOCK_CHECK_WAIT(NdisMSleep, -10);
    if (!twin)
        NdisReleaseSpinLock(&adapter->SendLock);
}

static void hold_time_exceeded(void)
{
    alloc_send();
    /* Several long holds: one the scheduler preempted is not judged (its time
     * off the CPU is not the driver's), so a real offender is caught on the
     * next hold that stays on the CPU.  Identical reports print once.  40: the
     * first timed pair comes within 2 x 16 - 1 (hold sampling's longest gap),
     * then the site is suspect and its next two holds are timed too. */
    for (int i = 0; i < 40; i++) {
        NdisAcquireSpinLock(&adapter->SendLock);
        spin_us(twin ? 0 : 1500);           /* the driver sets hold_us=1000 */
        MARK("at"); NdisReleaseSpinLock(&adapter->SendLock);
    }
}

static void lock_nested(void)
{
    alloc_send();
    alloc_recv();
    NdisAcquireSpinLock(&adapter->SendLock);
    if (twin)
        NdisReleaseSpinLock(&adapter->SendLock);
    MARK("at"); NdisAcquireSpinLock(&adapter->RecvLock);
    NdisReleaseSpinLock(&adapter->RecvLock);
    if (!twin)
        NdisReleaseSpinLock(&adapter->SendLock);
}

static KSPIN_LOCK kspin;

static void alloc_kspin(void)
{
    MARK("allock"); KeInitializeSpinLock(&kspin);
}

/* KeAcquireSpinLockAtDpcLevel below DISPATCH_LEVEL (DV 0xC4/0x40; intel/haxm#48). */
static void ke_dpc_not_dispatch(void)
{
    KIRQL old = PASSIVE_LEVEL;

    alloc_kspin();
    if (twin)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    MARK("at"); KeAcquireSpinLockAtDpcLevel(&kspin);
    KeReleaseSpinLockFromDpcLevel(&kspin);
    if (twin)
        KeLowerIrql(old);
}

/* KeAcquireSpinLock released with KeReleaseSpinLockFromDpcLevel (ntoskrnl7/crtsys#30). */
static void ke_variant_mismatch(void)
{
    KIRQL old;

    alloc_kspin();
    KeAcquireSpinLock(&kspin, &old);
    if (twin)
        KeReleaseSpinLock(&kspin, old);
    else
        MARK("at"), KeReleaseSpinLockFromDpcLevel(&kspin);
    if (KeGetCurrentIrql() != PASSIVE_LEVEL) {
        printf("IRQL not restored: %u\n", KeGetCurrentIrql());
        _exit(3);
    }
}

/* One KSPIN_LOCK used as an in-stack queued lock and as an ordinary one (DV 0xC4/0x1009). */
static void queued_mix(void)
{
    KLOCK_QUEUE_HANDLE h;
    KIRQL old;

    alloc_kspin();
    KeAcquireInStackQueuedSpinLock(&kspin, &h);
    KeReleaseInStackQueuedSpinLock(&h);
    if (twin) {
        MARK("at"); KeAcquireInStackQueuedSpinLock(&kspin, &h);
        KeReleaseInStackQueuedSpinLock(&h);
    } else {
        MARK("at"); KeAcquireSpinLock(&kspin, &old);
        KeReleaseSpinLock(&kspin, old);
    }
}

static void stall_too_long(void)
{
    MARK("at"); NdisStallExecution(twin ? 10 : 100);
    NO_TAIL();
}

static void lock_double_init(void)
{
    alloc_send();
    if (twin)
        NdisFreeSpinLock(&adapter->SendLock);
    MARK("at"); NdisAllocateSpinLock(&adapter->SendLock);
    NO_TAIL();
}

static void irql_call_too_high(void)
{
    KIRQL old;

    /* what NdisSetTimerObject does first */
    KeRaiseIrql(twin ? DISPATCH_LEVEL : 5, &old);
    MARK("at"); NDISLOCK_CHECK_CALL(NdisSetTimerObject);
    KeLowerIrql(old);
}

static int the_timer, the_adapter_handle;

/* A bracketed halt returns with a timer still set (SDV CancelTimerObject). */
static void active_at_unload(void)
{
    /* what NdisSetTimerObject / a firing or cancelled timer tell the verifier */
    NDISLOCK_EVENT_EX(NDISLOCK_EV_ARMED, NDISLOCK_CALL_NdisSetTimerObject, &the_timer,
                      (uintptr_t)&the_adapter_handle, NULL);
    ndislock_harness_handler_begin("MiniportHaltEx", &the_adapter_handle, NDISLOCK_HANDLER_HALT);
    if (twin)   /* the halt handler cancels it */
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, NdisCancelTimerObject, &the_timer);
    MARK("at"); ndislock_harness_handler_end();
    NO_TAIL();
}

/* A send handler returns holding the send lock (SDV SpinLock: released before the handler exits). */
static void handler_held_at_exit(void)
{
    alloc_send();
    ndislock_harness_handler_begin("MiniportSendNetBufferLists", NULL, NDISLOCK_HANDLER_OTHER);
    NdisAcquireSpinLock(&adapter->SendLock);
    if (twin)
        NdisReleaseSpinLock(&adapter->SendLock);
    MARK("at"); ndislock_harness_handler_end();
    if (!twin)
        NdisReleaseSpinLock(&adapter->SendLock);
}

/* A DPC that runs 400 us on the CPU, time after time (bug check 0x133). */
static void dpc_time_exceeded(void)
{
    for (int i = 0; i < 20; i++) {
        ndislock_tls.context = NDISLOCK_CTX_DPC;
        ndislock_tls.irql = DISPATCH_LEVEL;
        NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_ENTER, (const void *)MiniportInterruptDpc,
                                "MiniportInterruptDPC");
        spin_us(twin ? 5 : 400);
        MARK("at"); NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_EXIT, (const void *)MiniportInterruptDpc, "MiniportInterruptDPC");
        ndislock_tls.context = NDISLOCK_CTX_THREAD;
        ndislock_tls.irql = PASSIVE_LEVEL;
    }
}

/* NdisAcquireRWLockWrite while holding the lock for read: promotion deadlocks. */
static void rw_promotion(void)
{
    static int rwlock;

    MARK("alloc"); static const struct ndislock_site site = { "FilterLock", __FILE__, __LINE__ };
    ndislock__verifier_rw_init(&rwlock, &site);
    /* what the RW lock code tells the verifier */
    ndislock__verifier_rw_acquire(&rwlock, NDISLOCK_RW_NDIS6_READ, 0, NDISLOCK_RW_HELD_NONE);
    ndislock__verifier_rw_acquired(&rwlock, NDISLOCK_RW_NDIS6_READ, 0);
    if (twin) {
        MARK("at"); ndislock__verifier_rw_acquire(&rwlock, NDISLOCK_RW_NDIS6_READ, 0, NDISLOCK_RW_HELD_READ);
        ndislock__verifier_rw_acquired(&rwlock, NDISLOCK_RW_NDIS6_READ, 0);
        ndislock__verifier_rw_release(&rwlock, NDISLOCK_RW_NDIS6_READ);
    } else {
        MARK("at"); if (!ndislock__verifier_rw_acquire(&rwlock, NDISLOCK_RW_NDIS6_WRITE, 0, NDISLOCK_RW_HELD_READ))
            printf("not skipped\n");
    }
    ndislock__verifier_rw_release(&rwlock, NDISLOCK_RW_NDIS6_READ);
}

/* NdisMSynchronizeWithInterruptEx from the interrupt's own ISR: it would wait for itself. */
static void self_deadlock(void)
{
    static int interrupt_object;

    ndislock_tls.context = NDISLOCK_CTX_ISR;
    ndislock_tls.irql = 5;
    /* what the interrupt code reports instead of waiting (the twin: called from a DPC) */
    if (!twin) {
        MARK("at"); NDISLOCK_EVENT_OBJ(NDISLOCK_EV_SELF_DEADLOCK, NdisMSynchronizeWithInterruptEx,
                                       &interrupt_object);
    }
    ndislock_tls.context = NDISLOCK_CTX_THREAD;
    ndislock_tls.irql = PASSIVE_LEVEL;
}

static const struct {
    const char *rule;
    void (*fn)(void);
} scenarios[] = {
    { "SELF_DEADLOCK", self_deadlock },
    { "KE_DPC_NOT_DISPATCH", ke_dpc_not_dispatch },
    { "KE_VARIANT_MISMATCH", ke_variant_mismatch },
    { "QUEUED_MIX", queued_mix },
    { "STALL_TOO_LONG", stall_too_long },
    { "LOCK_DOUBLE_INIT", lock_double_init },
    { "IRQL_CALL_TOO_HIGH", irql_call_too_high },
    { "ACTIVE_AT_UNLOAD", active_at_unload },
    { "HANDLER_HELD_AT_EXIT", handler_held_at_exit },
    { "DPC_TIME_EXCEEDED", dpc_time_exceeded },
    { "RW_PROMOTION", rw_promotion },
    { "LOCK_NOT_INITIALIZED", lock_not_initialized },
    { "LOCK_USE_AFTER_FREE", lock_use_after_free },
    { "LOCK_FREE_WHILE_HELD", lock_free_while_held },
    { "LOCK_RECURSIVE_ACQUIRE", lock_recursive_acquire },
    { "LOCK_RELEASE_NOT_HELD", lock_release_not_held },
    { "LOCK_RELEASE_WRONG_OWNER", lock_release_wrong_owner },
    { "LOCK_VARIANT_MISMATCH", lock_variant_mismatch },
    { "IRQL_DPR_NOT_DISPATCH", irql_dpr_not_dispatch },
    { "IRQL_ACQUIRE_TOO_HIGH", irql_acquire_too_high },
    { "IRQL_BAD_RAISE_LOWER", irql_bad_raise_lower },
    { "LOCK_RELEASE_ORDER", lock_release_order },
    { "LOCK_HELD_AT_EXIT", lock_held_at_exit },
    { "LOCK_ORDER_CYCLE", lock_order_cycle },
    { "SAME_CLASS_CYCLE", same_class_cycle },
    { "LOCK_DEADLOCK", lock_deadlock },
    { "ISR_SPINLOCK", isr_spinlock },
    { "INTERRUPT_LIFECYCLE", interrupt_lifecycle },
    { "INTERLOCKED_LOCK_HELD", interlocked_lock_held },
    { "BLOCKING_AT_DISPATCH", blocking_at_dispatch },
    { "HOLD_TIME_EXCEEDED", hold_time_exceeded },
    { "LOCK_NESTED", lock_nested },
};

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2)
        return 2;
    twin = argc > 2 && !strcmp(argv[2], "twin");
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (!strcmp(argv[1], scenarios[i].rule)) {
            scenarios[i].fn();
            printf("done\n");
            return 0;
        }
    fprintf(stderr, "unknown scenario %s\n", argv[1]);
    return 2;
}
