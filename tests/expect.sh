#!/usr/bin/env bash
# Runs a test program and checks both its exit status and its output (stdout
# and stderr together): CTest's PASS_REGULAR_EXPRESSION alone ignores the exit
# status, so a test that passes on a line of output could hide a crash.
#
#   expect.sh [--status N|errors] [--match ERE]... [--reject ERE]... [--once ERE]... -- command [args...]
#     --status N       the exit status must be N (default 0)
#     --status errors  66 when an "ndislock: error:" report was printed, else 0
#                      (halt_on_error=0: a run whose other reports are warnings only exits 0)
#     --match ERE      some line of the output matches
#     --reject ERE     no line of the output matches
#     --once ERE       exactly one line of the output matches
set -u
status=0 match=() reject=() once=()
while [ $# -gt 0 ]; do
    case $1 in
    --status) status=$2; shift 2 ;;
    --match) match+=("$2"); shift 2 ;;
    --reject) reject+=("$2"); shift 2 ;;
    --once) once+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "expect.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[ $# -gt 0 ] || { echo "expect.sh: no command" >&2; exit 2; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" >"$out" 2>&1
rc=$?
cat "$out"

fail=0
if [ "$status" = errors ]; then
    if grep -q 'ndislock: error:' "$out"; then status=66; else status=0; fi
fi
[ "$rc" -eq "$status" ] || { echo "expect: FAIL: exit status $rc, expected $status"; fail=1; }
for re in ${match[@]+"${match[@]}"}; do
    grep -Eq -- "$re" "$out" || { echo "expect: FAIL: no line matches /$re/"; fail=1; }
done
for re in ${reject[@]+"${reject[@]}"}; do
    grep -Eq -- "$re" "$out" && { echo "expect: FAIL: a line matches /$re/:"; grep -E -m3 -- "$re" "$out"; fail=1; }
done
for re in ${once[@]+"${once[@]}"}; do
    n=$(grep -Ec -- "$re" "$out")
    [ "$n" -eq 1 ] || { echo "expect: FAIL: $n lines match /$re/, expected exactly 1"; fail=1; }
done
[ $fail -eq 0 ] && echo "expect: ok (exit status $rc)"
exit $fail
