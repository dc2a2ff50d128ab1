# Sourced by the scripts in this folder: make sure the Debian packages they
# need are present, installing the missing ones (as root, or through sudo).
#   ndislock_need_packages pkg...
ndislock_need_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "ndislock: installing missing Debian packages: ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            echo "ndislock: need root (or sudo) to install: ${missing[*]}" >&2
            echo "ndislock: run: apt-get install -y ${missing[*]}" >&2
            return 1
        fi
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
        $sudo apt-get update -qq >/dev/null 2>&1 &&
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    } || { echo "ndislock: could not install: ${missing[*]}" >&2; return 1; }
}

# The toolchain every build needs.
NDISLOCK_BUILD_PACKAGES=(cmake ninja-build gcc g++ clang pkg-config libc6-dev)
