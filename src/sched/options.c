/*
 * The settings of simulated processors and schedules: one table drives the
 * parser, ndislock_sched_configure, NDISLOCK_OPTIONS and the describe line.
 */
#include "sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cfg {
    uint64_t cpus;
};

static const struct opt {
    const char *name;
    size_t off;                 /* of its uint64_t in struct cfg */
    uint64_t lo, hi;
    const char *help;
} opts[] = {
    { "cpus", offsetof(struct cfg, cpus), 0, NDISLOCK_MAX_PROCESSORS,
      "simulated processors, 0 = off (the host's CPUs)" },
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static struct cfg live;         /* changed only by apply(), while quiescent */

int ndislock__sched;

static const struct opt *find(const char *key, size_t len)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (strlen(opts[i].name) == len && memcmp(opts[i].name, key, len) == 0)
            return &opts[i];
    return NULL;
}

static uint64_t *field(struct cfg *c, const struct opt *o)
{
    return (uint64_t *)(void *)((char *)c + o->off);
}

/* Parses value into c; -1 with a message if it is malformed. */
static int parse(struct cfg *c, const struct opt *o, const char *value, size_t len)
{
    char buf[32], *end;
    unsigned long long v;

    if (len == 0 || len >= sizeof buf || value[0] == '-')
        goto bad;
    memcpy(buf, value, len);
    buf[len] = '\0';
    v = strtoull(buf, &end, 10);
    if (*end != '\0' || v < o->lo || v > o->hi)
        goto bad;
    *field(c, o) = v;
    return 0;
bad:
    fprintf(stderr, "ndislock: error: bad %s=%.*s (%s: a whole number from %llu to %llu)\n",
            o->name, (int)len, value, o->help, (unsigned long long)o->lo,
            (unsigned long long)o->hi);
    return -1;
}

/* Makes c the settings in effect; -1 with a message if the library is not quiescent. */
static int apply(const struct cfg *c)
{
    if (ndislock__cpus_set((uint32_t)c->cpus) != 0) {
        fprintf(stderr, "ndislock: error: cpus=%llu: a thread is at DISPATCH_LEVEL on a simulated "
                "processor (set cpus before starting threads)\n", (unsigned long long)c->cpus);
        return -1;
    }
    live = *c;
    ndislock_pr_store(&ndislock__sched, c->cpus ? NDISLOCK_SCHED_CPUS : 0, NDISLOCK_RELAXED);
    return 0;
}

int ndislock__sched_option(const char *key, const char *value)
{
    const struct opt *o = find(key, strlen(key));
    struct cfg c = live;

    if (o == NULL)
        return 0;
    if (parse(&c, o, value, strlen(value)) != 0 || apply(&c) != 0)
        return -1;
    return 1;
}

/* Applies the keys of ours in a colon-separated list; foreign keys: an error
 * unless skip_foreign (NDISLOCK_OPTIONS: those are the verifier's). */
static int configure(const char *options, int skip_foreign)
{
    struct cfg c = live;
    const char *p = options;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ':'), *eq;
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const struct opt *o;

        eq = memchr(p, '=', len);
        o = eq ? find(p, (size_t)(eq - p)) : NULL;
        if (o == NULL && !skip_foreign && len > 0) {
            fprintf(stderr, "ndislock: error: unknown scheduling option '%.*s' (expected key=value "
                    "with key cpus)\n", (int)len, p);
            return -1;
        }
        if (o != NULL && parse(&c, o, eq + 1, len - (size_t)(eq + 1 - p)) != 0)
            return -1;
        p = end ? end + 1 : NULL;
    }
    return apply(&c);
}

int ndislock_sched_configure(const char *options)
{
    return configure(options, 0);
}

/* Startup: our keys of NDISLOCK_OPTIONS (the verifier reads its own). */
__attribute__((constructor)) static void sched_from_environment(void)
{
    const char *env = getenv("NDISLOCK_OPTIONS");

    if (env != NULL && configure(env, 1) != 0) {
        fprintf(stderr, "ndislock: error: bad NDISLOCK_OPTIONS=\"%s\"\n", env);
        _exit(2);       /* as the verifier's parser does */
    }
}

size_t ndislock__sched_describe(char *buf, size_t n)
{
    int len = 0;

    if (live.cpus != 0)
        len = snprintf(buf, n, "cpus=%llu", (unsigned long long)live.cpus);
    else if (n > 0)
        buf[0] = '\0';
    return len > 0 ? (size_t)len : 0;
}

size_t ndislock_sched_describe(char *buf, size_t n)
{
    return ndislock__sched_describe(buf, n);
}
