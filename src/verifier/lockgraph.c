/*
 * The lock order graph (lockdep's idea): an edge A -> B each time a thread
 * acquires a lock of class B while holding one of class A.  A new edge that
 * closes a cycle is LOCK_ORDER_CYCLE, reported the first time both orders
 * have been seen, even if they never ran concurrently.  Consistent orders
 * never report.  Two locks of the same class (one allocation site, e.g. an
 * array of per-queue locks) are ordered per instance instead, so a
 * consistent instance order (q[0] before q[1]) is fine and the reverse is
 * reported.  New edges are added under vstate.mu; each thread caches the
 * edges it has seen (V_ECACHE slots), so an already-validated nesting costs
 * one cache probe and a relaxed counter increment, with no mutex.
 */
#include "internal.h"

#include <string.h>

struct v_edge {
    uintptr_t from, to;             /* class pointer, or lock address | 1 (instance node) */
    const struct v_lock *a, *b;     /* the locks that made the edge (for names) */
    const struct v_class *ca, *cb;
    unsigned long count;            /* relaxed atomic: the cache hit path counts too */
    struct v_stack stack;           /* where b was acquired while a was held */
};

static struct v_edge edges[V_EDGES];
static unsigned nedges;

static struct v_edge *find(uintptr_t from, uintptr_t to)
{
    for (unsigned i = 0; i < nedges; i++)
        if (edges[i].from == from && edges[i].to == to)
            return &edges[i];
    return NULL;
}

/* Breadth-first search from src to dst; fills path[] (edge indexes) and returns its length, or 0. */
static int path(uintptr_t src, uintptr_t dst, unsigned *out, int max)
{
    static int via[V_EDGES];        /* edge index that reached node of edge i's `to`, -1 root */
    static uintptr_t node[V_EDGES + 1];
    static int parent[V_EDGES + 1];
    unsigned head = 0, tail = 0;

    node[tail] = src;
    parent[tail++] = -1;
    for (; head < tail; head++) {
        for (unsigned e = 0; e < nedges; e++) {
            if (edges[e].from != node[head])
                continue;
            uintptr_t n = edges[e].to;
            int seen = 0;
            for (unsigned k = 0; k < tail; k++)
                if (node[k] == n)
                    seen = 1;
            if (seen || tail > V_EDGES)
                continue;
            via[tail] = (int)e;
            parent[tail] = (int)head;
            node[tail++] = n;
            if (n == dst) {
                int len = 0;
                for (int k = (int)tail - 1; k > 0 && len < max; k = parent[k])
                    out[len++] = (unsigned)via[k];
                for (int i = 0; i < len / 2; i++) {     /* src first */
                    unsigned x = out[i];
                    out[i] = out[len - 1 - i];
                    out[len - 1 - i] = x;
                }
                return len;
            }
        }
    }
    return 0;
}

static void edge_key(const struct v_lock *held, const struct v_lock *taken, uintptr_t *from,
                     uintptr_t *to)
{
    if (held->cls == taken->cls) {
        *from = held->addr | 1;
        *to = taken->addr | 1;
    } else {
        *from = (uintptr_t)held->cls;
        *to = (uintptr_t)taken->cls;
    }
}

static struct v_ecache *ecache_slot(struct v_thread *t, uintptr_t from, uintptr_t to)
{
    uint64_t h = ((uint64_t)from * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)to * 0xC2B2AE3D27D4EB4Full);
    return &t->ecache[(h >> 40) & (V_ECACHE - 1)];
}

int v_graph_known(struct v_thread *t, const struct v_lock *held, const struct v_lock *taken)
{
    uintptr_t from, to;

    if (held == taken)
        return 1;
    edge_key(held, taken, &from, &to);
    struct v_ecache *c = ecache_slot(t, from, to);
    if (c->e == NULL || c->from != from || c->to != to)
        return 0;
    __atomic_fetch_add(&c->e->count, 1, __ATOMIC_RELAXED);
    return 1;
}

