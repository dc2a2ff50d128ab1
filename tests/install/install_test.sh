#!/usr/bin/env bash
# Installs the build into a scratch prefix, then builds tests/install/app.c
# (Windows names only) against it twice - with pkg-config, as the README says,
# and with CMake's find_package - and runs both.
#   install_test.sh <build-dir> <source-dir>
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib64/pkgconfig:$tmp/prefix/lib/$(gcc -dumpmachine)/pkgconfig"

echo "-- pkg-config: cc app.c \$(pkg-config --cflags --libs ndislock)"
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror -o "$tmp/app-pc" "$src/tests/install/app.c" $(pkg-config --cflags --libs ndislock) -lpthread
LD_LIBRARY_PATH="$(pkg-config --variable=libdir ndislock)" "$tmp/app-pc"

echo "-- CMake: find_package(ndislock)"
mkdir -p "$tmp/consumer"
cp "$src/tests/install/app.c" "$tmp/consumer/"
cp "$src/tests/install/CMakeLists.txt.in" "$tmp/consumer/CMakeLists.txt"
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer/build" >/dev/null
"$tmp/consumer/build/app"
echo "install_test: both consumers built and ran"
