/*
 * The release's decisions, step by step (src/lock/spin_release.c), with
 * wait records placed in the parking table by hand so that nothing depends
 * on timing: which record a release hands the lock to, that the word stays
 * held through a hand-off (no barging), that an offer nobody takes is taken
 * back (the waiter is passed over but keeps its place, the lock is freed),
 * and which sleeper a release wakes.  How long a release waits for its offer
 * is set per step: unbounded where the offer must be taken (the taker thread
 * may not have started), zero where nobody takes it.
 */
#include <ndislock/ndislock.h>

#include <pthread.h>
#include <string.h>

#include "check.h"
#include "lock/waitq.h"

static ndislock_spin_t lock;
static struct ndislock__bucket *b;

/* A record as a waiting thread would link it. */
static void link_rec(struct ndislock__waiter *w, int queued, int starving, uint32_t state)
{
    memset(w, 0, sizeof(*w));
    w->lock = &lock;
    w->queued = (uint8_t)queued;
    w->starving = (uint8_t)starving;
    ndislock__waitq_enter();
    ndislock__bucket_lock(b);
    ndislock__waitq_link(b, w, state);
    ndislock__bucket_unlock(b);
}

static void unlink_rec(struct ndislock__waiter *w)
{
    ndislock__bucket_lock(b);
    ndislock__waitq_unlink(b, w);
    ndislock__bucket_unlock(b);
    ndislock__waitq_leave();
}

static int linked(const struct ndislock__waiter *w)
{
    int found = 0;

    ndislock__bucket_lock(b);
    for (struct ndislock__waiter *p = b->head; p != NULL; p = p->next)
        found |= p == w;
    ndislock__bucket_unlock(b);
    return found;
}

/* The thread of an offered record: takes the offer the way the waiter does. */
static uint64_t want_ticket;

static void *taker(void *arg)
{
    (void)arg;
    while (!ndislock_pr_cas(&b->offer, want_ticket, 0u, NDISLOCK_ACQUIRE))
        ndislock_pr_pause();
    return NULL;
}

/* 1. A running queued waiter is handed the lock; the word never reads free. */
static void offer_taken(void)
{
    struct ndislock__waiter r;
    pthread_t t;

    ndislock__handoff_polls = ~0u;
    ndislock_spin_lock(&lock);
    link_rec(&r, 1, 0, WQ_SPINNING);
    want_ticket = r.ticket;
    CHECK(pthread_create(&t, NULL, taker, NULL) == 0);
    ndislock_spin_unlock(&lock);            /* returns once the offer was taken */
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(lock, NDISLOCK_SPIN_HELD);      /* held for r all along */
    CHECK(!ndislock_spin_trylock(&lock));    /* the releaser cannot barge back in */
    CHECK(!linked(&r));
    CHECK_EQ(r.state, WQ_OFFERED);
    CHECK_EQ(b->offer, 0);
    ndislock__waitq_leave();                 /* r's thread, now the owner */
    ndislock_spin_unlock(&lock);
    CHECK_EQ(lock, 0);
}

/* 2. Nobody takes the offer (a preempted waiter): taken back, the waiter passed
 *    over at its place, the lock freed; a passed record is not offered again. */
static void offer_not_taken(void)
{
    struct ndislock__waiter r1, r2;

    ndislock__handoff_polls = 0;
    ndislock_spin_lock(&lock);
    link_rec(&r1, 1, 0, WQ_SPINNING);
    link_rec(&r2, 1, 0, WQ_SPINNING);
    ndislock_spin_unlock(&lock);            /* offers to r1, nobody takes it: taken back */
    CHECK_EQ(lock, 0);
    CHECK_EQ(b->offer, 0);
    CHECK_EQ(r1.state, WQ_PASSED);
    CHECK_EQ(r2.state, WQ_SPINNING);         /* one offer per release */
    CHECK(b->head == &r1 && r1.next == &r2); /* r1 keeps its place */

    /* Next release: r1 is passed over, r2 (running) is offered the lock. */
    ndislock__handoff_polls = ~0u;
    ndislock_spin_lock(&lock);
    want_ticket = r2.ticket;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, taker, NULL) == 0);
    ndislock_spin_unlock(&lock);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(lock, NDISLOCK_SPIN_HELD);
    CHECK_EQ(r2.state, WQ_OFFERED);
    CHECK(!linked(&r2) && linked(&r1));
    ndislock__waitq_leave();                 /* r2 releases */
    ndislock_spin_unlock(&lock);
    unlink_rec(&r1);
    CHECK_EQ(lock, 0);
}

