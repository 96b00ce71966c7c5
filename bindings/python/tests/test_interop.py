"""Files exchanged with the real annoy package (1.17.3), both ways, for every metric, and the
same calls giving the same results (or the same exception types) on both."""

import os
import warnings

import pytest

import annoy_rs

annoy = pytest.importorskip("annoy")
np = pytest.importorskip("numpy")

pytestmark = pytest.mark.annoy

METRICS = ["angular", "euclidean", "manhattan", "dot", "hamming"]
SEARCH_KS = [-1, 1, 2, 7, 50, 1000, 100000, 0, -5]


def dataset(metric, n, f, seed, holes=False):
    """(ids, vectors): clustered data, so that neighbours are well defined."""
    rng = np.random.default_rng(seed)
    if metric == "hamming":
        protos = (rng.random((5, f)) < 0.5).astype(np.float32)
        x = protos[rng.integers(0, 5, n)]
        flips = (rng.random((n, f)) < 0.1).astype(np.float32)
        x = np.abs(x - flips)
    else:
        centers = rng.normal(0, 3, (6, f))
        x = centers[rng.integers(0, 6, n)] + rng.normal(0, 1, (n, f))
        if metric == "dot":
            x *= np.exp(rng.normal(0, 1, (n, 1)))
    ids = list(range(n))
    if holes:
        ids = sorted(rng.choice(3 * n, size=n, replace=False).tolist())
    return ids, x.astype(np.float32)


def queries(metric, f, seed, k=12):
    _, x = dataset(metric, k, f, seed + 1000)
    return x


def fill(index, ids, x):
    for i, v in zip(ids, x):
        index.add_item(i, v.tolist())


