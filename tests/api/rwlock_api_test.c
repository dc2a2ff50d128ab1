/*
 * RW locks against the WDK pages: NDIS 6.20 recursive read and recursive
 * write (both once hung or deadlocked), read inside write, a recursive read
 * behind a waiting writer, IRQL saved and restored (NDIS_RWL_AT_DISPATCH_LEVEL
 * leaves it alone); NDIS 5 read sharing and write exclusion under threads,
 * its recursion and Dpr forms; EX_SPIN_LOCK shared / exclusive and
 * ExTryConvertSharedSpinLockExclusive.  alarm() turns a hang into a failure.
 */
#include <ndis.h>

#include <pthread.h>
#include <unistd.h>

#include "check.h"

#define ITER 20000

/* ---- shared-state checkers: readers never see a writer, writers are alone ---- */

static int readers_in, writers_in, max_readers;
static unsigned long data_a, data_b;

static void read_section(void)
{
    int n = __atomic_add_fetch(&readers_in, 1, __ATOMIC_RELAXED);
    int m = __atomic_load_n(&max_readers, __ATOMIC_RELAXED);

    if (n > m)
        __atomic_compare_exchange_n(&max_readers, &m, n, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    CHECK_EQ(__atomic_load_n(&writers_in, __ATOMIC_RELAXED), 0);
    CHECK_EQ(data_a, data_b);
    __atomic_sub_fetch(&readers_in, 1, __ATOMIC_RELAXED);
}

static void write_section(void)
{
    CHECK_EQ(__atomic_add_fetch(&writers_in, 1, __ATOMIC_RELAXED), 1);
    CHECK_EQ(__atomic_load_n(&readers_in, __ATOMIC_RELAXED), 0);
    data_a++;
    data_b++;
    __atomic_sub_fetch(&writers_in, 1, __ATOMIC_RELAXED);
}

/* ---- NDIS 6.20 ---- */

static PNDIS_RW_LOCK_EX lock6;
static volatile int writer_waiting_started;

static void *writer6(void *arg)
{
    LOCK_STATE_EX s;

    (void)arg;
    __atomic_store_n(&writer_waiting_started, 1, __ATOMIC_RELEASE);
    NdisAcquireRWLockWrite(lock6, &s, 0);   /* waits for main's read hold */
    write_section();
    NdisReleaseRWLock(lock6, &s);
    return NULL;
}

static void ndis6(void)
{
    LOCK_STATE_EX s1, s2, s3;
    pthread_t t;
    KIRQL old;

    lock6 = NdisAllocateRWLock(NULL);
    CHECK(lock6 != NULL);

    /* IRQL: raised to DISPATCH and restored; AT_DISPATCH leaves it alone */
    NdisAcquireRWLockRead(lock6, &s1, 0);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    CHECK_EQ(s1.OldIrql, PASSIVE_LEVEL);
    NdisReleaseRWLock(lock6, &s1);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    NdisAcquireRWLockWrite(lock6, &s1, NDIS_RWL_AT_DISPATCH_LEVEL);
    NdisReleaseRWLock(lock6, &s1);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeLowerIrql(old);

    /* recursive write (hung before): released only by the last release */
    NdisAcquireRWLockWrite(lock6, &s1, 0);
    NdisAcquireRWLockWrite(lock6, &s2, 0);
    NdisAcquireRWLockWrite(lock6, &s3, NDIS_RWL_AT_DISPATCH_LEVEL);
    NdisReleaseRWLock(lock6, &s3);
    NdisReleaseRWLock(lock6, &s2);
    CHECK(lock6->word & NDISLOCK_RW_WRITER);    /* still held by s1 */
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    NdisReleaseRWLock(lock6, &s1);
    CHECK_EQ(lock6->word, 0u);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    /* read inside write, recursive read */
    NdisAcquireRWLockWrite(lock6, &s1, 0);
    NdisAcquireRWLockRead(lock6, &s2, NDIS_RWL_AT_DISPATCH_LEVEL);
    NdisReleaseRWLock(lock6, &s2);
    NdisReleaseRWLock(lock6, &s1);
    NdisAcquireRWLockRead(lock6, &s1, 0);
    NdisAcquireRWLockRead(lock6, &s2, 0);
    CHECK_EQ(lock6->word, 1u);                  /* a nested read does not touch the word */
    NdisReleaseRWLock(lock6, &s2);
    NdisReleaseRWLock(lock6, &s1);
    CHECK_EQ(lock6->word, 0u);

    /* a recursive read while a writer waits must not wait behind it */
    NdisAcquireRWLockRead(lock6, &s1, 0);
    CHECK_EQ(pthread_create(&t, NULL, writer6, NULL), 0);
    while (!__atomic_load_n(&writer_waiting_started, __ATOMIC_ACQUIRE))
        ;
    while (!(__atomic_load_n(&lock6->word, __ATOMIC_RELAXED) & NDISLOCK_RW_WAITING))
        NdisStallExecution(10);                 /* the writer has announced itself */
    NdisAcquireRWLockRead(lock6, &s2, NDIS_RWL_AT_DISPATCH_LEVEL);
    read_section();
    NdisReleaseRWLock(lock6, &s2);
    NdisReleaseRWLock(lock6, &s1);
    pthread_join(t, NULL);
    NdisFreeRWLock(lock6);
}

/* ---- NDIS 5: sharing and exclusion under threads ---- */

static NDIS_RW_LOCK lock5;

static void *reader5(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITER; i++) {
        LOCK_STATE s, s2;
        NdisAcquireReadWriteLock(&lock5, FALSE, &s);
        CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
        if (i % 16 == 0) {                      /* recursive read, Dpr form inside */
            NdisDprAcquireReadWriteLock(&lock5, FALSE, &s2);
            read_section();
            NdisDprReleaseReadWriteLock(&lock5, &s2);
        }
        read_section();
        if (i % 64 == 0)
            NdisStallExecution(20);             /* room for other readers to overlap */
        NdisReleaseReadWriteLock(&lock5, &s);
        CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    }
    return NULL;
}

