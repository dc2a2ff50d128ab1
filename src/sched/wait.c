/*
 * The library's own waits (DPC and timer threads, flushes, sleeps), in one
 * place so that the deterministic scheduler (pct.c) sees them: under
 * sched=pct a wait lets the other tasks run instead of blocking the one
 * that holds the baton, and a signal tells the scheduler who may run.
 * Otherwise they are the pthread calls they wrap.
 */
#define _GNU_SOURCE
#include "sched.h"

#include <errno.h>
#include <time.h>

#include "lock/park.h"

/* Under sched=pct: lets others run (m released meanwhile); 0 if this
 * thread is not scheduled and must wait for real. */
static int pct_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline)
{
    int done;

    if (!ndislock__pct_on())
        return 0;
    pthread_mutex_unlock(m);
    done = ndislock__pct_block(c, deadline);
    pthread_mutex_lock(m);
    return done;
}

void ndislock__cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (!pct_wait(c, m, 0))
        pthread_cond_wait(c, m);
}

/* The condvar must use CLOCK_MONOTONIC (ndislock__cond_init_monotonic). */
void ndislock__cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline)
{
    struct timespec ts;

    if (deadline == 0) {
        ndislock__cond_wait(c, m);
        return;
    }
    if (pct_wait(c, m, deadline))
        return;
    ndislock__ns_to_timespec(deadline, &ts);
    (void)pthread_cond_timedwait(c, m, &ts);
}

void ndislock__cond_signal(pthread_cond_t *c)
{
    pthread_cond_signal(c);
    ndislock__pct_notify(c);
}

void ndislock__cond_broadcast(pthread_cond_t *c)
{
    pthread_cond_broadcast(c);
    ndislock__pct_notify(c);
}

void ndislock__sleep_until(uint64_t deadline)
{
    struct timespec ts;

    while (ndislock__pct_on() && ndislock__sched_now_ns() < deadline)
        if (!ndislock__pct_block(NULL, deadline))
            break;
    if (ndislock__sched_now_ns() >= deadline)
        return;
    ndislock__ns_to_timespec(deadline, &ts);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}
