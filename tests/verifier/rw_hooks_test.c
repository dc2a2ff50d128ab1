/*
 * The verifier's side of the RW locks (src/verifier/hooks.h), driven the
 * way the lock code drives it: recursion rules (NDIS: read and write each
 * recursive, read -> write promotion refused; EX spin locks never
 * recursive), the IRQL rules (NDIS_RWL_AT_DISPATCH_LEVEL and the Dpr forms
 * at DISPATCH_LEVEL only, nothing above it), ownership on release, the
 * watchdog naming the holder, RW locks in the order graph (a cycle through
 * a write hold is reported, one through two shared holds is not), and an
 * RW lock held when a callback returns.
 */
#include "check.h"

#include <ndis.h>
#include <ndislock/verifier.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "core/events.h"
#include "verifier/hooks.h"

static int rw, rw2, ex;
static NDIS_SPIN_LOCK spin;
static const struct ndislock_site rw_site = { "rw", "rw_hooks_test.c", 1 };
static const struct ndislock_site rw2_site = { "rw2", "rw_hooks_test.c", 2 };
static char json[64];

static int count(const char *id)
{
    char key[96], buf[1 << 16];
    int n = 0;
    FILE *f = fopen(json, "r");

    if (f == NULL)
        return 0;
    snprintf(key, sizeof key, "\"rule\":\"%s\"", id);
    while (fgets(buf, sizeof buf, f))
        n += strstr(buf, key) != NULL;
    fclose(f);
    return n;
}

/* acquire + acquired, as the lock code does; 1 if the verifier refused it */
static int take(const void *l, enum ndislock_rw_op op, unsigned flags, int held)
{
    if (ndislock__verifier_rw_acquire(l, op, flags, held))
        return 1;
    ndislock__verifier_rw_acquired(l, op, 0);
    return 0;
}

static void *hold_write(void *arg)
{
    take(&rw, NDISLOCK_RW_NDIS6_WRITE, 0, NDISLOCK_RW_HELD_NONE);
    __atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n((int *)arg, __ATOMIC_ACQUIRE) != 2)
        usleep(1000);
    ndislock__verifier_rw_release(&rw, NDISLOCK_RW_NDIS6_WRITE);
    return NULL;
}

