/*
 * Defect: a SIGABRT handler that calls exit() after an abort-on-error
 * report blocked forever: the exit statistics waited for the verifier's
 * mutex, which the aborting report still held.  Expect: the child reports,
 * aborts, its handler exits with status 3, within the time limit; the exit
 * statistics are printed.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>

static void on_abort(int sig)
{
    (void)sig;
    exit(3);
}

static void child(void)
{
    NDIS_SPIN_LOCK l;

    signal(SIGABRT, on_abort);
    ndislock_verifier_configure("verify=1");        /* halt_on_error=1: abort() on the report */
    NdisAllocateSpinLock(&l);
    NdisReleaseSpinLock(&l);                        /* LOCK_RELEASE_NOT_HELD */
    _exit(4);                                       /* not reached */
}

int main(void)
{
    static char err[1 << 16];

    robust_deadline(60);
    int st = robust_child(child, err, sizeof err, 20);
    if (!WIFEXITED(st))
        fprintf(stderr, "child: %s\n", err);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 3);
    CHECK(strstr(err, "LOCK_RELEASE_NOT_HELD") != NULL);
    CHECK(strstr(err, "ndislock: lock statistics") != NULL);
    CHECK_DONE();
}
