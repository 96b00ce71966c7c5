#!/usr/bin/env python3
"""What a dataset looks like to a random-projection forest: its spectrum, and the shape of
the trees built on it (split balance, leaf sizes, depth).

    python3 bench/trees.py DATA [DATA ...] [--trees 10] [--dim D] [--metric angular]

DATA is a 2-D float32 .npy, or a raw float32 file (the driver's work files, with --dim).
The forest is built by this library through its Python binding (bindings/python, with
ANNOY_LIBRARY pointing at target/release/libannoy.so unless it is found by itself) and read
back from the saved Annoy-format file: in it, nodes below n_items are items, a node with at
most dim + 2 descendants is a leaf listing its items, any other a split with two children,
and the roots are the last nodes.
"""
import argparse
import os
import sys
import tempfile

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(here), "bindings", "python"))


def load(path, dim):
    if path.endswith(".npy"):
        return np.load(path, mmap_mode="r")
    if not dim:
        sys.exit(f"{path}: a raw file needs --dim")
    return np.fromfile(path, dtype=np.float32).reshape(-1, dim)


def spectrum(x, metric):
    x = np.asarray(x, dtype=np.float64)
    if metric == "angular":
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)
    mean = x.mean(axis=0)
    c = x - mean
    eig = np.sort(np.linalg.eigvalsh(c.T @ c / len(c)))[::-1]
    frac = np.cumsum(eig) / eig.sum()
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, len(x), (2, 20000))
    cos = np.sum(x[a] * x[b], axis=1) / (
        np.linalg.norm(x[a], axis=1) * np.linalg.norm(x[b], axis=1)
    )
    return {
        "mean_norm": float(np.linalg.norm(mean)),
        "pair_cos_mean": float(cos.mean()),
        "pair_cos_sd": float(cos.std()),
        "var_top10": float(frac[9]),
        "var_top50": float(frac[49]),
        "dims_90pct": int(np.searchsorted(frac, 0.9) + 1),
        "participation_ratio": float(eig.sum() ** 2 / np.sum(eig**2)),
    }


def forest(x, metric, n_trees, seed=42):
    from annoy_rs import AnnoyIndex

    n, dim = x.shape
    idx = AnnoyIndex(dim, metric)
    idx.set_seed(seed)
    for i in range(n):
        idx.add_item(i, x[i])
    idx.build(n_trees, 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "f.ann")
        idx.save(path)
        idx.unload()
        raw = np.fromfile(path, dtype=np.int32)
    # Annoy's node layouts: angular (n_descendants, children[2], plane), euclidean
    # (n_descendants, offset, children[2], plane); a leaf's ids start where children do.
    first = 1 if metric == "angular" else 2
    width = first + 2 + dim
    nodes = raw.reshape(-1, width)
    k = width - first
    nd = nodes[:, 0]
    roots = [i for i in range(len(nodes) - 1, n - 1, -1) if nd[i] == n]
    roots = roots[:n_trees]
    balance, leaf_sizes, depths = [], [], []
    for r in roots:
        stack = [(r, 0)]
        while stack:
            i, d = stack.pop()
            if i < n:
                leaf_sizes.append(1)
                depths.append(d)
                continue
            m = nd[i]
            if m <= k:
                leaf_sizes.append(m)
                depths.append(d)
                continue
            c0, c1 = nodes[i, first], nodes[i, first + 1]
            m0 = 1 if c0 < n else nd[c0]
            m1 = 1 if c1 < n else nd[c1]
            balance.append(min(m0, m1) / (m0 + m1))
            stack.append((c0, d + 1))
            stack.append((c1, d + 1))
    balance = np.array(balance)
    leaf_sizes = np.array(leaf_sizes)
    depths = np.array(depths)
    w = leaf_sizes / leaf_sizes.sum()
    return {
        "trees": len(roots),
        "splits_per_tree": len(balance) / len(roots),
        "balance_mean": float(balance.mean()),
        "splits_below_0.1": float(np.mean(balance < 0.1)),
        "splits_below_0.25": float(np.mean(balance < 0.25)),
        "leaves_per_tree": len(leaf_sizes) / len(roots),
        "leaf_size_mean": float(leaf_sizes.mean()),
        "leaf_size_item_weighted": float(np.sum(w * leaf_sizes)),
        "depth_item_weighted": float(np.sum(w * depths)),
        "depth_max": int(depths.max()),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="+")
    ap.add_argument("--trees", type=int, default=10)
    ap.add_argument("--dim", type=int, default=0)
    ap.add_argument("--max-n", type=int, default=100000)
    ap.add_argument("--metric", default="angular", choices=["angular", "euclidean"])
    args = ap.parse_args()
    lib = os.path.join(os.path.dirname(here), "target", "release", "libannoy.so")
    if "ANNOY_LIBRARY" not in os.environ and os.path.exists(lib):
        os.environ["ANNOY_LIBRARY"] = lib
    for path in args.data:
        x = np.ascontiguousarray(load(path, args.dim)[: args.max_n], dtype=np.float32)
        print(f"{os.path.basename(path)}: {x.shape[0]} x {x.shape[1]}")
        for name, stats in (("spectrum", spectrum(x, args.metric)),
                            (f"forest ({args.trees} trees)", forest(x, args.metric, args.trees))):
            print(f"  {name}: " + ", ".join(
                f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in stats.items()))


if __name__ == "__main__":
    main()
