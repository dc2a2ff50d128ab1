/* The IRQL model: per-thread level, raise/lower, NDIS IRQL macros, deferred work. */
#include <ndis.h>

#include <pthread.h>

#include "check.h"

static void *other_thread(void *arg)
{
    (void)arg;
    /* IRQL is per thread: a new thread starts at PASSIVE_LEVEL whatever main does. */
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    return NULL;
}

static int order[8], n_order;
static KIRQL irql_seen[8];

static void record(void *arg)
{
    irql_seen[n_order] = KeGetCurrentIrql();
    order[n_order++] = (int)(intptr_t)arg;
}

static struct ndislock_deferred chained_node;

static void record_and_chain(void *arg)
{
    record(arg);
    ndislock_irql_defer(&chained_node, record, (void *)(intptr_t)99);
}

int main(void)
{
    KIRQL old;
    pthread_t t;

    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KeRaiseIrql(APC_LEVEL, &old);
    CHECK_EQ(old, PASSIVE_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), APC_LEVEL);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    CHECK_EQ(old, APC_LEVEL);
    CHECK_EQ(NDIS_CURRENT_IRQL(), DISPATCH_LEVEL);
    CHECK(pthread_create(&t, NULL, other_thread, NULL) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    KeLowerIrql(APC_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), APC_LEVEL);
    KeLowerIrql(PASSIVE_LEVEL);

    CHECK_EQ(KeRaiseIrqlToDpcLevel(), PASSIVE_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeRaiseIrql(HIGH_LEVEL, &old);
    CHECK_EQ(old, DISPATCH_LEVEL);
    KeLowerIrql(DISPATCH_LEVEL);
    KeLowerIrql(PASSIVE_LEVEL);

    /* NDIS_RAISE_IRQL_TO_DISPATCH / NDIS_LOWER_IRQL, inside unbraced if/else. */
    NDIS_RAISE_IRQL_TO_DISPATCH(&old);
    CHECK_EQ(old, PASSIVE_LEVEL);
    if (old == PASSIVE_LEVEL)
        NDIS_LOWER_IRQL(old, DISPATCH_LEVEL);
    else
        NDIS_LOWER_IRQL(old, old);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    NDIS_LOWER_IRQL(PASSIVE_LEVEL, PASSIVE_LEVEL);   /* equal: no change */
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    /* Deferred work: runs at once below DISPATCH_LEVEL ... */
    struct ndislock_deferred a, b, c;
    ndislock_irql_defer(&a, record, (void *)1);
    CHECK_EQ(n_order, 1);
    CHECK_EQ(irql_seen[0], DISPATCH_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    /* ... waits while at DISPATCH_LEVEL or above, not on a lower that stays there ... */
    KeRaiseIrql(HIGH_LEVEL, &old);
    ndislock_irql_defer(&b, record, (void *)2);
    ndislock_irql_defer(&c, record_and_chain, (void *)3);
    KeLowerIrql(DISPATCH_LEVEL);
    CHECK_EQ(n_order, 1);
    /* ... and runs in FIFO order at DISPATCH_LEVEL when the IRQL drops below it,
     * including work queued by the work itself; then the IRQL settles. */
    KeLowerIrql(APC_LEVEL);
    CHECK_EQ(n_order, 4);
    CHECK_EQ(order[1], 2);
    CHECK_EQ(order[2], 3);
    CHECK_EQ(order[3], 99);
    CHECK_EQ(irql_seen[1], DISPATCH_LEVEL);
    CHECK_EQ(irql_seen[3], DISPATCH_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), APC_LEVEL);
    KeLowerIrql(PASSIVE_LEVEL);
    CHECK_EQ(n_order, 4);
    CHECK_DONE();
}
