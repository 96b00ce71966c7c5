"""AnnoyIndex behaves as annoy.AnnoyIndex (1.17.3): arguments, defaults, return types.

These tests need only annoy_rs (numpy where noted); the wheel test runs them in a fresh
virtual environment against the installed wheel."""

import array
import math
import os
import pathlib
import random
import warnings

import pytest

import annoy_rs
from annoy_rs import AnnoyIndex

METRICS = ["angular", "euclidean", "manhattan", "dot", "hamming"]


def make_index(metric="euclidean", f=5, n=50, seed=3, build=None):
    rnd = random.Random(seed)
    t = AnnoyIndex(f, metric)
    for i in range(n):
        if metric == "hamming":
            t.add_item(i, [rnd.randint(0, 1) for _ in range(f)])
        else:
            t.add_item(i, [rnd.gauss(0, 1) for _ in range(f)])
    if build is not None:
        t.build(build, n_jobs=1)
    return t


def brute_force(metric, items, q):
    """(distance, id) for every item, by the metric's user distance."""
    out = []
    for i, v in enumerate(items):
        if metric == "euclidean":
            d = math.sqrt(sum((a - b) ** 2 for a, b in zip(v, q)))
        elif metric == "manhattan":
            d = sum(abs(a - b) for a, b in zip(v, q))
        elif metric == "angular":
            nv = math.sqrt(sum(a * a for a in v))
            nq = math.sqrt(sum(a * a for a in q))
            cos = sum(a * b for a, b in zip(v, q)) / (nv * nq)
            d = math.sqrt(max(0.0, 2 - 2 * cos))
        elif metric == "dot":
            d = -sum(a * b for a, b in zip(v, q))
        elif metric == "hamming":
            d = sum((a > 0.5) != (b > 0.5) for a, b in zip(v, q))
        out.append((d, i))
    return sorted(out)


# ---- construction ----

def test_module_exports():
    assert annoy_rs.Annoy is AnnoyIndex
    assert os.path.isfile(annoy_rs.LIBRARY_PATH)
    assert annoy_rs.library_version().count(".") == 2


@pytest.mark.parametrize("metric", METRICS)
def test_construct_every_metric(metric):
    t = AnnoyIndex(7, metric)
    assert t.f == 7
    assert t.metric == metric
    assert t.get_n_items() == 0
    assert t.get_n_trees() == 0


def test_construct_keywords():
    t = AnnoyIndex(f=3, metric="euclidean")
    assert t.f == 3
    t = AnnoyIndex(2, metric="euclidean")
    assert t.f == 2


def test_default_metric_is_angular_with_future_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = AnnoyIndex(2)
    assert len(caught) == 1
    w = caught[0]
    assert w.category is FutureWarning
    assert str(w.message) == (
        "The default argument for metric will be removed in future version of Annoy. "
        "Please pass metric='angular' explicitly."
    )
    assert w.filename == __file__  # points at the caller, as Annoy's warning does
    assert t.metric == "angular"
    t.add_item(0, [1, 0])
    t.add_item(1, [0, 1])
    assert t.get_distance(0, 1) == pytest.approx(math.sqrt(2))


def test_f_is_read_only():
    t = AnnoyIndex(3, "angular")
    with pytest.raises(AttributeError):
        t.f = 4
    assert t.f == 3


def test_no_arbitrary_attributes_like_annoy():
    t = AnnoyIndex(3, "angular")
    with pytest.raises(AttributeError):
        t.something = 1


def test_subclass_without_init():
    class Sub(AnnoyIndex):
        def __init__(self, f, metric):
            self.extra = "x"  # does not call super().__init__, as allowed with Annoy

    s = Sub(3, "euclidean")
    assert isinstance(s, AnnoyIndex)
    s.add_item(0, [1, 2, 3])
    assert s.get_item_vector(0) == [1.0, 2.0, 3.0]
    assert s.extra == "x"


def test_repr():
    t = make_index(n=3, build=2)
    r = repr(t)
    assert "AnnoyIndex" in r and "f=5" in r and "n_items=3" in r and "n_trees=2" in r


# ---- add_item / get_item_vector / get_distance ----

