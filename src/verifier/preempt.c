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
 * The exchange is one instruction (x86 xchg; on Arm the store-exclusive fails
 * across an exception), so a clear cannot slip between our read and re-arm.
 * Other rseq users overwrite rseq_cs; a value that is neither ours nor 0 is
 * counted as a switch too, which errs on the side of not warning.
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
    uint64_t prev = __atomic_exchange_n(&self()->rseq_cs, (uint64_t)(uintptr_t)&marker,
                                        __ATOMIC_RELAXED);
    if (armed && prev != (uint64_t)(uintptr_t)&marker)
        switches++;
    armed = 1;
    return switches;
}

int ndislock__switches_known(void)
{
    return usable;
}

#else /* no <sys/rseq.h>: nothing is known */

uint64_t ndislock__switches(void)
{
    return 0;
}

int ndislock__switches_known(void)
{
    return 0;
}

#endif