def assert_same_answers(ours, theirs, metric, ids, qs, n=10):
    assert ours.get_n_items() == theirs.get_n_items()
    if ours.get_n_items() > 100:
        # For tiny indexes (all items fit in one leaf) Annoy's load() guesses the tree count
        # from the root copies and reports 2q-1, 2q or 2q+1; our library counts q.
        assert ours.get_n_trees() == theirs.get_n_trees()
    check = ids[:: max(1, len(ids) // 15)]
    for i in check:
        assert ours.get_item_vector(i) == theirs.get_item_vector(i)
        j = ids[(ids.index(i) + 1) % len(ids)]
        assert ours.get_distance(i, j) == pytest.approx(theirs.get_distance(i, j), rel=1e-5, abs=1e-5)
    for sk in SEARCH_KS:
        for i in check:
            a = ours.get_nns_by_item(i, n, sk, True)
            b = theirs.get_nns_by_item(i, n, sk, True)
            assert a[0] == b[0], (metric, "item", i, sk)
            assert a[1] == pytest.approx(b[1], rel=1e-5, abs=1e-5)
        for q in qs:
            a = ours.get_nns_by_vector(q.tolist(), n, sk, True)
            b = theirs.get_nns_by_vector(q.tolist(), n, sk, True)
            assert a[0] == b[0], (metric, "vector", sk)
            assert a[1] == pytest.approx(b[1], rel=1e-5, abs=1e-5)
    # everything, with a negative n
    assert sorted(ours.get_nns_by_item(ids[0], -1)) == sorted(theirs.get_nns_by_item(ids[0], -1))


CASES = [
    # metric, f, n, trees, holes
    (m, f, n, trees, holes)
    for m in METRICS
    for (f, n, trees, holes) in [(5, 300, 10, False), (40, 1000, 8, False), (16, 200, 5, True),
                                 (3, 3, 10, False), (3, 1, 10, False)]
]


def case_id(c):
    return "%s-f%d-n%d-t%d%s" % (c[0], c[1] * (1 if c[0] != "hamming" else 1), c[2], c[3],
                                 "-holes" if c[4] else "")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_ours_to_annoy(case, tmp_path):
    metric, f, n, trees, holes = case
    if metric == "hamming":
        f = f * 16 + 6  # a bit count that is not a multiple of 64
    ids, x = dataset(metric, n, f, seed=f + n)
    ours = annoy_rs.AnnoyIndex(f, metric)
    fill(ours, ids, x)
    ours.set_seed(17)
    ours.build(trees, n_jobs=1)
    path = str(tmp_path / "ours.ann")
    ours.save(path)
    theirs = annoy.AnnoyIndex(f, metric)
    theirs.load(path)
    assert_same_answers(ours, theirs, metric, ids, queries(metric, f, n))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_annoy_to_ours(case, tmp_path):
    metric, f, n, trees, holes = case
    if metric == "hamming":
        f = f * 16 + 6
    ids, x = dataset(metric, n, f, seed=f + n + 1)
    theirs = annoy.AnnoyIndex(f, metric)
    fill(theirs, ids, x)
    theirs.set_seed(23)
    theirs.build(trees, n_jobs=1)
    path = str(tmp_path / "theirs.ann")
    theirs.save(path)
    ours = annoy_rs.AnnoyIndex(f, metric)
    ours.load(path)
    assert_same_answers(ours, theirs, metric, ids, queries(metric, f, n))


@pytest.mark.parametrize("metric", METRICS)
def test_multithreaded_annoy_build_loads(metric, tmp_path):
    # Annoy's multi-threaded builds interleave node ids between threads
    f = 70 if metric == "hamming" else 12
    ids, x = dataset(metric, 2000, f, seed=5)
    theirs = annoy.AnnoyIndex(f, metric)
    fill(theirs, ids, x)
    theirs.build(9, n_jobs=3)
    path = str(tmp_path / "mt.ann")
    theirs.save(path)
    ours = annoy_rs.AnnoyIndex(f, metric)
    ours.load(path)
    assert_same_answers(ours, theirs, metric, ids, queries(metric, f, 7))


@pytest.mark.parametrize("metric", METRICS)
def test_exhaustive_search_agrees_with_annoy(metric):
    """Each library builds its own trees (the same seed does not give Annoy's trees), but an
    unlimited search is exact in both, so they must agree."""
    f = 70 if metric == "hamming" else 10
    ids, x = dataset(metric, 1000, f, seed=3)
    ours = annoy_rs.AnnoyIndex(f, metric)
    theirs = annoy.AnnoyIndex(f, metric)
    for idx in (ours, theirs):
        fill(idx, ids, x)
        idx.set_seed(-5)
        idx.build(6, n_jobs=1)
    for q in queries(metric, f, 3):
        a = ours.get_nns_by_vector(q.tolist(), 10, -2, True)
        b = theirs.get_nns_by_vector(q.tolist(), 10, -2, True)
        assert a[1] == pytest.approx(b[1], rel=1e-5, abs=1e-5)
        if metric != "hamming":  # integer hamming distances tie often
            assert a[0] == b[0]


def test_on_disk_build_file_loads_in_annoy(tmp_path):
    path = str(tmp_path / "disk.ann")
    ids, x = dataset("euclidean", 500, 8, seed=9)
    ours = annoy_rs.AnnoyIndex(8, "euclidean")
    ours.on_disk_build(path)
    fill(ours, ids, x)
    ours.build(5)
    theirs = annoy.AnnoyIndex(8, "euclidean")
    theirs.load(path)
    assert_same_answers(ours, theirs, "euclidean", ids, queries("euclidean", 8, 9))


def test_empty_index_file_like_annoy(tmp_path):
    ours = annoy_rs.AnnoyIndex(2, "euclidean")
    theirs = annoy.AnnoyIndex(2, "euclidean")
    assert ours.build(5) is theirs.build(5) is True
    assert ours.get_n_trees() == theirs.get_n_trees()
    ours.save(str(tmp_path / "a.ann"))
    theirs.save(str(tmp_path / "b.ann"))
    assert os.path.getsize(str(tmp_path / "a.ann")) == os.path.getsize(str(tmp_path / "b.ann"))


def test_pickled_index_bytes_load_in_annoy(tmp_path):
    import pickle

    ids, x = dataset("angular", 300, 6, seed=2)
    ours = annoy_rs.AnnoyIndex(6, "angular")
    fill(ours, ids, x)
    ours.build(4)
    copy = pickle.loads(pickle.dumps(ours))
    path = str(tmp_path / "p.ann")
    copy.save(path)
    theirs = annoy.AnnoyIndex(6, "angular")
    theirs.load(path)
    assert_same_answers(copy, theirs, "angular", ids, queries("angular", 6, 2))


# ---- the same calls on both: results and exception types ----

def outcome(fn, *args, **kwargs):
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = fn(*args, **kwargs)
        return ("ok", r if not hasattr(r, "get_n_items") else "<index>",
                [x.category for x in w])
    except Exception as e:
        for kind in (OverflowError, IndexError, TypeError, ValueError, OSError):
            if isinstance(e, kind):
                return ("raise", kind.__name__, str(e) if kind in (IndexError,) else None)
        return ("raise", "Exception", str(e))


def both(make):
    return make(annoy), make(annoy_rs)


PARITY_CALLS = [
    # (description, call on a fresh 3-d euclidean index with items 0..4, built or not)
    ("add negative", lambda t: t.add_item(-1, [1, 2, 3])),
    ("add big id", lambda t: t.add_item(2**31, [1, 2, 3])),
    ("add short", lambda t: t.add_item(9, [1, 2])),
    ("add no len", lambda t: t.add_item(9, 3)),
    ("add strings", lambda t: t.add_item(9, ["a", "b", "c"])),
    ("add float id", lambda t: t.add_item(1.5, [1, 2, 3])),
    ("add kw", lambda t: t.add_item(i=7, vector=(1, 2, 3))),
    ("item vector", lambda t: t.get_item_vector(2)),
    ("item vector kw", lambda t: t.get_item_vector(i=2)),
    ("item vector hole", lambda t: t.get_item_vector(5)),
    ("item vector past end", lambda t: t.get_item_vector(6)),
    ("distance", lambda t: round(t.get_distance(0, 1), 4)),
    ("distance bad", lambda t: t.get_distance(0, 60)),
    ("distance neg", lambda t: t.get_distance(-1, 0)),
    ("nns item", lambda t: t.get_nns_by_item(0, 3)),
    ("nns item dist", lambda t: t.get_nns_by_item(0, 3, include_distances=True)[0]),
    ("nns item kw", lambda t: t.get_nns_by_item(i=0, n=3, search_k=-1, include_distances=0)),
    ("nns item bad", lambda t: t.get_nns_by_item(6, 3)),
    ("nns item neg", lambda t: t.get_nns_by_item(-1, 3)),
    ("nns item n=0", lambda t: t.get_nns_by_item(0, 0)),
    ("nns item all", lambda t: sorted(t.get_nns_by_item(0, -1))),
    ("nns item huge n", lambda t: sorted(t.get_nns_by_item(0, 10**6))),
    ("nns item sk=0", lambda t: t.get_nns_by_item(0, 3, 0)),
    ("nns item sk=-3", lambda t: t.get_nns_by_item(0, 3, -3)),
    ("nns vec", lambda t: t.get_nns_by_vector([1, 1, 1], 3)),
    ("nns vec tuple", lambda t: t.get_nns_by_vector((1, 1, 1), 3, -1, True)[0]),
    ("nns vec np", lambda t: t.get_nns_by_vector(np.ones(3, dtype=np.int16), 3)),
    ("nns vec short", lambda t: t.get_nns_by_vector([1, 1], 3)),
    ("nns vec n float", lambda t: t.get_nns_by_vector([1, 1, 1], 3.0)),
    ("nns vec 5 args", lambda t: t.get_nns_by_vector([1, 1, 1], 3, -1, 0, 1)),
    ("n items", lambda t: t.get_n_items()),
    ("n trees", lambda t: t.get_n_trees()),
    ("seed", lambda t: t.set_seed(3)),
    ("seed neg", lambda t: t.set_seed(-3)),
    ("seed big", lambda t: t.set_seed(2**31)),
    ("seed kw", lambda t: t.set_seed(s=3)),
    ("verbose", lambda t: t.verbose(False)),
    ("save bytes", lambda t: t.save(123)),
    ("load missing", lambda t: t.load("/nonexistent/file.ann")),
    ("load prefault range", lambda t: t.load("x.ann", 300)),
]


@pytest.mark.parametrize("built", [False, True], ids=["unbuilt", "built"])
@pytest.mark.parametrize("desc,call", PARITY_CALLS, ids=[c[0] for c in PARITY_CALLS])
def test_same_outcome_as_annoy(desc, call, built, in_tmp):
    def make(mod):
        t = mod.AnnoyIndex(3, "euclidean")
        for i, v in enumerate([[0, 0, 1], [1, 0, 0], [0, 2, 0], [1, 1, 1], [3, 0, 1]]):
            t.add_item(i, v)
        t.add_item(5, [0, 0, 0])
        t.add_item(5, [2, 2, 2])
        if built:
            t.build(4, n_jobs=1)
        return t

    theirs, ours = both(make)
    if (desc, built) in KNOWN_DIFFERENCES:
        assert outcome(call, ours) == KNOWN_DIFFERENCES[desc, built]
        return
    assert outcome(call, ours) == outcome(call, theirs)


# Outcomes where we differ from Annoy on purpose (see README.md).
KNOWN_DIFFERENCES = {
    # Annoy accepts the item and silently corrupts the built index
    ("add kw", True): ("raise", "Exception",
                       "You can't add an item to a built index (call unbuild() first)"),
}


LIFECYCLE = [
    ("construct default metric", lambda m, p: m.AnnoyIndex(3)),
    ("construct kw", lambda m, p: m.AnnoyIndex(f=3, metric="dot")),
    ("construct bad metric", lambda m, p: m.AnnoyIndex(3, "banana")),
    ("construct float f", lambda m, p: m.AnnoyIndex(3.0, "angular")),
    ("construct metric None", lambda m, p: m.AnnoyIndex(3, None)),
    ("save unbuilt", lambda m, p: _items(m).save(p)),
    ("build twice", lambda m, p: _built(m).build(2)),
    ("build kw", lambda m, p: _items(m).build(n_trees=2, n_jobs=1)),
    ("build 0", lambda m, p: _items(m).build(0)),
    ("build 0 then n_trees", lambda m, p: _nt(_items(m), 0)),
    ("unbuild", lambda m, p: _built(m).unbuild()),
    ("unbuild unbuilt", lambda m, p: _items(m).unbuild()),
    ("save", lambda m, p: _built(m).save(p)),
    ("save kw prefault", lambda m, p: _built(m).save(fn=p, prefault=True)),
    ("save empty name", lambda m, p: _built(m).save("")),
    ("save missing dir", lambda m, p: _built(m).save("/nonexistent/dir/x.ann")),
    ("add after save", lambda m, p: _saved(m, p).add_item(0, [1, 1, 1])),
    ("build after save", lambda m, p: _saved(m, p).build(2)),
    ("unbuild after save", lambda m, p: _saved(m, p).unbuild()),
    ("query after save", lambda m, p: _saved(m, p).get_nns_by_item(0, 3, -2)),
    ("n trees after save", lambda m, p: _saved(m, p).get_n_trees()),
    ("unload", lambda m, p: _saved(m, p).unload()),
    ("unload twice", lambda m, p: _unload2(m, p)),
    ("after unload", lambda m, p: _after_unload(m, p)),
    ("load", lambda m, p: _load(m, p)),
    ("load kw", lambda m, p: _load(m, p, kw=True)),
    ("load wrong f", lambda m, p: _load(m, p, f=4)),
    ("load then query", lambda m, p: _load(m, p, query=True)),
    ("on disk build", lambda m, p: _on_disk(m, p)),
    ("query before build", lambda m, p: _items(m).get_nns_by_vector([1, 1, 1], 2, -1, True)),
]


def _items(m):
    t = m.AnnoyIndex(3, "angular")
    for i in range(10):
        t.add_item(i, [i, 1, -i])
    return t


def _built(m):
    t = _items(m)
    t.build(3, n_jobs=1)
    return t


def _saved(m, p):
    t = _built(m)
    t.save(p)
    return t


def _nt(t, q):
    t.build(q)
    return t.get_n_trees(), t.get_nns_by_item(0, 3, -2)


def _unload2(m, p):
    t = _saved(m, p)
    return t.unload(), t.unload()


def _after_unload(m, p):
    t = _saved(m, p)
    t.unload()
    return t.get_n_items(), t.get_n_trees(), t.get_nns_by_vector([1, 1, 1], 3)


def _load(m, p, f=3, kw=False, query=False):
    _saved(m, p)
    t = m.AnnoyIndex(f, "angular")
    r = t.load(fn=p, prefault=False) if kw else t.load(p)
    if query:
        return r, t.get_n_items(), t.get_n_trees(), t.get_nns_by_item(3, 4, -2)
    return r


def _on_disk(m, p):
    t = m.AnnoyIndex(3, "angular")
    r1 = t.on_disk_build(p)
    for i in range(10):
        t.add_item(i, [i, 1, -i])
    r2 = t.build(3, n_jobs=1)
    return r1, r2, t.get_nns_by_item(0, 4, -2), os.path.getsize(p) > 0


@pytest.mark.parametrize("desc,call", LIFECYCLE, ids=[c[0] for c in LIFECYCLE])
def test_same_lifecycle_as_annoy(desc, call, in_tmp):
    a = outcome(call, annoy, str(in_tmp / "a.ann"))
    b = outcome(call, annoy_rs, str(in_tmp / "b.ann"))
    assert b == a
