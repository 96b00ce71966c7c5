"""build_graph(degree=0, n_jobs=-1) and the queries' ef: the core's graph search, reached from
Python."""

import pytest

import annoy_rs

from conftest import gauss_vectors


def indexes(rng, n=3000, f=16):
    """The same items twice: one index to get a graph, one to answer exactly."""
    vectors = gauss_vectors(rng, n, f)
    graph, exact = annoy_rs.AnnoyIndex(f, "euclidean"), annoy_rs.AnnoyIndex(f, "euclidean")
    for index in (graph, exact):
        for i, v in enumerate(vectors):
            index.add_item(i, v)
        index.build(5)
    return graph, exact, vectors


def test_graph_queries_find_the_true_neighbours(rng):
    graph, exact, vectors = indexes(rng)
    assert graph.build_graph() is True
    queries = gauss_vectors(rng, 40, 16)
    found = total = 0
    for q in queries:
        truth = set(exact.get_nns_by_vector(q, 10, search_k=-2))  # unlimited: exact
        got = graph.get_nns_by_vector(q, 10, ef=200)
        assert len(got) == 10
        found += len(truth & set(got))
        total += 10
    assert found / total >= 0.95, found / total
    # by item too, with distances as the exact index computes them
    ids, dists = graph.get_nns_by_item(7, 5, include_distances=True, ef=100)
    assert ids[0] == 7 and dists[0] == 0.0
    assert dists == [exact.get_distance(7, j) for j in ids]


def test_graph_width_changes_the_effort(rng):
    graph, exact, _ = indexes(rng, n=2000)
    graph.build_graph(degree=8, n_jobs=1)
    q = gauss_vectors(rng, 1, 16)[0]
    truth = exact.get_nns_by_vector(q, 50, search_k=-2)
    wide = graph.get_nns_by_vector(q, 50, ef=1000)
    assert len(set(wide) & set(truth)) >= 45


def test_ef_without_a_graph_is_a_state_error(rng):
    _, exact, _ = indexes(rng, n=200)
    with pytest.raises(annoy_rs.AnnoyStateError, match="build_graph") as e:
        exact.get_nns_by_item(0, 5, ef=50)
    assert e.value.status == 6  # ANNOY_E_STATE
    assert exact.get_nns_by_item(0, 3, ef=-1) == exact.get_nns_by_item(0, 3)


def test_bad_arguments(rng):
    graph, _, _ = indexes(rng, n=200)
    graph.build_graph()
    with pytest.raises(annoy_rs.AnnoyValueError):
        graph.get_nns_by_item(0, 5, ef=-2)
    with pytest.raises(annoy_rs.AnnoyValueError):
        graph.build_graph(n_jobs=0)
    unbuilt = annoy_rs.AnnoyIndex(4, "angular")
    unbuilt.add_item(0, [1, 0, 0, 0])
    with pytest.raises(annoy_rs.AnnoyStateError):
        unbuilt.build_graph()
