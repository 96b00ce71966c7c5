#!/bin/sh
# Makes the release archive of the C/C++ library from this checkout, in one command, and tests
# it: a clean CMake build (CMake runs cargo), `cpack` to dist/annoy-<version>-<target>.tar.gz
# (header and C++ wrapper, stripped libannoy.so and libannoy.a, CMake package, pkg-config
# file, licence), then the archive unpacked in a temporary directory and the consumer project
# (c_tests/consumer) built and run against it.
#
#   scripts/release.sh                 # the host target
#   ANNOY_RELEASE_DIR=/some/dir scripts/release.sh
#
# Build trees live in target/release-build/<target> (kept, so a second run is incremental).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${ANNOY_RELEASE_DIR:-$root/dist}
host=$(rustc -vV | sed -n 's/^host: //p')
build="$root/target/release-build/$host"
mkdir -p "$dist"

echo "== cmake configure + build ($host)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DANNOY_LIB_DIR= >/dev/null
cmake --build "$build"
echo "== cpack"
rm -rf "$build/dist"
(cd "$build" && cpack >/dev/null)
archive=$(ls "$build"/dist/annoy-*-"$host".tar.gz)
cp "$archive" "$dist/"
out="$dist/$(basename "$archive")"

echo "== testing $out unpacked"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$out" -C "$tmp"
sh "$root/c_tests/consumer/check_prefix.sh" "$tmp/$(basename "$out" .tar.gz)" "$tmp/check"
echo "release archive: $out ($(wc -c <"$out") bytes)"
tar -tzf "$out" | sed 's/^/  /'
