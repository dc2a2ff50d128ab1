/* Bracketing driver handlers (include/ndislock/harness.h): the verifier checks their return. */
#include <ndislock/harness.h>

#include "verifier/hooks.h"

void ndislock_harness_handler_begin(const char *name, const void *adapter,
                                    enum ndislock_handler_kind kind)
{
    if (ndislock__checked_on())
        ndislock__verifier_handler_begin(name, adapter, kind == NDISLOCK_HANDLER_HALT);
}

/* noinline: __builtin_return_address(0) is the harness's line, where the report points. */
__attribute__((noinline)) void ndislock_harness_handler_end(void)
{
    if (ndislock__checked_on())
        ndislock__verifier_handler_end(__builtin_return_address(0));
    __asm__ __volatile__("" ::: "memory");      /* no tail call: keeps this frame */
}
