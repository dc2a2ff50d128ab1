/* Version, DbgPrint and ASSERT support. */
#include <ndislock/ndislock.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sched/sched.h"

#define NDISLOCK_STR_(x) #x
#define NDISLOCK_STR(x)  NDISLOCK_STR_(x)

const char *ndislock_version(void)
{
    return NDISLOCK_STR(NDISLOCK_VERSION_MAJOR) "." NDISLOCK_STR(NDISLOCK_VERSION_MINOR) "."
        NDISLOCK_STR(NDISLOCK_VERSION_PATCH);
}

ULONG ndislock_dbg_print(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    flockfile(stderr);
    fputs("[ndis] ", stderr);
    vfprintf(stderr, fmt, ap);
    funlockfile(stderr);
    va_end(ap);
    return 0;
}

void ndislock_assert_failed(const char *expr, const char *file, int line)
{
    char sched[256];

    /* the schedule settings (seed included) replay the run that failed */
    if (ndislock__sched_describe(sched, sizeof sched) != 0)
        fprintf(stderr, "ndislock: ASSERT(%s) failed at %s:%d (IRQL %u, schedule %s)\n", expr,
                file, line, (unsigned)ndislock_irql_current(), sched);
    else
        fprintf(stderr, "ndislock: ASSERT(%s) failed at %s:%d (IRQL %u)\n", expr, file, line,
                (unsigned)ndislock_irql_current());
    abort();
}
