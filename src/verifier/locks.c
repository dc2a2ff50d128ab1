/*
 * Lock records (lock address -> class and state) and lock classes.
 *
 * Lookup is lock-free and, for a lock the thread used recently, touches only
 * thread-owned memory plus the record: first a direct-mapped per-thread
 * cache, then an open-addressing table of record pointers.  Every change to
 * the table happens under ndislock__v.mu, so a lock-free miss is never
 * trusted: callers look again under the mutex before deciding a lock is
 * unknown.  A lock-free hit is validated by the record's own address field.
 * Records are never returned to malloc: a freed lock's record stays in a
 * quarantine of the last V_QUARANTINE frees (for LOCK_USE_AFTER_FREE), then
 * leaves the table and is recycled.  The table grows by doubling (old slot
 * arrays are kept, at most as much again) and is rebuilt in place when
 * tombstones pile up.  Nothing has a fixed limit below V_MAX_LOCKS; past it
 * new locks are said once to be untracked.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define V_QUARANTINE  4096                  /* freed locks remembered for LOCK_USE_AFTER_FREE */
#define V_MAX_LOCKS   (1u << 22)            /* records at most (64 bytes each) */
#define TOMB          ((struct v_lock *)(uintptr_t)1)

struct v_table {
    size_t mask;
    size_t live, used;                      /* records; records + tombstones (under mu) */
    struct v_table *older;                  /* replaced arrays: lock-free readers may be in them */
    struct v_lock *slot[];
};

static struct v_table *table;               /* acquire/release */
static struct v_lock *free_recs;            /* recycled records (under mu) */
static size_t nrecords;
static int noted_full;

static struct {
    struct v_lock *rec;
    uint32_t gen;
    struct v_stack freed;                   /* where it was freed */
} quarantine[V_QUARANTINE];
static unsigned qhead, qlen;

static size_t hash(uintptr_t a)
{
    return (size_t)(((uint64_t)a >> 2) * 0x9E3779B97F4A7C15ull >> 20);
}

static struct v_lock *table_get(const struct v_table *tb, uintptr_t addr)
{
    if (tb == NULL)
        return NULL;
    for (size_t i = hash(addr) & tb->mask, n = 0; n <= tb->mask; i = (i + 1) & tb->mask, n++) {
        struct v_lock *p = __atomic_load_n(&tb->slot[i], __ATOMIC_ACQUIRE);
        if (p == NULL)
            return NULL;
        if (p != TOMB && __atomic_load_n(&p->addr, __ATOMIC_RELAXED) == addr)
            return p;
    }
    return NULL;
}

/* Lock-free; NULL means "not seen here", never "unknown". */
struct v_lock *ndislock__v_lock_lookup(struct v_thread *t, uintptr_t addr)
{
    struct v_lcache *c = &t->lcache[V_LSLOT(addr)];
    struct v_lock *p = c->rec;

    if (__builtin_expect(c->addr == addr && p != NULL &&
                         __atomic_load_n(&p->addr, __ATOMIC_RELAXED) == addr, 1))
        return p;
    p = table_get(__atomic_load_n(&table, __ATOMIC_ACQUIRE), addr);
    if (p != NULL) {
        c->addr = addr;
        c->rec = p;
        c->stamp = 0;                       /* the rest is another lock's */
    }
    return p;
}

/* Under mu: a cached view of lk may be stale now (pairs with fast.c's stamp check). */
void ndislock__v_lock_touch(struct v_lock *lk)
{
    uint32_t s = lk->stamp + 1;

    __atomic_store_n(&lk->stamp, s ? s : 1u, __ATOMIC_RELEASE);
}

struct v_lock *ndislock__v_lock_find(uintptr_t addr)
{
    return table_get(table, addr);
}

static void put(struct v_table *tb, struct v_lock *lk)
{
    size_t i = hash(lk->addr) & tb->mask;

    while (tb->slot[i] != NULL && tb->slot[i] != TOMB)
        i = (i + 1) & tb->mask;
    if (tb->slot[i] == NULL)
        tb->used++;
    tb->live++;
    __atomic_store_n(&tb->slot[i], lk, __ATOMIC_RELEASE);   /* publishes the record's fields */
}

/*
 * Room for one more record: a new, larger array when live records pass half
 * the slots; a rebuild in place when tombstones make the table 3/4 full.
 * Readers that miss meanwhile fall back to the mutex, which we hold.
 */
