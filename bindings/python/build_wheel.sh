#!/usr/bin/env bash
# Builds the annoy_rs wheel and sdist into OUT (the first argument; default:
# bindings/python/dist):
#   annoy_rs-<v>-cp38-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
#   annoy_rs-<v>.tar.gz
# The wheel is abi3 (one file for every CPython >= 3.8) and manylinux2014 (glibc >= 2.17):
# maturin links it with zig (pip package `ziglang`) against glibc 2.17's symbols, so no
# manylinux container is needed. The sdist carries the core crate (`annoy`, the repository
# root) and builds with cargo where no wheel fits.
# Needs: cargo, python3 with maturin and ziglang (pip install maturin ziglang).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/dist}
PYTHON=${PYTHON:-python3}

fail() { echo "bindings/python/build_wheel.sh: $*" >&2; exit 1; }
command -v cargo >/dev/null || fail "cargo not found: install Rust (https://rustup.rs)"
"$PYTHON" -m maturin --version >/dev/null 2>&1 || fail "maturin missing: $PYTHON -m pip install maturin"
"$PYTHON" -m ziglang version >/dev/null 2>&1 || fail "ziglang missing: $PYTHON -m pip install ziglang"

mkdir -p "$out"
# maturin builds the wheel from the sdist, unpacked in a temporary directory (so the wheel
# proves the sdist complete); the checkout's target directory keeps the compiled
# dependencies (pyo3, numpy, rayon, ...) between runs. zig builds go to its
# x86_64-unknown-linux-gnu/ subdirectory, apart from plain cargo builds.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$here/../../target}
cd "$here"
# --profile wheel: the release profile with fat LTO (root Cargo.toml), a tenth off the
# shortest calls (get_n_items, get_distance).
"$PYTHON" -m maturin build --profile wheel --strip --zig --compatibility manylinux2014 --sdist --out "$out"
