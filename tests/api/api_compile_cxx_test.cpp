// The compile test from C++ (api_compile_body.h).
#include "api_compile_body.h"

#include <cstdio>

int main()
{
    std::printf("%d functions\n", api_compile_main());
    CHECK_DONE();
}
