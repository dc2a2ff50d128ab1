/*
 * Defect: fork() while another thread was inside the verifier left the
 * child deadlocked on the verifier's mutex (no atfork handling).  Expect:
 * while two threads keep the verifier's slow paths busy (initializing and
 * freeing locks, reporting), 200 forked children each initialize, take and
 * free locks and exit promptly; a child that hangs past 10 s fails the test.
 */
#include "robust.h"

#include <ndis.h>
#include <ndislock/verifier.h>
#include <pthread.h>
#include <time.h>

static int stop;
static NDIS_SPIN_LOCK free_lock;

static void *churn(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        NDIS_SPIN_LOCK *l = malloc(sizeof *l);
        NdisAllocateSpinLock(l);                    /* takes the verifier's mutex */
        NdisAcquireSpinLock(l);
        NdisReleaseSpinLock(l);
        NdisFreeSpinLock(l);
        free(l);
        NdisReleaseSpinLock(&free_lock);            /* a report: mutex + symbolizer */
    }
    return NULL;
}

static int wait_child(pid_t pid)
{
    struct timespec t0, now;
    int st;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return st;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > (ROBUST_SANITIZED ? 40 : 10)) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        usleep(1000);
    }
}

int main(void)
{
    pthread_t th[2];
    int forks = ROBUST_SANITIZED ? 50 : 200;

    robust_deadline(300);
    /* log to /dev/null: the release reports are the load, not the subject */
    CHECK_EQ(ndislock_verifier_configure("verify=1:halt_on_error=0:log=/dev/null"), 0);
    NdisAllocateSpinLock(&free_lock);
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, churn, NULL);
    for (int i = 0; i < forks; i++) {
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            NDIS_SPIN_LOCK l;
            NdisAllocateSpinLock(&l);
            NdisAcquireSpinLock(&l);
            NdisReleaseSpinLock(&l);
            unsigned long before = ndislock_verifier_report_count();
            NdisReleaseSpinLock(&l);                /* the child's verifier still reports */
            unsigned long after = ndislock_verifier_report_count();
            NdisFreeSpinLock(&l);
            ndislock_verifier_configure("verify=0");
            _exit(after == before + 1 ? 0 : 3);
        }
        int st = wait_child(pid);
        CHECK(st != -1);                            /* -1: the child hung */
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
            fprintf(stderr, "child: exit %d, signal %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    CHECK_DONE();
}
