#!/usr/bin/env bash
# Tests of the Python binding (annoy_rs): builds the extension module (PyO3, crate
# bindings/python) with cargo and puts it in place in annoy_rs/, then runs pytest on
# bindings/python/tests — API behaviour, errors, numpy, pickling, threads, golden files,
# files exchanged with the real annoy 1.17.3, Annoy's own test suite rewritten for annoy_rs,
# (the wheel's own tests run in wheel_check.sh).
# Needs: cargo, python3 (>= 3.8) with pytest, numpy and annoy==1.17.3. Extra arguments go to pytest (e.g. -k pickle, -m "not slow").
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

echo "building the extension module in place (develop.sh)"
bash "$HERE/develop.sh" || fail "building the extension failed"

cd "$HERE" || exit 1
# The wheel's tests (tests/test_wheel.py) build a wheel with zig: wheel_check.sh runs them on
# the wheel it builds once. ANNOY_WHEEL_TESTS=1 runs them here too.
skip_wheel=(--ignore=tests/test_wheel.py)
[ "${ANNOY_WHEEL_TESTS:-0}" = 1 ] && skip_wheel=()
PYTHONDONTWRITEBYTECODE=1 "$PYTHON" -m pytest -p no:cacheprovider -ra "${skip_wheel[@]}" "$@" tests
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "bindings/python/run_tests.sh: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
