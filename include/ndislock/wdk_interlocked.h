/*
 * ndislock/wdk_interlocked.h - the Interlocked* family of wdm.h, the memory
 * barriers, and the NdisInterlocked* / ExInterlocked* counters and lists.
 * A compatibility header: driver code gets it through <ndis.h>.
 *
 * Interlocked*: each is one __atomic builtin on the WDK's types.  The plain
 * form is a full barrier (sequentially consistent), as on Windows; the
 * Acquire / Release / NoFence forms use acquire, release and relaxed order
 * (a failed CompareExchange is relaxed in the Release form: C11 allows no
 * release on a load).  Increment, Decrement and Add return the new value;
 * Exchange, ExchangeAdd, CompareExchange, And, Or and Xor the old one.
 * ExInterlocked* and NdisInterlocked* take their spin lock for the one
 * operation and are allowed at any IRQL.
 */
#ifndef NDISLOCK_WDK_INTERLOCKED_H
#define NDISLOCK_WDK_INTERLOCKED_H

#ifndef NDISLOCK_NDIS_H
#error "include <ndis.h>, not <ndislock/wdk_interlocked.h>"
#endif

#include <ndislock/interlocked.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(suffix, order, failure order of a compare-exchange, ...) for each fence form. */
#define NDISLOCK__IL_FORMS(X, ...)                                              \
    X(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, __VA_ARGS__)                        \
    X(Acquire, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE, __VA_ARGS__)                 \
    X(Release, __ATOMIC_RELEASE, __ATOMIC_RELAXED, __VA_ARGS__)                 \
    X(NoFence, __ATOMIC_RELAXED, __ATOMIC_RELAXED, __VA_ARGS__)

/* One function per (operation, form, width); W = "" / 8 / 16 / 64 as wdm.h spells them. */
#define NDISLOCK__IL_INCREMENT(Sfx, MO, FMO, T, W)                              \
    FORCEINLINE T InterlockedIncrement##Sfx##W(T volatile *Addend)              \
    { return __atomic_add_fetch(Addend, 1, MO); }
#define NDISLOCK__IL_DECREMENT(Sfx, MO, FMO, T, W)                              \
    FORCEINLINE T InterlockedDecrement##Sfx##W(T volatile *Addend)              \
    { return __atomic_sub_fetch(Addend, 1, MO); }
#define NDISLOCK__IL_EXCHANGE(Sfx, MO, FMO, T, W)                               \
    FORCEINLINE T InterlockedExchange##Sfx##W(T volatile *Target, T Value)      \
    { return __atomic_exchange_n(Target, Value, MO); }
#define NDISLOCK__IL_EXCHANGE_ADD(Sfx, MO, FMO, T, W)                           \
    FORCEINLINE T InterlockedExchangeAdd##Sfx##W(T volatile *Addend, T Value)   \
    { return __atomic_fetch_add(Addend, Value, MO); }
#define NDISLOCK__IL_ADD(Sfx, MO, FMO, T, W)                                    \
    FORCEINLINE T InterlockedAdd##Sfx##W(T volatile *Addend, T Value)           \
    { return __atomic_add_fetch(Addend, Value, MO); }
#define NDISLOCK__IL_COMPARE_EXCHANGE(Sfx, MO, FMO, T, W)                       \
    FORCEINLINE T InterlockedCompareExchange##Sfx##W(T volatile *Destination,   \
                                                     T ExChange, T Comperand)   \
    {                                                                           \
        __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, MO, FMO); \
        return Comperand;   /* the value *Destination had */                    \
    }
/* And / Or / Xor put the width before the suffix: InterlockedAnd64Acquire. */
#define NDISLOCK__IL_AND(Sfx, MO, FMO, T, W)                                    \
    FORCEINLINE T InterlockedAnd##W##Sfx(T volatile *Destination, T Value)      \
    { return __atomic_fetch_and(Destination, Value, MO); }
