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
#define NDISLOCK_SCHED_PERTURB  2   /* sched=perturb: random delays at schedule points */

/* The settings in effect (options.c); changed only while quiescent. */
struct ndislock__sched_config {
    uint64_t cpus;              /* simulated processors; 0: off */
    uint64_t mode;              /* NDISLOCK__MODE_* */
    uint64_t seed;              /* sched_seed */
    uint64_t every;             /* perturb: one point in `every` is perturbed */
    uint64_t delay_us;          /* perturb: longest delay */
};
enum { NDISLOCK__MODE_OFF, NDISLOCK__MODE_PERTURB };
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
/* The settings in effect, in the option syntax ("cpus=4:sched=perturb:
 * sched_seed=7"), empty when everything is off; returns its length (as
 * snprintf).  What reports and the exit line print, and what replays a run. */
size_t ndislock__sched_describe(char *buf, size_t n);

#endif
