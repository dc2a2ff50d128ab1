/*
 * The lock order graph (lockdep's idea): an edge A -> B when a thread
 * acquires a lock of class B while holding one of class A.  A new edge that
 * closes a cycle is LOCK_ORDER_CYCLE, reported the first time both orders
 * have been seen, even if they never ran concurrently.  Two locks of one
 * class (one initialization site, e.g. an array of per-queue locks) are
 * ordered per instance instead: nodes are lock addresses then, forgotten
 * when the lock is freed or initialized again, so a consistent instance
 * order (q[0] before q[1], or hand-over-hand down a list) is fine.
 *
 * RW locks join with typed edges (lockdep's recursive-read rule): each edge
 * records whether its source was held shared and its target taken shared.
 * A cycle is a deadlock unless some lock on it is both taken shared by the
 * edge into it and held shared by the edge out of it (two readers never
 * wait for each other).
 *
 * Everything here is under ndislock__v.mu except ndislock__v_edge_known:
 * each thread caches the edges it has seen (V_ECACHE slots, with the graph
 * generation, bumped when edges are removed), so an already-validated
 * nesting costs a probe of thread-owned memory.  Hit counts live in the
 * cache and are added to the edge on eviction, thread exit and dumps.
 * The graph grows without a fixed limit up to V_MAX_EDGES, then says once
 * that new orders are no longer checked.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "report.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define V_MAX_EDGES (1u << 22)
#define V_NODE_HASH 4096u
#define V_EDGE_HASH 8192u

struct v_node;

struct v_edge {
    struct v_node *from, *to;
    uint8_t types;                  /* bit (1 << type) for each type seen */
    uint8_t cycle;                  /* on a cycle found (the DOT graph highlights it) */
    uint64_t count;                 /* under mu, plus the caches' hits */
    struct v_stack stack;           /* where it was first made */
    int tid;                        /* ... and by which thread (reports name it) */
    char tname[16];
    struct v_edge *hnext, *onext;   /* edge hash chain; from's out-list */
};

struct v_node {
    uint64_t key;                   /* class: (id + 1) << 1; instance: address | 1 */
    const struct v_class *cls;
    uintptr_t addr;                 /* instance node: the lock */
    struct v_edge *out;
    struct v_node *hnext;
    unsigned stamp[2];              /* BFS visit marks, per incoming "taken shared" state */
    struct v_edge *via[2];
    uint8_t via_type[2];
    unsigned via_prev_state[2];
};

static struct v_node *node_hash[V_NODE_HASH];
static struct v_edge *edge_hash[V_EDGE_HASH];
static struct v_edge *free_edges;
static size_t nedges;
static unsigned bfs_stamp;
static int noted_full;
unsigned ndislock__v_graph_gen;             /* relaxed: caches compare it */

static size_t hkey(uint64_t k)
{
    return (size_t)(k * 0x9E3779B97F4A7C15ull >> 32);
}

static size_t ehash(uint64_t a, uint64_t b)
{
    return hkey(a ^ (b * 0xC2B2AE3D27D4EB4Full)) % V_EDGE_HASH;
}

uint64_t ndislock__v_node_of(const struct v_lock *lk, const struct v_lock *other)
{
    const struct v_class *c = __atomic_load_n(&lk->cls, __ATOMIC_RELAXED);

    if (c == __atomic_load_n(&other->cls, __ATOMIC_RELAXED))
        return (uint64_t)__atomic_load_n(&lk->addr, __ATOMIC_RELAXED) | 1u;
    return ((uint64_t)c->id + 1) << 1;
}

static struct v_node *node_get(uint64_t key, const struct v_lock *lk, int create)
{
    size_t h = hkey(key) % V_NODE_HASH;

    for (struct v_node *n = node_hash[h]; n; n = n->hnext)
        if (n->key == key)
            return n;
    if (!create)
        return NULL;
    struct v_node *n = calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    n->key = key;
    n->cls = lk->cls;
    n->addr = lk->addr;
    n->hnext = node_hash[h];
    node_hash[h] = n;
    return n;
}

static struct v_edge *edge_get(uint64_t from, uint64_t to)
{
    for (struct v_edge *e = edge_hash[ehash(from, to)]; e; e = e->hnext)
        if (e->from->key == from && e->to->key == to)
            return e;
    return NULL;
}

static struct v_ecache *slot(struct v_thread *t, uint64_t from, uint64_t to)
{
    uint64_t h = from * 0x9E3779B97F4A7C15ull ^ to * 0xC2B2AE3D27D4EB4Full;
    return &t->ecache[(h >> 40) & (V_ECACHE - 1)];
}

