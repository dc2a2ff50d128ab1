/*
 * Interrupt objects (NdisMRegisterInterruptEx and friends).
 *
 * Each registered interrupt owns an interrupt lock (a pthread mutex: it is
 * the kernel's interrupt spin lock, not an NDIS spin lock, so the verifier
 * never sees it).  The ISR, MiniportDisable/EnableInterruptEx and every
 * NdisMSynchronizeWithInterruptEx callback run holding it, at
 * NDISLOCK_DEVICE_IRQL, so they exclude one another.  All messages share the
 * one lock (MsiSyncWithAllMessages behaviour, which is the stricter one).
 *
 * Objects live in a static pool and are never freed, so a stale handle is
 * always safe to look at.  Handle = generation << 16 | (slot + 1); the
 * generation changes on every deregistration, so a handle used after
 * NdisMDeregisterInterruptEx is recognized as dead (INTERRUPT_LIFECYCLE)
 * even after its slot was reused.
 *
 * Each interrupt has one DPC object per (message, processor), allocated at
 * registration and targeted at its processor, so NdisMQueueDpcEx can queue
 * it on several processors (with one DPC thread, the default, they all run
 * there; with simulated processors each on its own).  The interrupt lock is
 * taken at DIRQL, after the raise, as Windows does: with simulated
 * processors the raise may wait for a processor, which must never happen
 * while holding a lock a DISPATCH_LEVEL thread may wait for.  A thread remembers which
 * interrupt locks it holds (ISR, synchronize callback, disable/enable,
 * KeAcquireInterruptSpinLock), so taking one of them again, a
 * self-deadlock on Windows, is seen before it happens.
 */
#include <ndislock/contexts.h>

#include <stdlib.h>
#include <string.h>

#include <ndislock/processor.h>

#include <ndislock/verifier.h>

#include "callback.h"
#include "internal.h"
#include "sched/sched.h"

#define NDISLOCK_MAX_INTERRUPTS 64

struct msg_dpc {
    struct ndislock_dpc dpc;
    struct interrupt *intr;
    uint32_t msg;
    uint32_t processor;
};

struct interrupt {
    pthread_mutex_t lock;           /* the interrupt lock */
    uint32_t gen;                   /* under lock (order: pool_lock -> lock) */
    int registered;                 /* under lock: the handle is valid */
    int connected;                  /* under lock: ISRs are delivered (0 while deregistering) */
    int enabled;                    /* under lock */
    int in_use;                     /* slot taken; under pool_lock */
    void *ctx;
    struct ndislock_adapter *adapter;
    struct ndislock_interrupt_handlers h;
    struct msg_dpc *dpcs;           /* [message * ndpc_procs + processor] */
    uint32_t ndpc_procs;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct interrupt pool[NDISLOCK_MAX_INTERRUPTS];
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_init(void)
{
    for (int i = 0; i < NDISLOCK_MAX_INTERRUPTS; i++)
        pthread_mutex_init(&pool[i].lock, NULL);
}

/* The interrupt locks this thread holds, innermost last (a short stack: ISR,
 * then a synchronize or KeAcquireInterruptSpinLock of another interrupt ...),
 * and whether KeAcquireInterruptSpinLock took each (only those are its
 * release's to drop). */
#define HELD_MAX 8
static __thread struct held_lock {
    struct interrupt *i;
    int by_ke_acquire;
} held[HELD_MAX];
static __thread unsigned nheld;

static void held_push_as(struct interrupt *i, int by_ke_acquire)
{
    if (nheld < HELD_MAX)
        held[nheld] = (struct held_lock){ i, by_ke_acquire };
    nheld++;
}

static void held_push(struct interrupt *i)
{
    held_push_as(i, 0);
}

static void held_pop(void)
{
    if (nheld > 0)
        nheld--;
}

static int holds(const struct interrupt *i)
{
    for (unsigned k = 0; k < nheld && k < HELD_MAX; k++)
        if (held[k].i == i)
            return 1;
    return 0;
}

/* The pool slot a handle names (no lock, no generation check), or NULL. */
static struct interrupt *slot_of(void *handle)
{
    unsigned slot = (unsigned)((uintptr_t)handle & 0xffff) - 1;

