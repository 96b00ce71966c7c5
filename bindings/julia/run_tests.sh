#!/bin/sh
# What can be tested of the Julia binding without Julia (it cannot be installed here): every
# ccall in src/Annoy.jl names a function of include/annoy.h with matching return and argument
# types. With Julia on PATH, also runs test/runtests.jl against the checkout's libannoy.so.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python3 "$here/check_ccalls.py" "$here/src/Annoy.jl" "$root/include/annoy.h"
if command -v julia >/dev/null 2>&1; then
    (cd "$root" && cargo build --release --lib)
    ANNOY_LIBRARY="$root/target/release/libannoy.so" julia --project="$here" "$here/test/runtests.jl"
else
    echo "run_tests.sh: julia is not installed: test/runtests.jl not run (only the ccall check)"
fi
