/*
 * Per-thread verifier state: registration, the held-lock stack, the
 * registry that answers "who holds lock X" at report time, thread exit.
 *
 * A thread's state is a heap object, found through one initial-exec TLS
 * pointer.  Identity is a counter value, never an address: a new thread
 * that reuses a dead thread's TLS or stack gets a new id and an empty
 * stack, so it is never taken for the dead holder.  The registry (a list
 * under ndislock__v.mu) holds every live thread and every exited one that
 * still holds a lock (its lock words stay held, as on Windows).
 *
 * The held-lock stack is written only by its thread.  Growth copies it into
 * a larger array and publishes the new one; the old array is kept until the
 * thread exits, so a reader walking it under the mutex never touches freed
 * memory (held is stored before cap: a reader that sees the new cap sees
 * the new array; one that sees the old cap is within either array).
 */
#define _GNU_SOURCE
#include "internal.h"
#include "preempt.h"

#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

__thread struct v_thread *ndislock__vt __attribute__((tls_model("initial-exec")));

static struct v_thread *threads;            /* registry, under mu */
static uint64_t next_id;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static int exit_key_ok;

struct v_arr {                              /* a replaced hold or stack array */
    struct v_arr *next;
    max_align_t data[];
};

#define V_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define V_GET(x)    __atomic_load_n(&(x), __ATOMIC_RELAXED)

static void thread_exit(void *arg);

static void make_key(void)
{
    exit_key_ok = pthread_key_create(&exit_key, thread_exit) == 0;
}

/* The library is being unloaded: no destructor may point into it afterwards. */
void ndislock__v_thread_key_delete(void)
{
    if (exit_key_ok) {
        exit_key_ok = 0;
        pthread_key_delete(exit_key);
    }
}

static void link_thread(struct v_thread *t)
{
    t->prev = NULL;
    t->next = threads;
    if (threads)
        threads->prev = t;
    threads = t;
}

static void unlink_thread(struct v_thread *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        threads = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->next = t->prev = NULL;
}

static void free_thread(struct v_thread *t)
{
    for (struct v_arr *a = t->retired, *n; a; a = n) {
        n = a->next;
        free(a);
    }
    if (t->held != t->inline_held)
        free((char *)t->held - offsetof(struct v_arr, data));
    if (t->stacks)
        free((char *)t->stacks - offsetof(struct v_arr, data));
    for (unsigned i = 0; i < t->nstats; i++)
        free(t->stats[i]);
    free(t->stats);
    free(t->frames);
    free(t);
}

static struct v_thread *register_thread(void)
{
    struct v_thread *t = v_line_alloc(sizeof *t);

    if (t == NULL)
        return NULL;
    memset(t, 0, sizeof *t);
    t->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
    t->os_tid = (int)syscall(SYS_gettid);
    t->tls = &ndislock_tls;
    t->held = t->inline_held;
    t->cap = V_HELD0;
    t->epoch = __atomic_load_n(&ndislock__v.epoch, __ATOMIC_RELAXED);
    t->rng = (uint32_t)(t->id * 0x9E3779B9u) | 1u;   /* xorshift32: any state but 0 */
    t->sample_left = ndislock__v_gap(t);            /* first timed pair: within 2P-1 */
    t->rseq = ndislock__preempt_area();
    t->marker = ndislock__preempt_marker();
    pthread_mutex_lock(&ndislock__v.mu);
    link_thread(t);
    pthread_mutex_unlock(&ndislock__v.mu);
    if (!__atomic_load_n(&ndislock__v.retired, __ATOMIC_RELAXED)) {
        pthread_once(&exit_key_once, make_key);
        if (exit_key_ok)
            (void)pthread_setspecific(exit_key, t);
    }
    ndislock__vt = t;
    return t;
}

