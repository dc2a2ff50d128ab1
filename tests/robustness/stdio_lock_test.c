/*
 * Defect: a thread holding stderr's lock (flockfile) while another thread
 * reported deadlocked with the verifier, which printed with stdio (ABBA).
 * Expect: with stderr locked by this thread, another thread's report
 * completes (it is written with write(2)), and so do the exit statistics
 * of a child that exits with stdout locked by a thread.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>
#include <pthread.h>

static NDIS_SPIN_LOCK l;

static void *reporter(void *arg)
{
    (void)arg;
    NdisReleaseSpinLock(&l);                        /* LOCK_RELEASE_NOT_HELD */
    return NULL;
}

static void *hold_stdout(void *arg)
{
    flockfile(stdout);
    __atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
    pause();
    return NULL;
}

static void child(void)
{
    pthread_t th;
    int held = 0;

    ndislock_verifier_configure("verify=1:halt_on_error=0");
    NDIS_SPIN_LOCK c;
    NdisAllocateSpinLock(&c);
    NdisReleaseSpinLock(&c);                        /* an error: exit 66 after the statistics */
    printf("buffered output\n");
    pthread_create(&th, NULL, hold_stdout, &held);
    while (!__atomic_load_n(&held, __ATOMIC_ACQUIRE))
        usleep(1000);
    exit(0);
}

int main(void)
{
    static char err[1 << 16];
    pthread_t th;

    robust_deadline(60);
    CHECK_EQ(ndislock_verifier_configure("verify=1:halt_on_error=0"), 0);
    NdisAllocateSpinLock(&l);
    flockfile(stderr);
    pthread_create(&th, NULL, reporter, NULL);
    CHECK_EQ(pthread_join(th, NULL), 0);            /* never returns if it waits for stderr */
    funlockfile(stderr);
    CHECK_EQ(ndislock_verifier_report_count(), 1);
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);

    int st = robust_child(child, err, sizeof err, 30);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 66);
    CHECK(strstr(err, "ndislock: lock statistics") != NULL);
    CHECK(strstr(err, "exiting with status 66") != NULL);
    CHECK_DONE();
}
