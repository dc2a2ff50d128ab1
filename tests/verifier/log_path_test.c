/*
 * log_path=P: each process writes its reports to P.<pid>.  A forked child
 * opens its own file, so its reports never land in (or clobber) the
 * parent's, and the parent's file keeps what it had.
 */
#define _GNU_SOURCE
#include "check.h"

#include <ndislock/ndislock.h>
#include <ndislock/verifier.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct ndislock_site s_parent = { "parent_lock", "log_path_test.c", 1 };
static const struct ndislock_site s_child = { "child_lock", "log_path_test.c", 2 };
static ndislock_spin_t parent_lock, child_lock;
static char dir[] = "/tmp/ndislock_logpath_XXXXXX";

static void slurp(pid_t pid, char *buf, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/nd.%d", dir, (int)pid);
    FILE *f = fopen(path, "r");
    size_t k = f ? fread(buf, 1, n - 1, f) : 0;
    buf[k] = '\0';
    if (f)
        fclose(f);
    CHECK(f != NULL);
}

/* A release of a lock nobody holds: LOCK_RELEASE_NOT_HELD, skipped (halt_on_error=0). */
static void misuse(ndislock_spin_t *l)
{
    ndislock_spin_release_from_dpc(l);
}

int main(void)
{
    char opts[200], buf[8192];

    CHECK(mkdtemp(dir) != NULL);
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:stats=0:log_path=%s/nd", dir);
    CHECK_EQ(ndislock_verifier_configure(opts), 0);
    ndislock_spin_init(&parent_lock, &s_parent);
    ndislock_spin_init(&child_lock, &s_child);
    misuse(&parent_lock);

    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        misuse(&child_lock);
        _exit(ndislock_verifier_report_count() == 2 ? 0 : 1);     /* the parent's, inherited, + its own */
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    slurp(pid, buf, sizeof buf);                                   /* the child's file: its report only */
    CHECK(strstr(buf, "LOCK_RELEASE_NOT_HELD") != NULL && strstr(buf, "\"child_lock\"") != NULL);
    CHECK(strstr(buf, "\"parent_lock\"") == NULL);
    slurp(getpid(), buf, sizeof buf);                              /* the parent's: its report only */
    CHECK(strstr(buf, "\"parent_lock\"") != NULL && strstr(buf, "\"child_lock\"") == NULL);

    CHECK_EQ(ndislock_verifier_configure("verify=0:log_path="), 0);
    snprintf(opts, sizeof opts, "rm -rf %s", dir);
    CHECK(system(opts) == 0);
    CHECK_DONE();
}
