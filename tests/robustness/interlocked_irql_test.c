/*
 * Defect: the ExInterlocked and NdisInterlocked calls at IRQL > DISPATCH_LEVEL were
 * reported as IRQL_ACQUIRE_TOO_HIGH (the WDK allows any IRQL) and named
 * "NdisInterlocked*".  Expect: no report at DIRQL or HIGH_LEVEL, the IRQL
 * untouched; INTERLOCKED_LOCK_HELD names the actual call.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>

static NDIS_SPIN_LOCK l;
static LIST_ENTRY head, e1, e2;

int main(void)
{
    const char *json = robust_json_path();
    char opts[200], buf[1 << 14];
    KIRQL irql;
    ULONG n = 0;

    robust_deadline(30);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:json=%s", json);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
    NdisAllocateSpinLock(&l);
    InitializeListHead(&head);
    KeRaiseIrql(5, &irql);                          /* a device IRQL */
    NdisInterlockedInsertTailList(&head, &e1, &l);
    NdisInterlockedAddUlong(&n, 2, &l);
    CHECK_EQ(KeGetCurrentIrql(), 5);
    KeRaiseIrql(HIGH_LEVEL, &irql);
    CHECK(NdisInterlockedRemoveHeadList(&head, &l) == &e1);
    CHECK_EQ(KeGetCurrentIrql(), HIGH_LEVEL);
    KeLowerIrql(5);
    KeLowerIrql(PASSIVE_LEVEL);
    CHECK_EQ(n, 2);
    CHECK_EQ(ndislock_verifier_report_count(), 0);

    NdisAcquireSpinLock(&l);
    NdisInterlockedInsertHeadList(&head, &e2, &l); /* runs under the caller's hold */
    NdisReleaseSpinLock(&l);
    CHECK(NdisInterlockedRemoveHeadList(&head, &l) == &e2);
    CHECK_EQ(robust_json_count(json, "INTERLOCKED_LOCK_HELD"), 1);
    FILE *f = fopen(json, "r");
    CHECK(f != NULL);
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    buf[k] = '\0';
    fclose(f);
    CHECK(strstr(buf, "NdisInterlockedInsertHeadList with a spin lock") != NULL);
    CHECK_EQ(ndislock_verifier_report_count(), 1);
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    unlink(json);
    CHECK_DONE();
}
