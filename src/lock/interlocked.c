/* NdisInterlocked* operations that take a spin lock (ExInterlocked* semantics). */
#include <ndislock/interlocked.h>
#include <ndislock/wdk_list.h>

#include "verifier/hooks.h"

/*
 * Takes l for one operation named what; 0 when the verifier found that the
 * caller already holds l (INTERLOCKED_LOCK_HELD): then the operation runs
 * under the caller's hold instead of self-deadlocking.
 */
static inline int il_lock(ndislock_spin_t *l, const char *what, ndislock_irql_t *old)
{
    if (ndislock__checked_on())
        return ndislock__verifier_interlocked(l, what, old);
    *old = ndislock_spin_acquire(l);
    return 1;
}

static inline void il_unlock(ndislock_spin_t *l, ndislock_irql_t old, int took)
{
    if (took)
        ndislock_spin_release(l, old);
}

void ndislock_interlocked_add_ulong(uint32_t *addend, uint32_t v, ndislock_spin_t *l)
{
    ndislock_irql_t old;
    int took = il_lock(l, "NdisInterlockedAddUlong", &old);

    *addend += v;
    il_unlock(l, old, took);
}

PLIST_ENTRY ndislock_interlocked_insert_head(PLIST_ENTRY head, PLIST_ENTRY e, ndislock_spin_t *l)
{
    ndislock_irql_t old;
    int took = il_lock(l, "NdisInterlockedInsertHeadList", &old);
    PLIST_ENTRY first = IsListEmpty(head) ? NULL : head->Flink;

    InsertHeadList(head, e);
    il_unlock(l, old, took);
    return first;
}

PLIST_ENTRY ndislock_interlocked_insert_tail(PLIST_ENTRY head, PLIST_ENTRY e, ndislock_spin_t *l)
{
    ndislock_irql_t old;
    int took = il_lock(l, "NdisInterlockedInsertTailList", &old);
    PLIST_ENTRY last = IsListEmpty(head) ? NULL : head->Blink;

    InsertTailList(head, e);
    il_unlock(l, old, took);
    return last;
}

PLIST_ENTRY ndislock_interlocked_remove_head(PLIST_ENTRY head, ndislock_spin_t *l)
{
    ndislock_irql_t old;
    int took = il_lock(l, "NdisInterlockedRemoveHeadList", &old);
    PLIST_ENTRY e = IsListEmpty(head) ? NULL : RemoveHeadList(head);

    il_unlock(l, old, took);
    return e;
}

PSINGLE_LIST_ENTRY ndislock_interlocked_push(PSINGLE_LIST_ENTRY head, PSINGLE_LIST_ENTRY e,
                                             ndislock_spin_t *l)
{
    ndislock_irql_t old;
    int took = il_lock(l, "NdisInterlockedPushEntryList", &old);
    PSINGLE_LIST_ENTRY first = head->Next;

    PushEntryList(head, e);
    il_unlock(l, old, took);
    return first;
}

PSINGLE_LIST_ENTRY ndislock_interlocked_pop(PSINGLE_LIST_ENTRY head, ndislock_spin_t *l)
{
    ndislock_irql_t old;
    int took = il_lock(l, "NdisInterlockedPopEntryList", &old);
    PSINGLE_LIST_ENTRY e = PopEntryList(head);

    il_unlock(l, old, took);
    return e;
}
