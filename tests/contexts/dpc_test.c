/* DPC objects: queued once, FIFO, at DISPATCH_LEVEL on the DPC thread; dequeue; wait_idle. */
#include <ndis.h>

#include <pthread.h>

#include "check.h"

static int order[16], n;
static pthread_t main_thread;

static void work(struct ndislock_dpc *d, void *arg, void *a1, void *a2)
{
    (void)d; (void)a1; (void)a2;
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    CHECK_EQ(ndislock_context_current(), NDISLOCK_CTX_DPC);
    CHECK(!pthread_equal(pthread_self(), main_thread));
    order[n++] = (int)(intptr_t)arg;
}

static int gate;
static void blocker(struct ndislock_dpc *d, void *arg, void *a1, void *a2)
{
    (void)d; (void)arg; (void)a1; (void)a2;
    while (!__atomic_load_n(&gate, __ATOMIC_ACQUIRE))
        NdisStallExecution(100);
}

int main(void)
{
    struct ndislock_dpc b, d1, d2, d3;

    main_thread = pthread_self();
    ndislock_dpc_init(&b, blocker, NULL);
    ndislock_dpc_init(&d1, work, (void *)1);
    ndislock_dpc_init(&d2, work, (void *)2);
    ndislock_dpc_init(&d3, work, (void *)3);
    CHECK_EQ(ndislock_dpc_queue(&b, NULL, NULL), 1);        /* holds the DPC thread */
    CHECK_EQ(ndislock_dpc_queue(&d1, NULL, NULL), 1);
    CHECK_EQ(ndislock_dpc_queue(&d1, NULL, NULL), 0);       /* already queued */
    CHECK_EQ(ndislock_dpc_queue(&d2, NULL, NULL), 1);
    CHECK_EQ(ndislock_dpc_queue(&d3, NULL, NULL), 1);
    CHECK_EQ(ndislock_dpc_dequeue(&d2), 1);
    CHECK_EQ(ndislock_dpc_dequeue(&d2), 0);
    __atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
    ndislock_dpc_wait_idle(&d3);
    ndislock_dpc_wait_idle(&d1);
    CHECK_EQ(n, 2);
    CHECK_EQ(order[0], 1);
    CHECK_EQ(order[1], 3);
    ndislock_contexts_shutdown();
    CHECK_DONE();
}