/*
 * First use by this thread, or checking was switched off and on since its
 * last checked call: holds recorded before then may have been released by
 * the unchecked fast path, so they are forgotten (their releases then take
 * the "held, but not by a checked acquire" path: released silently).
 */
struct v_thread *ndislock__v_thread_slow(void)
{
    struct v_thread *t = ndislock__vt;

    if (t == NULL && (t = register_thread()) == NULL)
        return NULL;
    unsigned e = __atomic_load_n(&ndislock__v.epoch, __ATOMIC_RELAXED);
    if (t->epoch != e) {
        V_SET(t->nheld, 0u);
        t->nframes = 0;
        t->nstreak = 0;
        t->epoch = e;
    }
    return t;
}

/* Copies n elements of size sz into a new array of cap elements (with an v_arr header). */
static void *grow_array(void *old, size_t n, size_t cap, size_t sz)
{
    struct v_arr *a = malloc(offsetof(struct v_arr, data) + cap * sz);

    if (a == NULL)
        return NULL;
    a->next = NULL;
    if (old)
        memcpy(a->data, old, n * sz);
    return a->data;
}

static void retire(struct v_thread *t, void *data)
{
    struct v_arr *a = (struct v_arr *)(void *)((char *)data - offsetof(struct v_arr, data));

    a->next = t->retired;
    t->retired = a;
}

static int grow(struct v_thread *t)
{
    unsigned cap = t->cap * 2;
    struct v_hold *h = grow_array(t->held, t->cap, cap, sizeof *h);

    if (h == NULL)
        return -1;
    if (t->stacks) {
        struct v_stack *s = grow_array(t->stacks, t->cap, cap, sizeof *s);
        if (s == NULL) {
            free((char *)h - offsetof(struct v_arr, data));
            return -1;
        }
        struct v_stack *old = t->stacks;
        __atomic_store_n(&t->stacks, s, __ATOMIC_RELEASE);
        retire(t, old);
    }
    struct v_hold *old = t->held;
    __atomic_store_n(&t->held, h, __ATOMIC_RELEASE);        /* before cap: see the header */
    __atomic_store_n(&t->cap, cap, __ATOMIC_RELEASE);
    if (old != t->inline_held)
        retire(t, old);
    return 0;
}

/* v_push when the stack is full: grows it first. */
struct v_hold *ndislock__v_push_slow(struct v_thread *t)
{
    if (t->guard || grow(t) < 0) {
        if (!t->noted_full) {
            t->noted_full = 1;
            ndislock__v_note("out of memory for the held-lock stack of thread %llu "
                             "(%u locks held); holds beyond it are not checked",
                             (unsigned long long)t->id, t->nheld);
        }
        return NULL;
    }
    return v_push(t);
}

/* Whole stacks per hold (acquire_stacks=1): allocated on first need. */
void ndislock__v_stacks_alloc(struct v_thread *t)
{
    struct v_stack *s;

    if (t->stacks != NULL || t->guard)
        return;
    if ((s = grow_array(NULL, 0, t->cap, sizeof *s)) == NULL)
        return;
    for (unsigned i = 0; i < t->cap; i++)
        s[i].n = 0;
    __atomic_store_n(&t->stacks, s, __ATOMIC_RELEASE);
}

/* v_remove of an entry below the top: the ones above move down. */
void ndislock__v_remove_shift(struct v_thread *t, unsigned i)
{
    unsigned n = t->nheld;

    for (unsigned j = i; j + 1 < n; j++) {
        struct v_hold *d = &t->held[j], *s = &t->held[j + 1];
        V_SET(d->key, V_GET(s->key));
        V_SET(d->rec, V_GET(s->rec));
        V_SET(d->pc, V_GET(s->pc));
        V_SET(d->state, V_GET(s->state));
        d->op = s->op;
        d->flags = s->flags;
        d->restore = s->restore;
        d->raised = s->raised;
        d->old_slot = s->old_slot;
        d->acq_cost = s->acq_cost;
        d->t0 = s->t0;
        d->own0 = s->own0;
        d->sw0 = s->sw0;
        d->ops0 = s->ops0;
        if (t->stacks) {
            V_SET(t->stacks[j].n, V_GET(t->stacks[j + 1].n));
            for (int k = 0; k < V_FRAMES; k++)
                V_SET(t->stacks[j].pc[k], V_GET(t->stacks[j + 1].pc[k]));
        }
    }
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    V_SET(t->nheld, n - 1);
}

