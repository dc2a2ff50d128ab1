/*
 * ndislock/slist.h - the sequenced singly linked list (SLIST_HEADER): a
 * lock-free LIFO, ABA-safe, any IRQL.  Native API; driver code uses the
 * Windows names of ndislock/wdk_slist.h.
 *
 * Header (16 bytes, 16-byte aligned, the x64 WDK layout):
 *   Alignment  bits 0-15  Depth: entries on the list (wraps at 65536, a USHORT)
 *              bits 16-63 Sequence: +1 on every push, pop and flush
 *   Region     the first entry's address (entries are 16-byte aligned, so
 *              HeaderX64.NextEntry = address >> 4 as in the WDK)
 * Every change replaces all 128 bits with one double-width compare-and-swap
 * (cmpxchg16b on x86-64, ldaxp/stlxp on aarch64), so a pop that read an
 * entry which was popped and pushed again meanwhile fails on the sequence
 * and retries: no ABA.  As on Windows, a pop may read the Next field of an
 * entry another thread has just popped; such memory must stay mapped (free
 * entries to a pool, or keep them allocated while the list is in use).
 */
#ifndef NDISLOCK_SLIST_H
#define NDISLOCK_SLIST_H

#include <ndislock/atomic.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SLIST_ENTRY (DECLSPEC_ALIGN(16) on x64). */
struct __attribute__((aligned(16))) ndislock_slist_entry {
    struct ndislock_slist_entry *Next;
};

/* SLIST_HEADER; the field names are the WDK's because drivers may use them. */
union __attribute__((aligned(16))) ndislock_slist_header {
    struct {
        uint64_t Alignment;
        uint64_t Region;
    };
    struct {
        uint64_t Depth : 16;
        uint64_t Sequence : 48;
        uint64_t Reserved : 4;
        uint64_t NextEntry : 60;
    } HeaderX64;
};

/* InitializeSListHead: empty, sequence 0.  Not atomic: before any concurrent use. */
NDISLOCK_INLINE void ndislock_slist_init(union ndislock_slist_header *h)
{
    ndislock_pr_store(&h->Alignment, 0, NDISLOCK_RELAXED);
    ndislock_pr_store(&h->Region, 0, NDISLOCK_RELAXED);
}

/* QueryDepthSList: the number of entries (a snapshot). */
NDISLOCK_INLINE uint16_t ndislock_slist_depth(union ndislock_slist_header *h)
{
    return (uint16_t)(ndislock_pr_load(&h->Alignment, NDISLOCK_RELAXED) & 0xffffu);
}

/* FirstEntrySList: the first entry or NULL (a snapshot; it may be popped at once). */
NDISLOCK_INLINE struct ndislock_slist_entry *ndislock_slist_first(union ndislock_slist_header *h)
{
    return (struct ndislock_slist_entry *)(uintptr_t)ndislock_pr_load(&h->Region, NDISLOCK_RELAXED);
}

/* InterlockedPushEntrySList: pushes e; returns the previous first entry (NULL if empty). */
NDISLOCK_API struct ndislock_slist_entry *ndislock_slist_push(union ndislock_slist_header *h,
                                                              struct ndislock_slist_entry *e);
/* InterlockedPopEntrySList: the first entry, removed, or NULL if empty. */
NDISLOCK_API struct ndislock_slist_entry *ndislock_slist_pop(union ndislock_slist_header *h);
/* InterlockedFlushSList: takes every entry at once; returns the first (its chain) or NULL. */
NDISLOCK_API struct ndislock_slist_entry *ndislock_slist_flush(union ndislock_slist_header *h);

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_SLIST_H */
