/*
 * Defect: more than 1024 initialization sites gave false LOCK_ORDER_CYCLE
 * reports on "<not initialized>" without a word; more than 4096 order
 * edges silently missed real cycles; freed locks never left the 16384-lock
 * table, so a long run stopped being checked.  Expect: 3000 classes nested
 * in one consistent order (6000 edges): no report; a real cycle closed
 * after them: reported; 100000 lock lifetimes: the last lock is still
 * checked (a double release is reported).
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>

#define CLASSES 3000

static struct ndislock_site sites[CLASSES];
static char names[CLASSES][16];
static KSPIN_LOCK locks[CLASSES];

int main(void)
{
    const char *json = robust_json_path();
    char opts[200];
    KIRQL irql;

    robust_deadline(120);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:hold_us=0:json=%s", json);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
    for (int i = 0; i < CLASSES; i++) {
        snprintf(names[i], sizeof names[i], "lock%d", i);
        sites[i] = (struct ndislock_site){ names[i], "tables_test.c", i + 1 };
        ndislock_spin_init(&locks[i], &sites[i]);   /* one class per lock */
    }
    KeRaiseIrql(DISPATCH_LEVEL, &irql);
    for (int i = 0; i + 2 < CLASSES; i++) {         /* i -> i+1 and i -> i+2, always in order */
        KeAcquireSpinLockAtDpcLevel(&locks[i]);
        KeAcquireSpinLockAtDpcLevel(&locks[i + 1]);
        KeReleaseSpinLockFromDpcLevel(&locks[i + 1]);
        KeAcquireSpinLockAtDpcLevel(&locks[i + 2]);
        KeReleaseSpinLockFromDpcLevel(&locks[i + 2]);
        KeReleaseSpinLockFromDpcLevel(&locks[i]);
    }
    CHECK_EQ(ndislock_verifier_report_count(), 0);
    /* the last lock before the first: a cycle through all of them */
    KeAcquireSpinLockAtDpcLevel(&locks[CLASSES - 1]);
    KeAcquireSpinLockAtDpcLevel(&locks[0]);
    KeReleaseSpinLockFromDpcLevel(&locks[0]);
    KeReleaseSpinLockFromDpcLevel(&locks[CLASSES - 1]);
    KeLowerIrql(irql);
    CHECK_EQ(robust_json_count(json, "LOCK_ORDER_CYCLE"), 1);
    CHECK_EQ(ndislock_verifier_report_count(), 1);

    int lifetimes = ROBUST_SANITIZED ? 30000 : 100000;
    NDIS_SPIN_LOCK *l = NULL;
    for (int i = 0; i < lifetimes; i++) {
        l = malloc(sizeof *l + (size_t)(i % 7) * 64);   /* addresses move around */
        NdisAllocateSpinLock(l);
        NdisAcquireSpinLock(l);
        NdisReleaseSpinLock(l);
        if (i + 1 < lifetimes) {
            NdisFreeSpinLock(l);
            free(l);
        }
    }
    CHECK_EQ(ndislock_verifier_report_count(), 1);
    NdisReleaseSpinLock(l);                         /* still checked */
    CHECK_EQ(robust_json_count(json, "LOCK_RELEASE_NOT_HELD"), 1);
    NdisFreeSpinLock(l);
    free(l);
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    unlink(json);
    CHECK_DONE();
}
