/*
 * Reports: the rule table, stack capture, symbolization (libdw when built
 * with it: function, file:line and the inline chain; dladdr otherwise) and
 * the two output formats, text and JSON lines.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef NDISLOCK_HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#endif

static const struct {
    const char *id;
    int warning;
    const char *why;    /* the documented rule */
} rules[R_COUNT] = {
    [R_LOCK_NOT_INITIALIZED] = { "LOCK_NOT_INITIALIZED", 0,
        "spin lock used before NdisAllocateSpinLock/KeInitializeSpinLock (\"initialize ... before it calls any other Ndis..SpinLock function\")" },
    [R_LOCK_USE_AFTER_FREE] = { "LOCK_USE_AFTER_FREE", 0,
        "spin lock used after NdisFreeSpinLock (\"it no longer represents a spin lock\")" },
    [R_LOCK_FREE_WHILE_HELD] = { "LOCK_FREE_WHILE_HELD", 0,
        "spin lock freed or re-initialized while it is held" },
    [R_LOCK_RECURSIVE_ACQUIRE] = { "LOCK_RECURSIVE_ACQUIRE", 0,
        "spin lock acquired again by the thread that holds it (spin locks are not recursive: self-deadlock)" },
    [R_LOCK_RELEASE_NOT_HELD] = { "LOCK_RELEASE_NOT_HELD", 0,
        "release of a spin lock that is not held (double release)" },
    [R_LOCK_RELEASE_WRONG_OWNER] = { "LOCK_RELEASE_WRONG_OWNER", 0,
        "spin lock released by a thread that does not hold it" },
    [R_LOCK_VARIANT_MISMATCH] = { "LOCK_VARIANT_MISMATCH", 0,
        "\"A spin lock acquired with NdisDprAcquireSpinLock must be released with NdisDprReleaseSpinLock; a spin lock acquired with NdisAcquireSpinLock must be released with NdisReleaseSpinLock\"" },
    [R_IRQL_DPR_NOT_DISPATCH] = { "IRQL_DPR_NOT_DISPATCH", 0,
        "NdisDprAcquireSpinLock/NdisDprReleaseSpinLock \"can be called only while running at IRQL = DISPATCH_LEVEL\"" },
    [R_IRQL_ACQUIRE_TOO_HIGH] = { "IRQL_ACQUIRE_TOO_HIGH", 0,
        "NdisAcquireSpinLock/NdisInterlocked* must be called at IRQL <= DISPATCH_LEVEL" },
    [R_IRQL_BAD_RAISE_LOWER] = { "IRQL_BAD_RAISE_LOWER", 0,
        "KeRaiseIrql must not lower, KeLowerIrql must not raise, and spin locks are released at DISPATCH_LEVEL" },
    [R_LOCK_RELEASE_ORDER] = { "LOCK_RELEASE_ORDER", 0,
        "spin locks must be released in the reverse order of acquisition, or the restored IRQL is wrong" },
    [R_LOCK_HELD_AT_EXIT] = { "LOCK_HELD_AT_EXIT", 0,
        "a DPC, timer, ISR or synchronize callback (or a thread) must release its spin locks and restore the IRQL before it returns" },
    [R_LOCK_ORDER_CYCLE] = { "LOCK_ORDER_CYCLE", 0,
        "spin locks taken in inconsistent order (a cycle in the lock order graph): possible deadlock" },
    [R_LOCK_DEADLOCK] = { "LOCK_DEADLOCK", 0,
        "a spin lock wait exceeded the watchdog bound (deadlock or a holder that never releases)" },
    [R_ISR_SPINLOCK] = { "ISR_SPINLOCK", 0,
        "NDIS spin locks synchronize \"non-ISR driver functions\"; data shared with MiniportInterrupt goes through NdisMSynchronizeWithInterruptEx" },
    [R_INTERRUPT_LIFECYCLE] = { "INTERRUPT_LIFECYCLE", 0,
        "NdisMSynchronizeWithInterruptEx needs an interrupt registered with NdisMRegisterInterruptEx and not yet deregistered" },
    [R_INTERLOCKED_LOCK_HELD] = { "INTERLOCKED_LOCK_HELD", 0,
        "NdisInterlocked* acquires the spin lock itself; the caller must not hold it" },
    [R_BLOCKING_AT_DISPATCH] = { "BLOCKING_AT_DISPATCH", 0,
        "a blocking wait (NdisMSleep ...) needs IRQL = PASSIVE_LEVEL and no spin lock held" },
    [R_IRQL_CALL_TOO_HIGH] = { "IRQL_CALL_TOO_HIGH", 0,
        "a call made above the highest IRQL its WDK reference page allows" },
    [R_STALL_TOO_LONG] = { "STALL_TOO_LONG", 0,
        "NdisStallExecution/KeStallExecutionProcessor must not stall longer than 50 microseconds" },
    [R_HOLD_TIME_EXCEEDED] = { "HOLD_TIME_EXCEEDED", 1,
        "\"Holding a spin lock for longer than 25 microseconds degrades both system and driver performance\"" },
    [R_LOCK_NESTED] = { "LOCK_NESTED", 1,
        "two NDIS spin locks held at once (opt-in warning: nesting invites deadlock)" },
};

