/*
 * Processor numbers.  With simulated processors (cpus=N, src/sched/cpus.c)
 * they are those: N of them, and the current one is the processor the
 * thread owns at DISPATCH_LEVEL or above, else the last one it owned (a
 * thread below DISPATCH_LEVEL may be on any processor, on Windows too).
 * Otherwise: the host CPUs of the process's affinity mask at first use,
 * ranked 0..count-1 (rank[] maps a host CPU id to its processor index).
 */
#define _GNU_SOURCE
#include <ndislock/processor.h>

#include <pthread.h>
#include <sched.h>

#include "core/events.h"
#include "sched/sched.h"

#define HOST_CPUS CPU_SETSIZE

static uint16_t rank[HOST_CPUS];        /* host CPU -> index + 1; 0: not one of ours */
static uint32_t count = 1;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void discover(void)
{
    cpu_set_t set;
    uint32_t n = 0;

    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        for (int cpu = 0; cpu < HOST_CPUS && n < NDISLOCK_MAX_PROCESSORS; cpu++)
            if (CPU_ISSET(cpu, &set))
                rank[cpu] = (uint16_t)++n;
    count = n > 0 ? n : 1;
}

uint32_t ndislock_processor_count(void)
{
    uint32_t n = ndislock__cpus();

    if (n != 0)
        return n;
    pthread_once(&once, discover);
    return count;
}

uint64_t ndislock_processor_mask(void)
{
    uint32_t n = ndislock_processor_count();

    return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

uint32_t ndislock_processor_current(void)
{
    if (ndislock__cpus() != 0)
        return ndislock__cpu_current();

    uint32_t n = ndislock_processor_count();
    int cpu = sched_getcpu();

    if (cpu >= 0 && cpu < HOST_CPUS && rank[cpu] != 0)
        return rank[cpu] - 1u;
    /* a CPU outside the first affinity mask (it changed since): still in range */
    return cpu >= 0 ? (uint32_t)cpu % n : 0;
}

uint32_t ndislock_ndis_processor_count(void)
{
    NDISLOCK_CHECK_CALL(NdisSystemProcessorCount);
    return ndislock_processor_count();
}

uint32_t ndislock_ndis_processor_index(void)
{
    NDISLOCK_CHECK_CALL(NdisCurrentProcessorIndex);
    return ndislock_processor_current();
}
