/*
 * The library's own threads (the DPC "processor", the timer thread): start,
 * stop, and fork().  A forked child has only the thread that called fork,
 * so the prepare handler takes every worker's lock (the child's copies are
 * then consistent) and the child handler releases them and gives it
 * unstarted workers with fresh condvars (the parent's waiters are not there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_WORKERS 4

static struct ndislock_worker *workers[MAX_WORKERS];
static int nworkers;

static void fork_prepare(void)
{
    for (int i = 0; i < nworkers; i++)
        pthread_mutex_lock(&workers[i]->lock);
}

static void fork_parent(void)
{
    for (int i = nworkers - 1; i >= 0; i--)
        pthread_mutex_unlock(&workers[i]->lock);
}

static void fork_child(void)
{
    /* the locks fork_prepare took belong to this, the child's only, thread */
    fork_parent();
    for (int i = 0; i < nworkers; i++) {
        struct ndislock_worker *w = workers[i];

        /* the parent's thread does not exist here: nothing is started, nobody waits */
        pthread_cond_init(&w->work, NULL);
        w->started = 0;
        w->stop = 0;
        if (w->after_fork != NULL)
            w->after_fork(w);
    }
}

void ndislock__worker_register(struct ndislock_worker *w)
{
    if (nworkers == 0)
        pthread_atfork(fork_prepare, fork_parent, fork_child);
    if (nworkers < MAX_WORKERS)
        workers[nworkers++] = w;
}

void ndislock__worker_start_locked(struct ndislock_worker *w, void *(*main_fn)(void *))
{
    int err;

    if (w->started)
        return;
    w->stop = 0;
    err = pthread_create(&w->thread, NULL, main_fn, NULL);
    if (err != 0) {
        /* no thread to run callbacks on: nothing sensible to fall back on */
        fprintf(stderr, "ndislock: cannot start the %s thread: pthread_create: %s\n", w->name,
                strerror(err));
        abort();
    }
    w->started = 1;
}

void ndislock__worker_stop(struct ndislock_worker *w, int on_it)
{
    pthread_t t;

    pthread_mutex_lock(&w->lock);
    if (!w->started || on_it) {
        pthread_mutex_unlock(&w->lock);
        return;
    }
    w->stop = 1;
    t = w->thread;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->lock);
    pthread_join(t, NULL);
    pthread_mutex_lock(&w->lock);
    w->started = 0;
    pthread_mutex_unlock(&w->lock);
}