__attribute__((noinline)) void v_capture(struct v_stack *st, int skip)
{
    void *pc[V_FRAMES + 8];
    int n = backtrace(pc, V_FRAMES + 8);

    skip++;                                     /* v_capture itself */
    st->n = 0;
    for (int i = skip; i < n && st->n < V_FRAMES; i++)
        st->pc[st->n++] = pc[i];
}

/* Starts at the frame that returns to pc, so the verifier's own frames never show. */
__attribute__((noinline)) void v_capture_from(struct v_stack *st, void *pc)
{
    void *all[V_FRAMES + 8];
    int n = backtrace(all, V_FRAMES + 8), i = 0;

    while (i < n && all[i] != pc)
        i++;
    if (i == n)
        i = 1;                                  /* not found (inlined unwinder quirks): all but us */
    st->n = 0;
    for (; i < n && st->n < V_FRAMES; i++)
        st->pc[st->n++] = all[i];
}

const char *v_lock_name(const struct v_lock *lk)
{
    if (lk == NULL)
        return "?";
    if (lk->cls == NULL || lk->cls->site == NULL)
        return "<not initialized>";
    return lk->cls->site->name;
}

static const char *base(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path ? path : "?";
}

/* ---- symbolization: one frame -> one or more "func at file:line" entries ---- */

struct sym {
    char fn[128];
    char where[160];    /* "file:line" or "(module+0x..)" */
    int inlined;
};

#ifdef NDISLOCK_HAVE_LIBDW
static Dwfl *dwfl;

static Dwfl *get_dwfl(void)
{
    static const Dwfl_Callbacks cbs = { .find_elf = dwfl_linux_proc_find_elf,
                                        .find_debuginfo = dwfl_standard_find_debuginfo };
    if (dwfl == NULL && (dwfl = dwfl_begin(&cbs)) != NULL) {
        dwfl_report_begin(dwfl);
        if (dwfl_linux_proc_report(dwfl, getpid()) != 0 || dwfl_report_end(dwfl, NULL, NULL) != 0) {
            dwfl_end(dwfl);
            dwfl = NULL;
        }
    }
    return dwfl;
}

static const char *die_name(Dwarf_Die *d)
{
    Dwarf_Attribute a;
    if (dwarf_attr_integrate(d, DW_AT_linkage_name, &a) || dwarf_attr_integrate(d, DW_AT_name, &a))
        return dwarf_formstring(&a);
    return NULL;
}

static int sym_libdw(uintptr_t pc, struct sym *out, int max)
{
    Dwfl *d = get_dwfl();
    Dwarf_Addr a = pc - 1, bias = 0;            /* inside the call instruction */
    Dwfl_Module *m = d ? dwfl_addrmodule(d, a) : NULL;
    if (m == NULL)
        return 0;
    const char *fn = dwfl_module_addrname(m, a);
    const char *file = NULL;
    int line = 0, n = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(m, a, &bias), *scopes = NULL;
    if (cu == NULL) {
        /* no .debug_aranges (clang's default): search the CUs' ranges */
        while ((cu = dwfl_module_nextcu(m, cu, &bias)) != NULL)
            if (dwarf_haspc(cu, a - bias) > 0)
                break;
    }
    Dwarf_Line *ln = cu ? dwarf_getsrc_die(cu, a - bias) : NULL;
    if (ln) {
        file = dwarf_linesrc(ln, NULL, NULL);
        (void)dwarf_lineno(ln, &line);
    }
    int ns = cu ? dwarf_getscopes(cu, a - bias, &scopes) : 0;
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    if (cu)
        (void)dwarf_getsrcfiles(cu, &files, &nfiles);
    for (int i = 0; i < ns && n < max - 1; i++) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag != DW_TAG_inlined_subroutine)
            continue;
        const char *name = die_name(&scopes[i]);
        snprintf(out[n].fn, sizeof out[n].fn, "%s", name ? name : "?");
        snprintf(out[n].where, sizeof out[n].where, "%s:%d", base(file), line);
        out[n++].inlined = 1;
        Dwarf_Attribute at;
        Dwarf_Word w = 0;
        file = NULL;
        line = 0;
        if (dwarf_attr(&scopes[i], DW_AT_call_file, &at) && dwarf_formudata(&at, &w) == 0 && files)
            file = dwarf_filesrc(files, w, NULL, NULL);
        if (dwarf_attr(&scopes[i], DW_AT_call_line, &at) && dwarf_formudata(&at, &w) == 0)
            line = (int)w;
    }
    free(scopes);
    snprintf(out[n].fn, sizeof out[n].fn, "%s", fn ? fn : "?");
    if (file)
        snprintf(out[n].where, sizeof out[n].where, "%s:%d", base(file), line);
    else
        snprintf(out[n].where, sizeof out[n].where, "(%s)", base(dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL)));
    out[n++].inlined = 0;
    return n;
}
#endif

