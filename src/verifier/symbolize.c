/*
 * Stacks for reports: capture (PCs only) and symbolization at report time,
 * with libdw when built with it (function, file:line, the inline chain),
 * dladdr otherwise, into struct v_sym entries that reports print and
 * suppressions match.  Called under ndislock__v.mu.
 *
 * The verifier's own frames never show: a stack starts at the frame that
 * returns to the driver's call site when the caller knows it (the return
 * address of the checked entry point), and otherwise after the leading
 * frames that lie in the verifier's code section (V_CODE), by address.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "report.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef NDISLOCK_HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#endif

/* Bounds of the verifier's code, from the linker (hidden: not exported). */
extern const char __start_ndislock_vtext[] __attribute__((visibility("hidden")));
extern const char __stop_ndislock_vtext[] __attribute__((visibility("hidden")));

static int ours(const void *pc)
{
    return (const char *)pc >= __start_ndislock_vtext &&
           (const char *)pc < __stop_ndislock_vtext;
}

V_CODE void ndislock__v_capture(struct v_stack *st, void *from_pc)
{
    void *all[V_FRAMES + 32];
    int n = backtrace(all, V_FRAMES + 32), i = 0;

    if (from_pc != NULL) {
        while (i < n && all[i] != from_pc)
            i++;
        if (i == n)
            from_pc = NULL;         /* not on the stack (tail call, inlined unwinder quirks) */
    }
    if (from_pc == NULL)
        for (i = 0; i + 1 < n && ours(all[i]);)
            i++;
    st->n = 0;
    for (; i < n && st->n < V_FRAMES; i++)
        st->pc[st->n++] = all[i];
}

static const char *base(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path ? path : "?";
}

/* Fills one entry: file:line when the file is known, else (module+offset). */
static void set(struct v_sym *e, uintptr_t pc, const char *fn, const char *file, int line,
                const char *module, uintptr_t off)
{
    e->pc = (void *)pc;
    snprintf(e->fn, sizeof e->fn, "%s", fn ? fn : "?");
    snprintf(e->file, sizeof e->file, "%s", file ? base(file) : "");
    e->line = line;
    if (file)
        snprintf(e->where, sizeof e->where, "%s:%d", e->file, line);
    else if (module)
        snprintf(e->where, sizeof e->where, "(%s+0x%lx)", base(module), (unsigned long)off);
    else
        snprintf(e->where, sizeof e->where, "(?)");
}


#ifdef NDISLOCK_HAVE_LIBDW
static Dwfl *dwfl;
static unsigned long long dl_changes;       /* dlopen/dlclose count when dwfl was made */

static int count_objects(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    *(unsigned long long *)arg = info->dlpi_adds + info->dlpi_subs;
    return 1;
}

