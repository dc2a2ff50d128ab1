/*
 * Suppressions (suppressions=FILE), as the sanitizers' files: one per line,
 *
 *   # a comment (also after a blank at the end of a line)
 *   rule:HOLD_TIME_EXCEEDED
 *   lock:&Adapter->RecvLock
 *   fun:MiniportReturn*
 *   rule:LOCK_NESTED file:legacy_*.c
 *
 * Each condition is kind:GLOB (fnmatch(3): *, ?, [...], \ escapes); rule
 * matches the rule id, lock the lock's name, fun and file any entry of the
 * offending stack (function, source file base name).  A line suppresses a
 * report when all its conditions match.  A suppressed report is counted,
 * printed nowhere, and changes neither the exit status nor halting.
 */
#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

enum { S_RULE, S_LOCK, S_FUN, S_FILE, S_KINDS };
static const char *const kinds[S_KINDS] = { "rule", "lock", "fun", "file" };

struct v_supp_line {
    char *pat[S_KINDS];             /* NULL: any */
    char *text;                     /* the line, for the summary */
    int lineno;
    unsigned long hits;             /* under mu */
};

struct v_supp {
    int n;
    struct v_supp_line line[];
};

static struct v_supp *active;       /* under mu */
unsigned long ndislock__v_nsuppressed;

void ndislock__v_supp_free(struct v_supp *s)
{
    for (int i = 0; s && i < s->n; i++) {
        for (int k = 0; k < S_KINDS; k++)
            free(s->line[i].pat[k]);
        free(s->line[i].text);
    }
    free(s);
}

static int any_rule(const char *glob)
{
    for (int r = 0; r < R_COUNT; r++)
        if (fnmatch(glob, ndislock__v_rule_id((enum v_rule)r), 0) == 0)
            return 1;
    return 0;
}

/* Parses one line into l; NULL, or why it is malformed. */
static const char *parse_line(char *text, struct v_supp_line *l)
{
    for (char *save = NULL, *tok = strtok_r(text, " \t", &save); tok;
         tok = strtok_r(NULL, " \t", &save)) {
        char *colon = strchr(tok, ':');
        int k = 0;
        if (colon == NULL || colon[1] == '\0')
            return "expected kind:pattern (rule:, lock:, fun: or file:)";
        *colon = '\0';
        while (k < S_KINDS && strcmp(tok, kinds[k]))
            k++;
        if (k == S_KINDS)
            return "unknown kind (rule:, lock:, fun: or file:)";
        if (l->pat[k] != NULL)
            return "the same kind twice on one line";
        if (k == S_RULE && !any_rule(colon + 1))
            return "no rule id matches it (help=1 lists them)";
        if ((l->pat[k] = strdup(colon + 1)) == NULL)
            return "out of memory";
    }
    return NULL;
}

struct v_supp *ndislock__v_supp_load(const char *path, int *err)
{
    struct v_supp *s = NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, max = 0;
    FILE *f;

    *err = 0;
    if (path[0] == '\0')
        return NULL;
    if ((f = fopen(path, "re")) == NULL) {
        ndislock__v_say("ndislock: error: option 'suppressions': cannot read '%s' (%s)", path,
                        strerror(errno));
        goto fail;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        for (char *h = line; (h = strchr(h, '#')) != NULL; h++)
            if (h == line || h[-1] == ' ' || h[-1] == '\t') {    /* a comment: "#" after a blank */
                *h = '\0';
                len = h - line;
                break;
            }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
                           line[len - 1] == ' ' || line[len - 1] == '\t'))
            line[--len] = '\0';
        char *p = line + strspn(line, " \t");
        if (*p == '\0' || *p == '#')
            continue;
        if (s == NULL || s->n == max) {
            max = max ? max * 2 : 16;
            struct v_supp *g = realloc(s, sizeof *s + (size_t)max * sizeof s->line[0]);
            if (g == NULL)
                goto oom;
            if (s == NULL)
                g->n = 0;
            s = g;
        }
        struct v_supp_line *l = &s->line[s->n];
        memset(l, 0, sizeof *l);
        l->lineno = lineno;
        l->text = strdup(p);
        s->n++;
        const char *why = l->text ? parse_line(p, l) : "out of memory";
        if (why != NULL) {
            ndislock__v_say("ndislock: error: option 'suppressions': %s:%d: %s", path, lineno,
                            why);
            goto fail;
        }
    }
    free(line);
    fclose(f);
    if (s == NULL && (s = calloc(1, sizeof *s)) == NULL) {     /* only comments: an empty list */
        ndislock__v_say("ndislock: error: option 'suppressions': out of memory");
        *err = 1;
    }
    return s;
oom:
    ndislock__v_say("ndislock: error: option 'suppressions': out of memory");
fail:
    free(line);
    if (f != NULL)
        fclose(f);
    ndislock__v_supp_free(s);
    *err = 1;
    return NULL;
}

void ndislock__v_supp_set(struct v_supp *s)
{
    ndislock__v_supp_free(active);
    active = s;
}

static int any_entry(const char *glob, const struct v_sym *s, int n, int file)
{
    for (int i = 0; i < n; i++)
        if (fnmatch(glob, file ? s[i].file : s[i].fn, 0) == 0)
            return 1;
    return 0;
}

int ndislock__v_suppressed(enum v_rule rule, const char *lock, const struct v_sym *s, int n)
{
    for (int i = 0; active != NULL && i < active->n; i++) {
        struct v_supp_line *l = &active->line[i];
        if ((l->pat[S_RULE] && fnmatch(l->pat[S_RULE], ndislock__v_rule_id(rule), 0) != 0) ||
            (l->pat[S_LOCK] && (lock == NULL || fnmatch(l->pat[S_LOCK], lock, 0) != 0)) ||
            (l->pat[S_FUN] && !any_entry(l->pat[S_FUN], s, n, 0)) ||
            (l->pat[S_FILE] && !any_entry(l->pat[S_FILE], s, n, 1)))
            continue;
        l->hits++;
        __atomic_fetch_add(&ndislock__v_nsuppressed, 1, __ATOMIC_RELAXED);
        return 1;
    }
    return 0;
}

void ndislock__v_supp_summary(v_buf *b)
{
    for (int i = 0; active != NULL && i < active->n; i++)
        if (active->line[i].hits)
            ndislock__v_bprintf(b, "  %lu suppressed by line %d: %s\n", active->line[i].hits,
                                active->line[i].lineno, active->line[i].text);
}