static void copy_stack(struct v_stack *dst, const struct v_stack *src)
{
    dst->n = V_GET(src->n);
    if (dst->n > V_FRAMES)
        dst->n = V_FRAMES;
    for (int k = 0; k < dst->n; k++)
        dst->pc[k] = V_GET(src->pc[k]);
}

/* Under mu: a holder of key other than except (the dead ones too). */
int ndislock__v_find_holder(uintptr_t key, const struct v_thread *except, struct v_holder *out)
{
    unsigned epoch = __atomic_load_n(&ndislock__v.epoch, __ATOMIC_RELAXED);

    for (struct v_thread *t = threads; t; t = t->next) {
        /* holds from before checking was last switched off are not known any more */
        if (t == except || t->epoch != epoch)
            continue;
        unsigned n = V_GET(t->nheld);
        unsigned cap = __atomic_load_n(&t->cap, __ATOMIC_ACQUIRE);
        struct v_hold *h = __atomic_load_n(&t->held, __ATOMIC_ACQUIRE);
        struct v_stack *st = __atomic_load_n(&t->stacks, __ATOMIC_ACQUIRE);
        for (unsigned i = n < cap ? n : cap; i-- > 0;) {
            uint8_t s = V_GET(h[i].state);
            if (V_GET(h[i].key) != key || (s != VH_HELD && s != VH_RELEASING))
                continue;
            out->tid = t->id;
            out->os_tid = t->os_tid;
            out->dead = t->dead;
            out->pc = V_GET(h[i].pc);
            out->state = s;
            out->stack.n = 0;
            if (st != NULL && i < cap)
                copy_stack(&out->stack, &st[i]);
            return 1;
        }
    }
    return 0;
}

/* t's most recent release of key, or NULL. */
static void *find_release(struct v_thread *t, uintptr_t key)
{
    unsigned last = __atomic_load_n(&t->reln, __ATOMIC_RELAXED);

    for (unsigned k = V_REL; k-- > 0;) {
        unsigned i = (last + k) % V_REL;            /* newest first */
        if (V_GET(t->rel[i].key) == key)
            return V_GET(t->rel[i].pc);
    }
    return NULL;
}

/* Under mu: the calling thread's own release first, then any thread's. */
void *ndislock__v_last_release(struct v_thread *self, uintptr_t key)
{
    void *pc = self ? find_release(self, key) : NULL;

    for (struct v_thread *t = threads; pc == NULL && t; t = t->next)
        if (t != self)
            pc = find_release(t, key);
    return pc;
}

/* Held locks and open callback frames of an exiting thread (or the exiting process). */
V_CODE void ndislock__v_thread_exit_check(struct v_thread *t, const char *why)
{
    unsigned n = v_real_holds(t, 0);

    if (n == 0 || !ndislock__v.opt.verify)
        return;
    struct v_hold *top = NULL;
    for (unsigned i = t->nheld; i-- > 0;)
        if (t->held[i].state == VH_HELD) {
            top = &t->held[i];
            break;
        }
    ndislock__v_reportf(t, R_LOCK_HELD_AT_EXIT, top ? top->rec : NULL, NULL, NULL,
                        top ? top->pc : NULL, "lock acquired at", "%s holding %u lock(s)", why, n);
}

