/*
 * ndislock/sched.h - simulated processors and schedules (native harness
 * API).  The model, what is and is not guaranteed, and how to replay a run:
 * docs/SCHEDULING.md.
 *
 * Settings are colon-separated key=value pairs, the NDISLOCK_OPTIONS syntax:
 *   cpus=N             N simulated processors (1..64), independent of the
 *                      host's CPUs: a thread at or above DISPATCH_LEVEL owns
 *                      one until it drops below DISPATCH_LEVEL, no two share
 *                      one, processor numbers and counts are the simulated
 *                      ones, and each processor has its own DPC queue.
 *                      0 (the default): off.
 *   sched=perturb      at the library's schedule points (lock acquire and
 *                      release, IRQL raise and lower, DPC and timer dispatch,
 *                      interrupt fire, ndislock_sched_yield) a thread now and
 *                      then yields, spins or sleeps, as its random stream
 *                      says, to make races show.  sched=off (the default).
 *   sched=pct          one thread at a time, chosen at every schedule point
 *                      below DISPATCH_LEVEL by a PCT scheduler: a run is a
 *                      function of its seed (for programs whose threads wait
 *                      only through the library: docs/SCHEDULING.md).
 *   sched_seed=S       the seed (0..2^64-1); giving it alone also sets
 *                      sched=perturb.
 *   sched_every=E      perturb: one schedule point in E on average (default 8).
 *   sched_delay_us=U   perturb: the longest delay, in microseconds (default 100).
 *   sched_depth=D      pct: bug depth, D-1 priority change points (default 3).
 *   sched_steps=K      pct: the steps the change points are drawn from (20000).
 *   sched_handback_ms=H  pct: a thread that reaches no schedule point for H ms
 *                      of real time is passed over (default 1000).
 * They are read from NDISLOCK_OPTIONS at startup (other keys there are the
 * verifier's) and can be set by ndislock_sched_configure before the program
 * starts its threads.  With a schedule mode on, the settings are printed at
 * exit ("ndislock: schedule: ...") and by failed ASSERTs, in this syntax.
 */
#ifndef NDISLOCK_SCHED_H
#define NDISLOCK_SCHED_H

#include <pthread.h>
#include <stddef.h>

#include <ndislock/atomic.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Applies settings on top of the current ones.  0 on success; -1 (nothing
 * changed, a message naming the bad setting on stderr) if a key is not one
 * of the above, a value is malformed, or cpus changes while a thread is at
 * DISPATCH_LEVEL or above on a simulated processor.  Call it while no other
 * thread uses the library. */
NDISLOCK_API int ndislock_sched_configure(const char *options);

/* The settings in effect in the syntax above, e.g. "cpus=4:sched=perturb:
 * sched_seed=7" (what replays a run), empty when all are off; returns its
 * length (snprintf's convention: buf may be too short). */
NDISLOCK_API size_t ndislock_sched_describe(char *buf, size_t n);

/* A schedule point for code that waits by polling outside the library
 * (a harness's device loop): sched_yield, plus the schedule mode's turn. */
NDISLOCK_API void ndislock_sched_yield(void);

/* pthread_create, and the new thread's ordinal (which selects its random
 * stream and its pct priority) is given now, in the creating thread's
 * program order; under sched=pct the thread is runnable from now on.  A
 * program that creates its threads with this gets the same schedule
 * decisions in every run. */
NDISLOCK_API int ndislock_sched_thread_create(pthread_t *thread, const pthread_attr_t *attr,
                                              void *(*fn)(void *), void *arg);

/* pthread_join; under sched=pct the other threads run while the joined
 * one finishes (a plain pthread_join would block the thread that runs). */
NDISLOCK_API int ndislock_sched_thread_join(pthread_t thread, void **ret);

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_SCHED_H */
