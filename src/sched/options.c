/*
 * The settings of simulated processors and schedules: one table drives the
 * parser, ndislock_sched_configure, NDISLOCK_OPTIONS, the describe line
 * (which is in the same syntax, so it replays a run) and the exit line.
 */
#include "sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define U64_MAX_ 0xffffffffffffffffull

static const char *const modes[] = { "off", "perturb", "pct" };
#define NMODES (sizeof(modes) / sizeof(modes[0]))

static const struct opt {
    const char *name;
    size_t off;                 /* of its uint64_t in struct ndislock__sched_config */
    uint64_t lo, hi, def;
    int mode;                   /* only meaningful (and described) in this mode; -1: always */
    const char *help;
} opts[] = {
    { "cpus", offsetof(struct ndislock__sched_config, cpus), 0, NDISLOCK_MAX_PROCESSORS, 0, -1,
      "simulated processors, 0 = off (the host's CPUs)" },
    { "sched", offsetof(struct ndislock__sched_config, mode), 0, NMODES - 1, 0, -1,
      "schedule mode: off, perturb or pct" },
    { "sched_seed", offsetof(struct ndislock__sched_config, seed), 0, U64_MAX_, 0, -1,
      "seed of the schedule (sets sched=perturb unless sched is given)" },
    { "sched_every", offsetof(struct ndislock__sched_config, every), 1, 1000000, 8,
      NDISLOCK__MODE_PERTURB, "perturb: one schedule point in this many is perturbed" },
    { "sched_delay_us", offsetof(struct ndislock__sched_config, delay_us), 1, 1000000, 100,
      NDISLOCK__MODE_PERTURB, "perturb: longest delay, microseconds" },
    { "sched_depth", offsetof(struct ndislock__sched_config, depth), 1, 64, 3,
      NDISLOCK__MODE_PCT, "pct: bug depth (depth - 1 priority change points)" },
    { "sched_steps", offsetof(struct ndislock__sched_config, steps), 1, 1000000000000ull, 20000,
      NDISLOCK__MODE_PCT, "pct: the schedule points the change points are drawn from" },
    { "sched_handback_ms", offsetof(struct ndislock__sched_config, handback_ms), 1, 1000000, 1000,
      NDISLOCK__MODE_PCT, "pct: a thread with no schedule point this long is passed over" },
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static struct ndislock__sched_config live = {
    .every = 8, .delay_us = 100, .depth = 3, .steps = 20000, .handback_ms = 1000
};

int ndislock__sched;

const struct ndislock__sched_config *ndislock__sched_config(void)
{
    return &live;
}

uint64_t ndislock__sched_seed(void)
{
    return live.seed;
}

static const struct opt *find(const char *key, size_t len)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (strlen(opts[i].name) == len && memcmp(opts[i].name, key, len) == 0)
            return &opts[i];
    return NULL;
}

static uint64_t *field(struct ndislock__sched_config *c, const struct opt *o)
{
    return (uint64_t *)(void *)((char *)c + o->off);
}

/* Parses value into c; -1 with a message if it is malformed.  *mode_set: sched= was given. */
static int parse(struct ndislock__sched_config *c, const struct opt *o, const char *value,
                 size_t len, int *mode_set)
{
    char buf[32], *end;
    unsigned long long v;

    if (len == 0 || len >= sizeof buf)
        goto bad;
    memcpy(buf, value, len);
    buf[len] = '\0';
    if (o->off == offsetof(struct ndislock__sched_config, mode)) {
        for (v = 0; v < NMODES && strcmp(buf, modes[v]) != 0; v++)
            ;
        if (v == NMODES)
            goto bad;
        *mode_set = 1;
    } else {
        if (buf[0] < '0' || buf[0] > '9')
            goto bad;
        v = strtoull(buf, &end, 10);
        if (*end != '\0' || v < o->lo || v > o->hi ||
            (v == U64_MAX_ && strcmp(buf, "18446744073709551615") != 0))
            goto bad;   /* strtoull saturates: only the true maximum may read as it */
        if (o->off == offsetof(struct ndislock__sched_config, seed) && !*mode_set &&
            c->mode == NDISLOCK__MODE_OFF)
            c->mode = NDISLOCK__MODE_PERTURB;
    }
    *field(c, o) = v;
    return 0;
bad:
    if (o->off == offsetof(struct ndislock__sched_config, mode))
        fprintf(stderr, "ndislock: error: bad sched=%.*s (%s)\n", (int)len, value, o->help);
    else
        fprintf(stderr, "ndislock: error: bad %s=%.*s (%s: a whole number from %llu to %llu)\n",
                o->name, (int)len, value, o->help, (unsigned long long)o->lo,
                (unsigned long long)o->hi);
    return -1;
}


