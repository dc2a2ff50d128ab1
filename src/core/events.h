/*
 * Library-internal events: the one place where the context and API code
 * (interrupts, DPCs, timers, waits, delays, RW locks' callers) tells the
 * verifier what is happening.  The code that emits an event only describes
 * it; every judgement (which rule, which report) is the verifier's.  The
 * hook is NULL unless the verifier is on, so an event costs one load and one
 * predictable branch.
 */
#ifndef NDISLOCK_EVENTS_H
#define NDISLOCK_EVENTS_H

#include <stdint.h>

#include "calls.h"

enum ndislock_event_kind {
    /* A driver callback starts / returns: obj = the driver function, role =
     * its WDK role name ("MiniportInterrupt", "MiniportInterruptDPC",
     * "NetTimerCallback", "MiniportSynchronizeInterrupt", ...).  ENTER comes
     * after ndislock_tls.context and .irql were set for the callback; EXIT
     * comes before they are restored. */
    NDISLOCK_EV_CALLBACK_ENTER,
    NDISLOCK_EV_CALLBACK_EXIT,
    /* A WDK call with an IRQL range (calls.h); checked against its row. */
    NDISLOCK_EV_CALL,
    /* A wait is about to start: call = which, arg = its timeout in 100 ns
     * units, relative (0 = poll, which never blocks) or NDISLOCK_WAIT_FOREVER. */
    NDISLOCK_EV_WAIT,
    /* A busy-wait: call = which, arg = microseconds. */
    NDISLOCK_EV_STALL,
    /* An interrupt handle used while not registered: obj = the handle. */
    NDISLOCK_EV_INTERRUPT_NOT_REGISTERED,
    /* A call that would wait forever on something this thread itself holds
     * (NdisMSynchronizeWithInterruptEx from the interrupt's own ISR or
     * synchronize callback): obj = the object.  The caller then returns
     * without waiting when the verifier is on. */
    NDISLOCK_EV_SELF_DEADLOCK,
    /* Something that must be undone before unload became active / inactive:
     * a timer set (until it fires once or is cancelled), a DPC queued (until
     * it runs or is removed), an interrupt registered (until deregistered).
     * obj = the object, call = the call that armed it (for the report),
     * arg = the NDIS handle that owns it (the MiniportAdapterHandle given to
     * NdisAllocateTimerObject / NdisMRegisterInterruptEx), 0 if unknown: a
     * bracketed halt of that adapter audits it (src/verifier/armed.c). */
    NDISLOCK_EV_ARMED,
    NDISLOCK_EV_DISARMED,
};

#define NDISLOCK_WAIT_FOREVER INT64_MIN

struct ndislock_event {
    enum ndislock_event_kind kind;
    enum ndislock_call call;
    const void *obj;
    int64_t arg;
    const char *role;
};

typedef void ndislock_event_fn(const struct ndislock_event *ev);

extern ndislock_event_fn *ndislock__event_hook;

#define NDISLOCK_EVENT_EX(kind_, call_, obj_, arg_, role_)                      \
    do {                                                                        \
        ndislock_event_fn *ndislock_h_ =                                        \
            __atomic_load_n(&ndislock__event_hook, __ATOMIC_ACQUIRE);           \
        if (__builtin_expect(ndislock_h_ != 0, 0)) {                            \
            struct ndislock_event ndislock_e_ = { (kind_), (call_), (obj_),     \
                                                  (int64_t)(arg_), (role_) };   \
            ndislock_h_(&ndislock_e_);                                          \
        }                                                                       \
    } while (0)

/* The common shapes. */
#define NDISLOCK_CHECK_CALL(id)                                                 \
    NDISLOCK_EVENT_EX(NDISLOCK_EV_CALL, NDISLOCK_CALL_##id, NULL, 0, NULL)
#define NDISLOCK_CHECK_WAIT(id, timeout_100ns)                                  \
    NDISLOCK_EVENT_EX(NDISLOCK_EV_WAIT, NDISLOCK_CALL_##id, NULL, (timeout_100ns), NULL)
#define NDISLOCK_CHECK_STALL(id, us)                                            \
    NDISLOCK_EVENT_EX(NDISLOCK_EV_STALL, NDISLOCK_CALL_##id, NULL, (us), NULL)
#define NDISLOCK_EVENT_OBJ(kind, id, obj)                                       \
    NDISLOCK_EVENT_EX((kind), NDISLOCK_CALL_##id, (obj), 0, NULL)
#define NDISLOCK_EVENT_CALLBACK(kind, fn_obj, role)                             \
    NDISLOCK_EVENT_EX((kind), NDISLOCK_CALL_NONE, (fn_obj), 0, (role))

#endif
