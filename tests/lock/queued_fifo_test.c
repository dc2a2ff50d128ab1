/*
 * queued_fifo_test - in-stack queued spin locks are granted in arrival
 * order.  Waiters arrive one at a time on a held lock, each registered (its
 * record linked in the parking table) before the next starts, and are left
 * until every one sleeps past the starvation bound: no waiter is running, so
 * none can be passed over, and each release hands the lock to the first
 * sleeper.  It must go around in arrival order.  (The order among waiters that
 * are running, and passing over one that is not, is stepped through in
 * handoff_test.c.)
 */
#include <ndis.h>

#include <pthread.h>
#include <time.h>

#include "check.h"
#include "lock/waitq.h"

#define WAITERS 4

static KSPIN_LOCK lock;
static int order[WAITERS], pos;

static void *waiter(void *arg)
{
    KLOCK_QUEUE_HANDLE h;

    KeAcquireInStackQueuedSpinLock(&lock, &h);
    order[pos++] = (int)(intptr_t)arg;    /* under the lock */
    KeReleaseInStackQueuedSpinLock(&h);
    return NULL;
}

/* Records of `lock` in the parking table, and how many of them sleep starved. */
static int records(int *sleeping)
{
    struct ndislock__bucket *b = ndislock__bucket_of(&lock);
    int n = 0, s = 0;

    ndislock__bucket_lock(b);
    for (struct ndislock__waiter *w = b->head; w != NULL; w = w->next)
        if (w->lock == &lock) {
            n++;
            s += __atomic_load_n(&w->state, __ATOMIC_RELAXED) == WQ_SLEEPING && w->starving;
        }
    ndislock__bucket_unlock(b);
    *sleeping = s;
    return n;
}

static void wait_for(int want_records, int want_sleeping)
{
    struct timespec d = { 0, 1000000 };
    int s;

    for (int i = 0; i < 30000; i++) {      /* a 30 s bound instead of a hang */
        if (records(&s) == want_records && s >= want_sleeping)
            return;
        nanosleep(&d, NULL);
    }
    CHECK(!"waiters did not register and starve asleep within 30 s");
}

int main(void)
{
    KLOCK_QUEUE_HANDLE h;
    pthread_t t[WAITERS];

    KeInitializeSpinLock(&lock);
    KeAcquireInStackQueuedSpinLock(&lock, &h);
    for (int i = 0; i < WAITERS; i++) {
        CHECK(pthread_create(&t[i], NULL, waiter, (void *)(intptr_t)i) == 0);
        wait_for(i + 1, 0);                 /* registered: its place is taken */
    }
    wait_for(WAITERS, WAITERS);             /* all asleep, starved */
    KeReleaseInStackQueuedSpinLock(&h);
    for (int i = 0; i < WAITERS; i++)
        CHECK(pthread_join(t[i], NULL) == 0);
    CHECK_EQ(pos, WAITERS);
    for (int i = 0; i < WAITERS; i++)
        CHECK_EQ(order[i], i);
    CHECK(KeTestSpinLock(&lock));
    CHECK_DONE();
}
