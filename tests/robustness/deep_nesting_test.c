/*
 * Defect: a thread holding more than 48 locks in correct LIFO order got a
 * false LOCK_RELEASE_ORDER, then SIGSEGV (a fixed 48-entry held array).
 * Expect: 200 nested NDIS and 200 Ke locks, and 1000 instances of one class
 * taken hand-over-hand at DISPATCH_LEVEL and nested: no report, the IRQL
 * back at PASSIVE_LEVEL, and the checks still working past the old limit
 * (a recursive acquire at depth 200 is still reported).
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>

#define DEPTH 200
#define CHAIN 1000

static NDIS_SPIN_LOCK ndis[DEPTH];
static KSPIN_LOCK ke[DEPTH];
static NDIS_SPIN_LOCK chain[CHAIN];

int main(void)
{
    const char *json = robust_json_path();
    char opts[200];
    KIRQL old[DEPTH];

    robust_deadline(60);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:hold_us=0:json=%s", json);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
    for (int i = 0; i < DEPTH; i++) {
        NdisAllocateSpinLock(&ndis[i]);
        KeInitializeSpinLock(&ke[i]);
    }
    for (int i = 0; i < CHAIN; i++)
        NdisAllocateSpinLock(&chain[i]);

    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < DEPTH; i++)
            NdisAcquireSpinLock(&ndis[i]);
        for (int i = 0; i < DEPTH; i++)
            KeAcquireSpinLock(&ke[i], &old[i]);
        CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
        for (int i = DEPTH; i-- > 0;)
            KeReleaseSpinLock(&ke[i], old[i]);
        for (int i = DEPTH; i-- > 0;)
            NdisReleaseSpinLock(&ndis[i]);
        CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    }
    CHECK_EQ(ndislock_verifier_report_count(), 0);
    /* hand-over-hand down a list of one class at DISPATCH_LEVEL: not LIFO, and fine */
    KIRQL irql;
    KeRaiseIrql(DISPATCH_LEVEL, &irql);
    NdisDprAcquireSpinLock(&chain[0]);
    for (int i = 1; i < CHAIN; i++) {
        NdisDprAcquireSpinLock(&chain[i]);
        NdisDprReleaseSpinLock(&chain[i - 1]);
    }
    NdisDprReleaseSpinLock(&chain[CHAIN - 1]);
    KeLowerIrql(irql);
    CHECK_EQ(ndislock_verifier_report_count(), 0);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    for (int i = 0; i < CHAIN; i++)
        NdisAcquireSpinLock(&chain[i]);
    for (int i = CHAIN; i-- > 0;)
        NdisReleaseSpinLock(&chain[i]);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    CHECK_EQ(ndislock_verifier_report_count(), 0);

    /* past the old limit the rules still hold */
    for (int i = 0; i < DEPTH; i++)
        NdisAcquireSpinLock(&ndis[i]);
    NdisAcquireSpinLock(&ndis[DEPTH - 1]);          /* recursive: reported, skipped */
    NdisReleaseSpinLock(&ndis[DEPTH - 1]);          /* swallowed with it */
    for (int i = DEPTH; i-- > 0;)
        NdisReleaseSpinLock(&ndis[i]);
    CHECK_EQ(robust_json_count(json, "LOCK_RECURSIVE_ACQUIRE"), 1);
    CHECK_EQ(ndislock_verifier_report_count(), 1);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);   /* the reports above were expected */
    unlink(json);
    CHECK_DONE();
}
