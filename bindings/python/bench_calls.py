"""Per-call cost of annoy_rs against Annoy 1.17.3's C++ extension, side by side in one process
on the same .ann file: 1-NN by item and by vector, 10-NN, get_item_vector, add_item and
get_distance, get_n_items. Prints microseconds per call for each and the ratio annoy_rs / annoy.

    python3 bindings/python/bench_calls.py [--n 10000] [--f 64] [--calls 20000]
    python3 bindings/python/bench_calls.py --data /work/data/minilm-384-100k.npy \
        --queries /work/data/minilm-384-queries.npy [--n 100000]

--data takes the items from an (n, f) float32 .npy file (angular), --queries the by-vector
queries (default: stored items); both need numpy.

Timings on a shared machine are noisy: the two libraries alternate in rounds and the best
round of each is reported, so the ratio is what to read.
"""

import argparse
import os
import random
import tempfile
import time

import annoy
import annoy_rs


def best_of_alternating(rounds, first, second):
    """Runs `first` and `second` in turn `rounds` times; the best time of each."""
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        best[0] = min(best[0], first())
        best[1] = min(best[1], second())
    return best


def per_call(fn, args, calls):
    def run():
        start = time.perf_counter()
        for a in args[:calls]:
            fn(*a)
        return (time.perf_counter() - start) / calls * 1e6

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=None,
                        help="items (default: 10000, or all rows of --data)")
    parser.add_argument("--f", type=int, default=64)
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", help="items: an (n, f) .npy file")
    parser.add_argument("--queries", help="by-vector queries: an (m, f) .npy file")
    opts = parser.parse_args()
    rng = random.Random(42)
    query_rows = None
    if opts.data:
        import numpy

        data = numpy.load(opts.data, mmap_mode="r")
        opts.n = data.shape[0] if opts.n is None else min(opts.n, data.shape[0])
        opts.f = data.shape[1]
        vectors = numpy.asarray(data[: opts.n], dtype=numpy.float32).tolist()
        if opts.queries:
            query_rows = numpy.load(opts.queries).astype(numpy.float32).tolist()
    else:
        opts.n = 10000 if opts.n is None else opts.n
        vectors = [[rng.gauss(0, 1) for _ in range(opts.f)] for _ in range(opts.n)]

    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "bench.ann")
    ref = annoy.AnnoyIndex(opts.f, "angular")
    for i, v in enumerate(vectors):
        ref.add_item(i, v)
    ref.build(10)
    ref.save(path)
    loaded = {"annoy": annoy.AnnoyIndex(opts.f, "angular"), "annoy_rs": annoy_rs.AnnoyIndex(opts.f, "angular")}
    for index in loaded.values():
        index.load(path)
    builders = {"annoy": annoy.AnnoyIndex, "annoy_rs": annoy_rs.AnnoyIndex}

    items = [(rng.randrange(opts.n),) for _ in range(opts.calls)]
    pairs = [(rng.randrange(opts.n), rng.randrange(opts.n)) for _ in range(opts.calls)]
    pool = query_rows or vectors
    queries = [(pool[rng.randrange(len(pool))],) for _ in range(opts.calls)]
    adds = [(i, vectors[i % opts.n]) for i in range(opts.calls)]

    def cases(name):
        idx = loaded[name]
        fresh = builders[name](opts.f, "angular")
        return {
            "get_nns_by_item 1-NN": per_call(lambda i: idx.get_nns_by_item(i, 1), items, opts.calls),
            "get_nns_by_vector 1-NN": per_call(lambda v: idx.get_nns_by_vector(v, 1), queries, opts.calls),
            "get_nns_by_item 10-NN": per_call(lambda i: idx.get_nns_by_item(i, 10), items, opts.calls),
            "get_nns_by_vector 10-NN": per_call(lambda v: idx.get_nns_by_vector(v, 10), queries, opts.calls),
            "get_item_vector": per_call(idx.get_item_vector, items, opts.calls),
            "get_distance": per_call(idx.get_distance, pairs, opts.calls),
            "get_n_items": per_call(idx.get_n_items, [()] * opts.calls, opts.calls),
            "add_item": per_call(fresh.add_item, adds, opts.calls),
        }

    mine, theirs = cases("annoy_rs"), cases("annoy")
    print("n=%d f=%d calls=%d rounds=%d (best round, us/call)" % (opts.n, opts.f, opts.calls, opts.rounds))
    print("%-26s %10s %10s %8s" % ("call", "annoy", "annoy_rs", "ratio"))
    for name in mine:
        a, b = best_of_alternating(opts.rounds, theirs[name], mine[name])
        print("%-26s %10.3f %10.3f %8.2f" % (name, a, b, b / a))


if __name__ == "__main__":
    main()
