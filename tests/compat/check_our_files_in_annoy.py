#!/usr/bin/env python3
"""Check that index files written by our CLI load in the real Annoy and that
our query engine answers like Annoy does on them.

For every metric and a few dims it:
  1. makes clustered float32 data (hamming: 0/1 values) and writes it as text,
     one vector per line, space separated;
  2. runs  ANNOY_BIN build --metric M --dim F --trees T --seed 42 --threads 2
                          --input data.txt --output idx.ann
  3. loads idx.ann with annoy.AnnoyIndex(F, M) and checks get_n_items() equals
     the number of rows (and, as a soft check, get_n_trees() equals T) and
     that a few stored vectors equal the input;
  4. for ~50 queries per metric (by item and by vector, several search_k) runs
        ANNOY_BIN query --index idx.ann --metric M --dim F
                        (--item I | --vector=x1,x2,...) -n 10 --search-k K --json
     which must print one line {"ids":[...],"distances":[...]}, and compares
     with annoy's get_nns_by_item / get_nns_by_vector on the same file: ids
     exactly, distances with a relative tolerance of 1e-4.

For float metrics, id differences that are only ties (our id is at the same
distance as annoy's, within the tolerance: float rounding can reorder those)
are reported as warnings; --strict makes them failures. For hamming (integer
distances) any id difference fails. Equal distances must always come in
ascending id order, as annoy sorts them.

Needs: pip install annoy==1.17.3 numpy
Usage: python3 tests/compat/check_our_files_in_annoy.py --annoy-bin target/release/annoy
Exit status: 0 if everything matched, 1 on any mismatch, 2 on a usage error.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    import annoy
except ImportError:  # pragma: no cover
    sys.exit("needs the annoy package: pip install annoy==1.17.3 numpy")

REL_TOL = 1e-4
ABS_TOL = 1e-6          # for distances that are (almost) zero
SEARCH_KS = [-1, 1, 7, 50, 1000, 100000]
N = 10
BUILD_SEED = 42
THREADS = 2

# metric -> list of (f, n_rows, n_trees)
CONFIGS = {
    "angular":   [(8, 800, 10), (40, 1500, 10)],
    "euclidean": [(5, 500, 10), (64, 2000, 8)],
    "manhattan": [(3, 300, 10), (25, 1200, 10)],
    "dot":       [(16, 1000, 10), (33, 600, 10)],
    "hamming":   [(70, 1000, 10), (256, 400, 10)],
}
QUERIES_PER_CONFIG = 26   # half by item, half by vector


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

class Data:
    def __init__(self, rng, metric, f, n):
        self.metric = metric
        self.f = f
        if metric == "hamming":
            self.protos = (rng.random((8, f)) < 0.5).astype(np.float32)
        else:
            self.centers = rng.normal(0.0, 3.0, size=(6, f)).astype(np.float32)
        self.x = self.sample(rng, n)

    def sample(self, rng, n):
        if self.metric == "hamming":
            labels = rng.integers(0, len(self.protos), size=n)
            flips = (rng.random((n, self.f)) < 0.1).astype(np.float32)
            return np.abs(self.protos[labels] - flips).astype(np.float32)
        labels = rng.integers(0, len(self.centers), size=n)
        x = self.centers[labels] + rng.normal(0.0, 1.0, size=(n, self.f))
        if self.metric == "dot":  # varied norms
            x = x * np.exp(rng.normal(0.0, 1.0, size=(n, 1)))
        return x.astype(np.float32)


def fmt(v):
    """Shortest text that parses back to the same float32."""
    v = float(v)
    if v == int(v) and abs(v) < 1e7:
        return str(int(v))
    return repr(v)


def write_data(path, x):
    with open(path, "w") as fh:
        for row in x:
            fh.write(" ".join(fmt(v) for v in row))
            fh.write("\n")


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------

class CliError(Exception):
    pass


def run(cmd, timeout=120):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, text=True)
    except FileNotFoundError as e:
        raise CliError("cannot run %s: %s" % (cmd[0], e))
    except subprocess.TimeoutExpired:
        raise CliError("timeout: %s" % " ".join(cmd))
    if p.returncode != 0:
        raise CliError("exit %d: %s\n  stderr: %s" % (
            p.returncode, " ".join(cmd)[:300], p.stderr.strip()[:500]))
    return p.stdout


def cli_build(binp, metric, f, trees, data_path, out_path):
    run([binp, "build", "--metric", metric, "--dim", str(f), "--trees", str(trees),
         "--seed", str(BUILD_SEED), "--threads", str(THREADS),
         "--input", data_path, "--output", out_path], timeout=300)


def cli_query(binp, index_path, metric, f, n, search_k, item=None, vector=None):
    cmd = [binp, "query", "--index", index_path, "--metric", metric, "--dim", str(f)]
    if item is not None:
        cmd += ["--item", str(item)]
    else:
        cmd += ["--vector=" + ",".join(fmt(v) for v in vector)]
    cmd += ["-n", str(n), "--search-k", str(search_k), "--json"]
    out = run(cmd)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    if len(lines) != 1:
        raise CliError("expected one json line, got %d: %r" % (len(lines), out[:300]))
    try:
        doc = json.loads(lines[0])
        return [int(i) for i in doc["ids"]], [float(d) for d in doc["distances"]]
    except (ValueError, KeyError, TypeError) as e:
        raise CliError("bad json %r: %s" % (lines[0][:300], e))


# ---------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------

def close(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(REL_TOL * max(abs(a), abs(b)), ABS_TOL)


def ref_distance(metric, x, y):
    """Annoy's user-facing distance, in float64 (for checking ties only)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if metric == "angular":
        pp, qq, pq = float(x @ x), float(y @ y), float(x @ y)
        if pp * qq <= 0:
            return math.sqrt(2.0)
        return math.sqrt(max(2.0 - 2.0 * pq / math.sqrt(pp * qq), 0.0))
    if metric == "euclidean":
        return float(np.sqrt(np.sum((x - y) ** 2)))
    if metric == "manhattan":
        return float(np.sum(np.abs(x - y)))
    if metric == "dot":
        return float(x @ y)
    if metric == "hamming":
        return float(np.sum((x > 0.5) != (y > 0.5)))
    raise ValueError(metric)


