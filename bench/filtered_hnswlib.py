"""hnswlib's filtered search on the data `examples/filtered_search.rs` dumps (FILTER_DUMP=dir):
recall@10 against brute force over the allowed items, at the ef the unfiltered search needs
for recall 0.9, for the same allow-lists.

    FILTER_DUMP=/tmp/filter cargo run --release --example filtered_search
    python3 bench/filtered_hnswlib.py /tmp/filter      # needs numpy and hnswlib
"""

import sys
import time

import hnswlib
import numpy as np

K = 10


def main(directory):
    n, n_queries, dim = map(int, open(f"{directory}/shape.txt").read().split())
    points = np.fromfile(f"{directory}/points.f32", dtype="<f4").reshape(n, dim)
    queries = np.fromfile(f"{directory}/queries.f32", dtype="<f4").reshape(n_queries, dim)
    unit = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)
    points_u, queries_u = unit(points), unit(queries)
    index = hnswlib.Index(space="cosine", dim=dim)
    index.init_index(max_elements=n, ef_construction=200, M=16, random_seed=1)
    started = time.time()
    index.add_items(points, np.arange(n), num_threads=2)
    print(f"{n} x {dim} cosine, M=16, ef_construction=200 (built in {time.time() - started:.1f} s)")
    similarity = queries_u @ points_u.T

    def truth(allowed):
        s = np.where(allowed[None, :], similarity, -np.inf)
        top = np.argsort(-s, axis=1)[:, :K]
        return [set(row[np.isfinite(s[q, row])]) for q, row in enumerate(top)]

    def recall(found, want):
        hits = sum(len(set(f) & w) for f, w in zip(found, want))
        return hits / max(1, sum(len(w) for w in want))

    def run(ef, allowed, want):
        index.set_ef(ef)
        flt = None if allowed.all() else (lambda i: bool(allowed[i]))
        found = []
        started = time.time()
        for q in queries:
            k = min(K, int(allowed.sum()))
            labels, _ = index.knn_query(q, k=k, num_threads=1, filter=flt)
            found.append(labels[0].tolist())
        return recall(found, want), n_queries / (time.time() - started)

    everything = np.ones(n, dtype=bool)
    want_all = truth(everything)
    ef = K
    while True:
        r, _ = run(ef, everything, want_all)
        if r >= 0.9 or ef >= 4096:
            break
        ef += max(2, ef // 8)
    print(f"ef for unfiltered recall 0.9: {ef} (recall {r:.3f})")
    print("| selectivity | allowed | recall@10 | QPS |")
    print("|---|---|---|---|")
    for selectivity in ["1", "0.5", "0.1", "0.01", "0.001"]:
        words = np.fromfile(f"{directory}/allow-{selectivity}.u64", dtype="<u8")
        bits = np.unpackbits(words.view(np.uint8), bitorder="little")[:n].astype(bool)
        if bits.size < n:
            bits = np.concatenate([bits, np.zeros(n - bits.size, dtype=bool)])
        r, qps = run(ef, bits, truth(bits))
        print(f"| {float(selectivity) * 100:.1f}% | {bits.sum()} | {r:.3f} | {qps:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1])
