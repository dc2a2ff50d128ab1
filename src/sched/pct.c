/*
 * sched=pct: one thread at a time, chosen at every schedule point by a
 * PCT scheduler (Burckhardt et al., "A Randomized Scheduler with
 * Probabilistic Guarantees of Finding Bugs", ASPLOS 2010), so that a run is
 * a function of its seed.
 *
 * Tasks.  Every thread that takes part is a task with an ordinal (point.c)
 * and a priority drawn from (seed, ordinal).  A task is RUNNABLE, BLOCKED
 * (in one of the library's waits: on a key, until a notify of that key, or
 * until a virtual deadline), OUTSIDE (it was running but reached no schedule
 * point for sched_handback_ms: it blocks outside the library, or computes)
 * or EXITED.  Exactly one task holds the baton and runs; the others wait on
 * their own condition variable under `mu`.
 *
 * Choosing.  At each schedule point of the baton holder below
 * DISPATCH_LEVEL (a step) the runnable task of highest priority gets the
 * baton.  sched_depth - 1 change points, drawn from the seed among the
 * first sched_steps steps, each lower the running task's priority below
 * every other; that is PCT's way of hitting a bug of depth d with
 * probability at least 1/(n k^(d-1)).  Strict priorities starve a task
 * forever when a higher one never blocks (a device loop that always has
 * work): a runnable task that has waited STARVE steps runs for one step
 * first, which keeps every run finite at a small cost to the bound.  At or
 * above DISPATCH_LEVEL nobody
 * takes the baton away: that code holds a processor, spin locks only live
 * there, and a waiter for one of them would spin forever with the baton.
 *
 * Time.  Waits and timers use a virtual clock: it starts at the real clock
 * when the mode is switched on, advances by TICK_NS per step, and jumps to
 * the earliest deadline when no task can run.
 *
 * Determinism.  Decisions depend only on the seed, the order of steps and
 * the library's notifications, all of which happen in the baton holder's
 * program order; a task that is spawned (ndislock_sched_thread_create, the
 * library's threads) is runnable from its creation, before its thread has
 * even started.  What breaks it: a thread that waits or spins outside the
 * library (it is handed back after sched_handback_ms of real time, counted
 * in the exit line), a thread that never reaches a schedule point (it runs
 * alongside), and reading the real clock.
 */
#define _GNU_SOURCE
#include "sched.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "lock/park.h"

#define MAX_TASKS   256
#define MAX_DEPTH   64
#define TICK_NS     1000u       /* virtual time per step */
#define STARVE      1000u       /* steps a runnable task waits at most (see "Choosing") */

enum { T_RUNNABLE = 1, T_BLOCKED, T_OUTSIDE, T_EXITED };

struct task {
    uint32_t ordinal;
    int state;
    int arrived;                /* a thread runs it */
    uint64_t prio;
    uint64_t since;             /* RUNNABLE, not running, since this step */
    const void *key;            /* BLOCKED on it (NULL: a deadline only) */
    uint64_t deadline;          /* BLOCKED until then (virtual ns); 0: none */
    pthread_t thread;           /* once known (joins) */
    pthread_cond_t cv;          /* the baton is ours, or look again */
};

static struct {
    pthread_mutex_t mu;
    int on;                     /* sched=pct in effect */
    int holder;                 /* the task with the baton; -1: none */
    int ntasks;
    uint64_t steps, change[MAX_DEPTH];
    uint32_t nchange, next_change;
    uint64_t vbase, voffset;    /* virtual now = vbase + voffset */
    uint64_t last_point_real;   /* real time of the holder's last schedule point */
    uint64_t forced;            /* hand-backs forced by a holder outside the library */
    uint64_t switches;          /* times the baton went to another task */
    int said_stuck;
    struct task tasks[MAX_TASKS];
} pct = { .mu = PTHREAD_MUTEX_INITIALIZER, .holder = -1 };

static __thread int self = -1;  /* our task, or -1 */
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int ndislock__pct_on(void)
{
    return ndislock_pr_load(&pct.on, NDISLOCK_RELAXED);
}

uint64_t ndislock__sched_now_ns(void)
{
    if (!ndislock__pct_on())
        return ndislock__now_ns();
    pthread_mutex_lock(&pct.mu);
    uint64_t now = pct.vbase + pct.voffset;
    pthread_mutex_unlock(&pct.mu);
    return now;
}

/* ---- choosing (all under mu) ---- */

