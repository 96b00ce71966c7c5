#!/usr/bin/env bash
# Installs the toolchains and packages the tests need, skipping what is already present.
# Debian packages for C (cmake, valgrind, pkg-config) and Ruby (ruby, ruby-ffi, minitest);
# Python packages from PyPI (the reference `annoy` 1.17.3, numpy, pytest, maturin, ziglang);
# Rust components.
set -euo pipefail

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v cc >/dev/null || need_apt+=(build-essential)
command -v strip >/dev/null || need_apt+=(binutils)
command -v file >/dev/null || need_apt+=(file)
# the wheel check installs into fresh virtual environments
python3 -c 'import ensurepip, venv' 2>/dev/null || need_apt+=(python3-venv)
command -v ruby >/dev/null || need_apt+=(ruby)
ruby -e 'require "ffi"' 2>/dev/null || need_apt+=(ruby-ffi)
ruby -e 'require "minitest"' 2>/dev/null || need_apt+=(ruby-minitest)
# cross builds (.ci/cross.sh): aarch64 under qemu-user, Windows under Wine
command -v aarch64-linux-gnu-gcc >/dev/null || need_apt+=(gcc-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null || need_apt+=(qemu-user)
command -v x86_64-w64-mingw32-gcc >/dev/null || need_apt+=(gcc-mingw-w64-x86-64)
command -v wine64 >/dev/null || [ -x /usr/lib/wine/wine64 ] || need_apt+=(wine64)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python3 -c 'import annoy, numpy, pytest' 2>/dev/null \
  || python3 -m pip install -q 'annoy==1.17.3' numpy pytest
# The Python wheel (bindings/python/build_wheel.sh): maturin, linking with zig for manylinux2014.
python3 -m maturin --version >/dev/null 2>&1 && python3 -m ziglang version >/dev/null 2>&1 \
  || python3 -m pip install -q 'maturin>=1.5,<2' ziglang

if command -v rustup >/dev/null; then
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  for t in aarch64-unknown-linux-gnu x86_64-pc-windows-gnu; do
    rustup target list --installed 2>/dev/null | grep -qx "$t" || rustup target add "$t"
  done
  # The fuzz smoke run (fuzz/smoke.sh): libFuzzer needs nightly.
  rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
  cargo +nightly fuzz --version >/dev/null 2>&1 || cargo +nightly install cargo-fuzz --locked
fi

for tool in cargo go python3 ruby cmake valgrind; do
  command -v "$tool" >/dev/null || { echo "missing toolchain: $tool" >&2; exit 1; }
done
