/*
 * Did this thread leave the CPU?  Windows cannot preempt code at
 * DISPATCH_LEVEL, so a spin lock's hold time there is CPU time; in user mode
 * a holder can be preempted, and wall-clock hold time would then blame the
 * driver for the scheduler.  The verifier compares these counts at acquire
 * and release to tell the two apart.
 */
#ifndef NDISLOCK_PREEMPT_H
#define NDISLOCK_PREEMPT_H

#include <stdint.h>

/*
 * How many times, as far as rseq can tell, this thread has been switched out
 * (preempted, migrated or interrupted by a signal, and most voluntary sleeps)
 * since it first called this; never decreases.  Always 0 where the kernel or
 * libc offers no rseq (ndislock__switches_known() == 0).
 */
uint64_t ndislock__switches(void);
int ndislock__switches_known(void);
/* This thread's armed rseq word (NULL without rseq), and disarming one
 * (from any thread) before the code that owns the marker is unloaded. */
void *ndislock__preempt_area(void);
uint64_t ndislock__preempt_marker(void);     /* the value an armed rseq_cs holds */
void ndislock__preempt_disarm(void *area);

#endif
