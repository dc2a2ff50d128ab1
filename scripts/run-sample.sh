#!/usr/bin/env bash
# The main job: build ndislock (optimized, with debug info for the reports) and run the sample NDIS miniport on
# its simulated NIC under the verifier, printing progress every second,
# packets/s, the per-lock statistics table and the verifier's verdict.
#
#   scripts/run-sample.sh [sample args...]     e.g. --seconds=30, --senders=3, --bug=list
#
# Defaults: a 6 s run with NDISLOCK_OPTIONS=verify=1:stats=1 (override by
# exporting NDISLOCK_OPTIONS).  Exit status: the sample's (0 = no violations).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ndislock_need_packages "${NDISLOCK_BUILD_PACKAGES[@]}" libdw-dev   # libdw: file:line in reports

build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DNDISLOCK_TESTS=OFF -DNDISLOCK_BENCH=OFF -DNDISLOCK_EXAMPLES=ON >/dev/null
cmake --build "$build" --target ndis_miniport >/dev/null

export NDISLOCK_OPTIONS="${NDISLOCK_OPTIONS:-verify=1:stats=1}"
echo "== ndis_miniport (NDISLOCK_OPTIONS=$NDISLOCK_OPTIONS)"
[ $# -gt 0 ] || set -- --seconds=6
exec "$build/examples/miniport/ndis_miniport" "$@"
