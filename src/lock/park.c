/*
 * Sleeping on a lock word, and why the unlock fast path needs no fence.
 *
 * Unlock is "store state = 0 (release); load waiters (relaxed)".  A sleeper
 * is "waiters += 1 (seq_cst); heavy fence; futex_wait(state, held)".  This is
 * Dekker's pattern: with a plain fence on one side only, the unlocker could
 * read waiters == 0 while the sleeper reads state == held, and the sleeper
 * would never be woken.  The heavy fence is membarrier(PRIVATE_EXPEDITED):
 * every CPU running a thread of this process executes a full barrier before
 * it returns.  For any unlocker U:
 *   - if U's load of waiters comes after that barrier, it sees the increment
 *     and wakes a sleeper;
 *   - if it comes before, U's earlier store of state = 0 is also before the
 *     barrier, so it is visible to the sleeper's futex_wait, which then
 *     returns at once instead of sleeping.
 * (A thread that is not running has passed a full barrier in the context
 * switch.)  The fast path pays a compiler barrier; the slow path, which is
 * about to sleep anyway, pays an IPI.  This is the asymmetric fence of
 * liburcu's sys_membarrier flavour and of C++ P1202.
 *
 * Without membarrier (kernels before 4.14, or a seccomp filter that forbids
 * it) sleeps are bounded to NDISLOCK_PARK_FALLBACK_NS instead: a missed wake
 * then costs at most that long, and progress is never lost.
 */
#define _GNU_SOURCE
#include "park.h"

#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ndislock/atomic.h>

#define NDISLOCK_PARK_FALLBACK_NS 1000000ull

enum { FENCE_UNKNOWN, FENCE_MEMBARRIER, FENCE_NONE };
static int fence_mode = FENCE_UNKNOWN;

static long sys_membarrier(int cmd)
{
    return syscall(SYS_membarrier, cmd, 0, 0);
}

static int fence_setup(void)
{
    int mode = ndislock_pr_load(&fence_mode, NDISLOCK_ACQUIRE);

    if (NDISLOCK_LIKELY(mode != FENCE_UNKNOWN))
        return mode;
    /* Registering twice is harmless, so racing first callers need no lock. */
    long cmds = sys_membarrier(MEMBARRIER_CMD_QUERY);
    mode = FENCE_NONE;
    if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0)
        mode = FENCE_MEMBARRIER;
    ndislock_pr_store(&fence_mode, mode, NDISLOCK_RELEASE);
    return mode;
}

/* Register while the process is (usually) still single-threaded: the kernel
 * then skips the synchronize_rcu() it does for a multi-threaded mm, which cost
 * the first contended acquire 10-19 ms of wait in ndislock_bench (cs/2, max). */
__attribute__((constructor)) static void fence_register_early(void)
{
    fence_setup();
}

void ndislock__heavy_fence(void)
{
    /* No thread fence needed first: callers precede this with a seq_cst RMW,
     * and the syscall itself is a full barrier on this CPU. */
    if (fence_setup() == FENCE_MEMBARRIER)
        sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

uint64_t ndislock__now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ndislock__ns_to_timespec(uint64_t ns, struct timespec *ts)
{
    ts->tv_sec = (time_t)(ns / 1000000000ull);
    ts->tv_nsec = (long)(ns % 1000000000ull);
}

void ndislock__park(uint32_t *word, uint32_t expected, uint32_t bitset, uint64_t deadline_ns)
{
    struct timespec deadline, *dl = NULL;

    if (fence_setup() != FENCE_MEMBARRIER) {
        uint64_t bound = ndislock__now_ns() + NDISLOCK_PARK_FALLBACK_NS;
        if (deadline_ns == 0 || deadline_ns > bound)
            deadline_ns = bound;
    }
    if (deadline_ns != 0) {
        ndislock__ns_to_timespec(deadline_ns, &deadline);   /* absolute for WAIT_BITSET */
        dl = &deadline;
    }
    /* EAGAIN (word changed), EINTR and ETIMEDOUT all mean: look again. */
    syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, expected, dl, NULL, bitset);
}

void ndislock__unpark(uint32_t *word, int n, uint32_t bitset)
{
    syscall(SYS_futex, word, FUTEX_WAKE_BITSET_PRIVATE, n, NULL, NULL, bitset);
}
