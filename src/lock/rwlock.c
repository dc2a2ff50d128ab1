/*
 * Reader/writer spin locks: NDIS 6.20 (NdisAllocateRWLock ...), NDIS 5
 * (NdisInitializeReadWriteLock ...) and EX_SPIN_LOCK, on one lock word
 * (encoding in ndislock/rwlock.h).
 *
 * Writers announce themselves with the WAITING bit and new readers step
 * aside for it; the writer that gets in clears the bit and any other waiting
 * writer sets it again.  A thread that already holds an NDIS lock never
 * touches the word again (see the per-thread record below), which is what
 * makes recursive reads safe behind a waiting writer.  Waiting spins, then
 * yields the CPU: on 2 cores a preempted holder must get to run.  Acquire
 * orders on the word guard the data; releases are release-ordered.
 */
#include <ndislock/rwlock.h>

#include <sched.h>
#include <stdlib.h>

#include "lock/park.h"
#include "verifier/hooks.h"

/*
 * What the calling thread holds of each RW lock.  The NDIS locks need it for
 * the WDK's recursion rules even with the verifier off; for EX_SPIN_LOCK it
 * only tells the verifier what is held.  A thread holding more than
 * RW_HOLDS locks at once has the rest untracked: they work, but a nested
 * acquire of one of them takes the word again (it can wait behind a writer).
 */
#define RW_HOLDS 32

struct rw_hold {                    /* 32-bit counters: no narrow stores to stall the next load */
    const void *lock;
    uint32_t reads, writes;         /* this thread's holds of each kind, nested ones included */
    uint32_t skipped;               /* acquires the verifier refused; their releases are no-ops */
    uint8_t word_write;             /* NDIS: the word is held for write (else for read) */
    uint8_t op;                     /* enum ndislock_rw_op of the first hold */
};

static __thread struct rw_hold holds[RW_HOLDS];
static __thread unsigned nholds;

static inline struct rw_hold *hold_find(const void *lock)
{
    for (unsigned i = 0; i < nholds; i++)      /* usually 0 or 1 entries */
        if (holds[i].lock == lock)
            return &holds[i];
    return NULL;
}

static struct rw_hold *hold_add(const void *lock, enum ndislock_rw_op op)
{
    struct rw_hold *h;

    if (nholds == RW_HOLDS)
        return NULL;
    h = &holds[nholds++];
    *h = (struct rw_hold){ lock, 0, 0, 0, 0, (uint8_t)op };
    return h;
}

static void hold_put(struct rw_hold *h)
{
    if (h->reads + h->writes + h->skipped != 0)
        return;
    /* order does not matter (found by address); usually h is the last one,
     * and copying it onto itself would stall on the narrow stores just made */
    if (h != &holds[nholds - 1])
        *h = holds[nholds - 1];
    nholds--;
}

/* What the verifier is told the thread holds already. */
static int held_kind(const struct rw_hold *h)
{
    if (h == NULL || h->reads + h->writes == 0)
        return NDISLOCK_RW_HELD_NONE;
    return h->writes || h->word_write ? NDISLOCK_RW_HELD_WRITE : NDISLOCK_RW_HELD_READ;
}

/* ---- the word ---- */

static inline int word_try(uint32_t *word, int write)
{
    uint32_t w = ndislock_pr_load(word, NDISLOCK_RELAXED);

    if (write)      /* free but for other waiting writers: take it, clearing their flag */
        return (w & ~NDISLOCK_RW_WAITING) == 0 &&
               __atomic_compare_exchange_n(word, &w, NDISLOCK_RW_WRITER, 0, NDISLOCK_ACQUIRE,
                                           NDISLOCK_RELAXED);
    return !(w & (NDISLOCK_RW_WRITER | NDISLOCK_RW_WAITING)) &&
           __atomic_compare_exchange_n(word, &w, w + 1, 0, NDISLOCK_ACQUIRE, NDISLOCK_RELAXED);
}

/* Takes the word; returns the nanoseconds spent waiting (0: at once).  Every
 * 10 ms of waiting the verifier hears of it (its deadlock watchdog). */
