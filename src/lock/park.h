/* Sleeping on a word: futex wait/wake, the heavy fence, the clock. Internal. */
#ifndef NDISLOCK_PARK_H
#define NDISLOCK_PARK_H

#include <stdint.h>
#include <time.h>

/* Sleeps while *word == expected, until deadline_ns (CLOCK_MONOTONIC; 0 =
 * none) or a wake-up; may return early (spurious), callers look again.
 * Without the heavy fence (below) every sleep is bounded. */
void ndislock__park(uint32_t *word, uint32_t expected, uint64_t deadline_ns);
/* Wakes up to n threads sleeping on word. */
void ndislock__unpark(uint32_t *word, int n);
/*
 * Full memory barrier on every CPU running a thread of this process
 * (membarrier).  If the kernel refuses it, ndislock says so once on stderr
 * and from then on bounds every park to NDISLOCK_PARK_FALLBACK_NS, which
 * turns a wake-up the missing fence loses into a delay of at most that long.
 */
void ndislock__heavy_fence(void);
#define NDISLOCK_PARK_FALLBACK_NS 1000000ull
/* Nonzero once the heavy fence is known unavailable (sleeps bounded). */
int ndislock__park_bounded(void);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t ndislock__now_ns(void);
/* Nanoseconds (e.g. a CLOCK_MONOTONIC deadline) as a timespec. */
void ndislock__ns_to_timespec(uint64_t ns, struct timespec *ts);

#endif