static int symbolize(void *pc, struct sym *out, int max)
{
#ifdef NDISLOCK_HAVE_LIBDW
    int n = sym_libdw((uintptr_t)pc, out, max);
    if (n > 0)
        return n;
#else
    (void)max;
#endif
    Dl_info di;
    if (dladdr(pc, &di) && di.dli_sname) {
        snprintf(out->fn, sizeof out->fn, "%s", di.dli_sname);
        snprintf(out->where, sizeof out->where, "(%s+0x%lx)", base(di.dli_fname),
                 (unsigned long)((uintptr_t)pc - (uintptr_t)di.dli_fbase));
    } else {
        snprintf(out->fn, sizeof out->fn, "?");
        snprintf(out->where, sizeof out->where, "(%s+0x%lx)", di.dli_fname ? base(di.dli_fname) : "?",
                 di.dli_fname ? (unsigned long)((uintptr_t)pc - (uintptr_t)di.dli_fbase) : 0ul);
    }
    out->inlined = 0;
    return 1;
}

/* The verifier's own frames at the top of a stack are noise. */
static int internal_frame(const struct sym *s, int n)
{
    const char *fn = s[n - 1].fn;
    return !strncmp(fn, "ndislock__", 10) || !strncmp(fn, "v_", 2) || !strcmp(fn, "event_hook") ||
           !strcmp(fn, "thread_exit") || !strcmp(fn, "at_exit") || !strncmp(fn, "il_", 3) ||
           !strcmp(fn, "check_acquire") || !strcmp(fn, "checked_acquire") || !strcmp(fn, "lock_record") ||
           !strcmp(fn, "record_site") ||
           !strcmp(fn, "report_deadlock") || !strcmp(fn, "?");
}

#define V_SYMS 6

static void print_stack(FILE *f, const struct v_stack *st)
{
    struct sym s[V_SYMS];
    int k = 0, top = 1;

    for (int i = 0; i < st->n; i++) {
        int n = symbolize(st->pc[i], s, V_SYMS);
        if (top && internal_frame(s, n) && i + 1 < st->n)
            continue;
        top = 0;
        for (int j = 0; j < n; j++)
            fprintf(f, "      #%d %p in %s %s%s\n", k++, st->pc[i], s[j].fn, s[j].where,
                    s[j].inlined ? " (inlined)" : "");
    }
}

static void json_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    json_esc(f, s);
    fputc('"', f);
}

static void json_stack(FILE *f, const struct v_stack *st)
{
    struct sym s[V_SYMS];
    int first = 1, top = 1;

    fputc('[', f);
    for (int i = 0; st && i < st->n; i++) {
        int n = symbolize(st->pc[i], s, V_SYMS);
        if (top && internal_frame(s, n) && i + 1 < st->n)
            continue;
        top = 0;
        for (int j = 0; j < n; j++) {
            if (!first)
                fputc(',', f);
            first = 0;
            fputc('"', f);
            json_esc(f, s[j].fn);
            fputc(' ', f);
            json_esc(f, s[j].where);
            fputc('"', f);
        }
    }
    fputc(']', f);
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

/* Reports nobody wants twice (a loop repeating a bug): rule + lock class + caller. */
static int seen_before(enum v_rule rule, const struct v_lock *lk, const struct v_stack *st)
{
    static uint64_t seen[512];
    static unsigned nseen;
    uint64_t h = (uint64_t)rule * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)(uintptr_t)(lk ? lk->cls : NULL) * 0xC2B2AE3D27D4EB4Full;
    for (int i = 0; i < st->n && i < 4; i++)
        h = (h ^ (uint64_t)(uintptr_t)st->pc[i]) * 0x100000001B3ull;
    for (unsigned i = 0; i < nseen; i++)
        if (seen[i] == h)
            return 1;
    if (nseen < 512)
        seen[nseen++] = h;
    return 0;
}