/* 3. Ordinary waiters barge: an awake one is not handed the lock unless it starves. */
static void ordinary_and_starving(void)
{
    struct ndislock__waiter r;
    pthread_t t;

    ndislock_spin_lock(&lock);
    link_rec(&r, 0, 0, WQ_SPINNING);
    ndislock_spin_unlock(&lock);
    CHECK_EQ(lock, 0);                       /* freed: r competes for it */
    CHECK_EQ(r.state, WQ_SPINNING);

    ndislock_spin_lock(&lock);
    r.starving = 1;                          /* as the waiter marks itself, past 1 ms */
    want_ticket = r.ticket;
    CHECK(pthread_create(&t, NULL, taker, NULL) == 0);
    ndislock_spin_unlock(&lock);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(lock, NDISLOCK_SPIN_HELD);      /* handed over, never freed */
    CHECK_EQ(r.state, WQ_OFFERED);
    ndislock__waitq_leave();
    ndislock_spin_unlock(&lock);
}

/* 4. A waiter that starved and went back to sleep (the holder kept the lock
 *    past its spin budget) is handed the lock asleep, unless a waiter owed it
 *    is running: then that one is offered it and the sleeper woken to be next.
 *    (Before this, such a sleeper was only woken to race the holder for a
 *    free lock: fairness_test's victim waited up to 76 ms behind a 2 ms hog.) */
static void starved_sleeper(void)
{
    struct ndislock__waiter s, r;
    pthread_t t;

    ndislock_spin_lock(&lock);
    link_rec(&s, 0, 1, WQ_SLEEPING);
    ndislock_spin_unlock(&lock);
    CHECK_EQ(lock, NDISLOCK_SPIN_HELD);      /* never freed: a newcomer cannot barge */
    CHECK(!ndislock_spin_trylock(&lock));
    CHECK_EQ(s.state, WQ_OWNER);
    CHECK(!linked(&s));
    ndislock__waitq_leave();                 /* s's thread owns it, and releases */
    ndislock_spin_unlock(&lock);
    CHECK_EQ(lock, 0);

    ndislock_spin_lock(&lock);
    link_rec(&s, 0, 1, WQ_SLEEPING);
    link_rec(&r, 1, 0, WQ_SPINNING);
    want_ticket = r.ticket;
    CHECK(pthread_create(&t, NULL, taker, NULL) == 0);
    ndislock_spin_unlock(&lock);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(r.state, WQ_OFFERED);           /* the running one */
    CHECK_EQ(s.state, WQ_SPINNING);          /* woken, first at the next release */
    ndislock__waitq_leave();
    ndislock__handoff_polls = 0;
    ndislock_spin_unlock(&lock);             /* s, awake and owed, is offered it first */
    CHECK_EQ(s.state, WQ_PASSED);            /* (nobody here takes it: passed over) */
    CHECK_EQ(lock, 0);
    unlink_rec(&s);
    ndislock__handoff_polls = ~0u;
}

/* 5. Wake-ups: the first sleeper by arrival, none while a waiter is awake. */
static void wakeups(void)
{
    struct ndislock__waiter s1, s2, awake;

    ndislock_spin_lock(&lock);
    link_rec(&s1, 0, 0, WQ_SLEEPING);
    link_rec(&s2, 1, 0, WQ_SLEEPING);
    ndislock_spin_unlock(&lock);
    CHECK_EQ(lock, 0);
    CHECK_EQ(s1.state, WQ_SPINNING);         /* woken, still linked at its place */
    CHECK_EQ(s2.state, WQ_SLEEPING);
    ndislock_spin_lock(&lock);
    ndislock_spin_unlock(&lock);
    CHECK_EQ(s2.state, WQ_SLEEPING);         /* s1 is awake: no second wake-up */
    unlink_rec(&s1);
    link_rec(&awake, 0, 0, WQ_SPINNING);
    ndislock_spin_lock(&lock);
    ndislock_spin_unlock(&lock);
    CHECK_EQ(s2.state, WQ_SLEEPING);
    unlink_rec(&awake);
    ndislock_spin_lock(&lock);
    ndislock_spin_unlock(&lock);
    CHECK_EQ(s2.state, WQ_SPINNING);         /* the queued sleeper is woken to spin */
    unlink_rec(&s2);
    CHECK_EQ(b->n, 0);
    CHECK_EQ(ndislock__spin_waiters, 0);
}

int main(void)
{
    b = ndislock__bucket_of(&lock);
    offer_taken();
    offer_not_taken();
    ordinary_and_starving();
    starved_sleeper();
    wakeups();
    CHECK_DONE();
}
