/* NDIS RW lock: readers share, writers exclude, IRQL raised and restored. */
#include <ndis.h>

#include <pthread.h>

#include "check.h"

static PNDIS_RW_LOCK_EX lock;
static int readers_in, writer_in, max_readers;
static unsigned long data_a, data_b;      /* writers keep a == b */
static int stop;

static void *reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        LOCK_STATE_EX st;
        NdisAcquireRWLockRead(lock, &st, 0);
        CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
        int n = __atomic_add_fetch(&readers_in, 1, __ATOMIC_RELAXED);
        int m = __atomic_load_n(&max_readers, __ATOMIC_RELAXED);
        if (n > m)
            __atomic_compare_exchange_n(&max_readers, &m, n, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
        CHECK_EQ(__atomic_load_n(&writer_in, __ATOMIC_RELAXED), 0);
        CHECK_EQ(data_a, data_b);
        if (i % 64 == 0)
            NdisStallExecution(20);  /* give other readers a chance to overlap */
        __atomic_sub_fetch(&readers_in, 1, __ATOMIC_RELAXED);
        NdisReleaseRWLock(lock, &st);
        CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    }
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5000; i++) {
        LOCK_STATE_EX st;
        NdisAcquireRWLockWrite(lock, &st, 0);
        CHECK_EQ(__atomic_exchange_n(&writer_in, 1, __ATOMIC_RELAXED), 0);
        CHECK_EQ(__atomic_load_n(&readers_in, __ATOMIC_RELAXED), 0);
        data_a++;
        data_b++;
        __atomic_store_n(&writer_in, 0, __ATOMIC_RELAXED);
        NdisReleaseRWLock(lock, &st);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[5];
    LOCK_STATE_EX s1, s2;
    KIRQL old;

    lock = NdisAllocateRWLock(NULL);
    CHECK(lock != NULL);

    /* IRQL: raise and restore; AT_DISPATCH leaves it alone */
    NdisAcquireRWLockRead(lock, &s1, 0);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    NdisAcquireRWLockRead(lock, &s2, NDIS_RWL_AT_DISPATCH_LEVEL);   /* recursive read */
    NdisReleaseRWLock(lock, &s2);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    NdisReleaseRWLock(lock, &s1);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    KeRaiseIrql(DISPATCH_LEVEL, &old);
    NdisAcquireRWLockWrite(lock, &s1, NDIS_RWL_AT_DISPATCH_LEVEL);
    NdisAcquireRWLockRead(lock, &s2, NDIS_RWL_AT_DISPATCH_LEVEL);   /* read inside write */
    NdisReleaseRWLock(lock, &s2);
    NdisReleaseRWLock(lock, &s1);
    CHECK_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeLowerIrql(old);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, reader, NULL);
    for (int i = 3; i < 5; i++)
        pthread_create(&t[i], NULL, writer, NULL);
    for (int i = 0; i < 5; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(data_a, 10000);
    CHECK_EQ(data_b, 10000);
    (void)stop;
    printf("max concurrent readers: %d\n", max_readers);
    NdisFreeRWLock(lock);
    CHECK_DONE();
}
