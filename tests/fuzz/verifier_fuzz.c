/*
 * Fuzzing the verifier against a small reference model of its rules.
 *
 * An input is a sequence of operations, each run on one of three worker
 * threads in turn (one at a time, so the interleaving is the input's):
 * spin-lock acquires and releases of every family on two NDIS and two
 * Ke locks (with wrong families, wrong IRQLs and wrong orders among them),
 * KeRaiseIrql/KeLowerIrql, initialization and NdisFreeSpinLock, interlocked
 * operations, an RW lock through the verifier's hooks, DPC callbacks
 * entered and left, waits, timers armed and disarmed, and bracketed driver
 * handlers (a halt among them).  An acquire that would block on a lock
 * another worker holds is not made.  The model below states what the WDK
 * and docs/VERIFIER.md say each operation must report; after every
 * operation the rule ids the verifier wrote (its JSON lines) must equal the
 * model's, as a multiset.  A crash, a hang (the operation's deadline) or a
 * difference stops the run.
 *
 * Built with libFuzzer (clang) as verifier_fuzz; without it, main() below
 * runs pseudo-random inputs from a seed (the test command's bounded run
 * in every build, sanitizers included).
 */
#define _GNU_SOURCE
#include <ndis.h>
#include <ndislock/harness.h>
#include <ndislock/verifier.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/events.h"
#include "verifier/hooks.h"
#include "verifier/internal.h"

#define NT 3            /* worker threads */
#define NL 4            /* spin locks: 0, 1 NDIS_SPIN_LOCK; 2, 3 KSPIN_LOCK */
#define NR (NL)         /* node index of the RW lock in the model's graph */
#define NTIMERS 2
#define MAXOPS 64
#define MAXH 80         /* model stack entries per thread */
#define MAXR 8          /* reports per operation */

/* ---- the real objects ---- */

static NDIS_SPIN_LOCK ndis_lock[2];
static KSPIN_LOCK ke_lock[2];
static int rw_obj, timer_obj[NTIMERS];
static const struct ndislock_site sites[NL + 1] = {
    { "ndis0", "fuzz", 1 }, { "ndis1", "fuzz", 2 }, { "ke2", "fuzz", 3 }, { "ke3", "fuzz", 4 },
    { "rw", "fuzz", 5 },
};

static ndislock_spin_t *word(int l)
{
    return l < 2 ? &ndis_lock[l].SpinLock : &ke_lock[l - 2];
}

/* ---- operations ---- */

enum fam { F_NDIS, F_NDIS_DPR, F_KE, F_KE_DPC, F_KE_TRY, F_QUEUED, F_QUEUED_DPC, F_INTERLOCKED, F_N };

/* The WDK's families (mirrors nothing: stated from the WDK pages). */
static const struct {
    ndislock_irql_t raise_to, min;
    int exact, family, queued;
} fams[F_N] = {
    [F_NDIS] = { 2, 0, 0, 3, 0 },      [F_NDIS_DPR] = { 0, 2, 1, 4, 0 },
    [F_KE] = { 2, 0, 0, 1, 0 },        [F_KE_DPC] = { 0, 2, 0, 2, 0 },
    [F_KE_TRY] = { 0, 2, 0, 2, 0 },    [F_QUEUED] = { 2, 0, 0, 5, 1 },
    [F_QUEUED_DPC] = { 0, 2, 0, 6, 1 }, [F_INTERLOCKED] = { 0, 0, 0, 10, 0 },
};

enum kind {
    K_ACQ, K_REL, K_RAISE, K_LOWER, K_INIT, K_FREE, K_CB_ENTER, K_CB_EXIT, K_WAIT, K_RW_ACQ,
    K_RW_REL, K_ARM, K_DISARM, K_HBEGIN, K_HEND, K_INTERLOCKED, K_N
};

struct op {
    int kind, t, l, fam, arg, arg2;
    int have;           /* RW: what the thread holds of it before (0, 1 read, 2 write) */
};

/* ---- the model ---- */

