/*
 * The option parser and help=1, both driven by the table in options.h.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "../sched/sched.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { V_OPT_K_BOOL, V_OPT_K_UINT, V_OPT_K_OUT, V_OPT_K_IN };

static const struct row {
    const char *name;
    int kind;
    size_t off;                     /* of the field in struct v_options */
    unsigned long lo, hi;
    const char *shown, *help;
} rows[] = {
#define V_OPT_ROW(name, kind, dflt, lo, hi, shown, help) \
    { #name, V_OPT_K_##kind, offsetof(struct v_options, name), lo, hi, shown, help },
    V_OPTIONS(V_OPT_ROW)
#undef V_OPT_ROW
};
#define NROWS (sizeof rows / sizeof rows[0])

void ndislock__v_say(const char *fmt, ...)
{
    char line[600];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ndislock__v_write(2, line, (size_t)n);
}

static const struct row *find(const char *key)
{
    for (size_t i = 0; i < NROWS; i++)
        if (!strcmp(rows[i].name, key))
            return &rows[i];
    return NULL;
}

/* A file written later (at a report or at exit): its directory must be writable now. */
static int check_dir(const char *key, const char *path)
{
    char dir[V_OPT_PATH_MAX];

    snprintf(dir, sizeof dir, "%s", path);
    const char *d = dirname(dir);
    if (access(d, W_OK) != 0) {
        ndislock__v_say("ndislock: error: option '%s': cannot write into '%s' (%s)", key, d,
                        strerror(errno));
        return -1;
    }
    return 0;
}

static int parse_one(const struct row *r, const char *v, struct v_options *o)
{
    char *field = (char *)o + r->off;
    char *end;

    switch (r->kind) {
    case V_OPT_K_BOOL:
        if (strcmp(v, "0") && strcmp(v, "1")) {
            ndislock__v_say("ndislock: error: option '%s' must be 0 or 1, not '%s'", r->name, v);
            return -1;
        }
        *(int *)(void *)field = *v == '1';
        return 0;
    case V_OPT_K_UINT: {
        errno = 0;
        unsigned long x = strtoul(v, &end, 10);
        /* digits only: strtoul would take a sign or leading blanks */
        if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || x < r->lo || x > r->hi) {
            ndislock__v_say("ndislock: error: option '%s' must be a number from %lu to %lu, "
                            "not '%s'", r->name, r->lo, r->hi, v);
            return -1;
        }
        *(unsigned *)(void *)field = (unsigned)x;
        return 0;
    }
    default:                        /* a path */
        if (strlen(v) >= V_OPT_PATH_MAX) {
            ndislock__v_say("ndislock: error: option '%s': path too long (%zu bytes at most)",
                            r->name, (size_t)V_OPT_PATH_MAX - 1);
            return -1;
        }
        if (v[0] && r->kind == V_OPT_K_OUT && check_dir(r->name, v) < 0)
            return -1;
        if (v[0] && r->kind == V_OPT_K_IN && access(v, R_OK) != 0) {
            ndislock__v_say("ndislock: error: option '%s': cannot read '%s' (%s)", r->name, v,
                            strerror(errno));
            return -1;
        }
        strcpy(field, v);
        /* log and log_path name the one text destination: the last one given wins */
        if (!strcmp(r->name, "log"))
            o->log_path[0] = '\0';
        else if (!strcmp(r->name, "log_path"))
            o->log[0] = '\0';
        return 0;
    }
}

static void unknown(const char *key)
{
    char known[400];
    size_t n = 0;

    for (size_t i = 0; i < NROWS && n < sizeof known; i++)
        n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", i ? ", " : "", rows[i].name);
    ndislock__v_say("ndislock: error: unknown option '%s' (options: %s; and the scheduling keys "
                    "of ndislock/sched.h; help=1 describes them)", key, known);
}

int ndislock__v_options_parse(const char *options, struct v_options *o, int from_env)
{
    enum { MAXFOREIGN = 32 };
    char buf[1024], *foreign[MAXFOREIGN][2];
    int nforeign = 0;

    if (strlen(options) >= sizeof buf) {
        ndislock__v_say("ndislock: error: options too long (%zu bytes at most)", sizeof buf - 1);
        return -1;
    }
    strcpy(buf, options);
    for (char *save = NULL, *kv = strtok_r(buf, ":", &save); kv; kv = strtok_r(NULL, ":", &save)) {
        char *v = strchr(kv, '=');
        if (v == NULL) {
            ndislock__v_say("ndislock: error: option '%s' has no value (expected key=value)", kv);
            return -1;
        }
        *v++ = '\0';
        const struct row *r = find(kv);
        if (r != NULL) {
            if (parse_one(r, v, o) < 0)
                return -1;
        } else if (!ndislock__sched_key(kv) || nforeign == MAXFOREIGN) {
            unknown(kv);
            return -1;
        } else if (!from_env) {
            foreign[nforeign][0] = kv;
            foreign[nforeign++][1] = v;
        }
    }
    /* another module's keys apply as they are read: only once all of ours are valid */
    for (int i = 0; i < nforeign; i++)
        if (ndislock__sched_option(foreign[i][0], foreign[i][1]) <= 0)
            return -1;              /* it said why */
    return 0;
}

void ndislock__v_options_help(void)
{
    v_buf b = { 0 };

    ndislock__v_bputs(&b, "ndislock: options (NDISLOCK_OPTIONS=key=value:key=value, or "
                          "ndislock_verifier_configure(\"key=value:...\")):\n");
    for (size_t i = 0; i < NROWS; i++)
        ndislock__v_bprintf(&b, "  %-15s %-15s %s\n", rows[i].name, rows[i].shown, rows[i].help);
    ndislock__v_bputs(&b, "ndislock: the simulated processors' keys (cpus, sched, sched_seed, ...) "
                          "are read by src/sched/ (docs/SCHEDULING.md)\n");
    ndislock__v_bputs(&b, "ndislock: rules (a report starts \"ndislock: error: ID:\" or "
                          "\"ndislock: warning: ID:\"; suppressions name them as rule:ID):\n");
    for (int r = 0; r < R_COUNT; r++)
        ndislock__v_bprintf(&b, "  %-25s %-8s %s\n", ndislock__v_rule_id((enum v_rule)r),
                            ndislock__v_rule_warning((enum v_rule)r) ? "warning" : "error",
                            ndislock__v_rule_ref((enum v_rule)r)[0]
                                ? ndislock__v_rule_ref((enum v_rule)r) : "-");
    if (b.p)
        ndislock__v_write(1, b.p, b.len);
    ndislock__v_bfree(&b);
}
