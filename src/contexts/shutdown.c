/* Stopping the library's threads: explicitly, and at process exit. */
#include <ndislock/contexts.h>

#include "internal.h"

void ndislock_contexts_shutdown(void)
{
    ndislock__timer_shutdown();     /* timers first: their callbacks may queue DPCs */
    ndislock__dpc_shutdown();
}
