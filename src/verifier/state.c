/*
 * Verifier state: options, the lock and class tables, thread registration,
 * switching on from NDISLOCK_OPTIONS, and what happens at exit.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "core/events.h"
#include "lock/park.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <execinfo.h>

int ndislock__checked;
int ndislock__unchecked_inits;
struct v_state vstate = { .mu = PTHREAD_MUTEX_INITIALIZER,
                          .opt = { .halt_on_error = 1, .stats = -1, .hold_us = 25, .deadlock_ms = 5000 } };
__thread struct v_thread vthread;

static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;

/*
 * Time stamps for hold and wait times.  clock_gettime through the vDSO costs
 * ~20 ns, two per acquire/release pair, about half of the checked path; on
 * x86-64 the TSC read directly is cheaper.  Used only when the kernel's own
 * clocksource is "tsc" (it checked that the TSC is invariant and synchronized
 * across CPUs), converted with a factor calibrated against CLOCK_MONOTONIC
 * over 1 ms when the verifier is first switched on.  Otherwise: clock_gettime.
 */
#if defined(__x86_64__)
static struct {
    uint64_t tsc0, ns0;
    uint64_t mult;              /* ns per tick, 32.32 fixed point; 0: not calibrated */
} tsc;

static int kernel_uses_tsc(void)
{
    char buf[32] = "";
    FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

    if (f == NULL)
        return 0;
    if (fgets(buf, sizeof buf, f) == NULL)
        buf[0] = '\0';
    fclose(f);
    return !strcmp(buf, "tsc\n");
}

static void tsc_calibrate(void)
{
    if (!kernel_uses_tsc())
        return;
    uint64_t n0 = ndislock__now_ns(), t0 = __builtin_ia32_rdtsc(), n1, t1;
    do {
        n1 = ndislock__now_ns();
        t1 = __builtin_ia32_rdtsc();
    } while (n1 - n0 < 1000000u);
    if (t1 <= t0)
        return;
    tsc.tsc0 = t1;
    tsc.ns0 = n1;
    tsc.mult = (uint64_t)(((unsigned __int128)(n1 - n0) << 32) / (t1 - t0));
}

uint64_t v_now_ns(void)
{
    if (tsc.mult == 0)
        return ndislock__now_ns();
    uint64_t d = __builtin_ia32_rdtsc() - tsc.tsc0;
    return tsc.ns0 + (uint64_t)(((unsigned __int128)d * tsc.mult) >> 32);
}
#else
static void tsc_calibrate(void)
{
}

uint64_t v_now_ns(void)
{
    return ndislock__now_ns();
}
#endif

uint64_t v_tid(void)
{
    return (uint64_t)syscall(SYS_gettid);
}

/* Thread exit: a lock still held is LOCK_HELD_AT_EXIT. */
static void thread_exit(void *arg)
{
    (void)arg;
    struct v_thread *t = &vthread;

    if (t->nheld == 0 || !vstate.opt.verify)
        return;
    pthread_mutex_lock(&vstate.mu);
    t->guard++;
    v_report(R_LOCK_HELD_AT_EXIT, t->held[t->nheld - 1].lk, &t->held[t->nheld - 1].lk->acquired,
             "lock acquired at", "thread %llu exits holding %u lock(s)",
             (unsigned long long)t->tid, t->nheld);
    t->guard--;
    pthread_mutex_unlock(&vstate.mu);
}

static void make_key(void)
{
    (void)pthread_key_create(&thread_key, thread_exit);
}

struct v_thread *v_self(void)
{
    struct v_thread *t = &vthread;

    if (NDISLOCK_UNLIKELY(!t->registered)) {
        t->registered = 1;
        t->tid = v_tid();
        pthread_once(&thread_key_once, make_key);
        (void)pthread_setspecific(thread_key, t);   /* non-NULL: destructor runs */
    }
    return t;
}

/* Fibonacci hashing of the (8-aligned) lock address. */
static size_t slot_of(uintptr_t addr)
{
    return (size_t)(((uint64_t)addr >> 3) * 0x9E3779B97F4A7C15ull >> 50) & (V_LOCKS - 1);
}

/* The table pointer is published once (release) before the hot path can see it. */
static struct v_lock *lock_table(void)
{
    return __atomic_load_n(&vstate.locks, __ATOMIC_ACQUIRE);
}

enum v_lock_state v_state_of(const struct v_lock *lk)
{
    return (enum v_lock_state)__atomic_load_n(&lk->state, __ATOMIC_ACQUIRE);
}

