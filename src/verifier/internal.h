/*
 * Verifier internals.
 *
 * Who writes what (the design of docs/VERIFIER.md, "Per-thread design"):
 *   - thread-owned: everything an acquire/release of a known lock writes
 *     besides the lock word: the held-lock stack (struct v_hold), the lock-
 *     record and order-edge caches, the per-class statistics, the callback
 *     frames.  Fields another thread may read at report time (who holds
 *     lock X) are stored with relaxed atomics, so those reads are defined.
 *   - shared, read-mostly: lock records (address -> class, state), classes,
 *     the options.  Written under ndislock__v.mu at init/free/first use.
 *   - shared, slow: the order graph, the registry of threads, the armed-
 *     object set, reports: under ndislock__v.mu (the armed set under its own
 *     striped mutexes).
 * A thread entering a slow section sets t->guard; a checked operation that
 * finds it set was entered from a signal handler that interrupted the
 * verifier on the same thread, and does only what needs no verifier mutex.
 */
#ifndef NDISLOCK_VERIFIER_INTERNAL_H
#define NDISLOCK_VERIFIER_INTERNAL_H

#include <ndislock/spin.h>
#include <ndislock/verifier.h>

#include "core/events.h"
#include "hooks.h"
#include "options.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>

/* The verifier's code lives in one section, so report stacks can drop its frames by
 * address; V_CODE entry points are also never inlined (their return address is the
 * driver's call site). */
#define V_SECTION __attribute__((section("ndislock_vtext")))
#define V_CODE    __attribute__((section("ndislock_vtext"), noinline))

#define V_FRAMES   14       /* stack frames kept per recorded stack */
#define V_HELD0    32       /* hold entries before the stack first grows */
#define V_ECACHE   64       /* per-thread cache of known order edges (power of 2) */
#define V_LCACHE   64       /* per-thread cache of lock records (power of 2) */
#define V_REL      8        /* per-thread ring of recent releases (for "last released at") */
#define V_STREAKS  8        /* per-thread acquire sites with over-budget holds in a row */
#define V_STREAK   3        /* consecutive over-budget holds of one site that make a warning */
#define V_HIST     256      /* log-linear histogram buckets */
#define V_SAMPLE   16       /* hold_sample=0: one pair in 16 (on average) has its hold timed */

enum v_rule {
    R_LOCK_NOT_INITIALIZED, R_LOCK_USE_AFTER_FREE, R_LOCK_FREE_WHILE_HELD, R_LOCK_DOUBLE_INIT,
    R_LOCK_RECURSIVE_ACQUIRE, R_LOCK_RELEASE_NOT_HELD, R_LOCK_RELEASE_WRONG_OWNER,
    R_LOCK_VARIANT_MISMATCH, R_IRQL_DPR_NOT_DISPATCH, R_IRQL_ACQUIRE_TOO_HIGH,
    R_IRQL_CALL_TOO_HIGH, R_IRQL_BAD_RAISE_LOWER, R_LOCK_RELEASE_ORDER, R_LOCK_HELD_AT_EXIT,
    R_LOCK_ORDER_CYCLE, R_LOCK_DEADLOCK, R_ISR_SPINLOCK, R_INTERRUPT_LIFECYCLE,
    R_INTERLOCKED_LOCK_HELD, R_BLOCKING_AT_DISPATCH, R_STALL_TOO_LONG, R_ACTIVE_AT_UNLOAD,
    R_HOLD_TIME_EXCEEDED, R_DPC_TIME_EXCEEDED, R_LOCK_NESTED, R_COUNT
};

struct v_buf_;
struct v_edge;

struct v_stack {
    uint8_t n;
    void *pc[V_FRAMES];
};

/* ---- clock (clock.c) ---- */

/* Ticks: the invariant TSC, the Arm virtual counter, or CLOCK_MONOTONIC ns (mode). */
enum { V_CLK_MONO, V_CLK_TSC, V_CLK_CNTVCT };
struct v_clock {
    int mode;
    uint64_t mult;          /* ns per tick, 32.32 fixed point */
    uint64_t inv;           /* ticks per ns, 32.32 fixed point */
};
extern struct v_clock ndislock__v_clk;
uint64_t ndislock__v_mono_ns(void);
void ndislock__v_clock_init(void);

