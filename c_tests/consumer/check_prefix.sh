#!/bin/sh
# Checks an installed annoy (a `cmake --install` prefix or an unpacked release archive) the
# way a user meets it: the files and symlinks are there, the libraries are stripped, and
# programs outside the library build and run against it with find_package(annoy) (shared,
# static, C++17 through annoy.hpp) and with pkg-config (shared with LD_LIBRARY_PATH and with
# an rpath; static through Libs.private). Exits non-zero on any failure.
# Usage: check_prefix.sh <prefix> <work dir>
set -eu
prefix=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
for tool in cmake pkg-config cc c++ readelf; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found"; exit 1; }
done
rm -rf "$work"
mkdir -p "$work"

sofile=$(ls "$prefix"/lib/libannoy.so.*.*.* 2>/dev/null || ls "$prefix"/lib/*/libannoy.so.*.*.*)
lib=$(dirname "$sofile")
major=$(sed -n 's/^#define ANNOY_VERSION_MAJOR \([0-9]*\)$/\1/p' "$prefix/include/annoy.h")
for f in libannoy.so "libannoy.so.$major" libannoy.a pkgconfig/annoy.pc cmake/annoy/annoyConfig.cmake \
         cmake/annoy/annoyConfigVersion.cmake cmake/annoy/annoyNativeStaticLibs.cmake; do
  [ -e "$lib/$f" ] || { echo "FAIL: $lib/$f not installed"; exit 1; }
done
for f in include/annoy.h include/annoy.hpp share/doc/annoy/LICENSE; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
[ "$(readlink "$lib/libannoy.so")" = "libannoy.so.$major" ] || { echo "FAIL: libannoy.so -> $(readlink "$lib/libannoy.so")"; exit 1; }
[ "$(readlink "$lib/libannoy.so.$major")" = "$(basename "$sofile")" ] || { echo "FAIL: libannoy.so.$major symlink"; exit 1; }

# stripped: no symbol table or debug info in the shared library, no debug info in the archive
if readelf -S -W "$sofile" | grep -qE ' \.(symtab|debug_[a-z]+) '; then
  echo "FAIL: $(basename "$sofile") is not stripped"; exit 1
fi
if readelf -S -W "$lib/libannoy.a" | grep -qE ' \.debug_[a-z]+ '; then
  echo "FAIL: libannoy.a carries debug info"; exit 1
fi
echo "  stripped: $(basename "$sofile") $(wc -c <"$sofile") bytes, libannoy.a $(wc -c <"$lib/libannoy.a") bytes"

echo "== find_package(annoy): consumer_shared (annoy::annoy), consumer_static (annoy::annoy_static), consumer_cpp"
cmake -S "$here" -B "$work/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/consumer-configure.log" \
  || { cat "$work/consumer-configure.log"; exit 1; }
grep 'annoy' "$work/consumer-configure.log" | sed 's/^/  /'
cmake --build "$work/consumer-build" >"$work/consumer-build.log" 2>&1 || { cat "$work/consumer-build.log"; exit 1; }
# the shared ones find the library through the RPATH CMake gives build-tree binaries
"$work/consumer-build/consumer_shared" "$work"
"$work/consumer-build/consumer_static" "$work"
"$work/consumer-build/consumer_cpp" "$work"
if readelf -d "$work/consumer-build/consumer_static" | grep -q 'libannoy'; then
  echo "FAIL: consumer_static depends on libannoy.so"; exit 1
fi
readelf -d "$work/consumer-build/consumer_shared" | grep -q "NEEDED.*\[libannoy\.so\.$major\]" \
  || { echo "FAIL: consumer_shared does not record libannoy.so.$major"; exit 1; }

echo "== pkg-config"
export PKG_CONFIG_PATH="$lib/pkgconfig"
echo "  pkg-config --modversion annoy: $(pkg-config --modversion annoy)"
echo "  pkg-config --cflags --libs annoy: $(pkg-config --cflags --libs annoy)"
echo "  pkg-config --static --libs annoy: $(pkg-config --static --libs annoy)"
pkg-config --static --libs annoy | grep -q -- '-lpthread' || { echo "FAIL: Libs.private missing"; exit 1; }
# shellcheck disable=SC2046
cc -o "$work/consumer_pkgconfig" "$here/main.c" $(pkg-config --cflags --libs annoy)
LD_LIBRARY_PATH="$lib" "$work/consumer_pkgconfig" "$work"
# shellcheck disable=SC2046
cc -o "$work/consumer_rpath" "$here/main.c" $(pkg-config --cflags --libs annoy) -Wl,-rpath,"$lib"
env -u LD_LIBRARY_PATH "$work/consumer_rpath" "$work"
# static: the archive by name, then what --static adds
# shellcheck disable=SC2046
cc -o "$work/consumer_pkgconfig_static" "$here/main.c" $(pkg-config --cflags annoy) \
  "$lib/libannoy.a" $(pkg-config --static --libs-only-l annoy | sed 's/-lannoy//')
env -u LD_LIBRARY_PATH "$work/consumer_pkgconfig_static" "$work"
# shellcheck disable=SC2046
c++ -std=c++17 -o "$work/consumer_cpp_pkgconfig" "$here/main.cpp" $(pkg-config --cflags --libs annoy) \
  -Wl,-rpath,"$lib"
"$work/consumer_cpp_pkgconfig" "$work"
echo "installed package at $prefix: ok"
