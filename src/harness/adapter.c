/* The simulated adapter: the MiniportAdapterHandle a driver gets, and the
 * device side that raises its interrupts. */
#include <ndislock/harness.h>

#include <stdlib.h>
#include <string.h>

#include "contexts/internal.h"

struct ndislock_adapter *ndislock_harness_adapter_create(const char *name)
{
    struct ndislock_adapter *a = calloc(1, sizeof(*a));

    if (a != NULL && name != NULL)
        strncpy(a->name, name, sizeof(a->name) - 1);
    return a;
}

void ndislock_harness_adapter_destroy(struct ndislock_adapter *a)
{
    if (a == NULL)
        return;
    if (a->interrupt != NULL)
        ndislock_interrupt_deregister(a->interrupt);
    free(a);
}

int ndislock_harness_fire_interrupt(struct ndislock_adapter *a, uint32_t msg)
{
    int r;

    __atomic_fetch_add(&a->fired, 1, __ATOMIC_RELAXED);
    r = ndislock__interrupt_fire(__atomic_load_n(&a->interrupt, __ATOMIC_ACQUIRE), msg);
    if (r > 0)
        __atomic_fetch_add(&a->claimed, 1, __ATOMIC_RELAXED);
    else if (r < 0)
        __atomic_fetch_add(&a->dropped, 1, __ATOMIC_RELAXED);
    return r;
}

void ndislock_harness_disable_interrupt(struct ndislock_adapter *a)
{
    ndislock__interrupt_set_enabled(__atomic_load_n(&a->interrupt, __ATOMIC_ACQUIRE), 0);
}

void ndislock_harness_enable_interrupt(struct ndislock_adapter *a)
{
    ndislock__interrupt_set_enabled(__atomic_load_n(&a->interrupt, __ATOMIC_ACQUIRE), 1);
}

void ndislock_harness_set_ndis5_handlers(struct ndislock_adapter *a,
        void (*isr)(unsigned char *, unsigned char *, void *),
        void (*handle_interrupt)(void *), void (*disable)(void *), void (*enable)(void *),
        void *adapter_context)
{
    memset(&a->ndis5, 0, sizeof(a->ndis5));
    a->ndis5.ndis5 = 1;
    a->ndis5.isr5 = isr;
    a->ndis5.dpc5 = handle_interrupt;
    a->ndis5.disable = disable;
    a->ndis5.enable = enable;
    a->ndis5_ctx = adapter_context;
}

void ndislock_harness_get_counts(struct ndislock_adapter *a, struct ndislock_harness_counts *c)
{
    c->fired = __atomic_load_n(&a->fired, __ATOMIC_RELAXED);
    c->claimed = __atomic_load_n(&a->claimed, __ATOMIC_RELAXED);
    c->dropped = __atomic_load_n(&a->dropped, __ATOMIC_RELAXED);
    c->dpcs = __atomic_load_n(&a->dpcs, __ATOMIC_RELAXED);
}
