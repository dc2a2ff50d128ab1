/*
 * NdisInterlocked*: return values single-threaded, then counters and lists
 * under concurrency (more threads than cores) with no lost or duplicated
 * entries.
 */
#include <ndis.h>

#include <pthread.h>

#include "check.h"

typedef struct {
    LIST_ENTRY link;
    SINGLE_LIST_ENTRY slink;
    int id;
    int seen;
} ENTRY;

#define THREADS   4
#define PER       4000
#define N_ENTRIES (THREADS * PER)

static ENTRY entries[N_ENTRIES];
static LIST_ENTRY queue;
static SINGLE_LIST_ENTRY stack;
static NDIS_SPIN_LOCK qlock, slock, ulock;
static LONG counter;
static LARGE_INTEGER big;
static ULONG ulong_total;

static void return_values(void)
{
    LIST_ENTRY h;
    SINGLE_LIST_ENTRY s = { NULL };
    NDIS_SPIN_LOCK l;
    ENTRY a, b, c;

    NdisAllocateSpinLock(&l);
    NdisInitializeListHead(&h);
    CHECK(NdisInterlockedRemoveHeadList(&h, &l) == NULL);            /* empty: NULL */
    CHECK(NdisInterlockedInsertHeadList(&h, &a.link, &l) == NULL);   /* was empty */
    CHECK(NdisInterlockedInsertHeadList(&h, &b.link, &l) == &a.link);/* old first */
    CHECK(NdisInterlockedInsertTailList(&h, &c.link, &l) == &a.link);/* old last */
    CHECK(NdisInterlockedRemoveHeadList(&h, &l) == &b.link);
    CHECK(NdisInterlockedRemoveHeadList(&h, &l) == &a.link);
    CHECK(NdisInterlockedRemoveHeadList(&h, &l) == &c.link);
    CHECK(NdisInterlockedRemoveHeadList(&h, &l) == NULL);
    CHECK(NdisInterlockedInsertTailList(&h, &a.link, &l) == NULL);
    CHECK(NdisInterlockedRemoveHeadList(&h, &l) == &a.link);

    CHECK(NdisInterlockedPopEntryList(&s, &l) == NULL);
    CHECK(NdisInterlockedPushEntryList(&s, &a.slink, &l) == NULL);
    CHECK(NdisInterlockedPushEntryList(&s, &b.slink, &l) == &a.slink);
    CHECK(NdisInterlockedPopEntryList(&s, &l) == &b.slink);
    CHECK(NdisInterlockedPopEntryList(&s, &l) == &a.slink);
    CHECK(NdisInterlockedPopEntryList(&s, &l) == NULL);

    LONG v = 5;
    CHECK_EQ(NdisInterlockedIncrement(&v), 6);
    CHECK_EQ(NdisInterlockedDecrement(&v), 5);
    CHECK_EQ(InterlockedExchangeAdd(&v, 10), 5);
    CHECK_EQ(InterlockedExchange(&v, 1), 15);
    CHECK_EQ(InterlockedCompareExchange(&v, 7, 2), 1);   /* no match: unchanged */
    CHECK_EQ(v, 1);
    CHECK_EQ(InterlockedCompareExchange(&v, 7, 1), 1);
    CHECK_EQ(v, 7);

    LARGE_INTEGER li;
    li.QuadPart = 0xFFFFFFF0ll;
    NdisInterlockedAddLargeStatistic(&li, 0x20);        /* carries into HighPart */
    CHECK_EQ(li.HighPart, 1);
    CHECK_EQ(li.LowPart, 0x10);

    ULONG u = 1;
    NdisInterlockedAddUlong(&u, 41, &l);
    CHECK_EQ(u, 42);
    /* all of these restore the caller's IRQL */
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    CHECK_EQ(l.SpinLock, 0);
    NdisFreeSpinLock(&l);
}

static void *worker(void *arg)
{
    int t = (int)(intptr_t)arg;

    for (int i = 0; i < PER; i++) {
        ENTRY *e = &entries[t * PER + i];

        NdisInterlockedIncrement(&counter);
        NdisInterlockedAddLargeStatistic(&big, 3);
        NdisInterlockedAddUlong(&ulong_total, 2, &ulock);
        if (i & 1)
            NdisInterlockedInsertTailList(&queue, &e->link, &qlock);
        else
            NdisInterlockedInsertHeadList(&queue, &e->link, &qlock);
        NdisInterlockedPushEntryList(&stack, &e->slink, &slock);
        /* consume as we go, so inserts and removes race */
        if (i % 3 == 0) {
            PLIST_ENTRY r = NdisInterlockedRemoveHeadList(&queue, &qlock);
            if (r != NULL)
                __atomic_fetch_add(&CONTAINING_RECORD(r, ENTRY, link)->seen, 1, __ATOMIC_RELAXED);
            PSINGLE_LIST_ENTRY p = NdisInterlockedPopEntryList(&stack, &slock);
            if (p != NULL)
                __atomic_fetch_add(&CONTAINING_RECORD(p, ENTRY, slink)->seen, 1 << 8,
                                   __ATOMIC_RELAXED);
        }
        NdisInterlockedDecrement(&counter);
        NdisInterlockedIncrement(&counter);
    }
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    return NULL;
}

int main(void)
{
    pthread_t th[THREADS];

    return_values();

    NdisAllocateSpinLock(&qlock);
    NdisAllocateSpinLock(&slock);
    NdisAllocateSpinLock(&ulock);
    NdisInitializeListHead(&queue);
    for (int i = 0; i < N_ENTRIES; i++)
        entries[i].id = i;
    for (int t = 0; t < THREADS; t++)
        CHECK(pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t) == 0);
    for (int t = 0; t < THREADS; t++)
        CHECK(pthread_join(th[t], NULL) == 0);

    /* drain what is left */
    PLIST_ENTRY r;
    while ((r = NdisInterlockedRemoveHeadList(&queue, &qlock)) != NULL)
        CONTAINING_RECORD(r, ENTRY, link)->seen += 1;
    PSINGLE_LIST_ENTRY p;
    while ((p = NdisInterlockedPopEntryList(&stack, &slock)) != NULL)
        CONTAINING_RECORD(p, ENTRY, slink)->seen += 1 << 8;

    /* every entry left each list exactly once: nothing lost, nothing twice */
    for (int i = 0; i < N_ENTRIES; i++)
        if (entries[i].seen != (1 | 1 << 8))
            CHECK_EQ(entries[i].seen, 1 | 1 << 8);
    CHECK_EQ(counter, N_ENTRIES);
    CHECK_EQ(big.QuadPart, 3ll * N_ENTRIES);
    CHECK_EQ(ulong_total, 2u * N_ENTRIES);
    CHECK_DONE();
}
