/*
 * Sleeping on a word, and why the unlock fast path needs no fence.
 *
 * A plain release is "store word = 0 (release); load ndislock__spin_waiters
 * (relaxed)".  A thread about to sleep is "register: count += 1 (seq_cst);
 * heavy fence; load word; sleep unless it is 0".  This is Dekker's pattern:
 * with a plain fence on one side only, the release could read a count of 0
 * while the sleeper reads the word as held, and nobody would wake it.  The
 * heavy fence is membarrier(PRIVATE_EXPEDITED): every CPU running a thread
 * of this process executes a full barrier before it returns.  For any
 * release U:
 *   - if U's load of the count comes after that barrier, it sees the
 *     registration and goes to the wake path;
 *   - if it comes before, U's earlier store of 0 is also before the barrier,
 *     so the sleeper's load of the word, after it, sees 0 (or a newer
 *     acquire, whose own release comes after the barrier: first case).
 * A thread that is not running has passed a full barrier in its context
 * switch.  The fast path pays a compiler barrier; the slow path, which is
 * about to sleep anyway, pays an IPI: the asymmetric fence of liburcu's
 * sys_membarrier flavour and of C++ P1202.  The holder never takes part, so
 * a holder that rewrites the word with its held value changes nothing here.
 * tests/model/spinlock.pml checks the argument (-DNO_FENCE loses a wake-up).
 *
 * Without membarrier (kernels before 4.14, a seccomp filter that refuses it,
 * or a command that fails) the argument is gone; ndislock then bounds every
 * sleep to NDISLOCK_PARK_FALLBACK_NS (a lost wake-up costs at most that) and
 * says so once on stderr.  tests/lock/park_fallback_test.c runs that mode.
 */
#define _GNU_SOURCE
#include "park.h"

#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ndislock/atomic.h>

enum { FENCE_UNKNOWN, FENCE_MEMBARRIER, FENCE_NONE };
static int fence_mode = FENCE_UNKNOWN;

static long sys_membarrier(int cmd)
{
    return syscall(SYS_membarrier, cmd, 0, 0);
}

/* The one-time note: the first thread to give up on membarrier prints it. */
static void fence_unavailable(const char *what, int err)
{
    if (ndislock_pr_xchg(&fence_mode, FENCE_NONE, NDISLOCK_ACQ_REL) == FENCE_NONE)
        return;
    char msg[200];
    int n = snprintf(msg, sizeof(msg),
                     "ndislock: membarrier %s failed (%s); lock sleeps are now bounded to %llu us "
                     "(a lost wake-up costs that much)\n",
                     what, strerror(err), NDISLOCK_PARK_FALLBACK_NS / 1000);
    if (n > 0 && write(2, msg, (size_t)n) < 0)
        return;   /* nothing else to do with a note nobody can read */
}

static int fence_setup(void)
{
    int mode = ndislock_pr_load(&fence_mode, NDISLOCK_ACQUIRE);

    if (NDISLOCK_LIKELY(mode != FENCE_UNKNOWN))
        return mode;
    /* Registering twice is harmless, so racing first callers need no lock. */
    long cmds = sys_membarrier(MEMBARRIER_CMD_QUERY);
    if (cmds < 0) {
        fence_unavailable("query", errno);
    } else if (!(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED)) {
        fence_unavailable("PRIVATE_EXPEDITED", ENOSYS);
    } else if (sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0) {
        fence_unavailable("registration", errno);
    } else {
        /* a racing failure (FENCE_NONE) stays */
        (void)ndislock_pr_cas(&fence_mode, FENCE_UNKNOWN, FENCE_MEMBARRIER, NDISLOCK_RELEASE);
    }
    return ndislock_pr_load(&fence_mode, NDISLOCK_ACQUIRE);
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
     * and the syscall itself is a full barrier on this CPU.  A failure here
     * (it should not happen once registered) means the other CPUs may not
     * have fenced: switch to bounded sleeps, which the caller's park reads. */
    if (fence_setup() == FENCE_MEMBARRIER && sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0)
        fence_unavailable("PRIVATE_EXPEDITED", errno);
}

int ndislock__park_bounded(void)
{
    return fence_setup() != FENCE_MEMBARRIER;
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

void ndislock__park(uint32_t *word, uint32_t expected, uint64_t deadline_ns)
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
    syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, expected, dl, NULL, FUTEX_BITSET_MATCH_ANY);
}

void ndislock__unpark(uint32_t *word, int n)
{
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}
