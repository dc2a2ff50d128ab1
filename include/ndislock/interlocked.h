/*
 * ndislock/interlocked.h - the spin-lock-protected operations behind
 * ExInterlocked* and NdisInterlocked* (lists, counters), plus the two
 * lock-free counters the NDIS seeds used.  The lock-free Interlocked* family
 * of wdm.h is in ndislock/wdk_interlocked.h (each is one __atomic builtin).
 */
#ifndef NDISLOCK_INTERLOCKED_H
#define NDISLOCK_INTERLOCKED_H

#include <ndislock/spin.h>
#include <ndislock/wdk_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* InterlockedIncrement / NdisInterlockedIncrement: the incremented value. */
NDISLOCK_INLINE int32_t ndislock_interlocked_increment(volatile int32_t *p)
{
    return __atomic_add_fetch(p, 1, NDISLOCK_SEQ_CST);
}

/* InterlockedDecrement / NdisInterlockedDecrement: the decremented value. */
NDISLOCK_INLINE int32_t ndislock_interlocked_decrement(volatile int32_t *p)
{
    return __atomic_sub_fetch(p, 1, NDISLOCK_SEQ_CST);
}

#if defined(__SANITIZE_THREAD__)
#define NDISLOCK__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NDISLOCK__TSAN 1
#endif
#endif

/* Under ThreadSanitizer, which has no model of a stand-alone fence (GCC
 * refuses atomic_thread_fence with -fsanitize=thread): every full barrier is
 * also a seq_cst read-modify-write of this one word, so TSan sees barriers
 * order each other.  Stronger than a fence for TSan, never weaker.  Exported
 * by every build, so a sanitized driver links against any library. */
NDISLOCK_API extern int ndislock__fence_word;

/* KeMemoryBarrier / MemoryBarrier: no load or store moves across it (compiler or CPU). */
NDISLOCK_INLINE void ndislock_memory_barrier(void)
{
#ifdef NDISLOCK__TSAN
#if defined(__x86_64__)
    __asm__ __volatile__("mfence" ::: "memory");
#elif defined(__aarch64__)
    __asm__ __volatile__("dmb ish" ::: "memory");
#endif
    __atomic_fetch_add(&ndislock__fence_word, 0, NDISLOCK_SEQ_CST);
#else
    __atomic_thread_fence(NDISLOCK_SEQ_CST);
#endif
}

/* NdisInterlockedAddLargeStatistic / ExInterlockedAddLargeStatistic: a lock-free 64-bit add. */
NDISLOCK_INLINE void ndislock_interlocked_add_large(volatile int64_t *p, uint32_t v)
{
    __atomic_fetch_add(p, (int64_t)v, NDISLOCK_SEQ_CST);
}

/*
 * The spin-lock-protected operations (ExInterlocked* semantics): each takes
 * l for the one operation, at the caller's IRQL (the WDK allows them at any
 * IRQL: nothing inside the hold can see the IRQL), and releases it.  The
 * caller must not hold l.  call: the WDK name the verifier's reports give
 * the operation ("ExInterlockedInsertHeadList", "NdisInterlockedAddUlong" ...).
 */

/* ExInterlockedAddUlong / NdisInterlockedAddUlong: *addend += v; the value before. */
NDISLOCK_API uint32_t ndislock_interlocked_add_ulong(uint32_t *addend, uint32_t v,
                                                     ndislock_spin_t *l, const char *call);
/* ExInterlockedAddLargeInteger: *addend += v; the value before. */
NDISLOCK_API int64_t ndislock_interlocked_add_large_locked(int64_t *addend, int64_t v,
                                                           ndislock_spin_t *l, const char *call);
/* Ex/NdisInterlockedInsertHeadList: the old first entry, or NULL if the list was empty. */
NDISLOCK_API PLIST_ENTRY ndislock_interlocked_insert_head(PLIST_ENTRY head, PLIST_ENTRY e,
                                                          ndislock_spin_t *l, const char *call);
/* Ex/NdisInterlockedInsertTailList: the old last entry, or NULL if the list was empty. */
NDISLOCK_API PLIST_ENTRY ndislock_interlocked_insert_tail(PLIST_ENTRY head, PLIST_ENTRY e,
                                                          ndislock_spin_t *l, const char *call);
/* Ex/NdisInterlockedRemoveHeadList: the removed entry, or NULL if the list was empty. */
NDISLOCK_API PLIST_ENTRY ndislock_interlocked_remove_head(PLIST_ENTRY head, ndislock_spin_t *l,
                                                          const char *call);
/* Ex/NdisInterlockedPushEntryList: the old first entry, or NULL. */
NDISLOCK_API PSINGLE_LIST_ENTRY ndislock_interlocked_push(PSINGLE_LIST_ENTRY head,
                                                          PSINGLE_LIST_ENTRY e,
                                                          ndislock_spin_t *l, const char *call);
/* Ex/NdisInterlockedPopEntryList: the removed entry, or NULL if the list was empty. */
NDISLOCK_API PSINGLE_LIST_ENTRY ndislock_interlocked_pop(PSINGLE_LIST_ENTRY head,
                                                         ndislock_spin_t *l, const char *call);

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_INTERLOCKED_H */
