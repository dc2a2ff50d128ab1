/*
 * The locks under test and the baselines, one small noinline pair each.
 * ndislock's locks go through the Windows names a driver uses (<ndis.h>).
 */
#define _GNU_SOURCE
#include "bench_locks.h"

#include <ndis.h>
#include <pthread.h>

#if BENCH_HAVE_CK
#include <ck_spinlock.h>
#endif

#define BENCH_FN __attribute__((noinline))

static void nop_destroy(void *l) { (void)l; }

/* --- ndislock: NdisAcquireSpinLock / NdisReleaseSpinLock --- */
static void ndis_init(void *l) { NdisAllocateSpinLock((PNDIS_SPIN_LOCK)l); }
static void ndis_destroy(void *l) { NdisFreeSpinLock((PNDIS_SPIN_LOCK)l); }
static BENCH_FN void ndis_lock(void *l, struct bench_tctx *t) { (void)t; NdisAcquireSpinLock((PNDIS_SPIN_LOCK)l); }
static BENCH_FN void ndis_unlock(void *l, struct bench_tctx *t) { (void)t; NdisReleaseSpinLock((PNDIS_SPIN_LOCK)l); }
/* KeAcquireInStackQueuedSpinLock / KeReleaseInStackQueuedSpinLock: the handle
 * lives in the thread's context across the critical section, as on a stack */
static void kspin_init(void *l) { KeInitializeSpinLock((PKSPIN_LOCK)l); }
static BENCH_FN void queued_lock(void *l, struct bench_tctx *t) { KeAcquireInStackQueuedSpinLock((PKSPIN_LOCK)l, &t->qh); }
static BENCH_FN void queued_unlock(void *l, struct bench_tctx *t) { (void)l; KeReleaseInStackQueuedSpinLock(&t->qh); }
/* NdisDprAcquireSpinLock / NdisDprReleaseSpinLock (caller at DISPATCH_LEVEL) */
static BENCH_FN void ndis_dpr_lock(void *l, struct bench_tctx *t) { (void)t; NdisDprAcquireSpinLock((PNDIS_SPIN_LOCK)l); }
static BENCH_FN void ndis_dpr_unlock(void *l, struct bench_tctx *t) { (void)t; NdisDprReleaseSpinLock((PNDIS_SPIN_LOCK)l); }

/* --- bare test-and-set: xchg to take, release store to free --- */
static void tas_init(void *l) { __atomic_store_n((unsigned *)l, 0, __ATOMIC_RELAXED); }
static BENCH_FN void tas_lock(void *l, struct bench_tctx *t)
{
    (void)t;
    while (__atomic_exchange_n((unsigned *)l, 1, __ATOMIC_ACQUIRE))
        ndislock_pr_pause();
}
static BENCH_FN void tas_unlock(void *l, struct bench_tctx *t) { (void)t; __atomic_store_n((unsigned *)l, 0, __ATOMIC_RELEASE); }

/* --- pthread_spin_lock --- */
static void pspin_init(void *l) { pthread_spin_init((pthread_spinlock_t *)l, PTHREAD_PROCESS_PRIVATE); }
static void pspin_destroy(void *l) { pthread_spin_destroy((pthread_spinlock_t *)l); }
static BENCH_FN void pspin_lock(void *l, struct bench_tctx *t) { (void)t; pthread_spin_lock((pthread_spinlock_t *)l); }
static BENCH_FN void pspin_unlock(void *l, struct bench_tctx *t) { (void)t; pthread_spin_unlock((pthread_spinlock_t *)l); }

/* --- pthread_mutex, normal and adaptive --- */
static void mutex_init(void *l) { pthread_mutex_init((pthread_mutex_t *)l, NULL); }
static void amutex_init(void *l)
{
    pthread_mutexattr_t a;

    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init((pthread_mutex_t *)l, &a);
    pthread_mutexattr_destroy(&a);
}
static void mutex_destroy(void *l) { pthread_mutex_destroy((pthread_mutex_t *)l); }
static BENCH_FN void mutex_lock(void *l, struct bench_tctx *t) { (void)t; pthread_mutex_lock((pthread_mutex_t *)l); }
static BENCH_FN void mutex_unlock(void *l, struct bench_tctx *t) { (void)t; pthread_mutex_unlock((pthread_mutex_t *)l); }

