/*
 * Helpers of the robustness tests: a time limit (a hang fails the test
 * with SIGALRM instead of stalling the suite), running a scenario in a
 * child with its stderr captured, and reading the verifier's reports back
 * by rule id.
 */
#ifndef NDISLOCK_ROBUST_H
#define NDISLOCK_ROBUST_H

#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ROBUST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ROBUST_SANITIZED 1
#endif
#endif
#ifndef ROBUST_SANITIZED
#define ROBUST_SANITIZED 0
#endif

/* Fails the test (SIGALRM) if it is still running after s seconds: a hang is a failure. */
static inline void robust_deadline(unsigned s)
{
    signal(SIGALRM, SIG_DFL);
    alarm(ROBUST_SANITIZED ? s * 4 : s);
}

/* Runs fn in a child with stderr into a buffer; returns the wait status. */
static inline int robust_child(void (*fn)(void), char *err, size_t n, unsigned limit_s)
{
    char path[] = "/tmp/ndislock_robust_XXXXXX";
    int fd = mkstemp(path);

    CHECK(fd >= 0);
    unlink(path);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd, 2);
        robust_deadline(limit_s);
        fn();
        _exit(0);
    }
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid);
    ssize_t k = pread(fd, err, n - 1, 0);
    err[k > 0 ? k : 0] = '\0';
    close(fd);
    return st;
}

/* How many reports of rule id are in text ("ndislock: error: ID:" or warning). */
static inline int robust_count(const char *text, const char *id)
{
    char key[96];
    int n = 0;

    snprintf(key, sizeof key, ": %s: ", id);
    for (const char *p = text; (p = strstr(p, key)) != NULL; p++)
        n++;
    return n;
}

/* Reports of rule id written so far to the JSON file path ("json=" option). */
static inline int robust_json_count(const char *path, const char *id)
{
    char key[96], *buf;
    FILE *f = fopen(path, "r");
    int n = 0;

    if (f == NULL)
        return 0;
    buf = calloc(1, 1 << 22);
    CHECK(buf != NULL);
    size_t k = fread(buf, 1, (1 << 22) - 1, f);
    buf[k] = '\0';
    fclose(f);
    snprintf(key, sizeof key, "\"rule\":\"%s\"", id);
    for (const char *p = buf; (p = strstr(p, key)) != NULL; p++)
        n++;
    free(buf);
    return n;
}

/* Reports of any rule in the JSON file. */
static inline int robust_json_total(const char *path)
{
    char buf[1 << 16];
    FILE *f = fopen(path, "r");
    int n = 0;

    if (f == NULL)
        return 0;
    while (fgets(buf, sizeof buf, f))
        n += strncmp(buf, "{\"rule\":", 8) == 0;
    fclose(f);
    return n;
}

/* A fresh JSON report file name for this process. */
static inline const char *robust_json_path(void)
{
    static char path[64];

    snprintf(path, sizeof path, "/tmp/ndislock_robust_%d.json", (int)getpid());
    unlink(path);
    return path;
}

#endif
