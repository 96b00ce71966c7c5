#!/usr/bin/env bash
# Cross-builds and tests the library for aarch64-unknown-linux-gnu (run under qemu-user) and
# x86_64-pc-windows-gnu (run under Wine):
#   1. the core's Rust tests (unit tests, among them every kernel set against the portable
#      one, so NEON on aarch64; API, errors, determinism, recall, golden files, replacing a
#      mapped file), release build;
#   2. the C library (cargo build -p annoy-capi), then C programs linked against it:
#      aarch64: c_tests/test_{lifecycle,build_query,save_load,errors,threads,batch,golden}.c
#      against the shared library and test_{lifecycle,golden,errors}.c against the static one;
#      Windows: c_tests/consumer/main.c (every metric: build, save, load, query, error codes)
#      against annoy.dll and against libannoy.a (the C tests use POSIX calls Windows lacks).
# Not run here: the CLI and capi crates' tests, test_shared_mmap.c (it reads /proc), the C++
# tests (no cross C++ compiler installed).
# ANNOY_CROSS_TARGETS picks targets (default: both). Apt packages: gcc-aarch64-linux-gnu
# qemu-user gcc-mingw-w64-x86-64 wine64; rustup targets of the same names.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
targets=${ANNOY_CROSS_TARGETS:-aarch64-unknown-linux-gnu x86_64-pc-windows-gnu}
start=$(date +%s)
failures=()
step() { echo; echo "==> $*"; }
fail() { echo "FAILED: $*" >&2; failures+=("$*"); }
installed=$(rustup target list --installed 2>/dev/null)

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
wine=$(command -v wine64 || ls /usr/lib/wine/wine64 2>/dev/null || true)
wineserver=$(command -v wineserver64 || command -v wineserver || ls /usr/lib/wine/wineserver64 2>/dev/null || true)
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$wine
export WINEPREFIX=$root/target/wine WINEDEBUG=-all

wine_prefix() {
  # Wine 8 (Debian 12) lacks bcryptprimitives.dll, which Rust's std imports: a stand-in.
  if [ ! -f "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
    "$wine" wineboot -i >/dev/null 2>&1 || true
    "$wineserver" -w
    x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
      .ci/wine/bcryptprimitives.c .ci/wine/bcryptprimitives.def -lbcrypt
  fi
}

native_static_libs() { # native_static_libs <target>: what rustc says a static library needs
  local dir
  dir=$(mktemp -d)
  : >"$dir/probe.rs"
  rustc --crate-type staticlib --crate-name probe --target "$1" --print native-static-libs \
    -o "$dir/libprobe.a" "$dir/probe.rs" 2>&1 | sed -n 's/.*native-static-libs: //p'
  rm -rf "$dir"
}

aarch64() {
  local t=aarch64-unknown-linux-gnu lib="$root/target/aarch64-unknown-linux-gnu/release"
  local out="$root/target/cross/$t" run="qemu-aarch64 -L /usr/aarch64-linux-gnu"
  mkdir -p "$out"
  step "$t: cargo test --release -p annoy (under qemu-aarch64)"
  # tests that start themselves again (tests/kernel_sets.rs) need the emulator for the child
  ANNOY_TEST_RUNNER="$run" cargo test --release --target $t -p annoy --no-fail-fast \
    || fail "$t: Rust tests"
  step "$t: C library and C tests (under qemu-aarch64)"
  cargo build --release --target $t -p annoy-capi || { fail "$t: cargo build -p annoy-capi"; return; }
  # the programs ask for the SONAME
  cp "$lib/libannoy.so" "$out/libannoy.so.0"
  local libs
  libs=$(native_static_libs $t)
  for area in lifecycle build_query save_load errors threads batch golden; do
    aarch64-linux-gnu-gcc -O1 -Wall -Wextra -Werror -std=c11 -Iinclude -o "$out/test_$area" \
      "c_tests/test_$area.c" -L"$lib" -lannoy -lm -lpthread || { fail "$t: compile test_$area"; continue; }
    ANNOY_TEST_SMALL=1 LD_LIBRARY_PATH="$out" $run "$out/test_$area" tests/golden | tail -1 \
      || fail "$t: test_$area"
  done
  for area in lifecycle golden errors; do
    # shellcheck disable=SC2086
    aarch64-linux-gnu-gcc -O1 -Wall -Wextra -Werror -std=c11 -Iinclude -o "$out/test_${area}_static" \
      "c_tests/test_$area.c" "$lib/libannoy.a" $libs || { fail "$t: compile test_${area}_static"; continue; }
    ANNOY_TEST_SMALL=1 $run "$out/test_${area}_static" tests/golden | tail -1 || fail "$t: test_${area}_static"
  done
}

windows() {
  local t=x86_64-pc-windows-gnu lib="$root/target/x86_64-pc-windows-gnu/release"
  local out="$root/target/cross/$t"
  mkdir -p "$out"
  wine_prefix
  # one wine server for all the programs, ended below (a server per program raced at exit)
  "$wineserver" -p
  step "$t: cargo test --release -p annoy (under Wine)"
  # (a test that starts itself again needs no runner here: Wine starts Windows programs)
  cargo test --release --target $t -p annoy --no-fail-fast || fail "$t: Rust tests"
  step "$t: C library and the consumer program (under Wine)"
  cargo build --release --target $t -p annoy-capi || { fail "$t: cargo build -p annoy-capi"; return; }
  local libs
  libs=$(native_static_libs $t)
  # -lannoy takes the import library libannoy.dll.a; the DLL goes beside the program
  x86_64-w64-mingw32-gcc -O1 -Wall -Wextra -Werror -Iinclude -o "$out/consumer_shared.exe" \
    c_tests/consumer/main.c -L"$lib" -lannoy || fail "$t: compile consumer_shared"
  cp "$lib/annoy.dll" "$out/"
  # shellcheck disable=SC2086
  x86_64-w64-mingw32-gcc -O1 -Wall -Wextra -Werror -Iinclude -o "$out/consumer_static.exe" \
    c_tests/consumer/main.c "$lib/libannoy.a" $libs || fail "$t: compile consumer_static"
  for exe in consumer_shared consumer_static; do
    (cd "$out" && "$wine" "$exe.exe" .) | tail -1 | grep -q '^consumer: ok' || fail "$t: $exe"
  done
  "$wineserver" -k
}

for t in $targets; do
  case " $installed " in *"$t"*) ;; *) fail "rustup target $t not installed (rustup target add $t)"; continue ;; esac
  case $t in
    aarch64-unknown-linux-gnu)
      command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null \
        || { fail "$t: apt-get install gcc-aarch64-linux-gnu qemu-user"; continue; }
      aarch64 ;;
    x86_64-pc-windows-gnu)
      command -v x86_64-w64-mingw32-gcc >/dev/null && [ -n "$wine" ] \
        || { fail "$t: apt-get install gcc-mingw-w64-x86-64 wine64"; continue; }
      windows ;;
    *) fail "unknown target $t" ;;
  esac
done

step "summary"
echo ".ci/cross.sh took $(($(date +%s) - start)) s"
for f in "${failures[@]}"; do echo "FAILED: $f"; done
[ ${#failures[@]} -eq 0 ] && echo "cross builds: all passed ($targets)"
