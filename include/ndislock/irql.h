/*
 * ndislock/irql.h - the IRQL model: one interrupt request level per thread.
 *
 * A thread starts at PASSIVE_LEVEL.  Raising to DISPATCH_LEVEL is what taking
 * a spin lock does; DPC and timer callbacks run at DISPATCH_LEVEL on threads
 * the library owns; an ISR and a synchronize callback run at the interrupt's
 * DIRQL (above DISPATCH_LEVEL).  Lowering below DISPATCH_LEVEL first runs the
 * work that was deferred for this thread (ndislock_irql_defer), at
 * DISPATCH_LEVEL, the way Windows drains a processor's DPC queue.
 */
#ifndef NDISLOCK_IRQL_H
#define NDISLOCK_IRQL_H

#include <ndislock/atomic.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint8_t ndislock_irql_t;

/* The x64 values of wdm.h (an IRQL is the x64 CR8 priority, 0-15). */
#define NDISLOCK_PASSIVE_LEVEL  0
#define NDISLOCK_APC_LEVEL      1
#define NDISLOCK_DISPATCH_LEVEL 2
#define NDISLOCK_DIRQL_MIN      3   /* lowest device IRQL */
#define NDISLOCK_CMCI_LEVEL     5   /* corrected machine check interrupts */
#define NDISLOCK_SYNCH_LEVEL    12  /* IPI_LEVEL - 2: KeAcquireSpinLockRaiseToSynch */
#define NDISLOCK_CLOCK_LEVEL    13
#define NDISLOCK_IPI_LEVEL      14
#define NDISLOCK_POWER_LEVEL    14
#define NDISLOCK_PROFILE_LEVEL  15
#define NDISLOCK_HIGH_LEVEL     15

/* What a thread is running right now; set by the interrupt/DPC/timer code. */
enum ndislock_context {
    NDISLOCK_CTX_THREAD = 0,      /* an ordinary thread (driver entry points) */
    NDISLOCK_CTX_DPC,             /* MiniportInterruptDPC or another DPC */
    NDISLOCK_CTX_TIMER,           /* an NDIS timer object's callback */
    NDISLOCK_CTX_ISR,             /* MiniportInterrupt (MiniportISR) */
    NDISLOCK_CTX_DISABLE_INTR,    /* MiniportDisableInterruptEx */
    NDISLOCK_CTX_SYNC,            /* a MiniportSynchronizeInterrupt callback */
};

/* Work to run once this thread's IRQL drops below DISPATCH_LEVEL. */
struct ndislock_deferred {
    struct ndislock_deferred *next;
    void (*fn)(void *arg);
    void *arg;
};

/* Per-thread state.  irql first: the fast paths touch one cache line. */
struct ndislock_thread {
    ndislock_irql_t irql;               /* current IRQL */
    uint8_t context;                    /* enum ndislock_context */
    uint8_t has_deferred;               /* deferred_head != NULL */
    struct ndislock_deferred *deferred_head, *deferred_tail;
};

/* Defined in the library; initial-exec TLS access from executables. */
NDISLOCK_API extern __thread struct ndislock_thread ndislock_tls;

NDISLOCK_API void ndislock__irql_run_deferred(ndislock_irql_t new_irql);

/*
 * Verifier hook.  Nonzero while the verifier or lock statistics are on; then
 * every lock and IRQL operation takes its checked version, out of line in
 * src/verifier/ ("the debug path replaces the fast path").  Written only by
 * ndislock_verifier_configure; read relaxed (one load, one predictable branch).
 */
NDISLOCK_API extern int ndislock__checked;

NDISLOCK_INLINE int ndislock__checked_on(void)
{
    return NDISLOCK_UNLIKELY(ndislock_pr_load(&ndislock__checked, NDISLOCK_RELAXED) != 0);
}

/* Checked KeRaiseIrql (raise != 0) / KeLowerIrql; returns the old IRQL. */
NDISLOCK_API ndislock_irql_t ndislock__checked_irql(int raise, ndislock_irql_t new_irql);

/* The unchecked bodies, shared by the fast paths and the checked versions. */
NDISLOCK_INLINE ndislock_irql_t ndislock__irql_raise_raw(ndislock_irql_t new_irql)
{
    ndislock_irql_t old = ndislock_tls.irql;

    ndislock_tls.irql = new_irql;
    return old;
}

NDISLOCK_INLINE void ndislock__irql_lower_raw(ndislock_irql_t new_irql)
{
    if (NDISLOCK_UNLIKELY(ndislock_tls.has_deferred) && new_irql < NDISLOCK_DISPATCH_LEVEL)
        ndislock__irql_run_deferred(new_irql);
    else
        ndislock_tls.irql = new_irql;
}

/* KeGetCurrentIrql. */
NDISLOCK_INLINE ndislock_irql_t ndislock_irql_current(void)
{
    return ndislock_tls.irql;
}

/* KeRaiseIrql: sets the IRQL to new_irql (meant to be >= current), returns the old one. */
NDISLOCK_INLINE ndislock_irql_t ndislock_irql_raise(ndislock_irql_t new_irql)
{
    if (ndislock__checked_on())
        return ndislock__checked_irql(1, new_irql);
    return ndislock__irql_raise_raw(new_irql);
}

/* KeLowerIrql: sets the IRQL to new_irql (meant to be <= current). */
NDISLOCK_INLINE void ndislock_irql_lower(ndislock_irql_t new_irql)
{
    if (ndislock__checked_on()) {
        (void)ndislock__checked_irql(0, new_irql);
        __asm__ __volatile__("" ::: "memory");  /* no tail call: keeps the caller's frame */
        return;
    }
    ndislock__irql_lower_raw(new_irql);
}

/*
 * Queues fn(arg) to run on this thread, at DISPATCH_LEVEL, the next time its
 * IRQL drops below DISPATCH_LEVEL; runs it at once if the thread is already
 * below DISPATCH_LEVEL.  The node is the caller's and must stay valid until fn
 * has started.  FIFO order.
 */
NDISLOCK_API void ndislock_irql_defer(struct ndislock_deferred *node, void (*fn)(void *), void *arg);

/* PAGED_CODE(): nothing unless the verifier is on; then a check that the
 * IRQL is at most APC_LEVEL (pageable code could fault at DISPATCH_LEVEL). */
NDISLOCK_API void ndislock__paged_code_check(void);

NDISLOCK_INLINE void ndislock_paged_code(void)
{
    if (ndislock__checked_on())
        ndislock__paged_code_check();
}

/* The current thread's context (enum ndislock_context). */
NDISLOCK_INLINE enum ndislock_context ndislock_context_current(void)
{
    return (enum ndislock_context)ndislock_tls.context;
}

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_IRQL_H */
