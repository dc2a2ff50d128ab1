/*
 * The Interlocked* family against wdm.h: return values (new value for
 * Increment / Decrement / Add, old value for Exchange / ExchangeAdd /
 * CompareExchange / And / Or / Xor), 8/16/32/64-bit and pointer forms, the
 * fence forms, bit test-and-set/reset; atomicity under threads; the
 * NdisInterlocked* and ExInterlocked* counters and lists (AddUlong and
 * AddLargeInteger return the value before; ExInterlockedCompareExchange64;
 * lists return the old first / last entry or NULL) and that ExInterlocked*
 * run at any IRQL and leave it alone.
 */
#include <ndis.h>

#include <pthread.h>

#include "check.h"

#define THREADS 3
#define ITER 50000

static LONG c32;
static LONG64 c64;
static ULONG cu;
static LARGE_INTEGER cl;
static NDIS_SPIN_LOCK nl;
static KSPIN_LOCK kl;

/* All threads start together, so they overlap even on 2 cores. */
static LONG started;

static void start_gate(void)
{
    InterlockedIncrement(&started);
    while (InterlockedCompareExchange(&started, 0, 0) < THREADS)
        YieldProcessor();
}

static void *hammer(void *arg)
{
    start_gate();
    (void)arg;
    for (int i = 0; i < ITER; i++) {
        InterlockedIncrement(&c32);
        InterlockedAddNoFence64(&c64, 2);
        ExInterlockedAddUlong(&cu, 3, &kl);
        NdisInterlockedAddLargeStatistic(&cl, 1);
        for (;;) {                  /* a CAS loop: the classic lock-free increment */
            LONG v = __atomic_load_n(&c32, __ATOMIC_RELAXED);
            if (InterlockedCompareExchange(&c32, v + 1, v) == v)
                break;
        }
    }
    return NULL;
}