static inline uint64_t v_ticks(void)
{
    int mode = __atomic_load_n(&ndislock__v_clk.mode, __ATOMIC_RELAXED);

#if defined(__x86_64__)
    if (__builtin_expect(mode == V_CLK_TSC, 1))
        return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
    if (__builtin_expect(mode == V_CLK_CNTVCT, 1)) {
        uint64_t v;
        __asm__ __volatile__("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory");
        return v;
    }
#endif
    (void)mode;
    return ndislock__v_mono_ns();
}

static inline uint64_t v_ns_ticks(uint64_t ns)
{
    return (uint64_t)(((unsigned __int128)ns *
                       __atomic_load_n(&ndislock__v_clk.inv, __ATOMIC_RELAXED)) >> 32);
}

static inline uint64_t v_ticks_ns(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks *
                       __atomic_load_n(&ndislock__v_clk.mult, __ATOMIC_RELAXED)) >> 32);
}

/* ---- statistics (src/stats/stats.c) ---- */

/* Log-linear histogram of nanoseconds: 4 sub-buckets per power of two. */
struct v_hist {
    uint64_t count, sum, min, max;
    uint64_t b[V_HIST];
};

/* One class's statistics as gathered by one thread (written by it alone;
 * read by dumps with relaxed loads), or merged from exited threads. */
struct v_cstats {
    uint64_t acq, cont, over;
    struct v_hist wait, hold;
};

/* ---- lock classes and records (locks.c) ---- */

enum { V_KIND_SPIN, V_KIND_RW };

struct v_class {
    uint32_t id;                    /* index into the per-thread statistics */
    uint8_t kind;
    uint8_t hidden;                 /* the verifier's own (calibration): not in dumps */
    const struct ndislock_site *key;    /* NULL: a class of locks never initialized */
    char *name, *file;              /* copies: the site may be in a library unloaded later */
    int line;
    struct v_cstats *dead;          /* statistics of exited threads (under mu) */
    struct v_class *hnext;
};

enum v_lock_state { VL_LIVE = 1, VL_FREED };
#define V_USE_QUEUED    1u
#define V_USE_ORDINARY  2u

/* One lock.  Read lock-free on the hot path, so a record is never returned
 * to malloc (it is recycled for another address only after the quarantine
 * of freed locks); a reader validates addr after finding it.  One cache
 * line each: nothing on the hot path writes it. */
struct v_lock {
    uintptr_t addr;                 /* key; relaxed atomic */
    uint8_t state;                  /* enum v_lock_state; acquire/release */
    uint8_t kind, ndis;
    uint8_t uses;                   /* V_USE_*: set once per kind of use (relaxed) */
    uint8_t inst;                   /* has instance nodes in the order graph (under mu) */
    uint8_t in_quarantine;          /* under mu */
    uint32_t gen;                   /* bumped when recycled */
    uint32_t stamp;                 /* changes (release, never to 0) after any change of what a
                                       lock cache holds of it: addr, state, cls, uses reset */
    unsigned init_epoch;            /* ndislock__v.epoch at its initialization */
    struct v_class *cls;            /* relaxed atomic */
    void *init_pc;
    struct v_lock *qnext;           /* free list (under mu) */
} __attribute__((aligned(64)));

/* ---- per-thread state (thread.c) ---- */

enum v_hold_state { VH_EMPTY, VH_WAITING, VH_HELD, VH_RELEASING, VH_PHANTOM };

#define V_OP_RW         32          /* hold op: an enum ndislock_rw_op + V_OP_RW */
#define VH_F_TRY        0x01        /* a trylock: no order edge into it */
#define VH_F_HIGH       0x02        /* acquired above its raise level (reported): no IRQL change */
#define VH_F_OVERRIDE   0x04        /* restore was inherited from an out-of-order release */
#define VH_F_READ       0x08        /* RW: held shared */
#define VH_F_WAITREP    0x10        /* the watchdog reported this wait */
#define VH_F_TIMED      0x20        /* t0/sw0/own0 are valid */
#define VH_F_SAMPLE     0x40        /* this pair's own cost is measured (acq_cost) */

