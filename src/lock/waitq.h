/*
 * The parking table: where the threads waiting for a spin lock are kept,
 * outside the lock word (futex hashing, WebKit's ParkingLot).  Internal.
 *
 * A fixed array of cache-line-sized buckets; a lock's bucket is a hash of
 * its address.  Each bucket has a small mutex and a list of wait records in
 * ticket order.  Records of different locks may share a bucket: a collision
 * costs a longer list walk or a look from a release that finds nothing to
 * do, never a wrong wake-up (every search matches the lock address).
 *
 * A record lives in the frame of the waiting thread (src/lock/spin_contended.c)
 * and is linked only while that thread is inside the contended path; every
 * way out unlinks it under the bucket mutex, or was unlinked by the thread
 * that handed it the lock or woke it.  After the last write another thread
 * makes to a record (the state store that lets its owner go) it only passes
 * the record's address to futex_wake, which may then wake whatever that
 * stack slot holds later: a spurious wake-up, which every futex user must
 * tolerate (futex(2)).
 */
#ifndef NDISLOCK_LOCK_WAITQ_H
#define NDISLOCK_LOCK_WAITQ_H

#include <ndislock/spin.h>

/* Record states (the futex word of a sleeping record). */
enum {
    WQ_SPINNING = 1,   /* linked; its thread polls the record and the lock word */
    WQ_SLEEPING,       /* linked; its thread sleeps on `state` */
    WQ_PASSED,         /* linked; was offered the lock and did not take it in time */
    WQ_OFFERED,        /* unlinked; the lock is being handed to it (bucket->offer) */
    WQ_OWNER,          /* unlinked; handed the lock while asleep: it owns it */
};

struct ndislock__waiter {
    struct ndislock__waiter *next;
    ndislock_spin_t *lock;
    uint64_t ticket;        /* FIFO position in the bucket; kept when re-registering */
    uint64_t since_ns;      /* when the wait began, for the starvation bound */
    uint32_t state;         /* WQ_*; written under the bucket mutex, read lock-free */
    uint8_t queued;         /* an in-stack queued acquire: handed the lock in FIFO order */
    uint8_t starving;       /* waited past NDISLOCK_STARVE_NS: handed the lock too */
    uint8_t fenced;         /* the heavy fence ran since it registered */
};

struct ndislock__bucket {
    uint32_t mutex;         /* 0 free, 1 held, 2 held and a thread sleeps on it */
    uint32_t n;             /* records linked; read lock-free by releases */
    uint64_t offer;         /* ticket of the record being handed a lock, 0 if none */
    uint64_t next_ticket;
    struct ndislock__waiter *head, *tail;
} __attribute__((aligned(64)));

struct ndislock__bucket *ndislock__bucket_of(const ndislock_spin_t *l);
void ndislock__bucket_lock(struct ndislock__bucket *b);
void ndislock__bucket_unlock(struct ndislock__bucket *b);

/* Under the bucket mutex.  Links w in ticket order (a new ticket if it has
 * none, so a re-registering waiter keeps its place) with the given state. */
void ndislock__waitq_link(struct ndislock__bucket *b, struct ndislock__waiter *w, uint32_t state);
void ndislock__waitq_unlink(struct ndislock__bucket *b, struct ndislock__waiter *w);
/* The first record of lock l (ticket order) in the given state, or NULL;
 * which: WQ_ANY, WQ_OWED (queued or starving: owed a hand-off), WQ_STARVED. */
enum { WQ_ANY, WQ_OWED, WQ_STARVED };
struct ndislock__waiter *ndislock__waitq_first(struct ndislock__bucket *b, const ndislock_spin_t *l,
                                               uint32_t state, int which);

/* Polls a release waits for its offer to be taken (src/lock/spin_release.c). */
extern unsigned ndislock__handoff_polls;

/* Registration in the process-wide count the inline release reads. */
void ndislock__waitq_enter(void);
void ndislock__waitq_leave(void);

#endif