static void label(char *buf, size_t n, const struct v_edge *e)
{
    snprintf(buf, n, "\"%s\" -> \"%s\" recorded at", v_lock_name(e->a), v_lock_name(e->b));
}

int v_graph_add(struct v_thread *t, struct v_lock *held, struct v_lock *taken)
{
    uintptr_t from, to;

    if (held == taken)
        return 0;
    edge_key(held, taken, &from, &to);
    struct v_ecache *c = ecache_slot(t, from, to);
    struct v_edge *e = find(from, to);
    if (e != NULL) {
        __atomic_fetch_add(&e->count, 1, __ATOMIC_RELAXED);
        *c = (struct v_ecache){ from, to, e };
        return 0;
    }
    if (nedges == V_EDGES)
        return 0;
    e = &edges[nedges];
    *e = (struct v_edge){ from, to, held, taken, held->cls, taken->cls, 1, { 0, { 0 } } };
    v_capture(&e->stack, 1);        /* once per edge: the whole stack */
    *c = (struct v_ecache){ from, to, e };

    enum { MAXC = 8 };
    unsigned p[MAXC];
    int len = path(to, from, p, MAXC - 1);
    nedges++;                       /* kept even if it closes a cycle: reported once */
    if (len == 0)
        return 0;

    struct v_stack st[MAXC];
    char lab[MAXC][200];
    const char *labels[MAXC];
    for (int i = 0; i < len; i++) {
        st[i] = edges[p[i]].stack;
        label(lab[i], sizeof lab[i], &edges[p[i]]);
        labels[i] = lab[i];
    }
    st[len] = e->stack;
    label(lab[len], sizeof lab[len], e);
    labels[len] = lab[len];

    char detail[400];
    snprintf(detail, sizeof detail,
             "acquiring \"%s\" while holding \"%s\" closes a cycle of %d lock-order edges",
             v_lock_name(taken), v_lock_name(held), len + 1);
    v_report_cycle(st, labels, len + 1, taken, detail);
    return 1;
}

static void node_name(FILE *out, const struct v_class *c)
{
    if (c->site)
        fprintf(out, "\"%s\\n%s:%d\"", c->site->name, strrchr(c->site->file, '/') ?
                strrchr(c->site->file, '/') + 1 : c->site->file, c->site->line);
    else
        fprintf(out, "\"<uninitialized>\"");
}

void v_graph_dot(FILE *out)
{
    fprintf(out, "digraph ndislock_lock_order {\n  node [shape=box];\n");
    for (unsigned i = 0; i < vstate.nclasses; i++) {
        if (vstate.classes[i].site == NULL)
            continue;
        fprintf(out, "  c%u [label=", i);
        node_name(out, &vstate.classes[i]);
        fprintf(out, "];\n");
    }
    for (unsigned i = 0; i < nedges; i++) {
        const struct v_edge *e = &edges[i];
        unsigned a = (unsigned)(e->ca - vstate.classes), b = (unsigned)(e->cb - vstate.classes);
        if (e->from & 1)
            fprintf(out, "  c%u -> c%u [label=\"%lu (same class, %p -> %p)\" style=dashed];\n", a, b,
                    __atomic_load_n(&e->count, __ATOMIC_RELAXED), (void *)e->a->addr,
                    (void *)e->b->addr);
        else
            fprintf(out, "  c%u -> c%u [label=\"%lu\"];\n", a, b,
                    __atomic_load_n(&e->count, __ATOMIC_RELAXED));
    }
    fprintf(out, "}\n");
}

void ndislock_lockgraph_dot(FILE *out)
{
    struct v_thread *t = &vthread;

    pthread_mutex_lock(&vstate.mu);
    t->guard++;
    if (vstate.classes)
        v_graph_dot(out);
    else
        fprintf(out, "digraph ndislock_lock_order {\n}\n");
    t->guard--;
    pthread_mutex_unlock(&vstate.mu);
}
