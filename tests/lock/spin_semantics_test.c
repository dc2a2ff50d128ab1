/*
 * Spin-lock semantics against the WDK reference pages, using only Windows
 * names: every acquire/release pairing from every IRQL it is legal from,
 * OldIrql and the current IRQL after each step, try-acquire on a held lock,
 * the lock word after release and after NdisFreeSpinLock.
 */
#include <ndis.h>

#include <pthread.h>
#include <string.h>

#include "check.h"

static const KIRQL below_dispatch[] = { PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL };
#define N_LEVELS (sizeof(below_dispatch) / sizeof(below_dispatch[0]))

static void enter_level(KIRQL level)
{
    KIRQL old;

    KeRaiseIrql(level, &old);
    CHECK_EQ(old, PASSIVE_LEVEL);
}

static void leave_level(void)
{
    KeLowerIrql(PASSIVE_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

static void ndis_plain(void)
{
    NDIS_SPIN_LOCK lock;

    NdisAllocateSpinLock(&lock);
    CHECK_EQ(lock.SpinLock, 0);
    for (unsigned i = 0; i < N_LEVELS; i++) {
        enter_level(below_dispatch[i]);
        NdisAcquireSpinLock(&lock);
        /* raises to DISPATCH_LEVEL, saves the previous IRQL in the lock */
        CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
        CHECK_EQ(lock.OldIrql, below_dispatch[i]);
        CHECK(lock.SpinLock != 0);
        CHECK(!KeTestSpinLock(&lock.SpinLock));
        NdisReleaseSpinLock(&lock);
        /* restores the saved IRQL, frees the word */
        CHECK_EQ(KeGetCurrentIrql(), below_dispatch[i]);
        CHECK_EQ(lock.SpinLock, 0);
        CHECK(KeTestSpinLock(&lock.SpinLock));
        leave_level();
    }
    NdisFreeSpinLock(&lock);
}

static void ndis_dpr(void)
{
    NDIS_SPIN_LOCK lock;

    NdisAllocateSpinLock(&lock);
    enter_level(DISPATCH_LEVEL);
    lock.OldIrql = HIGH_LEVEL;   /* must be overwritten */
    NdisDprAcquireSpinLock(&lock);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);   /* no raise */
    CHECK_EQ(lock.OldIrql, DISPATCH_LEVEL);         /* stores DISPATCH_LEVEL */
    CHECK(lock.SpinLock != 0);
    NdisDprReleaseSpinLock(&lock);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);   /* no lower */
    CHECK_EQ(lock.SpinLock, 0);
    leave_level();
    NdisFreeSpinLock(&lock);
}

static void ndis_free_clears(void)
{
    NDIS_SPIN_LOCK lock;

    memset(&lock, 0xA5, sizeof(lock));
    NdisAllocateSpinLock(&lock);
    CHECK_EQ(lock.SpinLock, 0);
    NdisAcquireSpinLock(&lock);
    NdisReleaseSpinLock(&lock);
    NdisFreeSpinLock(&lock);
    CHECK_EQ(lock.SpinLock, 0);   /* "clears the memory at SpinLock" */
}

static void ke_pairs(void)
{
    KSPIN_LOCK lock;
    KIRQL old;

    KeInitializeSpinLock(&lock);
    CHECK_EQ(lock, 0);
    for (unsigned i = 0; i < N_LEVELS; i++) {
        enter_level(below_dispatch[i]);

        KeAcquireSpinLock(&lock, &old);
        CHECK_EQ(old, below_dispatch[i]);
        CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
        CHECK(!KeTestSpinLock(&lock));
        KeReleaseSpinLock(&lock, old);
        CHECK_EQ(KeGetCurrentIrql(), below_dispatch[i]);
        CHECK_EQ(lock, 0);

        old = KeAcquireSpinLockRaiseToDpc(&lock);
        CHECK_EQ(old, below_dispatch[i]);
        CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
        KeReleaseSpinLock(&lock, old);
        CHECK_EQ(KeGetCurrentIrql(), below_dispatch[i]);

        KLOCK_QUEUE_HANDLE h;
        KeAcquireInStackQueuedSpinLock(&lock, &h);
        CHECK_EQ(h.OldIrql, below_dispatch[i]);
        CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
        CHECK(!KeTestSpinLock(&lock));
        KeReleaseInStackQueuedSpinLock(&h);
        CHECK_EQ(KeGetCurrentIrql(), below_dispatch[i]);
        CHECK_EQ(lock, 0);
        leave_level();
    }
}

/* The AtDpcLevel forms: legal at DISPATCH_LEVEL and above; never change the IRQL. */
static void ke_at_dpc(void)
{
    static const KIRQL levels[] = { DISPATCH_LEVEL, 5, HIGH_LEVEL };
    KSPIN_LOCK lock;

    KeInitializeSpinLock(&lock);
    for (unsigned i = 0; i < 3; i++) {
        enter_level(levels[i]);
        KeAcquireSpinLockAtDpcLevel(&lock);
        CHECK_EQ(KeGetCurrentIrql(), levels[i]);
        CHECK(!KeTestSpinLock(&lock));
        /* try-acquire of a held lock fails and leaves it held */
        CHECK(!KeTryToAcquireSpinLockAtDpcLevel(&lock));
        CHECK(!KeTestSpinLock(&lock));
        KeReleaseSpinLockFromDpcLevel(&lock);
        CHECK_EQ(KeGetCurrentIrql(), levels[i]);
        CHECK_EQ(lock, 0);

        CHECK(KeTryToAcquireSpinLockAtDpcLevel(&lock));
        CHECK_EQ(KeGetCurrentIrql(), levels[i]);
        KeReleaseSpinLockFromDpcLevel(&lock);

        KLOCK_QUEUE_HANDLE h;
        KeAcquireInStackQueuedSpinLockAtDpcLevel(&lock, &h);
        CHECK_EQ(KeGetCurrentIrql(), levels[i]);
        CHECK(!KeTestSpinLock(&lock));
        KeReleaseInStackQueuedSpinLockFromDpcLevel(&h);
        CHECK_EQ(KeGetCurrentIrql(), levels[i]);
        CHECK_EQ(lock, 0);
        leave_level();
    }
}