int main(void)
{
    char opts[160];
    KIRQL irql;
    pthread_t th;
    int state = 0;

    snprintf(json, sizeof json, "/tmp/ndislock_rw_hooks_%d.json", (int)getpid());
    unlink(json);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:hold_us=0:deadlock_ms=100:json=%s", json);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
    ndislock__verifier_rw_init(&rw, &rw_site);
    ndislock__verifier_rw_init(&rw2, &rw2_site);
    NdisAllocateSpinLock(&spin);

    /* recursion: read/read and write/write/read fine; read -> write refused */
    CHECK_EQ(take(&rw, NDISLOCK_RW_NDIS6_READ, 0, NDISLOCK_RW_HELD_NONE), 0);
    CHECK_EQ(take(&rw, NDISLOCK_RW_NDIS6_READ, 0, NDISLOCK_RW_HELD_READ), 0);
    CHECK_EQ(take(&rw, NDISLOCK_RW_NDIS6_WRITE, 0, NDISLOCK_RW_HELD_READ), 1);
    ndislock__verifier_rw_release(&rw, NDISLOCK_RW_NDIS6_READ);
    ndislock__verifier_rw_release(&rw, NDISLOCK_RW_NDIS6_READ);
    CHECK_EQ(count("LOCK_RECURSIVE_ACQUIRE"), 1);
    CHECK_EQ(take(&rw, NDISLOCK_RW_NDIS6_WRITE, 0, NDISLOCK_RW_HELD_NONE), 0);
    CHECK_EQ(take(&rw, NDISLOCK_RW_NDIS6_WRITE, 0, NDISLOCK_RW_HELD_WRITE), 0);
    CHECK_EQ(take(&rw, NDISLOCK_RW_NDIS6_READ, 0, NDISLOCK_RW_HELD_WRITE), 0);
    for (int i = 0; i < 3; i++)
        ndislock__verifier_rw_release(&rw, i == 0 ? NDISLOCK_RW_NDIS6_READ : NDISLOCK_RW_NDIS6_WRITE);
    CHECK_EQ(ndislock_verifier_report_count(), 1);
    /* EX spin locks are never recursive, not even shared */
    CHECK_EQ(take(&ex, NDISLOCK_RW_EX_SHARED, 0, NDISLOCK_RW_HELD_NONE), 0);
    CHECK_EQ(take(&ex, NDISLOCK_RW_EX_SHARED, 0, NDISLOCK_RW_HELD_READ), 1);
    ndislock__verifier_rw_release(&ex, NDISLOCK_RW_EX_SHARED);
    CHECK_EQ(count("LOCK_RECURSIVE_ACQUIRE"), 2);

    /* IRQL: the dispatch flag and the Dpr forms need DISPATCH_LEVEL; nothing above it */
    CHECK_EQ(take(&rw, NDISLOCK_RW_NDIS6_READ, NDISLOCK_RWL_AT_DISPATCH, NDISLOCK_RW_HELD_NONE), 0);
    ndislock__verifier_rw_release(&rw, NDISLOCK_RW_NDIS6_READ);
    CHECK_EQ(take(&rw, NDISLOCK_RW_NDIS5_DPR_WRITE, 0, NDISLOCK_RW_HELD_NONE), 0);
    ndislock__verifier_rw_release(&rw, NDISLOCK_RW_NDIS5_DPR_WRITE);
    CHECK_EQ(count("IRQL_DPR_NOT_DISPATCH"), 2);
    KeRaiseIrql(DISPATCH_LEVEL, &irql);
    CHECK_EQ(take(&rw, NDISLOCK_RW_NDIS6_READ, NDISLOCK_RWL_AT_DISPATCH, NDISLOCK_RW_HELD_NONE), 0);
    ndislock__verifier_rw_release(&rw, NDISLOCK_RW_NDIS6_READ);
    KeRaiseIrql(5, &irql);
    CHECK_EQ(take(&rw, NDISLOCK_RW_NDIS6_READ, 0, NDISLOCK_RW_HELD_NONE), 0);
    ndislock__verifier_rw_release(&rw, NDISLOCK_RW_NDIS6_READ);
    KeLowerIrql(PASSIVE_LEVEL);
    CHECK_EQ(count("IRQL_DPR_NOT_DISPATCH"), 2);
    CHECK_EQ(count("IRQL_ACQUIRE_TOO_HIGH"), 1);

    /* release: not held; held by another thread, whose wait the watchdog names */
    ndislock__verifier_rw_release(&rw, NDISLOCK_RW_NDIS6_READ);
    CHECK_EQ(count("LOCK_RELEASE_NOT_HELD"), 1);
    pthread_create(&th, NULL, hold_write, &state);
    while (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != 1)
        usleep(1000);
    ndislock__verifier_rw_release(&rw, NDISLOCK_RW_NDIS6_WRITE);
    CHECK_EQ(count("LOCK_RELEASE_WRONG_OWNER"), 1);
    CHECK_EQ(ndislock__verifier_rw_acquire(&rw, NDISLOCK_RW_NDIS6_READ, 0, NDISLOCK_RW_HELD_NONE), 0);
    ndislock__verifier_rw_waiting(&rw, NDISLOCK_RW_NDIS6_READ, 50 * 1000000ull);  /* under the bound */
    CHECK_EQ(count("LOCK_DEADLOCK"), 0);
    ndislock__verifier_rw_waiting(&rw, NDISLOCK_RW_NDIS6_READ, 150 * 1000000ull);
    ndislock__verifier_rw_waiting(&rw, NDISLOCK_RW_NDIS6_READ, 250 * 1000000ull);  /* once per wait */
    CHECK_EQ(count("LOCK_DEADLOCK"), 1);
    __atomic_store_n(&state, 2, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    ndislock__verifier_rw_acquired(&rw, NDISLOCK_RW_NDIS6_READ, 200 * 1000000ull);
    ndislock__verifier_rw_release(&rw, NDISLOCK_RW_NDIS6_READ);

    /* order: rw2 (shared) -> spin, spin -> rw2 (shared): two readers never wait on each other? no:
     * the spin lock is exclusive, so rw2(read) -> spin -> rw2(read) is a cycle only through a
     * shared-shared node, which is not a deadlock */
    CHECK_EQ(take(&rw2, NDISLOCK_RW_NDIS6_READ, 0, NDISLOCK_RW_HELD_NONE), 0);
    NdisAcquireSpinLock(&spin);
    NdisReleaseSpinLock(&spin);
    ndislock__verifier_rw_release(&rw2, NDISLOCK_RW_NDIS6_READ);
    NdisAcquireSpinLock(&spin);
    CHECK_EQ(take(&rw2, NDISLOCK_RW_NDIS6_READ, 0, NDISLOCK_RW_HELD_NONE), 0);
    ndislock__verifier_rw_release(&rw2, NDISLOCK_RW_NDIS6_READ);
    NdisReleaseSpinLock(&spin);
    CHECK_EQ(count("LOCK_ORDER_CYCLE"), 0);
    /* ... but taking rw2 for write under the spin lock closes a real one */
    NdisAcquireSpinLock(&spin);
    CHECK_EQ(take(&rw2, NDISLOCK_RW_NDIS6_WRITE, 0, NDISLOCK_RW_HELD_NONE), 0);
    ndislock__verifier_rw_release(&rw2, NDISLOCK_RW_NDIS6_WRITE);
    NdisReleaseSpinLock(&spin);
    CHECK_EQ(count("LOCK_ORDER_CYCLE"), 1);

    /* an RW lock held when a DPC returns */
    ndislock_tls.context = NDISLOCK_CTX_DPC;
    ndislock_tls.irql = DISPATCH_LEVEL;
    NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_ENTER, NULL, "MiniportInterruptDPC");
    CHECK_EQ(take(&rw, NDISLOCK_RW_NDIS6_READ, NDISLOCK_RWL_AT_DISPATCH, NDISLOCK_RW_HELD_NONE), 0);
    NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_EXIT, NULL, "MiniportInterruptDPC");
    ndislock__verifier_rw_release(&rw, NDISLOCK_RW_NDIS6_READ);
    ndislock_tls.context = NDISLOCK_CTX_THREAD;
    ndislock_tls.irql = PASSIVE_LEVEL;
    CHECK_EQ(count("LOCK_HELD_AT_EXIT"), 1);

    /* free while held, then use after free: refused */
    CHECK_EQ(take(&rw2, NDISLOCK_RW_NDIS6_READ, 0, NDISLOCK_RW_HELD_NONE), 0);
    ndislock__verifier_rw_free(&rw2);
    CHECK_EQ(count("LOCK_FREE_WHILE_HELD"), 1);
    ndislock__verifier_rw_release(&rw2, NDISLOCK_RW_NDIS6_READ);
    ndislock__verifier_rw_free(&rw2);
    CHECK_EQ(take(&rw2, NDISLOCK_RW_NDIS6_READ, 0, NDISLOCK_RW_HELD_NONE), 1);
    CHECK_EQ(count("LOCK_USE_AFTER_FREE"), 1);

    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    unlink(json);
    CHECK_DONE();
}
