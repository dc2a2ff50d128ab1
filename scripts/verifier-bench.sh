#!/usr/bin/env bash
# What the verifier costs (never part of the pass/fail tests): builds optimized,
# then runs bench/verifier_bench (verifier off / stats=1 / verify=1 side by
# side, each target beside its ratio) with the sample miniport's main job as a
# child process.
#
#   scripts/verifier-bench.sh [verifier_bench args...]
#     e.g. --clean-runs=20 (20 consecutive 6-s verified main-job runs), --gaps
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ndislock_require "cmake=cmake" "ninja|make=make" "cc|gcc|clang=gcc" "link:$(ndislock_cc)=libc6-dev"
ndislock_want_libdw || true       # optional: reports lose file:line without it

build=build/verifier-bench
generator=()
[ -f "$build/CMakeCache.txt" ] || generator=(-G "$(ndislock_generator)")
# The build's output is shown only when it fails (then in full) or warns.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNDISLOCK_WERROR=OFF \
             -DNDISLOCK_TESTS=OFF -DNDISLOCK_BENCH=ON -DNDISLOCK_EXAMPLES=ON &&
       cmake --build "$build" --target verifier_bench ndis_miniport; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "verifier-bench: the build failed; the compiler's messages are above" >&2
    exit 1
fi
if grep -q 'warning:' "$log"; then grep -v '^-- ' "$log" >&2; fi
"$build/bench/verifier_bench" --sample="$build/examples/miniport/ndis_miniport" "$@"