static uint64_t vnow(void)
{
    return pct.vbase + pct.voffset;
}

static void make_runnable(struct task *t)
{
    t->state = T_RUNNABLE;
    t->since = pct.steps;
}

/* The runnable task that waited STARVE steps or more (the longest), else
 * the one of highest priority (ties: the lower ordinal); -1: none. */
static int best(void)
{
    int b = -1, starved = -1;

    for (int i = 0; i < pct.ntasks; i++) {
        struct task *t = &pct.tasks[i];

        if (t->state == T_BLOCKED && t->deadline != 0 && vnow() >= t->deadline)
            make_runnable(t);           /* its timeout passed */
        if (t->state != T_RUNNABLE)
            continue;
        if (i != pct.holder && pct.steps - t->since >= STARVE &&
            (starved < 0 || t->since < pct.tasks[starved].since))
            starved = i;
        if (b < 0 || t->prio > pct.tasks[b].prio ||
            (t->prio == pct.tasks[b].prio && t->ordinal < pct.tasks[b].ordinal))
            b = i;
    }
    return starved >= 0 ? starved : b;
}

/* Passes the baton to the task that should run now; -1 (nobody) if every
 * task waits without a deadline or is outside. */
static void reschedule(void)
{
    int next = best();

    if (next < 0) {
        /* nothing can run: virtual time jumps to the earliest deadline */
        uint64_t first = 0;

        for (int i = 0; i < pct.ntasks; i++) {
            const struct task *t = &pct.tasks[i];

            if (t->state == T_BLOCKED && t->deadline != 0 && (first == 0 || t->deadline < first))
                first = t->deadline;
        }
        if (first != 0) {
            pct.voffset = first - pct.vbase;
            next = best();
        }
    }
    if (next >= 0 && next != pct.holder) {
        pct.switches++;
        if (pct.holder >= 0 && pct.tasks[pct.holder].state == T_RUNNABLE)
            pct.tasks[pct.holder].since = pct.steps;    /* preempted: waits from now */
    }
    pct.holder = next;
    if (next >= 0) {
        pct.said_stuck = 0;
        pct.last_point_real = ndislock__now_ns();
        pthread_cond_signal(&pct.tasks[next].cv);
        return;
    }
    for (int i = 0; i < pct.ntasks; i++)
        if (pct.tasks[i].state == T_OUTSIDE || (pct.tasks[i].state == T_RUNNABLE))
            return;             /* someone will come back */
    if (!pct.said_stuck) {
        pct.said_stuck = 1;
        fprintf(stderr, "ndislock: schedule: every thread waits in the library and none can "
                "wake another (sched_seed=%llu)\n",
                (unsigned long long)ndislock__sched_config()->seed);
    }
}

/* The baton holder has reached no schedule point for sched_handback_ms:
 * it waits or computes outside the library; let the others go on. */
static void hand_back_if_stuck(void)
{
    uint64_t bound = ndislock__sched_config()->handback_ms * 1000000u;

    if (pct.holder < 0 || !pct.tasks[pct.holder].arrived ||
        ndislock__now_ns() - pct.last_point_real < bound)
        return;
    pct.tasks[pct.holder].state = T_OUTSIDE;
    pct.forced++;
    reschedule();
}

/* Waits until task me holds the baton. */
static void await_baton(int me)
{
    struct task *t = &pct.tasks[me];

    while (pct.holder != me && pct.on) {
        struct timespec ts;
        uint64_t wake = ndislock__now_ns() +
                        ndislock__sched_config()->handback_ms * 1000000u / 2 + 1000000u;

        if (pct.holder < 0 && t->state == T_RUNNABLE) {
            reschedule();       /* nobody held it: choose now */
            continue;
        }
        ndislock__ns_to_timespec(wake, &ts);
        if (pthread_cond_timedwait(&t->cv, &pct.mu, &ts) == ETIMEDOUT)
            hand_back_if_stuck();
    }
    t->state = T_RUNNABLE;
    pct.last_point_real = ndislock__now_ns();
}

/* ---- tasks ---- */

static void on_thread_exit(void *unused);

/* A task's initial priority: from (seed, ordinal), sched_depth and above;
 * change points hand out the priorities below it. */
static uint64_t task_prio(uint32_t ordinal)
{
    const struct ndislock__sched_config *c = ndislock__sched_config();

    return c->depth + (mix(c->seed ^ mix(ordinal + 0x5c4e)) >> 2);
}

