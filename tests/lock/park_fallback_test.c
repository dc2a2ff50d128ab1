/*
 * park_fallback_test - a kernel that refuses membarrier (a seccomp filter
 * here, as container runtimes install) must not silently drop the lock's
 * wake-up guarantee (src/lock/park.c).  The test re-runs itself with a
 * filter that fails membarrier with ENOSYS and checks, in the child: sleeps
 * are bounded (a park nobody ends returns), contended locking with sleepers
 * still completes with nothing lost; and in the parent: the child said so,
 * once, on stderr.  Skipped (77) where a seccomp filter cannot be installed
 * (e.g. under qemu-user).
 */
#define _GNU_SOURCE
#include <ndis.h>

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "lock/park.h"

#if defined(__x86_64__)
#define THIS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH AUDIT_ARCH_AARCH64
#endif

static int deny_membarrier(void)
{
#ifdef THIS_ARCH
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_membarrier, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { (unsigned short)(sizeof(f) / sizeof(f[0])), f };

    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
           prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0 &&
           syscall(SYS_membarrier, 0, 0, 0) == -1 && errno == ENOSYS;
#else
    return 0;
#endif
}

/* --- the child: ndislock without membarrier --- */

static NDIS_SPIN_LOCK lock;
static long counter;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++) {
        NdisAcquireSpinLock(&lock);
        long c = counter;
        if (i % 100 == 0) {                 /* long holds: the others sleep */
            struct timespec d = { 0, 200000 };
            nanosleep(&d, NULL);
        }
        counter = c + 1;
        NdisReleaseSpinLock(&lock);
    }
    return NULL;
}

static int child(void)
{
    pthread_t t[4];
    uint32_t word = 0;
    struct timespec t0, t1;

    CHECK(ndislock__park_bounded());
    /* A park that nobody ends returns by itself (the bound is 1 ms; the check
     * only guards against an unbounded sleep). */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ndislock__park(&word, 0, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(t1.tv_sec - t0.tv_sec < 10);
    NdisAllocateSpinLock(&lock);
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
    for (int i = 0; i < 4; i++)
        CHECK(pthread_join(t[i], NULL) == 0);
    CHECK_EQ(counter, 4 * 2000);
    CHECK(KeTestSpinLock(&lock.SpinLock));
    CHECK_DONE();
}

/* --- the parent: run the child under the filter, read its stderr --- */

int main(int argc, char **argv)
{
    int fd[2];

    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child();
    CHECK(!ndislock__park_bounded());       /* this machine has membarrier */
    CHECK(pipe(fd) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        if (!deny_membarrier())
            _exit(77);
        execl("/proc/self/exe", argv[0], "child", (char *)NULL);
        _exit(126);
    }
    close(fd[1]);
    char err[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof(err) - 1 && (r = read(fd[0], err + n, sizeof(err) - 1 - n)) > 0)
        n += (size_t)r;
    err[n] = 0;
    close(fd[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        printf("SKIP: cannot install a seccomp filter here\n");
        return 77;
    }
    fputs(err, stdout);
    CHECK_EQ(WEXITSTATUS(status), 0);
    const char *note = strstr(err, "ndislock: membarrier");
    CHECK(note != NULL);                    /* said so ... */
    CHECK(strstr(note + 1, "ndislock: membarrier") == NULL);   /* ... once */
    CHECK(strstr(err, "bounded") != NULL);
    CHECK_DONE();
}
