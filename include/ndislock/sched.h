/*
 * ndislock/sched.h - simulated processors and schedules (native harness
 * API).  The model, what is and is not guaranteed, and how to replay a run:
 * docs/SCHEDULING.md.
 *
 * Settings are colon-separated key=value pairs, the NDISLOCK_OPTIONS syntax:
 *   cpus=N       N simulated processors (1..64), independent of the host's
 *                CPUs: a thread at or above DISPATCH_LEVEL owns one until it
 *                drops below DISPATCH_LEVEL, no two share one, processor
 *                numbers and counts are the simulated ones, and each
 *                processor has its own DPC queue.  0 (the default): off.
 * They are read from NDISLOCK_OPTIONS at startup (other keys there are the
 * verifier's) and can be set by ndislock_sched_configure before the program
 * starts its threads.
 */
#ifndef NDISLOCK_SCHED_H
#define NDISLOCK_SCHED_H

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

/* The settings in effect as one line, e.g. "cpus=4", empty when all are
 * off; returns its length (snprintf's convention: buf may be too short). */
NDISLOCK_API size_t ndislock_sched_describe(char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_SCHED_H */
