/*
 * Defects: after a non-LIFO release the thread stayed at DISPATCH_LEVEL
 * after releasing everything; KeReleaseSpinLock(&k, 200) (and a queued
 * handle whose OldIrql says 200) was accepted and the thread ran at IRQL
 * 200.  Expect: every out-of-order mix of raising and non-raising releases
 * ends where LIFO would (PASSIVE_LEVEL), reported once as
 * LOCK_RELEASE_ORDER; an impossible restore is IRQL_BAD_RAISE_LOWER and
 * the acquire's own IRQL is restored instead; KeLowerIrql(200) is reported
 * and changes nothing.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>

static NDIS_SPIN_LOCK a, b, c;
static KSPIN_LOCK k, q, qq;      /* qq: in-stack queued only */

int main(void)
{
    const char *json = robust_json_path();
    char opts[200];
    KIRQL ka, kb, irql;
    KLOCK_QUEUE_HANDLE h;

    robust_deadline(30);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:hold_us=0:json=%s", json);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
    NdisAllocateSpinLock(&a);
    NdisAllocateSpinLock(&b);
    NdisAllocateSpinLock(&c);
    KeInitializeSpinLock(&k);
    KeInitializeSpinLock(&q);
    KeInitializeSpinLock(&qq);

    /* raising, then non-raising above it */
    NdisAcquireSpinLock(&a);
    KeAcquireSpinLockAtDpcLevel(&k);
    NdisReleaseSpinLock(&a);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);   /* k is still held: no lowering yet */
    KeReleaseSpinLockFromDpcLevel(&k);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    /* two raising Ke locks, the first released first */
    KeAcquireSpinLock(&k, &ka);
    KeAcquireSpinLock(&q, &kb);                     /* kb == DISPATCH_LEVEL */
    KeReleaseSpinLock(&k, ka);
    KeReleaseSpinLock(&q, kb);                      /* the driver passes 2; PASSIVE is due */
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    /* three, the middle and the bottom out of order */
    NdisAcquireSpinLock(&a);
    NdisAcquireSpinLock(&b);
    NdisDprAcquireSpinLock(&c);
    NdisReleaseSpinLock(&b);
    NdisReleaseSpinLock(&a);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    NdisDprReleaseSpinLock(&c);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    int order = robust_json_count(json, "LOCK_RELEASE_ORDER");
    CHECK(order >= 3);
    CHECK_EQ(robust_json_total(json), order);

    /* restoring an IRQL above the current one */
    KeAcquireSpinLock(&k, &ka);
    KeReleaseSpinLock(&k, 200);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KeAcquireInStackQueuedSpinLock(&qq, &h);
    h.OldIrql = 200;
    KeReleaseInStackQueuedSpinLock(&h);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KeLowerIrql(200);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KeRaiseIrql(DISPATCH_LEVEL, &irql);
    KeLowerIrql(irql);
    CHECK(robust_json_count(json, "IRQL_BAD_RAISE_LOWER") >= 3);
    CHECK_EQ(robust_json_total(json), order + robust_json_count(json, "IRQL_BAD_RAISE_LOWER"));
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    unlink(json);
    CHECK_DONE();
}
