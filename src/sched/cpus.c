/*
 * Simulated processors (cpus=N): what makes DISPATCH_LEVEL mean "this
 * processor runs nothing else", independent of the host's CPU count, and
 * the IRQL hooks that take and give them.
 *
 * One slot per processor, each on its own cache line (ndislock/irql.h):
 *   owner   0, or the id of the thread on it by CAS
 *   bias    the id of the thread allowed on it without CAS (NDISLOCK__NO_BIAS:
 *           none), and bias_on, that thread's own on_cpu word; both written
 *           only by the owner
 *   want    threads pinned to the slot (a DPC thread, the timer thread for a
 *           timer of this processor) waiting for it; unpinned takers leave a
 *           wanted slot alone, so a pinned waiter cannot starve behind a
 *           thread that gives the slot back and takes it again in a loop
 *
 * A thread is on slot k iff it holds owner (CAS 0 -> id, acquire) or it set
 * its on_cpu = k + 1 and then saw bias == its id and owner == 0
 * (ndislock/irql.h, inline).  on_cpu is per thread, so a thread whose bias
 * was revoked and that tries the fast path late disturbs nobody.  The second way has no atomic read-modify-write, which is what
 * keeps an uncontended spin-lock pair within 2x of the per-thread mode
 * (bench/sched_bench.c; one extra CAS costs as much as the lock's own).  It
 * pairs with the CAS taker's side as Dekker's algorithm with an asymmetric
 * fence: a taker that finds the slot biased to another thread takes owner,
 * revokes the bias, runs membarrier (every CPU running a thread of ours
 * executes a full barrier) and waits until the holder's on_cpu is not k + 1.
 * Either the holder's store to on_cpu precedes that barrier, and the taker
 * sees it and waits, or its loads of bias and owner follow it, and it sees
 * the revocation and the taken owner and backs off.  A thread that exits
 * revokes its own biases first (nothing may point at its on_cpu then); a
 * forked child drops every bias but its own thread's.  A slot earns a bias after
 * `threshold` CAS takes in a row by one thread; each revocation doubles the
 * threshold, so a slot that changes hands often stops being biased and
 * costs no fences.  Without membarrier (an old kernel, qemu-user, seccomp)
 * no slot is ever biased.
 *
 * Give: a release store of 0 (owner or on_cpu), a compiler barrier and a
 * relaxed load of ndislock__cpu_waiters; only a nonzero count costs a wake.
 * A waiter counts itself (seq_cst RMW), runs the same membarrier, looks
 * again, then sleeps on wake_seq: the pattern of src/lock/park.c.  Without
 * membarrier its sleeps are bounded (SLEEP_NS), so a lost wake-up costs at
 * most that long.
 *
 * Progress: a thread at or above DISPATCH_LEVEL never waits for a slot (it
 * owns one); spin-lock holders are at DISPATCH_LEVEL or above, because every
 * acquire raises before it takes the lock word; so the only waiters are
 * threads entering DISPATCH_LEVEL from below, and each gets a slot as soon
 * as any DISPATCH_LEVEL section ends (a pinned one: as soon as its slot's
 * does).  A CAS taker waiting for a bias holder waits for one DISPATCH_LEVEL
 * section: the holder's next entries see owner != 0 and go elsewhere.
 */
#define _GNU_SOURCE
#include "sched.h"

#include <limits.h>
#include <pthread.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define SPINS       128         /* looks at the slots before the first sleep */
#define SLEEP_NS    1000000L    /* longest sleep without membarrier (see above) */
#define STREAK0     8           /* CAS takes in a row that earn a slot's bias at first */
#define STREAK_MAX  (1u << 20)  /* the threshold stops doubling here */

struct ndislock__cpu_slot ndislock__cpu_slots[NDISLOCK_MAX_PROCESSORS] = {
    [0 ... NDISLOCK_MAX_PROCESSORS - 1] = { .bias = NDISLOCK__NO_BIAS, .threshold = STREAK0,
                                            .bias_on = NULL }
};
/* Read by every give; written only by waiters: alone in its cache line. */
uint32_t ndislock__cpu_waiters __attribute__((aligned(64)));
static uint32_t wake_seq __attribute__((aligned(64)));     /* futex word, bumped by wakes */

