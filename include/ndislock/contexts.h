/*
 * ndislock/contexts.h - the contexts driver code runs in: interrupts (ISR at
 * DIRQL), DPCs and timer callbacks (DISPATCH_LEVEL, on library threads), the
 * NDIS 6.20 reader/writer lock and the delay functions.  Native API; driver
 * code reaches it through the Windows names in <ndis.h>.  Semantics and the
 * threads behind them: docs/CONTEXTS.md.
 */
#ifndef NDISLOCK_CONTEXTS_H
#define NDISLOCK_CONTEXTS_H

#include <ndislock/irql.h>

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

/* ---- DPCs ---- */

/* A deferred procedure call: fn(arg) at DISPATCH_LEVEL on the DPC thread. */
struct ndislock_dpc {
    struct ndislock_dpc *next;      /* DPC queue link; guarded by the queue lock */
    void (*fn)(void *arg);
    void *arg;
    const void *callee;             /* the driver function it stands for (events) */
    const char *role;               /* its WDK role name (events) */
    uint8_t queued;                 /* on the queue (guarded by the queue lock) */
    uint8_t running;                /* fn is running (guarded by the queue lock) */
};

/* KeInitializeDpc.  callee/role default to fn and "DeferredRoutine". */
NDISLOCK_API void ndislock_dpc_init(struct ndislock_dpc *d, void (*fn)(void *), void *arg);
/* KeInsertQueueDpc: 1 if queued now, 0 if it already was. */
NDISLOCK_API int ndislock_dpc_queue(struct ndislock_dpc *d);
/* KeRemoveQueueDpc: 1 if it was queued and is not any more. */
NDISLOCK_API int ndislock_dpc_dequeue(struct ndislock_dpc *d);
/* Waits until d is neither queued nor running (a running d is not waited
 * for when called from the DPC thread itself). */
NDISLOCK_API void ndislock_dpc_wait_idle(struct ndislock_dpc *d);

/* ---- Timers (NDIS timer objects) ---- */

typedef void ndislock_timer_fn(void *system1, void *ctx, void *system2, void *system3);
struct ndislock_timer;

/* NdisAllocateTimerObject: NULL if out of memory. */
NDISLOCK_API struct ndislock_timer *ndislock_timer_create(ndislock_timer_fn *fn, void *ctx);
/*
 * NdisSetTimerObject: due < 0 is relative (100 ns units), due >= 0 absolute
 * (100 ns units since 1601-01-01 UTC, KeQuerySystemTime's clock); period_ms > 0
 * re-arms it every period after the first expiry; ctx != NULL replaces the
 * callback's context.  Returns 1 if the timer was queued (the old setting is
 * replaced).
 */
NDISLOCK_API int ndislock_timer_set(struct ndislock_timer *t, int64_t due, int32_t period_ms,
                                    void *ctx);
/* NdisCancelTimerObject: 1 if the timer was queued and now is not.  A running
 * callback is not waited for. */
NDISLOCK_API int ndislock_timer_cancel(struct ndislock_timer *t);
/* NdisFreeTimerObject: cancels, waits for a running callback (unless called
 * from it), frees. */
NDISLOCK_API void ndislock_timer_free(struct ndislock_timer *t);
/* Windows system time now (100 ns units since 1601), for absolute due times. */
NDISLOCK_API int64_t ndislock_system_time(void);

/* ---- NDIS 6.20 reader/writer lock ---- */

/* Lock word: bit 31 = a writer holds it, bits 0-30 = number of readers. */
struct ndislock_rwlock {
    uint32_t word;
    uint32_t writers_waiting;       /* readers step aside while > 0 */
    const void *writer;             /* the writing thread's identity, for read-in-write */
};

/* LOCK_STATE_EX; the fields keep their WDK names because drivers see them. */
struct ndislock_rw_state {
    ndislock_irql_t OldIrql;
    uint8_t LockState;              /* NDISLOCK_RWS_* */
    uint8_t Flags;
};
#define NDISLOCK_RWS_FREE           0
#define NDISLOCK_RWS_READ           1
#define NDISLOCK_RWS_WRITE          2
#define NDISLOCK_RWS_READ_IN_WRITE  3   /* a read by the thread that holds it for write */
#define NDISLOCK_RWL_AT_DISPATCH    0x1 /* NDIS_RWL_AT_DISPATCH_LEVEL */

NDISLOCK_API struct ndislock_rwlock *ndislock_rwlock_create(void);
NDISLOCK_API void ndislock_rwlock_free(struct ndislock_rwlock *l);
NDISLOCK_API void ndislock_rwlock_read(struct ndislock_rwlock *l, struct ndislock_rw_state *s,
                                       unsigned flags);
NDISLOCK_API void ndislock_rwlock_write(struct ndislock_rwlock *l, struct ndislock_rw_state *s,
                                        unsigned flags);
NDISLOCK_API void ndislock_rwlock_release(struct ndislock_rwlock *l, struct ndislock_rw_state *s);

/* ---- Delays ---- */

/* NdisMSleep: blocks for at least us microseconds (PASSIVE_LEVEL only). */
NDISLOCK_API void ndislock_sleep_us(uint32_t us);
/* NdisStallExecution: busy-waits at least us microseconds; any IRQL. */
NDISLOCK_API void ndislock_stall_us(uint32_t us);

/* Stops and joins the library's DPC and timer threads (they restart when
 * needed).  Called at exit too. */
NDISLOCK_API void ndislock_contexts_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_CONTEXTS_H */