enum { H_HELD, H_PHANTOM };
struct mhold {
    int key;            /* lock index, or NR for the RW lock */
    int fam;            /* acquire family; -1 RW */
    int state, read, try_, high, override;
    int restore, raised;
};
struct mframe {
    int handler, halt, nheld, irql, saved_irql;
};
struct mthread {
    int irql;
    struct mhold h[MAXH];
    int n;
    struct mframe f[16];
    int nf;
    int ke_saved[NL];               /* what KeAcquireSpinLock hands back (predicted) */
    int qh_old[NL];                 /* what the queued acquire stores in the handle (predicted) */
};
static struct model {
    struct mthread th[NT];
    int live[NL], freed[NL], ndis_init[NL], uses[NL], old_irql[2];
    unsigned edges[NL + 1][NL + 1];     /* bit (1 << type) per type seen */
    int armed[NTIMERS];
} m;

static struct {
    const char *r[MAXR];
    int n;
} expect;

static void want(const char *rule)
{
    if (expect.n < MAXR)
        expect.r[expect.n++] = rule;
}

static int raising(int f)
{
    return f >= 0 && fams[f].raise_to != 0;
}

/* The thread holding lock l's word (a held, not phantom, entry), or -1. */
static int holder(int l)
{
    for (int t = 0; t < NT; t++)
        for (int i = 0; i < m.th[t].n; i++)
            if (m.th[t].h[i].key == l && m.th[t].h[i].state == H_HELD)
                return t;
    return -1;
}

static int find(struct mthread *th, int key, int phantom_too, int rw)
{
    for (int i = th->n - 1; i >= 0; i--)
        if (th->h[i].key == key && (th->h[i].state == H_HELD || phantom_too) &&
            (th->h[i].fam < 0) == rw)
            return i;
    return -1;
}

static void push(struct mthread *th, struct mhold h)
{
    if (th->n < MAXH)
        th->h[th->n++] = h;
}

static void drop(struct mthread *th, int i)
{
    memmove(&th->h[i], &th->h[i + 1], (size_t)(th->n - i - 1) * sizeof th->h[0]);
    th->n--;
}

/* An order edge from -> to of type ty; LOCK_ORDER_CYCLE if it is new and closes a cycle. */
static void edge(int from, int to, int ty)
{
    if (m.edges[from][to] & (1u << ty))
        return;
    m.edges[from][to] |= 1u << ty;
    /* states (node, entered shared) reachable from `to` as this edge enters it; an edge out
     * of a node entered shared may not leave from a shared hold (two readers never wait) */
    int reach[NL + 1][2] = { { 0 } }, changed = 1;
    reach[to][(ty & 2) != 0] = 1;
    while (changed) {
        changed = 0;
        for (int a = 0; a <= NL; a++)
            for (int in = 0; in < 2; in++) {
                if (!reach[a][in])
                    continue;
                for (int c = 0; c <= NL; c++)
                    for (int t2 = 0; t2 < 4; t2++)
                        if ((m.edges[a][c] & (1u << t2)) && !(in && (t2 & 1)) &&
                            !(a == from && c == to && t2 == ty) && !reach[c][(t2 & 2) != 0]) {
                            reach[c][(t2 & 2) != 0] = 1;
                            changed = 1;
                        }
            }
    }
    /* back at `from`, which this edge leaves: shared-in and shared-out there is no deadlock */
    if (reach[from][0] || (reach[from][1] && !(ty & 1)))
        want("LOCK_ORDER_CYCLE");
}

/* Order edges into key from t's holds: the topmost held one, and below it past trylocks. */
static void order(struct mthread *th, int key, int shared)
{
    for (int i = th->n - 1; i >= 0; i--) {
        struct mhold *h = &th->h[i];
        if (h->state != H_HELD)
            continue;
        if (h->key == key)
            break;
        edge(h->key, key, (h->read ? 1 : 0) | (shared ? 2 : 0));
        if (!h->try_)
            break;
    }
}

static int spin_holds(struct mthread *th)
{
    int n = 0;
    for (int i = 0; i < th->n; i++)
        n += th->h[i].state == H_HELD && th->h[i].fam >= 0;
    return n;
}

