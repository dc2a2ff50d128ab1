/* Due times -> deadlines (due.h), and the system-time clock absolute due times use. */
#include "due.h"

#include <time.h>

#include <ndislock/contexts.h>

#include "core/events.h"
#include "lock/park.h"
#include "sched/sched.h"

/* 11644473600 s from 1601-01-01 to 1970-01-01 */
#define EPOCH_1601_S 11644473600ll

int64_t ndislock_system_time(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec + EPOCH_1601_S) * 10000000ll + ts.tv_nsec / 100;
}

/* 100 ns units -> ns, saturating. */
static uint64_t units_to_ns(uint64_t units)
{
    return units > UINT64_MAX / 100u ? UINT64_MAX : units * 100u;
}

uint64_t ndislock__due_rel_ns(int64_t due)
{
    if (due < 0)    /* unsigned negation: defined for INT64_MIN too */
        return units_to_ns((uint64_t)0 - (uint64_t)due);
    int64_t now = ndislock_system_time();
    return due > now ? units_to_ns((uint64_t)due - (uint64_t)now) : 0;
}

uint64_t ndislock__deadline_after(uint64_t rel_ns)
{
    uint64_t now = ndislock__sched_now_ns();    /* the clock of waits: virtual under sched=pct */

    return rel_ns > UINT64_MAX - now ? UINT64_MAX : now + rel_ns;
}

int64_t ndislock__wait_arg(const int64_t *timeout)
{
    uint64_t rel;

    if (timeout == NULL)
        return NDISLOCK_WAIT_FOREVER;
    if (*timeout < 0)
        return *timeout == INT64_MIN ? INT64_MIN + 1 : *timeout;   /* FOREVER is reserved */
    rel = ndislock__due_rel_ns(*timeout) / 100u;
    return rel > (uint64_t)INT64_MAX ? -INT64_MAX : -(int64_t)rel;
}
