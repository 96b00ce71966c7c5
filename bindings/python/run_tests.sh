#!/usr/bin/env bash
# Tests of the Python binding (annoy_rs): builds the Rust shared library, then runs pytest on
# bindings/python/tests — API behaviour, errors, numpy, pickling, threads, golden files,
# files exchanged with the real annoy 1.17.3, Annoy's own test suite rewritten for annoy_rs,
# and a wheel installed into a fresh virtual environment.
# Needs: cargo, python3 (>= 3.8) with pytest, numpy and annoy==1.17.3, and PyPI for the wheel
# test. Extra arguments go to pytest (e.g. -k pickle, -m "not slow").
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PYTHON=${PYTHON:-python3}

fail() { echo "bindings/python/run_tests.sh: $*" >&2; exit 1; }

command -v cargo >/dev/null || fail "cargo not found: install Rust (https://rustup.rs)"
command -v "$PYTHON" >/dev/null || fail "$PYTHON not found"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 8))' || fail "$PYTHON is older than 3.8"
for module in pytest numpy annoy; do
  "$PYTHON" -c "import $module" 2>/dev/null ||
    fail "Python module '$module' missing: $PYTHON -m pip install pytest numpy 'annoy==1.17.3'"
done
annoy_version=$("$PYTHON" -c 'from importlib.metadata import version; print(version("annoy"))')
[ "$annoy_version" = "1.17.3" ] ||
  fail "annoy $annoy_version is installed; the comparisons need annoy==1.17.3"
"$PYTHON" -m venv --help >/dev/null 2>&1 || fail "$PYTHON has no venv module (apt-get install python3-venv)"

echo "building the shared library (cargo build --release --lib)"
(cd "$ROOT" && cargo build --release --lib) || fail "cargo build failed"
export ANNOY_LIBRARY="$ROOT/target/release/libannoy.so"
[ -f "$ANNOY_LIBRARY" ] || fail "$ANNOY_LIBRARY was not built"

cd "$HERE" || exit 1
PYTHONDONTWRITEBYTECODE=1 "$PYTHON" -m pytest -p no:cacheprovider -ra "$@" tests
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "bindings/python/run_tests.sh: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
