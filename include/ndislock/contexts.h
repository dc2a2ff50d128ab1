/*
 * ndislock/contexts.h - the contexts driver code runs in: interrupts (ISR at
 * DIRQL), DPCs and timer callbacks (DISPATCH_LEVEL, on library threads) and
 * the delay functions.  (The RW locks, once here, are in ndislock/rwlock.h,
 * included for them.)  Native API; driver
 * code reaches it through the Windows names in <ndis.h>.  Semantics and the
 * threads behind them: docs/CONTEXTS.md.
 */
#ifndef NDISLOCK_CONTEXTS_H
#define NDISLOCK_CONTEXTS_H

#include <ndislock/irql.h>
#include <ndislock/rwlock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The DIRQL every simulated interrupt runs at. */
#define NDISLOCK_DEVICE_IRQL        5
/* Message ids accepted per interrupt (line-based interrupts use message 0). */
#define NDISLOCK_MAX_MESSAGES       8

/* ---- Interrupts ---- */

/*
 * Handler table of one interrupt; the types are the WDK's with native
 * spellings (BOOLEAN = unsigned char, ULONG = uint32_t, NDIS_HANDLE = void *),
 * so the NDIS characteristics copy over field by field.  msi != 0 selects the
 * msg_* set.  ndis5 selects the NDIS 5 MiniportISR / MiniportHandleInterrupt
 * shapes (isr5, dpc5).
 */
struct ndislock_interrupt_handlers {
    unsigned char (*isr)(void *ctx, unsigned char *queue_dpc, uint32_t *target_processors);
    void (*dpc)(void *ctx, void *dpc_ctx, void *reserved1, void *reserved2);
    void (*disable)(void *ctx);
    void (*enable)(void *ctx);
    int msi;
    unsigned char (*msg_isr)(void *ctx, uint32_t msg, unsigned char *queue_dpc,
                             uint32_t *target_processors);
    void (*msg_dpc)(void *ctx, uint32_t msg, void *dpc_ctx, void *reserved1, void *reserved2);
    void (*msg_disable)(void *ctx, uint32_t msg);
    void (*msg_enable)(void *ctx, uint32_t msg);
    int ndis5;
    void (*isr5)(unsigned char *recognized, unsigned char *queue_dpc, void *ctx);
    void (*dpc5)(void *ctx);
};

/* NdisMRegisterInterruptEx: 0 and *handle set, or -1 (bad arguments, no slot,
 * adapter already has an interrupt).  adapter: from ndislock_harness_adapter_create. */
NDISLOCK_API int ndislock_interrupt_register(void *adapter, void *ctx,
                                             const struct ndislock_interrupt_handlers *h,
                                             void **handle);
/* NdisMRegisterInterrupt (NDIS 5): the handlers given to ndislock_harness_set_ndis5_handlers. */
NDISLOCK_API int ndislock_interrupt_register_ndis5(void *adapter, void **handle);
/* NdisMDeregisterInterruptEx: no ISR runs after it returns, and it waits for
 * the interrupt's queued and running DPCs.  Not from the interrupt's own DPC. */
NDISLOCK_API void ndislock_interrupt_deregister(void *handle);
/* NdisMSynchronizeWithInterruptEx: fn(ctx) at DIRQL under the interrupt lock;
 * its result, or 0 (and an INTERRUPT_NOT_REGISTERED event) if the handle is
 * not a registered interrupt. */
NDISLOCK_API unsigned char ndislock_interrupt_synchronize(void *handle, uint32_t msg,
                                                          unsigned char (*fn)(void *), void *ctx);
/* KeAcquireInterruptSpinLock: takes the interrupt lock and raises to its
 * DIRQL; returns the IRQL before.  From the interrupt's own ISR or
 * synchronize callback (a self-deadlock on Windows) it reports
 * NDISLOCK_EV_SELF_DEADLOCK and, with the verifier on, takes nothing. */
