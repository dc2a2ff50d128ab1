/*
 * Defect: pthread_cancel of a thread inside a report left the verifier's
 * mutex (and stderr's lock) held; every later report hung.  Expect: a
 * thread whose report blocks in write(2) on a full pipe is cancelled; once
 * the pipe drains its report completes, the cancellation takes effect, and
 * the verifier's slow paths (a new lock, another report) still work.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>
#include <pthread.h>

static NDIS_SPIN_LOCK l, m;
static int in_report;

static void *reporter(void *arg)
{
    (void)arg;
    __atomic_store_n(&in_report, 1, __ATOMIC_RELEASE);
    NdisReleaseSpinLock(&l);                        /* LOCK_RELEASE_NOT_HELD: blocks writing */
    for (;;)
        pthread_testcancel();
    return NULL;
}

static void *drain(void *arg)
{
    char buf[4096];
    int fd = *(int *)arg;

    while (read(fd, buf, sizeof buf) > 0)
        ;
    return NULL;
}

int main(void)
{
    int p[2];
    char opts[128];
    pthread_t th, dr;

    robust_deadline(60);
    CHECK(pipe(p) == 0);
    CHECK(fcntl(p[1], F_SETFL, 0) == 0);
    /* fill the pipe so the report's write blocks */
    CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
    char junk[4096];
    memset(junk, 'x', sizeof junk);
    while (write(p[1], junk, sizeof junk) > 0)
        ;
    CHECK(fcntl(p[1], F_SETFL, 0) == 0);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:log=/proc/self/fd/%d", p[1]);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
    NdisAllocateSpinLock(&l);
    pthread_create(&th, NULL, reporter, NULL);
    while (!__atomic_load_n(&in_report, __ATOMIC_ACQUIRE))
        usleep(1000);
    usleep(100000);                                 /* inside write(2) by now */
    CHECK_EQ(pthread_cancel(th), 0);
    usleep(50000);
    pthread_create(&dr, NULL, drain, &p[0]);
    void *res;
    CHECK_EQ(pthread_join(th, &res), 0);
    CHECK(res == PTHREAD_CANCELED);
    CHECK_EQ(ndislock_verifier_report_count(), 1);
    NdisAllocateSpinLock(&m);                       /* the verifier's mutex is free */
    NdisReleaseSpinLock(&m);                        /* and reports still work */
    CHECK_EQ(ndislock_verifier_report_count(), 2);
    CHECK_EQ(ndislock_verifier_configure("verify=0:log="), 0);
    close(p[1]);
    pthread_join(dr, NULL);
    CHECK_DONE();
}
