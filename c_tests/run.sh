#!/usr/bin/env bash
# The whole C side, in one go (CI runs it from .ci/test):
#   1. cargo build --release --lib            → target/release/libannoy.{so,a}
#   2. CMake build + ctest                    every test_<area>.c (shared), the static variants,
#                                             header (C99/C++11), ABI (nm -D / SONAME / static
#                                             deps), packaging (install + find_package + pkg-config)
#   3. ASan + UBSan build + ctest             the C tests again, instrumented
#   4. valgrind memcheck (ctest -T memcheck)  the C tests with small workloads (ANNOY_TEST_SMALL);
#                                             fails on any memory error or definite/indirect leak
#   5. memcheck canary                        proves step 4 would fail: a deliberate leak must
#                                             make `ctest -T memcheck` fail
# Exits non-zero if anything fails. Build trees live in target/c_tests/ (override with
# ANNOY_C_BUILD_DIR); ANNOY_C_JOBS sets the parallelism (default 2); ANNOY_LIB_DIR tests a
# library built elsewhere instead of running cargo.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${ANNOY_C_BUILD_DIR:-$root/target/c_tests}
jobs=${ANNOY_C_JOBS:-2}
# ANNOY_LIB_DIR=<dir holding libannoy.so and libannoy.a> tests that build instead (no cargo step).
lib_dir=${ANNOY_LIB_DIR:-$root/target/release}
start=$(date +%s)

# ---- tools ----
missing=()
packages=()
need() { # need <command> <debian package>
  if ! command -v "$1" >/dev/null 2>&1; then
    missing+=("$1")
    case " ${packages[*]-} " in *" $2 "*) ;; *) packages+=("$2") ;; esac
  fi
}
need cmake cmake
need ctest cmake
need valgrind valgrind
need pkg-config pkg-config
need cc build-essential
need c++ build-essential
need nm binutils
need readelf binutils
if [ -z "${ANNOY_LIB_DIR:-}" ] && ! command -v cargo >/dev/null 2>&1; then
  echo "c_tests/run.sh: cargo not found (install Rust with rustup)" >&2
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "c_tests/run.sh: missing tools: ${missing[*]}" >&2
  echo "install them with: apt-get install -y ${packages[*]}" >&2
  exit 1
fi

mkdir -p "$build"
failures=()
step() { echo; echo "==> $*"; }
fail() { echo "FAILED: $*" >&2; failures+=("$*"); }

# ---- 1. the library ----
if [ -z "${ANNOY_LIB_DIR:-}" ]; then
  step "cargo build --release --lib"
  if ! cargo build --release --lib; then
    echo "c_tests/run.sh: cargo build failed" >&2
    exit 1
  fi
else
  step "testing the library in $lib_dir (ANNOY_LIB_DIR)"
fi

# ---- 2. default build: shared library, everything ----
step "CMake configure + build (shared library, static variants, header, ABI, packaging)"
if cmake -S c_tests -B "$build/default" -DANNOY_LIB_DIR="$lib_dir" -DANNOY_SANITIZE=OFF \
     >"$build/default-configure.log" 2>&1 || { cat "$build/default-configure.log"; false; }; then
  if cmake --build "$build/default" -j "$jobs"; then
    step "ctest (default build)"
    (cd "$build/default" && ctest --output-on-failure -j "$jobs" -LE canary) || fail "ctest (default build)"
    # what the tests measured: recall, golden summary, cross-process Pss, ABI, static deps
    for t in build_query golden threads shared_mmap abi_exports_only_annoy_symbols_and_has_soname \
             static_link_needs_only_libc_libm_libpthread_libdl; do
      echo "--- $t"
      awk -v t="$t" '$0 ~ "Testing: "t"$" {on=1} on && /^<end of output>/ {exit}
                     on && !/^(-+|Output:|.*Testing: .*|.*Test: .*|Command: .*|Directory: .*|"[^"]*" (start|end) time:.*)$/' \
        "$build/default/Testing/Temporary/LastTest.log" | grep -v '^$'
    done
  else
    fail "build (default)"
  fi
else
  fail "configure (default)"
fi

