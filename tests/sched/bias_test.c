/*
 * The biased entry of simulated processors (src/sched/cpus.c): a processor
 * that one thread takes many times in a row becomes biased to it (entry
 * without CAS), and a thread that then takes it revokes the bias.  With one
 * simulated processor and threads that keep taking it, biases are granted
 * and revoked over and over (each round starts from fresh thresholds, since
 * a revocation doubles the threshold): never are two threads on the
 * processor at once, and no plain update made there is lost.  A thread that
 * exits holding a bias revokes it (the next round's threads never wait for
 * it).
 */
#include <ndis.h>
#include <ndislock/sched.h>

#include <pthread.h>
#include <sched.h>

#include "check.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__) || defined(__aarch64__)
#define ROUNDS 40
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define ROUNDS 40
#endif
#endif
#ifndef ROUNDS
#define ROUNDS 300
#endif
#define THREADS 3
#define PER_THREAD 3000

static uint64_t counter;        /* plain: only the processor's holder writes it */
static uint32_t inside, overlaps;

static void *taker(void *arg)
{
    NDIS_SPIN_LOCK own;
    KIRQL old;
    int burst = (int)(intptr_t)arg;

    NdisAllocateSpinLock(&own);
    for (int i = 0; i < PER_THREAD; i++) {
        if (i % burst == 0)
            sched_yield();      /* let another thread take it: a revocation */
        if (i & 1) {
            KeRaiseIrql(DISPATCH_LEVEL, &old);
        } else {
            NdisAcquireSpinLock(&own);
        }
        if (__atomic_fetch_add(&inside, 1, __ATOMIC_RELAXED) != 0)
            __atomic_fetch_add(&overlaps, 1, __ATOMIC_RELAXED);
        counter++;
        __atomic_fetch_sub(&inside, 1, __ATOMIC_RELAXED);
        if (i & 1)
            KeLowerIrql(old);
        else
            NdisReleaseSpinLock(&own);
    }
    NdisFreeSpinLock(&own);
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];

    for (int round = 0; round < ROUNDS; round++) {
        /* quiescent: fresh slots, no bias, thresholds back at their start */
        CHECK(ndislock_sched_configure("cpus=1") == 0);
        for (int i = 0; i < THREADS; i++)
            CHECK(pthread_create(&t[i], NULL, taker, (void *)(intptr_t)(40 + 30 * i)) == 0);
        for (int i = 0; i < THREADS; i++)
            pthread_join(t[i], NULL);
        CHECK_EQ(__atomic_load_n(&overlaps, __ATOMIC_RELAXED), 0);
        CHECK_EQ(counter, (uint64_t)(round + 1) * THREADS * PER_THREAD);
    }
    printf("%d rounds of %d threads on one simulated processor: %llu updates, no overlap\n",
           ROUNDS, THREADS, (unsigned long long)counter);
    CHECK_DONE();
}
