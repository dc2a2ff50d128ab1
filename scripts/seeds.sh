#!/usr/bin/env bash
# seeds.sh - run a test program once per seed, stop at the first run that
# reports, print the command that replays it (and, with --replay=N, replay
# it N times and say how many runs reported the same thing).
#
#   scripts/seeds.sh [--settings=OPTS] [--arg=PREFIX] [--replay=N] FIRST..LAST -- program [args...]
#
# Each run gets NDISLOCK_OPTIONS=<your NDISLOCK_OPTIONS>:<OPTS>:sched_seed=S
# (default OPTS: sched=pct, the exactly replayable mode; docs/SCHEDULING.md),
# or, with --arg=PREFIX, the argument PREFIX<OPTS>:sched_seed=S appended to
# the program's (for a harness that calls ndislock_sched_configure itself,
# e.g. --arg=--sched= for the sample).
# A run reports when it exits non-zero, dies by a signal, or prints an
# "ndislock: error:" line.  "The same thing" is its ndislock: error / ASSERT
# lines with addresses, thread ids and timings blanked.
# Exit status: 0 no seed reported, 1 a seed reported (replayed as asked),
# 2 usage.
set -u
settings=sched=pct replay=0 arg=
while [ $# -gt 0 ]; do
    case $1 in
    --settings=*) settings=${1#--settings=}; shift ;;
    --arg=*) arg=${1#--arg=}; shift ;;
    --replay=*) replay=${1#--replay=}; shift ;;
    --) shift; break ;;
    *..*) range=$1; shift ;;
    *) echo "seeds.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
if [ -z "${range:-}" ] || [ $# -eq 0 ] || ! [[ $range =~ ^[0-9]+\.\.[0-9]+$ ]]; then
    sed -n '2,19p' "$0" >&2
    exit 2
fi
first=${range%..*} last=${range#*..}
base=${NDISLOCK_OPTIONS:-}
out=$(mktemp)
trap 'rm -f "$out" "$out.2"' EXIT

# The lines a report consists of, with what differs between equal runs blanked.
signature() {
    grep -E '^ndislock: (error|warning):|ASSERT\(' "$1" |
        sed -E 's/0x[0-9a-f]+/0x_/g; s/thread [0-9]+/thread _/g; s/[0-9]+ (us|ms|ns)/_ \1/g'
}

# One run of seed $1 into $2; the command line it was, in $cmd (for printing).
run_seed() {
    if [ -n "$arg" ]; then
        cmd=("$@" "$arg$settings:sched_seed=$1")
        cmd=("${cmd[@]:2}")
        { ("${cmd[@]}" >"$2" 2>&1); } 2>/dev/null    # the shell's "Aborted" notice goes nowhere
    else
        opts=${base:+$base:}$settings:sched_seed=$1
        cmd=("NDISLOCK_OPTIONS=$opts" "${@:3}")
        { (NDISLOCK_OPTIONS=$opts "${@:3}" >"$2" 2>&1); } 2>/dev/null
    fi
}

for ((s = first; s <= last; s++)); do
    run_seed "$s" "$out" "$@"
    rc=$?
    if [ $rc -ne 0 ] || grep -q '^ndislock: error:' "$out"; then
        echo "seeds.sh: seed $s reported (exit status $rc, run $((s - first + 1)) of $range):"
        cat "$out"
        printf 'seeds.sh: replay:'
        printf ' %q' "${cmd[@]}"
        echo
        if [ "$replay" -gt 0 ]; then
            want=$(signature "$out")
            same=0
            for ((i = 0; i < replay; i++)); do
                run_seed "$s" "$out.2" "$@"
                [ "$(signature "$out.2")" = "$want" ] && same=$((same + 1))
            done
            echo "seeds.sh: replayed $replay times: $same reported the same"
        fi
        exit 1
    fi
done
echo "seeds.sh: seeds $range: no report in $((last - first + 1)) runs"
exit 0
