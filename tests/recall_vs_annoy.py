#!/usr/bin/env python3
"""Measures Annoy 1.17.3's recall@10 on the data sets of `tests/core_recall.rs`.

The data is generated with the recipe of `tests/common/mod.rs` (SplitMix64 + Box-Muller, same
seeds, same order of draws), so the numbers are directly comparable with ours. The script
writes, into the output directory:

  <metric>_points.npy, <metric>_queries.npy   the data (float32)
  annoy_recall.json                           Annoy's mean recall per metric and search_k
                                              over the builds with seeds SEEDS

then the ignored Rust test compares ours against it:

  python3 tests/recall_vs_annoy.py /tmp/recall
  ANNOY_RECALL_DIR=/tmp/recall cargo test --release --test core_recall -- --ignored --nocapture
"""

import json
import math
import os
import sys

import numpy as np
from annoy import AnnoyIndex

MASK = (1 << 64) - 1
K = 10
N_TREES = 10
SEARCH_KS = [-1, 300, 1000]  # -1: Annoy's default, n * n_trees
# One build per seed, single-threaded; recall is averaged over them. A single forest's recall
# is noisy (Annoy draws every tree of a thread from one generator, we give each tree its own,
# so the forests differ even for the same seed), hence 20 builds.
SEEDS = [1 + 100 * k for k in range(20)]

# (metric, dim, n_points, n_clusters, seed); n_queries = 100. Same as `recipes()` in Rust.
RECIPES = [
    ("angular", 32, 4000, 40, 1),
    ("euclidean", 24, 4000, 40, 2),
    ("manhattan", 20, 3000, 30, 3),
    ("dot", 48, 3000, 30, 4),
    ("hamming", 192, 4000, 24, 5),
]
N_QUERIES = 100


class Rng:
    """SplitMix64, as `common::Rng`."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next_u64() >> 11) * (1.0 / (1 << 53))

    def below(self, n):
        return self.next_u64() % n

    def gaussian(self):
        u1 = 1.0 - self.uniform()
        u2 = self.uniform()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def generate(metric, dim, n_points, n_clusters, seed):
    rng = Rng(seed)
    total = n_points + N_QUERIES
    rows = []
    if metric == "hamming":
        patterns = [[rng.next_u64() >> 63 == 1 for _ in range(dim)] for _ in range(n_clusters)]
        for _ in range(total):
            c = patterns[rng.below(n_clusters)]
            rows.append([1.0 if (b != (rng.uniform() < 0.2)) else 0.0 for b in c])
    else:
        centres = [[rng.gaussian() for _ in range(dim)] for _ in range(n_clusters)]
        for _ in range(total):
            c = centres[rng.below(n_clusters)]
            v = [x + 0.7 * rng.gaussian() for x in c]
            if metric == "dot":
                scale = 0.25 + 3.75 * rng.uniform()
                v = [x * scale for x in v]
            rows.append(v)
    a = np.array(rows, dtype=np.float64).astype(np.float32)
    return a[:n_points], a[n_points:]


def rank_keys(metric, points, q):
    """Smaller is nearer, in float64, as `common::true_distance` / `rank_key`."""
    p = points.astype(np.float64)
    q = q.astype(np.float64)
    if metric == "angular":
        ab = p @ q
        aa = (p * p).sum(1)
        bb = q @ q
        cos = np.where(aa * bb > 0, ab / np.sqrt(np.maximum(aa * bb, 1e-300)), 0.0)
        d = np.where(aa * bb > 0, np.sqrt(np.maximum(2 - 2 * cos, 0)), math.sqrt(2))
        return d
    if metric == "euclidean":
        return np.sqrt(((p - q) ** 2).sum(1))
    if metric == "manhattan":
        return np.abs(p - q).sum(1)
    if metric == "dot":
        return -(p @ q)
    if metric == "hamming":
        return ((p > 0.5) != (q > 0.5)).sum(1).astype(np.float64)
    raise ValueError(metric)


def recall_one(keys, found):
    """Tie-aware recall@K: the share of K slots holding a point no farther than the K-th."""
    kth = np.sort(keys)[K - 1]
    tol = 1e-6 * max(abs(kth), 1.0)
    return sum(1 for i in found[:K] if keys[i] <= kth + tol) / K


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "recall_data"
    os.makedirs(out, exist_ok=True)
    report = {}
    for metric, dim, n_points, n_clusters, seed in RECIPES:
        points, queries = generate(metric, dim, n_points, n_clusters, seed)
        np.save(os.path.join(out, f"{metric}_points.npy"), points)
        np.save(os.path.join(out, f"{metric}_queries.npy"), queries)
        keys = [rank_keys(metric, points, q) for q in queries]
        totals = {sk: 0.0 for sk in SEARCH_KS}
        for seed in SEEDS:
            index = AnnoyIndex(dim, metric)
            index.set_seed(seed)
            for i, p in enumerate(points):
                index.add_item(i, p.tolist())
            index.build(N_TREES, n_jobs=1)
            for sk in SEARCH_KS:
                for q, key in zip(queries, keys):
                    found = index.get_nns_by_vector(q.tolist(), K, search_k=sk)
                    totals[sk] += recall_one(key, found)
        report[metric] = {"n_trees": N_TREES, "seeds": SEEDS, "recall": {}}
        for sk in SEARCH_KS:
            rec = totals[sk] / (len(SEEDS) * len(queries))
            report[metric]["recall"][str(sk)] = rec
            print(f"{metric:10s} n_trees={N_TREES} search_k={sk:5d} annoy recall@{K} = {rec:.4f}")
    with open(os.path.join(out, "annoy_recall.json"), "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
