/*
 * Simulated processors and schedules: what the rest of the library calls.
 * Internal.  The model and its guarantees: docs/SCHEDULING.md.
 */
#ifndef NDISLOCK_SCHED_INTERNAL_H
#define NDISLOCK_SCHED_INTERNAL_H

#include <ndislock/irql.h>
#include <ndislock/processor.h>
#include <ndislock/sched.h>

#include <stddef.h>

/* Per-thread variables the raise and lower paths touch: initial-exec, as
 * ndislock_tls (the library is loaded with the program, not dlopen'ed late). */
#define NDISLOCK_TLS_IE __attribute__((tls_model("initial-exec")))

/* Bits of ndislock__sched (irql.h). */
#define NDISLOCK_SCHED_CPUS     1   /* cpus=N: raises take simulated processors */

/* ---- cpus.c: the simulated processors ---- */

/* N, or 0 when simulated processors are off. */
uint32_t ndislock__cpus(void);
/* The lower hook: sets t's IRQL to new_irql; below DISPATCH_LEVEL gives
 * t's processor back.  From ndislock__irql_lower_slow (src/irql/irql.c). */
void ndislock__sched_lower(struct ndislock_thread *t, ndislock_irql_t new_irql);
/* The calling thread's next take gets processor k and no other (DPC workers,
 * the timer thread); unpin: any again. */
void ndislock__cpu_pin(uint32_t k);
void ndislock__cpu_unpin(void);
/* The calling thread's processor: the one it owns, else the last one it owned. */
uint32_t ndislock__cpu_current(void);
/* Sets N (0: off); -1 if n is out of range or a processor is owned now. */
int ndislock__cpus_set(uint32_t n);

/* ---- options.c ---- */

/* One NDISLOCK_OPTIONS key of this module: 1 if key is ours and value valid
 * (applied), -1 if ours and malformed (a message naming it on stderr), 0 if
 * not ours. */
int ndislock__sched_option(const char *key, const char *value);
/* The settings in effect, as a line ("sched_seed=7 cpus=4 sched=pct
 * sched_depth=3"), empty when everything is off; returns its length (as
 * snprintf). */
size_t ndislock__sched_describe(char *buf, size_t n);

#endif