static int make_room(void)
{
    struct v_table *tb = table;
    size_t size = tb ? tb->mask + 1 : 0;

    if (tb && (tb->used + 1) * 4 <= size * 3)
        return 0;
    if (tb == NULL || (tb->live + 1) * 2 > size) {
        size_t n = size ? size * 2 : 1024;
        struct v_table *nt = calloc(1, sizeof *nt + n * sizeof nt->slot[0]);
        if (nt == NULL)
            return -1;
        nt->mask = n - 1;
        for (size_t i = 0; i < size; i++)
            if (tb->slot[i] != NULL && tb->slot[i] != TOMB)
                put(nt, tb->slot[i]);
        nt->older = tb;
        __atomic_store_n(&table, nt, __ATOMIC_RELEASE);
        return 0;
    }
    struct v_lock **keep = malloc(tb->live * sizeof *keep);
    size_t k = 0;
    if (keep == NULL)
        return -1;
    for (size_t i = 0; i < size; i++) {
        if (tb->slot[i] != NULL && tb->slot[i] != TOMB)
            keep[k++] = tb->slot[i];
        __atomic_store_n(&tb->slot[i], (struct v_lock *)NULL, __ATOMIC_RELAXED);
    }
    tb->live = tb->used = 0;
    for (size_t i = 0; i < k; i++)
        put(tb, keep[i]);
    free(keep);
    return 0;
}

static void table_del(struct v_lock *lk)
{
    struct v_table *tb = table;

    for (size_t i = hash(lk->addr) & tb->mask, n = 0; n <= tb->mask; i = (i + 1) & tb->mask, n++) {
        if (tb->slot[i] == NULL)
            return;
        if (tb->slot[i] == lk) {
            __atomic_store_n(&tb->slot[i], TOMB, __ATOMIC_RELEASE);
            tb->live--;
            return;
        }
    }
}

static struct v_lock *new_record(void)
{
    struct v_lock *lk = free_recs;

    if (lk != NULL) {
        free_recs = lk->qnext;
        return lk;
    }
    if (nrecords >= V_MAX_LOCKS)
        return NULL;
    /* records never go back to malloc (lock-free readers may hold one) */
    if (posix_memalign((void **)&lk, 64, sizeof *lk) != 0)
        return NULL;
    memset(lk, 0, sizeof *lk);
    nrecords++;
    return lk;
}

/* Under mu: a record for addr, live, in cls. */
struct v_lock *ndislock__v_lock_add(uintptr_t addr, struct v_class *cls, int kind)
{
    struct v_lock *lk;

    if (make_room() < 0 || (lk = new_record()) == NULL) {
        /* a lock initialized from now on may be unknown: never LOCK_NOT_INITIALIZED for it */
        ndislock__verifier_note_unchecked_init();
        if (!noted_full) {
            noted_full = 1;
            ndislock__v_note("the verifier's lock table is full (%zu locks, or out of memory); "
                             "locks first seen from now on are not tracked (their IRQL and "
                             "held-lock checks go on)", nrecords);
        }
        return NULL;
    }
    __atomic_store_n(&lk->addr, addr, __ATOMIC_RELAXED);
    lk->kind = (uint8_t)kind;
    lk->ndis = 0;
    __atomic_store_n(&lk->uses, (uint8_t)0, __ATOMIC_RELAXED);
    lk->inst = 0;
    lk->in_quarantine = 0;
    lk->gen++;
    __atomic_store_n(&lk->cls, cls, __ATOMIC_RELAXED);
    lk->init_pc = NULL;
    lk->init_epoch = __atomic_load_n(&ndislock__v.epoch, __ATOMIC_RELAXED);
    __atomic_store_n(&lk->state, (uint8_t)VL_LIVE, __ATOMIC_RELEASE);
    ndislock__v_lock_touch(lk);
    put(table, lk);
    return lk;
}

/* Under mu: lk was freed (at st); the oldest quarantined record leaves the table. */
void ndislock__v_lock_freed(struct v_lock *lk, const struct v_stack *st)
{
    __atomic_store_n(&lk->state, (uint8_t)VL_FREED, __ATOMIC_RELEASE);
    ndislock__v_lock_touch(lk);
    if (qlen == V_QUARANTINE) {
        unsigned i = qhead;
        struct v_lock *old = quarantine[i].rec;
        qhead = (qhead + 1) % V_QUARANTINE;
        qlen--;
        /* still the same freed lock (not revived, not re-freed since): recycle it */
        if (old->in_quarantine && old->gen == quarantine[i].gen &&
            __atomic_load_n(&old->state, __ATOMIC_RELAXED) == VL_FREED) {
            table_del(old);
            ndislock__v_graph_forget(old->addr);
            __atomic_store_n(&old->addr, (uintptr_t)0, __ATOMIC_RELAXED);
            ndislock__v_lock_touch(old);
            old->in_quarantine = 0;
            old->qnext = free_recs;
            free_recs = old;
        }
    }
    unsigned i = (qhead + qlen) % V_QUARANTINE;
    lk->gen++;
    lk->in_quarantine = 1;
    quarantine[i].rec = lk;
    quarantine[i].gen = lk->gen;
    quarantine[i].freed = *st;
    qlen++;
}