#define NDISLOCK__IL_OR(Sfx, MO, FMO, T, W)                                     \
    FORCEINLINE T InterlockedOr##W##Sfx(T volatile *Destination, T Value)       \
    { return __atomic_fetch_or(Destination, Value, MO); }
#define NDISLOCK__IL_XOR(Sfx, MO, FMO, T, W)                                    \
    FORCEINLINE T InterlockedXor##W##Sfx(T volatile *Destination, T Value)      \
    { return __atomic_fetch_xor(Destination, Value, MO); }

/* 32-bit (LONG) and 64-bit (LONG64), every fence form. */
#define NDISLOCK__IL_WIDTH(T, W)                                                \
    NDISLOCK__IL_FORMS(NDISLOCK__IL_INCREMENT, T, W)                            \
    NDISLOCK__IL_FORMS(NDISLOCK__IL_DECREMENT, T, W)                            \
    NDISLOCK__IL_FORMS(NDISLOCK__IL_EXCHANGE, T, W)                             \
    NDISLOCK__IL_FORMS(NDISLOCK__IL_EXCHANGE_ADD, T, W)                         \
    NDISLOCK__IL_FORMS(NDISLOCK__IL_ADD, T, W)                                  \
    NDISLOCK__IL_FORMS(NDISLOCK__IL_COMPARE_EXCHANGE, T, W)                     \
    NDISLOCK__IL_FORMS(NDISLOCK__IL_AND, T, W)                                  \
    NDISLOCK__IL_FORMS(NDISLOCK__IL_OR, T, W)                                   \
    NDISLOCK__IL_FORMS(NDISLOCK__IL_XOR, T, W)

NDISLOCK__IL_WIDTH(LONG, )
NDISLOCK__IL_WIDTH(LONG64, 64)

/* 8- and 16-bit: the full-barrier forms wdm.h has. */
NDISLOCK__IL_AND(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, CHAR, 8)
NDISLOCK__IL_OR(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, CHAR, 8)
NDISLOCK__IL_XOR(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, CHAR, 8)
NDISLOCK__IL_EXCHANGE(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, CHAR, 8)
NDISLOCK__IL_AND(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, SHORT, 16)
NDISLOCK__IL_OR(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, SHORT, 16)
NDISLOCK__IL_XOR(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, SHORT, 16)
NDISLOCK__IL_EXCHANGE(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, SHORT, 16)
NDISLOCK__IL_INCREMENT(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, SHORT, 16)
NDISLOCK__IL_DECREMENT(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, SHORT, 16)
NDISLOCK__IL_COMPARE_EXCHANGE(, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST, SHORT, 16)

/* Pointers. */
#define NDISLOCK__IL_POINTER(Sfx, MO, FMO, unused)                              \
    FORCEINLINE PVOID InterlockedExchangePointer##Sfx(PVOID volatile *Target, PVOID Value) \
    { return __atomic_exchange_n(Target, Value, MO); }                          \
    FORCEINLINE PVOID InterlockedCompareExchangePointer##Sfx(PVOID volatile *Destination, \
                                                             PVOID ExChange, PVOID Comperand) \
    {                                                                           \
        __atomic_compare_exchange_n(Destination, &Comperand, ExChange, 0, MO, FMO); \
        return Comperand;                                                       \
    }
NDISLOCK__IL_FORMS(NDISLOCK__IL_POINTER, 0)

/* SIZE_T counters. */
FORCEINLINE SIZE_T InterlockedExchangeAddSizeT(SIZE_T volatile *Addend, SIZE_T Value)
{
    return __atomic_fetch_add(Addend, Value, __ATOMIC_SEQ_CST);
}

FORCEINLINE SIZE_T InterlockedIncrementSizeT(SIZE_T volatile *Addend)
{
    return __atomic_add_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}

FORCEINLINE SIZE_T InterlockedDecrementSizeT(SIZE_T volatile *Addend)
{
    return __atomic_sub_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}