int ndislock__v_edge_known(struct v_thread *t, uint64_t from, uint64_t to, unsigned type)
{
    struct v_ecache *c = slot(t, from, to);

    if (c->e == NULL || c->from != from || c->to != to || c->type != type ||
        c->gen != __atomic_load_n(&ndislock__v_graph_gen, __ATOMIC_RELAXED))
        return 0;
    v_inc(&c->hits, 1);
    return 1;
}

/* Under mu: adds a cache slot's hits to its edge. */
static void flush_slot(struct v_ecache *c)
{
    uint64_t hits = __atomic_load_n(&c->hits, __ATOMIC_RELAXED);

    if (c->e != NULL && hits && c->gen == ndislock__v_graph_gen)
        c->e->count += hits;
    __atomic_store_n(&c->hits, (uint64_t)0, __ATOMIC_RELAXED);
}

void ndislock__v_graph_flush(struct v_thread *t)
{
    for (unsigned i = 0; i < V_ECACHE; i++)
        flush_slot(&t->ecache[i]);
}

/*
 * Breadth-first search for a path src ->* dst that closes a deadlock cycle
 * with the new edge dst -> src of type t0.  States are (node, was it taken
 * shared); an edge out of a node taken shared may not start from a shared
 * hold.  Fills path[] (src first) and returns its length, or 0.
 */
static int find_cycle(struct v_node *src, struct v_node *dst, unsigned t0, struct v_edge **path,
                      int max)
{
    struct { struct v_node *n; unsigned r; } *q;
    size_t qn = 0, qcap = 64, head = 0;
    unsigned stamp = ++bfs_stamp;
    int len = 0;

    if ((q = malloc(qcap * sizeof *q)) == NULL)
        return 0;
    unsigned r0 = (t0 & V_EDGE_TO_READ) ? 1 : 0;
    src->stamp[r0] = stamp;
    src->via[r0] = NULL;
    q[qn].n = src;
    q[qn++].r = r0;
    while (head < qn) {
        struct v_node *n = q[head].n;
        unsigned r = q[head++].r;
        if (n == dst && !(r && (t0 & V_EDGE_FROM_READ))) {
            for (unsigned s = r; n->via[s] != NULL && len < max;) {   /* walk back */
                struct v_edge *e = n->via[s];
                unsigned ps = n->via_prev_state[s];
                path[len++] = e;
                n = e->from;
                s = ps;
            }
            for (int i = 0; i < len / 2; i++) {
                struct v_edge *x = path[i];
                path[i] = path[len - 1 - i];
                path[len - 1 - i] = x;
            }
            break;
        }
        for (struct v_edge *e = n->out; e; e = e->onext) {
            for (unsigned ty = 0; ty < 4; ty++) {
                if (!(e->types & (1u << ty)) || (r && (ty & V_EDGE_FROM_READ)))
                    continue;
                unsigned nr = (ty & V_EDGE_TO_READ) ? 1 : 0;
                struct v_node *m = e->to;
                if (m->stamp[nr] == stamp)
                    continue;
                if (qn == qcap) {
                    void *nq = realloc(q, (qcap *= 2) * sizeof *q);
                    if (nq == NULL)
                        goto out;
                    q = nq;
                }
                m->stamp[nr] = stamp;
                m->via[nr] = e;
                m->via_prev_state[nr] = r;
                q[qn].n = m;
                q[qn++].r = nr;
            }
        }
    }
out:
    free(q);
    return len;
}

static void node_label(v_buf *b, const struct v_node *n)
{
    ndislock__v_bprintf(b, "\"%s\"", n->cls ? n->cls->name : "?");
}

static void label(char *buf, size_t size, const struct v_edge *e)
{
    v_buf b = { 0 };

    node_label(&b, e->from);
    ndislock__v_bputs(&b, " -> ");
    node_label(&b, e->to);
    ndislock__v_bprintf(&b, " recorded by thread %d \"%s\" at", e->tid, e->tname);
    snprintf(buf, size, "%s", b.p ? b.p : "?");
    ndislock__v_bfree(&b);
}

