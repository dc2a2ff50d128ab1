/*
 * Reports: the rule table (with the Driver Verifier / SDV check each one
 * corresponds to), one function that builds a report in a buffer, and
 * write(2) on the log descriptor.  No stdio: a thread holding stderr's
 * lock (flockfile) while another thread reports cannot deadlock with the
 * verifier, and a thread cancelled or killed mid-report leaves no stdio
 * lock behind.
 */
#define _GNU_SOURCE
#include "report.h"
#include "../sched/sched.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct {
    const char *id;
    int warning;
    const char *why;        /* the documented rule */
    const char *ref;        /* Driver Verifier / SDV / lockdep equivalent, "" if none */
} rules[R_COUNT] = {
    [R_LOCK_NOT_INITIALIZED] = { "LOCK_NOT_INITIALIZED", 0,
        "spin lock used before NdisAllocateSpinLock/KeInitializeSpinLock (\"initialize ... before it calls any other Ndis..SpinLock function\")",
        "Driver Verifier deadlock detection 0xC4/0x1002" },
    [R_LOCK_USE_AFTER_FREE] = { "LOCK_USE_AFTER_FREE", 0,
        "spin lock used after NdisFreeSpinLock (\"it no longer represents a spin lock\")",
        "lockdep DEBUG_SPINLOCK \"bad magic\"" },
    [R_LOCK_FREE_WHILE_HELD] = { "LOCK_FREE_WHILE_HELD", 0,
        "spin lock freed or re-initialized while it is held",
        "Driver Verifier 0xC4/0x100B; lockdep \"held lock freed!\"" },
    [R_LOCK_DOUBLE_INIT] = { "LOCK_DOUBLE_INIT", 1,
        "NDIS spin lock initialized again while live (NdisAllocateSpinLock without NdisFreeSpinLock in between)",
        "Driver Verifier 0xC4/0x1005" },
    [R_LOCK_RECURSIVE_ACQUIRE] = { "LOCK_RECURSIVE_ACQUIRE", 0,
        "spin lock acquired again by the thread that holds it (spin locks are not recursive: self-deadlock)",
        "SDV SpinLock / wdm SpinLock; Driver Verifier 0xC4/0x1000; lockdep \"possible recursive locking\"" },
    [R_LOCK_RELEASE_NOT_HELD] = { "LOCK_RELEASE_NOT_HELD", 0,
        "release of a spin lock that is not held (double release)",
        "SDV SpinLockRelease; Driver Verifier 0xC4/0x1007; lockdep \"bad unlock balance\"" },
    [R_LOCK_RELEASE_WRONG_OWNER] = { "LOCK_RELEASE_WRONG_OWNER", 0,
        "spin lock released by a thread that does not hold it",
        "Driver Verifier 0xC4/0x1004" },
    [R_LOCK_VARIANT_MISMATCH] = { "LOCK_VARIANT_MISMATCH", 0,
        "a spin lock is released by the call family it was acquired with (NdisDpr*/Ndis*, Ke*/AtDpcLevel/ForDpc, queued or ordinary, never both for one lock)",
        "Driver Verifier 0xC4/0x1008, 0x1009" },
    [R_IRQL_DPR_NOT_DISPATCH] = { "IRQL_DPR_NOT_DISPATCH", 0,
        "a call the WDK requires at DISPATCH_LEVEL (NdisDpr*, Ke*AtDpcLevel/FromDpcLevel, KeTryToAcquireSpinLockAtDpcLevel, NDIS_RWL_AT_DISPATCH_LEVEL) made elsewhere",
        "SDV Irql_Synch_Function, IrqlDispatch; Driver Verifier 0xC4/0x40, 0x41" },
    [R_IRQL_ACQUIRE_TOO_HIGH] = { "IRQL_ACQUIRE_TOO_HIGH", 0,
        "a spin lock acquired above the IRQL its WDK page allows (DISPATCH_LEVEL for the raising forms)",
        "SDV IrqlKeDispatchLte; Driver Verifier 0xC4/0x42" },
    [R_IRQL_CALL_TOO_HIGH] = { "IRQL_CALL_TOO_HIGH", 0,
        "a call made above the highest IRQL its WDK reference page allows", "" },
    [R_IRQL_BAD_RAISE_LOWER] = { "IRQL_BAD_RAISE_LOWER", 0,
        "KeRaiseIrql must not lower, KeLowerIrql must not raise, and a spin lock release must not restore an IRQL above the current one",
        "SDV IrqlKeRaiseLower, IrqlKeReleaseSpinLock; Driver Verifier 0xC4/0x30, 0x31, 0x32" },
    [R_LOCK_RELEASE_ORDER] = { "LOCK_RELEASE_ORDER", 0,
        "spin locks must be released in the reverse order of acquisition, or the restored IRQL is wrong",
        "Driver Verifier 0xC4/0x1003" },
    [R_LOCK_HELD_AT_EXIT] = { "LOCK_HELD_AT_EXIT", 0,
        "a DPC, timer, ISR, synchronize callback or driver handler (or a thread) must release its locks and restore the IRQL before it returns",
        "SDV SpinLock, SpinLockBalanced, IrqlReturn; Driver Verifier 0xC4/0x100A, 0x111; bug check 0xC8" },
    [R_LOCK_ORDER_CYCLE] = { "LOCK_ORDER_CYCLE", 0,
        "locks taken in inconsistent order (a cycle in the lock order graph): possible deadlock",
        "Driver Verifier 0xC4/0x1001; lockdep \"possible circular locking dependency\"" },
    [R_LOCK_DEADLOCK] = { "LOCK_DEADLOCK", 0,
        "a lock wait exceeded the watchdog bound (deadlock or a holder that never releases)",
        "lockdep DEBUG_SPINLOCK \"lockup suspected\"" },
    [R_ISR_SPINLOCK] = { "ISR_SPINLOCK", 0,
        "NDIS spin locks synchronize \"non-ISR driver functions\"; data shared with MiniportInterrupt goes through NdisMSynchronizeWithInterruptEx",
        "lockdep \"inconsistent lock state\" (IN-HARDIRQ)" },
    [R_INTERRUPT_LIFECYCLE] = { "INTERRUPT_LIFECYCLE", 0,
        "NdisMSynchronizeWithInterruptEx needs an interrupt registered with NdisMRegisterInterruptEx and not yet deregistered",
        "SDV NdisMDeregisterInterruptEx" },
    [R_INTERLOCKED_LOCK_HELD] = { "INTERLOCKED_LOCK_HELD", 0,
        "NdisInterlocked*/ExInterlocked* acquire the spin lock themselves; the caller must not hold it",
        "Driver Verifier 0xC4/0x1000 (recursive acquisition)" },
    [R_BLOCKING_AT_DISPATCH] = { "BLOCKING_AT_DISPATCH", 0,
        "a blocking wait needs IRQL < DISPATCH_LEVEL and no spin lock held",
        "SDV Irql_Miniport_Driver_Function; Driver Verifier 0xC4/0x3B, 0x122; bug checks 0xB8, 0x7C/0x14" },
    [R_STALL_TOO_LONG] = { "STALL_TOO_LONG", 0,
        "NdisStallExecution/KeStallExecutionProcessor must not stall longer than 50 microseconds",
        "SDV NdisStallExecution_Delay" },
    [R_ACTIVE_AT_UNLOAD] = { "ACTIVE_AT_UNLOAD", 0,
        "timers must be cancelled, queued DPCs flushed and interrupts deregistered before MiniportHaltEx returns (or the driver unloads)",
        "SDV CancelTimerObject, Init_DeRegisterInterrupt; bug check 0x7C/0x09-0x0E; Driver Verifier 0xC4/0x15" },
    [R_HOLD_TIME_EXCEEDED] = { "HOLD_TIME_EXCEEDED", 1,
        "\"Holding a spin lock for longer than 25 microseconds degrades both system and driver performance\"",
        "" },
    [R_DPC_TIME_EXCEEDED] = { "DPC_TIME_EXCEEDED", 1,
        "\"DPCs should not run longer than 100 microseconds and ISRs should not run longer than 25 microseconds\"",
        "bug check 0x133 DPC_WATCHDOG_VIOLATION" },
    [R_LOCK_NESTED] = { "LOCK_NESTED", 1,
        "two NDIS spin locks held at once (opt-in warning: nesting invites deadlock)", "" },
};

