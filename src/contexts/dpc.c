/*
 * DPCs: one library thread (the "DPC processor") drains a FIFO of queued
 * ndislock_dpc objects, each at DISPATCH_LEVEL in NDISLOCK_CTX_DPC.  One
 * thread means DPCs never run concurrently with each other, like the DPCs
 * targeted at one processor.  A DPC object is on the queue at most once.
 */
#include <ndislock/contexts.h>

#include "callback.h"
#include "internal.h"

static struct ndislock_worker dpc = NDISLOCK_WORKER_INIT;
static pthread_cond_t dpc_idle = PTHREAD_COND_INITIALIZER;   /* a DPC finished or was dequeued */
static struct ndislock_dpc *dpc_head, *dpc_tail;
static __thread int on_dpc_thread;

static void *dpc_main(void *unused)
{
    struct ndislock_dpc *d;
    struct ndislock_cb_frame f;

    (void)unused;
    on_dpc_thread = 1;
    pthread_mutex_lock(&dpc.lock);
    for (;;) {
        while (dpc_head == NULL && !dpc.stop)
            pthread_cond_wait(&dpc.work, &dpc.lock);
        if (dpc_head == NULL)
            break;                  /* stop requested and the queue is drained */
        d = dpc_head;
        dpc_head = d->next;
        if (dpc_head == NULL)
            dpc_tail = NULL;
        d->queued = 0;
        d->running = 1;
        pthread_mutex_unlock(&dpc.lock);

        ndislock__cb_enter(&f, NDISLOCK_CTX_DPC, NDISLOCK_DISPATCH_LEVEL, d->callee, d->role);
        d->fn(d->arg);
        ndislock__cb_exit(&f);

        pthread_mutex_lock(&dpc.lock);
        d->running = 0;
        pthread_cond_broadcast(&dpc_idle);
    }
    pthread_mutex_unlock(&dpc.lock);
    return NULL;
}

void ndislock_dpc_init(struct ndislock_dpc *d, void (*fn)(void *), void *arg)
{
    d->next = NULL;
    d->fn = fn;
    d->arg = arg;
    d->callee = NDISLOCK_FN_OBJ(fn);
    d->role = "DeferredRoutine";
    d->queued = 0;
    d->running = 0;
}

int ndislock_dpc_queue(struct ndislock_dpc *d)
{
    int queued = 0;

    pthread_mutex_lock(&dpc.lock);
    ndislock__worker_start_locked(&dpc, dpc_main);
    if (!d->queued) {
        d->next = NULL;
        if (dpc_tail != NULL)
            dpc_tail->next = d;
        else
            dpc_head = d;
        dpc_tail = d;
        d->queued = 1;
        queued = 1;
        pthread_cond_signal(&dpc.work);
    }
    pthread_mutex_unlock(&dpc.lock);
    return queued;
}

int ndislock_dpc_dequeue(struct ndislock_dpc *d)
{
    struct ndislock_dpc **pp, *prev = NULL;
    int removed = 0;

    pthread_mutex_lock(&dpc.lock);
    if (d->queued) {
        for (pp = &dpc_head; *pp != d; pp = &(*pp)->next)
            prev = *pp;
        *pp = d->next;
        if (dpc_tail == d)
            dpc_tail = prev;
        d->queued = 0;
        removed = 1;
        pthread_cond_broadcast(&dpc_idle);
    }
    pthread_mutex_unlock(&dpc.lock);
    return removed;
}

void ndislock_dpc_wait_idle(struct ndislock_dpc *d)
{
    pthread_mutex_lock(&dpc.lock);
    while (d->queued || (d->running && !on_dpc_thread))
        pthread_cond_wait(&dpc_idle, &dpc.lock);
    pthread_mutex_unlock(&dpc.lock);
}

/* Stops the DPC thread after it has drained the queue. */
void ndislock__dpc_shutdown(void)
{
    ndislock__worker_stop(&dpc, on_dpc_thread);
}

/* At exit, after the timer thread (priority 102 runs first): drain and join. */
__attribute__((destructor(101))) static void dpc_at_exit(void)
{
    ndislock__dpc_shutdown();
}