static uint32_t ncpus;          /* N; 0: off.  Changed only while quiescent */
static uint32_t last_id;
static int fence_ok;            /* membarrier PRIVATE_EXPEDITED is registered */
/* initial-exec: one %fs-relative access (the library is loaded with the program) */
static __thread uint32_t pinned NDISLOCK_TLS_IE;    /* slot + 1 this thread must take; 0: any */

static long sys_membarrier(int cmd)
{
    return syscall(SYS_membarrier, cmd, 0, 0);
}

static void fork_child(void);

/* Registered while the process is (usually) single-threaded: cheaper then. */
__attribute__((constructor)) static void fence_register(void)
{
    pthread_atfork(NULL, NULL, fork_child);
    long cmds = sys_membarrier(MEMBARRIER_CMD_QUERY);

    fence_ok = cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
               sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

uint32_t ndislock__cpus(void)
{
    return ndislock_pr_load(&ncpus, NDISLOCK_RELAXED);
}

/* The thread's id (1, 2, ...); the first call spreads first preferences. */
static uint32_t self(struct ndislock_thread *t, uint32_t n)
{
    if (NDISLOCK_UNLIKELY(t->sched_id == 0)) {
        t->sched_id = ndislock_pr_faa(&last_id, 1u, NDISLOCK_RELAXED) + 1;
        if (pinned == 0)
            t->cpu = (uint8_t)((t->sched_id - 1) % n);
    }
    return t->sched_id;
}

void ndislock__cpu_wake(void)
{
    ndislock_pr_faa(&wake_seq, 1u, NDISLOCK_RELEASE);
    /* all: a pinned waiter may want this slot while another wants any */
    syscall(SYS_futex, &wake_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Sleeps until a give or wake, unless ready(arg) holds once this thread is
 * counted as a waiter and the heavy fence has run (see the header). */
static void park_unless(int (*ready)(uint32_t, uint32_t), uint32_t a, uint32_t b)
{
    struct timespec bound = { 0, SLEEP_NS };
    uint32_t seq = ndislock_pr_load(&wake_seq, NDISLOCK_ACQUIRE);

    ndislock_pr_faa(&ndislock__cpu_waiters, 1u, NDISLOCK_SEQ_CST);
    if (fence_ok)
        sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
    if (!ready(a, b))   /* EAGAIN, EINTR, ETIMEDOUT: all mean look again */
        syscall(SYS_futex, &wake_seq, FUTEX_WAIT_PRIVATE, seq, fence_ok ? NULL : &bound, NULL, 0);
    ndislock_pr_fas(&ndislock__cpu_waiters, 1u, NDISLOCK_RELAXED);
}

/* Whether the bias holder of slot k is off it.  Only with k owned (or the
 * library quiescent): bias_on is stable then and its thread alive. */
static int holder_off(uint32_t k, uint32_t unused)
{
    uint32_t *on = ndislock_pr_load(&ndislock__cpu_slots[k].bias_on, NDISLOCK_RELAXED);

    (void)unused;
    /* acquire: the holder's DISPATCH_LEVEL section happens before ours */
    return on == NULL || ndislock_pr_load(on, NDISLOCK_ACQUIRE) != k + 1;
}

/* The owner of slot k revokes its bias and waits until the holder is off it. */
static void revoke_bias(struct ndislock__cpu_slot *q, uint32_t k)
{
    ndislock_pr_store(&q->bias, NDISLOCK__NO_BIAS, NDISLOCK_RELAXED);
    q->threshold = q->threshold < STREAK_MAX ? q->threshold * 2 : STREAK_MAX;
    sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);   /* biases exist only with it */
    for (unsigned spins = 0; !holder_off(k, 0); spins++) {
        if (spins < SPINS)
            ndislock_pr_pause();
        else
            park_unless(holder_off, k, 0);
    }
    ndislock_pr_store(&q->bias_on, NULL, NDISLOCK_RELAXED);
}

static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static void on_thread_exit(void *unused);

static void make_exit_key(void)
{
    (void)pthread_key_create(&exit_key, on_thread_exit);
}

/* Registers on_thread_exit for this thread; 0 if it cannot be. */
static int exit_hook(void)
{
    pthread_once(&exit_once, make_exit_key);
    return pthread_getspecific(exit_key) != NULL || pthread_setspecific(exit_key, (void *)1) == 0;
}

/* The owner of slot k (t) makes it biased to itself. */
static void grant_bias(struct ndislock__cpu_slot *q, struct ndislock_thread *t)
{
    if (!exit_hook())
        return;         /* no exit hook, no bias: nothing may outlive the thread */
    ndislock_pr_store(&q->bias_on, &t->on_cpu, NDISLOCK_RELAXED);
    ndislock_pr_store(&q->bias, t->sched_id, NDISLOCK_RELAXED);
}

/*
 * Takes slot k by CAS; 0 if it is taken.  A slot biased to another thread
 * is taken only if steal, then that thread waits for it to leave.  (Nothing
 * here looks at the holder's on_cpu before owning the slot: a thread may
 * exit, and its TLS go, at any time while we do not own it.)
 */
static int take_owner(struct ndislock_thread *t, uint32_t k, int steal)
{
    struct ndislock__cpu_slot *q = &ndislock__cpu_slots[k];
    uint32_t id = t->sched_id, b;

    if (ndislock_pr_load(&q->owner, NDISLOCK_RELAXED) != 0)
        return 0;
    b = ndislock_pr_load(&q->bias, NDISLOCK_RELAXED);
    if (b != NDISLOCK__NO_BIAS && b != id && !steal)
        return 0;
    /* acquire: the last owner's DISPATCH_LEVEL section happens before ours */
    if (!ndislock_pr_cas(&q->owner, 0u, id, NDISLOCK_ACQUIRE))
        return 0;
    b = ndislock_pr_load(&q->bias, NDISLOCK_RELAXED);      /* stable now: we own the slot */
    if (b != NDISLOCK__NO_BIAS && b != id)
        revoke_bias(q, k);
    if (q->last != id) {
        q->last = id;
        q->streak = 1;
    } else if (++q->streak >= q->threshold && b != id && fence_ok && pinned == 0) {
        grant_bias(q, t);       /* our next entries need no CAS */
    }
    return 1;
}

static int wanted(uint32_t k)
{
    return ndislock_pr_load(&ndislock__cpu_slots[k].want, NDISLOCK_RELAXED) != 0;
}

/* One look at the slots: the one taken, or -1.  Unpinned: the preferred
 * slot, then any other, first without stealing a bias, then with. */
static int try_take(struct ndislock_thread *t, uint32_t pref, uint32_t n)
{
    if (pinned != 0)
        return take_owner(t, pinned - 1, 1) ? (int)(pinned - 1) : -1;
    for (int steal = 0; steal <= 1; steal++) {
        if (!wanted(pref) && take_owner(t, pref, steal))
            return (int)pref;
        for (uint32_t k = 0; k < n; k++)
            if (k != pref && !wanted(k) && take_owner(t, k, steal))
                return (int)k;
    }
    return -1;
}

/* Whether try_take might succeed now (for park_unless). */
static int takeable(uint32_t n, uint32_t unused)
{
    (void)unused;
    if (pinned != 0)
        return ndislock_pr_load(&ndislock__cpu_slots[pinned - 1].owner, NDISLOCK_RELAXED) == 0;
    for (uint32_t k = 0; k < n; k++)
        if (ndislock_pr_load(&ndislock__cpu_slots[k].owner, NDISLOCK_RELAXED) == 0 && !wanted(k))
            return 1;
    return 0;
}

static int wait_slot(struct ndislock_thread *t, uint32_t pref, uint32_t n)
{
    int k;

    if (pinned != 0)
        ndislock_pr_faa(&ndislock__cpu_slots[pinned - 1].want, 1u, NDISLOCK_RELAXED);
    for (unsigned spins = 0; (k = try_take(t, pref, n)) < 0; spins++) {
        if (spins < SPINS)
            ndislock_pr_pause();
        else
            park_unless(takeable, n, 0);
    }
    if (pinned != 0)
        ndislock_pr_fas(&ndislock__cpu_slots[pinned - 1].want, 1u, NDISLOCK_RELAXED);
    return k;
}

/* Puts t, raising from below DISPATCH_LEVEL, on a processor. */
static void take(struct ndislock_thread *t)
{
    uint32_t n = ncpus;
    uint32_t pref;
    int k;

    (void)self(t, n);
    pref = t->cpu < n ? t->cpu : t->cpu % n;
    if (pref == t->cpu && (pinned == 0 || pinned - 1 == pref) && ndislock__cpu_enter_biased())
        return;
    if ((k = try_take(t, pref, n)) < 0)
        k = wait_slot(t, pref, n);
    (void)exit_hook();      /* a thread that ends on the slot gives it back */
    t->cpu = (uint8_t)k;
    t->lower_slow |= NDISLOCK_LOWER_CPU;
}

static void give(struct ndislock_thread *t)
{
    if (t->lower_slow & NDISLOCK_LOWER_CPU_FAST) {
        t->lower_slow &= (uint8_t)~NDISLOCK_LOWER_CPU_FAST;
        /* release: our DISPATCH_LEVEL section happens before the next thread's */
        ndislock_pr_store(&t->on_cpu, 0u, NDISLOCK_RELEASE);
    } else {
        t->lower_slow &= (uint8_t)~NDISLOCK_LOWER_CPU;
        ndislock_pr_store(&ndislock__cpu_slots[t->cpu].owner, 0u, NDISLOCK_RELEASE);
    }
    /* light half of the asymmetric fence: keeps the compiler from hoisting the load */
    ndislock_pr_barrier();
    if (NDISLOCK_UNLIKELY(ndislock_pr_load(&ndislock__cpu_waiters, NDISLOCK_RELAXED) != 0))
        ndislock__cpu_wake();
}

/*
 * The raise hook (ndislock__irql_raise_raw, when it cannot stay inline).
 * Crossing DISPATCH_LEVEL upwards takes a processor; a "raise" that lands
 * below DISPATCH_LEVEL (KeRaiseIrql misused downwards, which the verifier
 * reports) gives it back.
 */
ndislock_irql_t ndislock__sched_raise(ndislock_irql_t new_irql)
{
    struct ndislock_thread *t = &ndislock_tls;
    ndislock_irql_t old = t->irql;
    int on;

    if (ndislock_pr_load(&ndislock__sched, NDISLOCK_RELAXED) & ~NDISLOCK_SCHED_CPUS)
        ndislock__sched_point(NDISLOCK_POINT_RAISE);    /* at the old IRQL */
    on = (t->lower_slow & (NDISLOCK_LOWER_CPU | NDISLOCK_LOWER_CPU_FAST)) != 0;
    if (new_irql >= NDISLOCK_DISPATCH_LEVEL) {
        if (!on && old < NDISLOCK_DISPATCH_LEVEL && ncpus != 0)
            take(t);
    } else if (on) {
        t->irql = new_irql;
        give(t);
        return old;
    }
    t->irql = new_irql;
    return old;
}

void ndislock__sched_lower(struct ndislock_thread *t, ndislock_irql_t new_irql)
{
    t->irql = new_irql;
    if (new_irql < NDISLOCK_DISPATCH_LEVEL &&
        (t->lower_slow & (NDISLOCK_LOWER_CPU | NDISLOCK_LOWER_CPU_FAST)))
        give(t);
    if (t->lower_slow & NDISLOCK_LOWER_POINT)
        ndislock__sched_point(NDISLOCK_POINT_LOWER);    /* at the new IRQL */
}

void ndislock__cpu_pin(uint32_t k)
{
    pinned = k + 1;
    ndislock_tls.cpu = (uint8_t)k;  /* the biased entry tries t->cpu only */
}

void ndislock__cpu_unpin(void)
{
    pinned = 0;
}

uint32_t ndislock__cpu_current(void)
{
    struct ndislock_thread *t = &ndislock_tls;
    uint32_t n = ncpus;

    (void)self(t, n);
    return t->cpu < n ? t->cpu : t->cpu % n;
}

int ndislock__cpus_set(uint32_t n)
{
    if (n > NDISLOCK_MAX_PROCESSORS)
        return -1;
    for (uint32_t k = 0; k < NDISLOCK_MAX_PROCESSORS; k++) {
        struct ndislock__cpu_slot *q = &ndislock__cpu_slots[k];

        if (ndislock_pr_load(&q->owner, NDISLOCK_ACQUIRE) != 0 || !holder_off(k, 0))
            return -1;      /* a thread is at DISPATCH_LEVEL on a processor: not quiescent */
    }
    for (uint32_t k = 0; k < NDISLOCK_MAX_PROCESSORS; k++) {
        struct ndislock__cpu_slot *q = &ndislock__cpu_slots[k];

        ndislock_pr_store(&q->bias, NDISLOCK__NO_BIAS, NDISLOCK_RELAXED);
        ndislock_pr_store(&q->bias_on, NULL, NDISLOCK_RELAXED);
        q->last = q->streak = 0;
        q->threshold = STREAK0;
    }
    ndislock_pr_store(&ncpus, n, NDISLOCK_RELAXED);
    return 0;
}

/* Thread exit: give back the processor a thread that ends at or above
 * DISPATCH_LEVEL is on (Windows bug-checks; here every later raise would
 * wait for it forever), then revoke our biases, so no slot points at our
 * on_cpu any more.  Off the slots, taking each one by CAS and clearing the
 * bias needs no fence, since we are the holder. */
static void on_thread_exit(void *unused)
{
    struct ndislock_thread *t = &ndislock_tls;
    static int noted;

    (void)unused;
    if (t->lower_slow & (NDISLOCK_LOWER_CPU | NDISLOCK_LOWER_CPU_FAST)) {
        if (!ndislock_pr_xchg(&noted, 1, NDISLOCK_RELAXED)) {
            char m[160];
            int len = snprintf(m, sizeof m, "ndislock: note: a thread ended at IRQL %u on simulated "
                               "processor %u (a bug check on Windows); the processor is given back\n",
                               (unsigned)t->irql, (unsigned)t->cpu);
            ssize_t w = write(2, m, (size_t)len);
            (void)w;        /* nothing better to do with a failed note */
        }
        give(t);            /* the IRQL stays: the verifier's exit check reports it */
    }
    for (uint32_t k = 0; k < NDISLOCK_MAX_PROCESSORS; k++) {
        struct ndislock__cpu_slot *q = &ndislock__cpu_slots[k];

        if (ndislock_pr_load(&q->bias, NDISLOCK_RELAXED) != t->sched_id)
            continue;
        while (!ndislock_pr_cas(&q->owner, 0u, t->sched_id, NDISLOCK_ACQUIRE))
            sched_yield();      /* its owner is at DISPATCH_LEVEL: a short wait */
        if (ndislock_pr_load(&q->bias, NDISLOCK_RELAXED) == t->sched_id) {
            ndislock_pr_store(&q->bias, NDISLOCK__NO_BIAS, NDISLOCK_RELAXED);
            ndislock_pr_store(&q->bias_on, NULL, NDISLOCK_RELAXED);
        }
        ndislock_pr_store(&q->owner, 0u, NDISLOCK_RELEASE);
        ndislock_pr_barrier();
        if (ndislock_pr_load(&ndislock__cpu_waiters, NDISLOCK_RELAXED) != 0)
            ndislock__cpu_wake();
    }
}

/* A forked child has only the forking thread: the others' biases and
 * holds would never end.  (A fork at DISPATCH_LEVEL keeps its own hold.) */
static void fork_child(void)
{
    uint32_t self_id = ndislock_tls.sched_id;

    for (uint32_t k = 0; k < NDISLOCK_MAX_PROCESSORS; k++) {
        struct ndislock__cpu_slot *q = &ndislock__cpu_slots[k];

        if (q->bias != self_id || self_id == 0) {
            q->bias = NDISLOCK__NO_BIAS;
            q->bias_on = NULL;
        }
        if (q->owner != self_id)
            q->owner = 0;
        q->want = 0;
    }
    ndislock__cpu_waiters = 0;
}