    return handle != NULL && slot < NDISLOCK_MAX_INTERRUPTS ? &pool[slot] : NULL;
}

static void *make_handle(unsigned slot, uint32_t gen)
{
    return (void *)(((uintptr_t)gen << 16) | (uintptr_t)(slot + 1));
}

/* The interrupt a handle names, locked, or NULL if it is not registered. */
static struct interrupt *lookup_locked(void *handle)
{
    uintptr_t h = (uintptr_t)handle;
    unsigned slot = (unsigned)(h & 0xffff) - 1;
    struct interrupt *i;

    if (handle == NULL || slot >= NDISLOCK_MAX_INTERRUPTS)
        return NULL;
    pthread_once(&pool_once, pool_init);
    i = &pool[slot];
    pthread_mutex_lock(&i->lock);
    if (!i->registered || i->gen != (uint32_t)(h >> 16)) {
        pthread_mutex_unlock(&i->lock);
        return NULL;
    }
    return i;
}

/* Raises to the interrupts' DIRQL (never lowers); returns the IRQL before. */
static ndislock_irql_t raise_to_device(void)
{
    ndislock_irql_t old = ndislock_irql_current();

    if (old < NDISLOCK_DEVICE_IRQL)
        ndislock__irql_raise_raw(NDISLOCK_DEVICE_IRQL);
    return old;
}

/* The DPC thread runs this for a queued interrupt DPC; arg1: MiniportDpcContext. */
static void interrupt_dpc(struct ndislock_dpc *d, void *arg, void *arg1, void *arg2)
{
    struct msg_dpc *m = arg;
    struct interrupt *i = m->intr;

    (void)d;
    (void)arg2;
    __atomic_fetch_add(&i->adapter->dpcs, 1, __ATOMIC_RELAXED);
    if (i->h.ndis5)
        i->h.dpc5(i->ctx);
    else if (i->h.msi)
        i->h.msg_dpc(i->ctx, m->msg, arg1, NULL, NULL);
    else
        i->h.dpc(i->ctx, arg1, NULL, NULL);
}

/* The DPC object of (msg, processor). */
static struct msg_dpc *dpc_of(struct interrupt *i, uint32_t msg, uint32_t proc)
{
    return &i->dpcs[msg * i->ndpc_procs + proc % i->ndpc_procs];
}

int ndislock_interrupt_register(void *adapter, void *ctx,
                                const struct ndislock_interrupt_handlers *h, void **handle)
{
    struct ndislock_adapter *a = adapter;
    struct interrupt *i = NULL;
    unsigned slot;

    NDISLOCK_CHECK_CALL(NdisMRegisterInterruptEx);
    if (a == NULL || h == NULL || handle == NULL)
        return -1;
    if (h->ndis5 ? (h->isr5 == NULL || h->dpc5 == NULL)
                 : h->msi ? (h->msg_isr == NULL || h->msg_dpc == NULL)
                          : (h->isr == NULL || h->dpc == NULL))
        return -1;
    pthread_once(&pool_once, pool_init);
    pthread_mutex_lock(&pool_lock);
    if (__atomic_load_n(&a->interrupt, __ATOMIC_ACQUIRE) != NULL) {
        pthread_mutex_unlock(&pool_lock);
        return -1;
    }
    for (slot = 0; slot < NDISLOCK_MAX_INTERRUPTS; slot++)
        if (!pool[slot].in_use) {
            i = &pool[slot];
            break;
        }
    if (i == NULL) {
        pthread_mutex_unlock(&pool_lock);
        return -1;
    }
    uint32_t nproc = ndislock_processor_count();
    struct msg_dpc *dpcs = calloc((size_t)NDISLOCK_MAX_MESSAGES * nproc, sizeof(*dpcs));
    if (dpcs == NULL) {
        pthread_mutex_unlock(&pool_lock);
        return -1;
    }
    i->in_use = 1;
    pthread_mutex_lock(&i->lock);
    i->ctx = ctx;
    i->adapter = a;
    i->h = *h;
    i->dpcs = dpcs;
    i->ndpc_procs = nproc;
    for (uint32_t k = 0; k < NDISLOCK_MAX_MESSAGES * nproc; k++) {
        const void *callee = h->ndis5 ? NDISLOCK_FN_OBJ(h->dpc5)
                             : h->msi ? NDISLOCK_FN_OBJ(h->msg_dpc) : NDISLOCK_FN_OBJ(h->dpc);
        struct msg_dpc *m = &dpcs[k];
        m->intr = i;
        m->msg = k / nproc;
        m->processor = k % nproc;
        ndislock_dpc_init(&m->dpc, interrupt_dpc, m);
        m->dpc.Number = (uint16_t)m->processor;
        m->dpc.targeted = 1;
        m->dpc.callee = callee;
        m->dpc.role = h->ndis5 ? "MiniportHandleInterrupt"
                      : h->msi ? "MiniportMessageInterruptDPC" : "MiniportInterruptDPC";
    }
    i->registered = 1;
    i->connected = 1;
    i->enabled = 1;
    *handle = make_handle(slot, i->gen);
    __atomic_store_n(&a->interrupt, *handle, __ATOMIC_RELEASE);
    NDISLOCK_EVENT_OBJ(NDISLOCK_EV_ARMED, NdisMRegisterInterruptEx, *handle);
    pthread_mutex_unlock(&i->lock);
    pthread_mutex_unlock(&pool_lock);
    return 0;
}

int ndislock_interrupt_register_ndis5(void *adapter, void **handle)
{
    struct ndislock_adapter *a = adapter;

    if (a == NULL || !a->ndis5.ndis5)
        return -1;
    return ndislock_interrupt_register(a, a->ndis5_ctx, &a->ndis5, handle);
}

void ndislock_interrupt_deregister(void *handle)
{
    struct interrupt *i;
    struct msg_dpc *dpcs;

    NDISLOCK_CHECK_CALL(NdisMDeregisterInterruptEx);
    i = lookup_locked(handle);

    if (i != NULL && !i->connected) {   /* a second deregistration racing the first */
        pthread_mutex_unlock(&i->lock);
        i = NULL;
    }
    if (i == NULL) {
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_INTERRUPT_NOT_REGISTERED, NdisMDeregisterInterruptEx, handle);
        return;
    }
    /* 1. Disconnect, under the interrupt lock: no ISR is running, none starts after this. */
    i->connected = 0;
    pthread_mutex_unlock(&i->lock);

