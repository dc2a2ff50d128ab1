/*
 * Regression (issue 9): in the child of a parent that had used timers and
 * DPCs, timers never fired and DPCs never ran (the library's worker threads
 * do not survive fork, but the child's copy said they were running).  The
 * child sets a timer and queues a DPC and must see both run (bound: 30 s);
 * before the fix it timed out and exited 1.
 */
#include <ndis.h>

#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static NDIS_EVENT timer_fired, dpc_ran;

static VOID OnTimer(PVOID S1, PVOID Ctx, PVOID S2, PVOID S3)
{
    (void)S1; (void)Ctx; (void)S2; (void)S3;
    NdisSetEvent(&timer_fired);
}

static VOID OnDpc(PKDPC Dpc, PVOID Ctx, PVOID A1, PVOID A2)
{
    (void)Dpc; (void)Ctx; (void)A1; (void)A2;
    NdisSetEvent(&dpc_ran);
}

static NDIS_HANDLE timer;
static KDPC dpc;

/* Sets the timer and queues the DPC; 1 if both ran within 30 s. */
static int use_both(void)
{
    LARGE_INTEGER due;

    NdisResetEvent(&timer_fired);
    NdisResetEvent(&dpc_ran);
    due.QuadPart = -10000;
    NdisSetTimerObject(timer, due, 0, NULL);
    KeInsertQueueDpc(&dpc, NULL, NULL);
    return NdisWaitEvent(&timer_fired, 30000) && NdisWaitEvent(&dpc_ran, 30000);
}

int main(void)
{
    NDIS_TIMER_CHARACTERISTICS tc;
    pid_t pid;
    int st = 0;

    NdisInitializeEvent(&timer_fired);
    NdisInitializeEvent(&dpc_ran);
    NdisZeroMemory(&tc, sizeof(tc));
    tc.TimerFunction = OnTimer;
    CHECK_EQ(NdisAllocateTimerObject(NULL, &tc, &timer), NDIS_STATUS_SUCCESS);
    KeInitializeDpc(&dpc, OnDpc, NULL);
    CHECK(use_both());                  /* the parent's threads are running now */

    fflush(NULL);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(use_both() ? 0 : 1);      /* the child: its own threads must start */
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);

    CHECK(use_both());                  /* and the parent's still work */
    NdisFreeTimerObject(timer);
    ndislock_contexts_shutdown();
    CHECK_DONE();
}
