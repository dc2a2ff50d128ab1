// The context macros from C++, each used as the lone statement of an
// unbraced if/else (statement safety) and as an expression where WDK returns a value.
#include <ndis.h>

#include <cstdio>

static BOOLEAN sync_true(NDIS_HANDLE) { return TRUE; }
static VOID on_timer(PVOID, PVOID, PVOID, PVOID) {}

int main()
{
    NDIS_HANDLE intr = NULL, timer = NULL;
    NDIS_TIMER_CHARACTERISTICS tc = {};
    LARGE_INTEGER due;
    LOCK_STATE_EX st;
    PNDIS_RW_LOCK_EX rw = NdisAllocateRWLock(NULL);
    int flip = 1;

    tc.TimerFunction = on_timer;
    if (NdisAllocateTimerObject(NULL, &tc, &timer) != NDIS_STATUS_SUCCESS)
        return 1;
    due.QuadPart = -10000;
    if (flip)
        NdisSetTimerObject(timer, due, 0, NULL);
    else
        NdisCancelTimerObject(timer);
    if (flip)
        NdisCancelTimerObject(timer);
    else
        NdisSetTimerObject(timer, due, 0, NULL);
    if (flip)
        NdisFreeTimerObject(timer);
    else
        NdisMSleep(1);
    if (flip)
        NdisAcquireRWLockRead(rw, &st, 0);
    else
        NdisAcquireRWLockWrite(rw, &st, 0);
    if (flip)
        NdisReleaseRWLock(rw, &st);
    else
        NdisStallExecution(1);
    NdisFreeRWLock(rw);
    if (flip)
        NdisMSynchronizeWithInterruptEx(intr, 0, sync_true, NULL);   // not registered: FALSE
    else
        NdisMDeregisterInterruptEx(intr);
    BOOLEAN r = NdisMSynchronizeWithInterruptEx(intr, 0, sync_true, NULL);
    std::printf("contexts_cxx_test: ok (%d)\n", (int)r);
    ndislock_contexts_shutdown();
    return r == FALSE ? 0 : 1;
}
