/*
 * ndislock/irql.h - the IRQL model: one interrupt request level per thread.
 *
 * A thread starts at PASSIVE_LEVEL.  Raising to DISPATCH_LEVEL is what taking
 * a spin lock does; DPC and timer callbacks run at DISPATCH_LEVEL on threads
 * the library owns; an ISR and a synchronize callback run at the interrupt's
 * DIRQL (above DISPATCH_LEVEL).  Lowering below DISPATCH_LEVEL first runs the
 * work that was deferred for this thread (ndislock_irql_defer), at
 * DISPATCH_LEVEL, the way Windows drains a processor's DPC queue.
 *
 * With simulated processors (ndislock/sched.h, cpus=N) a thread that raises
 * from below DISPATCH_LEVEL to DISPATCH_LEVEL or above first takes one of N
 * simulated processors and keeps it until it drops below DISPATCH_LEVEL
 * again; the raw raise and lower below are the one place where that happens.
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

/* Bits of ndislock_thread.lower_slow: why a lower must leave the fast path. */
#define NDISLOCK_LOWER_DEFERRED 1u      /* deferred_head != NULL */
#define NDISLOCK_LOWER_CPU      2u      /* owns simulated processor `cpu` by its owner word */
#define NDISLOCK_LOWER_POINT    4u      /* every lower is a schedule point (src/sched/point.c) */
#define NDISLOCK_LOWER_CPU_FAST 8u      /* is on processor `cpu` by its bias (on_cpu != 0) */

/* Per-thread state.  irql first: the fast paths touch one cache line. */
struct ndislock_thread {
    ndislock_irql_t irql;               /* current IRQL */
    uint8_t context;                    /* enum ndislock_context */
    uint8_t lower_slow;                 /* NDISLOCK_LOWER_*; 0 on the fast path */
    uint8_t cpu;                        /* simulated processor owned, or to take next */
    uint32_t sched_id;                  /* 0, or this thread's id for simulated processors */
    uint32_t on_cpu;                    /* processor + 1 this thread is on by its bias, or 0;
                                           written by this thread only, read by revokers */
    struct ndislock_deferred *deferred_head, *deferred_tail;
};

/* Defined in the library; initial-exec TLS access from executables.  (The
 * inlines below name ndislock_tls, not a pointer to it: GCC's UBSan checks
 * such a pointer against the symbol's TLS offset and may call it null.) */
NDISLOCK_API extern __thread struct ndislock_thread ndislock_tls;

/* The lower with a NDISLOCK_LOWER_* bit set (src/irql/irql.c). */
NDISLOCK_API void ndislock__irql_lower_slow(ndislock_irql_t new_irql);

/*
 * Scheduler hook.  Nonzero while simulated processors (cpus=N) or a schedule
 * mode are on (NDISLOCK_SCHED_* of src/sched/sched.h); then a raise leaves
 * the fast path, for ndislock__sched_raise (src/sched/cpus.c) or, with
 * simulated processors alone, for the biased entry below.  Written only while
 * the library is quiescent (ndislock_sched_configure); read relaxed.  Lowers
 * need no global test: a thread on a processor has a lower_slow bit.
 */
NDISLOCK_API extern int ndislock__sched;
#define NDISLOCK__SCHED_CPUS_ONLY 1     /* ndislock__sched with simulated processors alone */
NDISLOCK_API ndislock_irql_t ndislock__sched_raise(ndislock_irql_t new_irql);

/*
 * A simulated processor (src/sched/cpus.c has the protocol).  A thread is on
 * it either by its owner word (CAS 0 -> its id) or, without any atomic
 * read-modify-write, by its bias: the processor is biased to the thread that
 * took it many times in a row, which then enters by storing its own on_cpu
 * and seeing bias == its id and owner == 0.  A thread that takes a processor
 * biased to another one by CAS revokes the bias, runs a membarrier and waits
 * until the bias holder's on_cpu no longer names it (an asymmetric Dekker
 * pair: the fast side pays a compiler barrier, the rare side the heavy fence).
 */
