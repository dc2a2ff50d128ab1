/* Shared between the context modules and the harness.  Internal. */
#ifndef NDISLOCK_CONTEXTS_INTERNAL_H
#define NDISLOCK_CONTEXTS_INTERNAL_H

#include <ndislock/harness.h>

#include <pthread.h>

struct ndislock_adapter {
    char name[32];
    void *interrupt;                /* handle of the registered interrupt, or NULL */
    struct ndislock_interrupt_handlers ndis5;  /* set by ndislock_harness_set_ndis5_handlers */
    void *ndis5_ctx;
    uint64_t fired, claimed, dropped, dpcs;    /* atomics, relaxed: statistics only */
};

/* interrupt.c: the harness's entry points into an interrupt object. */
int ndislock__interrupt_fire(void *handle, uint32_t msg);
void ndislock__interrupt_set_enabled(void *handle, int enabled);

/* A condvar on CLOCK_MONOTONIC. */
void ndislock__cond_init_monotonic(pthread_cond_t *c);

/*
 * A library-owned thread that waits on `work` under its owner's lock until
 * it has work or `stop` is set.  One owner (the DPC queues, the timers) may
 * have several workers under one lock.  Workers survive fork(): the child
 * has none of the parent's threads, so each owner registers its lock and a
 * child handler (ndislock__fork_register), which resets its workers
 * (ndislock__worker_reset: not started, fresh condvar) and restarts those
 * that have work pending.
 */
struct ndislock_worker {
    pthread_mutex_t *lock;          /* the owner's: guards started, stop and the owner's state */
    pthread_cond_t work;            /* work queued, or stop */
    pthread_t thread;
    int started, stop;              /* under *lock */
    const char *name;               /* for messages: "DPC", "timer" */
};
#define NDISLOCK_WORKER_INIT(lock, name) { (lock), PTHREAD_COND_INITIALIZER, 0, 0, 0, (name) }

/* Registers an owner for fork(): its lock is held across the fork, then
 * released in parent and child, and child() runs in the child (lock not
 * held).  From a constructor (single-threaded). */
void ndislock__fork_register(pthread_mutex_t *lock, void (*child)(void));
/* Starts w's thread, main_fn(arg), unless it runs already; *w->lock held.
 * ordinal: the thread's (src/sched/point.c), which main_fn sets first.
 * If no thread can be created, says why (with the errno) and aborts. */
void ndislock__worker_start_locked(struct ndislock_worker *w, void *(*main_fn)(void *), void *arg,
                                   uint32_t ordinal);
/* Sets w->stop, wakes and joins the thread; nothing if it is not running or on_it (called from it). */
void ndislock__worker_stop(struct ndislock_worker *w, int on_it);
/* In a forked child: w has no thread and nobody waits on it. */
void ndislock__worker_reset(struct ndislock_worker *w);

/* Stop the DPC threads (after they drain their queues) / the timer thread. */
void ndislock__dpc_shutdown(void);
void ndislock__timer_shutdown(void);

#endif
