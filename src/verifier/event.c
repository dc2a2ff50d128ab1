/*
 * Judging what the context and API code reports (src/core/events.h): calls
 * against their IRQL rows (src/core/calls.h), waits, stalls, interrupt
 * lifecycle, and the frames of running driver callbacks and bracketed
 * handlers, checked when they return (LOCK_HELD_AT_EXIT, DPC_TIME_EXCEEDED,
 * and for a bracketed halt the ACTIVE_AT_UNLOAD audit of armed.c).
 */
#include "internal.h"
#include "preempt.h"

#include <stdlib.h>

#define OPT(f) __atomic_load_n(&ndislock__v.opt.f, __ATOMIC_RELAXED)

static const struct {
    const char *name;
    ndislock_irql_t lo, hi;
    unsigned flags;
    const char *ref;
} calls[NDISLOCK_CALL_COUNT] = {
#define CALL_ROW_(id, name, lo, hi, fl, ref) { name, lo, hi, fl, ref },
    NDISLOCK_CALL_TABLE(CALL_ROW_)
#undef CALL_ROW_
};

const char *ndislock__v_call_name(enum ndislock_call c)
{
    return (unsigned)c < NDISLOCK_CALL_COUNT ? calls[c].name : "?";
}

#define REPORT(t, ...)                                                          \
    do {                                                                        \
        struct v_slow s_;                                                       \
        ndislock__v_enter(&s_, (t));                                            \
        ndislock__v_reportf((t), __VA_ARGS__);                                  \
        ndislock__v_leave(&s_);                                                 \
    } while (0)

/* The run-time budget of a callback by its context: DPCs and timers 100 us, ISR-level 25 us. */
static uint64_t callback_budget_ns(unsigned ctx)
{
    switch (ctx) {
    case NDISLOCK_CTX_DPC:
    case NDISLOCK_CTX_TIMER:
        return 100000;
    case NDISLOCK_CTX_ISR:
    case NDISLOCK_CTX_DISABLE_INTR:
    case NDISLOCK_CTX_SYNC:
        return 25000;
    default:
        return 0;
    }
}

void ndislock__v_frame_push(struct v_thread *t, const char *what, const void *obj, unsigned ctx,
                            int halt)
{
    if (t->nframes >= t->fcap && !t->guard) {
        unsigned cap = t->fcap ? t->fcap * 2 : 16;
        struct v_frame *f = realloc(t->frames, cap * sizeof *f);
        if (f != NULL) {
            t->frames = f;
            t->fcap = cap;
        }
    }
    if (t->nframes < t->fcap) {
        struct v_frame *f = &t->frames[t->nframes];
        f->what = what ? what : "callback";
        f->obj = obj;
        f->ctx = (uint8_t)ctx;
        f->halt = (uint8_t)halt;
        f->irql = ndislock_tls.irql;
        f->nheld = t->nheld;
        f->own0 = t->own;
        f->ops0 = t->nops;
        f->sw0 = v_switches(t);
        f->t0 = v_ticks();
    }
    t->nframes++;                           /* counted even when not recorded: pops stay paired */
}

V_CODE void ndislock__v_frame_pop(struct v_thread *t, void *pc)
{
    if (t->nframes == 0)
        return;
    if (--t->nframes >= t->fcap)
        return;                             /* was not recorded (out of memory) */
    struct v_frame f = t->frames[t->nframes];
    uint64_t ran = v_span(v_ticks() - f.t0, v_own_since(t, f.own0, f.ops0));
    unsigned irql = ndislock_tls.irql;
    uint64_t budget = callback_budget_ns(f.ctx);

    if (t->nheld > f.nheld) {
        struct v_hold *top = &t->held[t->nheld - 1];
        REPORT(t, R_LOCK_HELD_AT_EXIT, top->rec, pc, NULL, top->pc, "lock acquired at",
               "%s returns holding %u lock(s) it acquired", f.what, t->nheld - f.nheld);
    } else if (irql != f.irql) {
        REPORT(t, R_LOCK_HELD_AT_EXIT, NULL, pc, NULL, NULL, NULL,
               "%s returns at IRQL %u; it was called at IRQL %u", f.what, irql, f.irql);
    }
    if (budget && OPT(hold_us) && f.ctx != V_FRAME_HANDLER) {
        /* judged like hold times: on the CPU throughout, and V_STREAK times in a row */
        void *key = (void *)((uintptr_t)f.obj | 1u);
        int over = v_ticks_ns(ran) > budget && v_switches(t) == f.sw0;
        if (ndislock__v_streak(t, key, over))
            REPORT(t, R_DPC_TIME_EXCEEDED, NULL, pc, NULL, NULL, NULL,
                   "%s ran %llu us on the CPU (budget %llu us): %d runs in a row went over",
                   f.what, (unsigned long long)(v_ticks_ns(ran) / 1000u),
                   (unsigned long long)(budget / 1000u), V_STREAK);
    }
    if (f.halt) {
        struct v_slow s;
        ndislock__v_enter(&s, t);
        ndislock__v_audit_armed(f.obj, 0, pc);
        ndislock__v_leave(&s);
    }
}

