/*
 * Timers: NDIS 6 timer objects and NDIS 5 timers.  One library thread (the
 * "timer processor") keeps the queued timers in a list sorted by due time
 * (CLOCK_MONOTONIC ns) and runs each expired callback at DISPATCH_LEVEL in
 * NDISLOCK_CTX_TIMER.  With simulated processors the callback runs on the
 * processor the timer was set on (Windows keeps a timer in the timer table
 * of the processor that set it and expires it there): the timer thread
 * takes that processor for the callback, so it never overlaps a DPC or
 * other DISPATCH_LEVEL code there.
 *
 * Never early: a timer fires only once CLOCK_MONOTONIC >= its due time.
 * Resolution: a condvar timed wait, typically 50-100 us late on an idle host.
 * A periodic timer is re-queued (due += period) before its callback runs, the
 * way a KTIMER is, so a cancel finds it queued and returns TRUE.  Set ->
 * fired (one-shot) / cancelled / freed is announced to the verifier (ARMED /
 * DISARMED), under the timer lock, so the two never arrive out of order.
 */
#include <ndislock/contexts.h>

#include <stdlib.h>
#include <time.h>

#include "callback.h"
#include "internal.h"
#include "lock/park.h"
#include "sched/sched.h"
#include "wait/due.h"

static pthread_mutex_t timer_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ndislock_worker timer = NDISLOCK_WORKER_INIT(&timer_mu, "timer");
static pthread_cond_t timer_idle = PTHREAD_COND_INITIALIZER;    /* a callback finished */
static struct ndislock_timer *timer_head, *timer_current;       /* under timer_mu */
static __thread int on_timer_thread;

/* What each kind of timer is called in events and reports. */
static const char *const roles[] = { "NetTimerCallback", "NdisTimerFunction", "MiniportTimer" };

void ndislock__cond_init_monotonic(pthread_cond_t *c)
{
    pthread_condattr_t a;

    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
}

static void timer_after_fork(void);

__attribute__((constructor)) static void timer_register(void)
{
    ndislock__cond_init_monotonic(&timer.work);     /* deadlines are CLOCK_MONOTONIC */
    ndislock__fork_register(&timer_mu, timer_after_fork);
}

/* Inserts t by due time, after timers due at the same time (FIFO). */
static void enqueue(struct ndislock_timer *t)
{
    struct ndislock_timer **pp = &timer_head;

    while (*pp != NULL && (*pp)->due_ns <= t->due_ns)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->queued = 1;
}

static int dequeue(struct ndislock_timer *t)
{
    struct ndislock_timer **pp;

    if (!t->queued)
        return 0;
    for (pp = &timer_head; *pp != t; pp = &(*pp)->next)
        ;
    *pp = t->next;
    t->queued = 0;
    return 1;
}

static void *timer_main(void *unused)
{
    struct ndislock_cb_frame f;

    (void)unused;
    on_timer_thread = 1;
    ndislock__sched_set_ordinal(NDISLOCK__ORDINAL_TIMER);
    pthread_mutex_lock(&timer_mu);
    while (!timer.stop) {
        struct ndislock_timer *t = timer_head;
        uint64_t now = ndislock__sched_now_ns();    /* virtual under sched=pct */
        uint32_t cpu;
        void *ctx;

        if (t == NULL) {
            ndislock__cond_wait(&timer.work, &timer_mu);
            continue;
        }
        if (t->due_ns > now) {
            ndislock__cond_wait_until(&timer.work, &timer_mu, t->due_ns);
            continue;       /* re-check: spurious and early wake-ups are possible */
        }
        dequeue(t);
        if (t->period_ns != 0) {
            t->due_ns += t->period_ns;          /* keep the cadence ... */
            if (t->due_ns <= now)
                t->due_ns = now + t->period_ns; /* ... unless we fell a period behind */
            enqueue(t);
        } else {
            NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, NdisSetTimerObject, t);    /* fired once */
        }
        t->running = 1;
        timer_current = t;
        ctx = t->ctx;
        cpu = t->cpu;
        pthread_mutex_unlock(&timer_mu);

        ndislock__sched_point(NDISLOCK_POINT_TIMER);
        ndislock__cpu_pin(cpu);         /* its processor (with simulated ones) */
        ndislock__cb_enter(&f, NDISLOCK_CTX_TIMER, NDISLOCK_DISPATCH_LEVEL,
                           NDISLOCK_FN_OBJ(t->fn), roles[t->kind]);
        t->fn(NULL, ctx, NULL, NULL);
        ndislock__cb_exit(&f);
        ndislock__cpu_unpin();

        pthread_mutex_lock(&timer_mu);
        t->running = 0;
        timer_current = NULL;
        if (t->free_when_done) {
            if (dequeue(t))
                NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, NdisFreeTimerObject, t);
            free(t);
        }
        ndislock__cond_broadcast(&timer_idle);
    }
    pthread_mutex_unlock(&timer_mu);
    return NULL;
}

/* In a forked child: the timer thread is gone; restart it if timers are queued. */
static void timer_after_fork(void)
{
    ndislock__worker_reset(&timer);
    ndislock__cond_init_monotonic(&timer.work);
    pthread_cond_init(&timer_idle, NULL);
    on_timer_thread = 0;
    pthread_mutex_lock(&timer_mu);
    if (timer_current != NULL)
        timer_current->running = 0;     /* its callback never returns here */
    timer_current = NULL;
    if (timer_head != NULL)
        ndislock__worker_start_locked(&timer, timer_main, NULL, NDISLOCK__ORDINAL_TIMER);
    pthread_mutex_unlock(&timer_mu);
}