def test_add_item_returns_none_and_accepts_keywords():
    t = AnnoyIndex(3, "euclidean")
    assert t.add_item(0, [1, 2, 3]) is None
    assert t.add_item(i=1, vector=[4, 5, 6]) is None
    assert t.get_n_items() == 2


def test_add_item_accepts_sequences():
    t = AnnoyIndex(3, "euclidean")
    t.add_item(0, (1, 2, 3))
    t.add_item(1, array.array("d", [4, 5, 6]))
    t.add_item(2, range(3))

    class Seq:
        def __len__(self):
            return 3

        def __getitem__(self, k):
            return [7, 8, 9][k]

    t.add_item(3, Seq())
    t.add_item(4, [True, False, 1])
    assert [t.get_item_vector(i) for i in range(5)] == [
        [1, 2, 3], [4, 5, 6], [0, 1, 2], [7, 8, 9], [1, 0, 1]]


def test_add_item_numpy_dtypes():
    np = pytest.importorskip("numpy")
    t = AnnoyIndex(4, "euclidean")
    for i, dtype in enumerate([np.float64, np.float32, np.uint8, np.int16, np.int64]):
        t.add_item(i, np.arange(4).astype(dtype))
    t.add_item(np.int64(5), np.arange(8)[::2])  # numpy id, non-contiguous vector
    for i in range(5):
        assert t.get_item_vector(i) == [0.0, 1.0, 2.0, 3.0]
    assert t.get_item_vector(5) == [0.0, 2.0, 4.0, 6.0]


def test_values_round_to_float32():
    t = AnnoyIndex(2, "euclidean")
    t.add_item(0, [0.1, 1e-50])
    v = t.get_item_vector(0)
    assert v[0] == array.array("f", [0.1])[0]
    assert v[1] == 0.0
    assert type(v[0]) is float


def test_holes_count_as_items_and_read_as_zeros():
    t = AnnoyIndex(3, "angular")
    t.add_item(5, [1, 2, 3])
    assert t.get_n_items() == 6
    assert t.get_item_vector(2) == [0.0, 0.0, 0.0]
    t.build(4)
    # a hole is never returned
    assert t.get_nns_by_vector([1, 2, 3], 10) == [5]
    # querying by a hole's id uses the zero vector (Annoy does the same)
    assert t.get_nns_by_item(2, 10) == [5]


def test_readd_replaces():
    t = AnnoyIndex(2, "euclidean")
    t.add_item(0, [1, 1])
    t.add_item(0, [2, 2])
    assert t.get_item_vector(0) == [2.0, 2.0]
    assert t.get_n_items() == 1


@pytest.mark.parametrize("metric,expected", [
    ("euclidean", 5.0), ("manhattan", 7.0), ("dot", 0.0 * 3 + 4 * 0 + 3 * 4),
])
def test_get_distance(metric, expected):
    t = AnnoyIndex(2, metric)
    t.add_item(0, [0, 4])
    t.add_item(1, [3, 0])
    if metric == "dot":
        t.add_item(0, [1, 2])
        t.add_item(1, [3, 4])
        expected = 11.0
    d = t.get_distance(0, 1)
    assert type(d) is float
    assert d == pytest.approx(expected)


def test_get_distance_angular_and_hamming():
    t = AnnoyIndex(2, "angular")
    t.add_item(0, [1, 0])
    t.add_item(1, [0, 2])
    t.add_item(2, [-3, 0])
    assert t.get_distance(0, 1) == pytest.approx(math.sqrt(2))
    assert t.get_distance(0, 2) == pytest.approx(2.0)
    h = AnnoyIndex(5, "hamming")
    h.add_item(0, [0.4, 0.5, 0.51, 0.9, 2])  # bits are set for values > 0.5
    h.add_item(1, [1, 1, 1, 1, 1])
    assert h.get_item_vector(0) == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert h.get_distance(0, 1) == 2.0


def test_dot_distance_works_before_build():
    t = AnnoyIndex(2, "dot")
    t.add_item(0, [0, 1])
    t.add_item(1, [1, 1])
    assert t.get_distance(0, 1) == 1.0
    t.build(2)
    assert t.get_distance(0, 1) == 1.0


