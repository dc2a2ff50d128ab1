/*
 * Schedule points: where the library lets a schedule mode act.  They are
 * every raise (a spin-lock acquire, KeRaiseIrql), a lower below DISPATCH_LEVEL
 * (a release, KeLowerIrql), a DPC queue or timer callback about to run, an
 * interrupt about to fire, and ndislock_sched_yield.
 *
 * Every thread that takes part has an ordinal: threads created with
 * ndislock_sched_thread_create get theirs from the creating thread, in the
 * order of creation (1, 2, ...); the thread that configures a schedule mode
 * gets the next one; the library's DPC thread of processor k has
 * NDISLOCK__ORDINAL_DPC + k and the timer thread NDISLOCK__ORDINAL_TIMER; any
 * other thread gets the next one when it first reaches a point (an order
 * that may differ between runs).
 *
 * A decision at a point is a hash of (seed, ordinal, kind of point, how many
 * points of that kind the thread passed before): a counter-based random
 * stream, so a thread's n-th lock acquire gets the same decision in every
 * run with the seed, however many yields or waits its other paths took.
 *
 * sched=perturb: with probability 1/sched_every the thread yields, spins or
 * sleeps for a random time up to sched_delay_us, as Driver Verifier's kernel
 * synchronization delay fuzzing did, which widens the windows in which
 * races show.  The seed fixes the decisions, not the host's schedule: a seed
 * that shows a race usually shows it again, without a guarantee
 * (docs/SCHEDULING.md has measured rates).
 */
#define _GNU_SOURCE
#include "sched.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "lock/park.h"

#define NKINDS (NDISLOCK_POINT_YIELD + 1)

static uint32_t last_ordinal;

static __thread struct ndislock__sched_thread {
    uint32_t ordinal;           /* 0: not yet */
    uint64_t count[NKINDS];     /* points of each kind passed */
} me;

/* splitmix64's finalizer: a 64-bit mix with full avalanche. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t ndislock__sched_ordinal(void)
{
    if (NDISLOCK_UNLIKELY(me.ordinal == 0))
        me.ordinal = ndislock_pr_faa(&last_ordinal, 1u, NDISLOCK_RELAXED) + 1;
    return me.ordinal;
}

void ndislock__sched_set_ordinal(uint32_t ordinal)
{
    me.ordinal = ordinal;
    ndislock__pct_arrive(ordinal);      /* under pct: wait for our first turn */
}

uint32_t ndislock__sched_next_ordinal(void)
{
    return ndislock_pr_faa(&last_ordinal, 1u, NDISLOCK_RELAXED) + 1;
}

/* The decision for this thread's next point of kind p. */
static uint64_t decide(enum ndislock_point p)
{
    uint64_t seed = ndislock__sched_seed();
    uint32_t ordinal = ndislock__sched_ordinal();

    ndislock_tls.lower_slow |= NDISLOCK_LOWER_POINT;    /* its lowers are points too */
    return mix(mix(mix(seed + 0x9e3779b97f4a7c15ull) ^ ((uint64_t)ordinal << 8 | p)) ^
               me.count[p]++);
}

static void spin_ns(uint64_t ns)
{
    uint64_t end = ndislock__now_ns() + ns;

    while (ndislock__now_ns() < end)
        ndislock_pr_pause();
}

static void perturb(uint64_t r)
{
    const struct ndislock__sched_config *c = ndislock__sched_config();

    if (r % c->every != 0)
        return;
    r >>= 32;
    switch (r & 3) {
    case 0:
        sched_yield();
        break;
    case 1:             /* stays on the CPU: other CPUs' threads run meanwhile */
        /* Not at DISPATCH_LEVEL: a lock may be held, and the verifier would
         * charge the spin to the hold (a sleep is seen as preemption). */
        if (ndislock_tls.irql < NDISLOCK_DISPATCH_LEVEL) {
            spin_ns(((r >> 2) % c->delay_us + 1) * 1000u);
            break;
        }
        /* fall through */
    default: {          /* leaves the CPU: this one's other threads run too */
        struct timespec ts = { 0, (long)((r >> 2) % c->delay_us + 1) * 1000 };
        nanosleep(&ts, NULL);
        break;
    }
    }
}

void ndislock__sched_point(enum ndislock_point p)
{
    int s = ndislock_pr_load(&ndislock__sched, NDISLOCK_RELAXED);

    if (s & NDISLOCK_SCHED_PERTURB) {
        perturb(decide(p));
    } else if (s & NDISLOCK_SCHED_PCT) {
        ndislock_tls.lower_slow |= NDISLOCK_LOWER_POINT;    /* its lowers are points too */
        ndislock__pct_point();
    }
}

void ndislock_sched_yield(void)
{
    ndislock__sched_point(NDISLOCK_POINT_YIELD);
    if (!ndislock__pct_on())    /* under pct the point chose who runs */
        sched_yield();
}

/* A thread of ndislock_sched_thread_create: its ordinal comes with it. */
struct start {
    void *(*fn)(void *);
    void *arg;
    uint32_t ordinal;
};

static void *start_thread(void *p)
{
    struct start s = *(struct start *)p;

    free(p);
    ndislock__sched_set_ordinal(s.ordinal);
    return s.fn(s.arg);
}

int ndislock_sched_thread_create(pthread_t *thread, const pthread_attr_t *attr,
                                 void *(*fn)(void *), void *arg)
{
    struct start *s = malloc(sizeof *s);
    uint32_t ordinal = ndislock__sched_next_ordinal();     /* in the creator's program order */
    int err;

    if (s == NULL)
        return EAGAIN;
    s->fn = fn;
    s->arg = arg;
    s->ordinal = ordinal;
    ndislock__pct_spawn(ordinal);                   /* runnable from now on, under pct */
    err = pthread_create(thread, attr, start_thread, s);
    if (err != 0)
        free(s);
    else
        ndislock__pct_spawned(ordinal, *thread);   /* s may be gone: the thread frees it */
    return err;
}

int ndislock_sched_thread_join(pthread_t thread, void **ret)
{
    ndislock__pct_await_exit(thread);   /* under pct: others run until it has exited */
    return pthread_join(thread, ret);
}
