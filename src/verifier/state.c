/*
 * Verifier state: applying options (parsed by options.c), switching on and
 * off, slow sections, fork, process exit and library unload.
 *
 * Lifetime rules that keep the verifier from crashing or hanging the
 * program around it:
 *   - fork: pthread_atfork takes every verifier mutex before the fork, so
 *     a child never inherits one held by a thread that does not exist in it;
 *   - exit: the exit report takes the mutex with a time limit, so a thread
 *     stuck inside the verifier (or this thread, exiting from a SIGABRT
 *     handler after a report) cannot block exit;
 *   - unload (the library is in a dlclose'd object): the exit report runs at
 *     the unload (atexit handlers of a shared object run then), and the
 *     destructor below deletes the thread-exit key and disarms every
 *     thread's rseq marker, so nothing points into the unmapped code.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "preempt.h"
#include "report.h"
#include "../sched/sched.h"

#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int ndislock__checked;
int ndislock__unchecked_inits;
struct v_state ndislock__v = { .opt = V_OPTIONS_DEFAULT, .log_fd = 2, .json_fd = -1,
                               .mu = PTHREAD_MUTEX_INITIALIZER };

/* ---- slow sections and the mutex ---- */

void ndislock__v_enter(struct v_slow *s, struct v_thread *t)
{
    s->t = t;
    s->err = errno;                         /* a signal handler's lock call must not spoil it */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &s->cancel);
    if (t != NULL && t->guard++ == 0)
        s->t0 = v_ticks();
}

void ndislock__v_leave(struct v_slow *s)
{
    struct v_thread *t = s->t;

    if (t != NULL && --t->guard == 0)
        t->own += v_ticks() - s->t0;        /* not part of any hold the thread is timing */
    pthread_setcancelstate(s->cancel, NULL);
    errno = s->err;
}

int ndislock__v_lock(struct v_thread *t)
{
    if (t != NULL && t->mu_depth > 0)
        return 0;
    pthread_mutex_lock(&ndislock__v.mu);
    if (t != NULL)
        t->mu_depth++;
    return 1;
}

void ndislock__v_unlock(struct v_thread *t)
{
    if (t != NULL)
        t->mu_depth--;
    pthread_mutex_unlock(&ndislock__v.mu);
}

/* ---- options ---- */

/* A file for reports, opened at configuration: truncated, so a run never appends to the
 * last run's reports unseen, and appended to (a fork child and its parent share it). */
