/*
 * Verifier internals.  One raw mutex (vstate.mu) serializes every change to
 * the tables below (inserting a lock or class, a new lock-order edge, a
 * report); the checked fast path of an uncontended, already-validated
 * acquire/release takes no mutex: it finds the lock record with lock-free
 * loads, checks the thread-local rules, answers the order graph from a
 * per-thread cache of known edges and updates statistics with relaxed
 * atomics.  Each thread carries a recursion guard so that nothing the
 * verifier calls (stdio, backtrace, the symbolizer) can re-enter it.  Lock
 * records and edges never move, so a thread may keep pointers to them.
 */
#ifndef NDISLOCK_VERIFIER_INTERNAL_H
#define NDISLOCK_VERIFIER_INTERNAL_H

#include <ndislock/spin.h>
#include <ndislock/verifier.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define V_FRAMES      14      /* stack frames kept per recorded call */
#define V_LOCKS       16384   /* tracked lock instances (power of 2) */
#define V_CLASSES     1024    /* lock classes (allocation sites) */
#define V_EDGES       4096    /* lock-order graph edges */
#define V_HELD        48      /* locks one thread may hold at once */
#define V_CALLBACKS   16      /* nested driver callbacks per thread */
#define V_HIST        256     /* log-linear histogram buckets */
#define V_ECACHE      64      /* per-thread cache of known lock-order edges (power of 2) */

enum v_rule {
    R_LOCK_NOT_INITIALIZED, R_LOCK_USE_AFTER_FREE, R_LOCK_FREE_WHILE_HELD,
    R_LOCK_RECURSIVE_ACQUIRE, R_LOCK_RELEASE_NOT_HELD, R_LOCK_RELEASE_WRONG_OWNER,
    R_LOCK_VARIANT_MISMATCH, R_IRQL_DPR_NOT_DISPATCH, R_IRQL_ACQUIRE_TOO_HIGH,
    R_IRQL_BAD_RAISE_LOWER, R_LOCK_RELEASE_ORDER, R_LOCK_HELD_AT_EXIT, R_LOCK_ORDER_CYCLE,
    R_LOCK_DEADLOCK, R_ISR_SPINLOCK, R_INTERRUPT_LIFECYCLE, R_INTERLOCKED_LOCK_HELD,
    R_BLOCKING_AT_DISPATCH, R_IRQL_CALL_TOO_HIGH, R_STALL_TOO_LONG, R_HOLD_TIME_EXCEEDED,
    R_LOCK_NESTED, R_COUNT
};

struct v_stack {
    uint8_t n;
    void *pc[V_FRAMES];
};

/* Log-linear histogram of nanoseconds: 4 sub-buckets per power of two.
 * Updated with relaxed atomics (no lock: each field is its own counter). */
struct v_hist {
    uint64_t count, sum, min, max;
    uint64_t b[V_HIST];
};

struct v_class {
    const struct ndislock_site *site;   /* key; NULL only for the "unknown" class */
    uint64_t acquisitions, contentions, over_budget;    /* relaxed atomics */
    struct v_hist wait, hold;
};

enum v_lock_state { VL_EMPTY = 0, VL_LIVE, VL_FREED };

/*
 * One lock instance.  addr and state are written under vstate.mu and read
 * lock-free (state with acquire: a non-EMPTY state publishes addr and cls);
 * owner is an atomic (other threads compare it with themselves); the rest of
 * the hold is written by the thread that holds the lock word.
 */
struct v_lock {
    uintptr_t addr;                 /* key: the KSPIN_LOCK's address */
    uint8_t state;                  /* enum v_lock_state */
    uint8_t ndis;                   /* initialized by NdisAllocateSpinLock */
    uint8_t op;                     /* enum ndislock_op of the current hold */
    uint8_t flags;                  /* V_HELD_* */
    uint32_t recursion;             /* swallowed recursive acquires */
    struct v_class *cls;
    struct v_thread *owner;         /* NULL: free */
    uint64_t owner_tid;
    uint64_t acquired_ns;
    uint64_t report_ns_at_acquire;  /* owner's report_ns when the hold began */
    uint64_t switches_at_acquire;   /* owner's ndislock__switches() then (preempt.h) */
    ndislock_irql_t old_irql;       /* what the hold's release must restore */
    ndislock_irql_t *old_slot;      /* where the acquire stored it (NDIS_SPIN_LOCK.OldIrql, ...) */
    struct v_stack acquired;        /* where the current (or last) hold began: the caller's
                                       PC, or the whole stack (acquire_stacks=1, NdisInterlocked*) */
    struct v_stack released;        /* last release, same */
    struct v_stack freed;           /* NdisFreeSpinLock: always the whole stack */
};
#define V_HELD_AT_HIGH_IRQL 1       /* acquired above DISPATCH (reported) */
#define V_HELD_INTERLOCKED  2       /* taken by NdisInterlocked*: whole stacks (the PC is ours) */

