#!/usr/bin/env bash
# scripts/deps.sh on machines it must work on, simulated with a PATH of links
# to every real command except the ones a case hides, plus shims: dpkg and
# dpkg-query that know no package (a container without dpkg records), apt-get
# and sudo that log their calls, id that claims a non-root user.  No case
# installs anything for real.
#   deps_test.sh SOURCE_DIR WORK_DIR
set -u
src=$1 work=$2
deps=$src/scripts/deps.sh
rm -rf "$work" && mkdir -p "$work/base"
failures=0

# The base farm: every command on PATH (farm.sh).
. "$(dirname "$0")/farm.sh"
farm "$work/base"
shim() {  # shim DIR NAME BODY: a shell script NAME in DIR
    # rm first: DIR/NAME may be a link into /usr/bin, and writing through it would replace the real command.
    rm -f "$1/$2" && printf '#!/bin/sh\n%s\n' "$3" >"$1/$2" && chmod +x "$1/$2"
}

# setup NAME HIDDEN: a PATH ($bin) of the base farm less HIDDEN (space-separated), with
# the dpkg shims and, unless hidden, an apt-get that logs to $log and "installs" (links
# from the base farm) the commands named in APT_PROVIDES, or fails without it.
setup() {
    local h
    bin=$work/$1/bin log=$work/$1/calls.log
    mkdir -p "$work/$1" && cp -a "$work/base" "$bin" && : >"$log"
    for h in $2; do rm -f "$bin/$h"; done
    shim "$bin" dpkg-query 'echo "dpkg-query: no packages found matching $*" >&2; exit 1'
    shim "$bin" dpkg 'echo "dpkg: no package database" >&2; exit 2'
    [ -e "$bin/apt-get" ] || return 0
    shim "$bin" apt-get "echo \"apt-get \$*\" >>'$log'
[ -n \"\${APT_PROVIDES:-}\" ] || { echo 'E: Unable to locate package' >&2; exit 100; }
case \"\$*\" in *install*) for c in \$APT_PROVIDES; do ln -sfn '$work/base/'\$c '$bin/'\$c; done ;; esac"
}
# go [VAR=value...] -- SHELL-CODE: runs SHELL-CODE in a clean environment on $bin after
# sourcing deps.sh under set -euo pipefail, as the scripts do; sets $rc and $out.
go() {
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    out=$(env -i PATH="$bin" HOME="$work" TMPDIR="$work" "${envs[@]}" \
              bash -c "set -euo pipefail; . '$deps'; $2" 2>&1)
    rc=$?
}

check() {  # check DESCRIPTION CONDITION...
    local what=$1
    shift
    if "$@"; then
        echo "ok    $case_name: $what"
    else
        echo "FAIL  $case_name: $what"
        printf '      | %s\n' "exit status $rc" "${out//$'\n'/$'\n      | '}" "calls: $(tr '\n' ';' <"$log")"
        failures=$((failures + 1))
    fi
}
has() { grep -q -- "$1" <<<"$out"; }
called() { grep -q -- "$1" "$log"; }
nocalls() { [ ! -s "$log" ]; }

sample='"cmake=cmake" "ninja|make=make" "cc|gcc|clang=gcc" "link:$(ndislock_cc)=libc6-dev"'

case_name="no dpkg records, no clang, tools present"
setup nodpkg "clang"
go -- "ndislock_require $sample"
check "the sample's tools are found" [ "$rc" -eq 0 ]
check "nothing is installed" nocalls
check "nothing is said" [ -z "$out" ]

case_name="cmake missing, NDISLOCK_NO_INSTALL=1"
setup noinstall "cmake"
go NDISLOCK_NO_INSTALL=1 -- "ndislock_require $sample"
check "fails" [ "$rc" -ne 0 ]
check "names the command and its package" has "missing: cmake (cmake)"
check "says why it does not install" has "NDISLOCK_NO_INSTALL=1"
check "does not call apt-get" nocalls

case_name="cmake missing, installed by apt-get"
setup install "cmake"
go APT_PROVIDES=cmake -- "ndislock_require $sample && command -v cmake"
check "succeeds" [ "$rc" -eq 0 ]
check "says it installs" has "installing with apt-get: cmake"
check "apt-get install names the package" called "apt-get .*install.* cmake"

case_name="cmake missing, apt-get cannot install it"
setup aptfails "cmake"
go -- "ndislock_require $sample"
check "fails" [ "$rc" -ne 0 ]
check "shows apt-get's error" has "Unable to locate package"
check "says it cannot go on" has "cannot go on without them"

case_name="cmake missing, not root, no sudo"
setup nosudo "cmake sudo"
go APT_PROVIDES=cmake -- "id() { echo 1000; }; ndislock_require $sample"
check "fails" [ "$rc" -ne 0 ]
check "says root or sudo is needed" has "need root or sudo"
check "does not call apt-get" nocalls

case_name="cmake missing, not root, sudo"
setup sudo "cmake"
shim "$bin" sudo "echo \"sudo \$*\" >>'$log'; exec \"\$@\""
go APT_PROVIDES=cmake -- "id() { echo 1000; }; ndislock_require $sample"
check "succeeds" [ "$rc" -eq 0 ]
check "installs through sudo" called "^sudo .*apt-get .*install.* cmake"

case_name="cmake missing, no apt-get (not Debian)"
setup noapt "cmake apt-get"
go -- "ndislock_require $sample"
check "fails" [ "$rc" -ne 0 ]
check "says to use the system's package manager" has "no apt-get here"

case_name="neither ninja nor make, NDISLOCK_NO_INSTALL=1"
setup nobuildtool "ninja make"
go NDISLOCK_NO_INSTALL=1 -- "ndislock_require $sample"
check "fails" [ "$rc" -ne 0 ]
check "names both and the package" has "missing: ninja or make (make)"

case_name="generator"
setup ninja ""
shim "$bin" ninja 'exit 0'               # whether or not this machine has ninja
go -- ndislock_generator
check "Ninja when ninja is there" [ "$out" = Ninja ]
setup make "ninja"
go -- ndislock_generator
check "Unix Makefiles without ninja" [ "$out" = "Unix Makefiles" ]

case_name="a compiler that cannot link (no C library), NDISLOCK_NO_INSTALL=1"
setup nolibc "cc"
shim "$bin" cc 'exit 1'
go NDISLOCK_NO_INSTALL=1 -- "ndislock_require $sample"
check "fails" [ "$rc" -ne 0 ]
check "names the C library's package" has "a C library for cc (libc6-dev)"

case_name="headers and libraries"
setup headers ""
go NDISLOCK_NO_INSTALL=1 -- 'ndislock_require "header:stdio.h=libc6-dev" "lib:c=libc6-dev"'
check "a present header and library are found" [ "$rc" -eq 0 ]
go NDISLOCK_NO_INSTALL=1 -- 'ndislock_require "header:ndislock_no_such.h=libnosuch-dev" "lib:ndislock_no_such=libnosuch2-dev"'
check "absent ones fail" [ "$rc" -ne 0 ]
check "named with their packages" has "missing: <ndislock_no_such.h> (libnosuch-dev), libndislock_no_such (libnosuch2-dev)"

case_name="libdw missing, NDISLOCK_NO_INSTALL=1"
setup nolibdw ""
shim "$bin" cc-nodw "case \"\$*\" in *-ldw*) exit 1 ;; esac; exec '$work/base/cc' \"\$@\""
go NDISLOCK_NO_INSTALL=1 CC=cc-nodw -- "ndislock_want_libdw || echo absent"
check "goes on, reporting it absent" [ "$rc" -eq 0 ]
check "reported absent" has "^absent$"
check "says once what it costs" [ "$(grep -c 'file:line' <<<"$out")" -eq 1 ]
check "does not call apt-get" nocalls

echo "deps_test: $failures failure(s)"
[ "$failures" -eq 0 ]
