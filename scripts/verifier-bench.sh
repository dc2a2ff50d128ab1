#!/usr/bin/env bash
# What the verifier costs: builds optimized, then runs bench/verifier_bench
# (verifier off / stats=1 / verify=1 side by side, each target beside its
# ratio) with the sample miniport's main job as a child process.
#
#   scripts/verifier-bench.sh [verifier_bench args...]
#     e.g. --clean-runs=20 (20 consecutive 6-s verified main-job runs), --gaps
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ndislock_need_packages "${NDISLOCK_BUILD_PACKAGES[@]}" libdw-dev

build=build/verifier-bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNDISLOCK_TESTS=OFF \
      -DNDISLOCK_BENCH=ON -DNDISLOCK_EXAMPLES=ON >/dev/null
cmake --build "$build" --target verifier_bench ndis_miniport >/dev/null
exec "$build/bench/verifier_bench" --sample="$build/examples/miniport/ndis_miniport" "$@"
