/* NdisMSleep and NdisStallExecution wait at least as long as asked. */
#include <ndis.h>

#include <time.h>

#include "check.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(void)
{
    uint64_t t0 = now_ns();
    KIRQL old;

    NdisMSleep(5000);
    CHECK(now_ns() - t0 >= 5000000ull);

    KeRaiseIrql(DISPATCH_LEVEL, &old);
    t0 = now_ns();
    NdisStallExecution(50);                 /* allowed at DISPATCH_LEVEL */
    CHECK(now_ns() - t0 >= 50000ull);
    KeStallExecutionProcessor(10);
    KeLowerIrql(old);
    CHECK_DONE();
}
