/*
 * The WDK's due times (100 ns units: negative = relative to now, positive or
 * zero = absolute system time since 1601-01-01 UTC) as CLOCK_MONOTONIC
 * deadlines, for timers and waits.  Every conversion saturates: a due time
 * of -2^62 or INT64_MIN lies ~29000 years ahead, not in the past.  Internal.
 */
#ifndef NDISLOCK_WAIT_DUE_H
#define NDISLOCK_WAIT_DUE_H

#include <stdint.h>

/* Nanoseconds from now until due (0 if it has passed), saturating at UINT64_MAX. */
uint64_t ndislock__due_rel_ns(int64_t due);
/* ndislock__sched_now_ns() + rel_ns (the waits' clock: CLOCK_MONOTONIC, or
 * virtual under sched=pct), saturating at UINT64_MAX. */
uint64_t ndislock__deadline_after(uint64_t rel_ns);
/* The verifier's WAIT argument for a timeout pointer: NDISLOCK_WAIT_FOREVER
 * for NULL, 0 for a poll (or a due time already past), else minus the
 * relative 100 ns count. */
int64_t ndislock__wait_arg(const int64_t *timeout);

#endif
