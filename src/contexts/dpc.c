/*
 * DPCs: per-processor queues of ndislock_dpc objects, each drained by its
 * own library thread (a "DPC processor") at DISPATCH_LEVEL in
 * NDISLOCK_CTX_DPC.  Without simulated processors there is one queue and one
 * thread, so DPCs never run concurrently with each other, like the DPCs
 * targeted at one processor.  With cpus=N there are N: DPC thread k drains
 * queue k while it owns simulated processor k, so its DPCs never overlap
 * other DISPATCH_LEVEL code of processor k and KeGetCurrentProcessorNumber
 * in them says k.  A DPC goes to the processor KeSetTargetProcessorDpc(Ex)
 * named, else to the inserting thread's current processor.
 *
 * A DPC object is on at most one queue, at most once; FIFO, except that a
 * HighImportance DPC goes to the head (as Windows queues it).  Queued -> run
 * / removed is announced to the verifier (ARMED / DISARMED, for its
 * ACTIVE_AT_UNLOAD audit), under the queue lock so the two can never arrive
 * in the wrong order.  One lock for every queue: an object moves between
 * queues (re-targeted, or inserted from another processor), and inserting is
 * not a hot path.
 */
#include <ndislock/contexts.h>
#include <ndislock/processor.h>

#include "callback.h"
#include "internal.h"
#include "sched/sched.h"

/* DPCs run per hold of the processor; then it is given back once, so
 * threads waiting to enter DISPATCH_LEVEL there get a turn in a DPC storm. */
#define BATCH 64

struct dpc_queue {
    struct ndislock_worker w;
    struct ndislock_dpc *head, *tail, *current;     /* under dpc_mu */
};

static pthread_mutex_t dpc_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dpc_idle = PTHREAD_COND_INITIALIZER;     /* a DPC finished or was dequeued */
static struct dpc_queue queues[NDISLOCK_MAX_PROCESSORS] = {
    [0 ... NDISLOCK_MAX_PROCESSORS - 1] = { NDISLOCK_WORKER_INIT(&dpc_mu, "DPC"), NULL, NULL, NULL }
};
static uint64_t dpc_tickets;                                    /* under dpc_mu */
static __thread unsigned on_dpc_thread;                         /* queue + 1 of this DPC thread */

static void dpc_after_fork(void);

__attribute__((constructor)) static void dpc_register(void)
{
    ndislock__fork_register(&dpc_mu, dpc_after_fork);
}

/* Runs one queued DPC; dpc_mu held, released while the routine runs. */
static void run_one(struct dpc_queue *q, struct ndislock_dpc *d)
{
    struct ndislock_cb_frame f;
    void *a1, *a2;

    q->head = d->next;
    if (q->head == NULL)
        q->tail = NULL;
    d->queued = 0;
    d->running = 1;
    q->current = d;
    a1 = d->SystemArgument1;    /* this run's arguments: a new insert may replace them */
    a2 = d->SystemArgument2;
    NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, KeInsertQueueDpc, d);
    pthread_mutex_unlock(&dpc_mu);

    ndislock__cb_enter(&f, NDISLOCK_CTX_DPC, NDISLOCK_DISPATCH_LEVEL, d->callee, d->role);
    d->DeferredRoutine(d, d->DeferredContext, a1, a2);
    ndislock__cb_exit(&f);

    pthread_mutex_lock(&dpc_mu);
    d->running = 0;
    q->current = NULL;
    ndislock__cond_broadcast(&dpc_idle);
}

static void *dpc_main(void *arg)
{
    struct dpc_queue *q = arg;
    unsigned k = (unsigned)(q - queues);
    ndislock_irql_t base;

    on_dpc_thread = k + 1;
    ndislock__cpu_pin(k);       /* with simulated processors: processor k, no other */
    ndislock__sched_set_ordinal(NDISLOCK__ORDINAL_DPC + k);
    pthread_mutex_lock(&dpc_mu);
    for (;;) {
        while (q->head == NULL && !q->w.stop)
            ndislock__cond_wait(&q->w.work, &dpc_mu);
        if (q->head == NULL)
            break;                  /* stop requested and the queue is drained */
        /* Enter DISPATCH_LEVEL on the processor without the lock: a thread
         * there may be inserting a DPC while we wait for it to leave. */
        pthread_mutex_unlock(&dpc_mu);
        ndislock__sched_point(NDISLOCK_POINT_DPC);
        base = ndislock__irql_raise_raw(NDISLOCK_DISPATCH_LEVEL);
        pthread_mutex_lock(&dpc_mu);
        for (int n = 0; n < BATCH && q->head != NULL; n++)
            run_one(q, q->head);
        pthread_mutex_unlock(&dpc_mu);
        ndislock__irql_lower_raw(base);
        pthread_mutex_lock(&dpc_mu);
    }
    pthread_mutex_unlock(&dpc_mu);
    return NULL;
}

/* In a forked child: the DPC threads are gone; the DPCs they were running
 * never finish there; queues with DPCs get a thread again. */