void ndislock__v_edge_add(struct v_thread *t, const struct v_lock *held, const struct v_lock *taken,
                          uint64_t from, uint64_t to, unsigned type, void *pc)
{
    enum { MAXC = 8 };
    struct v_edge *e, *path[MAXC];
    struct v_stack here, st[MAXC];
    char lab[MAXC][200];
    const char *labels[MAXC];
    v_buf cyc = { 0 };              /* the cycle on one line: "A" => "B" => "A" */
    int len = 0;

    if (!ndislock__v_lock(t))
        return;                             /* re-entered from a signal handler: next time */
    struct v_ecache *c = slot(t, from, to);
    flush_slot(c);
    c->e = NULL;
    struct v_node *a = node_get(from, held, 1), *bn = node_get(to, taken, 1);
    if (a == NULL || bn == NULL)
        goto out;
    if ((e = edge_get(from, to)) == NULL) {
        if (nedges >= V_MAX_EDGES) {
            if (!noted_full) {
                noted_full = 1;
                ndislock__v_note("the lock order graph is full (%zu edges); orders first seen "
                                 "from now on are not checked for cycles", nedges);
            }
            goto out;
        }
        if ((e = free_edges) != NULL)
            free_edges = e->hnext;
        else if ((e = malloc(sizeof *e)) == NULL)
            goto out;
        memset(e, 0, sizeof *e);
        e->from = a;
        e->to = bn;
        size_t h = ehash(from, to);
        e->hnext = edge_hash[h];
        edge_hash[h] = e;
        e->onext = a->out;
        a->out = e;
        nedges++;
        if (from & 1) {
            ((struct v_lock *)(uintptr_t)held)->inst = 1;
            ((struct v_lock *)(uintptr_t)taken)->inst = 1;
        }
    }
    e->count++;
    if (e->types & (1u << type))
        goto cache;
    /* a new order (or a new type of it): its stack, once, and the cycle check */
    ndislock__v_capture(&here, pc);
    if (e->types == 0) {
        e->stack = here;
        e->tid = t->os_tid;
        pthread_getname_np(pthread_self(), e->tname, sizeof e->tname);
    }
    e->types |= (uint8_t)(1u << type);
    len = find_cycle(bn, a, type, path, MAXC - 1);
    /* copied now: the graph may change after unlock.  The report lists the new edge
     * first (held -> taken), then the path back (taken ->* held). */
    if (len > 0) {
        e->cycle = 1;
        st[0] = here;
        label(lab[0], sizeof lab[0], e);
        node_label(&cyc, a);
        ndislock__v_bputs(&cyc, " => ");
        node_label(&cyc, bn);
    }
    for (int i = 0; i < len; i++) {
        path[i]->cycle = 1;
        st[i + 1] = path[i]->stack;
        label(lab[i + 1], sizeof lab[i + 1], path[i]);
        ndislock__v_bputs(&cyc, " => ");
        node_label(&cyc, path[i]->to);
    }
cache:
    c->from = from;
    c->to = to;
    c->type = (uint8_t)type;
    c->gen = ndislock__v_graph_gen;
    c->e = e;
out:
    ndislock__v_unlock(t);
    if (len == 0) {
        ndislock__v_bfree(&cyc);
        return;
    }
    for (int i = 0; i <= len; i++)
        labels[i] = lab[i];

    struct v_report r = { .rule = R_LOCK_ORDER_CYCLE, .lk = taken, .pc = pc, .extra = st,
                          .labels = labels, .nextra = len + 1 };
    snprintf(r.detail, sizeof r.detail,
             "acquiring \"%s\" while holding \"%s\" closes a cycle of %d lock-order edges: %s",
             ndislock__v_lock_name(taken), ndislock__v_lock_name(held), len + 1,
             cyc.p ? cyc.p : "?");
    ndislock__v_bfree(&cyc);
    ndislock__v_report(t, &r);
}

/* Under mu: the instance node of the lock at addr goes, with its edges. */
void ndislock__v_graph_forget(uintptr_t addr)
{
    uint64_t key = (uint64_t)addr | 1u;
    size_t h = hkey(key) % V_NODE_HASH;
    struct v_node **pp = &node_hash[h], *n;

    while ((n = *pp) != NULL && n->key != key)
        pp = &n->hnext;
    if (n == NULL)
        return;
    *pp = n->hnext;
    /* every edge touching n: drop it from the edge hash and its source's list */
    for (size_t i = 0; i < V_EDGE_HASH; i++) {
        for (struct v_edge **ep = &edge_hash[i], *e; (e = *ep) != NULL;) {
            if (e->from != n && e->to != n) {
                ep = &e->hnext;
                continue;
            }
            *ep = e->hnext;
            struct v_edge **op = &e->from->out;
            while (*op != e)
                op = &(*op)->onext;
            *op = e->onext;
            e->hnext = free_edges;
            free_edges = e;
            nedges--;
        }
    }
    free(n);
    /* cached edges may point at recycled ones: every cache starts over */
    __atomic_store_n(&ndislock__v_graph_gen, ndislock__v_graph_gen + 1, __ATOMIC_RELAXED);
}

/* Tests (the fuzzer) start each input from an empty graph. */
void ndislock__v_graph_reset(void)
{
    struct v_thread *t = ndislock__vt;

    if (!ndislock__v_lock(t))
        return;
    for (size_t i = 0; i < V_NODE_HASH; i++)
        for (struct v_node *n = node_hash[i], *next; n; n = next) {
            next = n->hnext;
            free(n);
        }
    memset(node_hash, 0, sizeof node_hash);
    for (size_t i = 0; i < V_EDGE_HASH; i++)
        for (struct v_edge *e = edge_hash[i], *next; e; e = next) {
            next = e->hnext;
            e->hnext = free_edges;
            free_edges = e;
        }
    memset(edge_hash, 0, sizeof edge_hash);
    nedges = 0;
    __atomic_store_n(&ndislock__v_graph_gen, ndislock__v_graph_gen + 1, __ATOMIC_RELAXED);
    ndislock__v_unlock(t);
}

