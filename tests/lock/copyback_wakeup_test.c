/*
 * copyback_wakeup_test - regression test for 0.1.0's lock word, which kept
 * the count of sleepers in its upper half: a holder that copies the
 * structure around the lock out before a waiter goes to sleep and back
 * after erases the waiter's registration, so the release wakes nobody and
 * the waiter sleeps forever.  Here the waiter must get the lock; a bounded
 * wait turns the hang into a failure.  Windows names only, so the same
 * source builds against any version of the library.
 *
 * The holder also checks what a driver sees: the word it holds reads the
 * same before and after a waiter went to sleep on it.
 */
#define _GNU_SOURCE
#include <ndis.h>

#include <pthread.h>
#include <time.h>

#include "check.h"
#include "copyback.h"

struct adapter {
    uint32_t id;
    NDIS_SPIN_LOCK Lock;
    uint64_t generation;
};

static struct adapter A;
static int waiting, acquired;

static void sleep_ms(long ms)
{
    struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&d, NULL);
}

static void *waiter(void *arg)
{
    (void)arg;
    __atomic_store_n(&waiting, 1, __ATOMIC_RELEASE);
    NdisAcquireSpinLock(&A.Lock);       /* spins, then sleeps: the holder keeps it 200 ms */
    CHECK_EQ(A.generation, 1);
    NdisReleaseSpinLock(&A.Lock);
    __atomic_store_n(&acquired, 1, __ATOMIC_RELEASE);
    return NULL;
}

int main(void)
{
    struct adapter copy;
    pthread_t t;

    NdisAllocateSpinLock(&A.Lock);
    NdisAcquireSpinLock(&A.Lock);
    COPY_STRUCT(struct adapter, &copy, &A, Lock);     /* out, before the waiter comes */
    KSPIN_LOCK held = copy.Lock.SpinLock;
    CHECK(pthread_create(&t, NULL, waiter, NULL) == 0);
    while (!__atomic_load_n(&waiting, __ATOMIC_ACQUIRE))
        sleep_ms(1);
    /* Long past the waiter's spin budget (~100 us): it is asleep by now.  (A
     * slower run only tests less: the pass does not depend on it.) */
    sleep_ms(200);
    KSPIN_LOCK seen = __atomic_load_n(&A.Lock.SpinLock, __ATOMIC_RELAXED);
    copy.generation = 1;
    COPY_STRUCT(struct adapter, &A, &copy, Lock);     /* and back, over the sleeping waiter */
    NdisReleaseSpinLock(&A.Lock);

    /* The waiter must be woken: 10 s is four orders of magnitude above a wake-up. */
    for (int ms = 0; ms < 10000 && !__atomic_load_n(&acquired, __ATOMIC_ACQUIRE); ms++)
        sleep_ms(1);
    if (!__atomic_load_n(&acquired, __ATOMIC_ACQUIRE)) {
        fprintf(stderr, "copyback_wakeup_test: the sleeping waiter was not woken within 10 s of "
                        "the release: the copy-back lost its wake-up (word %#llx)\n",
                (unsigned long long)__atomic_load_n(&A.Lock.SpinLock, __ATOMIC_RELAXED));
        return 1;
    }
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(seen, held);                 /* a waiter never changes the word a driver sees */
    CHECK(held != 0);
    CHECK_EQ(A.Lock.SpinLock, 0);
    NdisFreeSpinLock(&A.Lock);
    CHECK_DONE();
}
