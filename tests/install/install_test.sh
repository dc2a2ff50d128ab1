#!/usr/bin/env bash
# The installed package, each way a user reaches it (tests/install/CMakeLists.txt
# registers one test per mode).  app.c is written only against the Windows names.
#
#   install_test.sh MODE SOURCE_DIR WORK_DIR
#     recipe            runs README's "Build and install" block, as pasted, in a copy of
#                       the source tree with HOME=WORK_DIR/home: installs to WORK_DIR/home/.local
#     pkgconfig         cc app.c $(pkg-config --cflags --libs ndislock): uses libndislock.so
#     pkgconfig_static  cc -static app.c $(pkg-config --static --cflags --libs ndislock)
#     find_package      CMake find_package(ndislock): ndislock::ndislock and ::ndislock_static
#     subdirectory      CMake add_subdirectory(SOURCE_DIR): the same two targets (no install)
set -euo pipefail
mode=$1 src=$2 work=$3
prefix=$work/home/.local
cc=${CC:-cc}
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig

fail() { echo "install_test $mode: FAIL: $*"; exit 1; }
# needed FILE: the shared libraries FILE was linked against.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

case $mode in
recipe)
    # Only this mode's part of WORK_DIR: install_subdirectory may be running beside it.
    rm -rf "$work/home" "$work/src" && mkdir -p "$work/home" "$work/src"
    # The tree as a user checks it out: no build directories.
    tar -C "$src" --exclude=./build --exclude=./.git -cf - . | tar -C "$work/src" -xf -
    # The first ```sh block after the "## Build and install" heading.
    awk '/^## Build and install/ { s = 1 } s == 1 && /^```sh/ { s = 2; next } s == 2 && /^```/ { exit }
         s == 2 { print }' "$src/README.md" >"$work/recipe.sh"
    [ -s "$work/recipe.sh" ] || fail "no \`\`\`sh block under '## Build and install' in README.md"
    echo "-- README.md's recipe:"; cat "$work/recipe.sh"
    (cd "$work/src" && HOME=$work/home bash -euxo pipefail "$work/recipe.sh")
    [ -f "$prefix/lib/pkgconfig/ndislock.pc" ] || fail "the recipe did not install $prefix/lib/pkgconfig/ndislock.pc"
    ;;
pkgconfig)
    flags=$(pkg-config --cflags --libs ndislock)
    echo "-- $cc app.c $flags"
    # shellcheck disable=SC2086
    "$cc" -Wall -Wextra -Werror -o "$work/app-pc" "$src/tests/install/app.c" $flags -lpthread
    needed "$work/app-pc" | grep -q '^libndislock\.so' || fail "app-pc does not use libndislock.so"
    LD_LIBRARY_PATH=$prefix/lib "$work/app-pc"
    LD_LIBRARY_PATH=$prefix/lib NDISLOCK_OPTIONS=verify=1 "$work/app-pc"   # the verifier too
    ;;
pkgconfig_static)
    flags=$(pkg-config --static --cflags --libs ndislock)
    echo "-- $cc -static app.c $flags"
    # shellcheck disable=SC2086
    "$cc" -Wall -Wextra -Werror -static -o "$work/app-static" "$src/tests/install/app.c" $flags
    [ -z "$(needed "$work/app-static")" ] || fail "app-static needs shared libraries: $(needed "$work/app-static")"
    "$work/app-static"
    NDISLOCK_OPTIONS=verify=1 "$work/app-static"   # the verifier (and its libdw) linked statically
    ;;
find_package)
    rm -rf "$work/find_package"
    # The exported targets name libdw, never this machine's path to it.
    if grep -n 'libdw\.so\|/libdw' "$prefix"/lib/cmake/ndislock/ndislockTargets*.cmake; then
        fail "the exported targets hard-code a libdw path (above)"
    fi
    cmake -S "$src/tests/install/consumer" -B "$work/find_package" -DCMAKE_PREFIX_PATH="$prefix" \
          -DCMAKE_C_FLAGS="-Wall -Wextra -Werror"
    cmake --build "$work/find_package"
    needed "$work/find_package/app" | grep -q '^libndislock\.so' || fail "app does not use libndislock.so"
    needed "$work/find_package/app_static" | grep -q '^libndislock\.so' && fail "app_static uses libndislock.so"
    "$work/find_package/app"
    "$work/find_package/app_static"
    ;;
subdirectory)
    rm -rf "$work/subdirectory"
    cmake -S "$src/tests/install/consumer" -B "$work/subdirectory" -DNDISLOCK_SOURCE_DIR="$src" \
          -DCMAKE_C_FLAGS="-Wall -Wextra -Werror"
    cmake --build "$work/subdirectory"
    "$work/subdirectory/app"
    "$work/subdirectory/app_static"
    ;;
*)
    fail "unknown mode"
    ;;
esac
echo "install_test $mode: ok"