struct ndislock__cpu_slot {
    uint32_t owner;                     /* 0 free, else the id of the thread that took it by CAS */
    uint32_t bias;                      /* id allowed the fast path, or NDISLOCK__NO_BIAS */
    uint32_t want;                      /* threads pinned to it that wait for it */
    uint32_t last, streak, threshold;   /* who took it by CAS last, how many times in a row,
                                           how many earn the bias; under owner */
    uint32_t *bias_on;                  /* the bias holder's on_cpu; under owner */
} __attribute__((aligned(64)));
#define NDISLOCK__NO_BIAS 0xffffffffu   /* no thread id is ever this (ids start at 1) */

NDISLOCK_API extern struct ndislock__cpu_slot ndislock__cpu_slots[];
/* Threads sleeping until a processor frees up (alone in its cache line). */
NDISLOCK_API extern uint32_t ndislock__cpu_waiters;
NDISLOCK_API void ndislock__cpu_wake(void);

/* The biased entry (raising from below DISPATCH_LEVEL with simulated
 * processors alone): nonzero if this thread is now on processor cpu. */
NDISLOCK_INLINE int ndislock__cpu_enter_biased(void)
{
    struct ndislock__cpu_slot *q = &ndislock__cpu_slots[ndislock_tls.cpu];

    ndislock_pr_store(&ndislock_tls.on_cpu, ndislock_tls.cpu + 1u, NDISLOCK_RELAXED);
    /* light half of the asymmetric fence (a revoker runs the membarrier) */
    ndislock_pr_barrier();
    /* acquire: the last owner's DISPATCH_LEVEL section happens before ours */
    if (NDISLOCK_LIKELY(ndislock_pr_load(&q->bias, NDISLOCK_RELAXED) == ndislock_tls.sched_id &&
                        ndislock_pr_load(&q->owner, NDISLOCK_ACQUIRE) == 0)) {
        ndislock_tls.lower_slow |= NDISLOCK_LOWER_CPU_FAST;
        return 1;
    }
    /* Back off as an exit does: a revoker may have seen our 1 and gone to
     * sleep; release: reading the 0 it synchronizes with our last exit too. */
    ndislock_pr_store(&ndislock_tls.on_cpu, 0u, NDISLOCK_RELEASE);
    ndislock_pr_barrier();
    if (ndislock_pr_load(&ndislock__cpu_waiters, NDISLOCK_RELAXED) != 0)
        ndislock__cpu_wake();
    return 0;
}

/* The biased exit (dropping below DISPATCH_LEVEL). */
NDISLOCK_INLINE void ndislock__cpu_exit_biased(void)
{
    ndislock_tls.lower_slow &= (uint8_t)~NDISLOCK_LOWER_CPU_FAST;
    /* release: our DISPATCH_LEVEL section happens before the next thread's */
    ndislock_pr_store(&ndislock_tls.on_cpu, 0u, NDISLOCK_RELEASE);
    /* light half of the asymmetric fence: keeps the compiler from hoisting the load */
    ndislock_pr_barrier();
    if (NDISLOCK_UNLIKELY(ndislock_pr_load(&ndislock__cpu_waiters, NDISLOCK_RELAXED) != 0))
        ndislock__cpu_wake();
}

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
    int s = ndislock_pr_load(&ndislock__sched, NDISLOCK_RELAXED);

    if (NDISLOCK_UNLIKELY(s != 0)) {
        int below = old < NDISLOCK_DISPATCH_LEVEL, to_dispatch = new_irql >= NDISLOCK_DISPATCH_LEVEL;

        /* With simulated processors alone only crossing DISPATCH_LEVEL does
         * anything, and upwards onto a processor biased to this thread it
         * stays inline.  Everything else is out of line. */
        if (s != NDISLOCK__SCHED_CPUS_ONLY ||
            (below ? to_dispatch && !(ndislock_tls.lower_slow == 0 && ndislock__cpu_enter_biased())
                   : !to_dispatch))
            return ndislock__sched_raise(new_irql);
    }
    ndislock_tls.irql = new_irql;
    return old;
}

NDISLOCK_INLINE void ndislock__irql_lower_raw(ndislock_irql_t new_irql)
{
    uint8_t slow = ndislock_tls.lower_slow;

    if (NDISLOCK_UNLIKELY(slow != 0)) {
        if (slow == NDISLOCK_LOWER_CPU_FAST && new_irql < NDISLOCK_DISPATCH_LEVEL) {
            ndislock_tls.irql = new_irql;
            ndislock__cpu_exit_biased();
        } else {
            ndislock__irql_lower_slow(new_irql);
        }
        return;
    }
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
