/* Per-thread IRQL and the work deferred until it drops below DISPATCH_LEVEL. */
#include <ndislock/irql.h>

#include <stddef.h>

__thread struct ndislock_thread ndislock_tls;

/*
 * Lowering below DISPATCH_LEVEL with work queued: run it at DISPATCH_LEVEL
 * (as Windows drains a DPC queue), then settle at new_irql.  Work queued by
 * the work itself runs in the same drain.
 */
void ndislock__irql_run_deferred(ndislock_irql_t new_irql)
{
    struct ndislock_thread *t = &ndislock_tls;
    struct ndislock_deferred *d;

    t->irql = NDISLOCK_DISPATCH_LEVEL;
    while ((d = t->deferred_head) != NULL) {
        t->deferred_head = d->next;
        if (t->deferred_head == NULL)
            t->deferred_tail = NULL;
        d->fn(d->arg);
    }
    t->has_deferred = 0;
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
    t->has_deferred = 1;
    if (t->irql < NDISLOCK_DISPATCH_LEVEL)
        ndislock__irql_run_deferred(t->irql);
}
