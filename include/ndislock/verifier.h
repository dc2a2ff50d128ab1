/*
 * ndislock/verifier.h - the runtime lock verifier and lock statistics
 * (native harness API).  Docs: docs/VERIFIER.md.
 *
 * Off by default.  Switched on without rebuilding, before the first lock is
 * initialized, by the environment (NDISLOCK_OPTIONS=verify=1:halt_on_error=0)
 * or at run time by ndislock_verifier_configure().  Options are
 * colon-separated key=value pairs; NDISLOCK_OPTIONS=help=1 lists them with
 * their defaults (the table is src/verifier/options.h).
 */
#ifndef NDISLOCK_VERIFIER_H
#define NDISLOCK_VERIFIER_H

#include <stdio.h>

#include <ndislock/atomic.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Applies an option string on top of the current settings.  0 on success;
 * -1 (settings unchanged, a message naming the bad option on stderr) if a key
 * is unknown or a value malformed. */
NDISLOCK_API int ndislock_verifier_configure(const char *options);

/* Nonzero while rule checking (verify=1) is on. */
NDISLOCK_API int ndislock_verifier_enabled(void);

/* Errors reported so far (warnings not counted). */
NDISLOCK_API unsigned long ndislock_verifier_report_count(void);

/* Warnings (LOCK_DOUBLE_INIT, HOLD_TIME_EXCEEDED, DPC_TIME_EXCEEDED, LOCK_NESTED) reported so far. */
NDISLOCK_API unsigned long ndislock_verifier_warning_count(void);

/* Reports a suppression (suppressions=FILE) matched so far: printed nowhere, counted here. */
NDISLOCK_API unsigned long ndislock_verifier_suppressed_count(void);

/* Per-lock-class statistics: a text table, or one JSON object (json != 0). */
NDISLOCK_API void ndislock_stats_dump(FILE *out, int json);

/* Forgets all statistics gathered so far (classes stay known). */
NDISLOCK_API void ndislock_stats_reset(void);

/* The lock-class order graph ("A is taken while B is held") as Graphviz DOT. */
NDISLOCK_API void ndislock_lockgraph_dot(FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_VERIFIER_H */
