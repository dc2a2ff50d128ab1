/*
 * ndislock/wdk_slist.h - sequenced singly linked lists (SLIST_HEADER) with
 * their Windows names, and the NDIS wrappers.  Lock-free and ABA-safe
 * (ndislock/slist.h); the spin lock the Ex and Ndis forms take is not used,
 * as on 64-bit Windows.  A compatibility header: driver code gets it through
 * <ndis.h>.
 */
#ifndef NDISLOCK_WDK_SLIST_H
#define NDISLOCK_WDK_SLIST_H

#ifndef NDISLOCK_NDIS_H
#error "include <ndis.h>, not <ndislock/wdk_slist.h>"
#endif

#include <ndislock/slist.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ndislock_slist_entry SLIST_ENTRY, *PSLIST_ENTRY;
typedef union ndislock_slist_header SLIST_HEADER, *PSLIST_HEADER;

FORCEINLINE VOID InitializeSListHead(PSLIST_HEADER SListHead)
{
    ndislock_slist_init(SListHead);
}

FORCEINLINE VOID ExInitializeSListHead(PSLIST_HEADER SListHead)
{
    ndislock_slist_init(SListHead);
}

FORCEINLINE PSLIST_ENTRY InterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry)
{
    return ndislock_slist_push(ListHead, ListEntry);
}

FORCEINLINE PSLIST_ENTRY InterlockedPopEntrySList(PSLIST_HEADER ListHead)
{
    return ndislock_slist_pop(ListHead);
}

FORCEINLINE PSLIST_ENTRY InterlockedFlushSList(PSLIST_HEADER ListHead)
{
    return ndislock_slist_flush(ListHead);
}

FORCEINLINE USHORT QueryDepthSList(PSLIST_HEADER SListHead)
{
    return ndislock_slist_depth(SListHead);
}

FORCEINLINE USHORT ExQueryDepthSList(PSLIST_HEADER SListHead)
{
    return ndislock_slist_depth(SListHead);
}

FORCEINLINE PSLIST_ENTRY FirstEntrySList(PSLIST_HEADER SListHead)
{
    return ndislock_slist_first(SListHead);
}

FORCEINLINE PSLIST_ENTRY ExpInterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry)
{
    return ndislock_slist_push(ListHead, ListEntry);
}

FORCEINLINE PSLIST_ENTRY ExpInterlockedPopEntrySList(PSLIST_HEADER ListHead)
{
    return ndislock_slist_pop(ListHead);
}

FORCEINLINE PSLIST_ENTRY ExpInterlockedFlushSList(PSLIST_HEADER ListHead)
{
    return ndislock_slist_flush(ListHead);
}

FORCEINLINE PSLIST_ENTRY ExInterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry,
                                                     PKSPIN_LOCK Lock)
{
    (void)Lock;
    return ndislock_slist_push(ListHead, ListEntry);
}

FORCEINLINE PSLIST_ENTRY ExInterlockedPopEntrySList(PSLIST_HEADER ListHead, PKSPIN_LOCK Lock)
{
    (void)Lock;
    return ndislock_slist_pop(ListHead);
}

FORCEINLINE PSLIST_ENTRY ExInterlockedFlushSList(PSLIST_HEADER ListHead)
{
    return ndislock_slist_flush(ListHead);
}

/* NDIS: macros over the Ex forms in the WDK; functions here (the lock is unused). */
FORCEINLINE VOID NdisInitializeSListHead(PSLIST_HEADER SListHead)
{
    ndislock_slist_init(SListHead);
}

FORCEINLINE PSLIST_ENTRY NdisInterlockedPushEntrySList(PSLIST_HEADER SListHead,
                                                       PSLIST_ENTRY SListEntry,
                                                       PNDIS_SPIN_LOCK SpinLock)
{
    (void)SpinLock;
    return ndislock_slist_push(SListHead, SListEntry);
}

FORCEINLINE PSLIST_ENTRY NdisInterlockedPopEntrySList(PSLIST_HEADER SListHead,
                                                      PNDIS_SPIN_LOCK SpinLock)
{
    (void)SpinLock;
    return ndislock_slist_pop(SListHead);
}

FORCEINLINE PSLIST_ENTRY NdisInterlockedFlushSList(PSLIST_HEADER SListHead)
{
    return ndislock_slist_flush(SListHead);
}

FORCEINLINE USHORT NdisQueryDepthSList(PSLIST_HEADER SListHead)
{
    return ndislock_slist_depth(SListHead);
}

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_SLIST_H */
