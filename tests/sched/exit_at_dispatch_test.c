/*
 * A thread that ends at DISPATCH_LEVEL (a bug check on Windows) must not
 * take its simulated processor with it: with cpus=2, eight threads that
 * raise and return leave both processors free, and the main thread and a
 * DPC still get one.  Expect: no hang, the library's note said once, and
 * with the verifier on ("verify" argument) LOCK_HELD_AT_EXIT for the
 * thread's IRQL, exit status 66 (checked by CTest).
 */
#include <ndis.h>
#include <ndislock/sched.h>
#include <ndislock/verifier.h>

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static KDPC dpc;
static LONG ran;

static void *end_at_dispatch(void *arg)
{
    KIRQL old;

    (void)arg;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    return NULL;                                /* BUG: never lowered */
}

static VOID count(PKDPC d, PVOID ctx, PVOID a1, PVOID a2)
{
    (void)d; (void)ctx; (void)a1; (void)a2;
    InterlockedIncrement(&ran);
}

int main(int argc, char **argv)
{
    pthread_t t[8];
    KIRQL old;

    alarm(120);                                 /* a hang is a failure */
    if (argc > 1 && strcmp(argv[1], "verify") == 0)
        CHECK_EQ(ndislock_verifier_configure("verify=1:halt_on_error=0:stats=0"), 0);
    CHECK_EQ(ndislock_sched_configure("cpus=2"), 0);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, end_at_dispatch, NULL), 0);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    KeRaiseIrql(DISPATCH_LEVEL, &old);          /* a processor is free */
    CHECK(KeGetCurrentProcessorNumberEx(NULL) < 2);
    KeLowerIrql(old);
    KeInitializeDpc(&dpc, count, NULL);
    KeSetTargetProcessorDpc(&dpc, 1);
    CHECK(KeInsertQueueDpc(&dpc, NULL, NULL));
    KeFlushQueuedDpcs();
    CHECK_EQ(ran, 1);
    CHECK_DONE();
}