/* DOT strings: quotes and backslashes escaped, so any lock name is safe. */
static void dot_str(v_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            ndislock__v_bprintf(b, "\\%c", *s);
        else if (*s == '\n')
            ndislock__v_bputs(b, "\\n");
        else
            ndislock__v_bprintf(b, "%c", *s);
    }
}

static void dot_node_id(v_buf *b, const struct v_node *n)
{
    if (n->key & 1)
        ndislock__v_bprintf(b, "i%llx", (unsigned long long)n->addr);
    else
        ndislock__v_bprintf(b, "c%u", n->cls->id);
}

/*
 * The order graph as Graphviz DOT, under mu: only the locks some edge
 * touches; one node per class, or per instance for two locks of one class
 * (so their edges are not loops drawn over each other); one label per edge
 * (how often, where first recorded and by which thread); the edges of every
 * cycle found, and their locks, in red.
 */
void ndislock__v_graph_dot(v_buf *b)
{
    unsigned used = ++bfs_stamp, red = ++bfs_stamp;     /* marks in stamp[0], stamp[1] */

    for (size_t i = 0; i < V_EDGE_HASH; i++)
        for (struct v_edge *e = edge_hash[i]; e; e = e->hnext) {
            e->from->stamp[0] = e->to->stamp[0] = used;
            if (e->cycle)
                e->from->stamp[1] = e->to->stamp[1] = red;
        }
    ndislock__v_bputs(b, "digraph ndislock_lock_order {\n"
                         "  label=\"ndislock lock order: A -> B when B was taken while A was held; "
                         "red: a cycle (LOCK_ORDER_CYCLE)\";\n  node [shape=box];\n");
    for (size_t i = 0; i < V_NODE_HASH; i++)
        for (struct v_node *n = node_hash[i]; n; n = n->hnext) {
            const struct v_class *c = n->cls;
            if (n->stamp[0] != used || c == NULL || c->hidden)
                continue;
            const char *f = strrchr(c->file, '/') ? strrchr(c->file, '/') + 1 : c->file;
            ndislock__v_bputs(b, "  ");
            dot_node_id(b, n);
            ndislock__v_bputs(b, " [label=\"");
            dot_str(b, c->name);
            ndislock__v_bputs(b, "\\n");
            dot_str(b, f);
            ndislock__v_bprintf(b, ":%d", c->line);
            if (n->key & 1)
                ndislock__v_bprintf(b, "\\n%p", (void *)n->addr);
            ndislock__v_bprintf(b, "\"%s];\n", n->stamp[1] == red ? " color=red penwidth=2" : "");
        }
    for (size_t i = 0; i < V_EDGE_HASH; i++)
        for (const struct v_edge *e = edge_hash[i]; e; e = e->hnext) {
            struct v_stack top = { .n = e->stack.n > 0, .pc = { e->stack.pc[0] } };
            struct v_sym s[V_SYMS];
            v_buf at = { 0 };
            ndislock__v_print_site(&at, ndislock__v_site(s, ndislock__v_symbols(&top, s, V_SYMS)));
            ndislock__v_bputs(b, "  ");
            dot_node_id(b, e->from);
            ndislock__v_bputs(b, " -> ");
            dot_node_id(b, e->to);
            ndislock__v_bprintf(b, " [label=\"%llu\\n",
                                (unsigned long long)(e->count + ndislock__v_cached_hits(e)));
            dot_str(b, at.p ? at.p : "?");
            ndislock__v_bprintf(b, "\\nthread %d \\\"", e->tid);
            dot_str(b, e->tname);
            /* dashed: seen only with one side held or taken shared (an RW lock read) */
            ndislock__v_bprintf(b, "\\\"\"%s%s];\n", e->types & 1 ? "" : " style=dashed",
                                e->cycle ? " color=red fontcolor=red penwidth=2" : "");
            ndislock__v_bfree(&at);
        }
    ndislock__v_bputs(b, "}\n");
}

void ndislock_lockgraph_dot(FILE *out)
{
    struct v_thread *t = ndislock__vt;
    struct v_slow s;
    v_buf b = { 0 };

    ndislock__v_enter(&s, t);
    if (ndislock__v_lock(t)) {
        ndislock__v_graph_dot(&b);
        ndislock__v_unlock(t);
    }
    ndislock__v_leave(&s);
    if (b.p)
        fwrite(b.p, 1, b.len, out);
    fflush(out);
    ndislock__v_bfree(&b);
}