/* Whether op would block (then it is not made). */
static int blocks(const struct op *o)
{
    if (o->kind == K_ACQ && o->fam != F_KE_TRY) {
        int h = holder(o->l);
        return h >= 0 && h != o->t;
    }
    if (o->kind == K_INTERLOCKED) {
        int h = holder(o->l);
        return h >= 0 && h != o->t;
    }
    if (o->kind == K_RW_ACQ) {
        for (int t = 0; t < NT; t++)
            for (int i = 0; t != o->t && i < m.th[t].n; i++)
                if (m.th[t].h[i].key == NR && (!m.th[t].h[i].read || o->arg))
                    return 1;
    }
    return 0;
}

/* The model's reports for o, and its effect on the model. */
static void model(const struct op *o)
{
    struct mthread *th = &m.th[o->t];
    int l = o->l, cur = th->irql;

    switch (o->kind) {
    case K_ACQ:
    case K_INTERLOCKED: {
        int f = o->kind == K_INTERLOCKED ? F_INTERLOCKED : o->fam;
        if (o->kind == K_INTERLOCKED && find(th, l, 0, 0) >= 0) {
            want("INTERLOCKED_LOCK_HELD");
            break;
        }
        if (m.freed[l]) {
            want("LOCK_USE_AFTER_FREE");
            m.freed[l] = 0;     /* its word still looks like a lock's: in use again */
            m.live[l] = 1;
        }
        int i = find(th, l, 0, 0);
        if (i >= 0) {
            if (f == F_KE_TRY)
                break;
            want("LOCK_RECURSIVE_ACQUIRE");
            push(th, (struct mhold){ .key = l, .fam = f, .state = H_PHANTOM });
            if (f == F_KE)
                th->ke_saved[l] = cur;
            if (f == F_QUEUED)          /* the AtDpcLevel form writes no OldIrql */
                th->qh_old[l] = cur;
            break;
        }
        int high = 0;
        if (f != F_INTERLOCKED) {
            if (raising(f) && cur > fams[f].raise_to) {
                want("IRQL_ACQUIRE_TOO_HIGH");
                high = 1;
            } else if (fams[f].exact && cur != 2) {
                want("IRQL_DPR_NOT_DISPATCH");
            } else if (cur < fams[f].min) {
                want("IRQL_DPR_NOT_DISPATCH");
            }
            int use = fams[f].queued ? 1 : 2;
            if (!(m.uses[l] & use)) {
                if (m.uses[l])
                    want("LOCK_VARIANT_MISMATCH");
                m.uses[l] |= use;
            }
        }
        if (f != F_KE_TRY)
            order(th, l, 0);
        if (f == F_KE_TRY && holder(l) >= 0)
            break;              /* fails: taken elsewhere */
        int restore = f == F_NDIS_DPR ? 2 : cur;
        int raised = high || !raising(f) ? cur : (cur > fams[f].raise_to ? cur : fams[f].raise_to);
        push(th, (struct mhold){ .key = l, .fam = f, .state = H_HELD, .try_ = f == F_KE_TRY,
                                 .high = high, .restore = restore, .raised = raised });
        if (!high)
            th->irql = raised;
        if (f == F_NDIS || f == F_NDIS_DPR)
            m.old_irql[l] = restore;
        if (f == F_KE)
            th->ke_saved[l] = restore;
        if (f == F_QUEUED)
            th->qh_old[l] = restore;
        if (f == F_INTERLOCKED)         /* and its release at once: LIFO, no IRQL */
            th->n--;
        break;
    }
    case K_REL: {
        int f = o->fam, i = find(th, l, 1, 0);
        int new_irql = f == F_NDIS ? m.old_irql[l] : f == F_KE ? (o->arg < 0 ? th->ke_saved[l] : o->arg)
                     : f == F_QUEUED ? th->qh_old[l] : 0;
        if (i < 0) {
            if (m.freed[l])
                want("LOCK_USE_AFTER_FREE");
            else if (holder(l) < 0)
                want("LOCK_RELEASE_NOT_HELD");
            else
                want("LOCK_RELEASE_WRONG_OWNER");
            break;
        }
        struct mhold h = th->h[i];
        if (h.state == H_PHANTOM) {
            drop(th, i);
            break;
        }
        int lower = raising(f);
        if (fams[f].family != fams[h.fam].family) {
            want("LOCK_VARIANT_MISMATCH");
            f = h.fam;
            lower = raising(f);
            new_irql = h.restore;
        }
        if (fams[f].exact && cur != 2)
            want("IRQL_DPR_NOT_DISPATCH");
        else if (cur < fams[f].min)
            want("IRQL_DPR_NOT_DISPATCH");
        else if (lower && !h.high && cur != h.raised)
            want("IRQL_BAD_RAISE_LOWER");
        if (lower && new_irql > cur && !h.override) {
            want("IRQL_BAD_RAISE_LOWER");
            new_irql = h.restore;
        }
        if (h.override) {
            new_irql = h.restore;
            lower = 1;
        }
        int next = -1, rw_above = 0;
        for (int j = i + 1; lower && j < th->n && next < 0; j++) {
            if (th->h[j].state == H_HELD && th->h[j].fam >= 0)
                next = j;
            rw_above |= th->h[j].state == H_HELD && th->h[j].fam < 0;
        }
        if (next >= 0 || rw_above)
            want("LOCK_RELEASE_ORDER");
        if (next >= 0) {
            th->h[next].restore = new_irql;
            th->h[next].override = 1;
            lower = 0;
        }
        drop(th, i);
        if (lower)
            th->irql = new_irql;
        break;
    }
    case K_RAISE:
        if (o->arg > 31) {
            want("IRQL_BAD_RAISE_LOWER");       /* no IRQL at all: ignored */
            break;
        }
        if (o->arg < cur)
            want("IRQL_BAD_RAISE_LOWER");
        th->irql = o->arg;
        break;
    case K_LOWER:
        if (o->arg > cur)
            want("IRQL_BAD_RAISE_LOWER");
        else
            th->irql = o->arg;
        break;
    case K_INIT: {
        if (holder(l) >= 0) {
            want("LOCK_FREE_WHILE_HELD");
            break;
        }
        if (l < 2 && m.live[l] && m.ndis_init[l])
            want("LOCK_DOUBLE_INIT");
        m.live[l] = 1;
        m.freed[l] = 0;
        m.uses[l] = 0;
        m.ndis_init[l] = l < 2;
        if (l < 2)
            m.old_irql[l] = 0;
        break;
    }
    case K_FREE:
        if (m.freed[l])
            want("LOCK_USE_AFTER_FREE");
        else if (holder(l) >= 0)
            want("LOCK_FREE_WHILE_HELD");
        else {
            m.freed[l] = 1;
            m.live[l] = 0;
            m.old_irql[l] = 0;
        }
        break;
    case K_CB_ENTER:
        th->f[th->nf++] = (struct mframe){ 0, 0, th->n, 2, cur };
        th->irql = 2;
        break;
    case K_CB_EXIT:
    case K_HEND: {
        struct mframe f = th->f[--th->nf];
        if (th->n > f.nheld || cur != f.irql)
            want("LOCK_HELD_AT_EXIT");
        if (f.halt)
            for (int k = 0; k < NTIMERS; k++)
                if (m.armed[k]) {
                    want("ACTIVE_AT_UNLOAD");
                    m.armed[k] = 0;
                }
        if (o->kind == K_CB_EXIT)
            th->irql = f.saved_irql;
        break;
    }
    case K_HBEGIN:
        th->f[th->nf++] = (struct mframe){ 1, o->arg, th->n, cur, cur };
        break;
    case K_WAIT:
        if (cur > 0 || (o->arg && (cur >= 2 || spin_holds(th) > 0)))
            want("BLOCKING_AT_DISPATCH");
        break;
    case K_RW_ACQ: {
        int have = o->have;
        if (have == 1 && o->arg) {
            want("LOCK_RECURSIVE_ACQUIRE");
            break;
        }
        if (cur > 2)
            want("IRQL_ACQUIRE_TOO_HIGH");
        else if (o->arg2 && cur != 2)
            want("IRQL_DPR_NOT_DISPATCH");
        if (have == 0)
            order(th, NR, !o->arg);
        push(th, (struct mhold){ .key = NR, .fam = -1, .state = H_HELD, .read = !o->arg });
        break;
    }
    case K_RW_REL: {
        int i = find(th, NR, 0, 1);
        if (i >= 0) {
            drop(th, i);
            break;
        }
        int other = 0;
        for (int t = 0; t < NT; t++)
            if (t != o->t && find(&m.th[t], NR, 0, 1) >= 0)
                other = 1;
        want(other ? "LOCK_RELEASE_WRONG_OWNER" : "LOCK_RELEASE_NOT_HELD");
        break;
    }
    case K_ARM:
        m.armed[o->arg] = 1;
        break;
    case K_DISARM:
        m.armed[o->arg] = 0;
        break;
    }
}

