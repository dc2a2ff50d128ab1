#!/usr/bin/env bash
# The test command: builds ndislock for aarch64 (cross gcc, tests run under
# qemu-aarch64), with clang and with gcc, -Wall -Wextra -Werror everywhere
# (NDISLOCK_WERROR=ON: only here; elsewhere warnings stay warnings), and runs
# every test through CTest: plain on aarch64 and with clang, then gcc's run of
# each test plain, under ASan+UBSan and under TSan.  The last lines are gcc's
# CTest summary and the total over all runs.
#
# Needs, besides run-sample.sh's cmake, ninja or make and gcc: g++, clang,
# pkg-config, spin, the aarch64 cross compilers and qemu-user; libdw is optional
# (with it, the tests also check file:line in reports).  What is missing is
# installed from Debian unless NDISLOCK_NO_INSTALL=1 (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ndislock_require "cmake=cmake" "ninja|make=make" "gcc=gcc" "g++=g++" "link:gcc=libc6-dev" \
    "clang=clang" "clang++=clang" "pkg-config=pkg-config" "spin=spin" "readelf=binutils" \
    "aarch64-linux-gnu-gcc=gcc-aarch64-linux-gnu" "aarch64-linux-gnu-g++=g++-aarch64-linux-gnu" \
    "link:aarch64-linux-gnu-gcc=libc6-dev-arm64-cross" "qemu-aarch64=qemu-user"
# libdw.pc names -lbz2 for static links (install_pkgconfig_static), which libdw-dev does not pull in.
if ndislock_want_libdw; then ndislock_require "lib:bz2=libbz2-dev"; fi

jobs=$(nproc 2>/dev/null || echo 2)
pass=0; fail=0
run_ctest() {   # run_ctest builddir [ctest args...]
    local dir=$1; shift
    local log; log=$(mktemp)
    if ctest --test-dir "$dir" --output-on-failure -j"$jobs" "$@" 2>&1 | tee "$log"; then :; fi
    local p f
    p=$(sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\)/\2 \1/p' "$log" | awk '{print $1-$2}')
    f=$(sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests\{0,1\} failed out of.*/\1/p' "$log")
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1}))
    rm -f "$log"
}
configure() {   # configure builddir [cmake args...]: every build is a test build, with -Werror
    local dir=$1; shift
    local generator=()
    [ -f "$dir/CMakeCache.txt" ] || generator=(-G "$(ndislock_generator)")   # an existing tree keeps its own
    cmake -S . -B "$dir" "${generator[@]}" -DNDISLOCK_WERROR=ON -DNDISLOCK_TESTS=ON "$@" >/dev/null
}

echo "== aarch64: cross build (-Werror), plain tests under qemu-aarch64"
configure build/aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
          -DNDISLOCK_SANITIZERS=OFF -DNDISLOCK_BENCH=OFF
cmake --build build/aarch64 --parallel "$jobs"
run_ctest build/aarch64

echo "== clang: build (-Werror) and plain tests"
configure build/clang -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DNDISLOCK_SANITIZERS=OFF
cmake --build build/clang --parallel "$jobs"
run_ctest build/clang

echo "== gcc: build (-Werror), tests plain + ASan/UBSan + TSan"
configure build/gcc -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ -DNDISLOCK_SANITIZERS=ON
cmake --build build/gcc --parallel "$jobs"
run_ctest build/gcc

echo "total: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