void ndislock_timer_init(struct ndislock_timer *t, ndislock_timer_fn *fn, void *ctx, unsigned kind)
{
    if (kind == NDISLOCK_TIMER_NDIS5_MINIPORT)
        NDISLOCK_CHECK_CALL(NdisMInitializeTimer);
    else if (kind == NDISLOCK_TIMER_NDIS5)
        NDISLOCK_CHECK_CALL(NdisInitializeTimer);
    t->next = NULL;
    t->fn = fn;
    t->ctx = ctx;
    t->due_ns = t->period_ns = 0;
    t->queued = t->running = t->free_when_done = 0;
    t->kind = (uint8_t)(kind < 3 ? kind : NDISLOCK_TIMER_NDIS5);
    t->cpu = 0;
}

struct ndislock_timer *ndislock_timer_create(ndislock_timer_fn *fn, void *ctx)
{
    struct ndislock_timer *t;

    NDISLOCK_CHECK_CALL(NdisAllocateTimerObject);
    if (fn == NULL || (t = malloc(sizeof(*t))) == NULL)
        return NULL;
    ndislock_timer_init(t, fn, ctx, NDISLOCK_TIMER_NDIS6);
    return t;
}

int ndislock_timer_set(struct ndislock_timer *t, int64_t due, int32_t period_ms, void *ctx)
{
    uint64_t due_ns;
    int was_queued;

    if (t->kind == NDISLOCK_TIMER_NDIS5_MINIPORT)
        NDISLOCK_CHECK_CALL(NdisMSetTimer);
    else if (t->kind == NDISLOCK_TIMER_NDIS5)
        NDISLOCK_CHECK_CALL(NdisSetTimer);
    else
        NDISLOCK_CHECK_CALL(NdisSetTimerObject);
    due_ns = ndislock__deadline_after(ndislock__due_rel_ns(due));  /* saturates: -2^62 is far off */
    pthread_mutex_lock(&timer_mu);
    ndislock__worker_start_locked(&timer, timer_main, NULL, NDISLOCK__ORDINAL_TIMER);
    was_queued = dequeue(t);
    t->due_ns = due_ns;
    t->cpu = (uint16_t)(ndislock__cpus() != 0 ? ndislock__cpu_current() : 0);
    t->period_ns = period_ms > 0 ? (uint64_t)period_ms * 1000000u : 0;
    if (ctx != NULL)
        t->ctx = ctx;
    enqueue(t);
    if (!was_queued)
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_ARMED, NdisSetTimerObject, t);
    ndislock__cond_signal(&timer.work);
    pthread_mutex_unlock(&timer_mu);
    return was_queued;
}

int ndislock_timer_cancel(struct ndislock_timer *t)
{
    int was_queued, periodic;

    pthread_mutex_lock(&timer_mu);
    periodic = t->period_ns != 0;
    pthread_mutex_unlock(&timer_mu);
    if (t->kind == NDISLOCK_TIMER_NDIS5_MINIPORT)
        NDISLOCK_CHECK_CALL(NdisMCancelTimer);
    else if (t->kind == NDISLOCK_TIMER_NDIS5)
        NDISLOCK_CHECK_CALL(NdisCancelTimer);
    else if (periodic)
        NDISLOCK_CHECK_CALL(NdisCancelTimerObjectPeriodic);     /* PASSIVE_LEVEL only */
    else
        NDISLOCK_CHECK_CALL(NdisCancelTimerObject);

    pthread_mutex_lock(&timer_mu);
    was_queued = dequeue(t);
    t->period_ns = 0;
    if (was_queued)
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, NdisCancelTimerObject, t);
    /* NdisCancelTimerObject on a periodic timer flushes its running callback
     * (KeFlushQueuedDpcs); from that callback itself it cannot wait. */
    if (periodic && t->kind == NDISLOCK_TIMER_NDIS6 && !on_timer_thread)
        while (t->running)
            ndislock__cond_wait(&timer_idle, &timer_mu);
    pthread_mutex_unlock(&timer_mu);
    return was_queued;
}

void ndislock_timer_free(struct ndislock_timer *t)
{
    if (t == NULL)
        return;
    NDISLOCK_CHECK_CALL(NdisFreeTimerObject);
    pthread_mutex_lock(&timer_mu);
    if (dequeue(t))
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, NdisFreeTimerObject, t);
    t->period_ns = 0;
    if (t->running && on_timer_thread) {
        t->free_when_done = 1;      /* freed by the timer thread once it returns */
        pthread_mutex_unlock(&timer_mu);
        return;
    }
    while (t->running)
        ndislock__cond_wait(&timer_idle, &timer_mu);
    pthread_mutex_unlock(&timer_mu);
    free(t);
}

/* Stops the timer thread; queued timers stay queued and resume on the next set. */
void ndislock__timer_shutdown(void)
{
    ndislock__worker_stop(&timer, on_timer_thread);
}

__attribute__((destructor(102))) static void timer_at_exit(void)
{
    ndislock__timer_shutdown();
}
