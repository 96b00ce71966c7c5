#!/usr/bin/env bash
# Tests of the Python binding (annoy_rs): builds the extension module (PyO3, crate
# bindings/python) with cargo and puts it in place in annoy_rs/, then runs pytest on
# bindings/python/tests — API behaviour, errors, numpy, pickling, threads, golden files,
# files exchanged with the real annoy 1.17.3, Annoy's own test suite rewritten for annoy_rs,
# and a wheel (maturin) installed into a fresh virtual environment.
# Needs: cargo, python3 (>= 3.8) with pytest, numpy, maturin and annoy==1.17.3, and PyPI for
# the wheel test. Extra arguments go to pytest (e.g. -k pickle, -m "not slow").
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PYTHON=${PYTHON:-python3}

fail() { echo "bindings/python/run_tests.sh: $*" >&2; exit 1; }

command -v cargo >/dev/null || fail "cargo not found: install Rust (https://rustup.rs)"
command -v "$PYTHON" >/dev/null || fail "$PYTHON not found"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 8))' || fail "$PYTHON is older than 3.8"
for module in pytest numpy annoy maturin; do
  "$PYTHON" -c "import $module" 2>/dev/null ||
    fail "Python module '$module' missing: $PYTHON -m pip install pytest numpy maturin 'annoy==1.17.3'"
done
annoy_version=$("$PYTHON" -c 'from importlib.metadata import version; print(version("annoy"))')
[ "$annoy_version" = "1.17.3" ] ||
  fail "annoy $annoy_version is installed; the comparisons need annoy==1.17.3"
"$PYTHON" -m venv --help >/dev/null 2>&1 || fail "$PYTHON has no venv module (apt-get install python3-venv)"

# What `maturin develop` does, without a virtual environment: the cdylib, renamed to the
# module's file name, next to the package's Python files.
echo "building the extension module (cargo build --release -p annoy-python)"
(cd "$ROOT" && cargo build --release -p annoy-python) || fail "cargo build failed"
built="$ROOT/target/release/lib_annoy_rs.so"
[ -f "$built" ] || fail "$built was not built"
cp "$built" "$HERE/annoy_rs/_annoy_rs.abi3.so" || fail "cannot copy the extension into annoy_rs/"

cd "$HERE" || exit 1
PYTHONDONTWRITEBYTECODE=1 "$PYTHON" -m pytest -p no:cacheprovider -ra "$@" tests
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "bindings/python/run_tests.sh: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
