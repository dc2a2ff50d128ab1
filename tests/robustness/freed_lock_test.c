/*
 * Defect: under halt_on_error=0 a use of a freed lock whose memory was
 * reused wrote into it (the waiter count: malloc's free list) and later
 * crashed the symbolizer.  Expect: NdisFreeSpinLock, then the memory
 * overwritten as an allocator would (pointer-like garbage), then acquire,
 * release, free: each reported (LOCK_USE_AFTER_FREE), none writes a byte,
 * none hangs; a freed lock whose memory still looks like a lock is revived
 * as on Windows; and a never-initialized lock with a garbage word is
 * reported and skipped, not spun on forever.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>

struct obj {
    NDIS_SPIN_LOCK Lock;
    ULONG Data;
};

int main(void)
{
    const char *json = robust_json_path();
    struct obj *o = malloc(sizeof *o), copy;
    char opts[200];

    robust_deadline(30);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:deadlock_ms=500:json=%s", json);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);

    /* freed, then the memory reused: a chunk pointer in the first word */
    NdisAllocateSpinLock(&o->Lock);
    NdisAcquireSpinLock(&o->Lock);
    NdisReleaseSpinLock(&o->Lock);
    NdisFreeSpinLock(&o->Lock);
    memset(o, 0xa5, sizeof *o);
    copy = *o;
    NdisAcquireSpinLock(&o->Lock);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);    /* skipped: no raise either */
    NdisReleaseSpinLock(&o->Lock);
    NdisFreeSpinLock(&o->Lock);
    CHECK(memcmp(o, &copy, sizeof *o) == 0);        /* not a byte written */
    CHECK(robust_json_count(json, "LOCK_USE_AFTER_FREE") >= 2);

    /* freed, memory untouched: used again as on Windows, reported once */
    NdisAllocateSpinLock(&o->Lock);
    NdisFreeSpinLock(&o->Lock);
    int before = robust_json_count(json, "LOCK_USE_AFTER_FREE");
    NdisAcquireSpinLock(&o->Lock);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    NdisReleaseSpinLock(&o->Lock);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    CHECK_EQ(robust_json_count(json, "LOCK_USE_AFTER_FREE"), before + 1);

    /* never initialized, garbage word: reported, skipped, no hang */
    struct obj *g = malloc(sizeof *g);
    memset(g, 0x5a, sizeof *g);
    copy = *g;
    NdisAcquireSpinLock(&g->Lock);
    NdisReleaseSpinLock(&g->Lock);
    CHECK(memcmp(g, &copy, sizeof *g) == 0);
    CHECK(robust_json_count(json, "LOCK_NOT_INITIALIZED") >= 1);
    CHECK_EQ(robust_json_count(json, "LOCK_DEADLOCK"), 0);
    free(g);
    free(o);
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    unlink(json);
    CHECK_DONE();
}
