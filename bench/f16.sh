#!/usr/bin/env bash
# f16 against f32 items, side by side: one forest built from DATA, saved as a native file with
# f32 items and converted to f16 items (the same trees), both queried with the same queries at
# the same search_k values against one brute-force ground truth (numpy, over the f32 data).
# Prints file sizes, recall@10 and queries per second (1 thread, best of --runs, the two
# files' runs interleaved REPS times) and the ratios.
#
#   bash bench/f16.sh [DATA.npy [QUERIES.npy]]
#   TREES=50 SEARCH_K=2000,10000,50000 REPS=3 METRIC=angular bash bench/f16.sh
#
# Needs python3 with numpy. Files go to bench/.cache/f16/ (git-ignored).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-/work/data/minilm-384-100k.npy}
queries=${2:-/work/data/minilm-384-queries.npy}
trees=${TREES:-50}
search_k=${SEARCH_K:-2000,10000,50000}
reps=${REPS:-3}
metric=${METRIC:-angular}
work=${WORK:-$root/bench/.cache/f16}
mkdir -p "$work"
cd "$root"
nice cargo build --release -p annoy-cli >/dev/null 2>&1 || cargo build --release -p annoy-cli
annoy=$root/target/release/annoy

"$annoy" build --metric "$metric" --trees "$trees" --seed 1 --format native \
  --input "$data" --output "$work/f32.native"
"$annoy" convert --input "$work/f32.native" --value-type f16 --output "$work/f16.native"

python3 - "$data" "$queries" "$metric" "$work/gt.npy" <<'EOF'
import sys
import numpy as np
data, queries, metric, out = sys.argv[1:]
x = np.load(data).astype(np.float64)
q = np.load(queries).astype(np.float64)
if metric == "angular":
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-300)
    q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-300)
    key = -(q @ x.T)
elif metric == "dot":
    key = -(q @ x.T)
elif metric == "euclidean":
    key = (q * q).sum(1)[:, None] - 2 * q @ x.T + (x * x).sum(1)[None, :]
else:
    sys.exit(f"bench/f16.sh computes ground truth for angular, dot and euclidean, not {metric}")
np.save(out, np.argsort(key, axis=1, kind="stable")[:, :100].astype(np.int32))
EOF

dim=$(python3 -c "import numpy as np; print(np.load('$data', mmap_mode='r').shape[1])")
for rep in $(seq "$reps"); do
  for kind in f32 f16; do
    "$annoy" bench --index "$work/$kind.native" --metric "$metric" --dim "$dim" \
      --queries "$queries" --ground-truth "$work/gt.npy" --search-k "$search_k" \
      --threads 1 --runs 3 --json >"$work/$kind-$rep.json"
  done
done

python3 - "$work" "$reps" <<'EOF'
import json, os, sys
work, reps = sys.argv[1], int(sys.argv[2])
runs = {k: [json.load(open(f"{work}/{k}-{r}.json")) for r in range(1, reps + 1)] for k in ("f32", "f16")}
size = {k: os.path.getsize(f"{work}/{k}.native") for k in runs}
print(f"file size: f32 {size['f32']} bytes, f16 {size['f16']} bytes ({size['f16'] / size['f32']:.3f})")
print(f"{'search_k':>9} {'recall f32':>10} {'recall f16':>10} {'diff':>8} {'q/s f32':>8} {'q/s f16':>8} {'f16/f32':>8}")
for i, point in enumerate(runs["f32"][0]["sweep"]):
    recall = {k: runs[k][0]["sweep"][i]["recall"] for k in runs}
    qps = {k: max(r["sweep"][i]["qps_single"] for r in runs[k]) for k in runs}
    print(f"{point['search_k']:>9} {recall['f32']:>10.4f} {recall['f16']:>10.4f} "
          f"{recall['f16'] - recall['f32']:>+8.4f} {qps['f32']:>8.0f} {qps['f16']:>8.0f} "
          f"{qps['f16'] / qps['f32']:>8.2f}")
EOF