/*
 * One entry of a thread's held-lock stack.  key, rec, pc and state are
 * read by other threads at report time (relaxed atomics); the rest is the
 * owner's alone.  A phantom entry stands for an acquire the verifier
 * skipped after reporting it (recursive, NULL, freed or garbage lock): its
 * release is swallowed.
 */
struct v_hold {
    uintptr_t key;
    struct v_lock *rec;
    void *pc;
    uint8_t state;
    uint8_t op, flags;
    ndislock_irql_t restore;        /* IRQL a LIFO release restores (raising ops / override) */
    ndislock_irql_t raised;         /* IRQL the acquire left the thread at */
    ndislock_irql_t *old_slot;
    uint32_t acq_cost;              /* VH_F_SAMPLE: ticks the checked acquire took */
    uint64_t t0, own0, sw0, ops0;
};

/* A running driver callback or a bracketed handler. */
struct v_frame {
    const char *what;
    const void *obj;                /* callback function, or adapter of a handler */
    uint8_t ctx;                    /* enum ndislock_context at entry; 0xff: bracketed handler */
    uint8_t halt;                   /* a bracketed halt: audits armed objects at exit */
    ndislock_irql_t irql;
    unsigned nheld;
    uint64_t t0, own0, sw0, ops0;
};
#define V_FRAME_HANDLER 0xff

struct v_ecache {
    uint64_t from, to;
    uint8_t type;
    unsigned gen;
    struct v_edge *e;
    uint64_t hits;                  /* relaxed: dumps add it to the edge's count */
};

/* A lock this thread used lately: its record; and, valid while the record's
 * stamp is still stamp (0: not filled), what the common case (fast.c) needs
 * of it: its kinds of use and this thread's statistics block of its class. */
struct v_lcache {
    uintptr_t addr;
    struct v_lock *rec;
    uint32_t stamp;
    uint8_t uses;
    struct v_cstats *st;
};
#define V_LSLOT(addr) (((addr) >> 4 ^ (addr) >> 12) & (V_LCACHE - 1))

struct v_streak {
    void *pc;
    unsigned n;
};

struct v_thread {
    uint64_t id;                    /* unique for the process's life, never reused */
    struct ndislock_thread *tls;    /* &ndislock_tls of this thread: in the position-independent
                                       library each access to it is a __tls_get_addr call */
    int os_tid;
    int guard;                      /* inside a verifier slow section */
    int mu_depth;                   /* holds ndislock__v.mu */
    unsigned epoch;                 /* ndislock__v.epoch its holds belong to */
    unsigned nheld;                 /* relaxed atomic */
    unsigned cap;                   /* relaxed atomic; see thread.c for the order */
    struct v_hold *held;            /* relaxed atomic pointer */
    struct v_stack *stacks;         /* whole stacks of the holds (acquire_stacks=1), or NULL */
    void *retired;                  /* arrays replaced by growth, freed at thread exit */
    struct v_frame *frames;
    unsigned nframes, fcap;
    struct v_cstats **stats;        /* by class id; relaxed pointers (dumps read them) */
    unsigned nstats;                /* relaxed atomic */
    uint64_t own;                   /* ticks not charged to holds and callbacks: the verifier's
                                       slow work, and waits for other locks (see v_own_since) */
    uint64_t nops;                  /* checked acquires so far (their cost: v_pair_cost) */
    uint64_t pair_timed;            /* what one timed checked pair adds, measured on this thread
                                       (ticks, a running average of every 4th timed pair on
                                       average); 0: the calibration's */
    uint32_t sample_left;           /* pairs until the next timed one (fast.c); 1: this one */
    uint32_t rng;                   /* xorshift32 state: the gaps between timed pairs */
    int calibrating;                /* timing the checked pair: no order edges */
    unsigned egen;
    unsigned nstreak;
    struct v_streak streak[V_STREAKS];
    struct v_ecache ecache[V_ECACHE];
    struct v_lcache lcache[V_LCACHE];
    struct { uintptr_t key; void *pc; } rel[V_REL];     /* relaxed atomics */
    unsigned reln;
    uint8_t dead;                   /* exited (kept while its holds are orphans) */
    uint8_t noted_full;
    uint64_t *rseq;                 /* its rseq_cs word (preempt.c), NULL without rseq */
    uint64_t marker;                /* what our armed rseq_cs holds */
    uint64_t switches;              /* times it was seen off the CPU (v_switches) */
    int armed;
    struct v_thread *next, *prev;   /* registry, under mu */
    struct v_hold inline_held[V_HELD0];
};

