/*
 * DPCs: one library thread (the "DPC processor") drains a queue of
 * ndislock_dpc objects, each at DISPATCH_LEVEL in NDISLOCK_CTX_DPC.  One
 * thread means DPCs never run concurrently with each other, like the DPCs
 * targeted at one processor.  A DPC object is on the queue at most once;
 * FIFO, except that a HighImportance DPC goes to the head (as Windows queues
 * it).  Queued -> run / removed is announced to the verifier (ARMED /
 * DISARMED, for its ACTIVE_AT_UNLOAD audit), under the queue lock so the two
 * can never arrive in the wrong order.
 */
#include <ndislock/contexts.h>
#include <ndislock/processor.h>

#include "callback.h"
#include "internal.h"

static void dpc_after_fork(struct ndislock_worker *w);

static struct ndislock_worker dpc = NDISLOCK_WORKER_INIT("DPC", dpc_after_fork);
static pthread_cond_t dpc_idle = PTHREAD_COND_INITIALIZER;   /* a DPC finished or was dequeued */
static struct ndislock_dpc *dpc_head, *dpc_tail, *dpc_current;  /* under dpc.lock */
static uint64_t dpc_tickets;                                    /* under dpc.lock */
static __thread int on_dpc_thread;

__attribute__((constructor)) static void dpc_register(void)
{
    ndislock__worker_register(&dpc);
}

static void *dpc_main(void *unused)
{
    struct ndislock_dpc *d;
    struct ndislock_cb_frame f;
    void *a1, *a2;

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
        dpc_current = d;
        a1 = d->SystemArgument1;    /* this run's arguments: a new insert may replace them */
        a2 = d->SystemArgument2;
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, KeInsertQueueDpc, d);
        pthread_mutex_unlock(&dpc.lock);

        ndislock__cb_enter(&f, NDISLOCK_CTX_DPC, NDISLOCK_DISPATCH_LEVEL, d->callee, d->role);
        d->DeferredRoutine(d, d->DeferredContext, a1, a2);
        ndislock__cb_exit(&f);

        pthread_mutex_lock(&dpc.lock);
        d->running = 0;
        dpc_current = NULL;
        pthread_cond_broadcast(&dpc_idle);
    }
    pthread_mutex_unlock(&dpc.lock);
    return NULL;
}

/* In a forked child: the DPC thread is gone; the one it was running never finishes there. */
static void dpc_after_fork(struct ndislock_worker *w)
{
    pthread_cond_init(&dpc_idle, NULL);
    on_dpc_thread = 0;
    pthread_mutex_lock(&w->lock);
    if (dpc_current != NULL)
        dpc_current->running = 0;
    dpc_current = NULL;
    if (dpc_head != NULL)
        ndislock__worker_start_locked(w, dpc_main);     /* queued in the parent: run here */
    pthread_mutex_unlock(&w->lock);
}

void ndislock_dpc_init(struct ndislock_dpc *d, ndislock_dpc_fn *fn, void *ctx)
{
    d->Type = 19;
    d->Importance = NDISLOCK_DPC_MEDIUM;
    d->Number = 0;
    d->DeferredRoutine = fn;
    d->DeferredContext = ctx;
    d->SystemArgument1 = d->SystemArgument2 = NULL;
    d->next = NULL;
    d->callee = NDISLOCK_FN_OBJ(fn);
    d->role = "CustomDpc";
    d->ticket = 0;
    d->queued = 0;
    d->running = 0;
}

int ndislock_dpc_queue(struct ndislock_dpc *d, void *arg1, void *arg2)
{
    int queued = 0;

    pthread_mutex_lock(&dpc.lock);
    ndislock__worker_start_locked(&dpc, dpc_main);
    if (!d->queued) {
        d->SystemArgument1 = arg1;
        d->SystemArgument2 = arg2;
        d->ticket = ++dpc_tickets;
        if (d->Importance == NDISLOCK_DPC_HIGH) {
            d->next = dpc_head;
            dpc_head = d;
            if (dpc_tail == NULL)
                dpc_tail = d;
        } else {
            d->next = NULL;
            if (dpc_tail != NULL)
                dpc_tail->next = d;
            else
                dpc_head = d;
            dpc_tail = d;
        }
        d->queued = 1;
        queued = 1;
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_ARMED, KeInsertQueueDpc, d);
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
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, KeRemoveQueueDpc, d);
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

/* Whether a DPC inserted with ticket <= t is still queued or running.  Under dpc.lock. */
static int pending_upto(uint64_t t)
{
    if (dpc_current != NULL && dpc_current->ticket <= t)
        return 1;
    for (struct ndislock_dpc *d = dpc_head; d != NULL; d = d->next)
        if (d->ticket <= t)
            return 1;
    return 0;
}

void ndislock_dpc_flush(void)
{
    uint64_t t;

    NDISLOCK_CHECK_CALL(KeFlushQueuedDpcs);
    if (on_dpc_thread)
        return;                     /* would wait for itself (and is reported: PASSIVE only) */
    pthread_mutex_lock(&dpc.lock);
    t = dpc_tickets;                /* everything inserted before this call */
    while (pending_upto(t))
        pthread_cond_wait(&dpc_idle, &dpc.lock);
    pthread_mutex_unlock(&dpc.lock);
}

void ndislock_dpc_set_importance(struct ndislock_dpc *d, unsigned importance)
{
    d->Importance = (uint8_t)importance;
}

int ndislock_dpc_set_target(struct ndislock_dpc *d, uint32_t number)
{
    if (number >= ndislock_processor_count())
        return -1;
    d->Number = (uint16_t)number;
    return 0;
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