static void dpc_after_fork(void)
{
    pthread_cond_init(&dpc_idle, NULL);
    on_dpc_thread = 0;
    pthread_mutex_lock(&dpc_mu);
    for (unsigned k = 0; k < NDISLOCK_MAX_PROCESSORS; k++) {
        struct dpc_queue *q = &queues[k];

        ndislock__worker_reset(&q->w);
        if (q->current != NULL)
            q->current->running = 0;
        q->current = NULL;
        if (q->head != NULL)
            ndislock__worker_start_locked(&q->w, dpc_main, q, NDISLOCK__ORDINAL_DPC + (uint32_t)(q - queues));
    }
    pthread_mutex_unlock(&dpc_mu);
}

/* The queue an insert of d goes to. */
static struct dpc_queue *queue_for(const struct ndislock_dpc *d)
{
    uint32_t n = ndislock__cpus();

    if (n == 0)
        return &queues[0];
    return &queues[d->targeted ? d->Number % n : ndislock__cpu_current()];
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
    d->targeted = 0;
    d->queue = 0;
}

int ndislock_dpc_queue(struct ndislock_dpc *d, void *arg1, void *arg2)
{
    struct dpc_queue *q = queue_for(d);
    int queued = 0;

    pthread_mutex_lock(&dpc_mu);
    ndislock__worker_start_locked(&q->w, dpc_main, q, NDISLOCK__ORDINAL_DPC + (uint32_t)(q - queues));
    if (!d->queued) {
        d->SystemArgument1 = arg1;
        d->SystemArgument2 = arg2;
        d->ticket = ++dpc_tickets;
        d->queue = (uint8_t)(q - queues);
        if (d->Importance == NDISLOCK_DPC_HIGH) {
            d->next = q->head;
            q->head = d;
            if (q->tail == NULL)
                q->tail = d;
        } else {
            d->next = NULL;
            if (q->tail != NULL)
                q->tail->next = d;
            else
                q->head = d;
            q->tail = d;
        }
        d->queued = 1;
        queued = 1;
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_ARMED, KeInsertQueueDpc, d);
        ndislock__cond_signal(&q->w.work);
    }
    pthread_mutex_unlock(&dpc_mu);
    return queued;
}

int ndislock_dpc_dequeue(struct ndislock_dpc *d)
{
    struct ndislock_dpc **pp, *prev = NULL;
    int removed = 0;

    pthread_mutex_lock(&dpc_mu);
    if (d->queued) {
        struct dpc_queue *q = &queues[d->queue];

        for (pp = &q->head; *pp != d; pp = &(*pp)->next)
            prev = *pp;
        *pp = d->next;
        if (q->tail == d)
            q->tail = prev;
        d->queued = 0;
        removed = 1;
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, KeRemoveQueueDpc, d);
        ndislock__cond_broadcast(&dpc_idle);
    }
    pthread_mutex_unlock(&dpc_mu);
    return removed;
}

void ndislock_dpc_wait_idle(struct ndislock_dpc *d)
{
    pthread_mutex_lock(&dpc_mu);
    /* a running d is not waited for by the DPC thread running it */
    while (d->queued || (d->running && on_dpc_thread != d->queue + 1u))
        ndislock__cond_wait(&dpc_idle, &dpc_mu);
    pthread_mutex_unlock(&dpc_mu);
}

/* Whether a DPC inserted with ticket <= t is still queued or running.  Under dpc_mu. */
static int pending_upto(uint64_t t)
{
    for (unsigned k = 0; k < NDISLOCK_MAX_PROCESSORS; k++) {
        const struct dpc_queue *q = &queues[k];

        if (q->current != NULL && q->current->ticket <= t)
            return 1;
        for (const struct ndislock_dpc *d = q->head; d != NULL; d = d->next)
            if (d->ticket <= t)
                return 1;
    }
    return 0;
}

void ndislock_dpc_flush(void)
{
    uint64_t t;

    NDISLOCK_CHECK_CALL(KeFlushQueuedDpcs);
    if (on_dpc_thread)
        return;                     /* would wait for itself (and is reported: PASSIVE only) */
    pthread_mutex_lock(&dpc_mu);
    t = dpc_tickets;                /* everything inserted before this call, on every processor */
    while (pending_upto(t))
        ndislock__cond_wait(&dpc_idle, &dpc_mu);
    pthread_mutex_unlock(&dpc_mu);
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
    d->targeted = 1;
    return 0;
}

/* Stops the DPC threads after they have drained their queues.  A DPC that
 * inserts another on a stopped queue restarts that queue's thread: repeat
 * until a pass finds none running. */
void ndislock__dpc_shutdown(void)
{
    int again;

    do {
        again = 0;
        for (unsigned k = 0; k < NDISLOCK_MAX_PROCESSORS; k++) {
            struct dpc_queue *q = &queues[k];

            pthread_mutex_lock(&dpc_mu);
            int started = q->w.started && on_dpc_thread != k + 1;
            pthread_mutex_unlock(&dpc_mu);
            if (started) {
                ndislock__worker_stop(&q->w, 0);
                again = 1;
            }
        }
    } while (again);
}

/* At exit, after the timer thread (priority 102 runs first): drain and join. */
__attribute__((destructor(101))) static void dpc_at_exit(void)
{
    ndislock__dpc_shutdown();
}
