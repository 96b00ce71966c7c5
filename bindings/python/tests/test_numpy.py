"""numpy in and out: bulk add, bulk item read, batch queries (not in Annoy)."""

import pytest

from annoy_rs import AnnoyIndex

np = pytest.importorskip("numpy")

METRICS = ["angular", "euclidean", "manhattan", "dot", "hamming"]


def data(metric, n, f, seed=0):
    rng = np.random.default_rng(seed)
    if metric == "hamming":
        return (rng.random((n, f)) < 0.5).astype(np.float32)
    return rng.normal(size=(n, f)).astype(np.float32)


@pytest.mark.parametrize("metric", METRICS)
def test_add_items_matches_add_item(metric):
    x = data(metric, 200, 12)
    a = AnnoyIndex(12, metric)
    a.add_items(x)
    b = AnnoyIndex(12, metric)
    for i, v in enumerate(x):
        b.add_item(i, v)
    a.build(5, n_jobs=1)
    b.build(5, n_jobs=1)
    for i in range(0, 200, 17):
        assert a.get_nns_by_item(i, 10, include_distances=True) == \
            b.get_nns_by_item(i, 10, include_distances=True)


def test_add_items_ids_and_append():
    t = AnnoyIndex(3, "euclidean")
    t.add_items([[1, 1, 1], [2, 2, 2]])
    t.add_items(np.ones((2, 3)) * 5)  # appended: ids 2 and 3
    t.add_items(np.zeros((2, 3)), ids=[10, 7])
    assert t.get_n_items() == 11
    assert t.get_item_vector(3) == [5.0, 5.0, 5.0]
    assert t.get_item_vector(10) == [0.0, 0.0, 0.0]
    t.build(3)
    # ids 4..6, 8 and 9 are holes, never returned
    assert sorted(t.get_nns_by_vector([0, 0, 0], 100)) == [0, 1, 2, 3, 7, 10]


def test_add_items_errors():
    t = AnnoyIndex(3, "euclidean")
    with pytest.raises(IndexError):
        t.add_items(np.zeros((2, 4)))
    with pytest.raises(ValueError):
        t.add_items(np.zeros(3))
    with pytest.raises(ValueError):
        t.add_items(np.zeros((2, 3)), ids=[1])
    with pytest.raises(IndexError):
        t.add_items(np.zeros((2, 3)), ids=[1, -1])
    with pytest.raises(TypeError):
        t.add_items(np.zeros((2, 3)), ids=[1.0, 2.0])
    bad = np.zeros((3, 3))
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="row 2"):
        t.add_items(bad)
    assert t.get_n_items() == 0  # nothing was added
    t.add_items(np.zeros((2, 3)))
    t.build(2)
    with pytest.raises(Exception):
        t.add_items(np.zeros((2, 3)))


def test_get_item_vectors():
    x = data("euclidean", 50, 7)
    t = AnnoyIndex(7, "euclidean")
    t.add_items(x)
    out = t.get_item_vectors()
    assert out.dtype == np.float32 and out.shape == (50, 7)
    assert np.array_equal(out, x)
    sub = t.get_item_vectors([3, 1, 3])
    assert np.array_equal(sub, x[[3, 1, 3]])
    assert t.get_item_vectors([]).shape == (0, 7)
    with pytest.raises(IndexError):
        t.get_item_vectors([0, 50])
    with pytest.raises(IndexError):
        t.get_item_vectors([-1])


def test_get_item_vectors_hamming_bits():
    x = data("hamming", 20, 70)
    t = AnnoyIndex(70, "hamming")
    t.add_items(x)
    assert np.array_equal(t.get_item_vectors(), x)


@pytest.mark.parametrize("metric", METRICS)
def test_batch_query_matches_single_queries(metric):
    x = data(metric, 500, 16, seed=1)
    q = data(metric, 40, 16, seed=2)
    t = AnnoyIndex(16, metric)
    t.add_items(x)
    t.build(8)
    ids, dists = t.get_nns_by_vectors(q, 10, include_distances=True)
    assert ids.shape == (40, 10) and ids.dtype == np.int32
    assert dists.shape == (40, 10) and dists.dtype == np.float32
    for r in range(40):
        want_ids, want_d = t.get_nns_by_vector(q[r], 10, include_distances=True)
        assert ids[r].tolist() == want_ids
        assert dists[r].tolist() == pytest.approx(want_d, rel=0, abs=0)
    only_ids = t.get_nns_by_vectors(q, 10, search_k=50, n_jobs=2)
    for r in range(40):
        assert only_ids[r].tolist() == t.get_nns_by_vector(q[r], 10, search_k=50)


def test_batch_query_padding_and_sizes():
    t = AnnoyIndex(2, "euclidean")
    t.add_items([[0, 0], [1, 1], [2, 2]])
    q = np.array([[0, 0], [5, 5]], dtype=np.float64)
    before = t.get_nns_by_vectors(q, 2)  # before build: nothing found, all padding
    assert before.tolist() == [[-1, -1], [-1, -1]]
    t.build(3)
    ids = t.get_nns_by_vectors(q, 10)  # n > n_items: n_items columns
    assert ids.tolist() == [[0, 1, 2], [2, 1, 0]]
    ids = t.get_nns_by_vectors(q, -1)
    assert ids.shape == (2, 3)
    ids, d = t.get_nns_by_vectors(q, 2, search_k=1, include_distances=True)
    assert ids.shape == (2, 2)
    assert (ids[:, 0] >= 0).all()
    assert np.isnan(d[ids == -1]).all()
    assert t.get_nns_by_vectors(np.zeros((0, 2)), 2).shape == (0, 2)
    assert t.get_nns_by_vectors(q, 0).shape == (2, 0)


def test_batch_query_errors():
    t = AnnoyIndex(2, "euclidean")
    t.add_items([[0, 0], [1, 1]])
    t.build(2)
    with pytest.raises(IndexError):
        t.get_nns_by_vectors(np.zeros((3, 3)), 1)
    with pytest.raises(ValueError):
        t.get_nns_by_vectors(np.zeros(2), 1)
    with pytest.raises(ValueError):
        t.get_nns_by_vectors([[np.nan, 0]], 1)
    with pytest.raises(ValueError):
        t.get_nns_by_vectors([[0, 0]], 1, n_jobs=0)
