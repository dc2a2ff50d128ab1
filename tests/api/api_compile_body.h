/*
 * The compile test's body, compiled as C11 (api_compile_test.c) and as C++
 * (api_compile_cxx_test.cpp) with -Wall -Wextra -Werror:
 *   - every exported function of SPEC §1 is assigned to a pointer of its
 *     WDK prototype (api_functions.h) and the fence forms of Interlocked*
 *     to pointers of their plain form's type;
 *   - every macro is used as the lone statement of an unbraced if/else;
 *   - calls in parentheses, (Name)(args), reach the functions, and calls
 *     through the pointers behave as the direct ones.
 */
#include <ndis.h>

#include "api_functions.h"
#include "check.h"

#define DECLARE_POINTER(ret, name, params) static ret (*const p_##name) params = name;
API_FUNCTIONS(DECLARE_POINTER)

/* The fence forms wdm.h has, each with its plain form's prototype. */
#define FENCE_FORMS(X)                                                          \
    X(LONG, (LONG volatile *), InterlockedIncrementAcquire, InterlockedIncrementRelease,  \
      InterlockedIncrementNoFence)                                              \
    X(LONG, (LONG volatile *), InterlockedDecrementAcquire, InterlockedDecrementRelease,  \
      InterlockedDecrementNoFence)                                              \
    X(LONG, (LONG volatile *, LONG), InterlockedExchangeAcquire, InterlockedExchangeRelease, \
      InterlockedExchangeNoFence)                                               \
    X(LONG, (LONG volatile *, LONG), InterlockedExchangeAddAcquire, InterlockedExchangeAddRelease, \
      InterlockedExchangeAddNoFence)                                            \
    X(LONG, (LONG volatile *, LONG), InterlockedAddAcquire, InterlockedAddRelease,        \
      InterlockedAddNoFence)                                                    \
    X(LONG, (LONG volatile *, LONG, LONG), InterlockedCompareExchangeAcquire,   \
      InterlockedCompareExchangeRelease, InterlockedCompareExchangeNoFence)     \
    X(LONG, (LONG volatile *, LONG), InterlockedAndAcquire, InterlockedAndRelease, InterlockedAndNoFence) \
    X(LONG, (LONG volatile *, LONG), InterlockedOrAcquire, InterlockedOrRelease, InterlockedOrNoFence) \
    X(LONG, (LONG volatile *, LONG), InterlockedXorAcquire, InterlockedXorRelease, InterlockedXorNoFence) \
    X(LONG64, (LONG64 volatile *), InterlockedIncrementAcquire64, InterlockedIncrementRelease64, \
      InterlockedIncrementNoFence64)                                            \
    X(LONG64, (LONG64 volatile *), InterlockedDecrementAcquire64, InterlockedDecrementRelease64, \
      InterlockedDecrementNoFence64)                                            \
    X(LONG64, (LONG64 volatile *, LONG64), InterlockedExchangeAcquire64,        \
      InterlockedExchangeRelease64, InterlockedExchangeNoFence64)               \
    X(LONG64, (LONG64 volatile *, LONG64), InterlockedExchangeAddAcquire64,     \
      InterlockedExchangeAddRelease64, InterlockedExchangeAddNoFence64)         \
    X(LONG64, (LONG64 volatile *, LONG64), InterlockedAddAcquire64, InterlockedAddRelease64, \
      InterlockedAddNoFence64)                                                  \
    X(LONG64, (LONG64 volatile *, LONG64, LONG64), InterlockedCompareExchangeAcquire64, \
      InterlockedCompareExchangeRelease64, InterlockedCompareExchangeNoFence64) \
    X(LONG64, (LONG64 volatile *, LONG64), InterlockedAnd64Acquire, InterlockedAnd64Release, \
      InterlockedAnd64NoFence)                                                  \
    X(LONG64, (LONG64 volatile *, LONG64), InterlockedOr64Acquire, InterlockedOr64Release, \
      InterlockedOr64NoFence)                                                   \
    X(LONG64, (LONG64 volatile *, LONG64), InterlockedXor64Acquire, InterlockedXor64Release, \
      InterlockedXor64NoFence)                                                  \
    X(PVOID, (PVOID volatile *, PVOID), InterlockedExchangePointerAcquire,      \
      InterlockedExchangePointerRelease, InterlockedExchangePointerNoFence)     \
    X(PVOID, (PVOID volatile *, PVOID, PVOID), InterlockedCompareExchangePointerAcquire, \
      InterlockedCompareExchangePointerRelease, InterlockedCompareExchangePointerNoFence)

