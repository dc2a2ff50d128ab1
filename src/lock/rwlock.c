/*
 * The NDIS 6.20 reader/writer lock (NdisAllocateRWLock and friends).
 *
 * word: bit 31 = held for write, bits 0-30 = number of readers.
 * A writer announces itself in writers_waiting; new readers step aside for
 * it, but only for a bounded spin, so a thread that re-reads a lock it
 * already holds for read (which NDIS allows) cannot deadlock behind a waiting
 * writer.  A writer may also take the lock for read (READ_IN_WRITE, a no-op).
 * Waiting spins, then yields the CPU: on 2 cores a preempted holder must get
 * to run.  Acquire orders on the word guard the data.
 */
#include <ndislock/contexts.h>

#include <sched.h>
#include <stdlib.h>

#define RW_WRITER       0x80000000u
#define RW_POLITE_SPINS 4096        /* how long a new reader defers to a waiting writer */

static void rw_backoff(unsigned *spins)
{
    if (++*spins < 64)
        ndislock_pr_pause();
    else
        sched_yield();
}

struct ndislock_rwlock *ndislock_rwlock_create(void)
{
    return calloc(1, sizeof(struct ndislock_rwlock));
}

void ndislock_rwlock_free(struct ndislock_rwlock *l)
{
    free(l);
}

static void rw_enter_irql(struct ndislock_rw_state *s, unsigned flags)
{
    s->Flags = (uint8_t)flags;
    if (flags & NDISLOCK_RWL_AT_DISPATCH)
        s->OldIrql = ndislock_irql_current();   /* caller says it is at DISPATCH already */
    else
        s->OldIrql = ndislock_irql_raise(NDISLOCK_DISPATCH_LEVEL);
}

void ndislock_rwlock_read(struct ndislock_rwlock *l, struct ndislock_rw_state *s, unsigned flags)
{
    unsigned spins = 0, polite = 0;

    rw_enter_irql(s, flags);
    if (ndislock_pr_load(&l->writer, NDISLOCK_RELAXED) == (const void *)&ndislock_tls) {
        s->LockState = NDISLOCK_RWS_READ_IN_WRITE;
        return;
    }
    for (;;) {
        uint32_t w = ndislock_pr_load(&l->word, NDISLOCK_RELAXED);

        if (!(w & RW_WRITER) &&
            (polite >= RW_POLITE_SPINS ||
             ndislock_pr_load(&l->writers_waiting, NDISLOCK_RELAXED) == 0) &&
            __atomic_compare_exchange_n(&l->word, &w, w + 1, 1, NDISLOCK_ACQUIRE,
                                        NDISLOCK_RELAXED))
            break;
        polite++;
        rw_backoff(&spins);
    }
    s->LockState = NDISLOCK_RWS_READ;
}

void ndislock_rwlock_write(struct ndislock_rwlock *l, struct ndislock_rw_state *s, unsigned flags)
{
    unsigned spins = 0;

    rw_enter_irql(s, flags);
    if (!ndislock_pr_cas(&l->word, 0u, RW_WRITER, NDISLOCK_ACQUIRE)) {
        ndislock_pr_faa(&l->writers_waiting, 1u, NDISLOCK_RELAXED);
        while (!ndislock_pr_cas(&l->word, 0u, RW_WRITER, NDISLOCK_ACQUIRE))
            rw_backoff(&spins);
        ndislock_pr_fas(&l->writers_waiting, 1u, NDISLOCK_RELAXED);
    }
    ndislock_pr_store(&l->writer, (const void *)&ndislock_tls, NDISLOCK_RELAXED);
    s->LockState = NDISLOCK_RWS_WRITE;
}

void ndislock_rwlock_release(struct ndislock_rwlock *l, struct ndislock_rw_state *s)
{
    switch (s->LockState) {
    case NDISLOCK_RWS_READ:
        ndislock_pr_fas(&l->word, 1u, NDISLOCK_RELEASE);
        break;
    case NDISLOCK_RWS_WRITE:
        ndislock_pr_store(&l->writer, (const void *)NULL, NDISLOCK_RELAXED);
        ndislock_pr_store(&l->word, 0u, NDISLOCK_RELEASE);
        break;
    default:    /* READ_IN_WRITE: nothing was taken */
        break;
    }
    s->LockState = NDISLOCK_RWS_FREE;
    if (!(s->Flags & NDISLOCK_RWL_AT_DISPATCH))
        ndislock_irql_lower(s->OldIrql);
}
