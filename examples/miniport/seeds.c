/*
 * seeds.c - the seed driver: the sample runs itself once per seed, each run
 * a child process (/proc/self/exe) with the same options plus
 * --sched=<settings>:sched_seed=S, and stops at the first run that reports.
 * A schedule mode makes the library perturb or choose the schedule from the
 * seed (docs/SCHEDULING.md), so a race that hides in ordinary runs shows in
 * some seeds, and the seed that showed it replays it.
 */
#define _GNU_SOURCE
#include "seeds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEDS  1000000ull
#define KEEP       (64 * 1024)      /* bytes of a run's output kept (its tail) */

int seed_range_parse(const char *s, struct seed_range *r)
{
    char *end;
    const char *dots = strstr(s, "..");

    if (dots == NULL || dots == s || s[0] < '0' || s[0] > '9' || dots[2] < '0' || dots[2] > '9')
        return -1;
    errno = 0;
    r->first = strtoull(s, &end, 10);
    if (end != dots || errno != 0)
        return -1;
    r->last = strtoull(dots + 2, &end, 10);
    if (*end != '\0' || errno != 0 || r->last < r->first || r->last - r->first >= MAX_SEEDS)
        return -1;
    return 0;
}

/* A run's output: the last KEEP bytes. */
struct output {
    char buf[KEEP + 1];
    size_t len;
};

/* Appends n (< KEEP) bytes, dropping the oldest beyond KEEP. */
static void keep(struct output *o, const char *p, size_t n)
{
    if (o->len + n > KEEP) {
        size_t drop = o->len + n - KEEP;
        memmove(o->buf, o->buf + drop, o->len - drop);
        o->len -= drop;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* Runs args (args[0] is shown, /proc/self/exe runs); its wait status, output in *o. */
static int run(char **args, struct output *o)
{
    int fd[2], status;
    pid_t pid;
    char chunk[4096];
    ssize_t n;

    o->len = 0;
    o->buf[0] = '\0';
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        execv("/proc/self/exe", args);
        fprintf(stderr, "ndis_miniport: exec /proc/self/exe: %s\n", strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    while ((n = read(fd[0], chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            keep(o, chunk, (size_t)n);
    close(fd[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

/* Prints arg as the shell reads it back. */
static void print_quoted(const char *arg)
{
    if (arg[strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-")]
        == '\0') {
        fputs(arg, stdout);
        return;
    }
    putchar('\'');
    for (; *arg; arg++)
        if (*arg == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*arg);
    putchar('\'');
}

int seeds_run(int argc, char **argv, const char *sched, const struct seed_range *r)
{
    char **args = calloc((size_t)argc + 3, sizeof *args);
    struct output *o = malloc(sizeof *o);
    char sched_arg[512];
    int nargs = 0, quiet = 0, status = 0;
    uint64_t s;

    if (args == NULL || o == NULL) {
        fprintf(stderr, "ndis_miniport: out of memory\n");
        return 1;
    }
    args[nargs++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else if (strncmp(argv[i], "--seeds=", 8) != 0 && strncmp(argv[i], "--sched=", 8) != 0)
            args[nargs++] = argv[i];
    }
    args[nargs++] = "--quiet";
    args[nargs++] = sched_arg;
    args[nargs] = NULL;
    for (s = r->first;; s++) {
        int n = snprintf(sched_arg, sizeof sched_arg, "--sched=%s%ssched_seed=%llu",
                         sched ? sched : "", sched && *sched ? ":" : "", (unsigned long long)s);
        if (n < 0 || (size_t)n >= sizeof sched_arg) {
            fprintf(stderr, "ndis_miniport: --sched=%s: too long\n", sched);
            return 1;
        }
        status = run(args, o);
        if (status == -1) {
            fprintf(stderr, "ndis_miniport: cannot run a child: %s\n", strerror(errno));
            return 1;
        }
        if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0 || strstr(o->buf, "ndislock: error:"))
            break;
        if (!quiet)
            printf("ndis_miniport: seed %llu: no report\n", (unsigned long long)s);
        if (s == r->last) {
            printf("ndis_miniport: seeds %llu..%llu: no report in %llu runs\n",
                   (unsigned long long)r->first, (unsigned long long)r->last,
                   (unsigned long long)(r->last - r->first + 1));
            return 0;
        }
    }
    printf("ndis_miniport: seed %llu reported (", (unsigned long long)s);
    if (WIFSIGNALED(status))
        printf("signal %d", WTERMSIG(status));
    else
        printf("exit status %d", WEXITSTATUS(status));
    printf(", run %llu of seeds %llu..%llu); its output:\n", (unsigned long long)(s - r->first + 1),
           (unsigned long long)r->first, (unsigned long long)r->last);
    fputs(o->buf, stdout);
    if (o->len > 0 && o->buf[o->len - 1] != '\n')
        putchar('\n');
    printf("ndis_miniport: replay:");
    for (int i = 0; i < nargs; i++) {
        putchar(' ');
        print_quoted(args[i]);
    }
    putchar('\n');
    return 1;
}
