/* Per-thread IRQL and the work deferred until it drops below DISPATCH_LEVEL. */
#include <ndislock/irql.h>

#include <stddef.h>

#include "sched/sched.h"

__thread struct ndislock_thread ndislock_tls;

/* Lowering below DISPATCH_LEVEL with work queued: run it at DISPATCH_LEVEL
 * (as Windows drains a DPC queue); work queued by the work runs in the same
 * drain. */
static void run_deferred(struct ndislock_thread *t)
{
    struct ndislock_deferred *d;

    t->irql = NDISLOCK_DISPATCH_LEVEL;
    while ((d = t->deferred_head) != NULL) {
        t->deferred_head = d->next;
        if (t->deferred_head == NULL)
            t->deferred_tail = NULL;
        d->fn(d->arg);
    }
    t->lower_slow &= (uint8_t)~NDISLOCK_LOWER_DEFERRED;
}

/* A lower with a lower_slow bit set: below DISPATCH_LEVEL the deferred work
 * first; then the scheduler's part (giving the simulated processor back, the
 * schedule point) sets the IRQL, else it is set here. */
void ndislock__irql_lower_slow(ndislock_irql_t new_irql)
{
    struct ndislock_thread *t = &ndislock_tls;

    if (new_irql < NDISLOCK_DISPATCH_LEVEL && (t->lower_slow & NDISLOCK_LOWER_DEFERRED))
        run_deferred(t);
    if (t->lower_slow & (NDISLOCK_LOWER_CPU | NDISLOCK_LOWER_CPU_FAST | NDISLOCK_LOWER_POINT)) {
        ndislock__sched_lower(t, new_irql);     /* a tail call */
        return;
    }
    t->irql = new_irql;
}

void ndislock_irql_defer(struct ndislock_deferred *node, void (*fn)(void *), void *arg)
{
    struct ndislock_thread *t = &ndislock_tls;

    node->next = NULL;
    node->fn = fn;
    node->arg = arg;
    if (t->deferred_tail != NULL)
        t->deferred_tail->next = node;
    else
        t->deferred_head = node;
    t->deferred_tail = node;
    t->lower_slow |= NDISLOCK_LOWER_DEFERRED;
    /* Below DISPATCH_LEVEL: run it now, at DISPATCH_LEVEL (on a simulated
     * processor when there are some: the raise takes one, the lower gives it back). */
    if (t->irql < NDISLOCK_DISPATCH_LEVEL)
        ndislock__irql_lower_raw(ndislock__irql_raise_raw(NDISLOCK_DISPATCH_LEVEL));
}