/* Makes c the settings in effect; -1 with a message if the library is not quiescent. */
static int apply(const struct ndislock__sched_config *c)
{
    static int exit_line;
    int bits = 0;

    if (live.mode == NDISLOCK__MODE_PCT && c->mode != NDISLOCK__MODE_PCT)
        ndislock__pct_stop();
    if (ndislock__cpus_set((uint32_t)c->cpus) != 0) {
        fprintf(stderr, "ndislock: error: cpus=%llu: a thread is at DISPATCH_LEVEL on a simulated "
                "processor (set cpus before starting threads)\n", (unsigned long long)c->cpus);
        return -1;
    }
    live = *c;
    if (c->cpus != 0)
        bits |= NDISLOCK_SCHED_CPUS;
    if (c->mode == NDISLOCK__MODE_PERTURB)
        bits |= NDISLOCK_SCHED_PERTURB;
    if (c->mode == NDISLOCK__MODE_PCT)
        bits |= NDISLOCK_SCHED_PCT;
    ndislock_pr_store(&ndislock__sched, bits, NDISLOCK_RELAXED);
    if (c->mode != NDISLOCK__MODE_OFF) {
        (void)ndislock__sched_ordinal();    /* the configuring thread: the next ordinal */
        if (c->mode == NDISLOCK__MODE_PCT)  /* ... and it holds the baton */
            (void)ndislock__pct_start((uint32_t)c->depth, c->steps, c->seed);
        if (!exit_line) {
            exit_line = 1;
            atexit(ndislock__sched_exit_line);
        }
    }
    return 0;
}

int ndislock__sched_option(const char *key, const char *value)
{
    const struct opt *o = find(key, strlen(key));
    struct ndislock__sched_config c = live;
    int mode_set = 0;

    if (o == NULL)
        return 0;
    if (parse(&c, o, value, strlen(value), &mode_set) != 0 || apply(&c) != 0)
        return -1;
    return 1;
}

int ndislock__sched_key(const char *key)
{
    return find(key, strlen(key)) != NULL;
}

/* Applies the keys of ours in a colon-separated list; foreign keys: an error
 * unless skip_foreign (NDISLOCK_OPTIONS: those are the verifier's). */
static int configure(const char *options, int skip_foreign)
{
    struct ndislock__sched_config c = live;
    const char *p = options;
    int mode_set = 0;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ':'), *eq;
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const struct opt *o;

        eq = memchr(p, '=', len);
        o = eq ? find(p, (size_t)(eq - p)) : NULL;
        if (o == NULL && !skip_foreign && len > 0) {
            fprintf(stderr, "ndislock: error: unknown scheduling option '%.*s' (expected key=value; "
                    "keys: cpus, sched, sched_seed, sched_every, sched_delay_us, sched_depth, "
                    "sched_steps, sched_handback_ms)\n", (int)len, p);
            return -1;
        }
        if (o != NULL && parse(&c, o, eq + 1, len - (size_t)(eq + 1 - p), &mode_set) != 0)
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

/* Whether o belongs in the describe line: on, and not a default of its mode. */
static int described(const struct opt *o)
{
    uint64_t v = *field(&live, o);

    if (o->off == offsetof(struct ndislock__sched_config, cpus))
        return v != 0;
    if (o->mode < 0)            /* sched, sched_seed */
        return live.mode != NDISLOCK__MODE_OFF;
    return o->mode == (int)live.mode && v != o->def;
}

size_t ndislock__sched_describe(char *buf, size_t n)
{
    size_t len = 0;

    if (n > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < NOPTS; i++) {
        const struct opt *o = &opts[i];
        uint64_t v = *field(&live, o);
        size_t room = len < n ? n - len : 0;
        char *at = room ? buf + len : NULL;     /* snprintf(NULL, 0, ...) only counts */
        int w;

        if (!described(o))
            continue;
        if (o->off == offsetof(struct ndislock__sched_config, mode))
            w = snprintf(at, room, "%ssched=%s", len ? ":" : "", modes[v]);
        else
            w = snprintf(at, room, "%s%s=%llu", len ? ":" : "", o->name, (unsigned long long)v);
        len += w > 0 ? (size_t)w : 0;
    }
    return len;
}

size_t ndislock_sched_describe(char *buf, size_t n)
{
    return ndislock__sched_describe(buf, n);
}

/* The exit line: the settings a run had, so any run can be replayed.  Once:
 * at exit, or earlier from whoever ends the process with _exit. */
void ndislock__sched_exit_line(void)
{
    static int printed;
    char line[256];
    uint64_t steps = 0, switches = 0, forced = 0;

    if (live.mode == NDISLOCK__MODE_OFF || ndislock_pr_xchg(&printed, 1, NDISLOCK_RELAXED))
        return;
    ndislock__sched_describe(line, sizeof line);
    if (live.mode != NDISLOCK__MODE_PCT) {
        fprintf(stderr, "ndislock: schedule: %s (replay: NDISLOCK_OPTIONS=%s)\n", line, line);
        return;
    }
    ndislock__pct_counts(&steps, &switches, &forced);
    if (forced != 0)    /* a thread waited or spun outside the library: timing leaked in */
        fprintf(stderr, "ndislock: schedule: %s (%llu steps, %llu switches; not exactly "
                "replayable: %llu hand-back(s) of a thread that reached no schedule point for "
                "sched_handback_ms)\n", line, (unsigned long long)steps,
                (unsigned long long)switches, (unsigned long long)forced);
    else
        fprintf(stderr, "ndislock: schedule: %s (%llu steps, %llu switches; replay: "
                "NDISLOCK_OPTIONS=%s)\n", line, (unsigned long long)steps,
                (unsigned long long)switches, line);
}
