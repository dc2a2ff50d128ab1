/*
 * A driver-style program written only against the Windows names, built
 * against the INSTALLED package (pkg-config and CMake find_package) by
 * install_test.sh, and run with many threads.
 */
#include <ndis.h>

#include <pthread.h>
#include <stdio.h>

#define THREADS 6
#define ROUNDS  20000

typedef struct _PACKET {
    LIST_ENTRY Link;
    ULONG Id;
} PACKET;

typedef struct _ADAPTER {
    NDIS_SPIN_LOCK SendLock;
    KSPIN_LOCK StatsLock;
    LIST_ENTRY SendQueue;
    ULONG Sent;
    LARGE_INTEGER Bytes;
    LONG Active;
} ADAPTER;

static ADAPTER Adapter;
static PACKET Packets[THREADS][ROUNDS];

static void *SendThread(void *Context)
{
    PACKET *mine = Context;
    KIRQL OldIrql;

    for (ULONG i = 0; i < ROUNDS; i++) {
        mine[i].Id = i;
        NdisInterlockedInsertTailList(&Adapter.SendQueue, &mine[i].Link, &Adapter.SendLock);

        NdisAcquireSpinLock(&Adapter.SendLock);
        ASSERT(KeGetCurrentIrql() == DISPATCH_LEVEL);
        PLIST_ENTRY e = IsListEmpty(&Adapter.SendQueue) ? NULL : RemoveHeadList(&Adapter.SendQueue);
        if (e != NULL)
            Adapter.Sent++;
        NdisReleaseSpinLock(&Adapter.SendLock);

        KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
        NdisDprAcquireSpinLock(&Adapter.SendLock);
        Adapter.Sent += 0;
        NdisDprReleaseSpinLock(&Adapter.SendLock);
        KeAcquireSpinLockAtDpcLevel(&Adapter.StatsLock);
        Adapter.Bytes.QuadPart += 64;
        KeReleaseSpinLockFromDpcLevel(&Adapter.StatsLock);
        KeLowerIrql(OldIrql);
        NdisInterlockedIncrement(&Adapter.Active);
    }
    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];

    NdisAllocateSpinLock(&Adapter.SendLock);
    KeInitializeSpinLock(&Adapter.StatsLock);
    NdisInitializeListHead(&Adapter.SendQueue);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, SendThread, Packets[i]);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    while (NdisInterlockedRemoveHeadList(&Adapter.SendQueue, &Adapter.SendLock) != NULL)
        Adapter.Sent++;
    NdisFreeSpinLock(&Adapter.SendLock);

    ULONG expect = THREADS * ROUNDS;
    printf("sent %u/%u, bytes %lld, active %d\n", Adapter.Sent, expect,
           (long long)Adapter.Bytes.QuadPart, Adapter.Active);
    return !(Adapter.Sent == expect && Adapter.Bytes.QuadPart == 64ll * expect &&
             Adapter.Active == (LONG)expect);
}
