/*
 * ndislock/harness.h - the simulated adapter: what the hardware and the NDIS
 * miniport framework would provide.  A test or sample creates an adapter,
 * passes it to the driver as its MiniportAdapterHandle, and fires interrupts.
 */
#ifndef NDISLOCK_HARNESS_H
#define NDISLOCK_HARNESS_H

#include <ndislock/contexts.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ndislock_adapter;

/* A simulated adapter (NDIS_HANDLE MiniportAdapterHandle); NULL if out of memory. */
NDISLOCK_API struct ndislock_adapter *ndislock_harness_adapter_create(const char *name);
/* Frees it; an interrupt still registered on it is deregistered first. */
NDISLOCK_API void ndislock_harness_adapter_destroy(struct ndislock_adapter *a);

/*
 * The device raises interrupt message msg (0 for a line interrupt): the
 * registered ISR runs now, on the calling thread, at the interrupt's DIRQL
 * under the interrupt lock; a TRUE QueueDefaultInterruptDpc queues the DPC.
 * Returns 1 if the ISR claimed it, 0 if not, -1 if nothing is registered, the
 * interrupt is disabled, or msg is out of range.  Call at PASSIVE or
 * DISPATCH_LEVEL, never from inside a callback of the same interrupt.
 */
NDISLOCK_API int ndislock_harness_fire_interrupt(struct ndislock_adapter *a, uint32_t msg);

/* NDIS calling MiniportDisableInterruptEx / MiniportEnableInterruptEx (at
 * DIRQL, under the interrupt lock); while disabled, fired interrupts are dropped. */
NDISLOCK_API void ndislock_harness_disable_interrupt(struct ndislock_adapter *a);
NDISLOCK_API void ndislock_harness_enable_interrupt(struct ndislock_adapter *a);

/* The NDIS 5 handlers NdisMRegisterInterrupt uses (from NDIS51_MINIPORT_CHARACTERISTICS). */
NDISLOCK_API void ndislock_harness_set_ndis5_handlers(struct ndislock_adapter *a,
        void (*isr)(unsigned char *recognized, unsigned char *queue_dpc, void *ctx),
        void (*handle_interrupt)(void *ctx), void (*disable)(void *ctx),
        void (*enable)(void *ctx), void *adapter_context);

/* Counters: interrupts fired, claimed by the ISR, DPCs run. */
struct ndislock_harness_counts {
    uint64_t fired, claimed, dropped, dpcs;
};
NDISLOCK_API void ndislock_harness_get_counts(struct ndislock_adapter *a, struct ndislock_harness_counts *c);

/*
 * --- Bracketing driver handlers ---
 * NDIS calls a miniport's handlers (MiniportSendNetBufferLists,
 * MiniportReturnNetBufferLists, MiniportOidRequest, MiniportPause,
 * MiniportRestart, MiniportHaltEx ...) and expects each to return with
 * every spin lock it took released and the IRQL it was called at.  A
 * harness that calls a handler directly brackets the call:
 *
 *     ndislock_harness_handler_begin("MiniportHaltEx", adapter, NDISLOCK_HANDLER_HALT);
 *     MiniportHaltEx(ctx, NdisHaltDeviceDisabled);
 *     ndislock_harness_handler_end();
 *
 * and at the end the verifier checks the handler's return like a DPC's
 * (LOCK_HELD_AT_EXIT: locks taken inside still held, IRQL changed).  A
 * bracketed halt also checks that nothing armed for that adapter is still
 * active: a timer set, a DPC queued, an interrupt registered
 * (ACTIVE_AT_UNLOAD).  adapter is the MiniportAdapterHandle the driver
 * passes to NdisAllocateTimerObject / NdisMRegisterInterruptEx (may be
 * NULL).  Brackets nest per thread and must be ended on the thread that
 * began them.  With the verifier off they check nothing.
 */
enum ndislock_handler_kind {
    NDISLOCK_HANDLER_OTHER = 0,     /* any handler: send, return, OID, pause, restart ... */
    NDISLOCK_HANDLER_HALT = 1,      /* MiniportHaltEx (or a failed MiniportInitializeEx) */
};

NDISLOCK_API void ndislock_harness_handler_begin(const char *name, const void *adapter,
                                                 enum ndislock_handler_kind kind);
NDISLOCK_API void ndislock_harness_handler_end(void);

/* Brackets one handler call: NDISLOCK_HARNESS_CALL(NDISLOCK_HANDLER_OTHER, a, MiniportPause(c, &p)). */
#define NDISLOCK_HARNESS_CALL(kind, adapter, call)                              \
    do {                                                                        \
        ndislock_harness_handler_begin(#call, (adapter), (kind));               \
        call;                                                                   \
        ndislock_harness_handler_end();                                         \
    } while (0)

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_HARNESS_H */