extern __thread struct v_thread *ndislock__vt __attribute__((tls_model("initial-exec")));

/* ---- global state (state.c) ---- */


struct v_state {
    /* read on every checked operation: lines that nothing hot writes (the
     * options' flags and numbers come first in opt, its paths after) */
    unsigned epoch;                 /* bumped when checking is switched off or on */
    int fast;                       /* which common case of the checked pair applies (pair.h's
                                       V_FAST_*): set from the options by ndislock__v_calibrate */
    uint64_t budget_ticks;          /* hold_us in clock ticks; 0: no hold-time check */
    uint64_t timed_ticks;           /* what a timed checked pair adds to an unchecked one
                                       (calibrated) */
    uint64_t timing_ticks;          /* what timing adds to a checked pair (calibrated) */
    uint64_t raw_pair_ticks;        /* an unchecked pair (calibrated) */
    int log_fd, json_fd;            /* reports: write(2), never stdio */
    int retired;                    /* the library is being unloaded */
    int exiting;                    /* the exit report has run */
    struct v_options opt;
    /* written by reports and slow paths: their own lines */
    unsigned long errors __attribute__((aligned(64)));     /* relaxed atomics */
    unsigned long warnings;
    pthread_mutex_t mu __attribute__((aligned(64)));
};
extern struct v_state ndislock__v;

/* The common prologue: the calling thread's state, registered and current. */
struct v_thread *ndislock__v_thread_slow(void);
static inline struct v_thread *v_self(void)
{
    struct v_thread *t = ndislock__vt;

    if (__builtin_expect(t != NULL && t->epoch == __atomic_load_n(&ndislock__v.epoch,
                                                                   __ATOMIC_RELAXED), 1))
        return t;
    return ndislock__v_thread_slow();
}

/* Slow sections: recursion guard, cancellation off, own time accounted. */
struct v_slow {
    struct v_thread *t;
    int cancel, err;
    uint64_t t0;
};
void ndislock__v_enter(struct v_slow *s, struct v_thread *t);
void ndislock__v_leave(struct v_slow *s);
/* ndislock__v.mu, unless this thread already holds it; 0 if it cannot be had
 * (a signal handler interrupted the verifier on this thread). */
int ndislock__v_lock(struct v_thread *t);
void ndislock__v_unlock(struct v_thread *t);

/* thread.c */
struct v_hold *ndislock__v_push_slow(struct v_thread *t); /* grows; NULL: no memory (noted once) */
void ndislock__v_stacks_alloc(struct v_thread *t);
void ndislock__v_remove_shift(struct v_thread *t, unsigned i);
struct v_hold *ndislock__v_holds(struct v_thread *t, unsigned *n);
void ndislock__v_thread_exit_check(struct v_thread *t, const char *why);
/* Who holds key (any thread, exited ones included): 1 and *out filled if found.  Under mu. */
struct v_holder {
    uint64_t tid;
    int os_tid;
    int dead;
    void *pc;
    struct v_stack stack;
    uint8_t state;
};
int ndislock__v_find_holder(uintptr_t key, const struct v_thread *except, struct v_holder *out);
/* Where a thread last released key: its PC (the current thread first, then the others). */
void *ndislock__v_last_release(struct v_thread *t, uintptr_t key);
void ndislock__v_registry_fork_child(struct v_thread *self);
void ndislock__v_thread_key_delete(void);
void ndislock__v_registry_disarm(void);

