#!/usr/bin/env bash
# The benchmark command (never part of the pass/fail tests):
#   ./scripts/bench.sh [--quick] [ndislock_bench options...]
# Builds an optimized tree in build/bench, runs ndislock_bench (table on
# stdout, progress on stderr) and leaves in build/bench/results/:
#   bench.json  every number of the run
#   bench.dat   throughput and p99 wait per lock against threads
#   bench.png   the plot of bench.dat (gnuplot)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ndislock_require "cmake=cmake" "ninja=ninja-build" "cc|gcc|clang=gcc" "link:$(ndislock_cc)=libc6-dev" \
    "header:ck_spinlock.h=libck-dev" "gnuplot=gnuplot-nox"

cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DNDISLOCK_TESTS=OFF \
      -DNDISLOCK_SANITIZERS=OFF -DNDISLOCK_EXAMPLES=OFF >/dev/null
cmake --build build/bench --target ndislock_bench >/dev/null
out=build/bench/results
mkdir -p "$out"
./build/bench/bench/ndislock_bench --json "$out/bench.json" --dat "$out/bench.dat" "$@"

if command -v gnuplot >/dev/null 2>&1; then
    n=$(grep -c '^"' "$out/bench.dat")
    gnuplot <<GP
set terminal pngcairo size 1200,500 noenhanced
set output "$out/bench.png"
set multiplot layout 1,2 title "ndislock_bench: cs workload, $(nproc) CPUs"
set key outside right
set logscale y
set xlabel "threads"
set xtics (2,4,8)
set ylabel "throughput, M acquisitions/s"
plot for [i=0:$((n-1))] "$out/bench.dat" index i using 1:2 with linespoints title columnheader(1)
set ylabel "p99 wait, us"
plot for [i=0:$((n-1))] "$out/bench.dat" index i using 1:3 with linespoints title columnheader(1)
unset multiplot
GP
    echo "wrote $out/bench.png" >&2
else
    echo "gnuplot not found: no plot" >&2
fi