NDISLOCK_API ndislock_irql_t ndislock_interrupt_lock(void *handle);
/* KeReleaseInterruptSpinLock: releases it, lowers to old. */
NDISLOCK_API void ndislock_interrupt_unlock(void *handle, ndislock_irql_t old);
/* NdisMQueueDpcEx / NdisMQueueDpc: queues the interrupt's DPC for message
 * msg on each processor in targets, passing dpc_ctx as its
 * MiniportDpcContext; returns the processors it was queued for (not those
 * where it already was). */
NDISLOCK_API uint64_t ndislock_interrupt_queue_dpc(void *handle, uint32_t msg, uint64_t targets,
                                                   void *dpc_ctx);

/* ---- DPCs ---- */

/*
 * A deferred procedure call (KDPC): DeferredRoutine(dpc, DeferredContext,
 * SystemArgument1, SystemArgument2) at DISPATCH_LEVEL on a DPC thread.  By
 * default one DPC thread runs every DPC; with simulated processors
 * (ndislock/sched.h) each processor has its own queue and thread, and a DPC
 * is queued on the processor KeSetTargetProcessorDpc(Ex) named, else on the
 * inserting thread's current one, and runs there.  The WDK's field names
 * are kept because drivers may read them; the rest is the library's.
 */
struct ndislock_dpc {
    uint8_t Type;                   /* 19: wdm.h's DpcObject */
    uint8_t Importance;             /* NDISLOCK_DPC_{LOW,MEDIUM,HIGH,MEDIUM_HIGH} */
    uint16_t Number;                /* target processor, if targeted (KeSetTargetProcessorDpc) */
    void (*DeferredRoutine)(struct ndislock_dpc *dpc, void *ctx, void *arg1, void *arg2);
    void *DeferredContext;
    void *SystemArgument1;          /* from the insert that queued it (under the queue lock) */
    void *SystemArgument2;
    struct ndislock_dpc *next;      /* DPC queue link; under the queue lock */
    const void *callee;             /* the driver function it stands for (events) */
    const char *role;               /* its WDK role name (events) */
    uint64_t ticket;                /* insertion number, for ndislock_dpc_flush; under the queue lock */
    uint8_t queued;                 /* on the queue; under the queue lock */
    uint8_t running;                /* its routine is running; under the queue lock */
    uint8_t targeted;               /* Number was set: queue there, not on the current processor */
    uint8_t queue;                  /* the queue it is on (queued) or runs from (running) */
};

#define NDISLOCK_DPC_LOW            0   /* LowImportance */
#define NDISLOCK_DPC_MEDIUM         1   /* MediumImportance (the default) */
#define NDISLOCK_DPC_HIGH           2   /* HighImportance: queued at the head */
#define NDISLOCK_DPC_MEDIUM_HIGH    3   /* MediumHighImportance */

typedef void ndislock_dpc_fn(struct ndislock_dpc *dpc, void *ctx, void *arg1, void *arg2);

/* KeInitializeDpc.  callee/role default to fn and "CustomDpc". */
NDISLOCK_API void ndislock_dpc_init(struct ndislock_dpc *d, ndislock_dpc_fn *fn, void *ctx);
/* KeInsertQueueDpc: 1 if queued now (with arg1/arg2), 0 if it already was
 * (nothing changes).  Any IRQL. */
NDISLOCK_API int ndislock_dpc_queue(struct ndislock_dpc *d, void *arg1, void *arg2);
/* KeRemoveQueueDpc: 1 if it was queued and is not any more (its routine did not start). */
NDISLOCK_API int ndislock_dpc_dequeue(struct ndislock_dpc *d);
/* Waits until d is neither queued nor running (a running d is not waited
 * for when called from the DPC thread itself). */
NDISLOCK_API void ndislock_dpc_wait_idle(struct ndislock_dpc *d);
/* KeFlushQueuedDpcs: returns once every DPC queued before the call has run
 * (or was removed).  On the DPC thread itself it cannot wait: it returns. */
NDISLOCK_API void ndislock_dpc_flush(void);
/* KeSetImportanceDpc: stored; NDISLOCK_DPC_HIGH queues at the head. */
NDISLOCK_API void ndislock_dpc_set_importance(struct ndislock_dpc *d, unsigned importance);
/* KeSetTargetProcessorDpc(Ex): the DPC is queued on processor number from
 * now on (with one DPC thread, the default, only stored); 0, or -1 if
 * number is not a processor (nothing stored). */
