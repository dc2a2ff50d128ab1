/*
 * Regression (issue 12): when the library cannot start its DPC thread
 * (pthread_create fails), it aborted with no message.  Now it says which
 * thread and why (strerror of the error).  A child limits its address space
 * so that no thread stack fits, queues a DPC and must die of SIGABRT with
 * that message on stderr; before the fix stderr was empty.
 */
#define _GNU_SOURCE
#include <ndis.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static VOID OnDpc(PKDPC Dpc, PVOID Ctx, PVOID A1, PVOID A2)
{
    (void)Dpc; (void)Ctx; (void)A1; (void)A2;
}

/* The process's current virtual size in bytes (VmSize). */
static unsigned long vm_size(void)
{
    char line[128];
    unsigned long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");

    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kb * 1024;
}

int main(void)
{
    int fds[2], st = 0;
    char err[1024];
    ssize_t n;
    pid_t pid;

    CHECK_EQ(pipe(fds), 0);
    fflush(NULL);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        KDPC dpc;
        struct rlimit rl;

        dup2(fds[1], 2);
        KeInitializeDpc(&dpc, OnDpc, NULL);
        /* room for nothing new: an 8 MB thread stack cannot be mapped */
        rl.rlim_cur = rl.rlim_max = vm_size() + (1u << 20);
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(3);
        KeInsertQueueDpc(&dpc, NULL, NULL);
        _exit(4);                       /* a thread was created after all: inconclusive */
    }
    close(fds[1]);
    n = read(fds[0], err, sizeof err - 1);
    err[n > 0 ? n : 0] = '\0';
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 4) {
        printf("the thread could be created under the limit: nothing to check here\n");
        CHECK_DONE();
    }
    fprintf(stderr, "child said: %s", err);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGABRT);
    CHECK(strstr(err, "ndislock: cannot start the DPC thread: pthread_create: ") != NULL);
    CHECK(strstr(err, strerror(EAGAIN)) != NULL);
    CHECK_DONE();
}
