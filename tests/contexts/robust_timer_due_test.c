/*
 * Regression (issue 9): a relative due time of -2^62 or INT64_MIN is tens of
 * thousands of years ahead, but the 100 ns -> ns conversion overflowed to
 * "now" and the timers fired at once.  Deterministic: a witness timer due in
 * 20 ms fires after every timer due before it (one timer thread, sorted by
 * due time), so once the witness has run the huge ones must still be queued.
 * Failed before the fix (both fired first; cancel returned FALSE).
 */
#include <ndis.h>

#include "check.h"

static LONG fired_huge;
static NDIS_EVENT witness_fired;

static VOID Huge(PVOID S1, PVOID Ctx, PVOID S2, PVOID S3)
{
    (void)S1; (void)Ctx; (void)S2; (void)S3;
    InterlockedIncrement(&fired_huge);
}

static VOID Witness(PVOID S1, PVOID Ctx, PVOID S2, PVOID S3)
{
    (void)S1; (void)Ctx; (void)S2; (void)S3;
    NdisSetEvent(&witness_fired);
}

static NDIS_HANDLE make(PNDIS_TIMER_FUNCTION fn)
{
    NDIS_TIMER_CHARACTERISTICS tc;
    NDIS_HANDLE t;

    NdisZeroMemory(&tc, sizeof(tc));
    tc.TimerFunction = fn;
    CHECK_EQ(NdisAllocateTimerObject(NULL, &tc, &t), NDIS_STATUS_SUCCESS);
    return t;
}

int main(void)
{
    NDIS_HANDLE a = make(Huge), b = make(Huge), c = make(Huge), w = make(Witness);
    LARGE_INTEGER due;

    NdisInitializeEvent(&witness_fired);
    due.QuadPart = -(1LL << 62);
    NdisSetTimerObject(a, due, 0, NULL);
    due.QuadPart = INT64_MIN;
    NdisSetTimerObject(b, due, 0, NULL);
    due.QuadPart = INT64_MAX;           /* absolute, year ~30800 */
    NdisSetTimerObject(c, due, 0, NULL);
    due.QuadPart = -20 * 10000;
    NdisSetTimerObject(w, due, 0, NULL);
    CHECK(NdisWaitEvent(&witness_fired, 30000));
    CHECK_EQ(InterlockedCompareExchange(&fired_huge, 0, 0), 0);
    CHECK_EQ(NdisCancelTimerObject(a), TRUE);   /* still queued */
    CHECK_EQ(NdisCancelTimerObject(b), TRUE);
    CHECK_EQ(NdisCancelTimerObject(c), TRUE);
    NdisFreeTimerObject(a);
    NdisFreeTimerObject(b);
    NdisFreeTimerObject(c);
    NdisFreeTimerObject(w);
    ndislock_contexts_shutdown();
    CHECK_DONE();
}