# ---- build / unbuild ----

def test_build_returns_true_and_counts_trees():
    t = make_index()
    assert t.build(7) is True
    assert t.get_n_trees() == 7


def test_build_keywords():
    t = make_index()
    assert t.build(n_trees=3, n_jobs=1) is True
    assert t.get_n_trees() == 3


def test_build_auto_tree_count():
    t = make_index(n=200, f=10)
    t.build(-1)
    assert t.get_n_trees() >= 1


def test_build_same_trees_for_any_thread_count(in_tmp):
    sizes = set()
    blobs = set()
    for jobs in (1, 2, 3, -1):
        t = make_index(n=300, f=8)
        t.build(6, n_jobs=jobs)
        t.save("j%d.ann" % jobs)
        blobs.add(open("j%d.ann" % jobs, "rb").read())
        sizes.add(t.get_n_trees())
    assert sizes == {6}
    assert len(blobs) == 1


def test_unbuild_then_add_and_rebuild():
    t = make_index(n=10)
    t.build(3)
    assert t.unbuild() is True
    assert t.get_n_trees() == 0
    assert t.get_nns_by_item(0, 3) == []
    t.add_item(10, [0, 0, 0, 0, 0])
    t.build(3)
    assert t.get_n_items() == 11
    assert 10 in t.get_nns_by_vector([0] * 5, 11)


def test_unbuild_twice_and_before_build():
    t = make_index(n=5)
    assert t.unbuild() is True
    t.build(2)
    assert t.unbuild() is True
    assert t.unbuild() is True


def test_build_zero_trees_like_annoy():
    # Annoy builds no tree, answers [] and refuses to build again.
    t = make_index(n=10)
    assert t.build(0) is True
    assert t.get_n_trees() == 0
    assert t.get_nns_by_item(0, 5) == []
    assert t.get_nns_by_vector([0] * 5, 5, include_distances=True) == ([], [])
    with pytest.raises(Exception, match="You can't build a built index"):
        t.build(2)
    t.unbuild()
    t.build(2)
    assert len(t.get_nns_by_item(0, 5)) == 5


def test_build_zero_jobs_builds_no_tree_like_annoy():
    t = make_index(n=10)
    assert t.build(5, n_jobs=0) is True
    assert t.get_n_trees() == 0
    assert t.get_nns_by_item(0, 5) == []


def test_build_empty_index():
    t = AnnoyIndex(2, "euclidean")
    assert t.build(5) is True
    assert t.get_n_trees() == 5
    assert t.get_nns_by_vector([1, 1], 3) == []


def test_build_single_item():
    t = AnnoyIndex(2, "euclidean")
    t.add_item(0, [1, 1])
    assert t.build(-1) is True
    assert t.get_n_trees() >= 1
    assert t.get_nns_by_vector([5, 5], 3) == [0]


# ---- queries ----

def test_queries_before_build_return_empty():
    t = make_index(n=5)
    assert t.get_nns_by_item(0, 3) == []
    assert t.get_nns_by_item(0, 3, include_distances=True) == ([], [])
    assert t.get_nns_by_vector([0] * 5, 3) == []
    assert t.get_nns_by_vector([0] * 5, 3, include_distances=True) == ([], [])


@pytest.mark.parametrize("metric", METRICS)
def test_exact_search_matches_brute_force(metric):
    f, n = 6, 60
    rnd = random.Random(11)
    t = AnnoyIndex(f, metric)
    items = []
    for i in range(n):
        v = [rnd.randint(0, 1) for _ in range(f)] if metric == "hamming" else [
            rnd.gauss(0, 1) for _ in range(f)]
        v = list(array.array("f", v))
        items.append(v)
        t.add_item(i, v)
    t.build(5, n_jobs=1)
    for _ in range(5):
        q = [rnd.gauss(0.5, 1) for _ in range(f)]
        q = list(array.array("f", q))
        ids, dists = t.get_nns_by_vector(q, n, search_k=-2, include_distances=True)
        expected = brute_force(metric, items, q)
        assert sorted(ids) == list(range(n))
        if metric == "dot":  # Annoy reports the dot product; larger is nearer
            dists = [-d for d in dists]
        assert dists == sorted(dists)
        for got, (want, _) in zip(dists, expected):
            assert got == pytest.approx(want, rel=1e-4, abs=1e-4)
        # the nearest neighbour is right (up to ties)
        assert dists[0] == pytest.approx(expected[0][0], rel=1e-4, abs=1e-4)


