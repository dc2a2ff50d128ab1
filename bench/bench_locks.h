/*
 * bench/bench_locks.h - every lock the benchmark measures, behind one call
 * boundary: a table of out-of-line lock/unlock functions, called through
 * pointers by the same loops.  Each function is noinline, so every lock pays
 * the same indirect call and none gets inlined into a loop the others cannot.
 */
#ifndef NDISLOCK_BENCH_LOCKS_H
#define NDISLOCK_BENCH_LOCKS_H

#include <stddef.h>

#include <ndis.h>

/* Per-thread context a lock may need (the MCS queue node, the in-stack handle). */
struct bench_tctx {
    void *node;
    KLOCK_QUEUE_HANDLE qh;
};

struct bench_lock {
    const char *name;
    int baseline;                       /* 1: a baseline, 0: an ndislock lock */
    int pair_only;                      /* measured in the uncontended pair only */
    int dispatch;                       /* caller must be at DISPATCH_LEVEL */
    size_t size;                        /* bytes of lock object */
    void (*init)(void *lock);
    void (*destroy)(void *lock);
    void (*lock)(void *lock, struct bench_tctx *t);
    void (*unlock)(void *lock, struct bench_tctx *t);
};

extern const struct bench_lock bench_locks[];
extern const size_t bench_nlocks;
/* Size of the MCS node a struct bench_tctx must point to (0 if ck is absent). */
extern const size_t bench_node_size;

#endif