static __attribute__((noinline)) uint64_t word_wait(uint32_t *word, int write, const void *lock,
                                                   enum ndislock_rw_op op)
{
    uint64_t start, next_report;
    unsigned spins = 0;

    start = ndislock__now_ns();
    next_report = start + 10000000u;
    for (;;) {
        if (write && !(ndislock_pr_load(word, NDISLOCK_RELAXED) & NDISLOCK_RW_WAITING))
            ndislock_pr_for(word, NDISLOCK_RW_WAITING, NDISLOCK_RELAXED);   /* readers: step aside */
        if (word_try(word, write))
            break;
        if (++spins < 64) {
            ndislock_pr_pause();
            continue;
        }
        sched_yield();
        if (spins % 16 == 0) {
            uint64_t now = ndislock__now_ns();
            if (now >= next_report) {
                next_report = now + 10000000u;
                if (ndislock__checked_on())
                    ndislock__verifier_rw_waiting(lock, op, now - start);
            }
        }
    }
    return ndislock__now_ns() - start;
}

static inline uint64_t word_take(uint32_t *word, int write, const void *lock, enum ndislock_rw_op op)
{
    return word_try(word, write) ? 0 : word_wait(word, write, lock, op);
}

static inline void word_drop(uint32_t *word, int write)
{
    if (write)  /* keeps WAITING: a writer still waiting hands the lock on to itself */
        ndislock_pr_fand(word, ~NDISLOCK_RW_WRITER, NDISLOCK_RELEASE);
    else
        ndislock_pr_fas(word, 1u, NDISLOCK_RELEASE);
}

/* ---- one acquire / release, for every family ---- */

/*
 * Acquires lock (its word: word) for op.  nestable: the NDIS rules (nested
 * holds do not touch the word).  raise: raise to DISPATCH_LEVEL first (only
 * from below it).  *old: the IRQL before.  Returns the NDISLOCK_RWS_* state.
 */
/* always_inline: each family's constants (write, nestable, raise) fold away. */
static inline __attribute__((always_inline)) unsigned
rw_acquire(uint32_t *word, const void *lock, enum ndislock_rw_op op, int write, unsigned flags,
           int nestable, int raise, ndislock_irql_t *old)
{
    struct rw_hold *h = hold_find(lock);
    int checked = ndislock__checked_on();
    uint64_t waited;

    *old = ndislock_irql_current();
    if (checked && ndislock__verifier_rw_acquire(lock, op, flags, held_kind(h))) {
        if (h != NULL || (h = hold_add(lock, op)) != NULL)
            h->skipped++;
        return NDISLOCK_RWS_SKIPPED;
    }
    if (raise && *old < NDISLOCK_DISPATCH_LEVEL)
        ndislock__irql_raise_raw(NDISLOCK_DISPATCH_LEVEL);
    /* Nested NDIS hold: a read inside any hold of ours, a write inside our write hold. */
    if (nestable && h != NULL && h->reads + h->writes > 0 && (h->word_write || !write)) {
        if (write)
            h->writes++;
        else
            h->reads++;
        if (checked)
            ndislock__verifier_rw_acquired(lock, op, 0);
        return write ? NDISLOCK_RWS_NESTED_WRITE : NDISLOCK_RWS_NESTED_READ;
    }
    /* First hold, an EX lock again, or read -> write promotion (which, as on
     * Windows, waits for our own read hold forever). */
    waited = word_take(word, write, lock, op);
    if (h == NULL) {
        if ((h = hold_add(lock, op)) != NULL) {     /* the usual case: written once */
            h->reads = (uint32_t)!write;
            h->writes = (uint32_t)write;
            h->word_write = (uint8_t)write;
        }
    } else {
        if (h->reads + h->writes == 0)
            h->word_write = (uint8_t)write;
        if (write)
            h->writes++;
        else
            h->reads++;
    }
    if (checked)
        ndislock__verifier_rw_acquired(lock, op, waited);
    return write ? NDISLOCK_RWS_WRITE : NDISLOCK_RWS_READ;
}

/* Releases what state holds; op names the release call.  Returns 0 if
 * nothing was held (a skipped acquire or a state that holds nothing): then
 * the caller must not change the IRQL either. */
