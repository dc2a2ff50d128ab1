#!/usr/bin/env bash
# The main job: build ndislock and the sample NDIS miniport (RelWithDebInfo: -g,
# so reports show file:line) and run the sample on its simulated NIC under the
# verifier: progress every second, packets/s, the verifier's verdict and, from
# the library at exit, the per-lock statistics table.
#
#   scripts/run-sample.sh [sample args...]     e.g. --seconds=30, --senders=3, --bug=list, --help
#
# Needs cmake, ninja or make and a C compiler; installs what is missing from
# Debian unless NDISLOCK_NO_INSTALL=1.  libdw is optional (file:line in reports).
# Defaults: the sample's (a 6 s run, 2 senders) with NDISLOCK_OPTIONS=verify=1 (override by exporting
# NDISLOCK_OPTIONS).  Exit status: the sample's (0: no violation; 66: errors
# reported with halt_on_error=0), or 1 when the build fails (its output is shown).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
# make, not ninja, when neither is there: it is what a plain `cmake -S . -B build` (README's recipe) uses.
ndislock_require "cmake=cmake" "ninja|make=make" "cc|gcc|clang=gcc" "link:$(ndislock_cc)=libc6-dev"
ndislock_want_libdw || true       # optional: reports lose file:line without it

build=build/release
log=$build/build.log
generator=()
[ -f "$build/CMakeCache.txt" ] || generator=(-G "$(ndislock_generator)")   # an existing tree keeps its own
mkdir -p "$build"
echo "== building the sample ($build; output in $log)"
# The cache may hold options from another configuration: state every one that matters.  No -Werror here:
# a newer compiler's new warning is shown, not fatal (the test command, scripts/test.sh, uses -Werror).
if ! { cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNDISLOCK_WERROR=OFF \
             -DNDISLOCK_TESTS=OFF -DNDISLOCK_BENCH=OFF -DNDISLOCK_EXAMPLES=ON &&
       cmake --build "$build" --target ndis_miniport; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "run-sample: the build failed; the compiler's messages are above (and in $log)" >&2
    exit 1
fi
if grep -q 'warning:' "$log"; then
    grep -v '^-- ' "$log" >&2          # the compiler's warnings, without CMake's status lines
fi

export NDISLOCK_OPTIONS="${NDISLOCK_OPTIONS:-verify=1}"
echo "== ndis_miniport (NDISLOCK_OPTIONS=$NDISLOCK_OPTIONS)"
exec "$build/examples/miniport/ndis_miniport" "$@"
