/*
 * ndislock/interlocked.h - interlocked counters (lock-free, full barriers like
 * the Windows Interlocked* family) and the spin-lock-protected list and
 * counter operations behind NdisInterlocked*.
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

/* InterlockedExchangeAdd: the value before the addition. */
NDISLOCK_INLINE int32_t ndislock_interlocked_exchange_add(volatile int32_t *p, int32_t v)
{
    return __atomic_fetch_add(p, v, NDISLOCK_SEQ_CST);
}

/* InterlockedExchange: the previous value. */
NDISLOCK_INLINE int32_t ndislock_interlocked_exchange(volatile int32_t *p, int32_t v)
{
    return __atomic_exchange_n(p, v, NDISLOCK_SEQ_CST);
}

/* InterlockedCompareExchange: stores v if *p == cmp; returns the value *p had. */
NDISLOCK_INLINE int32_t ndislock_interlocked_compare_exchange(volatile int32_t *p, int32_t v,
                                                              int32_t cmp)
{
    __atomic_compare_exchange_n(p, &cmp, v, 0, NDISLOCK_SEQ_CST, NDISLOCK_SEQ_CST);
    return cmp;
}

/* NdisInterlockedAddLargeStatistic: a lock-free 64-bit add. */
NDISLOCK_INLINE void ndislock_interlocked_add_large(volatile int64_t *p, uint32_t v)
{
    __atomic_fetch_add(p, (int64_t)v, NDISLOCK_SEQ_CST);
}

/*
 * The spin-lock-protected operations (ExInterlocked* semantics): each takes
 * the lock at DISPATCH_LEVEL, does the operation, releases it and restores
 * the caller's IRQL.  The caller must not hold the lock.
 */

/* NdisInterlockedAddUlong: *addend += v under the lock. */
NDISLOCK_API void ndislock_interlocked_add_ulong(uint32_t *addend, uint32_t v, ndislock_spin_t *l);

/* NdisInterlockedInsertHeadList: the old first entry, or NULL if the list was empty. */
NDISLOCK_API PLIST_ENTRY ndislock_interlocked_insert_head(PLIST_ENTRY head, PLIST_ENTRY e, ndislock_spin_t *l);

/* NdisInterlockedInsertTailList: the old last entry, or NULL if the list was empty. */
NDISLOCK_API PLIST_ENTRY ndislock_interlocked_insert_tail(PLIST_ENTRY head, PLIST_ENTRY e, ndislock_spin_t *l);

/* NdisInterlockedRemoveHeadList: the removed entry, or NULL if the list was empty. */
NDISLOCK_API PLIST_ENTRY ndislock_interlocked_remove_head(PLIST_ENTRY head, ndislock_spin_t *l);

/* NdisInterlockedPushEntryList: the old first entry, or NULL. */
NDISLOCK_API PSINGLE_LIST_ENTRY ndislock_interlocked_push(PSINGLE_LIST_ENTRY head, PSINGLE_LIST_ENTRY e,
                                             ndislock_spin_t *l);

/* NdisInterlockedPopEntryList: the removed entry, or NULL if the list was empty. */
NDISLOCK_API PSINGLE_LIST_ENTRY ndislock_interlocked_pop(PSINGLE_LIST_ENTRY head, ndislock_spin_t *l);

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_INTERLOCKED_H */
