/*
 * Defect: a driver frame compiled without -g, in a binary whose other CUs
 * have line tables (the library linked statically), was named with a
 * neighbouring CU's file:line ("Send park.c:93"): libdw's address lookup
 * returned a CU that does not hold the address.  Expect: the driver frame
 * shows its function and its module, never a file:line of another CU.  This
 * file is built with -g0 (tests/robustness/CMakeLists.txt).
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>

static NDIS_SPIN_LOCK l;

__attribute__((noinline)) void robust_nodebug_release_twice(void)
{
    NdisAcquireSpinLock(&l);
    NdisReleaseSpinLock(&l);
    NdisReleaseSpinLock(&l);                        /* LOCK_RELEASE_NOT_HELD */
    __asm__ __volatile__("" ::: "memory");
}

static void child(void)
{
    ndislock_verifier_configure("verify=1:halt_on_error=0:stats=0");
    NdisAllocateSpinLock(&l);
    robust_nodebug_release_twice();
    _exit(0);
}

int main(void)
{
    static char err[1 << 16];
    int st = robust_child(child, err, sizeof err, 60);

    CHECK(WIFEXITED(st));
    CHECK_EQ(robust_count(err, "LOCK_RELEASE_NOT_HELD"), 1);
    const char *frame = strstr(err, " in robust_nodebug_release_twice ");
    if (frame == NULL || strchr(frame, '\n') == NULL)
        fprintf(stderr, "%s\n", err);
    CHECK(frame != NULL);
    /* the rest of that line: "(module)" or "(module+0x..)", never "file.c:N" */
    const char *where = frame + strlen(" in robust_nodebug_release_twice ");
    CHECK(where[0] == '(');
    CHECK_DONE();
}
