#!/bin/sh
# The packaging test: configures the top-level CMake project on an already built library
# (ANNOY_LIB_DIR, so no cargo run), then checks (check_prefix.sh) both what
# `cmake --install` puts in a fresh prefix and the release archive `cpack` makes, unpacked.
# Exits non-zero on any failure.
# Usage: run_consumer.sh <annoy source dir> <dir holding libannoy.so/.a> <work dir>
set -eu
src=$1
libdir=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"

echo "== configure + build + install into $work/prefix"
cmake -S "$src" -B "$work/build" -DCMAKE_INSTALL_PREFIX="$work/prefix" -DANNOY_LIB_DIR="$libdir" \
  >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
cmake --install "$work/build" | sed 's/^/  /'
sh "$here/check_prefix.sh" "$work/prefix" "$work/check-install"

echo "== release archive (cpack), unpacked"
(cd "$work/build" && cpack >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
archive=$(ls "$work"/build/dist/annoy-*.tar.gz)
echo "  $(basename "$archive"): $(wc -c <"$archive") bytes"
mkdir -p "$work/unpacked"
tar -xzf "$archive" -C "$work/unpacked"
sh "$here/check_prefix.sh" "$work/unpacked/$(basename "$archive" .tar.gz)" "$work/check-archive"
echo "packaging: ok"
