/*
 * Independent locks scale under the verifier only if the checked pair writes
 * no cache line that another thread's pair writes too.  Expect, for two
 * threads each taking its own lock of one class with verify=1: what the
 * pairs read of shared state (the options and calibration lines of
 * ndislock__v, the two lock records) is byte for byte unchanged by 2 x
 * 100000 pairs, timed ones included, and what each thread writes (its
 * v_thread with the inline held-lock stack, its statistics block of the
 * class) lies on whole cache lines of its own.
 */
#define _GNU_SOURCE
#include "check.h"

#include <ndis.h>
#include <ndislock/verifier.h>

#include "verifier/internal.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define PAIRS 100000

struct qlock {                          /* as a per-queue lock in its own queue structure */
    NDIS_SPIN_LOCK l;
} __attribute__((aligned(64)));

static struct qlock locks[2];
static struct v_thread *vt[2];
static pthread_barrier_t phase;

static void pairs(NDIS_SPIN_LOCK *l, int n)
{
    for (int i = 0; i < n; i++) {
        NdisAcquireSpinLock(l);
        NdisReleaseSpinLock(l);
    }
}

static void *worker(void *arg)
{
    int i = (int)(intptr_t)arg;

    pairs(&locks[i].l, 1000);           /* first uses: record, lock cache, statistics block */
    vt[i] = ndislock__vt;
    pthread_barrier_wait(&phase);       /* main takes its snapshots */
    pthread_barrier_wait(&phase);
    pairs(&locks[i].l, PAIRS);
    pthread_barrier_wait(&phase);       /* main compares */
    pthread_barrier_wait(&phase);       /* this thread's state stays until main has looked */
    return NULL;
}

static int lines_own(const void *p, size_t n)
{
    (void)n;
    return ((uintptr_t)p & 63) == 0;    /* whole lines from p on: v_line_alloc rounds n up */
}

int main(void)
{
    pthread_t th[2];
    struct v_lock rec[2];
    struct v_lock *lk[2];
    unsigned char global[offsetof(struct v_state, errors)];

    CHECK_EQ(ndislock_verifier_configure("verify=1:halt_on_error=0:hold_sample=4"), 0);
    for (int i = 0; i < 2; i++)
        NdisAllocateSpinLock(&locks[i].l);          /* one site: one class */
    pthread_barrier_init(&phase, NULL, 3);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i), 0);
    pthread_barrier_wait(&phase);
    for (int i = 0; i < 2; i++) {
        lk[i] = ndislock__v_lock_find((uintptr_t)&locks[i].l);
        CHECK(lk[i] != NULL);
        memcpy(&rec[i], lk[i], sizeof rec[i]);
    }
    CHECK(lk[0]->cls == lk[1]->cls);
    memcpy(global, &ndislock__v, sizeof global);
    pthread_barrier_wait(&phase);
    pthread_barrier_wait(&phase);

    for (int i = 0; i < 2; i++)
        CHECK(memcmp(&rec[i], lk[i], sizeof rec[i]) == 0);
    CHECK(memcmp(global, &ndislock__v, sizeof global) == 0);
    uint32_t id = lk[0]->cls->id;
    for (int i = 0; i < 2; i++) {
        CHECK(vt[i] != NULL && lines_own(vt[i], sizeof *vt[i]));
        CHECK(vt[i]->held == vt[i]->inline_held);   /* the stack: inside the v_thread */
        CHECK(id < vt[i]->nstats && vt[i]->stats[id] != NULL);
        CHECK(lines_own(vt[i]->stats[id], sizeof *vt[i]->stats[id]));
        CHECK_EQ(vt[i]->stats[id]->acq, (uint64_t)(1000 + PAIRS));
    }
    CHECK(vt[0] != vt[1] && vt[0]->stats[id] != vt[1]->stats[id]);
    CHECK_EQ(ndislock_verifier_report_count(), 0);
    pthread_barrier_wait(&phase);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++)
        NdisFreeSpinLock(&locks[i].l);
    CHECK_EQ(ndislock_verifier_configure("verify=0"), 0);
    CHECK_DONE();
}
