#!/usr/bin/env bash
# Builds the extension module and puts it in place, so `import annoy_rs` works from
# bindings/python (or with it on PYTHONPATH): what `maturin develop` does, without a virtual
# environment. cargo build --release -p annoy-python, then lib_annoy_rs.so is copied to
# annoy_rs/_annoy_rs.abi3.so (git ignores it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}

(cd "$root" && cargo build --release -q -p annoy-python)
cp "$target/release/lib_annoy_rs.so" "$here/annoy_rs/_annoy_rs.abi3.so"
