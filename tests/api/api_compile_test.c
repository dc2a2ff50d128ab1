/* The compile test from C11 (api_compile_body.h). */
#include "api_compile_body.h"

int main(void)
{
    printf("%d functions\n", api_compile_main());
    CHECK_DONE();
}