static void make_exit_key(void)
{
    (void)pthread_key_create(&exit_key, on_thread_exit);
}

/* A new task (mu held); -1 if the table is full (the thread then runs unscheduled). */
static int add_task(uint32_t ordinal)
{
    static int said_full;
    pthread_condattr_t ca;
    struct task *t;

    if (pct.ntasks == MAX_TASKS) {
        if (!said_full) {
            said_full = 1;
            fprintf(stderr, "ndislock: schedule: more than %d threads; the others run unscheduled\n",
                    MAX_TASKS);
        }
        return -1;
    }
    t = &pct.tasks[pct.ntasks];
    t->ordinal = ordinal;
    make_runnable(t);
    t->arrived = 0;
    t->prio = task_prio(ordinal);
    t->key = NULL;
    t->deadline = 0;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);    /* await_baton's bound is monotonic */
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    return pct.ntasks++;
}

/* Binds the calling thread to a task (mu held): the one spawned for its
 * ordinal, else a new one. */
static int bind(uint32_t ordinal)
{
    int me = -1;

    for (int i = 0; i < pct.ntasks; i++)
        if (pct.tasks[i].ordinal == ordinal && !pct.tasks[i].arrived &&
            pct.tasks[i].state != T_EXITED)
            me = i;
    if (me < 0 && (me = add_task(ordinal)) < 0)
        return -1;
    pct.tasks[me].arrived = 1;
    pct.tasks[me].thread = pthread_self();
    self = me;
    pthread_once(&exit_once, make_exit_key);
    (void)pthread_setspecific(exit_key, (void *)1);
    return me;
}

/* The calling thread's task, bound on first use (mu held); -1: unscheduled. */
static int current(void)
{
    if (self < 0)
        return bind(ndislock__sched_ordinal());
    return self;
}

void ndislock__pct_spawn(uint32_t ordinal)
{
    if (!ndislock__pct_on())
        return;
    pthread_mutex_lock(&pct.mu);
    (void)add_task(ordinal);
    pthread_mutex_unlock(&pct.mu);
}

void ndislock__pct_spawned(uint32_t ordinal, pthread_t thread)
{
    if (!ndislock__pct_on())
        return;
    pthread_mutex_lock(&pct.mu);
    for (int i = 0; i < pct.ntasks; i++)
        if (pct.tasks[i].ordinal == ordinal)
            pct.tasks[i].thread = thread;
    pthread_mutex_unlock(&pct.mu);
}

void ndislock__pct_arrive(uint32_t ordinal)
{
    int me;

    if (!ndislock__pct_on())
        return;
    pthread_mutex_lock(&pct.mu);
    if (self < 0 && (me = bind(ordinal)) >= 0)
        await_baton(me);
    pthread_mutex_unlock(&pct.mu);
}

static void on_thread_exit(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&pct.mu);
    if (self >= 0) {
        struct task *t = &pct.tasks[self];

        t->state = T_EXITED;
        for (int i = 0; i < pct.ntasks; i++)    /* joiners wait on the task */
            if (pct.tasks[i].state == T_BLOCKED && pct.tasks[i].key == t)
                make_runnable(&pct.tasks[i]);
        if (pct.holder == self || pct.holder < 0)
            reschedule();
        self = -1;
    }
    pthread_mutex_unlock(&pct.mu);
}

/* ---- what the rest of the library calls ---- */

void ndislock__pct_point(void)
{
    int me;

    pthread_mutex_lock(&pct.mu);
    if (!pct.on || (me = current()) < 0) {
        pthread_mutex_unlock(&pct.mu);
        return;
    }
    if (pct.holder != me) {             /* new, or back from outside: wait for a turn */
        make_runnable(&pct.tasks[me]);
        await_baton(me);
    } else if (ndislock_tls.irql < NDISLOCK_DISPATCH_LEVEL) {
        pct.steps++;
        pct.voffset += TICK_NS;
        if (pct.next_change < pct.nchange && pct.steps == pct.change[pct.next_change])
            pct.tasks[me].prio = pct.nchange - 1 - pct.next_change++;  /* below every other */
        reschedule();
        await_baton(me);
    } else {
        pct.last_point_real = ndislock__now_ns();   /* at DISPATCH_LEVEL: keeps the baton */
    }
    pthread_mutex_unlock(&pct.mu);
}