def compare(exp_ids, exp_d, got_ids, got_d, true_dist, n_items, exact=False):
    """Returns (status, message): status is 'ok', 'tie' or 'fail'.

    true_dist(id) gives the query's reference distance to an item; it is used
    to accept id differences that are only ties (equal distances) caused by
    float rounding. With exact=True (hamming: integer distances) any id
    difference fails."""
    if len(got_ids) != len(got_d):
        return "fail", "ids/distances lengths differ (%d vs %d)" % (len(got_ids), len(got_d))
    if len(exp_ids) != len(got_ids):
        return "fail", "expected %d results, got %d" % (len(exp_ids), len(got_ids))
    for k, (a, b) in enumerate(zip(exp_d, got_d)):
        if not close(a, b):
            return "fail", "distance[%d]: annoy %r, ours %r" % (k, a, b)
    if exp_ids == got_ids:
        return "ok", ""
    if len(set(got_ids)) != len(got_ids):
        return "fail", "duplicate ids in our answer"
    for k in range(len(got_ids) - 1):
        if got_d[k] == got_d[k + 1] and got_ids[k] > got_ids[k + 1]:
            return "fail", "equal distances at %d,%d not ordered by ascending id" % (k, k + 1)
    if exact:
        return "fail", "ids differ (distances are exact for this metric, so ties must match)"
    # ids differ but the distances agree position by position: acceptable only
    # if each id of ours really is at that distance (a tie with annoy's id).
    for k, (a, b) in enumerate(zip(exp_ids, got_ids)):
        if a == b:
            continue
        if not 0 <= b < n_items:
            return "fail", "id %d at %d is out of range" % (b, k)
        if not close(true_dist(b), exp_d[k]):
            return "fail", "ids differ at %d (annoy %d, ours %d, not a tie: %r vs %r)" % (
                k, a, b, exp_d[k], true_dist(b))
    return "tie", "ids differ only among equal distances"


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--annoy-bin", required=True, help="path to our CLI binary")
    ap.add_argument("--metrics", default=",".join(CONFIGS),
                    help="comma-separated subset of %s" % ",".join(CONFIGS))
    ap.add_argument("--strict", action="store_true",
                    help="treat tie-only id differences as failures")
    ap.add_argument("--keep", action="store_true", help="keep the temp directory")
    ap.add_argument("--data-seed", type=int, default=20240601)
    args = ap.parse_args()

    binp = os.path.abspath(args.annoy_bin) if os.sep in args.annoy_bin else args.annoy_bin
    if os.sep in binp and not os.access(binp, os.X_OK):
        print("error: %s is not an executable file" % binp, file=sys.stderr)
        return 2
    metrics = [m for m in args.metrics.split(",") if m]
    for m in metrics:
        if m not in CONFIGS:
            print("error: unknown metric %r" % m, file=sys.stderr)
            return 2

    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="annoy-compat-")
    rng = np.random.default_rng(args.data_seed)
    failures = []      # (where, message)
    warnings = []
    counts = {"queries": 0, "ok": 0, "tie": 0, "fail": 0}
    summary = []
    try:
        for metric in metrics:
            for (f, n_rows, trees) in CONFIGS[metric]:
                where = "%s f=%d n=%d trees=%d" % (metric, f, n_rows, trees)
                cdir = os.path.join(tmp, "%s_f%d" % (metric, f))
                os.makedirs(cdir)
                data = Data(rng, metric, f, n_rows)
                data_path = os.path.join(cdir, "data.txt")
                idx_path = os.path.join(cdir, "idx.ann")
                write_data(data_path, data.x)

                try:
                    cli_build(binp, metric, f, trees, data_path, idx_path)
                except CliError as e:
                    failures.append((where, "build failed: %s" % e))
                    summary.append((where, "BUILD FAILED"))
                    continue

                idx = annoy.AnnoyIndex(f, metric)
                try:
                    idx.load(idx_path)
                except OSError as e:
                    failures.append((where, "annoy cannot load our file: %s" % e))
                    summary.append((where, "LOAD FAILED"))
                    continue
                n_items = idx.get_n_items()
                if n_items != n_rows:
                    failures.append((where, "get_n_items() = %d, rows = %d" % (n_items, n_rows)))
                n_trees = idx.get_n_trees()
                if n_trees != trees:
                    warnings.append((where, "get_n_trees() after load = %d, built with %d "
                                     "(annoy's root detection; off by one can come from "
                                     "the order of roots in a multi-threaded build)"
                                     % (n_trees, trees)))
                for i in sorted({0, n_rows // 2, n_rows - 1}):
                    if i >= n_items:
                        continue
                    got = np.array(idx.get_item_vector(i), dtype=np.float32)
                    if not np.array_equal(got, data.x[i]):
                        failures.append((where, "get_item_vector(%d) differs from the input "
                                         "(first values annoy %s, input %s)"
                                         % (i, got[:4].tolist(), data.x[i][:4].tolist())))

                qrng = np.random.default_rng(f * 1000 + n_rows)
                n_fail_here = 0
                for j in range(QUERIES_PER_CONFIG):
                    sk = SEARCH_KS[j % len(SEARCH_KS)]
                    if j % 2 == 0:
                        item = int(qrng.integers(0, n_rows))
                        vec = None
                        exp = idx.get_nns_by_item(item, N, sk, True)
                        qdesc = "item %d" % item
                    else:
                        item = None
                        vec = data.sample(qrng, 1)[0]
                        exp = idx.get_nns_by_vector(vec.tolist(), N, sk, True)
                        qdesc = "vector #%d" % j
                    counts["queries"] += 1
                    try:
                        got = cli_query(binp, idx_path, metric, f, N, sk, item=item, vector=vec)
                    except CliError as e:
                        status, msg = "fail", "query failed: %s" % e
                    else:
                        q = data.x[item] if vec is None else vec
                        status, msg = compare(
                            list(exp[0]), list(exp[1]), got[0], got[1],
                            lambda i, q=q: ref_distance(metric, q, data.x[i]), n_items,
                            exact=(metric == "hamming"))
                        if status != "ok":
                            msg += "\n    annoy ids %s\n    ours  ids %s\n    annoy d %s\n    ours  d %s" % (
                                list(exp[0]), got[0], list(exp[1]), got[1])
                    if status == "tie" and args.strict:
                        status = "fail"
                    counts[status] += 1
                    label = "%s: %s search_k=%d" % (where, qdesc, sk)
                    if status == "fail":
                        n_fail_here += 1
                        failures.append((label, msg))
                    elif status == "tie":
                        warnings.append((label, msg))
                summary.append((where, "%d/%d queries failed, n_items %d, n_trees %d"
                                % (n_fail_here, QUERIES_PER_CONFIG, n_items, n_trees)))
                idx.unload()
    finally:
        if args.keep:
            print("kept temp dir %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    try:
        from importlib.metadata import version
        annoy_version = version("annoy")
    except Exception:  # pragma: no cover
        annoy_version = "?"
    print("annoy %s, our CLI %s" % (annoy_version, binp))
    for where, what in summary:
        print("  %-40s %s" % (where, what))
    print("queries: %d, ok %d, tie-only differences %d, failed %d; %.1f s"
          % (counts["queries"], counts["ok"], counts["tie"], counts["fail"], time.time() - t0))
    if warnings:
        print("%d warning(s), first few:" % len(warnings))
        for where, msg in warnings[:5]:
            print("  WARN %s: %s" % (where, msg))
    if failures:
        print("%d failure(s), first few:" % len(failures))
        for where, msg in failures[:8]:
            print("  FAIL %s: %s" % (where, msg))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