    /* 2. Queued DPCs still run (the ISR asked for them) and may still call
     *    NdisMSynchronizeWithInterruptEx, as on Windows, where the interrupt
     *    object stays valid until the disconnect completes: wait for them. */
    for (uint32_t k = 0; k < NDISLOCK_MAX_MESSAGES * i->ndpc_procs; k++)
        ndislock_dpc_wait_idle(&i->dpcs[k].dpc);

    /* 3. Only now is the handle dead. */
    pthread_mutex_lock(&i->lock);
    i->registered = 0;
    i->gen = (i->gen + 1) & 0xffffffu;
    {
        void *expected = handle;
        __atomic_compare_exchange_n(&i->adapter->interrupt, &expected, NULL, 0,
                                    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
    }
    dpcs = i->dpcs;
    i->dpcs = NULL;
    i->ndpc_procs = 0;
    NDISLOCK_EVENT_OBJ(NDISLOCK_EV_DISARMED, NdisMDeregisterInterruptEx, handle);
    pthread_mutex_unlock(&i->lock);
    free(dpcs);                     /* idle, and no ISR can queue them any more */

    pthread_mutex_lock(&pool_lock);
    i->in_use = 0;
    pthread_mutex_unlock(&pool_lock);
}

/* Whether taking handle's interrupt lock would wait for this very thread.
 * Reported (NDISLOCK_EV_SELF_DEADLOCK); returns 1 when the caller must then
 * not take it: with the verifier on.  With it off the caller goes on and
 * deadlocks, as on Windows. */
static int self_deadlock(void *handle, int call)
{
    struct interrupt *i = slot_of(handle);

    if (i == NULL || !holds(i))
        return 0;
    if (call)
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_SELF_DEADLOCK, NdisMSynchronizeWithInterruptEx, handle);
    else
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_SELF_DEADLOCK, KeAcquireInterruptSpinLock, handle);
    return ndislock_verifier_enabled();
}

