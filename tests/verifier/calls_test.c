/*
 * Every row of the call table (src/core/calls.h) is judged by its IRQL
 * range: one level above its maximum is IRQL_CALL_TOO_HIGH (a wait row:
 * BLOCKING_AT_DISPATCH), one below its minimum is IRQL_DPR_NOT_DISPATCH,
 * inside it nothing; a stall over 50 us is STALL_TOO_LONG, a wait with a
 * zero timeout (a poll) never blocks.  New rows are covered as they land.
 */
#include "check.h"

#include <ndis.h>
#include <ndislock/verifier.h>
#include <string.h>
#include <unistd.h>

#include "core/events.h"

static const struct {
    const char *name;
    unsigned lo, hi, flags;
} rows[NDISLOCK_CALL_COUNT] = {
#define ROW_(id, name, lo, hi, fl, ref) { name, lo, hi, fl },
    NDISLOCK_CALL_TABLE(ROW_)
#undef ROW_
};

static void at(unsigned irql, enum ndislock_call c, enum ndislock_event_kind kind, int64_t arg)
{
    KIRQL saved = ndislock_tls.irql;

    ndislock_tls.irql = (KIRQL)irql;                /* simulated, as src/contexts would be */
    NDISLOCK_EVENT_EX(kind, c, NULL, arg, NULL);
    ndislock_tls.irql = saved;
}

static enum ndislock_event_kind kind_of(unsigned flags)
{
    return (flags & NDISLOCK_CALLF_WAIT) ? NDISLOCK_EV_WAIT
         : (flags & NDISLOCK_CALLF_STALL) ? NDISLOCK_EV_STALL : NDISLOCK_EV_CALL;
}

int main(void)
{
    CHECK_EQ(ndislock_verifier_configure("verify=1:halt_on_error=0"), 0);
    unsigned long n = 0;
    for (int c = 1; c < NDISLOCK_CALL_COUNT; c++) {
        enum ndislock_event_kind k = kind_of(rows[c].flags);
        int64_t arg = k == NDISLOCK_EV_STALL ? 10 : 0;
        for (unsigned irql = rows[c].lo; irql <= rows[c].hi && irql <= 15; irql++)
            at(irql, (enum ndislock_call)c, k, arg);
        CHECK_EQ(ndislock_verifier_report_count(), n);      /* inside the range: silent */
        if (rows[c].hi < 15) {
            at(rows[c].hi + 1, (enum ndislock_call)c, k, arg);
            CHECK_EQ(ndislock_verifier_report_count(), ++n);
        }
        if (rows[c].lo > 0) {
            at(rows[c].lo - 1, (enum ndislock_call)c, k, arg);
            CHECK_EQ(ndislock_verifier_report_count(), ++n);
        }
        if (k == NDISLOCK_EV_STALL) {
            at(rows[c].lo, (enum ndislock_call)c, k, 51);
            CHECK_EQ(ndislock_verifier_report_count(), ++n);
        }
        if (k == NDISLOCK_EV_WAIT) {
            at(rows[c].lo, (enum ndislock_call)c, k, -10);  /* a real wait, where allowed */
            CHECK_EQ(ndislock_verifier_report_count(), n);
        }
    }
    printf("%d rows, %lu reports\n", NDISLOCK_CALL_COUNT - 1, n);
    CHECK_EQ(ndislock_verifier_configure("verify=0:log="), 0);
    CHECK_DONE();
}