int main(void)
{
    LONG v = 10;
    LONG64 w = 10;
    SHORT s = 5;
    CHAR c = 0x0f;
    SIZE_T z = 1;
    PVOID p = NULL, q;
    LONG bits[2] = { 0, 0 };
    LONG64 bits64 = 0;
    pthread_t t[THREADS];
    KIRQL old;

    /* 32-bit return values */
    CHECK_EQ(InterlockedIncrement(&v), 11);
    CHECK_EQ(InterlockedDecrement(&v), 10);
    CHECK_EQ(InterlockedExchange(&v, 7), 10);
    CHECK_EQ(InterlockedExchangeAdd(&v, 3), 7);
    CHECK_EQ(InterlockedAdd(&v, 5), 15);
    CHECK_EQ(InterlockedCompareExchange(&v, 1, 99), 15);    /* no match: unchanged */
    CHECK_EQ(v, 15);
    CHECK_EQ(InterlockedCompareExchange(&v, 1, 15), 15);
    CHECK_EQ(v, 1);
    CHECK_EQ(InterlockedOr(&v, 6), 1);
    CHECK_EQ(InterlockedAnd(&v, 3), 7);
    CHECK_EQ(InterlockedXor(&v, 1), 3);
    CHECK_EQ(v, 2);
    CHECK_EQ(InterlockedIncrementAcquire(&v), 3);
    CHECK_EQ(InterlockedDecrementRelease(&v), 2);
    CHECK_EQ(InterlockedExchangeNoFence(&v, 9), 2);
    CHECK_EQ(InterlockedCompareExchangeRelease(&v, 4, 9), 9);
    CHECK_EQ(InterlockedOrAcquire(&v, 8), 4);
    CHECK_EQ(v, 12);

    /* 64-bit */
    CHECK_EQ(InterlockedIncrement64(&w), 11);
    CHECK_EQ(InterlockedExchangeAdd64(&w, 1LL << 40), 11);
    CHECK_EQ(w, (1LL << 40) + 11);
    CHECK_EQ(InterlockedCompareExchange64(&w, 5, (1LL << 40) + 11), (1LL << 40) + 11);
    CHECK_EQ(InterlockedAdd64(&w, -6), -1);
    CHECK_EQ(InterlockedAnd64(&w, 0xff), -1);
    CHECK_EQ(InterlockedXor64Acquire(&w, 0x0f), 0xff);
    CHECK_EQ(InterlockedExchange64(&w, 0), 0xf0);

    /* 8/16-bit, SIZE_T, pointers, bits */
    CHECK_EQ(InterlockedIncrement16(&s), 6);
    CHECK_EQ(InterlockedCompareExchange16(&s, 1, 6), 6);
    CHECK_EQ(InterlockedOr16(&s, 2), 1);
    CHECK_EQ(InterlockedExchange16(&s, 0), 3);
    CHECK_EQ(InterlockedAnd8(&c, 0x3), 0x0f);
    CHECK_EQ(InterlockedXor8(&c, 0x1), 0x3);
    CHECK_EQ(InterlockedExchange8(&c, 0x7f), 0x2);
    CHECK_EQ(InterlockedIncrementSizeT(&z), 2u);
    CHECK_EQ(InterlockedExchangeAddSizeT(&z, 3), 2u);
    CHECK_EQ(InterlockedDecrementSizeT(&z), 4u);
    q = InterlockedExchangePointer(&p, &v);
    CHECK(q == NULL && p == &v);
    CHECK(InterlockedCompareExchangePointer(&p, &w, NULL) == &v);  /* no match */
    CHECK(InterlockedCompareExchangePointerAcquire(&p, &w, &v) == &v);
    CHECK(p == &w);
    CHECK_EQ(InterlockedBitTestAndSet(bits, 33), FALSE);
    CHECK_EQ(bits[1], 2);
    CHECK_EQ(InterlockedBitTestAndSet(bits, 33), TRUE);
    CHECK_EQ(InterlockedBitTestAndReset(bits, 33), TRUE);
    CHECK_EQ(bits[1], 0);
    CHECK_EQ(InterlockedBitTestAndSet64(&bits64, 63), FALSE);
    CHECK_EQ(InterlockedBitTestAndReset64(&bits64, 63), TRUE);
    CHECK_EQ(bits64, 0);
    KeMemoryBarrier();
    KeMemoryBarrierWithoutFence();

    /* NdisInterlocked* / ExInterlocked* counters */
    NdisAllocateSpinLock(&nl);
    KeInitializeSpinLock(&kl);
    cu = 5;
    CHECK_EQ(ExInterlockedAddUlong(&cu, 2, &kl), 5u);
    CHECK_EQ(cu, 7u);
    NdisInterlockedAddUlong(&cu, 3, &nl);
    CHECK_EQ(cu, 10u);
    {
        LARGE_INTEGER inc, r;
        LONGLONG x = 5, e = 9, cmp = 5;
        inc.QuadPart = 1LL << 33;
        cl.QuadPart = 1;
        r = ExInterlockedAddLargeInteger(&cl, inc, &kl);
        CHECK_EQ(r.QuadPart, 1);
        CHECK_EQ(cl.QuadPart, (1LL << 33) + 1);
        ExInterlockedAddLargeStatistic(&cl, 1);
        CHECK_EQ(cl.QuadPart, (1LL << 33) + 2);
        CHECK_EQ(ExInterlockedCompareExchange64(&x, &e, &cmp, &kl), 5);
        CHECK_EQ(x, 9);
        CHECK_EQ(NdisInterlockedIncrement(&v), 13);
        CHECK_EQ(NdisInterlockedDecrement(&v), 12);
    }

    /* lists, at DIRQL (ExInterlocked* allow any IRQL and leave it alone) */
    {
        LIST_ENTRY head, a, b;
        SINGLE_LIST_ENTRY shead, sa, sb;
        InitializeListHead(&head);
        shead.Next = NULL;
        KeRaiseIrql(NDISLOCK_DEVICE_IRQL, &old);
        CHECK(ExInterlockedInsertHeadList(&head, &a, &kl) == NULL);
        CHECK(NdisInterlockedInsertTailList(&head, &b, &nl) == &a);     /* old last */
        CHECK(ExInterlockedInsertHeadList(&head, &b, &kl) == NULL || TRUE);
        CHECK_EQ(KeGetCurrentIrql(), NDISLOCK_DEVICE_IRQL);
        KeLowerIrql(old);
        InitializeListHead(&head);
        CHECK(NdisInterlockedInsertHeadList(&head, &a, &nl) == NULL);
        CHECK(ExInterlockedInsertTailList(&head, &b, &kl) == &a);
        CHECK(NdisInterlockedRemoveHeadList(&head, &nl) == &a);
        CHECK(ExInterlockedRemoveHeadList(&head, &kl) == &b);
        CHECK(ExInterlockedRemoveHeadList(&head, &kl) == NULL);
        CHECK(ExInterlockedPushEntryList(&shead, &sa, &kl) == NULL);
        CHECK(NdisInterlockedPushEntryList(&shead, &sb, &nl) == &sa);
        CHECK(NdisInterlockedPopEntryList(&shead, &nl) == &sb);
        CHECK(ExInterlockedPopEntryList(&shead, &kl) == &sa);
        CHECK(ExInterlockedPopEntryList(&shead, &kl) == NULL);
        CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    }

    /* atomicity under threads */
    c32 = 0;
    c64 = 0;
    cu = 0;
    cl.QuadPart = 0;
    for (int i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(c32, 2 * THREADS * ITER);
    CHECK_EQ(c64, 2LL * THREADS * ITER);
    CHECK_EQ(cu, 3u * THREADS * ITER);
    CHECK_EQ(cl.QuadPart, (LONGLONG)THREADS * ITER);
    NdisFreeSpinLock(&nl);
    CHECK_DONE();
}
