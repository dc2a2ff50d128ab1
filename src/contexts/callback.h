/*
 * Running a driver callback: the one place that switches a thread into a
 * callback's context and IRQL and tells the verifier (events.h).  Internal.
 */
#ifndef NDISLOCK_CALLBACK_H
#define NDISLOCK_CALLBACK_H

#include <ndislock/irql.h>

#include "core/events.h"

struct ndislock_cb_frame {
    ndislock_irql_t irql;
    uint8_t context;
    const void *callee;
    const char *role;
};

/* Save the thread's context and IRQL, enter the callback's, announce it.
 * Entering DISPATCH_LEVEL or above takes a simulated processor when there
 * are some (the raw raise does; a pinned worker gets its own). */
static inline void ndislock__cb_enter(struct ndislock_cb_frame *f, enum ndislock_context ctx,
                                      ndislock_irql_t irql, const void *callee, const char *role)
{
    f->irql = ndislock__irql_raise_raw(irql);
    f->context = ndislock_tls.context;
    f->callee = callee;
    f->role = role;
    ndislock_tls.context = (uint8_t)ctx;
    NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_ENTER, callee, role);
}

/* Announce the return (the verifier checks IRQL and held locks here, so
 * nothing is repaired before it), then restore what the thread had. */
static inline void ndislock__cb_exit(struct ndislock_cb_frame *f)
{
    NDISLOCK_EVENT_CALLBACK(NDISLOCK_EV_CALLBACK_EXIT, f->callee, f->role);
    ndislock_tls.context = f->context;
    ndislock_irql_lower(f->irql);
}

/* Function pointer -> object pointer for event ids (GNU C allows the cast). */
#define NDISLOCK_FN_OBJ(fn) ((const void *)(uintptr_t)(fn))

#endif