/* Release: a reader that sees the state also sees addr and cls, written before. */
void v_set_state(struct v_lock *lk, enum v_lock_state s)
{
    __atomic_store_n(&lk->state, (uint8_t)s, __ATOMIC_RELEASE);
}

/* Lock-free: slots only ever go from EMPTY to used, and keep their addr. */
struct v_lock *v_lookup(uintptr_t addr)
{
    struct v_lock *locks = lock_table();

    if (locks == NULL)
        return NULL;
    for (size_t i = slot_of(addr), n = 0; n < V_LOCKS; i = (i + 1) & (V_LOCKS - 1), n++) {
        struct v_lock *lk = &locks[i];
        if (v_state_of(lk) == VL_EMPTY)
            return NULL;
        if (__atomic_load_n(&lk->addr, __ATOMIC_RELAXED) == addr)
            return lk;
    }
    return NULL;
}

/* Records are never removed (a freed lock stays known for LOCK_USE_AFTER_FREE). */
struct v_lock *v_insert(uintptr_t addr)
{
    struct v_lock *locks = lock_table();

    if (locks == NULL)
        return NULL;
    for (size_t i = slot_of(addr), n = 0; n < V_LOCKS; i = (i + 1) & (V_LOCKS - 1), n++) {
        struct v_lock *lk = &locks[i];
        if (v_state_of(lk) == VL_EMPTY || lk->addr == addr) {
            __atomic_store_n(&lk->addr, addr, __ATOMIC_RELAXED);
            return lk;
        }
    }
    if (!vstate.table_full_noted) {
        vstate.table_full_noted = 1;
        fprintf(vstate.log, "ndislock: note: verifier lock table full (%d locks); new locks untracked\n",
                V_LOCKS);
    }
    return NULL;
}

struct v_class *v_class_of(const struct ndislock_site *site)
{
    for (unsigned i = 0; i < vstate.nclasses; i++)
        if (vstate.classes[i].site == site)
            return &vstate.classes[i];
    if (vstate.nclasses == V_CLASSES)
        return &vstate.classes[0];          /* overflow shares the unknown class */
    struct v_class *c = &vstate.classes[vstate.nclasses++];
    c->site = site;
    c->wait.min = c->hold.min = UINT64_MAX;
    return c;
}

int v_alloc_tables(void)
{
    if (vstate.locks != NULL)
        return 0;
    tsc_calibrate();                        /* before any thread can read the clock */
    struct v_lock *locks = calloc(V_LOCKS, sizeof *locks);
    vstate.classes = calloc(V_CLASSES, sizeof *vstate.classes);
    if (locks == NULL || vstate.classes == NULL) {
        free(locks);
        return -1;
    }
    v_class_of(NULL);                       /* class 0: locks the verifier never saw initialized */
    __atomic_store_n(&vstate.locks, locks, __ATOMIC_RELEASE);
    return 0;
}

/* ---- options ---- */

static int parse_uint(const char *v, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x > 0xffffffffu || *v == '-')
        return -1;
    *out = (unsigned)x;
    return 0;
}

static int parse_options(const char *options, struct v_options *o)
{
    char buf[1024];

    if (strlen(options) >= sizeof buf) {
        fprintf(stderr, "ndislock: error: NDISLOCK_OPTIONS too long\n");
        return -1;
    }
    strcpy(buf, options);
    for (char *save = NULL, *kv = strtok_r(buf, ":", &save); kv; kv = strtok_r(NULL, ":", &save)) {
        char *v = strchr(kv, '=');
        unsigned u;
        if (v == NULL) {
            fprintf(stderr, "ndislock: error: option '%s' has no value (expected key=value)\n", kv);
            return -1;
        }
        *v++ = '\0';
        int *flag = !strcmp(kv, "verify") ? &o->verify
                  : !strcmp(kv, "halt_on_error") ? &o->halt_on_error
                  : !strcmp(kv, "stats") ? &o->stats
                  : !strcmp(kv, "lock_nested") ? &o->lock_nested
                  : !strcmp(kv, "acquire_stacks") ? &o->acquire_stacks : NULL;
        unsigned *num = !strcmp(kv, "hold_us") ? &o->hold_us
                      : !strcmp(kv, "deadlock_ms") ? &o->deadlock_ms : NULL;
        char *path = !strcmp(kv, "log") ? o->log : !strcmp(kv, "json") ? o->json
                   : !strcmp(kv, "stats_json") ? o->stats_json : !strcmp(kv, "dot") ? o->dot : NULL;
        if (flag) {
            if (strcmp(v, "0") && strcmp(v, "1")) {
                fprintf(stderr, "ndislock: error: option '%s' must be 0 or 1, not '%s'\n", kv, v);
                return -1;
            }
            *flag = *v == '1';
        } else if (num) {
            if (parse_uint(v, &u) < 0) {
                fprintf(stderr, "ndislock: error: option '%s' needs a number, not '%s'\n", kv, v);
                return -1;
            }
            *num = u;
        } else if (path) {
            if (strlen(v) >= sizeof o->log) {
                fprintf(stderr, "ndislock: error: option '%s': path too long\n", kv);
                return -1;
            }
            strcpy(path, v);
        } else {
            fprintf(stderr, "ndislock: error: unknown option '%s' (known: verify, halt_on_error, "
                            "stats, hold_us, lock_nested, acquire_stacks, deadlock_ms, log, json, stats_json, dot)\n", kv);
            return -1;
        }
    }
    return 0;
}