const char *ndislock__v_rule_id(enum v_rule r)
{
    return rules[r].id;
}

const char *ndislock__v_rule_ref(enum v_rule r)
{
    return rules[r].ref;
}

int ndislock__v_rule_warning(enum v_rule r)
{
    return rules[r].warning;
}

/* ---- buffer ---- */

void ndislock__v_bputs(v_buf *b, const char *s)
{
    ndislock__v_bprintf(b, "%s", s);
}

void ndislock__v_bprintf(v_buf *b, const char *fmt, ...)
{
    va_list ap;

    for (int pass = 0; pass < 2 && !b->oom; pass++) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 1024;
        while (cap - b->len <= (size_t)n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

void ndislock__v_bjson(v_buf *b, const char *s)
{
    ndislock__v_bputs(b, "\"");
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            ndislock__v_bprintf(b, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            ndislock__v_bprintf(b, "\\u%04x", (unsigned)(unsigned char)*s);
        else
            ndislock__v_bprintf(b, "%c", *s);
    }
    ndislock__v_bputs(b, "\"");
}

void ndislock__v_bfree(v_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void ndislock__v_write(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

/* A one-line message on the log ("ndislock: note: ..."). */
void ndislock__v_note(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n = snprintf(line, sizeof line, "ndislock: note: ");

    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ndislock__v_write(ndislock__v.log_fd, line, (size_t)n);
}

/* ---- reports ---- */

const char *ndislock__v_lock_name(const struct v_lock *lk)
{
    const struct v_class *c = lk ? __atomic_load_n(&lk->cls, __ATOMIC_RELAXED) : NULL;

    if (lk == NULL)
        return "?";
    return c && c->key ? c->name : "<not initialized>";
}

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static const char *irql_name(unsigned irql)
{
    return irql == 0 ? "PASSIVE_LEVEL" : irql == 1 ? "APC_LEVEL" : irql == 2 ? "DISPATCH_LEVEL"
         : irql == 15 ? "HIGH_LEVEL" : "DIRQL";
}

static const char *ctx_name(unsigned c)
{
    static const char *const n[] = { "thread", "DPC", "timer", "ISR", "MiniportDisableInterruptEx",
                                     "synchronize callback" };
    return c < sizeof n / sizeof n[0] ? n[c] : "?";
}

int ndislock__v_dedup = 1;                  /* tests that count every report set it to 0 */

/* Reports nobody wants twice (a loop repeating a bug): rule + lock class + call site + the
 * detail less its digits (the call it is about, not its varying numbers).  Under mu. */
static int seen_before(enum v_rule rule, const struct v_lock *lk, const struct v_stack *st,
                       const char *detail)
{
    enum { N = 4096 };
    static uint64_t seen[N];
    static unsigned nseen;
    const struct v_class *c = lk ? __atomic_load_n(&lk->cls, __ATOMIC_RELAXED) : NULL;
    uint64_t h = ((uint64_t)rule + 1) * 0x9E3779B97F4A7C15ull;

    h ^= (uint64_t)(uintptr_t)c * 0xC2B2AE3D27D4EB4Full;
    for (int i = 0; i < st->n && i < 4; i++)
        h = (h ^ (uint64_t)(uintptr_t)st->pc[i]) * 0x100000001B3ull;
    for (const char *p = detail; *p; p++)
        if (*p < '0' || *p > '9')
            h = (h ^ (unsigned char)*p) * 0x100000001B3ull;
    for (unsigned i = 0; i < nseen; i++)
        if (seen[i] == h)
            return 1;
    if (nseen < N)
        seen[nseen++] = h;
    return 0;
}

static void count(enum v_rule rule)
{
    __atomic_fetch_add(rules[rule].warning ? &ndislock__v.warnings : &ndislock__v.errors, 1,
                       __ATOMIC_RELAXED);
}

static void halt(void)
{
    static const char m[] =
        "ndislock: halting on the first error (NDISLOCK_OPTIONS=halt_on_error=0 to continue)\n";

    ndislock__v_write(ndislock__v.log_fd, m, sizeof m - 1);
    abort();
}

/* The separator that starts a report: the pid, as the sanitizers' "==PID==". */
static int separator(char *buf, size_t n)
{
    return snprintf(buf, n, "==%d== ============================================================\n",
                    (int)getpid());
}

/*
 * Wall-clock time as RFC 3339 UTC with microseconds, without gmtime_r (it
 * takes glibc's time-zone lock, which a signal handler must not): days to
 * a civil date by Howard Hinnant's algorithm.
 */
static void timestamp(char *buf, size_t n)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long days = ts.tv_sec / 86400, sec = ts.tv_sec % 86400;
    long long z = days + 719468, era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    long long y = (long long)yoe + era * 400 + (m <= 2);

    snprintf(buf, n, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06ldZ", y, m, d, sec / 3600,
             sec / 60 % 60, sec % 60, ts.tv_nsec / 1000);
}

/*
 * From a signal handler that interrupted the verifier on this thread: no
 * mutex, no symbolizer (it may be what was interrupted), a fixed buffer.
 */
static void report_reentered(struct v_report *r)
{
    char buf[1200], now[64];
    const char *sev = rules[r->rule].warning ? "warning" : "error";
    int n = separator(buf, sizeof buf);

    n += snprintf(buf + n, sizeof buf - (size_t)n, "ndislock: %s: %s: %s\n  %s\n  (reported from "
                  "a signal handler that interrupted the verifier: no stacks)\nSUMMARY: ndislock: "
                  "%s\n", sev, rules[r->rule].id, rules[r->rule].why, r->detail, rules[r->rule].id);
    ndislock__v_write(ndislock__v.log_fd, buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
    if (ndislock__v.json_fd >= 0) {
        timestamp(now, sizeof now);
        n = snprintf(buf, sizeof buf, "{\"rule\":\"%s\",\"severity\":\"%s\",\"pid\":%d,\"time\":"
                     "\"%s\",\"message\":\"%s\",\"stack\":[],\"prior_stack\":[]}\n",
                     rules[r->rule].id, sev, (int)getpid(), now,
                     "reported from a signal handler that interrupted the verifier");
        ndislock__v_write(ndislock__v.json_fd, buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
    }
    count(r->rule);
    if (!rules[r->rule].warning && ndislock__v.opt.halt_on_error)
        halt();
}

static void stack_of_pc(struct v_stack *st, void *pc)
{
    st->n = pc != NULL;
    st->pc[0] = pc;
}

/* "file:line in function" of the call at pc (the driver's line for an inline API call). */
static void site_of_pc(v_buf *b, void *pc)
{
    struct v_stack st;
    struct v_sym s[V_SYMS];

    stack_of_pc(&st, pc);
    ndislock__v_print_site(b, ndislock__v_site(s, ndislock__v_symbols(&st, s, V_SYMS)));
}

/*
 * The locks the reporting thread holds (lockdep's "N locks held by"): name,
 * initialization site, where it was taken.  Its own stack: no other thread
 * writes it.
 */
static void held_locks(v_buf *b, v_buf *j, struct v_thread *t, const char *tname)
{
    v_buf none = { 0 };
    unsigned n = 0;

    if (j == NULL)
        j = &none;              /* no JSON: built and dropped (a few bytes per held lock) */

    for (unsigned i = 0; i < t->nheld; i++)
        n += t->held[i].state == VH_HELD;
    if (n == 0)
        ndislock__v_bprintf(b, "  no locks held by thread %d \"%s\"\n", t->os_tid, tname);
    else
        ndislock__v_bprintf(b, "  %u lock%s held by thread %d \"%s\":\n", n, n == 1 ? "" : "s",
                            t->os_tid, tname);
    ndislock__v_bputs(j, ",\"held\":[");
    for (unsigned i = 0, k = 0; i < t->nheld; i++) {
        const struct v_hold *h = &t->held[i];
        const struct v_lock *lk = h->rec;
        const struct v_class *c = lk ? __atomic_load_n(&lk->cls, __ATOMIC_RELAXED) : NULL;
        v_buf at = { 0 }, site = { 0 };
        if (h->state != VH_HELD)
            continue;
        if (c && c->key)
            ndislock__v_bprintf(&site, "%s:%d", base(c->file), c->line);
        site_of_pc(&at, h->pc);
        ndislock__v_bprintf(b, "    #%u: \"%s\" (%s)%s, taken at %s\n", k,
                            lk ? ndislock__v_lock_name(lk) : "?", site.p ? site.p : "?",
                            h->flags & VH_F_READ ? ", shared" : "", at.p ? at.p : "?");
        ndislock__v_bputs(j, k++ ? ",{\"lock\":" : "{\"lock\":");
        ndislock__v_bjson(j, lk ? ndislock__v_lock_name(lk) : "?");
        ndislock__v_bputs(j, ",\"site\":");
        ndislock__v_bjson(j, site.p ? site.p : "");
        ndislock__v_bprintf(j, ",\"shared\":%s,\"taken_at\":", h->flags & VH_F_READ ? "true" : "false");
        ndislock__v_bjson(j, at.p ? at.p : "");
        ndislock__v_bputs(j, "}");
        ndislock__v_bfree(&at);
        ndislock__v_bfree(&site);
    }
    ndislock__v_bputs(j, "]");
    ndislock__v_bfree(&none);
}

/* The report as one JSON line: "rule" and "severity" first, for readers that match its
 * start; "held" follows (held_locks), then the caller closes it. */
static void json_line(v_buf *j, const struct v_report *r, const struct v_class *c,
                      const char *lock, const struct v_thread *t, const char *tname,
                      const char *sched, const char *where, const struct v_sym *syms, int nsyms,
                      const struct v_stack *prior)
{
    const char *sev = rules[r->rule].warning ? "warning" : "error";
    unsigned irql = ndislock_tls.irql;
    char line[120], now[64];

    timestamp(now, sizeof now);
    ndislock__v_bprintf(j, "{\"rule\":\"%s\",\"severity\":\"%s\",\"pid\":%d,\"time\":\"%s\","
                        "\"lock\":", rules[r->rule].id, sev, (int)getpid(), now);
    ndislock__v_bjson(j, lock ? lock : r->lk ? "<not initialized>" : "");
    snprintf(line, sizeof line, "%s:%d", lock ? base(c->file) : "", lock ? c->line : 0);
    ndislock__v_bputs(j, ",\"site\":");
    ndislock__v_bjson(j, lock ? line : "");
    ndislock__v_bprintf(j, ",\"address\":\"%p\",\"message\":",
                        r->lk ? (void *)__atomic_load_n(&r->lk->addr, __ATOMIC_RELAXED) : NULL);
    ndislock__v_bjson(j, r->detail);
    ndislock__v_bputs(j, ",\"equivalent\":");
    ndislock__v_bjson(j, rules[r->rule].ref);
    ndislock__v_bprintf(j, ",\"thread\":{\"tid\":%d,\"name\":", t->os_tid);
    ndislock__v_bjson(j, tname);
    ndislock__v_bprintf(j, "},\"irql\":%u,\"context\":\"%s\",\"schedule\":", irql,
                        ctx_name(ndislock_tls.context));
    ndislock__v_bjson(j, sched);
    ndislock__v_bputs(j, ",\"location\":");
    ndislock__v_bjson(j, where ? where : "");
    ndislock__v_bputs(j, ",\"stack\":");
    ndislock__v_print_symbols(j, syms, nsyms, 1);
    ndislock__v_bputs(j, ",\"prior_stack\":");
    ndislock__v_print_stack(j, prior, 1);
    if (r->nextra) {
        ndislock__v_bputs(j, ",\"edges\":[");
        for (int i = 0; i < r->nextra; i++) {
            ndislock__v_bputs(j, i ? ",{\"edge\":" : "{\"edge\":");
            ndislock__v_bjson(j, r->labels[i]);
            ndislock__v_bputs(j, ",\"stack\":");
            ndislock__v_print_stack(j, &r->extra[i], 1);
            ndislock__v_bputs(j, "}");
        }
        ndislock__v_bputs(j, "]");
    }
}

V_CODE void ndislock__v_report(struct v_thread *t, struct v_report *r)
{
    enum { MAXSYMS = V_FRAMES * V_SYMS };
    struct v_stack here, one;
    const struct v_stack *prior = r->prior;
    v_buf b = { 0 }, j = { 0 }, where = { 0 };
    const struct v_class *c = r->lk ? __atomic_load_n(&r->lk->cls, __ATOMIC_RELAXED) : NULL;
    const char *lock = c && c->key ? c->name : NULL;
    const char *sev = rules[r->rule].warning ? "warning" : "error";
    const int warning = rules[r->rule].warning;
    unsigned irql = ndislock_tls.irql;
    char tname[32] = "", sched[200] = "", line[120];
    int json = ndislock__v.json_fd >= 0;

    if (!ndislock__v_lock(t)) {
        report_reentered(r);
        return;
    }
    ndislock__v_capture(&here, r->pc);
    if (ndislock__v_dedup && seen_before(r->rule, r->lk, &here, r->detail)) {
        ndislock__v_unlock(t);
        return;
    }
    struct v_sym *syms = malloc(MAXSYMS * sizeof *syms);    /* ~27 KB: not on a thread's stack */
    int nsyms = syms ? ndislock__v_symbols(&here, syms, MAXSYMS) : 0;
    if (ndislock__v_suppressed(r->rule, lock, syms, nsyms)) {
        free(syms);
        ndislock__v_unlock(t);
        return;                         /* counted, printed nowhere, no halt, no exit status */
    }
    if (prior == NULL && r->prior_pc != NULL) {
        stack_of_pc(&one, r->prior_pc);
        prior = &one;
    }
    pthread_getname_np(pthread_self(), tname, sizeof tname);
    ndislock__sched_describe(sched, sizeof sched);     /* "" when the simulated processors are off */
    ndislock__v_print_site(&where, ndislock__v_site(syms, nsyms));

    separator(line, sizeof line);
    ndislock__v_bputs(&b, line);
    ndislock__v_bprintf(&b, "ndislock: %s: %s: %s\n", sev, rules[r->rule].id, rules[r->rule].why);
    if (lock)
        ndislock__v_bprintf(&b, "  lock \"%s\" allocated at %s:%d (%p)\n", lock, base(c->file),
                            c->line, (void *)__atomic_load_n(&r->lk->addr, __ATOMIC_RELAXED));
    else if (r->lk)
        ndislock__v_bprintf(&b, "  lock at %p (never initialized)\n",
                            (void *)__atomic_load_n(&r->lk->addr, __ATOMIC_RELAXED));
    ndislock__v_bprintf(&b, "  %s\n", r->detail);
    if (rules[r->rule].ref[0])
        ndislock__v_bprintf(&b, "  equivalent: %s\n", rules[r->rule].ref);
    ndislock__v_bprintf(&b, "  thread %d \"%s\", IRQL %u (%s), context %s\n", t->os_tid, tname,
                        irql, irql_name(irql), ctx_name(ndislock_tls.context));
    if (sched[0])                       /* the simulated processors' seed: replays the run */
        ndislock__v_bprintf(&b, "  schedule: %s\n", sched);
    ndislock__v_bputs(&b, "  at:\n");
    ndislock__v_print_symbols(&b, syms, nsyms, 0);
    if (prior && prior->n) {
        ndislock__v_bprintf(&b, "  %s:\n", r->prior_what ? r->prior_what : "earlier");
        ndislock__v_print_stack(&b, prior, 0);
    }
    for (int i = 0; i < r->nextra; i++) {
        ndislock__v_bprintf(&b, "  %s:\n", r->labels[i]);
        ndislock__v_print_stack(&b, &r->extra[i], 0);
    }

    if (json)
        json_line(&j, r, c, lock, t, tname, sched, where.p, syms, nsyms, prior);
    if (t == ndislock__vt)
        held_locks(&b, json ? &j : NULL, t, tname);
    if (json)
        ndislock__v_bputs(&j, "}\n");
    /* the closing line, as the sanitizers': grep SUMMARY finds every report */
    ndislock__v_bprintf(&b, "SUMMARY: ndislock: %s%s%s\n", rules[r->rule].id, where.p ? " " : "",
                        where.p ? where.p : "");

    if (b.p)
        ndislock__v_write(ndislock__v.log_fd, b.p, b.len);
    if (j.p)
        ndislock__v_write(ndislock__v.json_fd, j.p, j.len);
    ndislock__v_bfree(&b);
    ndislock__v_bfree(&j);
    ndislock__v_bfree(&where);
    free(syms);
    count(r->rule);
    ndislock__v_unlock(t);
    if (!warning && ndislock__v.opt.halt_on_error)
        halt();                 /* no verifier lock held: a SIGABRT handler may exit() */
}

void ndislock__v_summary(v_buf *b)
{
    unsigned long e = ndislock_verifier_report_count(), w = ndislock_verifier_warning_count();
    unsigned long s = __atomic_load_n(&ndislock__v_nsuppressed, __ATOMIC_RELAXED);

    if (e + w + s == 0)
        return;
    ndislock__v_bprintf(b, "SUMMARY: ndislock: %lu error(s), %lu warning(s)", e, w);
    if (s)
        ndislock__v_bprintf(b, ", %lu suppressed", s);
    ndislock__v_bputs(b, "\n");
    ndislock__v_supp_summary(b);
}

V_CODE void ndislock__v_reportf(struct v_thread *t, enum v_rule rule, const struct v_lock *lk, void *pc,
                         const struct v_stack *prior, void *prior_pc, const char *prior_what,
                         const char *fmt, ...)
{
    struct v_report r = { .rule = rule, .lk = lk, .pc = pc, .prior = prior, .prior_pc = prior_pc,
                          .prior_what = prior_what };
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r.detail, sizeof r.detail, fmt, ap);
    va_end(ap);
    ndislock__v_report(t, &r);
}
