#!/usr/bin/env bash
# The benchmark command (never part of the pass/fail tests):
#   ./scripts/bench.sh [--quick] [ndislock_bench options...]
# Builds an optimized tree in build/bench, runs ndislock_bench (tables on
# stdout, progress on stderr) and leaves in build/bench/results/:
#   bench.json  every number of the run
#   bench.dat   throughput and max/min per lock against threads, cs and queue
#   bench.png   the plot of bench.dat (gnuplot)
#   ./scripts/bench.sh --plot     only redraws bench.png from the last bench.dat
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/bench/results
if [ "${1:-}" != --plot ]; then
    . scripts/deps.sh
    ndislock_require "cmake=cmake" "ninja|make=make" "cc|gcc|clang=gcc" "link:$(ndislock_cc)=libc6-dev" \
        "header:ck_spinlock.h=libck-dev" "gnuplot=gnuplot-nox"
    generator=()
    [ -f build/bench/CMakeCache.txt ] || generator=(-G "$(ndislock_generator)")
    log=$(mktemp)
    if ! { cmake -S . -B build/bench "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DNDISLOCK_TESTS=OFF \
                 -DNDISLOCK_SANITIZERS=OFF -DNDISLOCK_EXAMPLES=OFF -DNDISLOCK_WERROR=OFF &&
           cmake --build build/bench --target ndislock_bench; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "bench: the build failed; the compiler's messages are above" >&2
        exit 1
    fi
    rm -f "$log"
    mkdir -p "$out"
    ./build/bench/bench/ndislock_bench --json "$out/bench.json" --dat "$out/bench.dat" "$@"
fi

if ! command -v gnuplot >/dev/null 2>&1; then
    echo "gnuplot not found: no plot" >&2
    exit 0
fi
n=$(grep -c '^"' "$out/bench.dat")
# Four panels (cs and queue; throughput and fairness) on the left 82% of the
# page, one legend in the strip to their right.  ndis is the thick black line,
# ke_queued the solid green one; baselines are thin and dashed.  Fairness is
# max/min per thread (acquisitions for cs, packets moved for queue), log
# scale, with the fair line at 2 in red.
gnuplot <<GP
set terminal pngcairo size 1400,900 noenhanced font ",11"
set output "$out/bench.png"
set datafile missing NaN
set multiplot title "ndislock_bench on $(nproc) CPUs (medians; ndis thick black)"
set logscale x 2
set xlabel "threads"
set grid
set style line 1 lc rgb "black" lw 4 pt 7 ps 1.2
do for [i=2:12] { set style line i lw 1.5 pt i dt 2 }
set style line 2 lc rgb "#1b9e77" dt 1
set style line 3 lc rgb "#d95f02"
set style line 4 lc rgb "#7570b3"
set style line 5 lc rgb "#e7298a"
set style line 6 lc rgb "#66a61e"
set style line 7 lc rgb "#e6ab02"
set style line 8 lc rgb "#a6761d"
set style line 9 lc rgb "#666666"
set style line 10 lc rgb "#1f78b4"
set style line 11 lc rgb "#fb9a99"
lsty(i) = i == 0 ? 1 : i + 1
unset key
set lmargin at screen 0.06; set rmargin at screen 0.42
set tmargin at screen 0.93; set bmargin at screen 0.55
set ylabel "cs: M acquisitions/s"
plot for [i=0:$((n-1))] "$out/bench.dat" index i using 1:2 with linespoints ls lsty(i)
set lmargin at screen 0.50; set rmargin at screen 0.82
set logscale y
set ylabel "cs: max/min per-thread acquisitions"
set arrow 1 from graph 0, first 2 to graph 1, first 2 nohead lc rgb "red" dt 3
plot for [i=0:$((n-1))] "$out/bench.dat" index i using 1:3 with linespoints ls lsty(i)
unset logscale y
unset arrow 1
set lmargin at screen 0.06; set rmargin at screen 0.42
set tmargin at screen 0.47; set bmargin at screen 0.08
set ylabel "queue: M packets/s"
plot for [i=0:$((n-1))] "$out/bench.dat" index i using 1:4 with linespoints ls lsty(i)
set lmargin at screen 0.50; set rmargin at screen 0.82
set logscale y
set ylabel "queue: max/min of packets moved per thread"
set arrow 1 from graph 0, first 2 to graph 1, first 2 nohead lc rgb "red" dt 3
set key at screen 0.99, screen 0.90 right top vertical box opaque title "lock" spacing 1.3
plot for [i=0:$((n-1))] "$out/bench.dat" index i using 1:5 with linespoints ls lsty(i) title columnheader(1)
unset multiplot
GP
echo "wrote $out/bench.png" >&2
