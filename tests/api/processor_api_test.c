/*
 * Processor numbers and counts: the current number is always below the
 * active count (from any thread, at any IRQL); index <-> number round-trip;
 * invalid numbers give INVALID_PROCESSOR_INDEX / STATUS_INVALID_PARAMETER;
 * the affinity mask has one bit per processor; one group.
 */
#include <ndis.h>

#include <pthread.h>

#include "check.h"

static void *check_current(void *arg)
{
    ULONG n = KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS);
    PROCESSOR_NUMBER pn;

    (void)arg;
    for (int i = 0; i < 1000; i++) {
        KIRQL old;
        CHECK(KeGetCurrentProcessorNumber() < n);
        CHECK(KeGetCurrentProcessorNumberEx(&pn) < n);
        CHECK_EQ(pn.Group, 0);
        CHECK(pn.Number < n);
        KeRaiseIrql(DISPATCH_LEVEL, &old);
        CHECK(NdisCurrentProcessorIndex() < n);
        CHECK(KeGetCurrentProcessorIndex() < n);
        KeLowerIrql(old);
    }
    return NULL;
}

int main(void)
{
    KAFFINITY mask = 0;
    ULONG n = KeQueryActiveProcessorCount(&mask);
    PROCESSOR_NUMBER pn;
    pthread_t t[4];

    CHECK(n >= 1 && n <= MAXIMUM_PROCESSORS);
    CHECK_EQ(n, KeQueryActiveProcessorCountEx(0));
    CHECK_EQ(n, KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS));
    CHECK_EQ(KeQueryActiveProcessorCountEx(1), 0);              /* no group 1 */
    CHECK_EQ((ULONG)__builtin_popcountll(mask), n);
    CHECK_EQ(mask, KeQueryActiveProcessors());
    CHECK_EQ((ULONG)NdisSystemProcessorCount(), n);
    CHECK_EQ(NdisGroupActiveProcessorCount(0), n);
    CHECK_EQ(NdisGroupMaxProcessorCount(0), n);
    CHECK_EQ(NdisGroupActiveProcessorMask(0), mask);
    CHECK_EQ(NdisActiveGroupCount(), 1);
    CHECK_EQ(KeQueryActiveGroupCount(), 1);
    CHECK_EQ(KeQueryMaximumProcessorCount(), n);
    CHECK_EQ(NdisSystemActiveProcessorCount(NULL), n);

    for (ULONG i = 0; i < n; i++) {
        CHECK_EQ(KeGetProcessorNumberFromIndex(i, &pn), STATUS_SUCCESS);
        CHECK_EQ(pn.Group, 0);
        CHECK_EQ(KeGetProcessorIndexFromNumber(&pn), i);
    }
    CHECK_EQ(KeGetProcessorNumberFromIndex(n, &pn), STATUS_INVALID_PARAMETER);
    pn.Group = 0;
    pn.Number = (UCHAR)n;
    CHECK_EQ(KeGetProcessorIndexFromNumber(&pn), INVALID_PROCESSOR_INDEX);
    pn.Group = 1;
    pn.Number = 0;
    CHECK_EQ(KeGetProcessorIndexFromNumber(&pn), INVALID_PROCESSOR_INDEX);

    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, check_current, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK_DONE();
}