unsigned char ndislock_interrupt_synchronize(void *handle, uint32_t msg,
                                             unsigned char (*fn)(void *), void *ctx)
{
    struct interrupt *i;
    struct ndislock_cb_frame f;
    ndislock_irql_t base;
    unsigned char r;

    (void)msg;      /* one lock for all messages */
    NDISLOCK_CHECK_CALL(NdisMSynchronizeWithInterruptEx);
    if (self_deadlock(handle, 1))
        return 0;   /* FALSE, without running fn */
    base = raise_to_device();
    i = lookup_locked(handle);
    if (i == NULL) {
        ndislock__irql_lower_raw(base);
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_INTERRUPT_NOT_REGISTERED, NdisMSynchronizeWithInterruptEx,
                           handle);
        return 0;
    }
    held_push(i);
    ndislock__cb_enter(&f, NDISLOCK_CTX_SYNC, NDISLOCK_DEVICE_IRQL, NDISLOCK_FN_OBJ(fn),
                       "MiniportSynchronizeInterrupt");
    r = fn(ctx);
    ndislock__cb_exit(&f);
    held_pop();
    pthread_mutex_unlock(&i->lock);
    ndislock__irql_lower_raw(base);
    return r;
}

ndislock_irql_t ndislock_interrupt_lock(void *handle)
{
    struct interrupt *i;
    ndislock_irql_t old = ndislock_tls.irql;

    NDISLOCK_CHECK_CALL(KeAcquireInterruptSpinLock);
    if (self_deadlock(handle, 0))
        return old;                 /* nothing taken: the release finds it not held */
    (void)raise_to_device();
    if ((i = lookup_locked(handle)) == NULL) {
        ndislock__irql_lower_raw(old);
        NDISLOCK_EVENT_OBJ(NDISLOCK_EV_INTERRUPT_NOT_REGISTERED, KeAcquireInterruptSpinLock, handle);
        return old;
    }
    held_push_as(i, 1);
    return old;
}

void ndislock_interrupt_unlock(void *handle, ndislock_irql_t old)
{
    struct interrupt *i = slot_of(handle);

    NDISLOCK_CHECK_CALL(KeReleaseInterruptSpinLock);
    if (i == NULL || nheld == 0 || nheld > HELD_MAX || held[nheld - 1].i != i ||
        !held[nheld - 1].by_ke_acquire)
        return;                     /* not taken by our acquire (a skipped or failed one) */
    held_pop();
    pthread_mutex_unlock(&i->lock);
    ndislock__irql_lower_raw(old);
}

uint64_t ndislock_interrupt_queue_dpc(void *handle, uint32_t msg, uint64_t targets, void *dpc_ctx)
{
    struct interrupt *i;
    uint64_t queued = 0;

    NDISLOCK_CHECK_CALL(NdisMQueueDpcEx);
    if (msg >= NDISLOCK_MAX_MESSAGES || (i = lookup_locked(handle)) == NULL)
        return 0;
    for (uint32_t p = 0; p < i->ndpc_procs && p < 64; p++)
        if ((targets >> p & 1) && ndislock_dpc_queue(&dpc_of(i, msg, p)->dpc, dpc_ctx, NULL))
            queued |= (uint64_t)1 << p;
    pthread_mutex_unlock(&i->lock);
    return queued;
}

