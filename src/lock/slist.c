/*
 * SLists: push, pop and flush with one 128-bit compare-and-swap of the
 * header (encoding in ndislock/slist.h).  Inline assembly, not
 * __atomic_compare_exchange_n on __int128: GCC compiles that to a libatomic
 * call on both targets, which is not guaranteed lock-free.
 */
#include <ndislock/slist.h>

#if defined(__SANITIZE_THREAD__)
#define SLIST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLIST_TSAN 1
#endif
#endif

#ifdef SLIST_TSAN
/* TSan does not see the assembly: the CAS's release/acquire is stated explicitly. */
#include <sanitizer/tsan_interface.h>
#define SLIST_RELEASE(h) __tsan_release(h)
#define SLIST_ACQUIRE(h) __tsan_acquire(h)
#else
#define SLIST_RELEASE(h) ((void)(h))
#define SLIST_ACQUIRE(h) ((void)(h))
#endif

/* Replaces {lo, hi} by {nlo, nhi} if the header still holds {lo, hi}; acquire and release. */
static int cas128(union ndislock_slist_header *h, uint64_t lo, uint64_t hi, uint64_t nlo,
                  uint64_t nhi)
{
#if defined(__x86_64__)
    unsigned char ok;

    /* lock cmpxchg16b: a full barrier */
    __asm__ __volatile__("lock cmpxchg16b %1"
                         : "=@ccz"(ok), "+m"(*h), "+a"(lo), "+d"(hi)
                         : "b"(nlo), "c"(nhi)
                         : "memory");
    return ok;
#elif defined(__aarch64__)
    uint64_t olo, ohi;
    uint32_t fail;

    /* load-acquire exclusive pair, compare, store-release exclusive pair; retry on a lost
     * reservation; on a mismatch the reservation is cleared */
    __asm__ __volatile__("1: ldaxp %0, %1, %3\n"
                         "   cmp %0, %4\n"
                         "   ccmp %1, %5, #0, eq\n"
                         "   b.ne 2f\n"
                         "   stlxp %w2, %6, %7, %3\n"
                         "   cbnz %w2, 1b\n"
                         "   b 3f\n"
                         "2: clrex\n"
                         "   mov %w2, #1\n"
                         "3:"
                         : "=&r"(olo), "=&r"(ohi), "=&r"(fail), "+Q"(*h)
                         : "r"(lo), "r"(hi), "r"(nlo), "r"(nhi)
                         : "cc", "memory");
    return fail == 0;
#else
    unsigned __int128 expected = (unsigned __int128)hi << 64 | lo;
    unsigned __int128 desired = (unsigned __int128)nhi << 64 | nlo;

    return __atomic_compare_exchange_n((unsigned __int128 *)(void *)h, &expected, desired, 0,
                                       __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
#endif
}

/* Depth and sequence of the next header: depth + delta, sequence + 1 (both wrap). */
static uint64_t next_lo(uint64_t lo, int delta)
{
    uint64_t depth = (lo + (uint64_t)(int64_t)delta) & 0xffffu;

    return ((lo & ~(uint64_t)0xffffu) + 0x10000u) | depth;
}

/*
 * Two 64-bit loads, not one atomic 128-bit read: a torn pair can only make
 * the CAS below fail, because the CAS compares all 128 bits at once.
 */
#define READ_HEADER(h, lo, hi)                                                  \
    do {                                                                        \
        (lo) = ndislock_pr_load(&(h)->Alignment, NDISLOCK_RELAXED);             \
        (hi) = ndislock_pr_load(&(h)->Region, NDISLOCK_RELAXED);                \
    } while (0)

struct ndislock_slist_entry *ndislock_slist_push(union ndislock_slist_header *h,
                                                 struct ndislock_slist_entry *e)
{
    uint64_t lo, hi;

    SLIST_RELEASE(h);
    do {
        READ_HEADER(h, lo, hi);
        /* atomic: a concurrent pop may read Next of an entry it saw first */
        ndislock_pr_store(&e->Next, (struct ndislock_slist_entry *)(uintptr_t)hi,
                          NDISLOCK_RELAXED);
    } while (!cas128(h, lo, hi, next_lo(lo, 1), (uint64_t)(uintptr_t)e));
    return (struct ndislock_slist_entry *)(uintptr_t)hi;
}

struct ndislock_slist_entry *ndislock_slist_pop(union ndislock_slist_header *h)
{
    uint64_t lo, hi;
    struct ndislock_slist_entry *first, *next;

    do {
        READ_HEADER(h, lo, hi);
        first = (struct ndislock_slist_entry *)(uintptr_t)hi;
        if (first == NULL)
            return NULL;
        /* may be stale (first popped meanwhile): then the sequence changed and the CAS fails */
        next = ndislock_pr_load(&first->Next, NDISLOCK_RELAXED);
    } while (!cas128(h, lo, hi, next_lo(lo, -1), (uint64_t)(uintptr_t)next));
    SLIST_ACQUIRE(h);
    return first;
}

struct ndislock_slist_entry *ndislock_slist_flush(union ndislock_slist_header *h)
{
    uint64_t lo, hi;

    do {
        READ_HEADER(h, lo, hi);
        if (hi == 0)
            return NULL;
    } while (!cas128(h, lo, hi, next_lo(lo, 0) & ~(uint64_t)0xffffu, 0));
    SLIST_ACQUIRE(h);
    return (struct ndislock_slist_entry *)(uintptr_t)hi;
}
