#!/usr/bin/env bash
# Installs the toolchains and packages the tests need, skipping what is already present.
# Debian packages for C (cmake, valgrind, pkg-config) and Ruby (ruby, ruby-ffi, minitest);
# Python packages from PyPI (the reference `annoy` 1.17.3, numpy, pytest); Rust components.
set -euo pipefail

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v cc >/dev/null || need_apt+=(build-essential)
command -v ruby >/dev/null || need_apt+=(ruby)
ruby -e 'require "ffi"' 2>/dev/null || need_apt+=(ruby-ffi)
ruby -e 'require "minitest"' 2>/dev/null || need_apt+=(ruby-minitest)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python3 -c 'import annoy, numpy, pytest' 2>/dev/null \
  || python3 -m pip install -q 'annoy==1.17.3' numpy pytest

if command -v rustup >/dev/null; then
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  # The fuzz smoke run (fuzz/smoke.sh): libFuzzer needs nightly.
  rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
  cargo +nightly fuzz --version >/dev/null 2>&1 || cargo +nightly install cargo-fuzz --locked
fi

for tool in cargo go python3 ruby cmake valgrind; do
  command -v "$tool" >/dev/null || { echo "missing toolchain: $tool" >&2; exit 1; }
done