/* locks.c */
struct v_lock *ndislock__v_lock_lookup(struct v_thread *t, uintptr_t addr);  /* lock-free */
struct v_lock *ndislock__v_lock_find(uintptr_t addr);                        /* under mu */
struct v_lock *ndislock__v_lock_add(uintptr_t addr, struct v_class *cls, int kind);   /* under mu */
void ndislock__v_lock_freed(struct v_lock *lk, const struct v_stack *st);  /* under mu */
const struct v_stack *ndislock__v_lock_freed_at(const struct v_lock *lk);  /* under mu */
void ndislock__v_lock_revive(struct v_lock *lk);            /* under mu: live again */
void ndislock__v_lock_touch(struct v_lock *lk);             /* under mu: after a change (stamp) */
struct v_class *ndislock__v_class_of(const struct ndislock_site *site, int kind);  /* under mu */
struct v_class *ndislock__v_class_unknown(int kind);        /* under mu */
struct v_class *ndislock__v_class_by_id(uint32_t id);       /* under mu */
uint32_t ndislock__v_class_count(void);
int ndislock__v_tables_init(void);

/* lockgraph.c */
#define V_EDGE_FROM_READ 1u         /* edge type: the held lock is held shared */
#define V_EDGE_TO_READ   2u         /* edge type: the new lock is acquired shared */
uint64_t ndislock__v_node_of(const struct v_lock *lk, const struct v_lock *other);
/* 1 if the edge held -> taken is known to t (no mutex). */
int ndislock__v_edge_known(struct v_thread *t, uint64_t from, uint64_t to, unsigned type);
/* Adds it (takes mu); reports LOCK_ORDER_CYCLE if it closes one. */
void ndislock__v_edge_add(struct v_thread *t, const struct v_lock *held, const struct v_lock *taken,
                          uint64_t from, uint64_t to, unsigned type, void *pc);
void ndislock__v_graph_forget(uintptr_t addr);              /* under mu: instance node gone */
extern unsigned ndislock__v_graph_gen;                      /* bumped when edges are removed */
uint64_t ndislock__v_cached_hits(const struct v_edge *e);   /* thread.c, under mu */
void ndislock__v_graph_reset(void);         /* tests: forget every order edge (takes mu) */
void ndislock__v_graph_dot(struct v_buf_ *b);
void ndislock__v_graph_flush(struct v_thread *t);           /* under mu: cached hit counts */

/* symbolize.c */
void ndislock__v_capture(struct v_stack *st, void *from_pc);
void ndislock__v_print_stack(struct v_buf_ *b, const struct v_stack *st, int json);

/* report.c: a growable text buffer, then write(2) */
struct v_buf_ {
    char *p;
    size_t len, cap;
    int oom;
};
typedef struct v_buf_ v_buf;
void ndislock__v_bprintf(v_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ndislock__v_bputs(v_buf *b, const char *s);
void ndislock__v_bjson(v_buf *b, const char *s);        /* a JSON string, quoted */
void ndislock__v_bfree(v_buf *b);
void ndislock__v_write(int fd, const char *p, size_t n);

/*
 * A report: rule, lock record (may be NULL), the call it is about (its
 * driver call site, for the stack), an earlier stack or PC it conflicts
 * with, extra labelled stacks (order cycle edges), and one detail line.
 * Takes and drops mu itself; call it inside a slow section.  Aborts after
 * an error when halt_on_error=1 (with no verifier lock held).
 */
struct v_report {
    enum v_rule rule;
    const struct v_lock *lk;
    void *pc;                       /* the driver's call site (frames above it are ours) */
    const struct v_stack *prior;
    void *prior_pc;                 /* a single PC instead of prior */
    const char *prior_what;
    const struct v_stack *extra;
    const char *const *labels;
    int nextra;
    char detail[512];
};
void ndislock__v_report(struct v_thread *t, struct v_report *r);
void ndislock__v_reportf(struct v_thread *t, enum v_rule rule, const struct v_lock *lk, void *pc,
                         const struct v_stack *prior, void *prior_pc, const char *prior_what,
                         const char *fmt, ...) __attribute__((format(printf, 8, 9)));
const char *ndislock__v_rule_id(enum v_rule r);
extern int ndislock__v_dedup;               /* 0: every report printed (tests) */
extern int ndislock__v_symbolize;           /* 0: stacks as PCs only (tests) */
const char *ndislock__v_rule_ref(enum v_rule r);
int ndislock__v_rule_warning(enum v_rule r);
const char *ndislock__v_lock_name(const struct v_lock *lk);
void ndislock__v_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* stats.c */
struct v_cstats *ndislock__v_stats_slow(struct v_thread *t, const struct v_class *c);
void ndislock__v_stats_merge_thread(struct v_thread *t);   /* under mu, at thread exit */
void ndislock__v_stats_text(v_buf *b, int json);           /* under mu */
void ndislock__v_stats_sum_into(struct v_cstats *out, const struct v_cstats *s);
void ndislock__v_cstats_zero(struct v_cstats *s);
void ndislock__v_stats_live(struct v_cstats *out, uint32_t id);    /* thread.c, under mu */
void ndislock__v_stats_live_reset(void);                            /* thread.c, under mu */

/* Memory that one thread writes on its hot path (its v_thread, its statistics blocks):
 * whole cache lines of its own, so no other thread's data shares a line with it. */
static inline void *v_line_alloc(size_t n)
{
    return aligned_alloc(64, (n + 63) & ~(size_t)63);
}

/* t's statistics block for c; NULL when none can be had (nothing is counted then). */
static inline struct v_cstats *v_stats(struct v_thread *t, const struct v_class *c)
{
    if (__builtin_expect(c->id < t->nstats && t->stats[c->id] != NULL, 1))
        return t->stats[c->id];
    return ndislock__v_stats_slow(t, c);
}

/* A counter only its thread writes, read by dumps: a plain increment, made visible without a lock prefix. */
static inline void v_inc(uint64_t *p, uint64_t by)
{
    __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + by, __ATOMIC_RELAXED);
}