NDISLOCK_API int ndislock_dpc_set_target(struct ndislock_dpc *d, uint32_t number);

/* ---- Timers (NDIS 6 timer objects, NDIS 5 timers) ---- */

typedef void ndislock_timer_fn(void *system1, void *ctx, void *system2, void *system3);

/* A timer.  NDIS 5 timers (NDIS_TIMER, NDIS_MINIPORT_TIMER) embed one; NDIS 6
 * timer objects are allocated. */
struct ndislock_timer {
    struct ndislock_timer *next;    /* the sorted queue; under the timer lock */
    ndislock_timer_fn *fn;
    void *ctx;                      /* under the timer lock */
    uint64_t due_ns;                /* CLOCK_MONOTONIC; under the timer lock */
    uint64_t period_ns;             /* under the timer lock */
    uint8_t queued, running, free_when_done;   /* under the timer lock */
    uint8_t kind;                   /* NDISLOCK_TIMER_*: which calls and role name it has */
    uint16_t cpu;                   /* simulated processor it was set on; under the timer lock */
};

#define NDISLOCK_TIMER_NDIS6          0 /* NdisAllocateTimerObject ... NdisFreeTimerObject */
#define NDISLOCK_TIMER_NDIS5          1 /* NdisInitializeTimer, NdisSetTimer(Ex), NdisCancelTimer */
#define NDISLOCK_TIMER_NDIS5_MINIPORT 2 /* NdisMInitializeTimer, NdisMSet(Periodic)Timer, NdisMCancelTimer */

/* NdisAllocateTimerObject: NULL if out of memory. */
NDISLOCK_API struct ndislock_timer *ndislock_timer_create(ndislock_timer_fn *fn, void *ctx);
/* NdisInitializeTimer / NdisMInitializeTimer (kind NDISLOCK_TIMER_NDIS5*), in the caller's storage. */
NDISLOCK_API void ndislock_timer_init(struct ndislock_timer *t, ndislock_timer_fn *fn, void *ctx,
                                      unsigned kind);
/*
 * NdisSetTimerObject and the NDIS 5 sets: due < 0 is relative (100 ns
 * units), due >= 0 absolute (100 ns units since 1601-01-01 UTC,
 * KeQuerySystemTime's clock); period_ms > 0 re-arms it every period after
 * the first expiry; ctx != NULL replaces the callback's context.  Returns 1
 * if the timer was queued (the old setting is replaced).
 */
NDISLOCK_API int ndislock_timer_set(struct ndislock_timer *t, int64_t due, int32_t period_ms,
                                    void *ctx);
/* NdisCancelTimerObject and the NDIS 5 cancels: 1 if the timer was queued
 * and now is not.  Cancelling a periodic timer also waits for its running
 * callback (NdisCancelTimerObject does, with KeFlushQueuedDpcs); a
 * one-shot's running callback is not waited for. */
NDISLOCK_API int ndislock_timer_cancel(struct ndislock_timer *t);
/* NdisFreeTimerObject: cancels, waits for a running callback (unless called
 * from it), frees. */
NDISLOCK_API void ndislock_timer_free(struct ndislock_timer *t);
/* Windows system time now (100 ns units since 1601), for absolute due times. */
NDISLOCK_API int64_t ndislock_system_time(void);

/* ---- Delays ---- */

/* NdisMSleep: blocks for at least us microseconds (PASSIVE_LEVEL only). */
NDISLOCK_API void ndislock_sleep_us(uint32_t us);
/* NdisStallExecution: busy-waits at least us microseconds; any IRQL. */
NDISLOCK_API void ndislock_stall_us(uint32_t us);
/* KeStallExecutionProcessor: the same, reported under its own name. */
NDISLOCK_API void ndislock_stall_processor_us(uint32_t us);

/* Stops and joins the library's DPC and timer threads (they restart when
 * needed).  Called at exit too. */
NDISLOCK_API void ndislock_contexts_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_CONTEXTS_H */
