#!/bin/sh
# Makes the release archive of the C/C++ library from this checkout, in one command, and tests
# it: a clean CMake build (CMake runs cargo), `cpack` to dist/annoy-<version>-<target>.tar.gz
# (header and C++ wrapper, stripped libannoy.so and libannoy.a, CMake package, pkg-config
# file, licence), then the archive unpacked in a temporary directory and the consumer project
# (c_tests/consumer) built and run against it.
#
# Then the same for aarch64-unknown-linux-gnu (CMake with the cross gcc; the unpacked archive
# tested with C programs linked through its pkg-config file, run under qemu-user) and for
# x86_64-pc-windows-gnu (stripped bin/annoy.dll, lib/libannoy.dll.a import library, lib/libannoy.a
# unstripped,
# headers, licence; no CMake package or pkg-config file yet; tested with the consumer linked
# both ways, run under Wine), when their toolchains are installed (see .ci/cross.sh).
#
#   scripts/release.sh                 # every target whose toolchain is here
#   ANNOY_RELEASE_TARGETS=x86_64-unknown-linux-gnu scripts/release.sh
#   ANNOY_RELEASE_DIR=/some/dir scripts/release.sh
#
# Build trees live in target/release-build/<target> (kept, so a second run is incremental).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${ANNOY_RELEASE_DIR:-$root/dist}
host=$(rustc -vV | sed -n 's/^host: //p')
targets=${ANNOY_RELEASE_TARGETS:-$host aarch64-unknown-linux-gnu x86_64-pc-windows-gnu}
mkdir -p "$dist"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
made=""

# cmake_archive <target> [cmake args...]: configure, build, cpack; prints the archive's path
cmake_archive() {
  t=$1
  shift
  build="$root/target/release-build/$t"
  echo "== cmake configure + build ($t)" >&2
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DANNOY_LIB_DIR= "$@" >/dev/null
  cmake --build "$build" >&2
  echo "== cpack ($t)" >&2
  rm -rf "$build/dist"
  (cd "$build" && cpack >/dev/null)
  cp "$build"/dist/annoy-*-"$t".tar.gz "$dist/"
  echo "$dist/$(basename "$build"/dist/annoy-*-"$t".tar.gz)"
}

unpack() { # unpack <archive>: prints the unpacked top directory
  mkdir -p "$tmp/unpacked"
  tar -xzf "$1" -C "$tmp/unpacked"
  echo "$tmp/unpacked/$(basename "$1" .tar.gz)"
}

release_host() {
  out=$(cmake_archive "$host")
  echo "== testing $out unpacked"
  sh "$root/c_tests/consumer/check_prefix.sh" "$(unpack "$out")" "$tmp/check-$host"
  made="$made $out"
}

release_aarch64() {
  t=aarch64-unknown-linux-gnu
  out=$(cmake_archive $t -DANNOY_RUST_TARGET=$t -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc)
  echo "== testing $out unpacked (under qemu-aarch64)"
  prefix=$(unpack "$out")
  file -b "$prefix/lib/libannoy.so.0.1.0" | grep -q 'ARM aarch64.*stripped' || { echo "FAIL: not a stripped aarch64 library"; exit 1; }
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
  # shellcheck disable=SC2046
  aarch64-linux-gnu-gcc -o "$tmp/consumer_a64" "$root/c_tests/consumer/main.c" $(pkg-config --cflags --libs annoy)
  # shellcheck disable=SC2046
  aarch64-linux-gnu-gcc -o "$tmp/consumer_a64_static" "$root/c_tests/consumer/main.c" \
    $(pkg-config --cflags annoy) "$prefix/lib/libannoy.a" $(pkg-config --static --libs-only-l annoy | sed 's/-lannoy//')
  unset PKG_CONFIG_PATH
  LD_LIBRARY_PATH="$prefix/lib" qemu-aarch64 -L /usr/aarch64-linux-gnu "$tmp/consumer_a64" "$tmp" | tail -1 | grep -q '^consumer: ok'
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$tmp/consumer_a64_static" "$tmp" | tail -1 | grep -q '^consumer: ok'
  echo "  consumer (shared, static) under qemu-aarch64: ok"
  made="$made $out"
}

