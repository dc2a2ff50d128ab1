/*
 * What must be undone before a driver unloads: timers set, DPCs queued,
 * interrupts registered, from the ARMED/DISARMED events of the context code.
 * ACTIVE_AT_UNLOAD reports what is still active when a bracketed halt
 * returns (objects of that adapter) and at process exit (all of them).
 *
 * An object's owner is the adapter handle the event names (ev.arg), else
 * the adapter of the handler bracket the arming thread is inside, else
 * unknown; an unknown owner is counted against a halt only while a single
 * adapter has ever been bracketed (with several, only at exit).  DPCs are
 * queued per interrupt, so the set is striped by object address: arming
 * and disarming take one small mutex of 16 and never the verifier's.
 */
#include "internal.h"

#include <stdlib.h>

#define STRIPES 16                          /* fork takes them all: TSan allows 64 held mutexes */

struct armed {
    const void *obj;
    const void *owner;
    enum ndislock_call call;
    void *pc;
    struct armed *next;
};

static struct {
    pthread_mutex_t mu;
    struct armed *head;
} __attribute__((aligned(64))) stripe[STRIPES];

static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t adapters_mu = PTHREAD_MUTEX_INITIALIZER;
static const void *first_adapter;
static int many_adapters;

static void stripes_init(void)
{
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&stripe[i].mu, NULL);
}

static unsigned stripe_of(const void *obj)
{
    return (unsigned)(((uintptr_t)obj >> 4) * 0x9E3779B97F4A7C15ull >> 58) % STRIPES;
}

void ndislock__v_adapter_seen(const void *adapter)
{
    pthread_mutex_lock(&adapters_mu);
    if (first_adapter == NULL)
        first_adapter = adapter;
    else if (first_adapter != adapter)
        many_adapters = 1;
    pthread_mutex_unlock(&adapters_mu);
}

/* The adapter of the innermost handler bracket t is in, or NULL. */
static const void *bracket_owner(const struct v_thread *t)
{
    unsigned n = t->nframes < t->fcap ? t->nframes : t->fcap;

    for (unsigned i = n; i-- > 0;)
        if (t->frames[i].ctx == V_FRAME_HANDLER && t->frames[i].obj != NULL)
            return t->frames[i].obj;
    return NULL;
}

void ndislock__v_armed(struct v_thread *t, const struct ndislock_event *e, void *pc)
{
    struct armed *a = NULL, **pp;

    if (e->obj == NULL)
        return;
    pthread_once(&stripes_once, stripes_init);
    unsigned s = stripe_of(e->obj);
    if (e->kind == NDISLOCK_EV_ARMED && !t->guard)
        a = malloc(sizeof *a);              /* before the lock: nothing slow under it */
    pthread_mutex_lock(&stripe[s].mu);
    for (pp = &stripe[s].head; *pp && (*pp)->obj != e->obj; pp = &(*pp)->next)
        ;
    if (e->kind == NDISLOCK_EV_DISARMED) {
        if ((a = *pp) != NULL)
            *pp = a->next;
    } else if (*pp != NULL || a != NULL) {
        struct armed *x = *pp ? *pp : a;
        if (x == a) {
            a->next = stripe[s].head;
            stripe[s].head = a;
            a = NULL;
        }
        x->obj = e->obj;
        x->call = e->call;
        x->pc = pc;
        x->owner = e->arg ? (const void *)(uintptr_t)e->arg : bracket_owner(t);
    }
    pthread_mutex_unlock(&stripe[s].mu);
    free(a);                                /* a removed entry, or one not needed */
}

static const char *what(enum ndislock_call c)
{
    switch (c) {
    case NDISLOCK_CALL_NdisSetTimerObject:
        return "timer";
    case NDISLOCK_CALL_NdisMRegisterInterruptEx:
        return "interrupt";
    default:
        return "object";
    }
}

/*
 * Reports every active object of owner (NULL with at_exit: all of them) and
 * forgets it.  Call in a slow section, without the verifier's mutex.
 */
void ndislock__v_audit_armed(const void *owner, int at_exit, void *pc)
{
    struct v_thread *t = ndislock__vt;
    struct armed *found = NULL;

    pthread_once(&stripes_once, stripes_init);
    pthread_mutex_lock(&adapters_mu);
    int unknown_is_ours = at_exit || !many_adapters;
    pthread_mutex_unlock(&adapters_mu);
    for (int s = 0; s < STRIPES; s++) {
        pthread_mutex_lock(&stripe[s].mu);
        for (struct armed **pp = &stripe[s].head, *a; (a = *pp) != NULL;) {
            if (at_exit || a->owner == owner || (a->owner == NULL && unknown_is_ours)) {
                *pp = a->next;
                a->next = found;
                found = a;
            } else {
                pp = &a->next;
            }
        }
        pthread_mutex_unlock(&stripe[s].mu);
    }
    for (struct armed *a = found, *n; a; a = n) {
        n = a->next;
        if (t != NULL)
            ndislock__v_reportf(t, R_ACTIVE_AT_UNLOAD, NULL, pc, NULL, a->pc, "armed at",
                                "%s %p (%s) is still active %s", what(a->call), a->obj,
                                ndislock__v_call_name(a->call),
                                at_exit ? "at process exit" : "when MiniportHaltEx returns");
        free(a);
    }
}

/* ---- fork ---- */

void ndislock__v_armed_lock_all(void)
{
    pthread_once(&stripes_once, stripes_init);
    pthread_mutex_lock(&adapters_mu);
    for (int s = 0; s < STRIPES; s++)
        pthread_mutex_lock(&stripe[s].mu);
}

void ndislock__v_armed_unlock_all(void)
{
    for (int s = STRIPES; s-- > 0;)
        pthread_mutex_unlock(&stripe[s].mu);
    pthread_mutex_unlock(&adapters_mu);
}

void ndislock__v_armed_fork_child(void)
{
    for (int s = 0; s < STRIPES; s++)
        pthread_mutex_init(&stripe[s].mu, NULL);
    pthread_mutex_init(&adapters_mu, NULL);
}