static FILE *open_out(const char *path, FILE *dflt)
{
    if (path[0] == '\0')
        return dflt;
    FILE *f = fopen(path, "a");
    if (f == NULL) {
        fprintf(stderr, "ndislock: warning: cannot open '%s' (%s); using stderr\n", path,
                strerror(errno));
        return dflt;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

static void event_hook(const struct ndislock_event *e);
static void at_exit(void);

int ndislock_verifier_configure(const char *options)
{
    struct v_thread *t = &vthread;
    struct v_options o;
    int rc = 0;

    pthread_mutex_lock(&vstate.mu);
    t->guard++;
    o = vstate.opt;
    if (options == NULL || parse_options(options, &o) < 0) {
        rc = -1;
        goto out;
    }
    if ((o.verify || o.stats > 0) && v_alloc_tables() < 0) {
        fprintf(stderr, "ndislock: error: verifier: out of memory\n");
        rc = -1;
        goto out;
    }
    if (strcmp(o.log, vstate.opt.log) || vstate.log == NULL) {
        if (vstate.log != NULL && vstate.log != stderr)
            fclose(vstate.log);
        vstate.log = open_out(o.log, stderr);
    }
    if (strcmp(o.json, vstate.opt.json) || (vstate.json == NULL && o.json[0])) {
        if (vstate.json != NULL)
            fclose(vstate.json);
        vstate.json = o.json[0] ? open_out(o.json, NULL) : NULL;
    }
    vstate.opt = o;
    if (o.verify || o.stats > 0) {
        static int once;
        if (!once) {
            void *pcs[2];
            once = 1;
            (void)backtrace(pcs, 2);        /* loads the unwinder now, not inside a report */
            atexit(at_exit);
        }
    }
    __atomic_store_n(&ndislock__event_hook, o.verify ? event_hook : NULL, __ATOMIC_RELEASE);
    ndislock_pr_store(&ndislock__checked, o.verify || o.stats > 0, NDISLOCK_RELAXED);
out:
    t->guard--;
    pthread_mutex_unlock(&vstate.mu);
    return rc;
}

int ndislock_verifier_enabled(void)
{
    return ndislock_pr_load(&ndislock__checked, NDISLOCK_RELAXED) && vstate.opt.verify;
}

unsigned long ndislock_verifier_report_count(void)
{
    return __atomic_load_n(&vstate.errors, __ATOMIC_RELAXED);
}

unsigned long ndislock_verifier_warning_count(void)
{
    return __atomic_load_n(&vstate.warnings, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void from_environment(void)
{
    const char *env = getenv("NDISLOCK_OPTIONS");

    if (env == NULL || *env == '\0')
        return;
    if (ndislock_verifier_configure(env) < 0) {
        fprintf(stderr, "ndislock: error: bad NDISLOCK_OPTIONS=\"%s\"\n", env);
        _exit(2);
    }
}

static void dump_file(const char *path, int kind)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return;
    if (kind == 0)
        v_stats_dump_locked(f, 1);
    else
        v_graph_dot(f);
    fclose(f);
}

/* Process exit: the exiting thread's held locks, the statistics, then exit 66 if anything was reported. */
static void at_exit(void)
{
    struct v_thread *t = &vthread;

    if (!ndislock_pr_load(&ndislock__checked, NDISLOCK_RELAXED))
        return;
    pthread_mutex_lock(&vstate.mu);
    t->guard++;
    if (vstate.opt.verify)
        v_exit_check();
    /* stats=-1 (not given): the table comes with verify=1 */
    if (vstate.opt.stats > 0 || (vstate.opt.stats < 0 && vstate.opt.verify))
        v_stats_dump_locked(vstate.log, 0);
    if (vstate.opt.stats_json[0])
        dump_file(vstate.opt.stats_json, 0);
    if (vstate.opt.dot[0])
        dump_file(vstate.opt.dot, 1);
    int fail = vstate.opt.verify && !vstate.opt.halt_on_error && vstate.errors > 0;
    unsigned long n = vstate.errors;
    t->guard--;
    pthread_mutex_unlock(&vstate.mu);
    if (fail) {
        fprintf(vstate.log, "ndislock: %lu error(s) reported; exiting with status 66\n", n);
        fflush(NULL);
        _exit(66);
    }
}

/* ---- events from the context code (src/core/events.h) ---- */

static const struct {
    const char *name;
    ndislock_irql_t lo, hi;
    unsigned flags;
} calls[NDISLOCK_CALL_COUNT] = {
#define CALL_ROW_(id, name, lo, hi, fl, ref) { name, lo, hi, fl },
    NDISLOCK_CALL_TABLE(CALL_ROW_)
#undef CALL_ROW_
};

static void event_hook(const struct ndislock_event *e)
{
    struct v_thread *t = v_self();
    ndislock_irql_t irql = ndislock_tls.irql;
    const char *what = e->role ? e->role : calls[e->call].name;

    if (t->guard || !vstate.opt.verify)
        return;
    pthread_mutex_lock(&vstate.mu);
    t->guard++;
    switch (e->kind) {
    case NDISLOCK_EV_CALLBACK_ENTER:
        if (t->ncb < V_CALLBACKS)
            t->cb[t->ncb] = (struct v_callback){ what, t->nheld, irql };
        t->ncb++;
        break;
    case NDISLOCK_EV_CALLBACK_EXIT:
        if (t->ncb == 0)
            break;
        if (--t->ncb < V_CALLBACKS) {
            struct v_callback *c = &t->cb[t->ncb];
            if (t->nheld > c->held) {
                struct v_lock *lk = t->held[t->nheld - 1].lk;
                v_report(R_LOCK_HELD_AT_EXIT, lk, &lk->acquired, "lock acquired at",
                         "%s returns holding %u lock(s) it acquired", c->what ? c->what : "callback",
                         t->nheld - c->held);
            } else if (irql != c->irql) {
                v_report(R_LOCK_HELD_AT_EXIT, NULL, NULL, NULL,
                         "%s returns at IRQL %u; it was called at IRQL %u",
                         c->what ? c->what : "callback", irql, c->irql);
            }
        }
        break;
    case NDISLOCK_EV_WAIT: {
        /* the row allows what its zero-timeout poll allows; a real wait also
         * needs IRQL < DISPATCH_LEVEL and no spin lock held */
        struct v_lock *lk = t->nheld ? t->held[t->nheld - 1].lk : NULL;
        if (irql > calls[e->call].hi ||
            (e->arg != 0 && (irql >= NDISLOCK_DISPATCH_LEVEL || t->nheld > 0)))
            v_report(R_BLOCKING_AT_DISPATCH, lk, lk ? &lk->acquired : NULL, "lock acquired at",
                     "%s called at IRQL %u holding %u spin lock(s)", what, irql, t->nheld);
        break;
    }
    case NDISLOCK_EV_CALL:
    case NDISLOCK_EV_STALL:
        if (irql > calls[e->call].hi)
            v_report(R_IRQL_CALL_TOO_HIGH, NULL, NULL, NULL, "%s called at IRQL %u (allowed: %u..%u)",
                     what, irql, calls[e->call].lo, calls[e->call].hi);
        else if (irql < calls[e->call].lo)
            v_report(R_IRQL_DPR_NOT_DISPATCH, NULL, NULL, NULL, "%s called at IRQL %u (allowed: %u..%u)",
                     what, irql, calls[e->call].lo, calls[e->call].hi);
        if (e->kind == NDISLOCK_EV_STALL && e->arg > 50)
            v_report(R_STALL_TOO_LONG, NULL, NULL, NULL, "%s(%lld) stalls over 50 us", what,
                     (long long)e->arg);
        break;
    case NDISLOCK_EV_INTERRUPT_NOT_REGISTERED:
        v_report(R_INTERRUPT_LIFECYCLE, NULL, NULL, NULL, "%s on interrupt handle %p", what, e->obj);
        break;
    case NDISLOCK_EV_SELF_DEADLOCK:
        v_report(R_LOCK_RECURSIVE_ACQUIRE, NULL, NULL, NULL,
                 "%s would wait for %p, which this thread holds (self-deadlock); the call returns "
                 "without running", what, e->obj);
        break;
    case NDISLOCK_EV_ARMED:
    case NDISLOCK_EV_DISARMED:
        break;      /* ACTIVE_AT_UNLOAD: not yet audited */
    }
    t->guard--;
    pthread_mutex_unlock(&vstate.mu);
}
