#!/usr/bin/env bash
# The same query through C, Go, Ruby and Python gives the same ids: one index file, by-item
# queries for n in {0, 1, 10, n_items, n_items + 7, 1000} and search_k in {-1 (default), -2
# (unlimited), -7, 0, 5, 100, 2·10^9 (Annoy's Python API takes int32)}; each binding passes n and search_k through to the
# library, so the four outputs must be identical byte for byte. Needs the release library
# (cargo build --release --lib) and the Python extension (bindings/python/develop.sh), a C
# compiler, Go, Ruby with ffi, Python 3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$root" && cargo build --release --lib --bin annoy -q)
bash "$root/bindings/python/develop.sh"  # the Python extension, in place
export ANNOY_LIBRARY="$root/target/release/libannoy.so"
dim=12
python3 - "$work/points.txt" "$dim" <<'PY'
import random, sys
rng = random.Random(5)
with open(sys.argv[1], "w") as f:
    for _ in range(300):
        f.write(" ".join("%.6f" % rng.gauss(0, 1) for _ in range(int(sys.argv[2]))) + "\n")
PY
"$root/target/release/annoy" build --metric angular --dim "$dim" --trees 4 --input "$work/points.txt" \
    --output "$work/index.ann" >/dev/null
cc -std=c99 -I"$root/include" "$here/grid.c" "$root/target/release/libannoy.a" -lm -lpthread -ldl \
    -o "$work/grid_c"
"$work/grid_c" "$work/index.ann" "$dim" 5 >"$work/c.txt"
PYTHONPATH="$root/bindings/python" python3 "$here/grid.py" "$work/index.ann" "$dim" 5 >"$work/python.txt"
ruby -I"$root/bindings/ruby/lib" "$here/grid.rb" "$work/index.ann" "$dim" 5 >"$work/ruby.txt"
(cd "$here/go" && CGO_ENABLED=1 go run -tags annoy_checkout . "$work/index.ann" "$dim" 5) >"$work/go.txt"
lines=$(wc -l <"$work/c.txt")
[ "$lines" -eq 210 ] || { echo "same_ids: C printed $lines lines, expected 210" >&2; exit 1; }
for b in python ruby go; do
    if ! cmp -s "$work/c.txt" "$work/$b.txt"; then
        echo "same_ids: $b differs from C:" >&2
        diff "$work/c.txt" "$work/$b.txt" | head -20 >&2
        exit 1
    fi
done
echo "same_ids: C, Python, Ruby and Go gave the same ids for all $lines queries"