static inline __attribute__((always_inline)) int
rw_release(uint32_t *word, const void *lock, enum ndislock_rw_op op, unsigned state, int nestable)
{
    struct rw_hold *h = hold_find(lock);
    int write = state == NDISLOCK_RWS_WRITE || state == NDISLOCK_RWS_NESTED_WRITE;

    if (state == NDISLOCK_RWS_SKIPPED) {
        if (h != NULL && h->skipped > 0) {
            h->skipped--;
            hold_put(h);
        }
        return 0;
    }
    if (ndislock__checked_on())
        ndislock__verifier_rw_release(lock, op);
    if (state == NDISLOCK_RWS_FREE)
        return 0;                   /* never acquired, or released already: nothing to undo */
    if (h == NULL) {                /* untracked hold (record full) */
        word_drop(word, write);
        return 1;
    }
    if (write && h->writes > 0)
        h->writes--;
    else if (h->reads > 0)
        h->reads--;
    if (!nestable)
        word_drop(word, write);     /* every EX acquire took the word */
    else if (h->reads + h->writes == 0)
        word_drop(word, h->word_write);     /* the last NDIS hold: the word, as it was taken */
    hold_put(h);
    return 1;
}

/* ---- NDIS 6.20 ---- */

struct ndislock_rwlock *ndislock_rwlock_create(const struct ndislock_site *site)
{
    struct ndislock_rwlock *l = calloc(1, sizeof(*l));

    if (l != NULL && ndislock__checked_on())
        ndislock__verifier_rw_init(l, site);
    return l;
}

void ndislock_rwlock_free(struct ndislock_rwlock *l)
{
    if (l != NULL && ndislock__checked_on())
        ndislock__verifier_rw_free(l);
    free(l);
}

static void rw6_acquire(struct ndislock_rwlock *l, struct ndislock_rw_state *s, unsigned flags,
                        int write)
{
    ndislock_irql_t old;
    unsigned st = rw_acquire(&l->word, l, write ? NDISLOCK_RW_NDIS6_WRITE : NDISLOCK_RW_NDIS6_READ,
                             write, flags, 1, !(flags & NDISLOCK_RWL_AT_DISPATCH), &old);

    s->OldIrql = old;
    s->Flags = (uint8_t)flags;
    s->LockState = (uint8_t)st;
}

void ndislock_rwlock_read(struct ndislock_rwlock *l, struct ndislock_rw_state *s, unsigned flags)
{
    rw6_acquire(l, s, flags, 0);
}

void ndislock_rwlock_write(struct ndislock_rwlock *l, struct ndislock_rw_state *s, unsigned flags)
{
    rw6_acquire(l, s, flags, 1);
}

void ndislock_rwlock_release(struct ndislock_rwlock *l, struct ndislock_rw_state *s)
{
    unsigned st = s->LockState;
    int write = st == NDISLOCK_RWS_WRITE || st == NDISLOCK_RWS_NESTED_WRITE;

    s->LockState = NDISLOCK_RWS_FREE;
    if (rw_release(&l->word, l, write ? NDISLOCK_RW_NDIS6_WRITE : NDISLOCK_RW_NDIS6_READ, st, 1) &&
        !(s->Flags & NDISLOCK_RWL_AT_DISPATCH))
        ndislock__irql_lower_raw(s->OldIrql);
}

/* ---- NDIS 5 ---- */

void ndislock_rwlock5_init(struct ndislock_rwlock *l, const struct ndislock_site *site)
{
    ndislock_pr_store(&l->word, 0u, NDISLOCK_RELAXED);
    if (ndislock__checked_on())
        ndislock__verifier_rw_init(l, site);
}

static enum ndislock_rw_op rw5_op(int write, int dpr)
{
    if (dpr)
        return write ? NDISLOCK_RW_NDIS5_DPR_WRITE : NDISLOCK_RW_NDIS5_DPR_READ;
    return write ? NDISLOCK_RW_NDIS5_WRITE : NDISLOCK_RW_NDIS5_READ;
}

