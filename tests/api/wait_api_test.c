/*
 * Events, mutexes and waits against the WDK pages: KeSetEvent / KeResetEvent
 * return the previous state; a notification event releases every waiter and
 * stays signaled; each KeSetEvent on a synchronization event satisfies
 * exactly one waiter (two sets, two of three waiters) and auto-resets; a zero
 * timeout polls (STATUS_TIMEOUT at once, also at DISPATCH_LEVEL); relative
 * and absolute timeouts expire no earlier than asked; NdisWaitEvent returns
 * FALSE on timeout and with 0 waits until set; KMUTEX is recursive for its
 * owner, KeReleaseMutex returns the previous state and hands the mutex to a
 * waiter; NDIS_MUTEX; KeDelayExecutionThread sleeps at least its interval.
 * Bounds are lower bounds only (never early); upper bounds are generous.
 */
#include <ndis.h>

#include <pthread.h>
#include <time.h>

#include "check.h"
#include "wait/dispatch.h"     /* the waiter list, to know the waiters are queued */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static LARGE_INTEGER rel_ms(LONGLONG ms)
{
    LARGE_INTEGER t;
    t.QuadPart = -ms * 10000;
    return t;
}

/* ---- waiters ---- */

static KEVENT ev;
static int woken;

static void *waiter(void *arg)
{
    LARGE_INTEGER t = rel_ms(10000);    /* generous: only a lost wake-up reaches it */

    (void)arg;
    if (KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, &t) == STATUS_SUCCESS)
        __atomic_add_fetch(&woken, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Sleeps until n threads are queued on ev (its FIFO of wait blocks, read
 * under the object's dispatcher lock: the library's internal header). */
static void wait_for_waiters(int n)
{
    for (;;) {
        pthread_mutex_t *mu = ndislock__dispatcher_lock(&ev);
        int k = 0;

        pthread_mutex_lock(mu);
        for (struct ndislock_wait_block *wb = ev.Header.WaitListHead; wb != NULL; wb = wb->next)
            k++;
        pthread_mutex_unlock(mu);
        if (k >= n)
            return;
        NdisMSleep(1000);
    }
}

/* Sleeps until woken reaches n or 10 s pass. */
static void wait_woken(int n)
{
    for (int i = 0; i < 10000 && __atomic_load_n(&woken, __ATOMIC_SEQ_CST) < n; i++)
        NdisMSleep(1000);
}

static void events(void)
{
    pthread_t t[3];
    LARGE_INTEGER zero, t10;
    KIRQL old;
    uint64_t t0;

    /* previous states */
    KeInitializeEvent(&ev, NotificationEvent, FALSE);
    CHECK_EQ(KeReadStateEvent(&ev), 0);
    CHECK_EQ(KeSetEvent(&ev, 0, FALSE), 0);
    CHECK(KeSetEvent(&ev, 0, FALSE) != 0);
    CHECK_EQ(KeReadStateEvent(&ev), 1);
    CHECK(KeResetEvent(&ev) != 0);
    CHECK_EQ(KeResetEvent(&ev), 0);
    KeSetEvent(&ev, 0, FALSE);
    KeClearEvent(&ev);
    CHECK_EQ(KeReadStateEvent(&ev), 0);

    /* zero timeout: a poll, legal at DISPATCH_LEVEL */
    zero.QuadPart = 0;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    t0 = now_ns();
    CHECK_EQ(KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
    CHECK(now_ns() - t0 < 1000000000ull);
    KeSetEvent(&ev, 0, FALSE);
    CHECK_EQ(KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    CHECK_EQ(KeReadStateEvent(&ev), 1);         /* a notification event stays signaled */
    KeLowerIrql(old);

    /* relative and absolute timeouts: never early */
    KeClearEvent(&ev);
    t10 = rel_ms(20);
    t0 = now_ns();
    CHECK_EQ(KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, &t10), STATUS_TIMEOUT);
    CHECK(now_ns() - t0 >= 20000000ull);
    KeQuerySystemTime(&t10);
    t10.QuadPart += 20 * 10000;
    t0 = now_ns();
    CHECK_EQ(KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, &t10), STATUS_TIMEOUT);
    CHECK(now_ns() - t0 >= 19000000ull);        /* two clocks: 1 ms slack */
    KeQuerySystemTime(&t10);
    t10.QuadPart -= 10000000;                   /* an absolute time already past: a poll */
    CHECK_EQ(KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, &t10), STATUS_TIMEOUT);

    /* notification: one set releases every waiter */
    woken = 0;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, waiter, NULL), 0);
    wait_for_waiters(3);
    KeSetEvent(&ev, 0, FALSE);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(woken, 3);

    /* synchronization: each set satisfies exactly one waiter, then it is not signaled */
    KeInitializeEvent(&ev, SynchronizationEvent, FALSE);
    woken = 0;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, waiter, NULL), 0);
    wait_for_waiters(3);
    CHECK_EQ(KeSetEvent(&ev, 0, FALSE), 0);
    CHECK_EQ(KeSetEvent(&ev, 0, FALSE), 0);     /* handed to a second waiter, not merged */
    wait_woken(2);
    NdisMSleep(20000);
    CHECK_EQ(__atomic_load_n(&woken, __ATOMIC_SEQ_CST), 2);   /* the third still waits */
    CHECK_EQ(KeReadStateEvent(&ev), 0);
    KeSetEvent(&ev, 0, TRUE);                   /* Wait = TRUE: only the IRQL rule differs */
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(woken, 3);
    CHECK_EQ(KeReadStateEvent(&ev), 0);
    /* with nobody waiting it stays signaled for exactly one wait */
    KeSetEvent(&ev, 0, FALSE);
    CHECK_EQ(KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    CHECK_EQ(KeWaitForSingleObject(&ev, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
}

/* ---- NDIS events ---- */

static NDIS_EVENT nev;

static void *ndis_setter(void *arg)
{
    (void)arg;
    NdisMSleep(20000);
    NdisSetEvent(&nev);
    return NULL;
}

static void ndis_events(void)
{
    pthread_t t;
    uint64_t t0;

    NdisInitializeEvent(&nev);
    t0 = now_ns();
    CHECK_EQ(NdisWaitEvent(&nev, 20), FALSE);       /* timeout */
    CHECK(now_ns() - t0 >= 20000000ull);
    CHECK_EQ(pthread_create(&t, NULL, ndis_setter, NULL), 0);
    CHECK_EQ(NdisWaitEvent(&nev, 0), TRUE);         /* 0: until it is set */
    pthread_join(t, NULL);
    CHECK_EQ(NdisWaitEvent(&nev, 1), TRUE);         /* still signaled */
    NdisResetEvent(&nev);
    CHECK_EQ(NdisWaitEvent(&nev, 1), FALSE);
}

/* ---- mutexes ---- */

static KMUTEX mx;
static NDIS_MUTEX nmx;
static int owner_seen, waiter_done;

static void *mutex_waiter(void *arg)
{
    (void)arg;
    CHECK_EQ(KeWaitForMutexObject(&mx, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    __atomic_store_n(&owner_seen, 1, __ATOMIC_SEQ_CST);
    CHECK_EQ(KeReleaseMutex(&mx, FALSE), 0);
    NDIS_WAIT_FOR_MUTEX(&nmx);
    __atomic_store_n(&waiter_done, 1, __ATOMIC_SEQ_CST);
    NDIS_RELEASE_MUTEX(&nmx);
    return NULL;
}

static void mutexes(void)
{
    pthread_t t;
    LARGE_INTEGER zero;

    zero.QuadPart = 0;
    KeInitializeMutex(&mx, 0);
    NDIS_INIT_MUTEX(&nmx);
    CHECK_EQ(KeReadStateMutex(&mx), 1);
    CHECK_EQ(KeWaitForSingleObject(&mx, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    CHECK_EQ(KeWaitForSingleObject(&mx, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    CHECK_EQ(KeReadStateMutex(&mx), -1);            /* held twice */
    NDIS_WAIT_FOR_MUTEX(&nmx);
    CHECK_EQ(pthread_create(&t, NULL, mutex_waiter, NULL), 0);
    NdisMSleep(20000);
    CHECK_EQ(__atomic_load_n(&owner_seen, __ATOMIC_SEQ_CST), 0);     /* it waits for us */
    CHECK_EQ(KeReleaseMutex(&mx, FALSE), -1);       /* still held once */
    NdisMSleep(20000);
    CHECK_EQ(__atomic_load_n(&owner_seen, __ATOMIC_SEQ_CST), 0);
    CHECK_EQ(KeReleaseMutex(&mx, FALSE), 0);        /* free now: handed to the waiter */
    while (!__atomic_load_n(&owner_seen, __ATOMIC_SEQ_CST))
        NdisMSleep(1000);
    CHECK_EQ(__atomic_load_n(&waiter_done, __ATOMIC_SEQ_CST), 0);    /* NDIS_MUTEX still ours */
    NDIS_RELEASE_MUTEX(&nmx);
    pthread_join(t, NULL);
    CHECK_EQ(waiter_done, 1);
    CHECK_EQ(KeReadStateMutex(&mx), 1);
    CHECK_EQ(KeWaitForSingleObject(&nmx, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    CHECK_EQ(KeReleaseMutex(&nmx, FALSE), 0);
}

static void delays(void)
{
    LARGE_INTEGER t = rel_ms(15), zero;
    uint64_t t0 = now_ns();

    CHECK_EQ(KeDelayExecutionThread(KernelMode, FALSE, &t), STATUS_SUCCESS);
    CHECK(now_ns() - t0 >= 15000000ull);
    zero.QuadPart = 0;
    CHECK_EQ(KeDelayExecutionThread(KernelMode, FALSE, &zero), STATUS_SUCCESS);
    t0 = now_ns();
    NdisMSleep(5000);
    CHECK(now_ns() - t0 >= 5000000ull);
    t0 = now_ns();
    NdisStallExecution(30);
    KeStallExecutionProcessor(30);
    CHECK(now_ns() - t0 >= 60000ull);
}

int main(void)
{
    events();
    ndis_events();
    mutexes();
    delays();
    CHECK_DONE();
}
