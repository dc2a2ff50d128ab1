/*
 * The verifier's native API in one process: switching on at run time after
 * locks were initialized, no false reports for consistent orders (also
 * between instances of one class), a cycle counted, thread exit holding a
 * lock, statistics as JSON, the lock graph as DOT, and switching off again.
 */
#define _GNU_SOURCE
#include "check.h"

#include <ndis.h>
#include <ndislock/verifier.h>

#include <pthread.h>
#include <string.h>

static NDIS_SPIN_LOCK early, a, b, q[4];

static void *exits_holding(void *arg)
{
    (void)arg;
    NdisAcquireSpinLock(&a);
    return NULL;    /* LOCK_HELD_AT_EXIT from the thread-exit hook */
}

int main(void)
{
    char *buf;
    size_t len;
    FILE *f;

    CHECK(!ndislock_verifier_enabled());
    NdisAllocateSpinLock(&early);               /* before the verifier: legitimate, unknown */
    CHECK_EQ(ndislock_verifier_configure("verify=1:bogus=1"), -1);
    CHECK(!ndislock_verifier_enabled());
    /* hold_sample=1: every hold timed, so the hold count below is exact */
    CHECK_EQ(ndislock_verifier_configure("verify=1:halt_on_error=0:hold_us=0:stats=0:hold_sample=1"), 0);
    CHECK(ndislock_verifier_enabled());

    NdisAcquireSpinLock(&early);
    NdisReleaseSpinLock(&early);
    CHECK_EQ(ndislock_verifier_report_count(), 0);

    NdisAllocateSpinLock(&a);
    NdisAllocateSpinLock(&b);
    for (int i = 0; i < 4; i++)
        NdisAllocateSpinLock(&q[i]);
    for (int n = 0; n < 100; n++) {
        NdisAcquireSpinLock(&a);
        NdisDprAcquireSpinLock(&b);
        CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
        NdisDprReleaseSpinLock(&b);
        NdisReleaseSpinLock(&a);
        NdisAcquireSpinLock(&q[0]);             /* same class, consistent instance order */
        for (int i = 1; i < 4; i++)
            NdisDprAcquireSpinLock(&q[i]);
        for (int i = 3; i >= 1; i--)
            NdisDprReleaseSpinLock(&q[i]);
        NdisReleaseSpinLock(&q[0]);
    }
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    CHECK_EQ(ndislock_verifier_report_count(), 0);

    f = open_memstream(&buf, &len);
    ndislock_stats_dump(f, 1);
    fclose(f);
    CHECK(strstr(buf, "{\"lock\":\"&a\",\"site\":\"internal_test.c:") != NULL);
    CHECK(strstr(buf, "\"acquisitions\":100,") != NULL);
    CHECK(strstr(buf, "\"hold\":{\"count\":100,") != NULL);
    free(buf);
    f = open_memstream(&buf, &len);
    ndislock_stats_dump(f, 0);
    fclose(f);
    CHECK(strstr(buf, "hold_p99") != NULL && strstr(buf, "&q[i]") != NULL);
    free(buf);
    f = open_memstream(&buf, &len);
    ndislock_lockgraph_dot(f);
    fclose(f);
    CHECK(strstr(buf, "digraph") != NULL && strstr(buf, "\"&a\\ninternal_test.c:") != NULL);
    /* one label per edge: how often, where first recorded (the line above), by which thread */
    CHECK(strstr(buf, "[label=\"100\\n") != NULL && strstr(buf, "\\nthread ") != NULL);
#ifdef NDISLOCK_TEST_LIBDW
    CHECK(strstr(buf, "[label=\"100\\ninternal_test.c:") != NULL);
    CHECK(strstr(buf, " in main\\nthread ") != NULL);
#endif
    free(buf);

    /* the reverse order, once, in one thread: reported although it never ran concurrently */
    NdisAcquireSpinLock(&b);
    NdisDprAcquireSpinLock(&a);
    NdisDprReleaseSpinLock(&a);
    NdisReleaseSpinLock(&b);
    CHECK_EQ(ndislock_verifier_report_count(), 1);

    pthread_t th;
    pthread_create(&th, NULL, exits_holding, NULL);
    pthread_join(th, NULL);
    CHECK_EQ(ndislock_verifier_report_count(), 2);

    ndislock_stats_reset();
    /* off again: the fast path, and no exit status 66 for the reports above */
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    CHECK(!ndislock_verifier_enabled());
    NdisAllocateSpinLock(&b);
    NdisAcquireSpinLock(&b);
    NdisReleaseSpinLock(&b);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    CHECK_DONE();
}