void ndislock_rwlock5_acquire(struct ndislock_rwlock *l, int write, struct ndislock_rw5_state *s,
                              int dpr)
{
    ndislock_irql_t old;
    unsigned st = rw_acquire(&l->word, l, rw5_op(write, dpr), write, 0, 1, !dpr, &old);

    s->OldIrql = dpr ? NDISLOCK_DISPATCH_LEVEL : old;   /* the Dpr forms restore nothing */
    s->LockState = (uint16_t)(st | (dpr ? NDISLOCK_RWS_DPR : 0));
}

void ndislock_rwlock5_release(struct ndislock_rwlock *l, struct ndislock_rw5_state *s, int dpr)
{
    unsigned st = s->LockState & ~NDISLOCK_RWS_DPR;
    int write = st == NDISLOCK_RWS_WRITE || st == NDISLOCK_RWS_NESTED_WRITE;

    s->LockState = NDISLOCK_RWS_FREE;
    /* op: the release call's form, so the verifier sees a Dpr / plain mix */
    if (rw_release(&l->word, l, rw5_op(write, dpr), st, 1) && !dpr)
        ndislock__irql_lower_raw(s->OldIrql);
}

/* ---- EX_SPIN_LOCK ---- */

static enum ndislock_rw_op ex_op(int exclusive, int at_dpc)
{
    if (at_dpc)
        return exclusive ? NDISLOCK_RW_EX_EXCLUSIVE_DPC : NDISLOCK_RW_EX_SHARED_DPC;
    return exclusive ? NDISLOCK_RW_EX_EXCLUSIVE : NDISLOCK_RW_EX_SHARED;
}

/* The word of an EX_SPIN_LOCK (a LONG in the WDK). */
static uint32_t *ex_word(volatile int32_t *l)
{
    return (uint32_t *)(uintptr_t)l;
}

ndislock_irql_t ndislock_ex_acquire(volatile int32_t *l, int exclusive, int at_dpc)
{
    ndislock_irql_t old;

    (void)rw_acquire(ex_word(l), (const void *)l, ex_op(exclusive, at_dpc), exclusive, 0, 0,
                     !at_dpc, &old);
    return old;
}

void ndislock_ex_release(volatile int32_t *l, int exclusive, int at_dpc, ndislock_irql_t old)
{
    struct rw_hold *h = hold_find((const void *)l);
    unsigned st = exclusive ? NDISLOCK_RWS_WRITE : NDISLOCK_RWS_READ;

    if (h != NULL && h->skipped > 0 && h->reads + h->writes <= h->skipped)
        st = NDISLOCK_RWS_SKIPPED;  /* the newest acquire was refused (LIFO) */
    if (rw_release(ex_word(l), (const void *)l, ex_op(exclusive, at_dpc), st, 0) && !at_dpc)
        ndislock__irql_lower_raw(old);
}

int ndislock_ex_try_convert(volatile int32_t *l)
{
    uint32_t *word = ex_word(l);
    uint32_t w = ndislock_pr_load(word, NDISLOCK_RELAXED);
    struct rw_hold *h;

    /* only reader (a waiting writer's flag aside): become the writer, clearing the flag */
    if ((w & ~NDISLOCK_RW_WAITING) != 1 ||
        !__atomic_compare_exchange_n(word, &w, NDISLOCK_RW_WRITER, 0, NDISLOCK_ACQUIRE,
                                     NDISLOCK_RELAXED))
        return 0;
    h = hold_find((const void *)l);
    if (h != NULL && h->reads > 0) {
        h->reads--;
        h->writes++;
        h->word_write = 1;
    }
    if (ndislock__checked_on()) {
        int dpc = h != NULL && (h->op == NDISLOCK_RW_EX_SHARED_DPC ||
                                h->op == NDISLOCK_RW_EX_EXCLUSIVE_DPC);
        ndislock__verifier_rw_release((const void *)l, ex_op(0, dpc));
        (void)ndislock__verifier_rw_acquire((const void *)l, ex_op(1, dpc), 0,
                                            NDISLOCK_RW_HELD_NONE);
        ndislock__verifier_rw_acquired((const void *)l, ex_op(1, dpc), 0);
    }
    return 1;
}
