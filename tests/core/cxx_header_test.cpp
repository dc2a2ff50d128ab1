// <ndis.h> from C++: extern "C" linkage, the macros and inlines compile and behave.
#include <ndis.h>

#include <cstdio>
#include <cstdlib>

#define CHECK(c)                                                                \
    do {                                                                        \
        if (!(c)) {                                                             \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
            std::exit(1);                                                       \
        }                                                                       \
    } while (0)

struct Adapter {
    NDIS_SPIN_LOCK Lock;
    LIST_ENTRY Queue;
    LONG Count;
};

int main()
{
    Adapter a{};
    LIST_ENTRY e;
    KIRQL old;

    NdisAllocateSpinLock(&a.Lock);
    NdisInitializeListHead(&a.Queue);
    NdisAcquireSpinLock(&a.Lock);
    CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL);
    InsertTailList(&a.Queue, &e);
    NdisReleaseSpinLock(&a.Lock);
    CHECK(NdisInterlockedRemoveHeadList(&a.Queue, &a.Lock) == &e);
    CHECK(NdisInterlockedIncrement(&a.Count) == 1);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    NdisDprAcquireSpinLock(&a.Lock);
    NdisDprReleaseSpinLock(&a.Lock);
    KeLowerIrql(old);
    NdisFreeSpinLock(&a.Lock);
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
    std::printf("cxx_header_test: ok\n");
    return 0;
}