static Dwfl *get_dwfl(void)
{
    static const Dwfl_Callbacks cbs = { .find_elf = dwfl_linux_proc_find_elf,
                                        .find_debuginfo = dwfl_standard_find_debuginfo };
    unsigned long long changes = 0;

    dl_iterate_phdr(count_objects, &changes);
    if (dwfl != NULL && changes != dl_changes) {     /* a library came or went: map again */
        dwfl_end(dwfl);
        dwfl = NULL;
    }
    if (dwfl == NULL && (dwfl = dwfl_begin(&cbs)) != NULL) {
        dl_changes = changes;
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

static int sym_libdw(Dwfl *d, uintptr_t pc, struct v_sym *out, int max)
{
    Dwarf_Addr a = pc - 1, bias = 0;            /* inside the call instruction */
    Dwfl_Module *m = d ? dwfl_addrmodule(d, a) : NULL;
    if (m == NULL)
        return 0;
    const char *fn = dwfl_module_addrname(m, a);
    const char *file = NULL;
    int line = 0, n = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(m, a, &bias), *scopes = NULL;
    /* Only a CU whose ranges hold the address names its line: for code built
     * without -g in a binary with other CUs, addrdie can return a neighbour
     * (seen: a static link's driver frames named "park.c:93"). */
    if (cu != NULL && dwarf_haspc(cu, a - bias) <= 0)
        cu = NULL;
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
    int ns = cu ? dwarf_getscopes(cu, a - bias, &scopes) : 0, in_fn = 0;
    for (int i = 0; i < ns; i++)        /* (an inlined instance's scopes skip its caller's) */
        in_fn |= dwarf_tag(&scopes[i]) == DW_TAG_subprogram ||
                 dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine;
    if (!in_fn)
        file = NULL;        /* no function of this CU has pc (_start: its aranges claim crt
                             * code): the line would be a neighbour's */
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    if (cu)
        (void)dwarf_getsrcfiles(cu, &files, &nfiles);
    for (int i = 0; i < ns && in_fn && n < max - 1; i++) {
        if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
            continue;
        const char *name = die_name(&scopes[i]);
        set(&out[n], pc, name, file, line, NULL, 0);
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
    Dwarf_Addr start = 0;
    const char *mod = dwfl_module_info(m, NULL, &start, NULL, NULL, NULL, NULL, NULL);
    set(&out[n], pc, fn, file, line, mod, pc - start);
    out[n++].inlined = 0;
    return n;
}
#endif

/* One frame -> one or more entries (the inline chain, innermost first); never reads an
 * unset Dl_info. */
static int symbolize(void *d, void *pc, struct v_sym *out, int max)
{
    (void)d;
    (void)max;
#ifdef NDISLOCK_HAVE_LIBDW
    int n = sym_libdw(d, (uintptr_t)pc, out, max);
    if (n > 0)
        return n;
#endif
    Dl_info di;
    memset(&di, 0, sizeof di);
    int ok = dladdr(pc, &di) != 0;
    set(out, (uintptr_t)pc, ok ? di.dli_sname : NULL, NULL, 0, ok ? di.dli_fname : NULL,
        ok ? (uintptr_t)pc - (uintptr_t)di.dli_fbase : 0);
    out->inlined = 0;
    return 1;
}

int ndislock__v_symbolize = 1;              /* 0 (tests that only count reports): PCs only */

int ndislock__v_symbols(const struct v_stack *st, struct v_sym *out, int max)
{
    void *d = NULL;
    int n = 0;

#ifdef NDISLOCK_HAVE_LIBDW
    if (ndislock__v_symbolize)
        d = get_dwfl();
#endif
    for (int i = 0; st && i < st->n && n < max; i++) {
        if (ndislock__v_symbolize && max - n >= V_SYMS) {
            n += symbolize(d, st->pc[i], out + n, V_SYMS);
        } else {
            set(&out[n], (uintptr_t)st->pc[i], NULL, NULL, 0, NULL, 0);
            snprintf(out[n].where, sizeof out[n].where, "(unsymbolized)");
            out[n++].inlined = 0;
        }
    }
    return n;
}

void ndislock__v_print_symbols(v_buf *b, const struct v_sym *s, int n, int json)
{
    if (json)
        ndislock__v_bputs(b, "[");
    for (int k = 0; k < n; k++) {
        if (json) {
            v_buf e = { 0 };
            ndislock__v_bprintf(&e, "%s %s", s[k].fn, s[k].where);
            if (k)
                ndislock__v_bputs(b, ",");
            ndislock__v_bjson(b, e.p ? e.p : "?");
            ndislock__v_bfree(&e);
        } else {
            ndislock__v_bprintf(b, "      #%d %p in %s %s%s\n", k, s[k].pc, s[k].fn, s[k].where,
                                s[k].inlined ? " (inlined)" : "");
        }
    }
    if (json)
        ndislock__v_bputs(b, "]");
}

void ndislock__v_print_stack(v_buf *b, const struct v_stack *st, int json)
{
    struct v_sym *s = malloc(V_FRAMES * V_SYMS * sizeof *s);    /* ~27 KB: not on a thread's stack */
    int n = s ? ndislock__v_symbols(st, s, V_FRAMES * V_SYMS) : 0;

    ndislock__v_print_symbols(b, s, n, json);
    free(s);
}

const struct v_sym *ndislock__v_site(const struct v_sym *s, int n)
{
    /* an inlined innermost entry is the library's inline call (NdisAcquireSpinLock in spin.h):
     * the next entry is the line that called it */
    return n == 0 ? NULL : n > 1 && s[0].inlined ? &s[1] : &s[0];
}

void ndislock__v_print_site(v_buf *b, const struct v_sym *site)
{
    if (site != NULL)
        ndislock__v_bprintf(b, "%s in %s", site->where, site->fn);
}
