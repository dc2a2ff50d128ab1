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
