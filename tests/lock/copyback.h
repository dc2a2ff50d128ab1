/*
 * Copying a structure that contains a held NDIS_SPIN_LOCK out and back, as
 * real driver code does (an RSS queue-map update in Microsoft's samples
 * assigns the whole structure while holding the lock inside it).
 *
 * Plain and ASan builds copy with a structure assignment, as the driver does.
 * Under TSan the lock word is copied with relaxed atomic accesses and the
 * rest plainly: waiters read the word atomically while the holder writes it,
 * which C11 calls a data race and TSan would report, although the holder
 * only ever writes back the value the word already holds.
 */
#ifndef NDISLOCK_TEST_COPYBACK_H
#define NDISLOCK_TEST_COPYBACK_H

#include <ndis.h>

#include <stddef.h>
#include <string.h>

#if defined(__SANITIZE_THREAD__)
#define COPYBACK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define COPYBACK_TSAN 1
#endif
#endif

/* *dst = *src for a structure of type T whose member `lock` is an NDIS_SPIN_LOCK. */
#ifdef COPYBACK_TSAN
#define COPY_STRUCT(T, dst, src, lock)                                          \
    do {                                                                        \
        size_t o_ = offsetof(T, lock.SpinLock), e_ = o_ + sizeof(KSPIN_LOCK);   \
        memcpy((dst), (src), o_);                                               \
        __atomic_store_n(&(dst)->lock.SpinLock,                                 \
                         __atomic_load_n(&(src)->lock.SpinLock, __ATOMIC_RELAXED), \
                         __ATOMIC_RELAXED);                                     \
        memcpy((char *)(dst) + e_, (const char *)(src) + e_, sizeof(T) - e_);   \
    } while (0)
/* The holder writes the word with the value it reads (held). */
#define REWRITE_WORD(w)                                                         \
    __atomic_store_n(&(w), __atomic_load_n(&(w), __ATOMIC_RELAXED), __ATOMIC_RELAXED)
#else
#define COPY_STRUCT(T, dst, src, lock) (*(dst) = *(src))
#define REWRITE_WORD(w) (*(volatile KSPIN_LOCK *)&(w) = *(volatile KSPIN_LOCK *)&(w))
#endif

#endif