release_windows() {
  t=x86_64-pc-windows-gnu
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -1)
  echo "== cargo build ($t)"
  CARGO_TARGET_DIR="$root/target/release-build/$t/cargo" CARGO_PROFILE_RELEASE_DEBUG=0 \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    cargo build --release -p annoy-capi --target $t
  lib="$root/target/release-build/$t/cargo/$t/release"
  name="annoy-$version-$t"
  stage="$tmp/$name"
  mkdir -p "$stage/bin" "$stage/lib" "$stage/include" "$stage/share/doc/annoy"
  x86_64-w64-mingw32-strip --strip-unneeded -o "$stage/bin/annoy.dll" "$lib/annoy.dll"
  cp "$lib/libannoy.dll.a" "$stage/lib/"
  # as built: binutils' strip rejects the archive (a member with no sections)
  cp "$lib/libannoy.a" "$stage/lib/"
  cp "$root/include/annoy.h" "$root/include/annoy.hpp" "$stage/include/"
  cp "$root/LICENSE" "$stage/share/doc/annoy/"
  probe="$tmp/probe.rs"
  : >"$probe"
  rustc --crate-type staticlib --crate-name probe --target $t --print native-static-libs \
    -o "$tmp/libprobe.a" "$probe" 2>&1 | sed -n 's/.*native-static-libs: //p' >"$stage/lib/native-static-libs.txt"
  out="$dist/$name.tar.gz"
  tar -czf "$out" -C "$tmp" "$name"
  rm -rf "$stage"
  echo "== testing $out unpacked (under Wine)"
  prefix=$(unpack "$out")
  wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
  x86_64-w64-mingw32-gcc -o "$prefix/bin/consumer.exe" "$root/c_tests/consumer/main.c" \
    -I"$prefix/include" -L"$prefix/lib" -lannoy
  # shellcheck disable=SC2046
  x86_64-w64-mingw32-gcc -o "$tmp/consumer_static.exe" "$root/c_tests/consumer/main.c" \
    -I"$prefix/include" "$prefix/lib/libannoy.a" $(cat "$prefix/lib/native-static-libs.txt")
  export WINEPREFIX="$root/target/wine" WINEDEBUG=-all
  if [ ! -f "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
    # Wine 8's missing DLL, as in .ci/cross.sh
    "$wine" wineboot -i >/dev/null 2>&1 || true
    x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
      "$root/.ci/wine/bcryptprimitives.c" "$root/.ci/wine/bcryptprimitives.def" -lbcrypt
  fi
  (cd "$prefix/bin" && "$wine" consumer.exe .) | tail -1 | grep -q '^consumer: ok'
  (cd "$tmp" && "$wine" consumer_static.exe .) | tail -1 | grep -q '^consumer: ok'
  rm "$prefix/bin/consumer.exe"
  echo "  consumer (annoy.dll, libannoy.a) under Wine: ok"
  made="$made $out"
}

for t in $targets; do
  case $t in
    "$host") release_host ;;
    aarch64-unknown-linux-gnu)
      if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then
        release_aarch64
      else
        echo "skipping $t: apt-get install gcc-aarch64-linux-gnu qemu-user"
      fi ;;
    x86_64-pc-windows-gnu)
      if command -v x86_64-w64-mingw32-gcc >/dev/null && { command -v wine64 >/dev/null || [ -x /usr/lib/wine/wine64 ]; }; then
        release_windows
      else
        echo "skipping $t: apt-get install gcc-mingw-w64-x86-64 wine64"
      fi ;;
    *) echo "unknown target $t"; exit 1 ;;
  esac
done
echo "release archives:"
for a in $made; do echo "  $a ($(wc -c <"$a") bytes)"; done
