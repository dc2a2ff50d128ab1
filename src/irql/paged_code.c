/* PAGED_CODE() under the verifier: pageable code must not run at DISPATCH_LEVEL or above. */
#include <ndislock/irql.h>

#include "core/events.h"

void ndislock__paged_code_check(void)
{
    NDISLOCK_CHECK_CALL(PAGED_CODE);    /* IRQL_CALL_TOO_HIGH above APC_LEVEL */
}