static void *writer5(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITER / 4; i++) {
        LOCK_STATE s, s2;
        NdisAcquireReadWriteLock(&lock5, TRUE, &s);
        if (i % 8 == 0) {                       /* recursive write */
            NdisDprAcquireReadWriteLock(&lock5, TRUE, &s2);
            write_section();
            NdisDprReleaseReadWriteLock(&lock5, &s2);
        }
        write_section();
        NdisReleaseReadWriteLock(&lock5, &s);
    }
    return NULL;
}

static void ndis5(void)
{
    pthread_t t[4];
    LOCK_STATE s;

    NdisInitializeReadWriteLock(&lock5);
    NdisAcquireReadWriteLock(&lock5, TRUE, &s);
    CHECK_EQ(s.OldIrql, PASSIVE_LEVEL);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    NdisReleaseReadWriteLock(&lock5, &s);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    max_readers = 0;
    CHECK_EQ(pthread_create(&t[0], NULL, reader5, NULL), 0);
    CHECK_EQ(pthread_create(&t[1], NULL, reader5, NULL), 0);
    CHECK_EQ(pthread_create(&t[2], NULL, reader5, NULL), 0);
    CHECK_EQ(pthread_create(&t[3], NULL, writer5, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(data_a, data_b);
    CHECK(data_a >= ITER / 4);
    CHECK_EQ(lock5.word, 0u);
    printf("NDIS 5: at most %d readers at once\n", max_readers);
}

/* ---- EX_SPIN_LOCK ---- */

static EX_SPIN_LOCK ex;

static void *ex_worker(void *arg)
{
    int write = arg != NULL;

    for (int i = 0; i < ITER; i++) {
        KIRQL old;
        if (write || i % 8 == 0) {
            old = ExAcquireSpinLockExclusive(&ex);
            write_section();
            ExReleaseSpinLockExclusive(&ex, old);
        } else {
            old = ExAcquireSpinLockShared(&ex);
            CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
            read_section();
            ExReleaseSpinLockShared(&ex, old);
        }
        CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    }
    return NULL;
}

static void ex_lock(void)
{
    pthread_t t[3];
    KIRQL old;

    ex = 0;
    old = ExAcquireSpinLockShared(&ex);
    CHECK_EQ(old, PASSIVE_LEVEL);
    CHECK_EQ(ExTryConvertSharedSpinLockExclusive(&ex), TRUE);     /* the only reader */
    CHECK_EQ((ULONG)ex, NDISLOCK_RW_WRITER);
    ExReleaseSpinLockExclusive(&ex, old);
    CHECK_EQ(ex, 0);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    KeRaiseIrql(DISPATCH_LEVEL, &old);
    ExAcquireSpinLockSharedAtDpcLevel(&ex);
    ExAcquireSpinLockSharedAtDpcLevel(&ex);         /* a second reader (no writer waits) */
    CHECK_EQ(ExTryConvertSharedSpinLockExclusive(&ex), FALSE);    /* not the only reader */
    ExReleaseSpinLockSharedFromDpcLevel(&ex);
    ExReleaseSpinLockSharedFromDpcLevel(&ex);
    ExAcquireSpinLockExclusiveAtDpcLevel(&ex);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    ExReleaseSpinLockExclusiveFromDpcLevel(&ex);
    KeLowerIrql(old);
    CHECK_EQ(ex, 0);

    CHECK_EQ(pthread_create(&t[0], NULL, ex_worker, NULL), 0);
    CHECK_EQ(pthread_create(&t[1], NULL, ex_worker, NULL), 0);
    CHECK_EQ(pthread_create(&t[2], NULL, ex_worker, (void *)1), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(data_a, data_b);
    CHECK_EQ(ex, 0);
}

int main(void)
{
    alarm(240);                     /* a hang (the old recursive-write bug) fails the test */
    ndis6();
    ndis5();
    ex_lock();
    CHECK_DONE();
}
