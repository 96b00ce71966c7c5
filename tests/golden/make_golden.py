#!/usr/bin/env python3
"""Regenerate the golden Annoy files in this directory.

Every case produces two files next to this script:

  <case>.ann   an index built and saved by the real `annoy` package (1.17.3)
  <case>.json  the parameters, and expected answers computed by that package
               on the index *loaded from <case>.ann* in a fresh AnnoyIndex

Requirements: `pip install annoy==1.17.3 numpy`.
Run:          python3 tests/golden/make_golden.py

Everything is deterministic: fixed numpy seeds, `set_seed`, `build(n, n_jobs=1)`.
The .ann bytes of non-hamming cases are reproducible on the same machine; hamming
split nodes contain uninitialised bytes (padding and v[1..]), so hamming .ann files
can differ bytewise between runs (never in any field a reader uses).
"""

import json
import os
import platform
import sys

import numpy as np

try:
    import annoy
except ImportError:  # pragma: no cover
    sys.exit("needs the annoy package: pip install annoy==1.17.3 numpy")

ANNOY_VERSION = "1.17.3"
OUT_DIR = os.path.dirname(os.path.abspath(__file__))

# search_k spread used for the queries (0 and -5 are edge cases: 0 returns [],
# any negative value other than -1 is an unlimited search).
SEARCH_KS = [-1, 1, 2, 7, 50, 1000, 100000]
HUGE_SEARCH_K = 100000


def check_version():
    try:
        from importlib.metadata import version
        v = version("annoy")
    except Exception:  # pragma: no cover
        v = None
    if v != ANNOY_VERSION:
        sys.exit("annoy %s is installed; the goldens need annoy==%s" % (v, ANNOY_VERSION))


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def build_info():
    flags = cpu_flags()
    if "avx512f" in flags:
        simd = "avx512"
    elif "avx" in flags:
        simd = "avx"
    else:
        simd = "none"
    # annoy's setup.py compiles with -march=native, so the SIMD path of the
    # distance kernels (annoylib.h) is the one of the machine that compiled it.
    return {
        "machine": platform.machine(),
        "cpu_simd_path": simd,
        "note": "annoy compiled by pip with -O3 -march=native -ffast-math -fno-associative-math",
    }


# ---------------------------------------------------------------------------
# data generators (all return float32 arrays)
# ---------------------------------------------------------------------------

def blob_centers(rng, k, f, scale):
    return rng.normal(0.0, scale, size=(k, f)).astype(np.float32)


def blobs(rng, centers, n, spread):
    k, f = centers.shape
    labels = rng.integers(0, k, size=n)
    x = centers[labels] + rng.normal(0.0, spread, size=(n, f))
    return x.astype(np.float32)


def bit_prototypes(rng, k, f):
    return (rng.random((k, f)) < 0.5).astype(np.float32)


def bit_blobs(rng, protos, n, flip_p):
    k, f = protos.shape
    labels = rng.integers(0, k, size=n)
    flips = (rng.random((n, f)) < flip_p).astype(np.float32)
    return np.abs(protos[labels] - flips).astype(np.float32)


def varied_norms(rng, x):
    """Scale rows by log-normal factors so norms span ~2 orders of magnitude."""
    s = np.exp(rng.normal(0.0, 1.0, size=(x.shape[0], 1)))
    return (x * s).astype(np.float32)


# ---------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------

class Case:
    def __init__(self, name, metric, f, n_trees, seed, ids, data, qgen,
                 description, special_ids=(), special_pairs=(), n_queries=24):
        self.name = name
        self.metric = metric
        self.f = f
        self.n_trees = n_trees
        self.seed = seed
        self.ids = list(int(i) for i in ids)
        self.data = data            # float32 array, row r is item ids[r]
        self.qgen = qgen            # rng -> one float32 query vector
        self.description = description
        self.special_ids = list(special_ids)      # always in item_vectors / queried
        self.special_pairs = list(special_pairs)  # always in distances
        self.n_queries = n_queries  # per kind (by item / by vector)
        assert len(self.ids) == len(self.data)


def float_case(name, metric, f, n, n_trees, seed, data_seed, *, k=6, scale=3.0,
               spread=1.0, ids=None, dot_norms=False, description=""):
    rng = np.random.default_rng(data_seed)
    centers = blob_centers(rng, k, f, scale)
    x = blobs(rng, centers, n, spread)
    if dot_norms:
        x = varied_norms(rng, x)
    if ids is None:
        ids = range(n)

    def qgen(r):
        v = blobs(r, centers, 1, spread)
        if dot_norms:
            v = varied_norms(r, v)
        return v[0]

    return Case(name, metric, f, n_trees, seed, ids, x, qgen, description)


