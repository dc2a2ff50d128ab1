/*
 * Defect: NULL lock pointers made every call fault (some after a report
 * that then wrote to address 0).  Expect, with halt_on_error=0: each call
 * family on a NULL lock is a named report (LOCK_NOT_INITIALIZED, "NULL lock
 * pointer") and is skipped: no fault, the IRQL unchanged, and the balanced
 * release of a skipped acquire is swallowed without a second report.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>

/* NULL that the compiler cannot see through (it would warn about the fast path's access) */
static void *opaque(void *p)
{
    __asm__ __volatile__("" : "+r"(p));
    return p;
}

int main(void)
{
    const char *json = robust_json_path();
    PNDIS_SPIN_LOCK nl = opaque(NULL);
    PKSPIN_LOCK kl = opaque(NULL);
    KLOCK_QUEUE_HANDLE qh;
    LIST_ENTRY head, e;
    KIRQL old = 7, irql;
    char opts[200];

    robust_deadline(30);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:json=%s", json);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
    InitializeListHead(&head);

#ifndef ROBUST_NO_NULL_INIT
    NdisAllocateSpinLock(nl);
#else
    NdisAcquireSpinLock(nl);                        /* one more report instead */
    NdisReleaseSpinLock(nl);
#endif
    NdisAcquireSpinLock(nl);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    NdisReleaseSpinLock(nl);                        /* swallowed: its acquire was skipped */
    CHECK_EQ(ndislock_verifier_report_count(), 2);
    NdisReleaseSpinLock(nl);                        /* unbalanced: reported */
    CHECK_EQ(ndislock_verifier_report_count(), 3);

    KeRaiseIrql(DISPATCH_LEVEL, &irql);
    NdisDprAcquireSpinLock(nl);
    NdisDprReleaseSpinLock(nl);
    KeAcquireSpinLockAtDpcLevel(kl);
    KeReleaseSpinLockFromDpcLevel(kl);
    CHECK(!KeTryToAcquireSpinLockAtDpcLevel(kl));
    KeLowerIrql(irql);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    KeInitializeSpinLock(kl);
    KeAcquireSpinLock(kl, &old);
    CHECK_EQ(old, PASSIVE_LEVEL);                   /* the caller's own variable gets an IRQL */
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KeReleaseSpinLock(kl, old);
    KeAcquireInStackQueuedSpinLock(kl, &qh);
    KeReleaseInStackQueuedSpinLock(&qh);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    CHECK(NdisInterlockedInsertHeadList(&head, &e, nl) == NULL);
#ifndef ROBUST_NO_NULL_INIT
    NdisFreeSpinLock(nl);
#endif
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    int n = robust_json_count(json, "LOCK_NOT_INITIALIZED");
    CHECK(n >= 10);
    CHECK_EQ(robust_json_total(json), n);           /* nothing but the NULL reports */
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    unlink(json);
    CHECK_DONE();
}
