/*
 * Counting a thread's trips off the CPU without a system call, using rseq.
 *
 * glibc (2.35+) registers a struct rseq for every thread.  When the kernel
 * switches a thread out, delivers it a signal or migrates it, it looks at
 * rseq->rseq_cs on the way back to user space, and if the thread's IP is not
 * inside the critical section described there, it clears rseq_cs to 0.  We
 * arm rseq_cs with a descriptor whose section is empty (so no IP is ever
 * inside it and no restart can happen): finding it cleared later means the
 * thread left the CPU in between.  The kernel checks that the 4 bytes before
 * abort_ip hold the registered signature, so the descriptor points there.
 *
 * Reading needs no atomic read-modify-write: if rseq_cs still holds our
 * marker, no switch happened up to the load, and a clear after it belongs
 * to the next interval; if it was cleared, we count a switch and re-arm,
 * and a clear between that load and the store happened between intervals.
 * One load and a compare per call (an xchg, which the first version used,
 * is a locked instruction: ~20 cycles).  Other rseq users overwrite
 * rseq_cs; a value that is neither ours nor 0 counts as a switch too,
 * which errs on the side of not warning.
 *
 * While rseq_cs points at our marker the kernel reads the marker on every
 * preemption of that thread, so a library that is unloaded must disarm
 * every thread first (ndislock__preempt_disarm, called from the verifier's
 * destructor for each registered thread).
 */
#define _GNU_SOURCE
#include "preempt.h"

#if defined(__has_include)
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define NDISLOCK_HAVE_RSEQ 1
#endif
#endif

#ifdef NDISLOCK_HAVE_RSEQ

static uint32_t sig_then_abort[2];                      /* [0] = RSEQ_SIG, abort_ip = &[1] */
static struct rseq_cs marker __attribute__((aligned(32)));
static int usable;
static __thread uint64_t switches;
static __thread int armed;

__attribute__((constructor)) static void preempt_setup(void)
{
    sig_then_abort[0] = RSEQ_SIG;
    marker.version = 0;
    marker.flags = 0;
    marker.start_ip = (uint64_t)(uintptr_t)&sig_then_abort[1];
    marker.post_commit_offset = 0;                      /* empty: nothing is ever inside */
    marker.abort_ip = (uint64_t)(uintptr_t)&sig_then_abort[1];
    usable = __rseq_size >= 20;                         /* 0 when glibc did not register */
}

static struct rseq *self(void)
{
    char *tp;

#if defined(__x86_64__)
    __asm__("mov %%fs:0, %0" : "=r"(tp));
#elif defined(__aarch64__)
    __asm__("mrs %0, tpidr_el0" : "=r"(tp));
#else
    tp = __builtin_thread_pointer();
#endif
    return (struct rseq *)(tp + __rseq_offset);
}

uint64_t ndislock__switches(void)
{
    if (!usable)
        return 0;
    uint64_t *cs = (uint64_t *)(void *)&self()->rseq_cs;
    uint64_t mine = (uint64_t)(uintptr_t)&marker;

    /* relaxed: the kernel writes it only while this thread is stopped */
    if (__builtin_expect(__atomic_load_n(cs, __ATOMIC_RELAXED) != mine, 0)) {
        switches += armed;
        armed = 1;
        __atomic_store_n(cs, mine, __ATOMIC_RELAXED);
    }
    return switches;
}

void *ndislock__preempt_area(void)
{
    return usable ? (void *)&self()->rseq_cs : NULL;
}

uint64_t ndislock__preempt_marker(void)
{
    return (uint64_t)(uintptr_t)&marker;
}

void ndislock__preempt_disarm(void *area)
{
    uint64_t mine = (uint64_t)(uintptr_t)&marker;

    if (area != NULL)
        __atomic_compare_exchange_n((uint64_t *)area, &mine, 0, 0, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED);
}

int ndislock__switches_known(void)
{
    return usable;
}

#else /* no <sys/rseq.h>: nothing is known */

void *ndislock__preempt_area(void)
{
    return NULL;
}

uint64_t ndislock__preempt_marker(void)
{
    return 0;
}

void ndislock__preempt_disarm(void *area)
{
    (void)area;
}

uint64_t ndislock__switches(void)
{
    return 0;
}

int ndislock__switches_known(void)
{
    return 0;
}

#endif
