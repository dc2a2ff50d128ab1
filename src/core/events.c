/* The event hook (see events.h); set by the verifier when it is switched on. */
#include "events.h"

#include <stddef.h>

ndislock_event_fn *ndislock__event_hook = NULL;
