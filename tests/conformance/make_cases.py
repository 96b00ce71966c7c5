#!/usr/bin/env python3
"""Writes cases.json: the behaviour every suite (Rust, C, Go, Ruby, Python) checks the same way.

Each case is a list of steps on one index: create it, add, build, query, save, load, and calls
that must fail with a given status. Expected neighbours and distances come from brute force in
float64 here, never from the library: the data are small integers (exact in float32) drawn
until every expected answer is free of near-ties, and every query uses an unlimited search
effort (search_k -2), so an exact answer is the only right one.

    python3 tests/conformance/make_cases.py      # rewrites tests/conformance/cases.json
"""
import json
import math
import os
import random

STATUSES = {
    "OK": 0, "NULL": 1, "INVALID_ARGUMENT": 2, "DIMENSION": 3, "NOT_FINITE": 4,
    "UNKNOWN_ITEM": 5, "STATE": 6, "IO": 7, "CORRUPT": 8, "BUFFER_TOO_SMALL": 9,
    "UNKNOWN_METRIC": 10, "PANIC": 11, "CANCELLED": 12,
}
UNLIMITED = -2
# Steps where Annoy's own Python API, which the Python package reproduces, does otherwise: that
# suite skips them (every other suite runs them).
EMPTY = {"annoy_python": "returns [] before build"}
TIE_GAP = 1e-3  # relative gap required between consecutive expected distances


def distance(metric, a, b):
    if metric == "angular":
        na = math.sqrt(sum(x * x for x in a))
        nb = math.sqrt(sum(x * x for x in b))
        cos = sum(x * y for x, y in zip(a, b)) / (na * nb)
        return math.sqrt(max(0.0, 2.0 - 2.0 * cos))
    if metric == "euclidean":
        return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))
    if metric == "manhattan":
        return sum(abs(x - y) for x, y in zip(a, b))
    if metric == "dot":
        return sum(x * y for x, y in zip(a, b))
    if metric == "hamming":
        return float(sum(1 for x, y in zip(a, b) if (x > 0.5) != (y > 0.5)))
    raise ValueError(metric)


def ranked(metric, items, query, allowed=None):
    """(id, distance) of every allowed item, best first (dot: largest product first)."""
    pairs = [(i, distance(metric, v, query)) for i, v in items.items()
             if allowed is None or i in allowed]
    return sorted(pairs, key=lambda p: -p[1] if metric == "dot" else p[1])


def tie_free(pairs, n):
    """Whether the first min(n + 1, len) distances differ from their neighbours."""
    head = [d for _, d in pairs[: n + 1]]
    for x, y in zip(head, head[1:]):
        if abs(x - y) <= TIE_GAP * max(1.0, abs(x), abs(y)):
            return False
    return True


def vector(rng, metric, dim):
    if metric == "hamming":
        return [float(rng.randint(0, 1)) for _ in range(dim)]
    while True:
        v = [float(rng.randint(-9, 9)) for _ in range(dim)]
        if any(v):  # angular needs no zero vector
            return v


def query_step(metric, items, n, *, item=None, vector_=None, allowed=None):
    query = items[item] if item is not None else vector_
    pairs = ranked(metric, items, query, allowed)
    if not tie_free(pairs, n):
        return None
    step = {"op": "query_item", "id": item} if item is not None else \
        {"op": "query_vector", "vector": vector_}
    step.update({"n": n, "search_k": UNLIMITED})
    if allowed is not None:
        step["allow"] = sorted(allowed)
    step["ids"] = [i for i, _ in pairs[:n]]
    step["distances"] = [d for _, d in pairs[:n]]
    return step


