/* Sleeping on a lock word: futex wait/wake, the heavy fence, the clock. Internal. */
#ifndef NDISLOCK_PARK_H
#define NDISLOCK_PARK_H

#include <stdint.h>
#include <time.h>

#define NDISLOCK_PARK_NORMAL    1u   /* futex bitset of ordinary sleepers */
#define NDISLOCK_PARK_STARVING  2u   /* futex bitset of starving sleepers */
#define NDISLOCK_PARK_ANY       0xffffffffu

/* Sleeps while *word == expected, on the given bitset, until deadline_ns
 * (CLOCK_MONOTONIC; 0 = none); returns on wake, change or timeout. */
void ndislock__park(uint32_t *word, uint32_t expected, uint32_t bitset, uint64_t deadline_ns);
/* Wakes up to n sleepers whose bitset intersects bitset. */
void ndislock__unpark(uint32_t *word, int n, uint32_t bitset);
/* Full memory barrier on every CPU running a thread of this process. */
void ndislock__heavy_fence(void);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t ndislock__now_ns(void);
/* Nanoseconds (e.g. a CLOCK_MONOTONIC deadline) as a timespec. */
void ndislock__ns_to_timespec(uint64_t ns, struct timespec *ts);

#endif
