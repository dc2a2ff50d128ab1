/*
 * What reports are made of besides the buffer (internal.h): symbolized
 * stacks (symbolize.c) and suppressions (suppress.c).  Everything here runs
 * under ndislock__v.mu, except loading a suppressions file.
 */
#ifndef NDISLOCK_VERIFIER_REPORT_H
#define NDISLOCK_VERIFIER_REPORT_H

#include "internal.h"

#define V_SYMS 6            /* entries one frame can give (its inline chain) */

/* One symbolized entry: a frame, or one level of the inline chain at it. */
struct v_sym {
    void *pc;
    char fn[128];
    char file[96];          /* base name; "" when unknown */
    int line;
    char where[160];        /* "file:line", or "(module+0x..)" */
    int inlined;
};

/* The entries of st (innermost first); how many were written. */
int ndislock__v_symbols(const struct v_stack *st, struct v_sym *out, int max);
void ndislock__v_print_symbols(v_buf *b, const struct v_sym *s, int n, int json);
/* The entry that names where the driver made the call: the first, or the
 * second when the first is inlined (the library's inline API function). */
const struct v_sym *ndislock__v_site(const struct v_sym *s, int n);
/* "file:line in function" of an entry. */
void ndislock__v_print_site(v_buf *b, const struct v_sym *site);

/* A parsed suppressions file (opaque). */
struct v_supp;
/* Reads path; NULL and a message naming the line if it is malformed (or
 * path is ""; then without a message).  Not under the mutex. */
struct v_supp *ndislock__v_supp_load(const char *path, int *err);
void ndislock__v_supp_free(struct v_supp *s);
/* Makes s the suppressions in force (NULL: none) and frees the previous. */
void ndislock__v_supp_set(struct v_supp *s);
/* 1 if a suppression in force matches the report: rule, lock name (may be
 * NULL) and the offending stack's entries. */
int ndislock__v_suppressed(enum v_rule rule, const char *lock, const struct v_sym *s, int n);
/* "  N suppressed by line L: TEXT" for each line that matched. */
void ndislock__v_supp_summary(v_buf *b);
/* Reports suppressed so far (relaxed atomic). */
extern unsigned long ndislock__v_nsuppressed;

/* report.c: the closing lines at exit ("SUMMARY: ndislock: N error(s), ..."), if anything
 * was reported or suppressed. */
void ndislock__v_summary(v_buf *b);

#endif
