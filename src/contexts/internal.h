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
 * A library-owned thread that waits on `work` under `lock` until it has work
 * or `stop` is set.  Workers survive fork(): the child has none of the
 * parent's threads, so its copy of every registered worker is reset
 * (lock released, fresh condvar, not started) and after_fork lets the owner
 * repair its own state and restart the thread if work is pending.
 */
struct ndislock_worker {
    pthread_mutex_t lock;
    pthread_cond_t work;            /* work queued, or stop */
    pthread_t thread;
    int started, stop;              /* under lock */
    const char *name;               /* for messages: "DPC", "timer" */
    void (*after_fork)(struct ndislock_worker *w);  /* in the child, lock fresh and not held */
};
#define NDISLOCK_WORKER_INIT(name, after_fork)                                  \
    { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, (name), (after_fork) }

/* Registers w for the fork handling; from a constructor (single-threaded). */
void ndislock__worker_register(struct ndislock_worker *w);
/* Starts w's thread running main_fn unless it runs already; w->lock held.
 * If no thread can be created, says why (with the errno) and aborts. */
void ndislock__worker_start_locked(struct ndislock_worker *w, void *(*main_fn)(void *));
/* Sets w->stop, wakes and joins the thread; nothing if it is not running or on_it (called from it). */
void ndislock__worker_stop(struct ndislock_worker *w, int on_it);

/* Stop the DPC thread (after it drains its queue) / the timer thread. */
void ndislock__dpc_shutdown(void);
void ndislock__timer_shutdown(void);

#endif