def query_case(metric, dim, n_items, seed):
    """Adds items (ids with a hole), builds, and checks queries before and after a reload."""
    rng = random.Random(seed)
    for _attempt in range(100000):
        ids = [i for i in range(n_items + 1) if i != n_items // 2]  # id n_items//2 is a hole
        if metric == "hamming":
            # Hamming distances are small integers: items at distinct distances from a centre,
            # so that a query for all of them has one right order.
            centre = vector(rng, metric, dim)
            counts = rng.sample(range(1, dim), len(ids))
            items = {}
            for i, count in zip(ids, counts):
                flips = set(rng.sample(range(dim), count))
                items[i] = [1.0 - x if k in flips else x for k, x in enumerate(centre)]
            everything = centre
        else:
            items = {i: vector(rng, metric, dim) for i in ids}
            everything = vector(rng, metric, dim)
        queries = []
        for item in (ids[0], ids[3], ids[-1]):
            queries.append(query_step(metric, items, 5, item=item))
        for _ in range(2):
            queries.append(query_step(metric, items, 3, vector_=vector(rng, metric, dim)))
        # More neighbours than items: all of them, best first.
        queries.append(query_step(metric, items, len(items) + 5, vector_=everything))
        allowed = set(rng.sample(ids, 5))
        queries.append(query_step(metric, items, 3, vector_=vector(rng, metric, dim),
                                  allowed=allowed))
        if all(q is not None for q in queries):
            break
    else:
        raise SystemExit(f"no tie-free data for {metric}")
    hole = n_items // 2
    a, b = ids[1], ids[2]
    steps = [{"op": "new", "metric": metric, "dim": dim}, {"op": "seed", "seed": seed}]
    steps += [{"op": "add", "id": i, "vector": v} for i, v in items.items()]
    steps += [{"op": "n_items", "value": max(ids) + 1},
              {"op": "build", "n_trees": 3, "n_threads": 1},
              {"op": "n_trees", "value": 3}]
    steps += queries
    steps += [
        {"op": "query_vector", "n": 0, "search_k": UNLIMITED, "vector": items[a], "ids": [],
         "distances": []},
        {"op": "item", "id": a, "vector": items[a]},
        {"op": "distance", "i": a, "j": b, "distance": distance(metric, items[a], items[b])},
        {"op": "save", "file": "index.ann"},
        {"op": "unload"},
        {"op": "load", "file": "index.ann"},
        {"op": "n_items", "value": max(ids) + 1},
    ]
    steps += queries
    steps += [
        {"op": "item", "id": b, "vector": items[b]},
        # An id below the largest that was never added holds zeros, as in Annoy, and no
        # query returns it.
        {"op": "item", "id": hole, "vector": [0.0] * dim},
        {"op": "item", "id": max(ids) + 1, "status": "UNKNOWN_ITEM"},
    ]
    return {"name": f"{metric}: queries before and after a reload (dim {dim})", "steps": steps}


def error_cases():
    v3 = [1.0, 2.0, 3.0]
    new = {"op": "new", "metric": "euclidean", "dim": 3}
    two = [{"op": "add", "id": 0, "vector": v3}, {"op": "add", "id": 1, "vector": [3.0, 1.0, 2.0]}]
    built = [new] + two + [{"op": "build", "n_trees": 2, "n_threads": 1}]
    unlimited = {"n": 1, "search_k": UNLIMITED}
    return [
        {"name": "an unknown metric", "steps": [
            {"op": "new", "metric": "chebyshev", "dim": 3, "status": "UNKNOWN_METRIC"}]},
        {"name": "vectors of the wrong length", "steps": [new] + two + [
            {"op": "add", "id": 2, "vector": [1.0, 2.0], "status": "DIMENSION"},
            {"op": "add", "id": 2, "vector": [1.0, 2.0, 3.0, 4.0], "status": "DIMENSION"},
            {"op": "n_items", "value": 2},
            {"op": "build", "n_trees": 2, "n_threads": 1},
            {"op": "query_vector", "vector": [1.0, 2.0], **unlimited, "status": "DIMENSION"}]},
        {"name": "values that are not finite", "steps": [new] + two + [
            {"op": "add", "id": 2, "vector": [1.0, "nan", 3.0], "status": "NOT_FINITE"},
            {"op": "add", "id": 2, "vector": ["inf", 1.0, 3.0], "status": "NOT_FINITE"},
            {"op": "add", "id": 2, "vector": [1.0, 1.0, "-inf"], "status": "NOT_FINITE"},
            {"op": "n_items", "value": 2},
            {"op": "build", "n_trees": 2, "n_threads": 1},
            {"op": "query_vector", "vector": ["nan", 0.0, 0.0], **unlimited,
             "status": "NOT_FINITE"}]},
        {"name": "ids the index does not hold", "steps": built + [
            {"op": "query_item", "id": 2, **unlimited, "status": "UNKNOWN_ITEM"},
            {"op": "query_item", "id": 2147483000, **unlimited, "status": "UNKNOWN_ITEM"},
            {"op": "item", "id": 2, "status": "UNKNOWN_ITEM"},
            {"op": "distance", "i": 0, "j": 2, "status": "UNKNOWN_ITEM"},
            {"op": "distance", "i": 7, "j": 0, "status": "UNKNOWN_ITEM"}]},
        {"name": "calls before build and after it", "steps": [new] + two + [
            {"op": "query_item", "id": 0, **unlimited, "status": "STATE", **EMPTY},
            {"op": "query_vector", "vector": v3, **unlimited, "status": "STATE", **EMPTY},
            {"op": "save", "file": "early.ann", "status": "STATE"},
            {"op": "build", "n_trees": 2, "n_threads": 1},
            {"op": "add", "id": 2, "vector": v3, "status": "STATE"},
            {"op": "build", "n_trees": 2, "n_threads": 1, "status": "STATE"},
            {"op": "n_items", "value": 2},
            {"op": "unbuild"},
            {"op": "query_item", "id": 0, **unlimited, "status": "STATE", **EMPTY},
            {"op": "add", "id": 2, "vector": [9.0, 9.0, 9.0]},
            {"op": "build", "n_trees": 2, "n_threads": 1},
            {"op": "query_vector", "vector": [8.0, 9.0, 9.0], **unlimited, "ids": [2],
             "distances": [1.0]}]},
        {"name": "a loaded index is read-only", "steps": built + [
            {"op": "save", "file": "two.ann"},
            {"op": "new", "metric": "euclidean", "dim": 3},
            {"op": "load", "file": "two.ann"},
            {"op": "add", "id": 2, "vector": v3, "status": "STATE"},
            {"op": "build", "n_trees": 2, "n_threads": 1, "status": "STATE"},
            {"op": "query_item", "id": 1, **unlimited, "ids": [1], "distances": [0.0]},
            {"op": "unload"},
            {"op": "query_item", "id": 1, **unlimited, "status": "STATE",
             "annoy_python": "IndexError: an unloaded index has no items"}]},
        {"name": "files that are missing or not an index", "steps": [
            new,
            {"op": "load", "file": "missing.ann", "status": "IO"},
            {"op": "write_file", "file": "short.ann", "hex": "00010203040506"},
            {"op": "load", "file": "short.ann", "status": "CORRUPT"},
            # 21 bytes: not a whole number of 20-byte euclidean dim-3 records.
            {"op": "write_file", "file": "odd.ann", "hex": "00" * 21},
            {"op": "load", "file": "odd.ann", "status": "CORRUPT"},
            {"op": "n_items", "value": 0},
            {"op": "add", "id": 0, "vector": v3},
            {"op": "n_items", "value": 1}]},
        {"name": "build arguments out of range", "steps": [new] + two + [
            {"op": "build", "n_trees": -5, "n_threads": 1, "status": "INVALID_ARGUMENT"},
            {"op": "build", "n_trees": 2, "n_threads": -3, "status": "INVALID_ARGUMENT"},
            {"op": "build", "n_trees": -1, "n_threads": -1},
            {"op": "query_item", "id": 0, **unlimited, "ids": [0], "distances": [0.0]}]},
    ]


def main():
    cases = [query_case(m, d, 14, 20 + k) for k, (m, d) in enumerate(
        [("angular", 5), ("euclidean", 4), ("manhattan", 4), ("dot", 4), ("hamming", 72)])]
    cases += error_cases()
    doc = {
        "about": "Conformance cases shared by the Rust, C, Go, Ruby and Python suites; "
                 "written by make_cases.py (see README.md)",
        "statuses": STATUSES,
        "cases": cases,
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {out}: {len(cases)} cases, "
          f"{sum(len(c['steps']) for c in cases)} steps")


if __name__ == "__main__":
    main()