/* Bit test and set / reset: the bit's old value. */
FORCEINLINE BOOLEAN InterlockedBitTestAndSet(LONG volatile *Base, LONG Offset)
{
    LONG bit = (LONG)(1u << (Offset & 31));

    return (BOOLEAN)((__atomic_fetch_or(Base + (Offset >> 5), bit, __ATOMIC_SEQ_CST) & bit) != 0);
}

FORCEINLINE BOOLEAN InterlockedBitTestAndReset(LONG volatile *Base, LONG Offset)
{
    LONG bit = (LONG)(1u << (Offset & 31));

    return (BOOLEAN)((__atomic_fetch_and(Base + (Offset >> 5), ~bit, __ATOMIC_SEQ_CST) & bit) != 0);
}

FORCEINLINE BOOLEAN InterlockedBitTestAndSet64(LONG64 volatile *Base, LONG64 Offset)
{
    LONG64 bit = (LONG64)((ULONG64)1 << (Offset & 63));

    return (BOOLEAN)((__atomic_fetch_or(Base + (Offset >> 6), bit, __ATOMIC_SEQ_CST) & bit) != 0);
}

FORCEINLINE BOOLEAN InterlockedBitTestAndReset64(LONG64 volatile *Base, LONG64 Offset)
{
    LONG64 bit = (LONG64)((ULONG64)1 << (Offset & 63));

    return (BOOLEAN)((__atomic_fetch_and(Base + (Offset >> 6), ~bit, __ATOMIC_SEQ_CST) & bit) != 0);
}

/* ---- Barriers ---- */

/* No load or store moves across it, in the compiler or the CPU. */
FORCEINLINE VOID KeMemoryBarrier(VOID)
{
    ndislock_memory_barrier();
}

/* The compiler's half only. */
FORCEINLINE VOID KeMemoryBarrierWithoutFence(VOID)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

FORCEINLINE VOID MemoryBarrier(VOID)
{
    ndislock_memory_barrier();
}

#define YieldProcessor() ndislock_pr_pause()

/* ---- NdisInterlocked* ---- */

/* Macros over InterlockedIncrement / Decrement in the WDK, so drivers pass
 * volatile counters too: the parameter is the Interlocked one. */
FORCEINLINE LONG NdisInterlockedIncrement(LONG volatile *Addend)
{
    return InterlockedIncrement(Addend);
}

FORCEINLINE LONG NdisInterlockedDecrement(LONG volatile *Addend)
{
    return InterlockedDecrement(Addend);
}

FORCEINLINE VOID NdisInterlockedAddUlong(PULONG Addend, ULONG Increment, PNDIS_SPIN_LOCK SpinLock)
{
    (void)ndislock_interlocked_add_ulong(Addend, Increment, &SpinLock->SpinLock,
                                         "NdisInterlockedAddUlong");
}

FORCEINLINE VOID NdisInterlockedAddLargeStatistic(PLARGE_INTEGER Addend, ULONG Increment)
{
    ndislock_interlocked_add_large(&Addend->QuadPart, Increment);
}

FORCEINLINE PLIST_ENTRY NdisInterlockedInsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                      PNDIS_SPIN_LOCK SpinLock)
{
    return ndislock_interlocked_insert_head(ListHead, ListEntry, &SpinLock->SpinLock,
                                            "NdisInterlockedInsertHeadList");
}

FORCEINLINE PLIST_ENTRY NdisInterlockedInsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                      PNDIS_SPIN_LOCK SpinLock)
{
    return ndislock_interlocked_insert_tail(ListHead, ListEntry, &SpinLock->SpinLock,
                                            "NdisInterlockedInsertTailList");
}

FORCEINLINE PLIST_ENTRY NdisInterlockedRemoveHeadList(PLIST_ENTRY ListHead, PNDIS_SPIN_LOCK SpinLock)
{
    return ndislock_interlocked_remove_head(ListHead, &SpinLock->SpinLock,
                                            "NdisInterlockedRemoveHeadList");
}

