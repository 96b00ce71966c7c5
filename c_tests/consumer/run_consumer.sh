#!/bin/sh
# Installs the package (cmake/) into a fresh prefix, then builds and runs programs outside the
# library against it: with find_package(annoy) (annoy::annoy and annoy::annoy_static) and with
# pkg-config (shared; and static through Libs.private). Exits non-zero on any failure.
# Usage: run_consumer.sh <annoy source dir> <dir holding libannoy.so/.a> <work dir>
set -eu
src=$1
libdir=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
for tool in cmake pkg-config cc readelf; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found"; exit 1; }
done
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"

echo "== install into $prefix"
cmake -S "$src/cmake" -B "$work/install-build" -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DANNOY_LIB_DIR="$libdir" >"$work/install-configure.log" || { cat "$work/install-configure.log"; exit 1; }
cmake --install "$work/install-build" | sed 's/^/  /'
sofile=$(ls "$prefix"/lib*/libannoy.so.*.*.* 2>/dev/null || ls "$prefix"/lib/*/libannoy.so.*.*.*)
lib=$(dirname "$sofile")
for f in libannoy.so libannoy.so.0 libannoy.a pkgconfig/annoy.pc cmake/annoy/annoyConfig.cmake \
         cmake/annoy/annoyConfigVersion.cmake; do
  [ -e "$lib/$f" ] || { echo "FAIL: $lib/$f not installed"; exit 1; }
done
[ -e "$prefix/include/annoy.h" ] || { echo "FAIL: annoy.h not installed"; exit 1; }
[ "$(readlink "$lib/libannoy.so")" = libannoy.so.0 ] || { echo "FAIL: libannoy.so -> $(readlink "$lib/libannoy.so")"; exit 1; }
[ "$(readlink "$lib/libannoy.so.0")" = "$(basename "$sofile")" ] || { echo "FAIL: libannoy.so.0 symlink"; exit 1; }

echo "== find_package(annoy): consumer_shared (annoy::annoy), consumer_static (annoy::annoy_static)"
cmake -S "$here" -B "$work/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/consumer-configure.log" \
  || { cat "$work/consumer-configure.log"; exit 1; }
grep 'found annoy' "$work/consumer-configure.log" | sed 's/^/  /'
cmake --build "$work/consumer-build" >"$work/consumer-build.log" 2>&1 || { cat "$work/consumer-build.log"; exit 1; }
# the shared one finds the library through the RPATH CMake gives build-tree binaries
"$work/consumer-build/consumer_shared" "$work"
"$work/consumer-build/consumer_static" "$work"
if readelf -d "$work/consumer-build/consumer_static" | grep -q 'libannoy'; then
  echo "FAIL: consumer_static depends on libannoy.so"; exit 1
fi
readelf -d "$work/consumer-build/consumer_shared" | grep -q 'NEEDED.*\[libannoy\.so\.0\]' \
  || { echo "FAIL: consumer_shared does not record libannoy.so.0"; exit 1; }

echo "== pkg-config"
export PKG_CONFIG_PATH="$lib/pkgconfig"
echo "  pkg-config --modversion annoy: $(pkg-config --modversion annoy)"
echo "  pkg-config --cflags --libs annoy: $(pkg-config --cflags --libs annoy)"
echo "  pkg-config --static --libs annoy: $(pkg-config --static --libs annoy)"
pkg-config --static --libs annoy | grep -q -- '-ldl' || { echo "FAIL: Libs.private missing"; exit 1; }
# shared, run with LD_LIBRARY_PATH
# shellcheck disable=SC2046
cc -o "$work/consumer_pkgconfig" "$here/main.c" $(pkg-config --cflags --libs annoy)
LD_LIBRARY_PATH="$lib" "$work/consumer_pkgconfig" "$work"
# static: the archive by name, then what --static adds
# shellcheck disable=SC2046
cc -o "$work/consumer_pkgconfig_static" "$here/main.c" $(pkg-config --cflags annoy) \
  "$lib/libannoy.a" $(pkg-config --static --libs-only-l annoy | sed 's/-lannoy//')
env -u LD_LIBRARY_PATH "$work/consumer_pkgconfig_static" "$work"
echo "packaging: ok"
