#!/usr/bin/env bash
# scripts/run-sample.sh, as a new user runs it, on a copy of the source tree:
# in a container without dpkg records (dpkg and dpkg-query know no package,
# apt-get fails and logs) and without clang, with the other tools present.
#  1. the copy with an injected warning: builds (no -Werror), shows the
#     warning, runs the sample under the verifier, exit 0, installs nothing;
#  2. the copy with an injected compile error: exit status 1, the compiler's
#     message on the output, the sample not run.
#   run_sample_test.sh SOURCE_DIR WORK_DIR
set -u
src=$1 work=$2
rm -rf "$work" && mkdir -p "$work/tree" "$work/bin" "$work/home"
tar -C "$src" --exclude=./build --exclude=./.git -cf - . | tar -C "$work/tree" -xf -
failures=0

# PATH: every real command (first of each name) but clang, and the shims.
. "$(dirname "$0")/farm.sh"
farm "$work/bin"
# rm the links first: writing through a link into /usr/bin would replace the real command.
rm -f "$work/bin"/clang "$work/bin"/clang-[0-9]* "$work/bin/dpkg-query" "$work/bin/dpkg" "$work/bin/apt-get"
log=$work/apt-get.log
: >"$log"
printf '#!/bin/sh\necho "dpkg-query: no packages found matching $*" >&2; exit 1\n' >"$work/bin/dpkg-query"
printf '#!/bin/sh\necho "dpkg: no package database" >&2; exit 2\n' >"$work/bin/dpkg"
printf '#!/bin/sh\necho "apt-get $*" >>"%s"; echo "E: apt-get is not to be called here" >&2; exit 100\n' \
    "$log" >"$work/bin/apt-get"
chmod +x "$work/bin/dpkg-query" "$work/bin/dpkg" "$work/bin/apt-get"

sample() {  # runs the copy's run-sample.sh in a clean environment; sets $rc, $out
    out=$(env -i PATH="$work/bin" HOME="$work/home" TMPDIR="$work" \
              "$work/tree/scripts/run-sample.sh" --seconds=0.3 --quiet 2>&1)
    rc=$?
    printf '%s\n' "$out" | sed 's/^/    | /'
}
check() {  # check DESCRIPTION CONDITION...
    local what=$1
    shift
    if "$@"; then echo "ok    $what"; else echo "FAIL  $what"; failures=$((failures + 1)); fi
}
has() { grep -q -- "$1" <<<"$out"; }

# The first library source, whatever the layout.
victim=$(cd "$work/tree" && find src -name '*.c' | sort | head -n 1)
[ -n "$victim" ] || { echo "FAIL  no .c file under src/"; exit 1; }

echo "-- 1. $victim with an unused static function (a warning)"
printf '\nstatic int run_sample_test_unused(void) { return 0; }\n' >>"$work/tree/$victim"
sample
check "exit status 0 (got $rc)" [ "$rc" -eq 0 ]
check "the compiler's warning is shown" has "warning: .*run_sample_test_unused"
check "the sample ran under the verifier" has "verifier: 0 violation"
check "no clang needed, nothing installed, dpkg never consulted" [ ! -s "$log" ]

echo "-- 2. $victim with an undeclared identifier (an error)"
printf '\nint run_sample_test_error = run_sample_test_undeclared;\n' >>"$work/tree/$victim"
sample
check "exit status 1 (got $rc)" [ "$rc" -eq 1 ]
check "the compiler's error is shown" has "error: .*run_sample_test_undeclared"
check "the failure is named" has "the build failed"
check "the sample did not run" eval '! has "== ndis_miniport"'

echo "run_sample_test: $failures failure(s)"
[ "$failures" -eq 0 ]