static int open_out(const char *key, const char *path, int dflt)
{
    char pidpath[V_OPT_PATH_MAX + 16];

    if (path[0] == '\0')
        return dflt;
    if (!strcmp(key, "log_path")) {         /* sanitizer style: one file per process */
        snprintf(pidpath, sizeof pidpath, "%s.%d", path, (int)getpid());
        path = pidpath;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        ndislock__v_say("ndislock: error: option '%s': cannot open '%s' (%s)", key, path,
                        strerror(errno));
    return fd < 0 ? -2 : fd;
}

static void at_exit(void);
static void fork_prepare(void);
static void fork_parent(void);
static void fork_child(void);

static void budget(void)
{
    uint64_t ns = (uint64_t)ndislock__v.opt.hold_us * 1000u;
    uint64_t mult = __atomic_load_n(&ndislock__v_clk.mult, __ATOMIC_RELAXED);

    __atomic_store_n(&ndislock__v.budget_ticks,
                     ns ? (uint64_t)(((unsigned __int128)ns << 32) / mult) : 0, __ATOMIC_RELAXED);
}

/* Applies options; help: 1 if help=1 was given (printed).  from_env: NDISLOCK_OPTIONS, whose
 * scheduling keys src/sched/options.c reads itself. */
static int configure(const char *options, int *help, int from_env)
{
    static int once;
    struct v_thread *t = ndislock__vt;
    struct v_slow s;
    struct v_options o;
    struct v_supp *supp = NULL;
    int rc = -1, log_fd, json_fd, err = 0;

    *help = 0;
    ndislock__v_enter(&s, t);
    if (!ndislock__v_lock(t)) {
        ndislock__v_leave(&s);
        return -1;
    }
    o = ndislock__v.opt;
    ndislock__v_unlock(t);
    /* parsed without the mutex: another module's keys (options.h) may take locks */
    if (options == NULL || ndislock__v_options_parse(options, &o, from_env) < 0) {
        ndislock__v_leave(&s);
        return -1;
    }
    if (strcmp(o.suppressions, ndislock__v.opt.suppressions) &&
        (supp = ndislock__v_supp_load(o.suppressions, &err), err)) {
        ndislock__v_leave(&s);
        return -1;
    }
    *help = o.help;
    o.help = 0;                     /* an action, not a setting */
    if (*help)
        ndislock__v_options_help();
    if (!ndislock__v_lock(t)) {
        ndislock__v_leave(&s);
        return -1;
    }
    int on = o.verify || o.stats > 0;
    if (on && ndislock__v_tables_init() < 0) {
        ndislock__v_say("ndislock: error: verifier: out of memory");
        goto out;
    }
    const char *log_key = o.log_path[0] ? "log_path" : "log";
    const char *log_path = o.log_path[0] ? o.log_path : o.log;
    log_fd = strcmp(o.log, ndislock__v.opt.log) || strcmp(o.log_path, ndislock__v.opt.log_path)
           ? open_out(log_key, log_path, 2) : ndislock__v.log_fd;
    json_fd = strcmp(o.json, ndislock__v.opt.json) ? open_out("json", o.json, -1)
                                                   : ndislock__v.json_fd;
    if (log_fd == -2 || json_fd == -2) {
        if (log_fd >= 0 && log_fd != 2 && log_fd != ndislock__v.log_fd)
            close(log_fd);
        if (json_fd >= 0 && json_fd != ndislock__v.json_fd)
            close(json_fd);
        goto out;
    }
    if (log_fd != ndislock__v.log_fd && ndislock__v.log_fd > 2)
        close(ndislock__v.log_fd);
    if (json_fd != ndislock__v.json_fd && ndislock__v.json_fd >= 0)
        close(ndislock__v.json_fd);
    ndislock__v.log_fd = log_fd;
    ndislock__v.json_fd = json_fd;
    if (strcmp(o.suppressions, ndislock__v.opt.suppressions)) {
        ndislock__v_supp_set(supp);
        supp = NULL;
    }
    if (on && !once) {
        void *pcs[2];
        once = 1;
        ndislock__v_clock_init();           /* before any thread can time a hold */
        (void)backtrace(pcs, 2);            /* loads the unwinder now, not inside a report */
        atexit(at_exit);
        pthread_atfork(fork_prepare, fork_parent, fork_child);
    }
    /* each field on its own: the hot path reads them without the mutex */
#define V_OPT_STORE_BOOL(name) __atomic_store_n(&ndislock__v.opt.name, o.name, __ATOMIC_RELAXED);
#define V_OPT_STORE_UINT(name) __atomic_store_n(&ndislock__v.opt.name, o.name, __ATOMIC_RELAXED);
#define V_OPT_STORE_OUT(name)  memcpy(ndislock__v.opt.name, o.name, sizeof o.name);
#define V_OPT_STORE_IN(name)   memcpy(ndislock__v.opt.name, o.name, sizeof o.name);
#define V_OPT_STORE(name, kind, dflt, lo, hi, shown, help) V_OPT_STORE_##kind(name)
    V_OPTIONS(V_OPT_STORE)
    budget();
    /* holds recorded before a switch off may be released unchecked: a new epoch forgets them */
    if (on != ndislock_pr_load(&ndislock__checked, NDISLOCK_RELAXED))
        __atomic_store_n(&ndislock__v.epoch, ndislock__v.epoch + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&ndislock__event_hook, o.verify ? ndislock__v_event : NULL, __ATOMIC_RELEASE);
    ndislock_pr_store(&ndislock__checked, on, NDISLOCK_RELAXED);
    rc = 0;
out:
    ndislock__v_unlock(t);
    ndislock__v_leave(&s);
    ndislock__v_supp_free(supp);            /* loaded, then another option failed */
    if (rc == 0 && on)
        ndislock__v_calibrate(v_self());    /* the mode changed: so did a checked pair's cost */
    return rc;
}

int ndislock_verifier_configure(const char *options)
{
    int help;

    return configure(options, &help, 0);
}

int ndislock_verifier_enabled(void)
{
    return ndislock_pr_load(&ndislock__checked, NDISLOCK_RELAXED) &&
           __atomic_load_n(&ndislock__v.opt.verify, __ATOMIC_RELAXED);
}

unsigned long ndislock_verifier_report_count(void)
{
    return __atomic_load_n(&ndislock__v.errors, __ATOMIC_RELAXED);
}

unsigned long ndislock_verifier_warning_count(void)
{
    return __atomic_load_n(&ndislock__v.warnings, __ATOMIC_RELAXED);
}

unsigned long ndislock_verifier_suppressed_count(void)
{
    return __atomic_load_n(&ndislock__v_nsuppressed, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void from_environment(void)
{
    const char *env = getenv("NDISLOCK_OPTIONS");
    int help;

    if (env == NULL || *env == '\0')
        return;
    if (configure(env, &help, 1) < 0) {
        ndislock__v_say("ndislock: error: bad NDISLOCK_OPTIONS=\"%s\"", env);
        _exit(2);
    }
    if (help)
        _exit(0);                           /* help=1, as the sanitizers': the program does not run */
}

/* ---- exit ---- */

/* Writes the buffer to path; an error message if it cannot. */
static void write_file(const char *key, const char *path, const v_buf *b)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    if (fd < 0) {
        ndislock__v_say("ndislock: error: %s: cannot write '%s' (%s)", key, path, strerror(errno));
        return;
    }
    if (b->p)
        ndislock__v_write(fd, b->p, b->len);
    close(fd);
}

static void *flush_all(void *arg)
{
    (void)arg;
    fflush(NULL);
    return NULL;
}

/* stdio flushed before _exit, but never waiting more than a second on a stream lock someone holds */
static void flush_stdio(void)
{
    pthread_t th;
    struct timespec dl;

    if (pthread_create(&th, NULL, flush_all, NULL) != 0)
        return;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 1;
    if (pthread_timedjoin_np(th, NULL, &dl) != 0)
        pthread_detach(th);
}

/* Mutex with a deadline: a thread stuck inside the verifier must not block exit. */
static int lock_for_exit(struct v_thread *t)
{
    struct timespec dl;

    if (t != NULL && t->mu_depth > 0)
        return 0;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 2;
    if (pthread_mutex_timedlock(&ndislock__v.mu, &dl) != 0)
        return 0;
    if (t != NULL)
        t->mu_depth++;
    return 1;
}

/* Process exit (or unload): held locks, armed objects, statistics, the summary, then exit
 * with exitcode (66) if an error was reported and halt_on_error=0. */
V_CODE static void at_exit(void)
{
    struct v_thread *t = ndislock__vt;
    struct v_slow s;
    v_buf b = { 0 };

    ndislock__sched_exit_line();            /* the schedule's line (once), before any _exit below */
    if (!ndislock_pr_load(&ndislock__checked, NDISLOCK_RELAXED) ||
        __atomic_exchange_n(&ndislock__v.exiting, 1, __ATOMIC_RELAXED))
        return;
    ndislock__v_enter(&s, t);
    int verify = __atomic_load_n(&ndislock__v.opt.verify, __ATOMIC_RELAXED);
    if (verify && t != NULL && t->epoch == __atomic_load_n(&ndislock__v.epoch, __ATOMIC_RELAXED))
        ndislock__v_thread_exit_check(t, "the process exits while this thread holds");
    if (verify)
        ndislock__v_audit_armed(NULL, 1, NULL);
    int locked = lock_for_exit(t);
    int stats = ndislock__v.opt.stats;
    /* stats=-1 (not given): the table comes with verify=1 */
    if (stats > 0 || (stats < 0 && verify)) {
        ndislock__v_stats_text(&b, 0);
        if (b.p)
            ndislock__v_write(ndislock__v.log_fd, b.p, b.len);
        ndislock__v_bfree(&b);
    }
    if (ndislock__v.opt.stats_json[0]) {
        ndislock__v_stats_text(&b, 1);
        write_file("stats_json", ndislock__v.opt.stats_json, &b);
        ndislock__v_bfree(&b);
    }
    if (ndislock__v.opt.dot[0]) {
        ndislock__v_graph_dot(&b);
        write_file("dot", ndislock__v.opt.dot, &b);
        ndislock__v_bfree(&b);
    }
    unsigned long n = ndislock_verifier_report_count();
    unsigned code = ndislock__v.opt.exitcode;
    int fail = verify && !ndislock__v.opt.halt_on_error && n > 0 && code != 0;
    ndislock__v_summary(&b);
    if (fail)
        ndislock__v_bprintf(&b, "ndislock: exiting with status %u (halt_on_error=0; exitcode= "
                            "sets it)\n", code);
    if (b.p)
        ndislock__v_write(ndislock__v.log_fd, b.p, b.len);
    ndislock__v_bfree(&b);
    if (locked)
        ndislock__v_unlock(t);
    ndislock__v_leave(&s);
    if (fail) {
        flush_stdio();
        /* the exit system call itself: a sanitizer's _exit would flush stdio again, and
         * block on a stream another thread holds */
        syscall(SYS_exit_group, (int)code);
        _exit((int)code);
    }
}

/* ---- fork ---- */

static int fork_locked;

static void fork_prepare(void)
{
    struct v_thread *t = ndislock__vt;

    ndislock__v_armed_lock_all();
    fork_locked = t == NULL || t->mu_depth == 0;
    if (fork_locked)
        pthread_mutex_lock(&ndislock__v.mu);
}

static void fork_parent(void)
{
    if (fork_locked)
        pthread_mutex_unlock(&ndislock__v.mu);
    ndislock__v_armed_unlock_all();
}

static void fork_child(void)
{
    struct v_thread *t = ndislock__vt;

    /* this thread is the only one left: nothing can be mid-change but its own sections */
    pthread_mutex_init(&ndislock__v.mu, NULL);
    if (ndislock__v.opt.log_path[0]) {     /* log_path: the child's reports go to its own file */
        int fd = open_out("log_path", ndislock__v.opt.log_path, -1);
        if (fd >= 0) {
            dup2(fd, ndislock__v.log_fd);   /* same descriptor number: nothing else changes */
            close(fd);
        }
    }
    ndislock__v_armed_fork_child();
    ndislock__v_registry_fork_child(t);
    if (t != NULL && t->mu_depth > 0)
        pthread_mutex_lock(&ndislock__v.mu);    /* it was inside: keep its sections balanced */
}

/* ---- unload ---- */

__attribute__((destructor)) static void retire(void)
{
    __atomic_store_n(&ndislock__v.retired, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&ndislock__event_hook, (ndislock_event_fn *)NULL, __ATOMIC_RELEASE);
    ndislock__v_thread_key_delete();
    if (lock_for_exit(ndislock__vt)) {
        ndislock__v_registry_disarm();
        ndislock__v_unlock(ndislock__vt);
    }
    ndislock__preempt_disarm(ndislock__preempt_area());
}