/* ---- running an operation on its worker ---- */

static void *adapter;               /* this input's adapter handle */
static unsigned input_no;
static struct {                     /* what the real calls hand back, per worker */
    KIRQL ke_saved[NL];
    KLOCK_QUEUE_HANDLE qh[NL];
    int qh_valid[NL];
    KIRQL saved[16];                /* IRQL before each open DPC frame */
    int nsaved;
    int irql_after;
} real[NT];

static void run(const struct op *o)
{
    typeof(real[0]) *th = &real[o->t];
    int l = o->l;
    ndislock_spin_t *w = word(l);

    switch (o->kind) {
    case K_ACQ:
        switch (o->fam) {
        case F_NDIS:
            ndislock_ndis_acquire(&ndis_lock[l]);
            break;
        case F_NDIS_DPR:
            ndislock_ndis_dpr_acquire(&ndis_lock[l]);
            break;
        case F_KE:
            th->ke_saved[l] = ndislock_spin_acquire(w);
            break;
        case F_KE_DPC:
            ndislock_spin_acquire_at_dpc(w);
            break;
        case F_KE_TRY:
            (void)ndislock_spin_try_at_dpc(w);
            break;
        case F_QUEUED:
            ndislock_queued_acquire(w, &th->qh[l]);
            th->qh_valid[l] = 1;
            break;
        case F_QUEUED_DPC:
            ndislock_queued_lock(w, &th->qh[l]);
            th->qh_valid[l] = 1;
            break;
        }
        break;
    case K_REL:
        if ((o->fam == F_QUEUED || o->fam == F_QUEUED_DPC) && !th->qh_valid[l]) {
            th->qh[l].LockQueue.Lock = w;       /* a handle never used: misuse */
            th->qh[l].OldIrql = 0;
            th->qh_valid[l] = 1;
        }
        switch (o->fam) {
        case F_NDIS:
            ndislock_ndis_release(&ndis_lock[l]);
            break;
        case F_NDIS_DPR:
            ndislock_ndis_dpr_release(&ndis_lock[l]);
            break;
        case F_KE:
            ndislock_spin_release(w, (ndislock_irql_t)(o->arg < 0 ? th->ke_saved[l] : o->arg));
            break;
        case F_KE_DPC:
        case F_KE_TRY:
            ndislock_spin_release_from_dpc(w);
            break;
        case F_QUEUED:
            ndislock_queued_release(&th->qh[l]);
            break;
        case F_QUEUED_DPC:
            ndislock_queued_unlock(&th->qh[l]);
            break;
        }
        break;
    case K_RAISE:
        (void)ndislock_irql_raise((ndislock_irql_t)o->arg);
        break;
    case K_LOWER:
        ndislock_irql_lower((ndislock_irql_t)o->arg);
        break;
    case K_INIT:
        if (l < 2)
            ndislock_ndis_init(&ndis_lock[l], &sites[l]);
        else
            ndislock_spin_init(w, &sites[l]);
        break;
    case K_FREE:
        ndislock_ndis_free(&ndis_lock[l]);
        break;
    case K_CB_ENTER:
        th->saved[th->nsaved++] = ndislock_tls.irql;
        ndislock_tls.context = NDISLOCK_CTX_DPC;
        ndislock_tls.irql = DISPATCH_LEVEL;
        NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_ENTER, NULL, "FuzzDpc");
        break;
    case K_CB_EXIT:
        NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_EXIT, NULL, "FuzzDpc");
        ndislock_tls.context = NDISLOCK_CTX_THREAD;
        ndislock_tls.irql = th->saved[--th->nsaved];
        break;
    case K_HBEGIN:
        ndislock_harness_handler_begin(o->arg ? "MiniportHaltEx" : "MiniportPause", adapter,
                                       o->arg ? NDISLOCK_HANDLER_HALT : NDISLOCK_HANDLER_OTHER);
        break;
    case K_HEND:
        ndislock_harness_handler_end();
        break;
    case K_WAIT:
        NDISLOCK_CHECK_WAIT(NdisMSleep, o->arg ? -10 : 0);
        break;
    case K_RW_ACQ: {
        int have = o->have;
        enum ndislock_rw_op op = o->arg ? NDISLOCK_RW_NDIS6_WRITE : NDISLOCK_RW_NDIS6_READ;
        if (!ndislock__verifier_rw_acquire(&rw_obj, op, o->arg2 ? NDISLOCK_RWL_AT_DISPATCH : 0,
                                           have == 0 ? NDISLOCK_RW_HELD_NONE
                                           : have == 1 ? NDISLOCK_RW_HELD_READ
                                                       : NDISLOCK_RW_HELD_WRITE))
            ndislock__verifier_rw_acquired(&rw_obj, op, 0);
        break;
    }
    case K_RW_REL:
        ndislock__verifier_rw_release(&rw_obj, o->arg ? NDISLOCK_RW_NDIS6_WRITE
                                                      : NDISLOCK_RW_NDIS6_READ);
        break;
    case K_ARM:
        NDISLOCK_EVENT_EX(NDISLOCK_EV_ARMED, NDISLOCK_CALL_NdisSetTimerObject, &timer_obj[o->arg],
                          (uintptr_t)adapter, NULL);
        break;
    case K_DISARM:
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, NdisCancelTimerObject, &timer_obj[o->arg]);
        break;
    case K_INTERLOCKED: {
        static ULONG counter;
        NdisInterlockedAddUlong(&counter, 1, &ndis_lock[l]);    /* NDIS locks (decode) */
        break;
    }
    }
}

