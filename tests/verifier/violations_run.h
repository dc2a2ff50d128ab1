/*
 * tests/verifier/violations_run.h - running the violations program
 * (violations.c) as a child and reading what it printed, for the tests that
 * check the verifier's output: rules_test.c and report_test.c.
 *
 * The command comes from the test's arguments: [emulator args...] path to
 * violations (cross builds run it under qemu); the .asan/.tsan variants
 * name the violations program built with their sanitizer in
 * NDISLOCK_VIOLATIONS, and the sanitizers' options are passed on.
 */
#ifndef NDISLOCK_TEST_VIOLATIONS_RUN_H
#define NDISLOCK_TEST_VIOLATIONS_RUN_H

#include "check.h"

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char **vr_cmd;               /* how to run the violations program */
static int vr_ncmd;
static char *vr_san_env[3];         /* the sanitizers' options, passed on to the child */
static char out[1 << 16], err[1 << 16];     /* the last child's stdout and stderr */

static inline void slurp(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    size_t k = f ? fread(buf, 1, n - 1, f) : 0;
    buf[k] = '\0';
    if (f)
        fclose(f);
}

/* Takes the command from argv and makes dir (a mkdtemp template). */
static inline void violations_init(int argc, char **argv, char *dir)
{
    static const char *const names[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS" };

    CHECK(argc >= 2);
    vr_cmd = argv + 1;
    vr_ncmd = argc - 1;
    if (getenv("NDISLOCK_VIOLATIONS"))
        vr_cmd[vr_ncmd - 1] = getenv("NDISLOCK_VIOLATIONS");
    for (int i = 0, k = 0; i < 3; i++) {
        const char *v = getenv(names[i]);
        if (v) {
            size_t n = strlen(names[i]) + strlen(v) + 2;
            vr_san_env[k] = malloc(n);
            snprintf(vr_san_env[k++], n, "%s=%s", names[i], v);
        }
    }
    CHECK(mkdtemp(dir) != NULL);
}

/*
 * Runs the program with args (scenario [twin]) and NDISLOCK_OPTIONS=opts
 * only, stdout and stderr into the files o and e, then read into out and
 * err; the child's pid into *pid.  A sanitized child must be clean of its
 * sanitizer's reports too.  Returns the wait status.
 */
static inline int violations_run(const char *const *args, int nargs, const char *opts,
                                 const char *o, const char *e, pid_t *pid)
{
    char env[1200];

    snprintf(env, sizeof env, "NDISLOCK_OPTIONS=%s", opts);
    fflush(NULL);
    pid_t p = fork();
    if (p == 0) {
        int fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0600), fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fo, 1);
        dup2(fe, 2);
        char *argv[16];
        int n = 0;
        for (int i = 0; i < vr_ncmd && n < 16 - 1 - nargs; i++)
            argv[n++] = vr_cmd[i];
        for (int i = 0; i < nargs; i++)
            argv[n++] = (char *)args[i];
        argv[n] = NULL;
        clearenv();
        putenv(env);
        for (int i = 0; i < 3 && vr_san_env[i]; i++)
            putenv(vr_san_env[i]);
        execvp(vr_cmd[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(p, &st, 0);
    if (pid != NULL)
        *pid = p;
    slurp(o, out, sizeof out);
    slurp(e, err, sizeof err);
    if (strstr(err, "Sanitizer") || strstr(err, "runtime error:"))
        fprintf(stderr, "sanitizer report in the child (%s%s):\n%s\n", args[0],
                nargs > 1 ? " twin" : "", err);
    CHECK(strstr(err, "Sanitizer") == NULL && strstr(err, "runtime error:") == NULL);
    return st;
}

/* The line number violations.c printed as "KIND N" at the start of a line of out; -1 if none. */
static inline int marker(const char *kind)
{
    char key[32];
    snprintf(key, sizeof key, "%s ", kind);
    for (const char *p = out; (p = strstr(p, key)) != NULL; p++)
        if (p == out || p[-1] == '\n')
            return atoi(p + strlen(key));
    return -1;
}

#endif
