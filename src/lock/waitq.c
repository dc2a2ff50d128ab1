/* The parking table (src/lock/waitq.h): buckets, their mutex, record lists. */
#include "waitq.h"

#include "park.h"

/* 512 buckets of 64 bytes: 32 KiB, a few records per bucket at most with
 * hundreds of threads waiting on distinct locks. */
#define NBUCKETS_LOG2 9
static struct ndislock__bucket buckets[1u << NBUCKETS_LOG2];

/* In a line of its own: registrations write it, every release reads it. */
NDISLOCK_API uint32_t ndislock__spin_waiters __attribute__((aligned(64)));

struct ndislock__bucket *ndislock__bucket_of(const ndislock_spin_t *l)
{
    /* Fibonacci hashing of the address: neighbouring locks spread out. */
    uint64_t h = ((uint64_t)(uintptr_t)l >> 3) * 0x9e3779b97f4a7c15ull;

    return &buckets[h >> (64 - NBUCKETS_LOG2)];
}

/*
 * The bucket mutex: held for a few list operations, never across a wait for
 * the spin lock.  Its holder can still be preempted, so waiters spin briefly
 * and then sleep (Drepper's three-state futex mutex, "Futexes Are Tricky").
 */
void ndislock__bucket_lock(struct ndislock__bucket *b)
{
    if (NDISLOCK_LIKELY(ndislock_pr_cas(&b->mutex, 0u, 1u, NDISLOCK_ACQUIRE)))
        return;
    for (int i = 0; i < 100; i++) {
        ndislock_pr_pause();
        if (ndislock_pr_load(&b->mutex, NDISLOCK_RELAXED) == 0 &&
            ndislock_pr_cas(&b->mutex, 0u, 1u, NDISLOCK_ACQUIRE))
            return;
    }
    /* 2: held and maybe slept on, so the unlock must wake */
    while (ndislock_pr_xchg(&b->mutex, 2u, NDISLOCK_ACQUIRE) != 0)
        ndislock__park(&b->mutex, 2u, 0);
}

void ndislock__bucket_unlock(struct ndislock__bucket *b)
{
    if (ndislock_pr_xchg(&b->mutex, 0u, NDISLOCK_RELEASE) == 2)
        ndislock__unpark(&b->mutex, 1);
}

void ndislock__waitq_link(struct ndislock__bucket *b, struct ndislock__waiter *w, uint32_t state)
{
    struct ndislock__waiter **p = &b->head;

    if (w->ticket == 0)
        w->ticket = ++b->next_ticket;    /* from 1: 0 means "no offer" in b->offer */
    /* Tickets only grow, so a new record goes last; one that had a ticket
     * before (re-registered, or passed over) goes back to its place. */
    if (b->tail != NULL && b->tail->ticket < w->ticket)
        p = &b->tail->next;
    else
        while (*p != NULL && (*p)->ticket < w->ticket)
            p = &(*p)->next;
    w->next = *p;
    *p = w;
    if (w->next == NULL)
        b->tail = w;
    ndislock_pr_store(&w->state, state, NDISLOCK_RELAXED);
    /* relaxed: read lock-free only as a hint (src/lock/spin_release.c says
     * which fence orders it against a release) */
    ndislock_pr_store(&b->n, b->n + 1, NDISLOCK_RELAXED);
}

void ndislock__waitq_unlink(struct ndislock__bucket *b, struct ndislock__waiter *w)
{
    struct ndislock__waiter **p = &b->head, *prev = NULL;

    while (*p != w) {
        prev = *p;
        p = &prev->next;
    }
    *p = w->next;
    if (b->tail == w)
        b->tail = prev;
    w->next = NULL;
    ndislock_pr_store(&b->n, b->n - 1, NDISLOCK_RELAXED);
}

struct ndislock__waiter *ndislock__waitq_first(struct ndislock__bucket *b, const ndislock_spin_t *l,
                                               uint32_t state, int which)
{
    for (struct ndislock__waiter *w = b->head; w != NULL; w = w->next)
        if (w->lock == l && ndislock_pr_load(&w->state, NDISLOCK_RELAXED) == state &&
            (which == WQ_ANY || w->starving || (which == WQ_OWED && w->queued)))
            return w;
    return NULL;
}

void ndislock__waitq_enter(void)
{
    /* seq_cst: the RMW that the heavy fence publishes (src/lock/park.c) */
    ndislock_pr_faa(&ndislock__spin_waiters, 1u, NDISLOCK_SEQ_CST);
}

void ndislock__waitq_leave(void)
{
    /* only a hint for releases from here on */
    ndislock_pr_fas(&ndislock__spin_waiters, 1u, NDISLOCK_RELAXED);
}