#if BENCH_HAVE_CK
/* --- Concurrency Kit: fas, ticket, mcs --- */
static void ckfas_init(void *l) { ck_spinlock_fas_init((ck_spinlock_fas_t *)l); }
static BENCH_FN void ckfas_lock(void *l, struct bench_tctx *t) { (void)t; ck_spinlock_fas_lock((ck_spinlock_fas_t *)l); }
static BENCH_FN void ckfas_unlock(void *l, struct bench_tctx *t) { (void)t; ck_spinlock_fas_unlock((ck_spinlock_fas_t *)l); }
static void ckticket_init(void *l) { ck_spinlock_ticket_init((ck_spinlock_ticket_t *)l); }
static BENCH_FN void ckticket_lock(void *l, struct bench_tctx *t) { (void)t; ck_spinlock_ticket_lock((ck_spinlock_ticket_t *)l); }
static BENCH_FN void ckticket_unlock(void *l, struct bench_tctx *t) { (void)t; ck_spinlock_ticket_unlock((ck_spinlock_ticket_t *)l); }
static void ckmcs_init(void *l) { ck_spinlock_mcs_init((ck_spinlock_mcs_t *)l); }
static BENCH_FN void ckmcs_lock(void *l, struct bench_tctx *t) { ck_spinlock_mcs_lock((ck_spinlock_mcs_t *)l, (ck_spinlock_mcs_t)t->node); }
static BENCH_FN void ckmcs_unlock(void *l, struct bench_tctx *t) { ck_spinlock_mcs_unlock((ck_spinlock_mcs_t *)l, (ck_spinlock_mcs_t)t->node); }
const size_t bench_node_size = sizeof(struct ck_spinlock_mcs);
#else
const size_t bench_node_size = 0;
#endif

const struct bench_lock bench_locks[] = {
    { "ndis",           0, 0, 0, sizeof(NDIS_SPIN_LOCK), ndis_init, ndis_destroy, ndis_lock, ndis_unlock },
    { "ndis_dpr",       0, 1, 1, sizeof(NDIS_SPIN_LOCK), ndis_init, ndis_destroy, ndis_dpr_lock, ndis_dpr_unlock },
    { "ke_queued",      0, 0, 0, sizeof(KSPIN_LOCK), kspin_init, nop_destroy, queued_lock, queued_unlock },
    { "tas",            1, 0, 0, sizeof(unsigned), tas_init, nop_destroy, tas_lock, tas_unlock },
    { "pthread_spin",   1, 0, 0, sizeof(pthread_spinlock_t), pspin_init, pspin_destroy, pspin_lock, pspin_unlock },
    { "mutex",          1, 0, 0, sizeof(pthread_mutex_t), mutex_init, mutex_destroy, mutex_lock, mutex_unlock },
    { "mutex_adaptive", 1, 0, 0, sizeof(pthread_mutex_t), amutex_init, mutex_destroy, mutex_lock, mutex_unlock },
#if BENCH_HAVE_CK
    { "ck_fas",         1, 0, 0, sizeof(ck_spinlock_fas_t), ckfas_init, nop_destroy, ckfas_lock, ckfas_unlock },
    { "ck_ticket",      1, 0, 0, sizeof(ck_spinlock_ticket_t), ckticket_init, nop_destroy, ckticket_lock, ckticket_unlock },
    { "ck_mcs",         1, 0, 0, sizeof(ck_spinlock_mcs_t), ckmcs_init, nop_destroy, ckmcs_lock, ckmcs_unlock },
#endif
};
const size_t bench_nlocks = sizeof(bench_locks) / sizeof(bench_locks[0]);
