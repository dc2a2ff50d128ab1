/*
 * Simulated processors and schedules: what the rest of the library calls.
 * Internal.  The model and its guarantees: docs/SCHEDULING.md.
 */
#ifndef NDISLOCK_SCHED_INTERNAL_H
#define NDISLOCK_SCHED_INTERNAL_H

#include <ndislock/irql.h>
#include <ndislock/processor.h>
#include <ndislock/sched.h>

#include <pthread.h>
#include <stddef.h>

/* Per-thread variables the raise and lower paths touch: initial-exec, as
 * ndislock_tls (the library is loaded with the program, not dlopen'ed late). */
#define NDISLOCK_TLS_IE __attribute__((tls_model("initial-exec")))

/* Bits of ndislock__sched (irql.h). */
#define NDISLOCK_SCHED_CPUS     1   /* cpus=N: raises take simulated processors */
#define NDISLOCK_SCHED_PERTURB  2   /* sched=perturb: random delays at schedule points */
#define NDISLOCK_SCHED_PCT      4   /* sched=pct: one thread at a time, chosen at each point */

/* The settings in effect (options.c); changed only while quiescent. */
struct ndislock__sched_config {
    uint64_t cpus;              /* simulated processors; 0: off */
    uint64_t mode;              /* NDISLOCK__MODE_* */
    uint64_t seed;              /* sched_seed */
    uint64_t every;             /* perturb: one point in `every` is perturbed */
    uint64_t delay_us;          /* perturb: longest delay */
    uint64_t depth;             /* pct: bug depth d (d - 1 priority change points) */
    uint64_t steps;             /* pct: the steps the change points are drawn from */
    uint64_t handback_ms;       /* pct: a holder without a point this long is passed over */
};
enum { NDISLOCK__MODE_OFF, NDISLOCK__MODE_PERTURB, NDISLOCK__MODE_PCT };
const struct ndislock__sched_config *ndislock__sched_config(void);
uint64_t ndislock__sched_seed(void);

/* ---- point.c: schedule points ---- */

enum ndislock_point {
    NDISLOCK_POINT_RAISE,       /* crossing DISPATCH_LEVEL upwards (before taking a processor) */
    NDISLOCK_POINT_LOWER,       /* dropping below it (after giving the processor back) */
    NDISLOCK_POINT_DPC,         /* a DPC thread about to run its queue */
    NDISLOCK_POINT_TIMER,       /* a timer callback about to run */
    NDISLOCK_POINT_INTERRUPT,   /* an interrupt about to fire */
    NDISLOCK_POINT_YIELD,       /* ndislock_sched_yield */
};

/* A schedule point: nothing unless a schedule mode is on. */
void ndislock__sched_point(enum ndislock_point p);
/* The calling thread's ordinal (point.c's header comment), assigning the
 * next one on first use; setting a fixed one; taking the next one for a
 * thread about to be created. */
uint32_t ndislock__sched_ordinal(void);
void ndislock__sched_set_ordinal(uint32_t ordinal);
uint32_t ndislock__sched_next_ordinal(void);
#define NDISLOCK__ORDINAL_DPC   0x10000u    /* + k: the DPC thread of processor k */
#define NDISLOCK__ORDINAL_TIMER 0x20000u    /* the timer thread */

/* ---- pct.c: the deterministic scheduler (only while sched=pct) ---- */

int ndislock__pct_on(void);
int ndislock__pct_start(uint32_t depth, uint64_t steps, uint64_t seed);
void ndislock__pct_stop(void);
/* A schedule point of the calling thread. */
void ndislock__pct_point(void);
/* A library wait: the calling thread lets others run until a notify of key
 * (NULL: none) or until the virtual clock reaches deadline (0: none), then
 * until it is chosen again; the caller looks at its condition again.
 * 0 if the thread is not scheduled (sched=pct off, or no room for it): the
 * caller then waits for real. */
int ndislock__pct_block(const void *key, uint64_t deadline);
void ndislock__pct_notify(const void *key);
/* A thread about to be created with this ordinal is runnable from now on
 * (the creator's program order); then its pthread_t; the new thread's first
 * act is to arrive (and wait for its turn). */
void ndislock__pct_spawn(uint32_t ordinal);
void ndislock__pct_spawned(uint32_t ordinal, pthread_t thread);
void ndislock__pct_arrive(uint32_t ordinal);
/* Lets others run until thread's task has exited. */
void ndislock__pct_await_exit(pthread_t thread);
/* Steps, switches of the baton, and hand-backs forced so far (each of those
 * makes the run not exactly replayable). */
void ndislock__pct_counts(uint64_t *steps, uint64_t *switches, uint64_t *forced);

/* ---- wait.c: the library's waits, as the deterministic scheduler sees them ---- */

/* The clock of waits and timers (CLOCK_MONOTONIC ns; virtual under sched=pct). */
uint64_t ndislock__sched_now_ns(void);
/* pthread_cond_wait / timed wait until deadline (ndislock__sched_now_ns
 * scale; 0: none) / signal / broadcast; under sched=pct a wait lets others
 * run until the condvar is signalled or the deadline passes. */
void ndislock__cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
void ndislock__cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline);
void ndislock__cond_signal(pthread_cond_t *c);
void ndislock__cond_broadcast(pthread_cond_t *c);
/* Sleeps until ndislock__sched_now_ns() >= deadline. */
void ndislock__sleep_until(uint64_t deadline);

/* ---- cpus.c: the simulated processors ---- */

/* N, or 0 when simulated processors are off. */
uint32_t ndislock__cpus(void);
/* The lower hook: sets t's IRQL to new_irql; below DISPATCH_LEVEL gives
 * t's processor back; then a schedule point if t has the POINT bit.  From
 * ndislock__irql_lower_slow (src/irql/irql.c). */
void ndislock__sched_lower(struct ndislock_thread *t, ndislock_irql_t new_irql);
/* The calling thread's next take gets processor k and no other (DPC threads,
 * the timer thread); unpin: any again. */
void ndislock__cpu_pin(uint32_t k);
void ndislock__cpu_unpin(void);
/* The calling thread's processor: the one it is on, else the last one it was on. */
uint32_t ndislock__cpu_current(void);
/* Sets N (0: off); -1 if n is out of range or a thread is on a processor now. */
int ndislock__cpus_set(uint32_t n);

/* ---- options.c ---- */

/* One NDISLOCK_OPTIONS key of this module: 1 if key is ours and value valid
 * (applied), -1 if ours and malformed (a message naming it on stderr), 0 if
 * not ours. */
int ndislock__sched_option(const char *key, const char *value);
/* 1 if key is one of this module's keys (nothing applied). */
int ndislock__sched_key(const char *key);
/* The settings in effect, in the option syntax ("cpus=4:sched=perturb:
 * sched_seed=7"), empty when everything is off; returns its length (as
 * snprintf).  What reports and the exit line print, and what replays a run. */
size_t ndislock__sched_describe(char *buf, size_t n);
/* Prints "ndislock: schedule: <settings> (...)" on stderr once, if a schedule
 * mode is on; registered with atexit, and for whoever exits with _exit. */
void ndislock__sched_exit_line(void);

#endif