V_CODE static void thread_exit(void *arg)
{
    struct v_thread *t = arg;
    struct v_slow s;
    char why[64];

    if (t == NULL || __atomic_load_n(&ndislock__v.retired, __ATOMIC_RELAXED))
        return;
    ndislock__vt = t;
    if (t->epoch == __atomic_load_n(&ndislock__v.epoch, __ATOMIC_RELAXED) && !t->guard) {
        ndislock__v_enter(&s, t);
        snprintf(why, sizeof why, "thread %llu exits", (unsigned long long)t->id);
        ndislock__v_thread_exit_check(t, why);
        unsigned irql = ndislock_tls.irql;
        if (irql != NDISLOCK_PASSIVE_LEVEL && v_real_holds(t, 0) == 0 && ndislock__v.opt.verify)
            ndislock__v_reportf(t, R_LOCK_HELD_AT_EXIT, NULL, NULL, NULL, NULL, NULL,
                                "%s at IRQL %u (it raised and never lowered)", why, irql);
        ndislock__v_leave(&s);
    }
    int holding = t->epoch == __atomic_load_n(&ndislock__v.epoch, __ATOMIC_RELAXED) &&
                  v_real_holds(t, 0) > 0;
    pthread_mutex_lock(&ndislock__v.mu);
    ndislock__v_stats_merge_thread(t);
    ndislock__v_graph_flush(t);
    if (holding) {
        t->dead = 1;                        /* its holds stay visible: the words stay held */
        free(t->frames);
        t->frames = NULL;
        t->nframes = t->fcap = 0;
    } else {
        unlink_thread(t);
    }
    pthread_mutex_unlock(&ndislock__v.mu);
    ndislock__vt = NULL;
    if (!holding)
        free_thread(t);
}

/* After fork, in the child: the other threads do not exist here. */
void ndislock__v_registry_fork_child(struct v_thread *self)
{
    for (struct v_thread *t = threads, *n; t; t = n) {
        n = t->next;
        if (t == self || t->dead)
            continue;
        ndislock__v_stats_merge_thread(t);
        if (t->epoch == ndislock__v.epoch && v_real_holds(t, 0) > 0) {
            t->dead = 1;
        } else {
            unlink_thread(t);
            free_thread(t);
        }
    }
}

/* Under mu: hits of e counted in the live threads' edge caches, not yet added to it. */
uint64_t ndislock__v_cached_hits(const struct v_edge *e)
{
    uint64_t n = 0;

    for (struct v_thread *t = threads; t; t = t->next)
        for (unsigned i = 0; i < V_ECACHE; i++)
            if (__atomic_load_n(&t->ecache[i].e, __ATOMIC_RELAXED) == e &&
                __atomic_load_n(&t->ecache[i].gen, __ATOMIC_RELAXED) == ndislock__v_graph_gen)
                n += __atomic_load_n(&t->ecache[i].hits, __ATOMIC_RELAXED);
    return n;
}

/* Under mu: the live threads' statistics of class id, added to out. */
void ndislock__v_stats_live(struct v_cstats *out, uint32_t id)
{
    for (struct v_thread *t = threads; t; t = t->next) {
        struct v_cstats *s = id < t->nstats ? __atomic_load_n(&t->stats[id], __ATOMIC_ACQUIRE)
                                            : NULL;
        if (s != NULL)
            ndislock__v_stats_sum_into(out, s);
    }
}

void ndislock__v_stats_live_reset(void)
{
    for (struct v_thread *t = threads; t; t = t->next)
        for (unsigned i = 0; i < t->nstats; i++) {
            struct v_cstats *s = __atomic_load_n(&t->stats[i], __ATOMIC_ACQUIRE);
            if (s != NULL)
                ndislock__v_cstats_zero(s);
        }
}

/* Before unloading: no thread's rseq area may point at our marker any more. */
void ndislock__v_registry_disarm(void)
{
    for (struct v_thread *t = threads; t; t = t->next)
        if (!t->dead)
            ndislock__preempt_disarm(t->rseq);
}