/* ---- workers ---- */

static struct worker {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const struct op *op;            /* set by main, cleared by the worker when done */
    int reset;                      /* forget this thread's IRQL and holds (between inputs) */
} workers[NT];

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->op == NULL && !w->reset)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->reset) {
            ndislock_tls.irql = PASSIVE_LEVEL;
            ndislock_tls.context = NDISLOCK_CTX_THREAD;
            w->reset = 0;
        } else {
            run(w->op);
            real[w - workers].irql_after = ndislock_tls.irql;
            w->op = NULL;
        }
        pthread_cond_broadcast(&w->cv);
    }
    return NULL;
}

static void on_worker(int t, const struct op *o, int reset)
{
    struct worker *w = &workers[t];

    pthread_mutex_lock(&w->mu);
    w->op = o;
    w->reset = reset;
    pthread_cond_broadcast(&w->cv);
    while (w->op != NULL || w->reset)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

/* ---- reports: the verifier's JSON lines, read back after each operation ---- */

static int json_fd = -1;
static off_t json_pos;

static int got(const char **rules, char names[][40], int max)
{
    static char buf[1 << 20];
    ssize_t k = pread(json_fd, buf, sizeof buf - 1, json_pos);
    int n = 0;

    if (k <= 0)
        return 0;
    buf[k] = '\0';
    json_pos += k;
    for (char *p = buf; (p = strstr(p, "{\"rule\":\"")) != NULL; p++) {
        char *s = p + 9, *e = strchr(s, '"');
        if (e == NULL || n >= max)
            break;
        snprintf(names[n], 40, "%.*s", (int)(e - s), s);
        rules[n] = names[n];
        n++;
    }
    return n;
}

static unsigned long ops_run, reports_seen;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *const kind_names[K_N] = {
    "acquire", "release", "raise", "lower", "init", "free", "dpc-enter", "dpc-exit", "wait",
    "rw-acquire", "rw-release", "arm", "disarm", "handler-begin", "handler-end", "interlocked",
};

static void fail(const struct op *ops, int n, const char *const *g, int ng)
{
    fprintf(stderr, "verifier_fuzz: the verifier and the model disagree after op %d\n", n);
    for (int i = 0; i <= n; i++)
        fprintf(stderr, "  %2d: t%d %-13s lock %d fam %d arg %d arg2 %d\n", i, ops[i].t,
                kind_names[ops[i].kind], ops[i].l, ops[i].fam, ops[i].arg, ops[i].arg2);
    fprintf(stderr, "  model:");
    for (int i = 0; i < expect.n; i++)
        fprintf(stderr, " %s", expect.r[i]);
    fprintf(stderr, "\n  verifier:");
    for (int i = 0; i < ng; i++)
        fprintf(stderr, " %s", g[i]);
    fprintf(stderr, "\n");
    abort();
}

/* ---- decoding an input ---- */

static int decode(const uint8_t *d, size_t n, struct op *ops)
{
    int k = 0, nf[NT] = { 0 }, fkind[NT][16];
    static const int raise_levels[] = { 0, 1, 2, 2, 2, 5, 15, 200 }, lower_levels[] = { 0, 0, 1, 2,
                                                                                          2, 5, 200, 0 };

    for (size_t i = 0; i + 3 < n && k < MAXOPS; i += 4) {
        struct op o = { d[i] % K_N, d[i + 1] % NT, d[i + 2] % NL, 0, 0, 0, 0 };
        uint8_t x = d[i + 3];
        switch (o.kind) {
        case K_ACQ:
        case K_REL:
            o.fam = o.l < 2 ? x % 7 : 2 + x % 5;
            if (o.fam == F_KE)
                o.arg = (x >> 4) & 1 ? ((x >> 5) & 3) : -1;     /* -1: the saved value */
            if (o.fam == F_KE && (x >> 4) == 15)
                o.arg = 200;
            break;
        case K_RAISE:
            o.arg = raise_levels[x % 8];
            break;
        case K_LOWER:
            o.arg = lower_levels[x % 8];
            break;
        case K_FREE:
        case K_INTERLOCKED:
            o.l = o.l % 2;                  /* NDIS_SPIN_LOCKs */
            break;
        case K_CB_ENTER:
        case K_HBEGIN:
            if (nf[o.t] == 16)
                continue;
            fkind[o.t][nf[o.t]++] = o.kind;
            o.arg = o.kind == K_HBEGIN ? x & 1 : 0;
            break;
        case K_CB_EXIT:
        case K_HEND:
            if (nf[o.t] == 0)
                continue;
            o.kind = fkind[o.t][--nf[o.t]] == K_CB_ENTER ? K_CB_EXIT : K_HEND;   /* nest properly */
            break;
        case K_WAIT:
            o.arg = x & 1;
            break;
        case K_RW_ACQ:
            o.arg = x & 1;
            o.arg2 = (x >> 1) & 1;
            break;
        case K_RW_REL:
            o.arg = x & 1;
            break;
        case K_ARM:
        case K_DISARM:
            o.arg = x % NTIMERS;
            break;
        }
        ops[k++] = o;
    }
    /* leave the callbacks and brackets still open, innermost first */
    for (int t = 0; t < NT; t++)
        while (nf[t] > 0 && k < MAXOPS + NT * 16)
            ops[k++] = (struct op){ fkind[t][--nf[t]] == K_CB_ENTER ? K_CB_EXIT : K_HEND, t, 0, 0,
                                    0, 0, 0 };
    return k;
}

/* ---- one input ---- */

/* At exit (libFuzzer's end): the misuse was on purpose, so no exit status 66.  Registered
 * after the verifier's own exit handler, so it runs first. */
static void quiet_exit(void)
{
    ndislock_verifier_configure("verify=0");
}

static void setup(void)
{
    char opts[128];
    int fd = memfd_create("ndislock_fuzz_json", 0);

    if (fd < 0)
        abort();
    json_fd = fd;
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:hold_us=0:deadlock_ms=0:stats=0:"
             "log=/dev/null:json=/proc/self/fd/%d", fd);
    if (ndislock_verifier_configure(opts) != 0)
        abort();
    ndislock__v_dedup = 0;
    ndislock__v_symbolize = 0;
    atexit(quiet_exit);
    for (int t = 0; t < NT; t++) {
        pthread_mutex_init(&workers[t].mu, NULL);
        pthread_cond_init(&workers[t].cv, NULL);
        pthread_create(&workers[t].th, NULL, worker_main, &workers[t]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    static struct op ops[MAXOPS + NT * 16];
    const char *g[MAXR * 2];
    char names[MAXR * 2][40];

    if (!ready) {
        setup();
        ready = 1;
    }
    int n = decode(data, size, ops);

    /* a fresh start: verifier off and on (holds forgotten), words free, graph empty */
    ndislock_verifier_configure("verify=0");
    for (int l = 0; l < NL; l++)
        ndislock__spin_clear(word(l));
    for (int t = 0; t < NT; t++)
        on_worker(t, NULL, 1);
    ndislock_verifier_configure("verify=1");
    ndislock__v_graph_reset();
    memset(&m, 0, sizeof m);
    memset(real, 0, sizeof real);
    adapter = (void *)(uintptr_t)(0x10000 + 16 * (uintptr_t)++input_no);
    ndislock__verifier_rw_init(&rw_obj, &sites[NR]);
    for (int l = 0; l < NL; l++) {
        struct op o = { K_INIT, 0, l, 0, 0, 0, 0 };
        run(&o);
        model(&o);
    }
    expect.n = 0;
    json_pos = lseek(json_fd, 0, SEEK_END);

    for (int i = 0; i < n; i++) {
        if (blocks(&ops[i]))
            continue;
        if (ops[i].kind == K_RW_ACQ) {
            struct mthread *th = &m.th[ops[i].t];
            ops[i].have = 0;
            for (int k = 0; k < th->n; k++)
                if (th->h[k].key == NR && th->h[k].state == H_HELD)
                    ops[i].have = th->h[k].read && ops[i].have != 2 ? 1 : 2;
        }
        expect.n = 0;
        model(&ops[i]);
        on_worker(ops[i].t, &ops[i], 0);
        int ng = got(g, names, MAXR * 2);
        ops_run++;
        reports_seen += (unsigned long)ng;
        qsort(expect.r, (size_t)expect.n, sizeof expect.r[0], cmp);
        qsort(g, (size_t)ng, sizeof g[0], cmp);
        int same = ng == expect.n;
        for (int k = 0; same && k < ng; k++)
            same = !strcmp(g[k], expect.r[k]);
        if (!same || real[ops[i].t].irql_after != m.th[ops[i].t].irql) {
            if (same)
                fprintf(stderr, "verifier_fuzz: thread %d is at IRQL %d, the model says %d\n",
                        ops[i].t, real[ops[i].t].irql_after, m.th[ops[i].t].irql);
            fail(ops, i, g, ng);
        }
        if (ndislock_irql_current() != PASSIVE_LEVEL)
            abort();                                /* the driving thread never changes */
    }
    /* nothing may stay armed for the next input (or the exit audit) */
    for (int k = 0; k < NTIMERS; k++)
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, NdisCancelTimerObject, &timer_obj[k]);
    if (ftruncate(json_fd, 0) == 0)
        json_pos = 0;
    return 0;
}

#ifdef FUZZ_STANDALONE
/* Without libFuzzer: seeded pseudo-random inputs (and mutations of the previous one). */
int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 20000;
    unsigned seed = argc > 2 ? (unsigned)atol(argv[2]) : 1;
    uint8_t buf[MAXOPS * 4];

    alarm(600);                                     /* a hang fails */
    for (long it = 0; it < iters; it++) {
        size_t len = 4 * (1 + rand_r(&seed) % MAXOPS);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rand_r(&seed);
        LLVMFuzzerTestOneInput(buf, len);
    }
    ndislock_verifier_configure("verify=0");        /* the misuse above was on purpose */
    printf("verifier_fuzz: %ld inputs, %lu operations, %lu reports: verifier and model agree\n",
           iters, ops_run, reports_seen);
    return 0;
}
#endif
