/* Stopping the library's threads: explicitly, and at process exit. */
#include <ndislock/contexts.h>

void ndislock__dpc_shutdown(void);
void ndislock__timer_shutdown(void);

void ndislock_contexts_shutdown(void)
{
    ndislock__timer_shutdown();     /* timers first: their callbacks may queue DPCs */
    ndislock__dpc_shutdown();
}
