/*
 * ndislock/processor.h - processor numbers and counts.  Native API; driver
 * code uses the Windows names of ndislock/wdk_processor.h.
 *
 * By default the processors are the host CPUs this process may run on
 * (sched_getaffinity at first use), numbered 0..count-1 in one group (group
 * 0; at most 64, the width of a KAFFINITY).  The current processor is the
 * host CPU the calling thread runs on now (sched_getcpu), so a thread at
 * DISPATCH_LEVEL may still migrate and two threads may see the same number
 * at once: per-thread IRQL does not give per-processor exclusion.
 *
 * With simulated processors (cpus=N, ndislock/sched.h) there are N, and a
 * thread at or above DISPATCH_LEVEL owns its processor exclusively until it
 * drops below DISPATCH_LEVEL, as on Windows; below DISPATCH_LEVEL the
 * current processor is the one the thread owned last.
 */
#ifndef NDISLOCK_PROCESSOR_H
#define NDISLOCK_PROCESSOR_H

#include <ndislock/atomic.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NDISLOCK_MAX_PROCESSORS     64
#define NDISLOCK_INVALID_PROCESSOR  0xffffffffu

/* KeQueryActiveProcessorCount(Ex): 1..NDISLOCK_MAX_PROCESSORS. */
NDISLOCK_API uint32_t ndislock_processor_count(void);
/* The active processors as a KAFFINITY: bits 0..count-1. */
NDISLOCK_API uint64_t ndislock_processor_mask(void);
/* KeGetCurrentProcessorNumber(Ex): the calling thread's processor, < count. */
NDISLOCK_API uint32_t ndislock_processor_current(void);

/* The same, named for the verifier's IRQL checks of the NDIS calls. */
NDISLOCK_API uint32_t ndislock_ndis_processor_count(void);     /* NdisSystemProcessorCount */
NDISLOCK_API uint32_t ndislock_ndis_processor_index(void);     /* NdisCurrentProcessorIndex */

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_PROCESSOR_H */