int ndislock__pct_block(const void *key, uint64_t deadline)
{
    int me;

    pthread_mutex_lock(&pct.mu);
    if (!pct.on || (me = current()) < 0) {
        pthread_mutex_unlock(&pct.mu);
        return 0;                       /* unscheduled: the caller waits for real */
    }
    if (pct.holder != me) {             /* back from outside: wait for a turn first */
        make_runnable(&pct.tasks[me]);
        await_baton(me);
    }
    pct.tasks[me].state = T_BLOCKED;
    pct.tasks[me].key = key;
    pct.tasks[me].deadline = deadline;
    reschedule();
    await_baton(me);
    pct.tasks[me].key = NULL;
    pct.tasks[me].deadline = 0;
    pthread_mutex_unlock(&pct.mu);
    return 1;
}

void ndislock__pct_notify(const void *key)
{
    if (!ndislock__pct_on())
        return;
    pthread_mutex_lock(&pct.mu);
    for (int i = 0; i < pct.ntasks; i++)
        if (pct.tasks[i].state == T_BLOCKED && pct.tasks[i].key == key)
            make_runnable(&pct.tasks[i]);
    if (pct.holder < 0)
        reschedule();
    pthread_mutex_unlock(&pct.mu);
}

/* Blocks until the task of thread has exited (ndislock_sched_thread_join). */
void ndislock__pct_await_exit(pthread_t thread)
{
    for (;;) {
        const struct task *t = NULL;

        pthread_mutex_lock(&pct.mu);
        for (int i = 0; i < pct.ntasks; i++)
            if (pct.tasks[i].thread == thread && pct.tasks[i].state != T_EXITED &&
                (pct.tasks[i].arrived || pct.tasks[i].state == T_RUNNABLE))
                t = &pct.tasks[i];
        pthread_mutex_unlock(&pct.mu);
        if (t == NULL || !ndislock__pct_block(t, 0))
            return;
    }
}

/* sched=pct off: every task runs freely again. */
void ndislock__pct_stop(void)
{
    pthread_mutex_lock(&pct.mu);
    ndislock_pr_store(&pct.on, 0, NDISLOCK_RELAXED);
    pct.holder = -1;
    for (int i = 0; i < pct.ntasks; i++)
        pthread_cond_signal(&pct.tasks[i].cv);
    pthread_mutex_unlock(&pct.mu);
}

/* Switches sched=pct on, or, while no step has been taken yet, applies new
 * settings (NDISLOCK_OPTIONS's keys arrive one at a time). */
int ndislock__pct_start(uint32_t depth, uint64_t steps, uint64_t seed)
{
    pthread_mutex_lock(&pct.mu);
    if (pct.on && pct.steps != 0) {
        pthread_mutex_unlock(&pct.mu);
        return 0;
    }
    if (!pct.on)
        pct.vbase = ndislock__now_ns();
    pct.voffset = 0;
    pct.steps = 0;
    pct.nchange = depth - 1;
    pct.next_change = 0;
    for (uint32_t i = 0; i < pct.nchange; i++)     /* distinct steps in 1..steps, sorted */
        for (uint64_t r = mix(seed ^ mix(0xc4a9 + i));; r = mix(r)) {
            uint64_t c = 1 + r % steps;
            uint32_t j = 0;

            while (j < i && pct.change[j] != c)
                j++;
            if (j == i || steps < depth) {
                pct.change[i] = c;
                break;
            }
        }
    for (uint32_t i = 1; i < pct.nchange; i++)
        for (uint32_t j = i; j > 0 && pct.change[j - 1] > pct.change[j]; j--) {
            uint64_t x = pct.change[j];
            pct.change[j] = pct.change[j - 1];
            pct.change[j - 1] = x;
        }
    for (int i = 0; i < pct.ntasks; i++)     /* tasks registered under the old seed */
        pct.tasks[i].prio = task_prio(pct.tasks[i].ordinal);
    ndislock_pr_store(&pct.on, 1, NDISLOCK_RELAXED);
    /* the configuring thread holds the baton */
    int me = current();
    pct.holder = me;
    pct.last_point_real = ndislock__now_ns();
    pthread_mutex_unlock(&pct.mu);
    return 0;
}

void ndislock__pct_counts(uint64_t *steps, uint64_t *switches, uint64_t *forced)
{
    pthread_mutex_lock(&pct.mu);
    *steps = pct.steps;
    *switches = pct.switches;
    *forced = pct.forced;
    pthread_mutex_unlock(&pct.mu);
}
