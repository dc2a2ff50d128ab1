/*
 * The fairness backstop, step by step (native API and lock-word internals):
 * a sleeper that has waited longer than the starvation threshold marks
 * itself starving, and the next unlock hands it the lock instead of freeing
 * it, so the unlocker cannot take it straight back.  Deterministic: the test
 * wakes the sleeper itself while still holding the lock.
 */
#define _GNU_SOURCE
#include <ndislock/ndislock.h>

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static ndislock_spin_t lock;
static int victim_done, main_checked;

static void *victim(void *arg)
{
    (void)arg;
    ndislock_spin_lock(&lock);
    __atomic_store_n(&victim_done, 1, __ATOMIC_RELEASE);
    /* Hold it until main has tried to take it back: otherwise a quick victim
     * could claim, finish and release before main's try, and the try would
     * succeed for the wrong reason. */
    while (!__atomic_load_n(&main_checked, __ATOMIC_ACQUIRE))
        ndislock_pr_pause();
    ndislock_spin_unlock(&lock);
    return NULL;
}

static uint32_t waiters(void)
{
    return __atomic_load_n(ndislock__spin_waiters(&lock), __ATOMIC_ACQUIRE);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { 0, ms * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

int main(void)
{
    pthread_t t;
    int i;

    ndislock_spin_lock(&lock);
    CHECK(pthread_create(&t, NULL, victim, NULL) == 0);

    /* 1. The victim spins, then registers as a sleeper. */
    for (i = 0; i < 5000 && (waiters() & 0xffff) != 1; i++)
        sleep_ms(1);
    CHECK_EQ(waiters() & 0xffff, 1);

    /* 2. Past the 1 ms threshold, a wake-up with the lock still held makes it
     *    mark itself starving (the wake is spurious: we do not unlock). */
    for (i = 0; i < 5000 && waiters() < NDISLOCK_STARVING_ONE; i++) {
        sleep_ms(2);
        syscall(SYS_futex, ndislock__spin_state(&lock), FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    CHECK_EQ(waiters(), NDISLOCK_STARVING_ONE + 1);

    /* 3. Unlock: the lock goes to the starving sleeper, not back to "free";
     *    an immediate re-acquire by the unlocker must fail. */
    ndislock_spin_unlock(&lock);
    CHECK(!ndislock_spin_trylock(&lock));
    __atomic_store_n(&main_checked, 1, __ATOMIC_RELEASE);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_EQ(__atomic_load_n(&victim_done, __ATOMIC_ACQUIRE), 1);

    /* 4. Afterwards the word is clean: free, nobody registered. */
    CHECK_EQ(lock, 0);
    CHECK(ndislock_spin_trylock(&lock));
    ndislock_spin_unlock(&lock);
    CHECK_DONE();
}
