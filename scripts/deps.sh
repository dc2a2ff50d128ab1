# Sourced by run-sample.sh and test.sh.  Checks that the tools a build needs
# work, by looking for the commands themselves (never dpkg's records, so any
# Linux with the tools passes, a container without dpkg state included), and
# only when something is missing installs it from Debian with apt-get (as root,
# or through sudo), saying so first.  NDISLOCK_NO_INSTALL=1: never install;
# name what is missing and fail.  tests/scripts/deps_test.sh checks each case.
#
#   ndislock_require WHAT=PACKAGE...  0 when every WHAT is there (installing the missing PACKAGEs)
#       WHAT is  cmd1|cmd2   one of these commands is on PATH
#             or link:CC     compiler CC links a C program (its C library is installed)
#             or lib:NAME    the C compiler links a program with -lNAME
#             or header:H    the C compiler finds #include <H>
#   ndislock_want_libdw               libdw, optional: 1 (after saying once what that costs) when absent
#   ndislock_cc                       prints the C compiler CMake will pick
#   ndislock_generator                prints the CMake generator to use

# ndislock__links CC SOURCE [flags...]: 0 when CC compiles and links the C program SOURCE.
ndislock__links() {
    local cc=$1 source=$2 dir rc=1
    shift 2
    command -v "$cc" >/dev/null 2>&1 || return 1
    dir=$(mktemp -d) || return 1
    printf '%s\n' "$source" >"$dir/probe.c"
    if "$cc" -o "$dir/probe" "$dir/probe.c" "$@" >/dev/null 2>&1; then rc=0; fi
    rm -rf "$dir"
    return $rc
}

# ndislock__has WHAT: 0 when WHAT (see above) is there.
ndislock__has() {
    local what=$1 c
    case $what in
    link:*) ndislock__links "${what#link:}" 'int main(void) { return 0; }' ;;
    lib:*)  ndislock__links "$(ndislock_cc)" 'int main(void) { return 0; }' "-l${what#lib:}" ;;
    header:*) ndislock__links "$(ndislock_cc)" "#include <${what#header:}>
int main(void) { return 0; }" ;;
    *)
        local IFS='|'
        for c in $what; do
            command -v "$c" >/dev/null 2>&1 && return 0
        done
        return 1
        ;;
    esac
}

# ndislock__describe WHAT: WHAT in words.
ndislock__describe() {
    case $1 in
    link:*) echo "a C library for ${1#link:}" ;;
    lib:*)  echo "lib${1#lib:}" ;;
    header:*) echo "<${1#header:}>" ;;
    *)      echo "${1//|/ or }" ;;
    esac
}

# ndislock__install PACKAGE...: apt-get install, as root or through sudo.
ndislock__install() {
    local sudo=
    if [ "${NDISLOCK_NO_INSTALL:-0}" = 1 ]; then
        echo "ndislock: not installing (NDISLOCK_NO_INSTALL=1); on Debian: apt-get install $*" >&2
        return 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "ndislock: no apt-get here: install them with this system's package manager" >&2
        return 1
    fi
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "ndislock: need root or sudo to run: apt-get install $*" >&2
            return 1
        fi
        sudo=sudo
    fi
    echo "ndislock: installing with apt-get: $* (NDISLOCK_NO_INSTALL=1 to skip)" >&2
    # A fresh container has no package lists: update first.  apt's errors stay on stderr.
    $sudo apt-get update -qq >/dev/null &&
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ndislock_require() {
    local spec missing=() packages=() list
    for spec in "$@"; do
        if ! ndislock__has "${spec%%=*}"; then
            missing+=("$(ndislock__describe "${spec%%=*}") (${spec#*=})")
            packages+=("${spec#*=}")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    printf -v list '%s, ' "${missing[@]}"
    echo "ndislock: missing: ${list%, }" >&2
    if ! ndislock__install "${packages[@]}"; then
        echo "ndislock: cannot go on without them" >&2
        return 1
    fi
    for spec in "$@"; do
        if ! ndislock__has "${spec%%=*}"; then
            echo "ndislock: still missing after installing: $(ndislock__describe "${spec%%=*}")" >&2
            return 1
        fi
    done
}

# The C compiler CMake will pick: $CC, else cc, gcc, clang.
ndislock_cc() {
    local c
    for c in ${CC:-} cc gcc clang; do
        command -v "$c" >/dev/null 2>&1 && { echo "$c"; return 0; }
    done
    echo cc
}

ndislock_want_libdw() {
    local cc src='#include <elfutils/libdwfl.h>
int main(void) { return dwfl_version(0) == 0; }'
    cc=$(ndislock_cc)
    ndislock__links "$cc" "$src" -ldw && return 0
    if [ "${NDISLOCK_NO_INSTALL:-0}" != 1 ] && command -v apt-get >/dev/null 2>&1 &&
        ndislock__install libdw-dev && ndislock__links "$cc" "$src" -ldw; then
        return 0
    fi
    echo "ndislock: libdw (elfutils; Debian: libdw-dev) not found: verifier reports will show" \
         "function+offset, not file:line" >&2
    return 1
}

# Ninja when present (faster, quieter), else make.
ndislock_generator() {
    if command -v ninja >/dev/null 2>&1; then echo Ninja; else echo "Unix Makefiles"; fi
}