/* Nesting with LIFO release restores each saved IRQL in turn. */
static void nested_lifo(void)
{
    NDIS_SPIN_LOCK a, b;

    NdisAllocateSpinLock(&a);
    NdisAllocateSpinLock(&b);
    NdisAcquireSpinLock(&a);
    CHECK_EQ(a.OldIrql, PASSIVE_LEVEL);
    NdisAcquireSpinLock(&b);                 /* a plain acquire at DISPATCH stores DISPATCH */
    CHECK_EQ(b.OldIrql, DISPATCH_LEVEL);
    NdisReleaseSpinLock(&b);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    NdisDprAcquireSpinLock(&b);
    NdisDprReleaseSpinLock(&b);
    NdisReleaseSpinLock(&a);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

/* A zeroed KSPIN_LOCK is a free one (0 = free). */
static void zero_is_free(void)
{
    static KSPIN_LOCK zeroed;
    KIRQL old;

    CHECK(KeTestSpinLock(&zeroed));
    KeAcquireSpinLock(&zeroed, &old);
    CHECK(!KeTestSpinLock(&zeroed));
    KeReleaseSpinLock(&zeroed, old);
    CHECK_EQ(zeroed, 0);
}

/* KeTestSpinLock reads all 64 bits: any nonzero word is a held lock (0.1.0 read
 * only the low half), and a holder that writes back the word it reads keeps it. */
static void whole_word(void)
{
    KSPIN_LOCK k;
    KIRQL old;

#if UINTPTR_MAX > 0xffffffffu
    k = (KSPIN_LOCK)1 << 32;
    CHECK(!KeTestSpinLock(&k));
#endif
    KeInitializeSpinLock(&k);
    KeAcquireSpinLock(&k, &old);
    KSPIN_LOCK held = k;
    k = held;                                /* rewritten with its held value */
    CHECK(!KeTestSpinLock(&k));
    KeReleaseSpinLock(&k, old);
    CHECK(KeTestSpinLock(&k));
    CHECK_EQ(k, 0);
}

/* Another thread cannot take a held lock with the try form, and waits for the plain one. */
static NDIS_SPIN_LOCK shared;
static volatile int phase;

static void *contender(void *arg)
{
    KIRQL old;

    (void)arg;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    CHECK(!KeTryToAcquireSpinLockAtDpcLevel(&shared.SpinLock));
    KeLowerIrql(old);
    __atomic_store_n(&phase, 1, __ATOMIC_RELEASE);
    NdisAcquireSpinLock(&shared);            /* blocks until main releases */
    CHECK_EQ(__atomic_load_n(&phase, __ATOMIC_ACQUIRE), 2);
    CHECK_EQ(shared.OldIrql, PASSIVE_LEVEL);
    NdisReleaseSpinLock(&shared);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    return NULL;
}

static void cross_thread(void)
{
    pthread_t t;

    NdisAllocateSpinLock(&shared);
    NdisAcquireSpinLock(&shared);
    CHECK(pthread_create(&t, NULL, contender, NULL) == 0);
    while (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) != 1)
        ;
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, NULL);                   /* let it block on the lock */
    __atomic_store_n(&phase, 2, __ATOMIC_RELEASE);
    NdisReleaseSpinLock(&shared);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(shared.SpinLock, 0);
    NdisFreeSpinLock(&shared);
}

/* Every macro is one statement: unbraced if/else around them must compile and work. */
static void statement_safety(int cond)
{
    NDIS_SPIN_LOCK l;
    KSPIN_LOCK k;
    KIRQL old = PASSIVE_LEVEL;

    if (cond)
        NdisAllocateSpinLock(&l);
    else
        NdisAllocateSpinLock(&l);
    if (cond)
        KeInitializeSpinLock(&k);
    else
        KeInitializeSpinLock(&k);
    if (cond)
        NdisAcquireSpinLock(&l);
    else
        NdisDprAcquireSpinLock(&l);
    if (cond)
        NdisReleaseSpinLock(&l);
    else
        NdisDprReleaseSpinLock(&l);
    if (cond)
        KeAcquireSpinLock(&k, &old);
    else
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    if (cond)
        KeReleaseSpinLock(&k, old);
    else
        KeLowerIrql(old);
    if (!cond)
        NDIS_LOWER_IRQL(old, old);
    else
        NdisFreeSpinLock(&l);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    CHECK_EQ(k, 0);
}

int main(void)
{
    ndis_plain();
    ndis_dpr();
    ndis_free_clears();
    ke_pairs();
    ke_at_dpc();
    nested_lifo();
    zero_is_free();
    whole_word();
    cross_thread();
    statement_safety(1);
    CHECK_DONE();
}