# ---- 3. ASan + UBSan ----
step "CMake configure + build with -fsanitize=address,undefined"
if cmake -S c_tests -B "$build/asan" -DANNOY_LIB_DIR="$lib_dir" -DANNOY_SANITIZE=ON \
     -DANNOY_PACKAGING_TEST=OFF >"$build/asan-configure.log" 2>&1 \
     || { cat "$build/asan-configure.log"; false; }; then
  if cmake --build "$build/asan" -j "$jobs"; then
    step "ctest (ASan + UBSan)"
    (cd "$build/asan" && ctest --output-on-failure -j "$jobs" -LE "abi|canary") || fail "ctest (ASan + UBSan)"
  else
    fail "build (ASan + UBSan)"
  fi
else
  fail "configure (ASan + UBSan)"
fi

# ---- 4. valgrind memcheck ----
# Checks both ctest's exit code (valgrind --error-exitcode=1 turns any error or definite /
# indirect leak into a failed test) and valgrind's own logs, in case a test hides the exit code.
memcheck() { # memcheck <log> <ctest args...>
  local log=$1
  shift
  (cd "$build/default" && rm -rf Testing/Temporary/MemoryChecker.* &&
    ctest -T memcheck --output-on-failure -j "$jobs" "$@") >"$log" 2>&1
}
memcheck_defects() { # prints valgrind error counts that are not zero, from the last run's logs
  grep -h "ERROR SUMMARY:" "$build"/default/Testing/Temporary/MemoryChecker.*.log 2>/dev/null |
    grep -v "ERROR SUMMARY: 0 errors" || true
}
if [ -d "$build/default" ]; then
  step "valgrind memcheck (ctest -T memcheck, ANNOY_TEST_SMALL=1)"
  ANNOY_TEST_SMALL=1 memcheck "$build/memcheck.log" -LE "no_memcheck|canary"
  rc=$?
  sed -n '/tests passed\|tests failed\|Memory checking results\|^[A-Za-z ]* - [0-9]*$\|MemCheck *#\|Total Test time/p' \
    "$build/memcheck.log"
  defects=$(memcheck_defects)
  n_logs=$(ls "$build"/default/Testing/Temporary/MemoryChecker.*.log 2>/dev/null | wc -l)
  echo "valgrind logs: $n_logs, with errors: $(printf '%s' "$defects" | grep -c . || true)"
  bad=0
  [ "$rc" -ne 0 ] && bad=1
  [ -n "$defects" ] && bad=1
  # ctest's own summary lists defect kinds with counts ("Memory Leak - 2") when there are any
  if sed -n '/Memory checking results:/,/^$/p' "$build/memcheck.log" | grep -q ' - [1-9]'; then
    bad=1
  fi
  if [ "$bad" -ne 0 ]; then
    cat "$build/memcheck.log"
    printf '%s\n' "$defects"
    fail "valgrind memcheck (ctest exit $rc)"
  elif [ "$n_logs" -eq 0 ]; then
    cat "$build/memcheck.log"
    fail "valgrind memcheck ran no test"
  fi

  # ---- 5. the canary: memcheck must fail on a deliberate leak ----
  step "memcheck canary: a deliberate definite leak must fail ctest -T memcheck"
  ANNOY_CANARY=1 memcheck "$build/memcheck-canary.log" -R '^memcheck_canary$'
  rc=$?
  caught=$(memcheck_defects | head -1)
  if [ "$rc" -eq 0 ] || [ -z "$caught" ]; then
    cat "$build/memcheck-canary.log"
    fail "memcheck did not fail on a deliberate leak (ctest exit $rc, valgrind: ${caught:-no error})"
  else
    echo "ok: ctest -T memcheck exited $rc on the leaking canary; valgrind: ${caught#==*== }"
  fi
fi

step "summary"
echo "c_tests/run.sh took $(($(date +%s) - start)) s"
if [ ${#failures[@]} -gt 0 ]; then
  for f in "${failures[@]}"; do echo "FAILED: $f"; done
  exit 1
fi
echo "C suite: all steps passed (ctest default + static variants + header + ABI + packaging," \
  "ASan+UBSan, valgrind memcheck, memcheck canary)"
