/* NdisInterlocked* operations that take a spin lock (ExInterlocked* semantics). */
#include <ndislock/interlocked.h>
#include <ndislock/wdk_list.h>

void ndislock_interlocked_add_ulong(uint32_t *addend, uint32_t v, ndislock_spin_t *l)
{
    ndislock_irql_t old = ndislock_spin_acquire(l);

    *addend += v;
    ndislock_spin_release(l, old);
}

PLIST_ENTRY ndislock_interlocked_insert_head(PLIST_ENTRY head, PLIST_ENTRY e, ndislock_spin_t *l)
{
    ndislock_irql_t old = ndislock_spin_acquire(l);
    PLIST_ENTRY first = IsListEmpty(head) ? NULL : head->Flink;

    InsertHeadList(head, e);
    ndislock_spin_release(l, old);
    return first;
}

PLIST_ENTRY ndislock_interlocked_insert_tail(PLIST_ENTRY head, PLIST_ENTRY e, ndislock_spin_t *l)
{
    ndislock_irql_t old = ndislock_spin_acquire(l);
    PLIST_ENTRY last = IsListEmpty(head) ? NULL : head->Blink;

    InsertTailList(head, e);
    ndislock_spin_release(l, old);
    return last;
}

PLIST_ENTRY ndislock_interlocked_remove_head(PLIST_ENTRY head, ndislock_spin_t *l)
{
    ndislock_irql_t old = ndislock_spin_acquire(l);
    PLIST_ENTRY e = IsListEmpty(head) ? NULL : RemoveHeadList(head);

    ndislock_spin_release(l, old);
    return e;
}

PSINGLE_LIST_ENTRY ndislock_interlocked_push(PSINGLE_LIST_ENTRY head, PSINGLE_LIST_ENTRY e,
                                             ndislock_spin_t *l)
{
    ndislock_irql_t old = ndislock_spin_acquire(l);
    PSINGLE_LIST_ENTRY first = head->Next;

    PushEntryList(head, e);
    ndislock_spin_release(l, old);
    return first;
}

PSINGLE_LIST_ENTRY ndislock_interlocked_pop(PSINGLE_LIST_ENTRY head, ndislock_spin_t *l)
{
    ndislock_irql_t old = ndislock_spin_acquire(l);
    PSINGLE_LIST_ENTRY e = PopEntryList(head);

    ndislock_spin_release(l, old);
    return e;
}
