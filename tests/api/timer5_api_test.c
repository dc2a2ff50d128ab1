/*
 * NDIS 5 timers (NDIS_TIMER, NDIS_MINIPORT_TIMER in the driver's storage):
 * NdisSetTimer fires once, no earlier than asked, at DISPATCH_LEVEL with the
 * FunctionContext; NdisSetTimerEx replaces the context; NdisMSetPeriodicTimer
 * fires every period until NdisMCancelTimer; the cancels report TRUE only
 * for a queued timer.  And NdisCancelTimerObject on a periodic NDIS 6 timer
 * waits for its running callback, as the WDK says (it flushes the DPCs).
 * Waits are for the callbacks themselves, with generous bounds; times are
 * checked as lower bounds only.
 */
#include <ndis.h>

#include <pthread.h>
#include <time.h>

#include "check.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct rec {
    LONG count;
    LONG bad;
    PVOID ctx;
    uint64_t first;
    NDIS_EVENT fired;
};

static VOID OnTimer(PVOID S1, PVOID Ctx, PVOID S2, PVOID S3)
{
    struct rec *r = (struct rec *)Ctx;

    (void)S1; (void)S2; (void)S3;
    if (KeGetCurrentIrql() != DISPATCH_LEVEL)
        InterlockedExchange(&r->bad, 1);
    if (InterlockedIncrement(&r->count) == 1)
        r->first = now_ns();
    r->ctx = Ctx;
    NdisSetEvent(&r->fired);
}

static struct rec alt;
static VOID OnTimerAlt(PVOID S1, PVOID Ctx, PVOID S2, PVOID S3)
{
    (void)S1; (void)S2; (void)S3;
    alt.ctx = Ctx;
    NdisSetEvent(&alt.fired);
}

/* ---- a periodic timer object's cancel waits for its running callback ---- */

static NDIS_HANDLE ptimer;
static LONG in_callback, release_callback, cancel_returned;

static VOID Blocking(PVOID S1, PVOID Ctx, PVOID S2, PVOID S3)
{
    (void)S1; (void)Ctx; (void)S2; (void)S3;
    InterlockedExchange(&in_callback, 1);
    while (!InterlockedCompareExchange(&release_callback, 0, 0))
        NdisStallExecution(20);
}

static void *canceller(void *arg)
{
    (void)arg;
    CHECK_EQ(NdisCancelTimerObject(ptimer), TRUE);     /* periodic: queued again already */
    InterlockedExchange(&cancel_returned, 1);
    return NULL;
}

static void periodic_cancel_waits(void)
{
    NDIS_TIMER_CHARACTERISTICS tc;
    LARGE_INTEGER due;
    pthread_t t;
    LONG early;

    NdisZeroMemory(&tc, sizeof(tc));
    tc.TimerFunction = Blocking;
    CHECK_EQ(NdisAllocateTimerObject(NULL, &tc, &ptimer), NDIS_STATUS_SUCCESS);
    due.QuadPart = -10000;
    NdisSetTimerObject(ptimer, due, 1000, NULL);
    while (!InterlockedCompareExchange(&in_callback, 0, 0))
        NdisMSleep(1000);
    CHECK_EQ(pthread_create(&t, NULL, canceller, NULL), 0);
    NdisMSleep(50000);
    early = InterlockedCompareExchange(&cancel_returned, 0, 0);
    InterlockedExchange(&release_callback, 1);  /* before any CHECK: exit joins the timer thread */
    pthread_join(t, NULL);
    CHECK_EQ(early, 0);                         /* the cancel waited for the callback */
    CHECK_EQ(cancel_returned, 1);
    NdisFreeTimerObject(ptimer);
}

int main(void)
{
    static struct rec one, per;
    NDIS_TIMER t1, t2;
    NDIS_MINIPORT_TIMER m1;
    BOOLEAN cancelled;
    uint64_t t0;

    NdisInitializeEvent(&one.fired);
    NdisInitializeEvent(&per.fired);
    NdisInitializeEvent(&alt.fired);

    /* NdisSetTimer: once, never early, at DISPATCH_LEVEL, with its context */
    NdisInitializeTimer(&t1, OnTimer, &one);
    t0 = now_ns();
    NdisSetTimer(&t1, 20);
    CHECK(NdisWaitEvent(&one.fired, 10000));
    CHECK(one.first - t0 >= 20000000ull);
    CHECK(one.ctx == &one);
    NdisCancelTimer(&t1, &cancelled);
    CHECK_EQ(cancelled, FALSE);                 /* already fired */
    CHECK_EQ(one.count, 1);

    /* NdisSetTimerEx: a new context */
    NdisInitializeTimer(&t2, OnTimerAlt, NULL);
    NdisSetTimerEx(&t2, 1, (PVOID)0x77);
    CHECK(NdisWaitEvent(&alt.fired, 10000));
    CHECK(alt.ctx == (PVOID)0x77);

    /* cancel before it fires */
    NdisSetTimer(&t1, 60000);
    NdisCancelTimer(&t1, &cancelled);
    CHECK_EQ(cancelled, TRUE);
    NdisCancelTimer(&t1, &cancelled);
    CHECK_EQ(cancelled, FALSE);

    /* NdisMSetPeriodicTimer: every period until cancelled */
    NdisMInitializeTimer(&m1, NULL, OnTimer, &per);
    t0 = now_ns();
    NdisMSetPeriodicTimer(&m1, 5);
    for (int i = 0; i < 3; i++) {
        CHECK(NdisWaitEvent(&per.fired, 10000));
        NdisResetEvent(&per.fired);
    }
    NdisMCancelTimer(&m1, &cancelled);
    CHECK_EQ(cancelled, TRUE);                  /* a periodic timer stays queued */
    CHECK(per.count >= 3);
    CHECK(per.first - t0 >= 5000000ull);
    NdisMSetTimer(&m1, 60000);
    NdisMCancelTimer(&m1, &cancelled);
    CHECK_EQ(cancelled, TRUE);
    CHECK_EQ(one.bad, 0);
    CHECK_EQ(per.bad, 0);

    periodic_cancel_waits();
    ndislock_contexts_shutdown();
    CHECK_DONE();
}