def test_result_types():
    t = make_index(build=5)
    ids = t.get_nns_by_item(0, 5)
    assert type(ids) is list and all(type(i) is int for i in ids)
    res = t.get_nns_by_item(0, 5, include_distances=True)
    assert type(res) is tuple and len(res) == 2
    assert type(res[0]) is list and type(res[1]) is list
    assert all(type(d) is float for d in res[1])
    assert res[0] == ids
    res = t.get_nns_by_vector([0] * 5, 5, include_distances=1)
    assert type(res) is tuple


def test_query_keywords():
    t = make_index(build=5)
    a = t.get_nns_by_item(i=0, n=5, search_k=-1, include_distances=True)
    b = t.get_nns_by_item(0, 5, -1, True)
    assert a == b
    v = t.get_item_vector(0)
    c = t.get_nns_by_vector(vector=v, n=5, search_k=-1, include_distances=False)
    assert c == t.get_nns_by_vector(v, 5)
    assert c[0] == 0


def test_query_item_finds_itself_first():
    t = make_index(build=10)
    for i in range(10):
        ids, dists = t.get_nns_by_item(i, 3, include_distances=True)
        assert ids[0] == i
        assert dists[0] == pytest.approx(0.0, abs=1e-6)


def test_n_zero_and_search_k_zero_return_empty():
    t = make_index(build=5)
    assert t.get_nns_by_item(0, 0) == []
    assert t.get_nns_by_item(0, 5, search_k=0) == []
    assert t.get_nns_by_vector([0] * 5, 5, 0, True) == ([], [])


def test_negative_search_k_is_unlimited():
    t = make_index(n=300, build=3)
    full = t.get_nns_by_item(0, 20, search_k=10**9)
    for k in (-2, -5, -(2**31)):
        assert t.get_nns_by_item(0, 20, search_k=k) == full


def test_negative_n_returns_everything():
    t = make_index(n=40, build=3)
    ids = t.get_nns_by_item(0, -1)
    assert sorted(ids) == list(range(40))
    ids, dists = t.get_nns_by_vector([0] * 5, -7, include_distances=True)
    assert sorted(ids) == list(range(40))
    assert dists == sorted(dists)


def test_n_larger_than_items():
    t = make_index(n=30, build=3)
    assert sorted(t.get_nns_by_item(0, 1000)) == list(range(30))
    assert sorted(t.get_nns_by_vector([0] * 5, 2**31 - 1)) == list(range(30))


def test_small_search_k_limits_candidates():
    t = make_index(n=500, f=10, build=10)
    few = t.get_nns_by_item(0, 100, search_k=5)
    assert 1 <= len(few) < 100


def test_include_distances_takes_ints():
    t = make_index(build=2)
    assert isinstance(t.get_nns_by_item(0, 2, -1, 5), tuple)
    assert isinstance(t.get_nns_by_item(0, 2, -1, 0), list)


def test_query_numpy_vectors():
    np = pytest.importorskip("numpy")
    t = make_index(build=5)
    v = t.get_item_vector(3)
    want = t.get_nns_by_vector(v, 5)
    assert t.get_nns_by_vector(np.array(v, dtype=np.float64), 5) == want
    assert t.get_nns_by_vector(np.array(v, dtype=np.float32), 5) == want
    assert t.get_nns_by_vector(tuple(v), 5) == want
    assert t.get_nns_by_item(np.int32(3), np.int64(5)) == t.get_nns_by_item(3, 5)


def test_hamming_queries():
    t = AnnoyIndex(70, "hamming")
    rnd = random.Random(5)
    items = [[rnd.randint(0, 1) for _ in range(70)] for _ in range(40)]
    for i, v in enumerate(items):
        t.add_item(i, v)
    t.build(5)
    ids, dists = t.get_nns_by_item(7, 40, include_distances=True)
    assert ids[0] == 7 and dists[0] == 0.0
    assert all(d == int(d) for d in dists)
    assert t.get_item_vector(7) == [float(b) for b in items[7]]
    assert t.get_distance(7, 8) == sum(a != b for a, b in zip(items[7], items[8]))