/* Under mu: where a quarantined lock was freed (NULL if it is not in the quarantine). */
const struct v_stack *ndislock__v_lock_freed_at(const struct v_lock *lk)
{
    for (unsigned k = 0; lk->in_quarantine && k < qlen; k++) {
        unsigned i = (qhead + k) % V_QUARANTINE;
        if (quarantine[i].rec == lk && quarantine[i].gen == lk->gen)
            return &quarantine[i].freed;
    }
    return NULL;
}

void ndislock__v_lock_revive(struct v_lock *lk)
{
    lk->in_quarantine = 0;
    lk->gen++;
    __atomic_store_n(&lk->state, (uint8_t)VL_LIVE, __ATOMIC_RELEASE);
    ndislock__v_lock_touch(lk);
}

/* ---- classes ---- */

#define V_CLASS_HASH 1024

static struct v_class *class_hash[V_CLASS_HASH];
static struct v_class **class_by_id;        /* under mu; ids are dense */
static uint32_t nclasses, class_cap;
static struct v_class *unknown[2];

static char *copy(const char *s)
{
    char *d = s ? strdup(s) : NULL;
    return d ? d : (char *)"?";
}

static struct v_class *new_class(const struct ndislock_site *site, int kind)
{
    if (nclasses == class_cap) {
        uint32_t cap = class_cap ? class_cap * 2 : 64;
        struct v_class **n = realloc(class_by_id, cap * sizeof *n);
        if (n == NULL)
            return NULL;
        class_by_id = n;
        class_cap = cap;
    }
    struct v_class *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->id = nclasses;
    c->kind = (uint8_t)kind;
    c->key = site;
    c->name = copy(site ? site->name : kind == V_KIND_RW ? "<unnamed RW lock>" : "<uninitialized>");
    c->file = copy(site ? site->file : "?");
    c->line = site ? site->line : 0;
    class_by_id[nclasses] = c;
    __atomic_store_n(&nclasses, nclasses + 1, __ATOMIC_RELEASE);
    return c;
}

struct v_class *ndislock__v_class_unknown(int kind)
{
    if (unknown[kind] == NULL)
        unknown[kind] = new_class(NULL, kind);
    return unknown[kind];
}

static int same_site(const struct v_class *c, const struct ndislock_site *s)
{
    /* the key may be reused by a library loaded where an unloaded one was */
    return c->line == s->line && !strcmp(c->name, s->name ? s->name : "?") &&
           !strcmp(c->file, s->file ? s->file : "?");
}

/* Under mu: the class named by site (one per initialization site). */
struct v_class *ndislock__v_class_of(const struct ndislock_site *site, int kind)
{
    if (site == NULL)
        return ndislock__v_class_unknown(kind);
    size_t h = hash((uintptr_t)site) % V_CLASS_HASH;
    for (struct v_class **pp = &class_hash[h]; *pp; pp = &(*pp)->hnext) {
        struct v_class *c = *pp;
        if (c->key != site)
            continue;
        if (same_site(c, site) && c->kind == kind)
            return c;
        *pp = c->hnext;                     /* stale key: forget it, make a new class */
        c->key = NULL;
        break;
    }
    struct v_class *c = new_class(site, kind);
    if (c == NULL)
        return ndislock__v_class_unknown(kind);
    c->hnext = class_hash[h];
    class_hash[h] = c;
    return c;
}

struct v_class *ndislock__v_class_by_id(uint32_t id)
{
    return id < nclasses ? class_by_id[id] : NULL;
}

uint32_t ndislock__v_class_count(void)
{
    return __atomic_load_n(&nclasses, __ATOMIC_ACQUIRE);
}

/* Under mu, once: the table and the two classes of locks never initialized. */
int ndislock__v_tables_init(void)
{
    if (table != NULL)
        return 0;
    if (make_room() < 0 || ndislock__v_class_unknown(V_KIND_SPIN) == NULL ||
        ndislock__v_class_unknown(V_KIND_RW) == NULL)
        return -1;
    return 0;
}