/* Spin locks held (real holds, not RW locks). */
static unsigned spin_holds(struct v_thread *t)
{
    unsigned n = 0;

    for (unsigned i = 0; i < t->nheld; i++)
        n += t->held[i].state == VH_HELD && t->held[i].op < V_OP_RW;
    return n;
}

V_CODE void ndislock__v_event(const struct ndislock_event *e)
{
    void *pc = __builtin_return_address(0);
    struct v_thread *t = v_self();
    unsigned irql = ndislock_tls.irql;

    if (t == NULL || !OPT(verify) || (unsigned)e->call >= NDISLOCK_CALL_COUNT)
        return;
    const char *what = e->role ? e->role : calls[e->call].name;
    const char *ref = calls[e->call].ref;

    switch (e->kind) {
    case NDISLOCK_EV_CALLBACK_ENTER:
        ndislock__v_frame_push(t, what, e->obj, ndislock_tls.context, 0);
        break;
    case NDISLOCK_EV_CALLBACK_EXIT:
        ndislock__v_frame_pop(t, pc);
        break;
    case NDISLOCK_EV_WAIT: {
        /* the row allows what its zero-timeout poll allows; a real wait also
         * needs IRQL < DISPATCH_LEVEL and no spin lock held */
        unsigned n = spin_holds(t);
        if (irql > calls[e->call].hi || (e->arg != 0 && (irql >= NDISLOCK_DISPATCH_LEVEL || n > 0))) {
            struct v_hold *top = NULL;
            for (unsigned i = t->nheld; i-- > 0 && top == NULL;)
                if (t->held[i].state == VH_HELD && t->held[i].op < V_OP_RW)
                    top = &t->held[i];
            REPORT(t, R_BLOCKING_AT_DISPATCH, top ? top->rec : NULL, pc, NULL, top ? top->pc : NULL,
                   "lock acquired at", "%s called at IRQL %u holding %u spin lock(s)%s%s%s", what,
                   irql, n, ref[0] ? " (" : "", ref, ref[0] ? ")" : "");
        }
        break;
    }
    case NDISLOCK_EV_CALL:
    case NDISLOCK_EV_STALL:
        if (irql > calls[e->call].hi)
            REPORT(t, R_IRQL_CALL_TOO_HIGH, NULL, pc, NULL, NULL, NULL,
                   "%s called at IRQL %u (allowed: %u..%u)%s%s", what, irql, calls[e->call].lo,
                   calls[e->call].hi, ref[0] ? "; " : "", ref);
        else if (irql < calls[e->call].lo)
            REPORT(t, R_IRQL_DPR_NOT_DISPATCH, NULL, pc, NULL, NULL, NULL,
                   "%s called at IRQL %u (allowed: %u..%u)%s%s", what, irql, calls[e->call].lo,
                   calls[e->call].hi, ref[0] ? "; " : "", ref);
        if (e->kind == NDISLOCK_EV_STALL && e->arg > 50)
            REPORT(t, R_STALL_TOO_LONG, NULL, pc, NULL, NULL, NULL, "%s(%lld) stalls over 50 us",
                   what, (long long)e->arg);
        break;
    case NDISLOCK_EV_INTERRUPT_NOT_REGISTERED:
        REPORT(t, R_INTERRUPT_LIFECYCLE, NULL, pc, NULL, NULL, NULL, "%s on interrupt handle %p",
               what, e->obj);
        break;
    case NDISLOCK_EV_SELF_DEADLOCK:
        REPORT(t, R_LOCK_RECURSIVE_ACQUIRE, NULL, pc, NULL, NULL, NULL,
               "%s would wait for %p, which this thread holds (self-deadlock); the call returns "
               "without running", what, e->obj);
        break;
    case NDISLOCK_EV_ARMED:
    case NDISLOCK_EV_DISARMED:
        ndislock__v_armed(t, e, pc);
        break;
    }
}

/* ---- bracketed driver handlers (src/harness/handler.c) ---- */

void ndislock__verifier_handler_begin(const char *name, const void *adapter, int halt)
{
    struct v_thread *t = v_self();

    if (t == NULL)
        return;
    if (adapter != NULL)
        ndislock__v_adapter_seen(adapter);
    ndislock__v_frame_push(t, name, adapter, V_FRAME_HANDLER, halt);
}

V_CODE void ndislock__verifier_handler_end(void *pc)
{
    struct v_thread *t = v_self();

    if (t != NULL && OPT(verify))
        ndislock__v_frame_pop(t, pc);
    else if (t != NULL && t->nframes > 0)
        t->nframes--;
}
