/* NdisMSleep, NdisStallExecution and KeStallExecutionProcessor. */
#include <ndislock/contexts.h>

#include "core/events.h"
#include "lock/park.h"
#include "sched/sched.h"

void ndislock_sleep_us(uint32_t us)
{
    /* The verifier checks IRQL and held locks here (BLOCKING_AT_DISPATCH). */
    NDISLOCK_CHECK_WAIT(NdisMSleep, -(int64_t)us * 10);
    ndislock__sleep_until(ndislock__sched_now_ns() + (uint64_t)us * 1000u);  /* virtual under pct */
}

static void stall(uint32_t us)
{
    uint64_t end = ndislock__now_ns() + (uint64_t)us * 1000u;

    while (ndislock__now_ns() < end)
        ndislock_pr_pause();
}

void ndislock_stall_us(uint32_t us)
{
    NDISLOCK_CHECK_STALL(NdisStallExecution, us);   /* STALL_TOO_LONG over 50 us */
    stall(us);
}

void ndislock_stall_processor_us(uint32_t us)
{
    NDISLOCK_CHECK_STALL(KeStallExecutionProcessor, us);
    stall(us);
}
