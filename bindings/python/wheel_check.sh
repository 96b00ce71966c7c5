#!/usr/bin/env bash
# The wheel as a user gets it: builds it with the project's one command, checks its platform
# tag with auditwheel (from PyPI, in a tooling venv), installs it into a fresh virtual
# environment with no cargo or rustc on PATH, and runs the Python suite from a copy of
# tests/ outside the checkout (the golden-file tests skip there; test_wheel.py, which builds
# from the checkout, is left out), with ANNOY_LIBRARY unset so only the wheel's library loads.
#
# ANNOY_WHEEL_BUILD overrides the build command; it runs in bindings/python with $OUT set to
# the directory the wheel must land in. The default is the current setuptools build:
#   cargo build --release --lib && pip wheel --no-deps -w "$OUT" .
# ANNOY_REQUIRE_MANYLINUX=1 also requires a manylinux tag in the wheel's file name.
# The venv reuses the system's site-packages for pytest, numpy and annoy==1.17.3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OUT="$work/dist"
mkdir -p "$OUT"

echo "== build the wheel"
default_build='(cd "$root" && cargo build --release --lib) && ANNOY_LIBRARY="$root/target/release/libannoy.so" "$PYTHON" -m pip wheel -q --no-deps -w "$OUT" .'
(cd "$here" && root=$root PYTHON=$PYTHON eval "${ANNOY_WHEEL_BUILD:-$default_build}")
wheel=$(ls "$OUT"/*.whl)
[ "$(echo "$wheel" | wc -l)" -eq 1 ] || { echo "wheel_check.sh: expected one wheel, got: $wheel" >&2; exit 1; }
echo "   $(basename "$wheel"): $(wc -c <"$wheel") bytes"

echo "== auditwheel show"
"$PYTHON" -m venv "$work/tools"
if "$work/tools/bin/pip" install -q auditwheel >"$work/auditwheel-install.log" 2>&1; then
    "$work/tools/bin/auditwheel" show "$wheel" | tee "$work/auditwheel.txt"
    grep -q 'platform tag: "manylinux' "$work/auditwheel.txt" ||
        { echo "wheel_check.sh: auditwheel found no manylinux tag the wheel fits" >&2; exit 1; }
else
    echo "   auditwheel could not be installed from PyPI; tag not checked"
    cat "$work/auditwheel-install.log"
fi
if [ "${ANNOY_REQUIRE_MANYLINUX:-0}" = 1 ]; then
    case $(basename "$wheel") in
        *manylinux*) ;;
        *) echo "wheel_check.sh: $(basename "$wheel") has no manylinux tag" >&2; exit 1 ;;
    esac
fi

# PATH without cargo or rustc
path=""
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
    [ -x "$d/cargo" ] || [ -x "$d/rustc" ] || path="$path${path:+:}$d"
done

echo "== fresh venv, no cargo on PATH, pip install the wheel"
"$PYTHON" -m venv --system-site-packages "$work/venv"
run() { env -u ANNOY_LIBRARY -u PYTHONPATH PATH="$work/venv/bin:$path" "$@"; }
run sh -c '! command -v cargo >/dev/null && ! command -v rustc >/dev/null'
run "$work/venv/bin/pip" install -q --no-deps "$wheel"
cd "$work"
loaded=$(run "$work/venv/bin/python" -c 'import annoy_rs; print(annoy_rs.LIBRARY_PATH)')
case $loaded in
    "$work/venv/"*) echo "   library loaded from $loaded" ;;
    *) echo "wheel_check.sh: annoy_rs loaded $loaded, not the wheel's" >&2; exit 1 ;;
esac

echo "== Python suite from outside the checkout, against the installed wheel"
cp -r "$here/tests" "$work/tests"
rm "$work/tests/test_wheel.py"   # it builds a wheel from the checkout: needs cargo and the tree
run env PYTHONDONTWRITEBYTECODE=1 ANNOY_CONFORMANCE_CASES="$root/tests/conformance/cases.json" "$work/venv/bin/python" -m pytest -p no:cacheprovider -q -ra "$work/tests"
echo "wheel_check.sh: the installed wheel passed the Python suite"