def hamming_case(name, f, n, n_trees, seed, data_seed, *, k=8, flip_p=0.1,
                 ids=None, description=""):
    rng = np.random.default_rng(data_seed)
    protos = bit_prototypes(rng, k, f)
    x = bit_blobs(rng, protos, n, flip_p)
    if ids is None:
        ids = range(n)

    def qgen(r):
        return bit_blobs(r, protos, 1, flip_p)[0]

    return Case(name, "hamming", f, n_trees, seed, ids, x, qgen, description)


def make_cases():
    cases = []

    # ---- angular ----
    cases.append(float_case("angular_f3", "angular", 3, 1000, 10, 42, 101,
                            description="clustered, 6 blobs"))
    c = float_case("angular_f5_zero", "angular", 5, 400, 10, 7, 102,
                   description="clustered; ids 0, 17 and 250 are zero vectors")
    for z in (0, 17, 250):
        c.data[z] = 0.0
    c.special_ids = [0, 17, 250]
    c.special_pairs = [(0, 17), (0, 5), (250, 250), (17, 399)]
    cases.append(c)
    cases.append(float_case("angular_f40", "angular", 40, 1000, 8, 1, 103,
                            description="clustered, 6 blobs, f not a multiple of 16"))
    c = float_case("angular_f64_holes", "angular", 64, 500, 6, 12345, 104,
                   ids=range(0, 1000, 2),
                   description="clustered; only even ids 0..998 added (odd ids are holes)")
    c.special_ids = [1, 501, 998]
    c.special_pairs = [(0, 1), (1, 3), (2, 998)]
    cases.append(c)

    # ---- euclidean ----
    cases.append(float_case("euclidean_f3", "euclidean", 3, 1000, 10, 42, 201,
                            description="clustered, 6 blobs"))
    rng = np.random.default_rng(202)
    centers = blob_centers(rng, 4, 5, 3.0)
    base = blobs(rng, centers, 60, 1.0)
    # 300 items: every one of the 60 base points appears 5 times (exact duplicates)
    x = np.repeat(base, 5, axis=0).astype(np.float32)
    perm = rng.permutation(len(x))
    x = x[perm]
    dup_of = {}
    for new, old in enumerate(perm):
        dup_of.setdefault(int(old) // 5, []).append(new)
    group = sorted(dup_of[0])
    c = Case("euclidean_f5_dups", "euclidean", 5, 10, 99, range(len(x)), x,
             lambda r: blobs(r, centers, 1, 1.0)[0],
             "60 distinct points, each present 5 times (exact duplicates); "
             "ids %s are copies of one point" % group)
    c.special_ids = group[:2]
    c.special_pairs = [(group[0], group[1]), (group[1], group[4]), (group[0], group[0])]
    cases.append(c)
    ids = list(range(0, 500)) + list(range(800, 1300))
    c = float_case("euclidean_f25_gap", "euclidean", 25, 1000, 10, 3, 203, ids=ids,
                   description="clustered; ids 0..499 and 800..1299 (500..799 are holes)")
    c.special_ids = [500, 799, 800]
    c.special_pairs = [(500, 0), (600, 700), (499, 800)]
    cases.append(c)
    cases.append(float_case("euclidean_f64", "euclidean", 64, 900, 6, 5, 204,
                            description="clustered, 6 blobs"))

    # ---- manhattan ----
    ids = [i for i in range(900) if i % 3 != 2]
    c = float_case("manhattan_f5_holes", "manhattan", 5, len(ids), 10, 11, 301, ids=ids,
                   description="clustered; ids i with i % 3 == 2 are holes (n_items 899)")
    c.special_ids = [2, 5, 896]
    c.special_pairs = [(2, 0), (5, 8), (0, 1)]
    cases.append(c)
    cases.append(float_case("manhattan_f40", "manhattan", 40, 1000, 8, 13, 302,
                            description="clustered, 6 blobs"))
    cases.append(float_case("manhattan_f64", "manhattan", 64, 900, 6, 17, 303,
                            description="clustered, 6 blobs"))

    # ---- dot ----
    cases.append(float_case("dot_f5", "dot", 5, 800, 10, -12345, 401, dot_norms=True,
                            description="clustered with log-normal row norms; NEGATIVE seed"))
    ids = list(range(0, 400)) + list(range(700, 1300))
    c = float_case("dot_f40_gap", "dot", 40, 1000, 8, 19, 402, ids=ids, dot_norms=True,
                   description="clustered with log-normal row norms; ids 400..699 are holes")
    c.special_ids = [400, 699, 700]
    c.special_pairs = [(400, 0), (400, 401), (0, 1299)]
    cases.append(c)
    cases.append(float_case("dot_f64", "dot", 64, 900, 6, 23, 403, dot_norms=True,
                            description="clustered with log-normal row norms"))

    # ---- hamming ----
    ids = [i for i in range(1600) if i % 2 == 0 or i % 7 == 0]
    c = hamming_case("hamming_f70_holes", 70, len(ids), 10, 29, 501, ids=ids,
                     description="8 bit-prototypes, 10% flips; odd ids not multiple of 7 are holes")
    c.special_ids = [1, 7, 1598]
    c.special_pairs = [(1, 0), (7, 14), (0, 1598)]
    cases.append(c)
    cases.append(hamming_case("hamming_f256", 256, 1000, 8, 31, 502,
                              description="8 bit-prototypes, 10% flips"))

    # ---- tiny (n_items <= K) and single-item indexes, every metric ----
    for metric, seed in (("angular", 2), ("euclidean", 3), ("manhattan", 4),
                         ("dot", 5), ("hamming", 6)):
        rng = np.random.default_rng(600 + seed)
        if metric == "hamming":
            x = (rng.random((3, 3)) < 0.5).astype(np.float32)
            x[0] = [1, 0, 1]
            qg = (lambda r: (r.random(3) < 0.5).astype(np.float32))
        else:
            x = rng.normal(0, 1, size=(3, 3)).astype(np.float32)
            qg = (lambda r: r.normal(0, 1, size=3).astype(np.float32))
        c = Case("tiny_%s_f3" % metric, metric, 3, 10, seed, range(3), x, qg,
                 "3 items, f=3, 10 trees: n_items <= K, every tree is one root bucket",
                 n_queries=14)
        cases.append(c)

        f1 = 70 if metric == "hamming" else 3
        if metric == "hamming":
            x1 = (rng.random((1, f1)) < 0.5).astype(np.float32)
            qg1 = (lambda r, f1=f1: (r.random(f1) < 0.5).astype(np.float32))
        else:
            x1 = rng.normal(0, 1, size=(1, f1)).astype(np.float32)
            qg1 = (lambda r, f1=f1: r.normal(0, 1, size=f1).astype(np.float32))
        c = Case("single_%s_f%d" % (metric, f1), metric, f1, 10, seed, [0], x1, qg1,
                 "n_items == 1, 10 trees", n_queries=14)
        cases.append(c)

    # tiny with holes: ids 1 and 3 only (n_items 4 <= K)
    rng = np.random.default_rng(700)
    x = rng.normal(0, 1, size=(2, 3)).astype(np.float32)
    c = Case("tiny_euclidean_f3_holes", "euclidean", 3, 10, 8, [1, 3], x,
             lambda r: r.normal(0, 1, size=3).astype(np.float32),
             "ids 1 and 3 only (0 and 2 are holes), n_items 4 <= K, 10 trees",
             special_ids=[0, 2], special_pairs=[(0, 1), (1, 3), (2, 2)], n_queries=14)
    cases.append(c)
    return cases


# ---------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------

def floats(seq):
    return [float(v) for v in seq]


def node_size(metric, f):
    if metric == "angular":
        return 12 + 4 * f
    if metric in ("euclidean", "manhattan", "dot"):
        return 16 + 4 * f
    if metric == "hamming":
        return 16 + 8 * ((f + 63) // 64)
    raise ValueError(metric)


def run_case(case, binfo):
    ann_path = os.path.join(OUT_DIR, case.name + ".ann")
    json_path = os.path.join(OUT_DIR, case.name + ".json")

    idx = annoy.AnnoyIndex(case.f, case.metric)
    idx.set_seed(case.seed)
    for i, v in zip(case.ids, case.data):
        idx.add_item(i, v.tolist())
    idx.build(case.n_trees, n_jobs=1)
    n_trees_after_build = idx.get_n_trees()
    idx.save(ann_path)
    idx.unload()

    ld = annoy.AnnoyIndex(case.f, case.metric)
    ld.load(ann_path)
    n_items = ld.get_n_items()
    n_trees_after_load = ld.get_n_trees()
    file_size = os.path.getsize(ann_path)
    s = node_size(case.metric, case.f)
    assert file_size % s == 0

    present = sorted(set(case.ids))
    present_set = set(present)
    holes = [i for i in range(n_items) if i not in present_set]
    # deterministic per-case rng for choosing queries
    qrng = np.random.default_rng(abs(hash_name(case.name)))

    queries = []
    small = n_items <= 300

    def add_query(q):
        if "item" in q:
            ids, dists = ld.get_nns_by_item(q["item"], q["n"], q["search_k"], True)
        else:
            ids, dists = ld.get_nns_by_vector(q["vector"], q["n"], q["search_k"], True)
        q["ids"] = [int(i) for i in ids]
        q["distances"] = floats(dists)
        queries.append(q)

    def pick_n(j):
        # mostly n=10; every 4th query uses another n
        return 10 if j % 4 != 3 else [1, 3, 25, 100][(j // 4) % 4]

    # --- by item ---
    item_choices = list(case.special_ids)
    while len(item_choices) < case.n_queries:
        item_choices.append(int(present[qrng.integers(0, len(present))]))
    for j, it in enumerate(item_choices[:case.n_queries]):
        sk = SEARCH_KS[j % len(SEARCH_KS)]
        n = pick_n(j)
        add_query({"by": "item", "item": int(it), "n": n, "search_k": sk})
    # --- by vector ---
    for j in range(case.n_queries):
        v = case.qgen(qrng)
        sk = SEARCH_KS[j % len(SEARCH_KS)]
        n = pick_n(j)
        add_query({"by": "vector", "vector": floats(v), "n": n, "search_k": sk})
    # --- edge search_k values ---
    it0 = int(present[qrng.integers(0, len(present))])
    add_query({"by": "item", "item": it0, "n": 10, "search_k": 0})
    add_query({"by": "item", "item": it0, "n": 10, "search_k": -5})
    add_query({"by": "vector", "vector": floats(case.qgen(qrng)), "n": 10, "search_k": -5})
    # --- n larger than n_items (only where it keeps the json small) ---
    if small:
        for sk in (-1, 1, HUGE_SEARCH_K):
            add_query({"by": "item", "item": it0, "n": n_items + 5, "search_k": sk})
            add_query({"by": "vector", "vector": floats(case.qgen(qrng)),
                       "n": n_items + 5, "search_k": sk})
    # --- query a hole by item (queried as the zero vector) ---
    for h in holes[:1]:
        add_query({"by": "item", "item": int(h), "n": 10, "search_k": -1})
        add_query({"by": "item", "item": int(h), "n": 10, "search_k": HUGE_SEARCH_K})

    # --- item vectors ---
    iv_ids = list(dict.fromkeys(case.special_ids + [present[0], present[-1],
                                                     present[len(present) // 2]]
                                 + holes[:1]))
    item_vectors = {str(i): floats(ld.get_item_vector(i)) for i in iv_ids}

    # --- distances ---
    pairs = list(case.special_pairs)
    pairs.append((present[0], present[0]))
    if holes:
        pairs.append((holes[0], present[0]))
    for _ in range(8):
        a = int(present[qrng.integers(0, len(present))])
        b = int(present[qrng.integers(0, len(present))])
        pairs.append((a, b))
    distances = [[int(a), int(b), float(ld.get_distance(a, b))] for a, b in pairs]

    doc = {
        "annoy_version": ANNOY_VERSION,
        "case": case.name,
        "description": case.description,
        "metric": case.metric,
        "f": case.f,
        "n_trees": case.n_trees,
        "n_jobs": 1,
        "seed": case.seed,
        "n_items": n_items,
        "n_added": len(present),
        "n_holes": len(holes),
        "n_trees_after_build": n_trees_after_build,
        "n_trees_after_load": n_trees_after_load,
        "node_size": s,
        "n_nodes": file_size // s,
        "file_size": file_size,
        "build_info": binfo,
        "queries": queries,
        "item_vectors": item_vectors,
        "distances": distances,
    }
    with open(json_path, "w") as fh:
        json.dump(doc, fh, indent=None, separators=(",", ":"))
        fh.write("\n")
    ld.unload()
    return doc


def hash_name(name):
    # stable across runs (python's hash() is salted)
    h = 1469598103934665603
    for ch in name.encode():
        h = ((h ^ ch) * 1099511628211) & ((1 << 63) - 1)
    return h


def main():
    check_version()
    binfo = build_info()
    cases = make_cases()
    names = [c.name for c in cases]
    assert len(set(names)) == len(names)
    total = 0
    print("%-26s %-9s %4s %7s %5s %6s %6s %9s" % (
        "case", "metric", "f", "n_items", "trees", "tr@bld", "tr@ld", "ann bytes"))
    for c in cases:
        d = run_case(c, binfo)
        js = os.path.getsize(os.path.join(OUT_DIR, c.name + ".json"))
        total += d["file_size"] + js
        print("%-26s %-9s %4d %7d %5d %6d %6d %9d  json %d, %d queries" % (
            c.name, c.metric, c.f, d["n_items"], c.n_trees, d["n_trees_after_build"],
            d["n_trees_after_load"], d["file_size"], js, len(d["queries"])))
    print("total bytes (ann + json): %d" % total)


if __name__ == "__main__":
    main()