static void emit(enum v_rule rule, const struct v_lock *lk, const struct v_stack *here,
                 const struct v_stack *prior, const char *prior_what, const char *detail,
                 const struct v_stack *extra, const char *const *labels, int nextra)
{
    FILE *f = vstate.log ? vstate.log : stderr;
    struct v_thread *t = v_self();
    unsigned irql = ndislock_tls.irql;
    char tname[32] = "";
    const struct ndislock_site *site = lk && lk->cls ? lk->cls->site : NULL;

    uint64_t t0 = v_now_ns();

    pthread_getname_np(pthread_self(), tname, sizeof tname);
    flockfile(f);
    fprintf(f, "ndislock: %s: %s: %s\n", rules[rule].warning ? "warning" : "error", rules[rule].id,
            rules[rule].why);
    if (lk && site)
        fprintf(f, "  lock \"%s\" allocated at %s:%d (%p)\n", site->name, base(site->file), site->line,
                (void *)lk->addr);
    else if (lk)
        fprintf(f, "  lock at %p (never initialized)\n", (void *)lk->addr);
    fprintf(f, "  %s\n", detail);
    fprintf(f, "  thread %llu \"%s\", IRQL %u (%s), context %s\n", (unsigned long long)t->tid, tname,
            irql, irql_name(irql), ctx_name(ndislock_tls.context));
    fprintf(f, "  at:\n");
    print_stack(f, here);
    if (prior && prior->n) {
        fprintf(f, "  %s:\n", prior_what);
        print_stack(f, prior);
    }
    for (int i = 0; i < nextra; i++) {
        fprintf(f, "  %s:\n", labels[i]);
        print_stack(f, &extra[i]);
    }
    funlockfile(f);
    fflush(f);

    if (vstate.json) {
        FILE *j = vstate.json;
        fprintf(j, "{\"rule\":\"%s\",\"severity\":\"%s\",\"lock\":", rules[rule].id,
                rules[rule].warning ? "warning" : "error");
        json_str(j, site ? site->name : lk ? "<not initialized>" : "");
        fprintf(j, ",\"site\":");
        if (site) {
            char s[300];
            snprintf(s, sizeof s, "%s:%d", base(site->file), site->line);
            json_str(j, s);
        } else {
            json_str(j, "");
        }
        fprintf(j, ",\"address\":\"%p\",\"message\":", lk ? (void *)lk->addr : NULL);
        json_str(j, detail);
        fprintf(j, ",\"thread\":{\"tid\":%llu,\"name\":", (unsigned long long)t->tid);
        json_str(j, tname);
        fprintf(j, "},\"irql\":%u,\"context\":\"%s\",\"stack\":", irql, ctx_name(ndislock_tls.context));
        json_stack(j, here);
        fprintf(j, ",\"prior_stack\":");
        json_stack(j, prior);
        if (nextra) {
            fprintf(j, ",\"edges\":[");
            for (int i = 0; i < nextra; i++) {
                fprintf(j, "%s{\"edge\":", i ? "," : "");
                json_str(j, labels[i]);
                fprintf(j, ",\"stack\":");
                json_stack(j, &extra[i]);
                fputc('}', j);
            }
            fputc(']', j);
        }
        fprintf(j, "}\n");
        fflush(j);
    }
    t->report_ns += v_now_ns() - t0;
    if (rules[rule].warning) {
        vstate.warnings++;
    } else {
        vstate.errors++;
        if (vstate.opt.halt_on_error) {
            fprintf(f, "ndislock: halting on the first error (NDISLOCK_OPTIONS=halt_on_error=0 to continue)\n");
            fflush(NULL);
            abort();
        }
    }
}

void v_report(enum v_rule rule, const struct v_lock *lk, const struct v_stack *prior,
              const char *prior_what, const char *fmt, ...)
{
    struct v_stack here;
    char detail[512];
    va_list ap;

    v_capture(&here, 1);
    if (seen_before(rule, lk, &here))
        return;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    emit(rule, lk, &here, prior, prior_what, detail, NULL, NULL, 0);
}

void v_report_cycle(const struct v_stack *edges, const char *const *labels, int n,
                    const struct v_lock *lk, const char *detail)
{
    struct v_stack here;

    v_capture(&here, 1);
    emit(R_LOCK_ORDER_CYCLE, lk, &here, NULL, NULL, detail, edges, labels, n);
}

/* The thread calling exit() still holds locks: LOCK_HELD_AT_EXIT. */
void v_exit_check(void)
{
    struct v_thread *t = &vthread;

    if (t->nheld > 0) {
        struct v_lock *lk = t->held[t->nheld - 1].lk;
        v_report(R_LOCK_HELD_AT_EXIT, lk, &lk->acquired, "lock acquired at",
                 "the process exits while this thread holds %u lock(s)", t->nheld);
    }
}
