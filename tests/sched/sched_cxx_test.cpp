// ndislock/sched.h and the simulated-processor inlines of <ndis.h> from C++.
#include <ndis.h>
#include <ndislock/sched.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#define CHECK(c)                                                                \
    do {                                                                        \
        if (!(c)) {                                                             \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
            std::exit(1);                                                       \
        }                                                                       \
    } while (0)

int main()
{
    char line[32];
    KIRQL old;
    NDIS_SPIN_LOCK l;

    CHECK(ndislock_sched_configure("cpus=3") == 0);
    CHECK(ndislock_sched_describe(line, sizeof line) == 6 && std::strcmp(line, "cpus=3") == 0);
    CHECK(KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS) == 3);
    NdisAllocateSpinLock(&l);
    for (int i = 0; i < 100; i++) {     // enough to earn the processor's bias
        KeRaiseIrql(DISPATCH_LEVEL, &old);
        CHECK(KeGetCurrentProcessorNumber() < 3);
        KeLowerIrql(old);
        NdisAcquireSpinLock(&l);
        CHECK(KeGetCurrentIrql() == DISPATCH_LEVEL && KeGetCurrentProcessorNumber() < 3);
        NdisReleaseSpinLock(&l);
    }
    CHECK(KeGetCurrentIrql() == PASSIVE_LEVEL);
    NdisFreeSpinLock(&l);
    std::printf("sched_cxx_test: passed\n");
    return 0;
}