struct v_held {
    struct v_lock *lk;
};

struct v_callback {
    const char *what;
    unsigned held;                  /* locks held at entry */
    ndislock_irql_t irql;           /* IRQL at entry */
};

struct v_edge;

/* A lock-order edge this thread has seen in the graph (from, to as in lockgraph.c). */
struct v_ecache {
    uintptr_t from, to;
    struct v_edge *e;
};

struct v_thread {
    int guard;                      /* inside the verifier: no re-entry */
    int mu_held;                    /* checked_ops.c took vstate.mu lazily (for a report) */
    int registered;
    const char *il_what;            /* the NdisInterlocked* call in progress */
    uint64_t report_ns;             /* time spent writing reports: not part of any hold */
    uint64_t tid;
    unsigned nheld, ncb;
    struct v_held held[V_HELD];
    struct v_callback cb[V_CALLBACKS];
    struct v_ecache ecache[V_ECACHE];
};

struct v_options {
    int verify, halt_on_error, stats, lock_nested, acquire_stacks;
    unsigned hold_us, deadlock_ms;
    char log[256], json[256], stats_json[256], dot[256];
};

struct v_state {
    pthread_mutex_t mu;
    struct v_options opt;
    FILE *log, *json;
    unsigned long errors, warnings;
    struct v_lock *locks;           /* V_LOCKS, calloc'd at first enable */
    struct v_class *classes;        /* V_CLASSES */
    unsigned nclasses;
    int table_full_noted;
};

extern struct v_state vstate;
extern __thread struct v_thread vthread;

/* state.c */
struct v_thread *v_self(void);                  /* registers the thread on first use */
struct v_lock *v_lookup(uintptr_t addr);        /* NULL if unknown; lock-free */
struct v_lock *v_insert(uintptr_t addr);        /* NULL if the table is full; under vstate.mu,
                                                   then set cls and publish with v_set_state */
void v_set_state(struct v_lock *lk, enum v_lock_state s);
enum v_lock_state v_state_of(const struct v_lock *lk);
struct v_class *v_class_of(const struct ndislock_site *site);
uint64_t v_now_ns(void);
uint64_t v_tid(void);
int v_alloc_tables(void);

/* report.c */
void v_capture(struct v_stack *st, int skip);
/* The whole stack from the frame that returns to pc (pc = __builtin_return_address(0) of the API entry). */
void v_capture_from(struct v_stack *st, void *pc);
/* Reports rule about lk (may be NULL); fmt is one detail line; prior (may be
 * NULL) is printed under prior_what.  Call with vstate.mu held.  Aborts when
 * the rule is an error and halt_on_error is set. */
void v_report(enum v_rule rule, const struct v_lock *lk, const struct v_stack *prior,
              const char *prior_what, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Second lock / extra stack for a report in progress: printed by v_report_cycle. */
void v_report_cycle(const struct v_stack *edges, const char *const *labels, int n,
                    const struct v_lock *lk, const char *detail);
const char *v_lock_name(const struct v_lock *lk);
void v_exit_check(void);

/* lockgraph.c: 1 if the edge held -> taken is in t's cache (counted; no mutex needed). */
int v_graph_known(struct v_thread *t, const struct v_lock *held, const struct v_lock *taken);
/* Adds held -> taken (under vstate.mu) and caches it in t; returns 1 if it closed a cycle (and reported it). */
int v_graph_add(struct v_thread *t, struct v_lock *held, struct v_lock *taken);
void v_graph_dot(FILE *out);


/* stats */
void v_hist_add(struct v_hist *h, uint64_t ns);         /* lock-free */
void v_count(uint64_t *counter);                        /* relaxed atomic increment */
uint64_t v_hist_pct(const struct v_hist *h, double p);
void v_stats_dump_locked(FILE *out, int json);

#endif