# ---- set_seed / verbose / get_n_* ----

def test_set_seed_and_verbose():
    t = make_index()
    assert t.set_seed(42) is None
    assert t.set_seed(-5) is None
    assert t.set_seed(2**31 - 1) is None
    assert t.verbose(True) is True
    assert t.verbose(0) is True


def _index_bytes(tmp, seed, name):
    t = make_index(n=200, f=6)
    if seed is not None:
        t.set_seed(seed)
    t.build(4, n_jobs=1)
    t.save(str(tmp / name))
    return (tmp / name).read_bytes()


def test_seed_determines_the_trees(tmp_path):
    a = _index_bytes(tmp_path, 42, "a.ann")
    b = _index_bytes(tmp_path, 42, "b.ann")
    c = _index_bytes(tmp_path, 43, "c.ann")
    d = _index_bytes(tmp_path, None, "d.ann")
    assert a == b
    assert a != c
    assert a != d


def test_unload_resets_the_seed_like_annoy(tmp_path):
    t = make_index(n=200, f=6)
    t.set_seed(42)
    t.unload()
    rnd = random.Random(3)
    for i in range(200):
        t.add_item(i, [rnd.gauss(0, 1) for _ in range(6)])
    t.build(4, n_jobs=1)
    t.save(str(tmp_path / "x.ann"))
    assert (tmp_path / "x.ann").read_bytes() == _index_bytes(tmp_path, None, "d.ann")


def test_seed_in_int32_range_sign_extended(tmp_path):
    # -5 is the uint64 2**64 - 5 for Annoy's Kiss64Random; the index stays deterministic.
    assert _index_bytes(tmp_path, -5, "a.ann") == _index_bytes(tmp_path, -5, "b.ann")
    assert _index_bytes(tmp_path, -5, "a.ann") != _index_bytes(tmp_path, 5, "b.ann")


def test_get_n_items_and_trees():
    t = make_index(n=17)
    assert t.get_n_items() == 17
    assert t.get_n_trees() == 0
    t.build(3)
    assert t.get_n_trees() == 3


# ---- save / load / unload / on_disk_build ----

def test_save_load_round_trip(in_tmp):
    t = make_index(n=100, build=5)
    want = [t.get_nns_by_item(i, 10, include_distances=True) for i in range(20)]
    assert t.save("t.ann") is True
    assert os.path.getsize("t.ann") > 0
    # the index now serves the saved file, with the same answers
    assert [t.get_nns_by_item(i, 10, include_distances=True) for i in range(20)] == want
    u = AnnoyIndex(5, "euclidean")
    assert u.load("t.ann") is True
    assert u.get_n_items() == 100
    assert u.get_n_trees() == 5
    assert [u.get_nns_by_item(i, 10, include_distances=True) for i in range(20)] == want
    assert u.get_item_vector(7) == t.get_item_vector(7)


def test_save_load_keywords_and_prefault(in_tmp):
    t = make_index(build=3)
    assert t.save(fn="a.ann", prefault=True) is True
    u = AnnoyIndex(5, "euclidean")
    assert u.load(fn="a.ann", prefault=True) is True
    assert u.save("b.ann", False) is True
    v = AnnoyIndex(5, "euclidean")
    assert v.load("b.ann", 1) is True
    assert v.get_nns_by_item(0, 5) == t.get_nns_by_item(0, 5)


def test_paths_may_be_bytes_or_pathlike(in_tmp):
    t = make_index(build=3)
    t.save(pathlib.Path("p.ann"))
    u = AnnoyIndex(5, "euclidean")
    u.load(b"p.ann")
    assert u.get_n_items() == 50


def test_save_twice(in_tmp):
    t = make_index(build=3)
    t.save("t1.ann")
    t.save("t2.ann")
    assert open("t1.ann", "rb").read() == open("t2.ann", "rb").read()