int ndislock__interrupt_fire(void *handle, uint32_t msg)
{
    struct interrupt *i;
    struct ndislock_cb_frame f;
    unsigned char claimed = 0, queue_dpc = 0;
    uint32_t targets = 0;
    ndislock_irql_t base;

    if (msg >= NDISLOCK_MAX_MESSAGES)
        return -1;
    ndislock__sched_point(NDISLOCK_POINT_INTERRUPT);
    base = raise_to_device();
    if ((i = lookup_locked(handle)) == NULL) {
        ndislock__irql_lower_raw(base);
        return -1;
    }
    if (!i->connected || !i->enabled || (msg != 0 && !i->h.msi)) {
        pthread_mutex_unlock(&i->lock);
        ndislock__irql_lower_raw(base);
        return -1;
    }
    held_push(i);
    if (i->h.ndis5) {
        ndislock__cb_enter(&f, NDISLOCK_CTX_ISR, NDISLOCK_DEVICE_IRQL, NDISLOCK_FN_OBJ(i->h.isr5),
                           "MiniportISR");
        i->h.isr5(&claimed, &queue_dpc, i->ctx);
    } else if (i->h.msi) {
        ndislock__cb_enter(&f, NDISLOCK_CTX_ISR, NDISLOCK_DEVICE_IRQL,
                           NDISLOCK_FN_OBJ(i->h.msg_isr), "MiniportMessageInterrupt");
        claimed = i->h.msg_isr(i->ctx, msg, &queue_dpc, &targets);
    } else {
        ndislock__cb_enter(&f, NDISLOCK_CTX_ISR, NDISLOCK_DEVICE_IRQL, NDISLOCK_FN_OBJ(i->h.isr),
                           "MiniportInterrupt");
        claimed = i->h.isr(i->ctx, &queue_dpc, &targets);
    }
    ndislock__cb_exit(&f);
    held_pop();
    if (claimed && queue_dpc)   /* the default DPC: for the processor the ISR ran on */
        ndislock_dpc_queue(&dpc_of(i, msg, ndislock_processor_current())->dpc, NULL, NULL);
    if (claimed && !i->h.ndis5) /* and the NDIS 6.0 TargetProcessors the ISR asked for */
        for (uint32_t p = 0; p < i->ndpc_procs && p < 32; p++)
            if (targets >> p & 1)
                ndislock_dpc_queue(&dpc_of(i, msg, p)->dpc, NULL, NULL);
    pthread_mutex_unlock(&i->lock);
    ndislock__irql_lower_raw(base);
    return claimed ? 1 : 0;
}

void ndislock__interrupt_set_enabled(void *handle, int enabled)
{
    ndislock_irql_t base = raise_to_device();
    struct interrupt *i = lookup_locked(handle);
    struct ndislock_cb_frame f;
    void (*fn)(void *);
    void (*msg_fn)(void *, uint32_t);

    if (i == NULL) {
        ndislock__irql_lower_raw(base);
        return;
    }
    fn = enabled ? i->h.enable : i->h.disable;
    msg_fn = enabled ? i->h.msg_enable : i->h.msg_disable;
    held_push(i);
    ndislock__cb_enter(&f, enabled ? NDISLOCK_CTX_SYNC : NDISLOCK_CTX_DISABLE_INTR,
                       NDISLOCK_DEVICE_IRQL,
                       i->h.msi ? NDISLOCK_FN_OBJ(msg_fn) : NDISLOCK_FN_OBJ(fn),
                       enabled ? "MiniportEnableInterruptEx" : "MiniportDisableInterruptEx");
    if (i->h.msi && msg_fn != NULL) {
        for (uint32_t m = 0; m < NDISLOCK_MAX_MESSAGES; m++)
            msg_fn(i->ctx, m);
    } else if (!i->h.msi && fn != NULL) {
        fn(i->ctx);
    }
    ndislock__cb_exit(&f);
    held_pop();
    i->enabled = enabled;
    pthread_mutex_unlock(&i->lock);
    ndislock__irql_lower_raw(base);
}
