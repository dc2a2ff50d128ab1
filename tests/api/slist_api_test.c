/*
 * SLists: LIFO order, push returns the previous first entry, pop / flush
 * return NULL when empty, depth counts entries, the sequence changes on every
 * operation (ABA safety), the 16-byte layout of the WDK; and under threads
 * (each popping and pushing back entries of one shared pool) no entry is
 * lost or duplicated and the depth ends where it started.  Entries stay
 * allocated throughout, as SLists require.
 */
#include <ndis.h>

#include <pthread.h>

#include "check.h"

#define POOL 64
#define THREADS 3
#define ITER 100000

typedef struct _ITEM {
    SLIST_ENTRY Link;
    LONG Owner;                     /* 0 while on the list, else the thread id holding it */
} ITEM;

static SLIST_HEADER head;
static ITEM pool[POOL];
static LONG bad;

/* All threads start together, so they overlap even on 2 cores. */
static LONG started;

static void start_gate(void)
{
    InterlockedIncrement(&started);
    while (InterlockedCompareExchange(&started, 0, 0) < THREADS)
        YieldProcessor();
}

static void *churn(void *arg)
{
    start_gate();
    LONG id = (LONG)(intptr_t)arg;
    PSLIST_ENTRY held[4];

    for (int i = 0; i < ITER; i++) {
        int n = 0;
        for (int k = 0; k < 1 + i % 4; k++) {
            PSLIST_ENTRY e = i % 2 ? InterlockedPopEntrySList(&head)
                                   : NdisInterlockedPopEntrySList(&head, NULL);
            if (e == NULL)
                break;
            ITEM *it = CONTAINING_RECORD(e, ITEM, Link);
            if (InterlockedExchange(&it->Owner, id) != 0)
                InterlockedExchange(&bad, 1);       /* popped twice: a lost ABA race */
            held[n++] = e;
        }
        while (n > 0) {
            ITEM *it = CONTAINING_RECORD(held[--n], ITEM, Link);
            InterlockedExchange(&it->Owner, 0);
            if (i % 3)
                InterlockedPushEntrySList(&head, held[n]);
            else
                ExInterlockedPushEntrySList(&head, held[n], NULL);
        }
    }
    return NULL;
}

int main(void)
{
    SLIST_ENTRY a, b, c;
    PSLIST_ENTRY chain;
    ULONG64 seq;
    pthread_t t[THREADS];

    CHECK_EQ(sizeof(SLIST_HEADER), 16u);
    CHECK_EQ(_Alignof(SLIST_HEADER), 16u);
    CHECK_EQ(_Alignof(SLIST_ENTRY), 16u);
    InitializeSListHead(&head);
    CHECK_EQ(QueryDepthSList(&head), 0);
    CHECK(InterlockedPopEntrySList(&head) == NULL);
    CHECK(InterlockedFlushSList(&head) == NULL);
    CHECK(InterlockedPushEntrySList(&head, &a) == NULL);
    CHECK(InterlockedPushEntrySList(&head, &b) == &a);      /* the previous first */
    CHECK(ExInterlockedPushEntrySList(&head, &c, NULL) == &b);
    CHECK_EQ(ExQueryDepthSList(&head), 3);
    CHECK_EQ(NdisQueryDepthSList(&head), 3);
    CHECK(FirstEntrySList(&head) == &c);
    CHECK_EQ(head.HeaderX64.NextEntry, (ULONG64)(uintptr_t)&c >> 4);  /* the WDK layout */
    CHECK_EQ(head.HeaderX64.Depth, 3u);
    seq = head.HeaderX64.Sequence;
    CHECK(InterlockedPopEntrySList(&head) == &c);           /* LIFO */
    CHECK(head.HeaderX64.Sequence != seq);
    CHECK_EQ(QueryDepthSList(&head), 2);
    chain = NdisInterlockedFlushSList(&head);
    CHECK(chain == &b && chain->Next == &a && a.Next == NULL);
    CHECK_EQ(QueryDepthSList(&head), 0);
    CHECK(ExInterlockedPopEntrySList(&head, NULL) == NULL);

    NdisInitializeSListHead(&head);
    for (int i = 0; i < POOL; i++)
        NdisInterlockedPushEntrySList(&head, &pool[i].Link, NULL);
    CHECK_EQ(QueryDepthSList(&head), POOL);
    for (int i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, churn, (void *)(intptr_t)(i + 1)), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(bad, 0);
    CHECK_EQ(QueryDepthSList(&head), POOL);
    {
        int seen[POOL] = { 0 }, n = 0;
        for (PSLIST_ENTRY e = ExInterlockedFlushSList(&head); e != NULL; e = e->Next, n++) {
            ITEM *it = CONTAINING_RECORD(e, ITEM, Link);
            CHECK(it >= pool && it < pool + POOL);
            CHECK_EQ(seen[it - pool]++, 0);
        }
        CHECK_EQ(n, POOL);
    }
    CHECK_DONE();
}
