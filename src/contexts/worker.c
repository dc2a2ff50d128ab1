/*
 * The library's own threads (the DPC processors, the timer thread): start,
 * stop, and fork().  A forked child has only the thread that called fork,
 * so the prepare handler takes every owner's lock (the child's copies are
 * then consistent), the parent and child handlers release them, and each
 * owner's child handler gives its workers fresh, unstarted state (the
 * parent's threads and waiters are not there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sched/sched.h"

#define MAX_OWNERS 4

static struct owner {
    pthread_mutex_t *lock;
    void (*child)(void);
} owners[MAX_OWNERS];
static int nowners;

static void fork_prepare(void)
{
    for (int i = 0; i < nowners; i++)
        pthread_mutex_lock(owners[i].lock);
}

static void fork_parent(void)
{
    for (int i = nowners - 1; i >= 0; i--)
        pthread_mutex_unlock(owners[i].lock);
}

static void fork_child(void)
{
    /* the locks fork_prepare took belong to this, the child's only, thread */
    fork_parent();
    for (int i = 0; i < nowners; i++)
        owners[i].child();
}

void ndislock__fork_register(pthread_mutex_t *lock, void (*child)(void))
{
    if (nowners == 0)
        pthread_atfork(fork_prepare, fork_parent, fork_child);
    if (nowners < MAX_OWNERS)
        owners[nowners++] = (struct owner){ lock, child };
}

void ndislock__worker_reset(struct ndislock_worker *w)
{
    pthread_cond_init(&w->work, NULL);
    w->started = 0;
    w->stop = 0;
}

void ndislock__worker_start_locked(struct ndislock_worker *w, void *(*main_fn)(void *), void *arg,
                                   uint32_t ordinal)
{
    int err;

    if (w->started)
        return;
    w->stop = 0;
    ndislock__pct_spawn(ordinal);       /* under sched=pct: runnable from here, in our order */
    err = pthread_create(&w->thread, NULL, main_fn, arg);
    if (err != 0) {
        /* no thread to run callbacks on: nothing sensible to fall back on */
        fprintf(stderr, "ndislock: cannot start the %s thread: pthread_create: %s\n", w->name,
                strerror(err));
        abort();
    }
    ndislock__pct_spawned(ordinal, w->thread);
    w->started = 1;
}

void ndislock__worker_stop(struct ndislock_worker *w, int on_it)
{
    pthread_t t;

    pthread_mutex_lock(w->lock);
    if (!w->started || on_it) {
        pthread_mutex_unlock(w->lock);
        return;
    }
    w->stop = 1;
    t = w->thread;
    ndislock__cond_broadcast(&w->work);
    pthread_mutex_unlock(w->lock);
    ndislock__pct_await_exit(t);        /* under sched=pct: let it run to its end */
    pthread_join(t, NULL);
    pthread_mutex_lock(w->lock);
    w->started = 0;
    pthread_mutex_unlock(w->lock);
}
