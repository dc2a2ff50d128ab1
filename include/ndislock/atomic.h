/*
 * ndislock/atomic.h - the one atomics layer every lock in ndislock is built on.
 *
 * Thin wrappers over the GCC/Clang __atomic builtins, which implement the C11
 * memory model (same orders as <stdatomic.h>) but, unlike <stdatomic.h>, also
 * work from C++ and on plain (non-_Atomic) objects such as KSPIN_LOCK, whose
 * WDK type is an ordinary ULONG_PTR.  Every call names its memory order; no
 * code in ndislock relies on x86 ordering.
 */
#ifndef NDISLOCK_ATOMIC_H
#define NDISLOCK_ATOMIC_H

#include <stddef.h>
#include <stdint.h>

#if !defined(__GNUC__) && !defined(__clang__)
#error "ndislock needs GCC or Clang (__atomic builtins, __thread)"
#endif

#define NDISLOCK_LIKELY(x)   __builtin_expect(!!(x), 1)
#define NDISLOCK_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NDISLOCK_INLINE      static inline __attribute__((always_inline))
/* Exported from the shared library; everything else there is hidden. */
#define NDISLOCK_API         __attribute__((visibility("default")))

/* A 32-bit view that may alias any object (the two halves of a KSPIN_LOCK). */
typedef uint32_t __attribute__((may_alias)) ndislock_u32_alias;

#define ndislock_pr_load(p, mo)          __atomic_load_n((p), (mo))
#define ndislock_pr_store(p, v, mo)      __atomic_store_n((p), (v), (mo))
#define ndislock_pr_xchg(p, v, mo)       __atomic_exchange_n((p), (v), (mo))
#define ndislock_pr_faa(p, v, mo)        __atomic_fetch_add((p), (v), (mo))
#define ndislock_pr_fas(p, v, mo)        __atomic_fetch_sub((p), (v), (mo))
#define ndislock_pr_for(p, v, mo)        __atomic_fetch_or((p), (v), (mo))
#define ndislock_pr_fand(p, v, mo)       __atomic_fetch_and((p), (v), (mo))
/* Strong CAS; on failure *expected is left unchanged by this wrapper. */
#define ndislock_pr_cas(p, old, new, mo)                                        \
    __extension__({ __typeof__(*(p)) ndislock_e_ = (old);                       \
        __atomic_compare_exchange_n((p), &ndislock_e_, (new), 0, (mo),          \
                                    __ATOMIC_RELAXED); })

#define NDISLOCK_RELAXED __ATOMIC_RELAXED
#define NDISLOCK_ACQUIRE __ATOMIC_ACQUIRE
#define NDISLOCK_RELEASE __ATOMIC_RELEASE
#define NDISLOCK_ACQ_REL __ATOMIC_ACQ_REL
#define NDISLOCK_SEQ_CST __ATOMIC_SEQ_CST

/* Compiler-only barrier: the light half of an asymmetric fence (see park.c). */
#define ndislock_pr_barrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define ndislock_pr_fence()   __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* Spin-wait hint: lets the sibling hyperthread run and saves power. */
NDISLOCK_INLINE void ndislock_pr_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    ndislock_pr_barrier();
#endif
}

#endif /* NDISLOCK_ATOMIC_H */
