/*
 * NDIS timer objects.  One library thread (the "timer processor") keeps the
 * queued timers in a list sorted by due time (CLOCK_MONOTONIC ns) and runs
 * each expired callback at DISPATCH_LEVEL in NDISLOCK_CTX_TIMER.
 *
 * Never early: a timer fires only once CLOCK_MONOTONIC >= its due time.
 * Resolution: a condvar timed wait, typically 50-100 us late on an idle host.
 * A periodic timer is re-queued (due += period) before its callback runs, the
 * way a KTIMER is, so NdisCancelTimerObject finds it queued and returns TRUE.
 */
#include <ndislock/contexts.h>

#include <stdlib.h>
#include <time.h>

#include "callback.h"
#include "internal.h"
#include "lock/park.h"

struct ndislock_timer {
    struct ndislock_timer *next;    /* the sorted queue; under timer.lock */
    ndislock_timer_fn *fn;
    void *ctx;                      /* under timer.lock */
    uint64_t due_ns;                /* under timer.lock */
    uint64_t period_ns;             /* under timer.lock */
    uint8_t queued, running, free_when_done;    /* under timer.lock */
};

static struct ndislock_worker timer = NDISLOCK_WORKER_INIT;
static pthread_cond_t timer_idle = PTHREAD_COND_INITIALIZER;    /* a callback finished */
static struct ndislock_timer *timer_head;
static __thread int on_timer_thread;

void ndislock__cond_init_monotonic(pthread_cond_t *c)
{
    pthread_condattr_t a;

    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
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
    struct timespec ts;

    (void)unused;
    on_timer_thread = 1;
    pthread_mutex_lock(&timer.lock);
    while (!timer.stop) {
        struct ndislock_timer *t = timer_head;
        uint64_t now = ndislock__now_ns();
        void *ctx;

        if (t == NULL) {
            pthread_cond_wait(&timer.work, &timer.lock);
            continue;
        }
        if (t->due_ns > now) {
            ndislock__ns_to_timespec(t->due_ns, &ts);
            pthread_cond_timedwait(&timer.work, &timer.lock, &ts);
            continue;       /* re-check: spurious and early wake-ups are possible */
        }
        dequeue(t);
        if (t->period_ns != 0) {
            t->due_ns += t->period_ns;          /* keep the cadence ... */
            if (t->due_ns <= now)
                t->due_ns = now + t->period_ns; /* ... unless we fell a period behind */
            enqueue(t);
        }
        t->running = 1;
        ctx = t->ctx;
        pthread_mutex_unlock(&timer.lock);

        ndislock__cb_enter(&f, NDISLOCK_CTX_TIMER, NDISLOCK_DISPATCH_LEVEL,
                           NDISLOCK_FN_OBJ(t->fn), "NetTimerCallback");
        t->fn(NULL, ctx, NULL, NULL);
        ndislock__cb_exit(&f);

        pthread_mutex_lock(&timer.lock);
        t->running = 0;
        if (t->free_when_done) {
            dequeue(t);
            free(t);
        }
        pthread_cond_broadcast(&timer_idle);
    }
    pthread_mutex_unlock(&timer.lock);
    return NULL;
}

static pthread_once_t timer_once = PTHREAD_ONCE_INIT;

static void timer_init(void)
{
    ndislock__cond_init_monotonic(&timer.work);
}

struct ndislock_timer *ndislock_timer_create(ndislock_timer_fn *fn, void *ctx)
{
    struct ndislock_timer *t;

    if (fn == NULL || (t = calloc(1, sizeof(*t))) == NULL)
        return NULL;
    pthread_once(&timer_once, timer_init);
    t->fn = fn;
    t->ctx = ctx;
    return t;
}

int64_t ndislock_system_time(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    /* 11644473600 s from 1601-01-01 to 1970-01-01 */
    return ((int64_t)ts.tv_sec + 11644473600ll) * 10000000ll + ts.tv_nsec / 100;
}

int ndislock_timer_set(struct ndislock_timer *t, int64_t due, int32_t period_ms, void *ctx)
{
    uint64_t now = ndislock__now_ns();
    uint64_t rel_ns;
    int was_queued;

    if (due < 0) {
        rel_ns = (uint64_t)(-due) * 100u;
    } else {
        int64_t d = due - ndislock_system_time();
        rel_ns = d > 0 ? (uint64_t)d * 100u : 0;
    }
    pthread_mutex_lock(&timer.lock);
    ndislock__worker_start_locked(&timer, timer_main);
    was_queued = dequeue(t);
    t->due_ns = now + rel_ns;
    t->period_ns = period_ms > 0 ? (uint64_t)period_ms * 1000000u : 0;
    if (ctx != NULL)
        t->ctx = ctx;
    enqueue(t);
    pthread_cond_signal(&timer.work);
    pthread_mutex_unlock(&timer.lock);
    return was_queued;
}

int ndislock_timer_cancel(struct ndislock_timer *t)
{
    int was_queued;

    pthread_mutex_lock(&timer.lock);
    was_queued = dequeue(t);
    t->period_ns = 0;
    pthread_mutex_unlock(&timer.lock);
    return was_queued;
}

void ndislock_timer_free(struct ndislock_timer *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&timer.lock);
    dequeue(t);
    t->period_ns = 0;
    if (t->running && on_timer_thread) {
        t->free_when_done = 1;      /* freed by the timer thread once it returns */
        pthread_mutex_unlock(&timer.lock);
        return;
    }
    while (t->running)
        pthread_cond_wait(&timer_idle, &timer.lock);
    pthread_mutex_unlock(&timer.lock);
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