/* event.c, armed.c */
void ndislock__v_event(const struct ndislock_event *e);
void ndislock__v_armed(struct v_thread *t, const struct ndislock_event *e, void *pc);
void ndislock__v_adapter_seen(const void *adapter);
const char *ndislock__v_call_name(enum ndislock_call c);
void ndislock__v_audit_armed(const void *owner, int at_exit, void *pc);
void ndislock__v_frame_push(struct v_thread *t, const char *what, const void *obj, unsigned ctx,
                            int halt);
void ndislock__v_frame_pop(struct v_thread *t, void *pc);
void ndislock__v_armed_fork_child(void);
void ndislock__v_armed_lock_all(void);
void ndislock__v_armed_unlock_all(void);

/*
 * A new entry on top of t's stack, state VH_EMPTY (readers skip it).  The
 * slot is claimed (nheld raised) before it is filled, so a signal handler
 * that runs lock operations on this thread in between pushes above it.
 * NULL when the stack cannot grow: said once, and the caller goes on
 * without a record of this hold.
 */
static inline struct v_hold *v_push(struct v_thread *t)
{
    unsigned n = t->nheld;

    if (__builtin_expect(n >= t->cap, 0))
        return ndislock__v_push_slow(t);
    struct v_hold *h = &t->held[n];
    __atomic_store_n(&h->state, (uint8_t)VH_EMPTY, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&t->nheld, n + 1, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    return h;
}

/* Removes entry i (out of order allowed): the caller has read what it needs. */
static inline void v_remove(struct v_thread *t, unsigned i)
{
    if (__builtin_expect(i + 1 != t->nheld, 0)) {
        ndislock__v_remove_shift(t, i);
        return;
    }
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&t->nheld, i, __ATOMIC_RELAXED);
}

/* Remembers where t released key (a small ring; other threads read it for reports). */
static inline void v_note_release(struct v_thread *t, uintptr_t key, void *pc)
{
    unsigned n = t->reln, i = n % V_REL;

    __atomic_store_n(&t->rel[i].key, key, __ATOMIC_RELAXED);
    __atomic_store_n(&t->rel[i].pc, pc, __ATOMIC_RELAXED);
    __atomic_store_n(&t->reln, n + 1, __ATOMIC_RELAXED);
}

/*
 * How often t was seen switched out (preempt.c explains the rseq marker):
 * one load and a compare, and a store when the kernel cleared it.
 */
