"""Filtered queries (allow-list, callable), n and search_k passed through, recall tuning."""

import random

import pytest

from annoy_rs import AnnoyIndex


def _index(n=400, f=8, trees=5):
    rng = random.Random(7)
    index = AnnoyIndex(f, "euclidean")
    index.set_seed(3)
    for i in range(n):
        index.add_item(i, [rng.gauss(0, 1) for _ in range(f)])
    index.build(trees)
    return index


def test_filters_return_the_best_allowed_items_of_the_unfiltered_ranking():
    index = _index()
    allowed = [i for i in range(400) if i % 3 == 0]
    calls = []

    def every_third(i):
        calls.append(i)
        return i % 3 == 0

    for q in range(8):
        ranking = index.get_nns_by_item(q, 400, search_k=-2)
        want = [i for i in ranking if i % 3 == 0][:10]
        assert index.get_nns_by_item(q, 10, search_k=-2, allow=allowed) == want
        assert index.get_nns_by_item(q, 10, search_k=-2, filter=every_third) == want
        v = index.get_item_vector(q)
        ids, dists = index.get_nns_by_vector(v, 10, -5, True, allow=allowed)
        assert ids == want and len(dists) == 10
        assert all(i % 3 == 0 for i in index.get_nns_by_vector(v, 10, 30, filter=every_third))
    assert calls
    assert index.get_nns_by_item(0, 10, allow=[]) == []


def test_batch_queries_take_the_same_filters():
    np = pytest.importorskip("numpy")
    index = _index()
    allowed = [i for i in range(400) if i % 3 == 0]
    queries = np.array([index.get_item_vector(q) for q in range(12)], dtype=np.float32)
    want = [index.get_nns_by_vector(v, 10, 200, allow=allowed) for v in queries]
    for jobs in (1, 2):
        ids = index.get_nns_by_vectors(queries, 10, 200, n_jobs=jobs, allow=allowed)
        assert ids.tolist() == want
    ids, dists = index.get_nns_by_vectors(
        queries, 10, 200, True, filter=lambda i: i % 3 == 0
    )
    assert ids.tolist() == want and dists.shape == (12, 10)
    assert (ids >= 0).all()
    with pytest.raises(ZeroDivisionError):
        index.get_nns_by_vectors(queries, 10, filter=lambda i: 1 // 0)
    with pytest.raises(ValueError):
        index.get_nns_by_vectors(queries, 10, allow=allowed, filter=lambda i: True)


def test_a_filter_that_raises_raises_from_the_query():
    index = _index()

    def broken(_i):
        raise KeyError("boom")

    with pytest.raises(KeyError):
        index.get_nns_by_item(0, 10, filter=broken)


def test_n_and_search_k_pass_through():
    index = _index(n=50)
    everything = index.get_nns_by_item(0, 50, search_k=-2)
    assert len(everything) == 50
    # More than n_items with the default search_k is a full search, as is a negative n.
    assert index.get_nns_by_item(0, 1000) == everything
    assert index.get_nns_by_item(0, -1) == everything
    assert index.get_nns_by_item(0, 50, search_k=-9) == everything
    assert index.get_nns_by_item(0, 5, search_k=0) == []


def test_tune_reaches_the_target_and_estimate_recall_agrees():
    index = _index(n=2000, f=16, trees=8)
    search_k, recall, qps = index.tune(0.95, k=10, sample=60, seed=2)
    assert recall >= 0.95 and search_k >= 10 and qps > 0
    again, _ = index.estimate_recall(10, search_k, sample=60, seed=2)
    assert again == recall
    assert index.estimate_recall(10, -2, sample=60, seed=2)[0] == 1.0
    with pytest.raises(Exception):
        index.tune(1.5)
