#!/usr/bin/env bash
# Model-checks tests/model/spinlock.pml with SPIN: the protocol must pass
# (no assertion violation, no invalid end state) and each broken variant
# must fail.  Exits 77 (CTest: skipped) when spin or a C compiler is absent.
#   check_model.sh path/to/spinlock.pml workdir
set -u
pml=$1 work=$2
command -v spin >/dev/null 2>&1 || { echo "SKIP: spin (the model checker) not installed (Debian: spin)"; exit 77; }
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || { echo "SKIP: no C compiler for pan"; exit 77; }
mkdir -p "$work" && cd "$work" || exit 1

# check expect(pass|fail) flags...: exhaustive search, SAFETY = asserts + end states
check() {
    local expect=$1; shift
    rm -f pan pan.* spinlock.pml.trail
    spin -a "$@" "$pml" >spin.log 2>&1 || { cat spin.log; echo "FAIL: spin -a $*"; return 1; }
    # a failing variant needs few states: an unoptimized pan compiles faster than it searches
    local opt=-O2; [ "$expect" = fail ] && opt=-O0
    "$cc" $opt -w -DSAFETY -DCOLLAPSE -o pan pan.c || { echo "FAIL: compiling pan ($*)"; return 1; }
    ./pan -m200000 -w24 >pan.log 2>&1
    local errors; errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.log)
    local states; states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' pan.log)
    if grep -q "search depth too small\|max search depth too small" pan.log; then
        echo "FAIL: $* : search depth too small"; return 1
    fi
    case $expect in
    pass) if [ "${errors:-x}" = 0 ]; then echo "ok   $* : 0 errors, $states states"; return 0; fi ;;
    fail) if [ -n "$errors" ] && [ "$errors" -gt 0 ]; then
              echo "ok   $* : fails as it must ($(grep -m1 'pan:1' pan.log))"; return 0; fi ;;
    esac
    cat pan.log
    echo "FAIL: $* expected to $expect, errors: ${errors:-?}"
    return 1
}

rc=0
check pass -DN=2 -DITER=2 || rc=1                 # the protocol, both kinds of acquire mixed
check fail -DN=2 -DITER=2 -DNO_FENCE || rc=1      # the lost wake-up the heavy fence prevents
check fail -DN=3 -DITER=1 -DNO_FENCE || rc=1
check fail -DN=2 -DITER=2 -DNO_LOOK || rc=1       # going to sleep without a last look at the word
check fail -DN=2 -DITER=2 -DPLAIN_REVOKE || rc=1  # taking an offer back without a CAS: two owners
check fail -DN=3 -DITER=1 -DPLAIN_REVOKE || rc=1
# Larger runs: sleeps that also end by their deadline, three threads, three
# rounds each of two.  Exhaustive but up to a few GB of state store and
# minutes each (docs/PERFORMANCE.md gives the figures); NDISLOCK_MODEL_FULL=1.
if [ "${NDISLOCK_MODEL_FULL:-0}" = 1 ]; then
    check pass -DN=2 -DITER=2 -DTIMEOUTS || rc=1
    check pass -DN=3 -DITER=1 || rc=1
    check pass -DN=2 -DITER=3 || rc=1
fi
exit $rc