static inline uint64_t v_switches(struct v_thread *t)
{
    uint64_t *cs = t->rseq;

    if (cs == NULL)
        return 0;
    if (__builtin_expect(__atomic_load_n(cs, __ATOMIC_RELAXED) != t->marker, 0)) {
        t->switches += (uint64_t)t->armed;
        t->armed = 1;
        __atomic_store_n(cs, t->marker, __ATOMIC_RELAXED);
    }
    return t->switches;
}

/*
 * Histogram bucket of v nanoseconds: exact below 4; above, 4 sub-buckets
 * per power of two (msb, next two bits), so any value is within 25% of
 * its bucket's floor.
 */
static inline unsigned v_bucket(uint64_t v)
{
    if (v < 4)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    return (msb - 1) * 4 + (unsigned)((v >> (msb - 2)) & 3);
}

/* Owner only: plain read-modify-writes, stored atomically for a dumping thread. */
static inline void v_hist_add(struct v_hist *h, uint64_t ns)
{
    v_inc(&h->count, 1);
    v_inc(&h->sum, ns);
    v_inc(&h->b[v_bucket(ns)], 1);
    if (ns < h->min)
        __atomic_store_n(&h->min, ns, __ATOMIC_RELAXED);
    if (ns > h->max)
        __atomic_store_n(&h->max, ns, __ATOMIC_RELAXED);
}

/* Holds of t that are real (not phantom) at or above index from. */
static inline unsigned v_real_holds(struct v_thread *t, unsigned from)
{
    unsigned n = 0;

    for (unsigned i = from; i < t->nheld; i++)
        n += t->held[i].state == VH_HELD || t->held[i].state == VH_WAITING;
    return n;
}

/* checked_ops.c: order edges into lk from the locks t holds (shared: lk taken shared). */
void ndislock__v_order(struct v_thread *t, struct v_lock *lk, int shared, void *pc);
/* fast.c: what a checked pair costs (measured when the verifier is switched on). */
void ndislock__v_calibrate(struct v_thread *t);
/* fast.c: pairs from now to t's next timed one (random, 1 .. 2P-1; P: v_period). */
uint32_t ndislock__v_gap(struct v_thread *t);

/* The hold-sampling period in force (hold_sample, 0: V_SAMPLE). */
static inline unsigned v_period(void)
{
    unsigned p = __atomic_load_n(&ndislock__v.opt.hold_sample, __ATOMIC_RELAXED);

    return p ? p : V_SAMPLE;
}

/*
 * What one checked pair adds on average: a timed pair's cost (measured in
 * place, else calibrated) less what timing adds, for the (P-1)/P of pairs
 * that are not timed.
 */
static inline uint64_t v_pair_cost(const struct v_thread *t)
{
    uint64_t timed = t->pair_timed ? t->pair_timed
                                   : __atomic_load_n(&ndislock__v.timed_ticks, __ATOMIC_RELAXED);
    uint64_t p = v_period();
    uint64_t less = __atomic_load_n(&ndislock__v.timing_ticks, __ATOMIC_RELAXED) * (p - 1) / p;

    return timed > less ? timed - less : 0;
}

/* Ticks of t's own work since (own0, ops0): slow sections plus the checked pairs made since. */
static inline uint64_t v_own_since(const struct v_thread *t, uint64_t own0, uint64_t ops0)
{
    return t->own - own0 + (t->nops - ops0) * v_pair_cost(t);
}

/* A measured timed pair (acquire + release ticks) joins the thread's running average. */
static inline void v_pair_sample(struct v_thread *t, uint64_t ticks)
{
    uint64_t raw = __atomic_load_n(&ndislock__v.raw_pair_ticks, __ATOMIC_RELAXED);
    uint64_t cost = ticks > raw ? ticks - raw : 0;

    t->pair_timed = t->pair_timed ? (t->pair_timed * 7 + cost) / 8 : cost;
}

/* A time span less the verifier's own work in it (never below 0). */
static inline uint64_t v_span(uint64_t ticks, uint64_t own)
{
    return ticks > own ? ticks - own : 0;
}

/* Over-budget tracking per acquire site (checked_ops.c); 1: this makes V_STREAK in a row. */
int ndislock__v_streak(struct v_thread *t, void *pc, int over);

#endif
