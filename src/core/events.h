/*
 * Library-internal events: the one place where the context code (interrupts,
 * DPCs, timers, delays) tells the verifier what is happening.  The hook is
 * NULL unless the verifier is on, so an event costs one predictable branch.
 */
#ifndef NDISLOCK_EVENTS_H
#define NDISLOCK_EVENTS_H

enum ndislock_event {
    /* A driver callback starts / returns.  obj = the callback's function
     * pointer, what = its WDK role name ("MiniportInterrupt",
     * "MiniportInterruptDPC", "NetTimerCallback",
     * "MiniportSynchronizeInterrupt", "MiniportDisableInterruptEx", ...).
     * ENTER comes after ndislock_tls.context and .irql were set for the
     * callback; EXIT comes before they are restored. */
    NDISLOCK_EV_CALLBACK_ENTER,
    NDISLOCK_EV_CALLBACK_EXIT,
    /* A blocking wait is about to happen (what = "NdisMSleep", ...). */
    NDISLOCK_EV_BLOCKING,
    /* An interrupt object was used while not registered (obj = the handle,
     * what = the call, e.g. "NdisMSynchronizeWithInterruptEx"). */
    NDISLOCK_EV_INTERRUPT_NOT_REGISTERED,
};

typedef void ndislock_event_fn(enum ndislock_event ev, const void *obj, const char *what);

extern ndislock_event_fn *ndislock__event_hook;

#define NDISLOCK_EVENT(ev, obj, what)                                           \
    do {                                                                        \
        ndislock_event_fn *ndislock_h_ =                                        \
            __atomic_load_n(&ndislock__event_hook, __ATOMIC_ACQUIRE);           \
        if (__builtin_expect(ndislock_h_ != 0, 0))                              \
            ndislock_h_((ev), (obj), (what));                                   \
    } while (0)

#endif