FORCEINLINE PSINGLE_LIST_ENTRY NdisInterlockedPushEntryList(PSINGLE_LIST_ENTRY ListHead,
                                                            PSINGLE_LIST_ENTRY ListEntry,
                                                            PNDIS_SPIN_LOCK Lock)
{
    return ndislock_interlocked_push(ListHead, ListEntry, &Lock->SpinLock,
                                     "NdisInterlockedPushEntryList");
}

FORCEINLINE PSINGLE_LIST_ENTRY NdisInterlockedPopEntryList(PSINGLE_LIST_ENTRY ListHead,
                                                           PNDIS_SPIN_LOCK Lock)
{
    return ndislock_interlocked_pop(ListHead, &Lock->SpinLock, "NdisInterlockedPopEntryList");
}

/* ---- ExInterlocked* ---- */

FORCEINLINE ULONG ExInterlockedAddUlong(PULONG Addend, ULONG Increment, PKSPIN_LOCK Lock)
{
    return ndislock_interlocked_add_ulong(Addend, Increment, Lock, "ExInterlockedAddUlong");
}

FORCEINLINE LARGE_INTEGER ExInterlockedAddLargeInteger(PLARGE_INTEGER Addend,
                                                       LARGE_INTEGER Increment, PKSPIN_LOCK Lock)
{
    LARGE_INTEGER old;

    old.QuadPart = ndislock_interlocked_add_large_locked(&Addend->QuadPart, Increment.QuadPart,
                                                         Lock, "ExInterlockedAddLargeInteger");
    return old;
}

/* Lock-free on 64-bit Windows too (an interlocked add). */
FORCEINLINE VOID ExInterlockedAddLargeStatistic(PLARGE_INTEGER Addend, ULONG Increment)
{
    ndislock_interlocked_add_large(&Addend->QuadPart, Increment);
}

/* Lock-free on 64-bit Windows too: Lock is not used. */
FORCEINLINE LONGLONG ExInterlockedCompareExchange64(LONGLONG volatile *Destination,
                                                    PLONGLONG ExChange, PLONGLONG Comperand,
                                                    PKSPIN_LOCK Lock)
{
    (void)Lock;
    return InterlockedCompareExchange64(Destination, *ExChange, *Comperand);
}

FORCEINLINE PLIST_ENTRY ExInterlockedInsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                    PKSPIN_LOCK Lock)
{
    return ndislock_interlocked_insert_head(ListHead, ListEntry, Lock, "ExInterlockedInsertHeadList");
}

FORCEINLINE PLIST_ENTRY ExInterlockedInsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                    PKSPIN_LOCK Lock)
{
    return ndislock_interlocked_insert_tail(ListHead, ListEntry, Lock, "ExInterlockedInsertTailList");
}

FORCEINLINE PLIST_ENTRY ExInterlockedRemoveHeadList(PLIST_ENTRY ListHead, PKSPIN_LOCK Lock)
{
    return ndislock_interlocked_remove_head(ListHead, Lock, "ExInterlockedRemoveHeadList");
}

FORCEINLINE PSINGLE_LIST_ENTRY ExInterlockedPushEntryList(PSINGLE_LIST_ENTRY ListHead,
                                                          PSINGLE_LIST_ENTRY ListEntry,
                                                          PKSPIN_LOCK Lock)
{
    return ndislock_interlocked_push(ListHead, ListEntry, Lock, "ExInterlockedPushEntryList");
}

FORCEINLINE PSINGLE_LIST_ENTRY ExInterlockedPopEntryList(PSINGLE_LIST_ENTRY ListHead,
                                                         PKSPIN_LOCK Lock)
{
    return ndislock_interlocked_pop(ListHead, Lock, "ExInterlockedPopEntryList");
}

#ifdef __cplusplus
}
#endif

#endif /* NDISLOCK_WDK_INTERLOCKED_H */
