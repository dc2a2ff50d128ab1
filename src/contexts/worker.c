/* The library's own threads (the DPC "processor", the timer thread): start and stop. */
#include <stdlib.h>

#include "internal.h"

void ndislock__worker_start_locked(struct ndislock_worker *w, void *(*main_fn)(void *))
{
    if (w->started)
        return;
    w->stop = 0;
    if (pthread_create(&w->thread, NULL, main_fn, NULL) != 0)
        abort();            /* no thread to run callbacks on: nothing sensible to fall back on */
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
