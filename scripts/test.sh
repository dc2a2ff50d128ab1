#!/usr/bin/env bash
# The test command: builds ndislock for aarch64 (cross gcc, tests run under
# qemu-aarch64), with clang and with gcc (-Wall -Wextra -Werror everywhere),
# and runs every test through CTest: plain on aarch64 and with clang, then
# gcc's run of each test plain, under ASan+UBSan and under TSan.  The last
# lines are gcc's CTest summary and the total over all runs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ndislock_need_packages "${NDISLOCK_BUILD_PACKAGES[@]}" libclang-rt-14-dev spin libdw-dev \
    gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user

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

echo "== aarch64: cross build (-Werror), plain tests under qemu-aarch64"
cmake -S . -B build/aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
      -DNDISLOCK_SANITIZERS=OFF -DNDISLOCK_BENCH=OFF >/dev/null
cmake --build build/aarch64
# install_test builds host programs; under emulation, wall-clock hold times are not
# CPU times (and there is no rseq to tell preemption), so the clean verified sample
# run, which fails on any warning, runs on the native stages only.
run_ctest build/aarch64 -E '^(install_test|sample_miniport_verified)$'

echo "== clang: build (-Werror) and plain tests"
cmake -S . -B build/clang -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DNDISLOCK_SANITIZERS=OFF >/dev/null
cmake --build build/clang
run_ctest build/clang

echo "== gcc: build (-Werror), tests plain + ASan/UBSan + TSan"
cmake -S . -B build/gcc -G Ninja -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ >/dev/null
cmake --build build/gcc
run_ctest build/gcc

echo "total: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
