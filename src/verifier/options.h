/*
 * The verifier's options: one table, the only list of them.  Each row is
 *
 *   X(name, kind, default, min, max, shown default, help)
 *
 * and makes a field of struct v_options, its default, a row of the parser
 * and of help=1 (options.c), and, through help=1, the options tables of
 * README.md and docs/VERIFIER.md (scripts/check-docs.sh compares them), as
 * the sanitizers' *_flags.inc files do.  Kinds: BOOL (0 or 1), UINT (a
 * number in [min, max]), OUT (a file the verifier writes: its directory must
 * be writable when the option is given), IN (a file it reads then).
 *
 * Numbers and flags come first: the checked path reads them and nothing hot
 * writes their cache lines; the paths follow.  Help texts are plain text on
 * one line (help=1 prints them, the docs quote them).
 */
#ifndef NDISLOCK_VERIFIER_OPTIONS_H
#define NDISLOCK_VERIFIER_OPTIONS_H

#include <stddef.h>

/*
 * The default hold budget: the WDK's 25 us.  A library built with
 * ThreadSanitizer runs every instrumented access 5-15x slower, so a correct
 * two-lock nest measures 40-50 us there (verifier_robust_many_threads.tsan);
 * its default is 200 us.  An explicit hold_us= is honoured as given.
 */
#if defined(__SANITIZE_THREAD__)
#define V_HOLD_US_DEFAULT 200u
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define V_HOLD_US_DEFAULT 200u
#endif
#endif
#ifndef V_HOLD_US_DEFAULT
#define V_HOLD_US_DEFAULT 25u
#endif

#define V_OPTIONS(X)                                                                             \
    X(verify, BOOL, 0, 0, 1, "0",                                                                \
      "1: check every rule (docs/VERIFIER.md, Rules)")                                           \
    X(halt_on_error, BOOL, 1, 0, 1, "1",                                                         \
      "1: abort() after the first error report, with no verifier lock held (SIGABRT: a core "   \
      "or a debugger stops there; ASan instead exits 1 unless abort_on_error=1). 0: go on, and " \
      "exit with status exitcode at the end if an error was reported (as TSan). Warnings never " \
      "halt nor change the exit status")                                                         \
    X(exitcode, UINT, 66, 0, 255, "66",                                                          \
      "exit status of a halt_on_error=0 run that reported an error; 0: the program's own")       \
    X(stats, BOOL, -1, 0, 1, "follows verify",                                                   \
      "1: gather lock statistics (also without verify) and print the table at exit; "            \
      "0: no table at exit")                                                                     \
    X(hold_us, UINT, V_HOLD_US_DEFAULT, 0, 10000000, "25 (TSan: 200)",                                                      \
      "hold budget in µs for HOLD_TIME_EXCEEDED and the over statistic; only time on the CPU "   \
      "is judged (docs/VERIFIER.md, Hold and callback time); 0: no hold-time or DPC-time "       \
      "warnings")                                                                                \
    X(hold_sample, UINT, 0, 0, 1000000, "16",                                                    \
      "time the hold of one spin-lock pair in N per thread (random gaps), and every pair of an "  \
      "acquire site a timed hold found over budget; counts are always exact; 1: every hold "      \
      "timed (exact statistics, the clock read twice per pair); 0: the default, 16 "              \
      "(docs/VERIFIER.md, Hold and callback time)")                                               \
    X(lock_nested, BOOL, 0, 0, 1, "0",                                                           \
      "1: warn LOCK_NESTED whenever two NDIS spin locks are held at once")                       \
    X(acquire_stacks, BOOL, 0, 0, 1, "0",                                                        \
      "1: record the whole stack at every acquire, so reports show where a lock was taken "      \
      "in full (a backtrace() per acquire, µs); 0: the call site only")                          \
    X(deadlock_ms, UINT, 5000, 0, 86400000, "5000",                                              \
      "watchdog bound in ms on one lock wait (LOCK_DEADLOCK); 0: off")                           \
    X(help, BOOL, 0, 0, 1, "0",                                                                  \
      "1: print these options and the rule ids; from NDISLOCK_OPTIONS the program then "         \
      "exits with status 0")                                                                     \
    X(log, OUT, "", 0, 0, "stderr",                                                              \
      "file for the text reports, the statistics table and the summary (truncated when opened)") \
    X(log_path, OUT, "", 0, 0, "none",                                                           \
      "as log, but the file is PATH.pid, one per process (a forked child opens its own); "       \
      "log and log_path name one destination: the last one given wins")                          \
    X(json, OUT, "", 0, 0, "none",                                                               \
      "file for JSON lines, one object per report (truncated when opened)")                      \
    X(stats_json, OUT, "", 0, 0, "none",                                                         \
      "file written at exit with the statistics as JSON")                                        \
    X(dot, OUT, "", 0, 0, "none",                                                                \
      "file written at exit with the lock-order graph as Graphviz DOT (the graph is built "      \
      "by verify=1)")                                                                            \
    X(suppressions, IN, "", 0, 0, "none",                                                        \
      "file of suppressions, one per line: rule:ID, lock:GLOB, fun:GLOB or file:GLOB, "          \
      "several on a line all have to match; # comments")

#define V_OPT_PATH_MAX 256
#define V_OPT_CTYPE_BOOL int
#define V_OPT_CTYPE_UINT unsigned
#define V_OPT_CTYPE_OUT  char
#define V_OPT_CTYPE_IN   char
#define V_OPT_DIM_BOOL
#define V_OPT_DIM_UINT
#define V_OPT_DIM_OUT    [V_OPT_PATH_MAX]
#define V_OPT_DIM_IN     [V_OPT_PATH_MAX]
#define V_OPT_FIELD(name, kind, dflt, lo, hi, shown, help) V_OPT_CTYPE_##kind name V_OPT_DIM_##kind;
#define V_OPT_INIT(name, kind, dflt, lo, hi, shown, help) .name = dflt,

/* Flags and numbers are read with relaxed atomics by the checked path. */
struct v_options {
    V_OPTIONS(V_OPT_FIELD)
};

#define V_OPTIONS_DEFAULT { V_OPTIONS(V_OPT_INIT) }

/*
 * Parses a colon-separated key=value list on top of *o.  The simulated
 * processors' keys (src/sched/options.c: cpus=, sched=, sched_seed=, ...)
 * go to ndislock__sched_option once every key of ours is valid, or, with
 * from_env (NDISLOCK_OPTIONS, which that module reads itself), are skipped.
 * 0, or -1 with a message naming the key on stderr (*o then half-changed:
 * callers pass a copy).
 */
int ndislock__v_options_parse(const char *options, struct v_options *o, int from_env);

/* help=1: every option with its default and help, then the rule ids (stdout). */
void ndislock__v_options_help(void);

/* One line on stderr (write(2), no stdio): option errors come before any log exists. */
void ndislock__v_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
