/*
 * preempt_stress_test - mutual exclusion and progress under injected
 * preemption: more threads than CPUs take one lock through every NDIS/Ke
 * acquire path, yield at random points inside and outside the critical
 * section, sometimes sleep while holding it (so waiters park, starve and get
 * hand-offs), and update shared data non-atomically with a yield between
 * the read and the write.  A lost update means broken mutual exclusion; a
 * lost wake-up shows as a hang, caught by the watchdog.
 */
#define _GNU_SOURCE
#include <ndis.h>

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ITERS 1500      /* sanitizers: slower, fewer rounds */
#else
#define ITERS 5000
#endif
#define THREADS 8       /* more than the CPUs of the machines it runs on */
#define WATCHDOG_S 60

static NDIS_SPIN_LOCK lock;
static KSPIN_LOCK *raw;         /* the same lock word, for the Ke paths */
static volatile unsigned long counter, shadow;   /* plain data: the lock protects them */
static volatile int irql_errors;

static unsigned rnd(unsigned *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void maybe_yield(unsigned *s, unsigned one_in)
{
    if (rnd(s) % one_in == 0)
        sched_yield();
}

static void critical(unsigned *s)
{
    unsigned long c = counter;

    maybe_yield(s, 4);                      /* preempted inside: others must wait */
    if (rnd(s) % 1024 == 0) {               /* a long hold: waiters park and starve */
        struct timespec d = { 0, (long)(rnd(s) % 2000) * 1000L };
        nanosleep(&d, NULL);
    }
    counter = c + 1;
    shadow = shadow + 1;
}

static void *worker(void *arg)
{
    unsigned s = (unsigned)(uintptr_t)arg * 2654435761u + 1;

    for (int i = 0; i < ITERS; i++) {
        maybe_yield(&s, 3);                 /* preempted outside */
        switch (rnd(&s) % 4) {
        case 0:
            NdisAcquireSpinLock(&lock);
            if (KeGetCurrentIrql() != DISPATCH_LEVEL)
                irql_errors = 1;
            critical(&s);
            NdisReleaseSpinLock(&lock);
            break;
        case 1: {
            KIRQL old;
            KeRaiseIrql(DISPATCH_LEVEL, &old);
            NdisDprAcquireSpinLock(&lock);
            critical(&s);
            NdisDprReleaseSpinLock(&lock);
            KeLowerIrql(old);
            break;
        }
        case 2: {
            KIRQL old;
            KeAcquireSpinLock(raw, &old);
            critical(&s);
            KeReleaseSpinLock(raw, old);
            break;
        }
        default: {
            KLOCK_QUEUE_HANDLE h;
            KeAcquireInStackQueuedSpinLock(raw, &h);
            critical(&s);
            KeReleaseInStackQueuedSpinLock(&h);
            break;
        }
        }
        if (KeGetCurrentIrql() != PASSIVE_LEVEL)
            irql_errors = 1;
    }
    return NULL;
}

static void watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "preempt_stress_test: no progress in " "60" " s: lost wake-up?\n";
    if (write(2, msg, sizeof(msg) - 1) < 0)
        _exit(3);
    _exit(2);
}

int main(void)
{
    pthread_t t[THREADS];

    signal(SIGALRM, watchdog);
    alarm(WATCHDOG_S);
    NdisAllocateSpinLock(&lock);
    raw = &lock.SpinLock;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1)) == 0);
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_join(t[i], NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK_EQ(counter, (unsigned long)THREADS * ITERS);
    CHECK_EQ(shadow, (unsigned long)THREADS * ITERS);
    CHECK_EQ(irql_errors, 0);
    CHECK(KeTestSpinLock(raw));
    NdisFreeSpinLock(&lock);
    printf("%d threads x %d acquisitions in %.2f s\n", THREADS, ITERS,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    CHECK_DONE();
}
