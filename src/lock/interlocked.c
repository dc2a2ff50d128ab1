/* ExInterlocked* / NdisInterlocked* operations that take a spin lock. */
#include <ndislock/interlocked.h>
#include <ndislock/wdk_list.h>

#include "verifier/hooks.h"

/* The word ThreadSanitizer builds order full barriers on (interlocked.h);
 * defined in every build so sanitized drivers link against any library. */
int ndislock__fence_word;

/*
 * Takes l for one operation named call, at the caller's IRQL (ExInterlocked*
 * may be called at any IRQL; nothing runs inside the hold that could see the
 * IRQL).  0 when the verifier found that the caller already holds l
 * (INTERLOCKED_LOCK_HELD): then the operation runs under the caller's hold
 * instead of self-deadlocking.
 */
static inline int il_lock(ndislock_spin_t *l, const char *call)
{
    if (ndislock__checked_on())
        return ndislock__verifier_interlocked(l, call);
    ndislock_spin_lock(l);
    return 1;
}

static inline void il_unlock(ndislock_spin_t *l, int took)
{
    if (!took)
        return;
    if (ndislock__checked_on())
        ndislock__verifier_interlocked_done(l);
    else
        ndislock_spin_unlock(l);
}

uint32_t ndislock_interlocked_add_ulong(uint32_t *addend, uint32_t v, ndislock_spin_t *l,
                                        const char *call)
{
    int took = il_lock(l, call);
    uint32_t old = *addend;

    *addend = old + v;
    il_unlock(l, took);
    return old;
}

int64_t ndislock_interlocked_add_large_locked(int64_t *addend, int64_t v, ndislock_spin_t *l,
                                              const char *call)
{
    int took = il_lock(l, call);
    int64_t old = *addend;

    *addend = (int64_t)((uint64_t)old + (uint64_t)v);  /* wraps like the WDK's, no signed overflow */
    il_unlock(l, took);
    return old;
}

PLIST_ENTRY ndislock_interlocked_insert_head(PLIST_ENTRY head, PLIST_ENTRY e, ndislock_spin_t *l,
                                             const char *call)
{
    int took = il_lock(l, call);
    PLIST_ENTRY first = IsListEmpty(head) ? NULL : head->Flink;

    InsertHeadList(head, e);
    il_unlock(l, took);
    return first;
}

PLIST_ENTRY ndislock_interlocked_insert_tail(PLIST_ENTRY head, PLIST_ENTRY e, ndislock_spin_t *l,
                                             const char *call)
{
    int took = il_lock(l, call);
    PLIST_ENTRY last = IsListEmpty(head) ? NULL : head->Blink;

    InsertTailList(head, e);
    il_unlock(l, took);
    return last;
}

PLIST_ENTRY ndislock_interlocked_remove_head(PLIST_ENTRY head, ndislock_spin_t *l,
                                             const char *call)
{
    int took = il_lock(l, call);
    PLIST_ENTRY e = IsListEmpty(head) ? NULL : RemoveHeadList(head);

    il_unlock(l, took);
    return e;
}

PSINGLE_LIST_ENTRY ndislock_interlocked_push(PSINGLE_LIST_ENTRY head, PSINGLE_LIST_ENTRY e,
                                             ndislock_spin_t *l, const char *call)
{
    int took = il_lock(l, call);
    PSINGLE_LIST_ENTRY first = head->Next;

    PushEntryList(head, e);
    il_unlock(l, took);
    return first;
}

PSINGLE_LIST_ENTRY ndislock_interlocked_pop(PSINGLE_LIST_ENTRY head, ndislock_spin_t *l,
                                            const char *call)
{
    int took = il_lock(l, call);
    PSINGLE_LIST_ENTRY e = PopEntryList(head);

    il_unlock(l, took);
    return e;
}
