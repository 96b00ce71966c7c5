#!/usr/bin/env bash
# The wheel as a user gets it: builds the wheel and the sdist with the project's one command
# (build_wheel.sh: maturin, zig, manylinux2014), checks the wheel's platform tag with
# auditwheel (from PyPI, in a tooling venv) and the sdist's contents, runs tests/test_wheel.py
# on the wheel (tags, contents, API tests in a fresh venv from PyPI), then installs it into a
# fresh virtual environment with no cargo or rustc on PATH and runs the Python suite from a
# copy of tests/ outside the checkout (the golden-file tests skip there).
#
# ANNOY_WHEEL_BUILD overrides the build command; it runs in bindings/python with $OUT set to
# the directory the wheel must land in. The default: bash build_wheel.sh "$OUT".
# ANNOY_REQUIRE_MANYLINUX=0 accepts a wheel without a manylinux tag (another build command).
# ANNOY_BUILD_SDIST=1 also builds a wheel from the sdist, unpacked outside the checkout, with
# pip (a full cargo build: minutes).
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
default_build='bash build_wheel.sh "$OUT"'
(cd "$here" && root=$root PYTHON=$PYTHON eval "${ANNOY_WHEEL_BUILD:-$default_build}")
wheel=$(ls "$OUT"/*.whl)
[ "$(echo "$wheel" | wc -l)" -eq 1 ] || { echo "wheel_check.sh: expected one wheel, got: $wheel" >&2; exit 1; }
echo "   $(basename "$wheel"): $(wc -c <"$wheel") bytes"

echo "== auditwheel show"
"$PYTHON" -m venv "$work/tools"
if "$work/tools/bin/pip" install -q auditwheel >"$work/auditwheel-install.log" 2>&1; then
    "$work/tools/bin/auditwheel" show "$wheel" | tee "$work/auditwheel.txt"
    # "... consistent with the following platform tag: "manylinux_2_17_x86_64"" (the
    # wording and its line breaks vary between auditwheel versions)
    tr '\n' ' ' <"$work/auditwheel.txt" | grep -q 'platform tag: *"manylinux' ||
        { echo "wheel_check.sh: auditwheel found no manylinux tag the wheel fits" >&2; exit 1; }
else
    echo "   auditwheel could not be installed from PyPI; tag not checked"
    cat "$work/auditwheel-install.log"
fi
if [ "${ANNOY_REQUIRE_MANYLINUX:-1}" = 1 ]; then
    case $(basename "$wheel") in
        *manylinux*) ;;
        *) echo "wheel_check.sh: $(basename "$wheel") has no manylinux tag" >&2; exit 1 ;;
    esac
fi

sdist=$(ls "$OUT"/*.tar.gz 2>/dev/null || true)
if [ -n "$sdist" ]; then
    echo "== sdist: $(basename "$sdist"), $(wc -c <"$sdist") bytes"
    tar tzf "$sdist" >"$work/sdist.txt"
    # the core crate (a path dependency outside bindings/python) must travel with it
    for f in Cargo.toml Cargo.lock src/lib.rs src/index.rs pyproject.toml annoy_rs/_index.py \
             bindings/python/Cargo.toml bindings/python/src/lib.rs; do
        grep -qx "[^/]*/$f" "$work/sdist.txt" ||
            { echo "wheel_check.sh: the sdist lacks $f" >&2; exit 1; }
    done
    if [ "${ANNOY_BUILD_SDIST:-0}" = 1 ]; then
        echo "== build a wheel from the sdist, outside the checkout"
        mkdir "$work/sdist-build"
        (cd "$work/sdist-build" && "$PYTHON" -m pip wheel -q --no-deps -w "$work/sdist-build" "$sdist")
        ls "$work/sdist-build"/*.whl
    fi
fi

echo "== tests/test_wheel.py on the wheel"
ANNOY_WHEEL=$wheel "$PYTHON" -m pytest -p no:cacheprovider -q -ra "$here/tests/test_wheel.py"

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
rm "$work/tests/test_wheel.py"   # run above, on the same wheel
run env PYTHONDONTWRITEBYTECODE=1 ANNOY_CONFORMANCE_CASES="$root/tests/conformance/cases.json" "$work/venv/bin/python" -m pytest -p no:cacheprovider -q -ra "$work/tests"
echo "wheel_check.sh: the installed wheel passed the Python suite"