#define DECLARE_FENCE(ret, params, a, r, n)                                     \
    static ret (*const p_##a) params = a;                                       \
    static ret (*const p_##r) params = r;                                       \
    static ret (*const p_##n) params = n;
FENCE_FORMS(DECLARE_FENCE)

#define COUNT_POINTER(ret, name, params) n += p_##name != NULL;
#define COUNT_FENCE(ret, params, a, r, f) n += (p_##a != NULL) + (p_##r != NULL) + (p_##f != NULL);

typedef struct _ITEM {
    ULONG Value;
    LIST_ENTRY Link;
} ITEM;

static int api_compile_main(void)
{
    int n = 0, expected = 0, flip = 1;
    KSPIN_LOCK k;
    NDIS_SPIN_LOCK ns;
    KIRQL old = 0, cur;
    ULONG flags = 0, u = 0;
    LARGE_INTEGER li;
    NDIS_MUTEX m;
    ITEM item;
    char buf[8] = "abcdefg";

#define ONE(ret, name, params) expected++;
#define THREE(ret, params, a, r, f) expected += 3;
    API_FUNCTIONS(ONE)
    FENCE_FORMS(THREE)
    API_FUNCTIONS(COUNT_POINTER)
    FENCE_FORMS(COUNT_FENCE)
    CHECK_EQ(n, expected);
    CHECK(expected > 200);

    /* (Name)(args) reaches the function; a pointer call behaves the same */
    (KeInitializeSpinLock)(&k);
    (NdisAllocateSpinLock)(&ns);
    old = (KeAcquireSpinLockRaiseToDpc)(&k);
    CHECK_EQ((KeGetCurrentIrql)(), DISPATCH_LEVEL);
    CHECK_EQ((KeTestSpinLock)(&k), FALSE);
    (KeReleaseSpinLock)(&k, old);
    CHECK_EQ((KeTestSpinLock)(&k), TRUE);
    old = (KfRaiseIrql)(DISPATCH_LEVEL);        /* KeRaiseIrql is a macro, as in wdm.h */
    (KeAcquireSpinLockAtDpcLevel)(&k);
    CHECK_EQ(p_KeTryToAcquireSpinLockAtDpcLevel(&k), FALSE);
    p_KeReleaseSpinLockFromDpcLevel(&k);
    CHECK_EQ(p_KeTryToAcquireSpinLockAtDpcLevel(&k), TRUE);
    (KeReleaseSpinLockFromDpcLevel)(&k);
    (KeLowerIrql)(old);
    p_NdisAcquireSpinLock(&ns);
    CHECK_EQ(p_KeGetCurrentIrql(), DISPATCH_LEVEL);
    p_NdisReleaseSpinLock(&ns);
    CHECK_EQ(p_KeGetCurrentIrql(), PASSIVE_LEVEL);
    {
        LONG v = 5;
        CHECK_EQ(p_InterlockedIncrement(&v), 6);
        CHECK_EQ(p_InterlockedCompareExchangeRelease(&v, 9, 6), 6);
        CHECK_EQ(v, 9);
        CHECK_EQ((InterlockedExchangeAdd)(&v, 1), 9);
        CHECK_EQ(p_NdisQueryDepthSList != NULL, 1);
    }

    /* the WDK's values of the IRQL flags and levels */
    CHECK_EQ(NDIS_SEND_FLAGS_DISPATCH_LEVEL, 0x1);
    CHECK_EQ(NDIS_SEND_FLAGS_CHECK_FOR_LOOPBACK, 0x2);
    CHECK_EQ(NDIS_SEND_FLAGS_SINGLE_QUEUE, 0x4);
    CHECK_EQ(NDIS_SEND_FLAGS_SWITCH_DESTINATION_GROUP, 0x10);
    CHECK_EQ(NDIS_SEND_FLAGS_SWITCH_SINGLE_SOURCE, 0x20);
    CHECK_EQ(NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL, 0x1);
    CHECK_EQ(NDIS_SEND_COMPLETE_FLAGS_SINGLE_QUEUE, 0x2);
    CHECK_EQ(NDIS_SEND_COMPLETE_FLAGS_SWITCH_SINGLE_SOURCE, 0x4);
    CHECK_EQ(NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL, 0x1);
    CHECK_EQ(NDIS_RECEIVE_FLAGS_RESOURCES, 0x2);
    CHECK_EQ(NDIS_RECEIVE_FLAGS_SINGLE_ETHER_TYPE, 0x100);
    CHECK_EQ(NDIS_RECEIVE_FLAGS_SINGLE_VLAN, 0x200);
    CHECK_EQ(NDIS_RECEIVE_FLAGS_PERFECT_FILTERED, 0x400);
    CHECK_EQ(NDIS_RECEIVE_FLAGS_SINGLE_QUEUE, 0x800);
    CHECK_EQ(NDIS_RECEIVE_FLAGS_SHARED_MEMORY_INFO_VALID, 0x1000);
    CHECK_EQ(NDIS_RECEIVE_FLAGS_MORE_NBLS, 0x2000);
    CHECK_EQ(NDIS_RECEIVE_FLAGS_SWITCH_DESTINATION_GROUP, 0x4000);
    CHECK_EQ(NDIS_RECEIVE_FLAGS_SWITCH_SINGLE_SOURCE, 0x8000);
    CHECK_EQ(NDIS_RETURN_FLAGS_DISPATCH_LEVEL, 0x1);
    CHECK_EQ(NDIS_RETURN_FLAGS_SINGLE_QUEUE, 0x2);
    CHECK_EQ(NDIS_RETURN_FLAGS_SWITCH_SINGLE_SOURCE, 0x4);
    CHECK_EQ(NDIS_RWL_AT_DISPATCH_LEVEL, 0x1);
    CHECK_EQ(STATUS_TIMEOUT, 0x102);
    CHECK_EQ(sizeof(KSPIN_LOCK), sizeof(void *));
    CHECK_EQ(sizeof(ULONG), 4u);
    CHECK_EQ(sizeof(PROCESSOR_NUMBER), 4u);
    CHECK_EQ(sizeof(NDIS_OBJECT_HEADER), 4u);
    CHECK_EQ(sizeof(EX_SPIN_LOCK), 4u);

    /* every macro as the lone statement of an unbraced if/else */
    if (flip)
        KeAcquireSpinLock(&k, &old);
    else
        KeAcquireSpinLock(&k, &old);
    if (flip)
        KeReleaseSpinLock(&k, old);
    else
        KeReleaseSpinLock(&k, old);
    if (flip)
        KeInitializeSpinLock(&k);
    else
        NdisAllocateSpinLock(&ns);
    if (flip)
        NdisAllocateSpinLock(&ns);
    else
        KeInitializeSpinLock(&k);
    if (flip)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    else
        NDIS_RAISE_IRQL_TO_DISPATCH(&old);
    cur = NDIS_CURRENT_IRQL();
    CHECK_EQ(cur, DISPATCH_LEVEL);
    if (!flip)
        NDIS_RAISE_IRQL_TO_DISPATCH(&old);
    else
        NDIS_LOWER_IRQL(old, cur);
    CHECK_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    if (flip)
        PAGED_CODE();
    else
        PAGED_CODE_LOCKED();
    if (!flip)
        PAGED_CODE();
    else
        PAGED_CODE_LOCKED();
    if (flip)
        NDIS_SET_SEND_FLAG(flags, NDIS_SEND_FLAGS_DISPATCH_LEVEL);
    else
        NDIS_CLEAR_SEND_FLAG(flags, NDIS_SEND_FLAGS_DISPATCH_LEVEL);
    CHECK(NDIS_TEST_SEND_AT_DISPATCH_LEVEL(flags));
    CHECK(NDIS_TEST_SEND_FLAG(flags, NDIS_SEND_FLAGS_DISPATCH_LEVEL));
    if (flip)
        NDIS_CLEAR_SEND_FLAG(flags, NDIS_SEND_FLAGS_DISPATCH_LEVEL);
    else
        NDIS_SET_SEND_FLAG(flags, NDIS_SEND_FLAGS_DISPATCH_LEVEL);
    CHECK(!NDIS_TEST_SEND_AT_DISPATCH_LEVEL(flags));
    if (flip)
        NDIS_SET_SEND_COMPLETE_FLAG(flags, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL);
    else
        NDIS_SET_RETURN_FLAG(flags, NDIS_RETURN_FLAGS_DISPATCH_LEVEL);
    CHECK(NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(flags));
    CHECK(NDIS_TEST_SEND_COMPLETE_FLAG(flags, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL));
    flags = 0;
    if (flip)
        NDIS_SET_RECEIVE_FLAG(flags, NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL);
    else
        NDIS_SET_RECEIVE_FLAG(flags, NDIS_RECEIVE_FLAGS_RESOURCES);
    CHECK(NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(flags));
    CHECK(NDIS_TEST_RECEIVE_FLAG(flags, NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL));
    CHECK(NDIS_TEST_RECEIVE_CAN_PEND(flags));
    CHECK(!NDIS_TEST_RECEIVE_CANNOT_PEND(flags));
    flags = 0;
    if (flip)
        NDIS_SET_RETURN_FLAG(flags, NDIS_RETURN_FLAGS_DISPATCH_LEVEL);
    else
        NDIS_SET_SEND_FLAG(flags, NDIS_SEND_FLAGS_CHECK_FOR_LOOPBACK);
    CHECK(NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(flags));
    CHECK(NDIS_TEST_RETURN_FLAG(flags, NDIS_RETURN_FLAGS_DISPATCH_LEVEL));
    if (flip)
        NDIS_INIT_MUTEX(&m);
    else
        NDIS_INIT_MUTEX(&m);
    if (flip)
        NDIS_WAIT_FOR_MUTEX(&m);
    else
        NDIS_WAIT_FOR_MUTEX(&m);
    if (flip)
        NDIS_RELEASE_MUTEX(&m);
    else
        NDIS_RELEASE_MUTEX(&m);
    li.QuadPart = 0;
    if (flip)
        KeWaitForMutexObject(&m, Executive, KernelMode, FALSE, &li);
    else
        KeWaitForMutexObject(&m, Executive, KernelMode, FALSE, NULL);
    CHECK_EQ(KeReleaseMutex(&m, FALSE), 0);     /* the poll above took it */
    if (flip)
        KeQuerySystemTime(&li);
    else
        KeQuerySystemTime(&li);
    CHECK(li.QuadPart > 0);
    if (flip)
        NdisZeroMemory(buf, 3);
    else
        NdisMoveMemory(buf, buf + 1, 3);
    CHECK(buf[0] == 0 && buf[2] == 0 && buf[3] == 'd');
    if (!flip)
        NdisZeroMemory(buf, 3);
    else
        NdisMoveMemory(buf, buf + 3, 2);
    CHECK(buf[0] == 'd' && buf[1] == 'e');
    if (flip)
        NdisInitializeListHead(&item.Link);
    else
        InitializeListHead(&item.Link);
    CHECK(CONTAINING_RECORD(&item.Link, ITEM, Link) == &item);
    CHECK_EQ(FIELD_OFFSET(ITEM, Link), (LONG)offsetof(ITEM, Link));
    if (flip)
        ASSERT(IsListEmpty(&item.Link));
    else
        NT_ASSERT(IsListEmpty(&item.Link));
    if (flip)
        ASSERTMSG("still empty", IsListEmpty(&item.Link));
    else
        ASSERT(flip);
    if (!flip)
        KdPrint(("never printed %d\n", flip));
    else
        UNREFERENCED_PARAMETER(u);
    if (flip)
        YieldProcessor();
    else
        KeMemoryBarrier();
    CHECK(NDIS_CURRENT_PROCESSOR_NUMBER < KeQueryActiveProcessorCount(NULL));
    NdisFreeSpinLock(&ns);
    return n;
}