def test_overwrite_a_loaded_file(in_tmp):
    t = make_index(n=100, build=5)
    t.save("o.ann")
    u = AnnoyIndex(5, "euclidean")
    u.load("o.ann")
    want = u.get_nns_by_item(0, 100)
    w = make_index(n=50, seed=9, build=5)
    w.save("o.ann")  # replaces the file; u keeps its mapping
    assert u.get_nns_by_item(0, 100) == want
    u.unload()
    u.load("o.ann")
    assert u.get_n_items() == 50


def test_loaded_index_is_read_only(in_tmp):
    t = make_index(build=3)
    t.save("r.ann")
    with pytest.raises(Exception, match="You can't add an item to a loaded index"):
        t.add_item(0, [0] * 5)
    with pytest.raises(Exception, match="You can't build a loaded index"):
        t.build(3)
    with pytest.raises(Exception, match="You can't unbuild a loaded index"):
        t.unbuild()


def test_unload_empties_the_index(in_tmp):
    t = make_index(build=3)
    t.save("u.ann")
    assert t.unload() is True
    assert t.unload() is True
    assert t.get_n_items() == 0
    assert t.get_n_trees() == 0
    assert t.get_nns_by_vector([0] * 5, 3) == []
    t.add_item(0, [1] * 5)
    t.build(2)
    assert t.get_nns_by_item(0, 3) == [0]


def test_load_replaces_content(in_tmp):
    make_index(n=10, build=3).save("a.ann")
    make_index(n=20, build=3, seed=8).save("b.ann")
    t = AnnoyIndex(5, "euclidean")
    t.load("a.ann")
    t.load("b.ann")
    assert t.get_n_items() == 20


def test_on_disk_build(in_tmp):
    t = AnnoyIndex(2, "euclidean")
    assert t.on_disk_build("d.ann") is True
    t.add_item(0, [2, 2])
    t.add_item(1, [3, 2])
    t.add_item(2, [3, 3])
    t.build(10)
    assert t.get_nns_by_vector([4, 4], 3) == [2, 1, 0]
    size = os.path.getsize("d.ann")
    assert size > 0
    t.unload()
    t.load("d.ann")
    assert t.get_nns_by_vector([1, 1], 3) == [0, 1, 2]
    u = AnnoyIndex(2, "euclidean")
    u.load("d.ann")
    assert u.get_nns_by_vector([4, 2], 3) == [1, 2, 0]


def test_on_disk_build_then_save_elsewhere(in_tmp):
    t = AnnoyIndex(2, "euclidean")
    t.on_disk_build("d.ann")
    for i in range(20):
        t.add_item(i, [i, -i])
    t.build(3)
    assert t.save("copy.ann") is True  # Annoy ignores the name; we write the file
    assert open("copy.ann", "rb").read() == open("d.ann", "rb").read()


def test_item_vector_after_save(in_tmp):
    # Annoy issue #279
    a = AnnoyIndex(3, "angular")
    a.verbose(True)
    a.add_item(1, [1, 0, 0])
    a.add_item(2, [0, 1, 0])
    a.add_item(3, [0, 0, 1])
    a.build(-1)
    assert a.get_n_items() == 4
    assert a.get_item_vector(3) == [0, 0, 1]
    assert set(a.get_nns_by_item(1, 999)) == {1, 2, 3}
    a.save("something.annoy")
    assert a.get_n_items() == 4
    assert a.get_item_vector(3) == [0, 0, 1]
    assert set(a.get_nns_by_item(1, 999)) == {1, 2, 3}


# ---- context manager ----

def test_context_manager_unloads(in_tmp):
    make_index(build=3).save("c.ann")
    with AnnoyIndex(5, "euclidean") as t:
        t.load("c.ann")
        assert t.get_n_items() == 50
    assert t.get_n_items() == 0
    with make_index(build=2) as u:
        assert len(u.get_nns_by_item(0, 3)) == 3
    assert u.get_n_trees() == 0


def test_many_indexes_are_freed():
    for _ in range(2000):
        t = AnnoyIndex(10, "angular")
        t.add_item(1000, [random.gauss(0, 1) for _ in range(10)])
    del t
