"""Annoy's own test suite (test/*.py of spotify/annoy 1.17.3), re-written to assert the same
behaviours through `from annoy_rs import AnnoyIndex`. Files are grouped by Annoy's test
module names; loops that Annoy runs 100,000 times or over 10 rounds run fewer times here,
and test/test.tree (not shipped) is replaced by an index of the same shape built here."""

import multiprocessing.pool
import os
import random
import shutil
import sys

import pytest

from annoy_rs import AnnoyIndex

numpy = pytest.importorskip("numpy")


@pytest.fixture(autouse=True)
def _in_tmp(in_tmp):
    """Annoy's tests write relative file names. The random data is seeded: some of Annoy's
    tests are flaky by nature (test_distance_consistency compares float32 angular distances
    of near-duplicates to 1%, which annoy itself fails for about one seed in six)."""
    random.seed(1)
    numpy.random.seed(1)
    return in_tmp


@pytest.fixture
def test_tree(in_tmp):
    """A stand-in for Annoy's test/test.tree: f=10, angular, 1000 items, 10 trees."""
    os.mkdir("test")
    t = AnnoyIndex(10, "angular")
    rnd = random.Random(0)
    for i in range(1000):
        t.add_item(i, [rnd.gauss(0, 1) for _ in range(10)])
    t.build(10)
    t.save("test/test.tree")
    return "test/test.tree"


# ==== angular_index_test.py ====

class TestAngularIndex:
    def test_get_nns_by_vector(self):
        f = 3
        i = AnnoyIndex(f, "angular")
        i.add_item(0, [0, 0, 1])
        i.add_item(1, [0, 1, 0])
        i.add_item(2, [1, 0, 0])
        i.build(10)
        assert i.get_nns_by_vector([3, 2, 1], 3) == [2, 1, 0]
        assert i.get_nns_by_vector([1, 2, 3], 3) == [0, 1, 2]
        assert i.get_nns_by_vector([2, 0, 1], 3) == [2, 0, 1]

    def test_get_nns_by_item(self):
        f = 3
        i = AnnoyIndex(f, "angular")
        i.add_item(0, [2, 1, 0])
        i.add_item(1, [1, 2, 0])
        i.add_item(2, [0, 0, 1])
        i.build(10)
        assert i.get_nns_by_item(0, 3) == [0, 1, 2]
        assert i.get_nns_by_item(1, 3) == [1, 0, 2]
        assert i.get_nns_by_item(2, 3) in [[2, 0, 1], [2, 1, 0]]  # could be either

    def test_dist(self):
        i = AnnoyIndex(2, "angular")
        i.add_item(0, [0, 1])
        i.add_item(1, [1, 1])
        assert i.get_distance(0, 1) == pytest.approx((2 * (1.0 - 2 ** -0.5)) ** 0.5)

    def test_dist_2(self):
        i = AnnoyIndex(2, "angular")
        i.add_item(0, [1000, 0])
        i.add_item(1, [10, 0])
        assert i.get_distance(0, 1) == pytest.approx(0, abs=1e-7)

    def test_dist_3(self):
        i = AnnoyIndex(2, "angular")
        i.add_item(0, [97, 0])
        i.add_item(1, [42, 42])
        dist = ((1 - 2 ** -0.5) ** 2 + (2 ** -0.5) ** 2) ** 0.5
        assert i.get_distance(0, 1) == pytest.approx(dist)

    def test_dist_degen(self):
        i = AnnoyIndex(2, "angular")
        i.add_item(0, [1, 0])
        i.add_item(1, [0, 0])
        assert i.get_distance(0, 1) == pytest.approx(2.0 ** 0.5)

    def test_large_index(self):
        # Generate pairs of random points where the pair is super close
        f = 10
        i = AnnoyIndex(f, "angular")
        for j in range(0, 10000, 2):
            p = [random.gauss(0, 1) for z in range(f)]
            f1 = random.random() + 1
            f2 = random.random() + 1
            x = [f1 * pi + random.gauss(0, 1e-2) for pi in p]
            y = [f2 * pi + random.gauss(0, 1e-2) for pi in p]
            i.add_item(j, x)
            i.add_item(j + 1, y)
        i.build(10)
        for j in range(0, 10000, 2):
            assert i.get_nns_by_item(j, 2) == [j, j + 1]
            assert i.get_nns_by_item(j + 1, 2) == [j + 1, j]

    @staticmethod
    def precision(n, n_trees=10, n_points=10000, n_rounds=2, search_k=100000):
        found = 0
        for r in range(n_rounds):
            # create random points at distance x from (1000, 0, 0, ...)
            f = 10
            i = AnnoyIndex(f, "angular")
            for j in range(n_points):
                p = [random.gauss(0, 1) for z in range(f - 1)]
                norm = sum([pi ** 2 for pi in p]) ** 0.5
                x = [1000] + [pi / norm * j for pi in p]
                i.add_item(j, x)
            i.build(n_trees)
            nns = i.get_nns_by_vector([1000] + [0] * (f - 1), n, search_k)
            assert nns == sorted(nns)  # should be in order
            # The number of gaps should be equal to the last item minus n-1
            found += len([x for x in nns if x < n])
        return 1.0 * found / (n * n_rounds)

    @pytest.mark.parametrize("n", [1, 10, 100, 1000])
    def test_precision(self, n):
        assert self.precision(n) >= 0.98

    def test_load_save_get_item_vector(self):
        f = 3
        i = AnnoyIndex(f, "angular")
        i.add_item(0, [1.1, 2.2, 3.3])
        i.add_item(1, [4.4, 5.5, 6.6])
        i.add_item(2, [7.7, 8.8, 9.9])
        numpy.testing.assert_array_almost_equal(i.get_item_vector(0), [1.1, 2.2, 3.3])
        assert i.build(10)
        assert i.save("blah.ann")
        numpy.testing.assert_array_almost_equal(i.get_item_vector(1), [4.4, 5.5, 6.6])
        j = AnnoyIndex(f, "angular")
        assert j.load("blah.ann")
        numpy.testing.assert_array_almost_equal(j.get_item_vector(2), [7.7, 8.8, 9.9])

    def test_get_nns_search_k(self):
        i = AnnoyIndex(3, "angular")
        i.add_item(0, [0, 0, 1])
        i.add_item(1, [0, 1, 0])
        i.add_item(2, [1, 0, 0])
        i.build(10)
        assert i.get_nns_by_item(0, 3, 10) == [0, 1, 2]
        assert i.get_nns_by_vector([3, 2, 1], 3, 10) == [2, 1, 0]

    def test_include_dists(self):
        # Double checking issue 112
        f = 40
        i = AnnoyIndex(f, "angular")
        v = numpy.random.normal(size=f)
        i.add_item(0, v)
        i.add_item(1, -v)
        i.build(10)
        indices, dists = i.get_nns_by_item(0, 2, 10, True)
        assert indices == [0, 1]
        assert dists[0] == pytest.approx(0.0, abs=1e-6)
        assert dists[1] == pytest.approx(2.0)

    def test_include_dists_check_ranges(self):
        f = 3
        i = AnnoyIndex(f, "angular")
        for j in range(100000):
            i.add_item(j, numpy.random.normal(size=f))
        i.build(10)
        indices, dists = i.get_nns_by_item(0, 100000, include_distances=True)
        assert max(dists) <= 2.0
        assert min(dists) == pytest.approx(0.0, abs=1e-6)

    def test_distance_consistency(self):
        n, f = 1000, 3
        i = AnnoyIndex(f, "angular")
        for j in range(n):
            i.add_item(j, numpy.random.normal(size=f))
        i.build(10)
        for a in random.sample(range(n), 100):
            indices, dists = i.get_nns_by_item(a, 100, include_distances=True)
            for b, dist in zip(indices, dists):
                assert dist == pytest.approx(i.get_distance(a, b))
                u = i.get_item_vector(a)
                v = i.get_item_vector(b)
                u_norm = numpy.array(u) * numpy.dot(u, u) ** -0.5
                v_norm = numpy.array(v) * numpy.dot(v, v) ** -0.5
                assert dist ** 2 == pytest.approx(
                    numpy.dot(u_norm - v_norm, u_norm - v_norm), rel=1e-2)
                assert dist ** 2 == pytest.approx(
                    sum([(x - y) ** 2 for x, y in zip(u_norm, v_norm)]), rel=1e-2)

    def test_only_one_item(self):
        # reported to annoy-user by Kireet Reddy
        idx = AnnoyIndex(100, "angular")
        idx.add_item(0, numpy.random.randn(100))
        idx.build(n_trees=10)
        idx.save("foo.idx")
        idx = AnnoyIndex(100, "angular")
        idx.load("foo.idx")
        assert idx.get_n_items() == 1
        assert idx.get_nns_by_vector(vector=numpy.random.randn(100), n=50, include_distances=False) == [0]

    def test_no_items(self):
        idx = AnnoyIndex(100, "angular")
        idx.build(n_trees=10)
        idx.save("foo.idx")
        idx = AnnoyIndex(100, "angular")
        idx.load("foo.idx")
        assert idx.get_n_items() == 0
        assert idx.get_nns_by_vector(vector=numpy.random.randn(100), n=50, include_distances=False) == []

    def test_single_vector(self):
        # https://github.com/spotify/annoy/issues/194
        a = AnnoyIndex(3, "angular")
        a.add_item(0, [1, 0, 0])
        a.build(10)
        a.save("1.ann")
        indices, dists = a.get_nns_by_vector([1, 0, 0], 3, include_distances=True)
        assert indices == [0]
        assert dists[0] ** 2 == pytest.approx(0.0, abs=1e-7)


# ==== euclidean_index_test.py ====

class TestEuclideanIndex:
    def test_get_nns_by_vector(self):
        i = AnnoyIndex(2, "euclidean")
        i.add_item(0, [2, 2])
        i.add_item(1, [3, 2])
        i.add_item(2, [3, 3])
        i.build(10)
        assert i.get_nns_by_vector([4, 4], 3) == [2, 1, 0]
        assert i.get_nns_by_vector([1, 1], 3) == [0, 1, 2]
        assert i.get_nns_by_vector([4, 2], 3) == [1, 2, 0]

    def test_get_nns_by_item(self):
        i = AnnoyIndex(2, "euclidean")
        i.add_item(0, [2, 2])
        i.add_item(1, [3, 2])
        i.add_item(2, [3, 3])
        i.build(10)
        assert i.get_nns_by_item(0, 3) == [0, 1, 2]
        assert i.get_nns_by_item(2, 3) == [2, 1, 0]

    def test_dist(self):
        i = AnnoyIndex(2, "euclidean")
        i.add_item(0, [0, 1])
        i.add_item(1, [1, 1])
        i.add_item(2, [0, 0])
        assert i.get_distance(0, 1) == pytest.approx(1.0 ** 0.5)
        assert i.get_distance(1, 2) == pytest.approx(2.0 ** 0.5)

    def test_large_index(self):
        f = 10
        i = AnnoyIndex(f, "euclidean")
        for j in range(0, 10000, 2):
            p = [random.gauss(0, 1) for z in range(f)]
            x = [1 + pi + random.gauss(0, 1e-2) for pi in p]
            y = [1 + pi + random.gauss(0, 1e-2) for pi in p]
            i.add_item(j, x)
            i.add_item(j + 1, y)
        i.build(10)
        for j in range(0, 10000, 2):
            assert i.get_nns_by_item(j, 2) == [j, j + 1]
            assert i.get_nns_by_item(j + 1, 2) == [j + 1, j]

    @staticmethod
    def precision(metric, n, n_trees=10, n_points=10000, n_rounds=2):
        found = 0
        for r in range(n_rounds):
            # create random points at distance x
            f = 10
            i = AnnoyIndex(f, metric)
            for j in range(n_points):
                p = [random.gauss(0, 1) for z in range(f)]
                norm = sum([pi ** 2 for pi in p]) ** 0.5
                if metric == "manhattan":
                    x = [pi / norm + j for pi in p]  # as manhattan_index_test.py does
                else:
                    x = [pi / norm * j for pi in p]
                i.add_item(j, x)
            i.build(n_trees)
            nns = i.get_nns_by_vector([0] * f, n)
            assert nns == sorted(nns)  # should be in order
            found += len([x for x in nns if x < n])
        return 1.0 * found / (n * n_rounds)

    @pytest.mark.parametrize("n", [1, 10, 100, 1000])
    def test_precision(self, n):
        assert self.precision("euclidean", n) >= 0.98

    def test_get_nns_with_distances(self):
        i = AnnoyIndex(3, "euclidean")
        i.add_item(0, [0, 0, 2])
        i.add_item(1, [0, 1, 1])
        i.add_item(2, [1, 0, 0])
        i.build(10)
        l, d = i.get_nns_by_item(0, 3, -1, True)
        assert l == [0, 1, 2]
        assert d[0] ** 2 == pytest.approx(0.0)
        assert d[1] ** 2 == pytest.approx(2.0)
        assert d[2] ** 2 == pytest.approx(5.0)
        l, d = i.get_nns_by_vector([2, 2, 2], 3, -1, True)
        assert l == [1, 0, 2]
        assert d[0] ** 2 == pytest.approx(6.0)
        assert d[1] ** 2 == pytest.approx(8.0)
        assert d[2] ** 2 == pytest.approx(9.0)

    def test_include_dists(self):
        f = 40
        i = AnnoyIndex(f, "euclidean")
        v = numpy.random.normal(size=f)
        i.add_item(0, v)
        i.add_item(1, -v)
        i.build(10)
        indices, dists = i.get_nns_by_item(0, 2, 10, True)
        assert indices == [0, 1]
        assert dists[0] == pytest.approx(0.0)

    def test_distance_consistency(self):
        n, f = 1000, 3
        i = AnnoyIndex(f, "euclidean")
        for j in range(n):
            i.add_item(j, numpy.random.normal(size=f))
        i.build(10)
        for a in random.sample(range(n), 100):
            indices, dists = i.get_nns_by_item(a, 100, include_distances=True)
            for b, dist in zip(indices, dists):
                assert dist == pytest.approx(i.get_distance(a, b))
                u = numpy.array(i.get_item_vector(a))
                v = numpy.array(i.get_item_vector(b))
                assert dist == pytest.approx(numpy.linalg.norm(u - v), rel=1e-5, abs=1e-6)
                assert dist == pytest.approx(numpy.dot(u - v, u - v) ** 0.5, rel=1e-5, abs=1e-6)
                assert dist == pytest.approx(
                    sum([(x - y) ** 2 for x, y in zip(u, v)]) ** 0.5, rel=1e-5, abs=1e-6)

    def test_rounding_error(self):
        # https://github.com/spotify/annoy/issues/314
        i = AnnoyIndex(1, "euclidean")
        i.add_item(0, [0.7125930])
        i.add_item(1, [0.7123166])
        assert i.get_distance(0, 1) > 0.0


# ==== manhattan_index_test.py ====

class TestManhattanIndex:
    def test_get_nns_by_vector(self):
        i = AnnoyIndex(2, "manhattan")
        i.add_item(0, [2, 2])
        i.add_item(1, [3, 2])
        i.add_item(2, [3, 3])
        i.build(10)
        assert i.get_nns_by_vector([4, 4], 3) == [2, 1, 0]
        assert i.get_nns_by_vector([1, 1], 3) == [0, 1, 2]
        assert i.get_nns_by_vector([5, 3], 3) == [2, 1, 0]

    def test_get_nns_by_item(self):
        i = AnnoyIndex(2, "manhattan")
        i.add_item(0, [2, 2])
        i.add_item(1, [3, 2])
        i.add_item(2, [3, 3])
        i.build(10)
        assert i.get_nns_by_item(0, 3) == [0, 1, 2]
        assert i.get_nns_by_item(2, 3) == [2, 1, 0]

    def test_dist(self):
        i = AnnoyIndex(2, "manhattan")
        i.add_item(0, [0, 1])
        i.add_item(1, [1, 1])
        i.add_item(2, [0, 0])
        assert i.get_distance(0, 1) == pytest.approx(1.0)
        assert i.get_distance(1, 2) == pytest.approx(2.0)

    def test_large_index(self):
        f = 10
        i = AnnoyIndex(f, "manhattan")
        for j in range(0, 10000, 2):
            p = [random.gauss(0, 1) for z in range(f)]
            x = [1 + pi + random.gauss(0, 1e-2) for pi in p]
            y = [1 + pi + random.gauss(0, 1e-2) for pi in p]
            i.add_item(j, x)
            i.add_item(j + 1, y)
        i.build(10)
        for j in range(0, 10000, 2):
            assert i.get_nns_by_item(j, 2) == [j, j + 1]
            assert i.get_nns_by_item(j + 1, 2) == [j + 1, j]

    @pytest.mark.parametrize("n", [1, 10, 100, 1000])
    def test_precision(self, n):
        assert TestEuclideanIndex.precision("manhattan", n) >= 0.98

    def test_get_nns_with_distances(self):
        i = AnnoyIndex(3, "manhattan")
        i.add_item(0, [0, 0, 2])
        i.add_item(1, [0, 1, 1])
        i.add_item(2, [1, 0, 0])
        i.build(10)
        l, d = i.get_nns_by_item(0, 3, -1, True)
        assert l == [0, 1, 2]
        assert d == pytest.approx([0.0, 2.0, 3.0])
        l, d = i.get_nns_by_vector([2, 2, 1], 3, -1, True)
        assert l == [1, 2, 0]
        assert d == pytest.approx([3.0, 4.0, 5.0])

    def test_include_dists(self):
        f = 40
        i = AnnoyIndex(f, "manhattan")
        v = numpy.random.normal(size=f)
        i.add_item(0, v)
        i.add_item(1, -v)
        i.build(10)
        indices, dists = i.get_nns_by_item(0, 2, 10, True)
        assert indices == [0, 1]
        assert dists[0] == pytest.approx(0.0)

    def test_distance_consistency(self):
        n, f = 1000, 3
        i = AnnoyIndex(f, "manhattan")
        for j in range(n):
            i.add_item(j, numpy.random.normal(size=f))
        i.build(10)
        for a in random.sample(range(n), 100):
            indices, dists = i.get_nns_by_item(a, 100, include_distances=True)
            for b, dist in zip(indices, dists):
                assert dist == pytest.approx(i.get_distance(a, b))
                u = numpy.array(i.get_item_vector(a))
                v = numpy.array(i.get_item_vector(b))
                assert dist == pytest.approx(numpy.abs(u - v).sum(), rel=1e-5, abs=1e-6)


# ==== dot_index_test.py (1.17.3) ====

def dot_metric(a, b):
    return -numpy.dot(a, b)


def recall(retrieved, relevant):
    return float(len(set(relevant) & set(retrieved))) / float(len(set(relevant)))


class TestDotIndex:
    def test_get_nns_by_vector(self):
        i = AnnoyIndex(2, "dot")
        i.add_item(0, [2, 2])
        i.add_item(1, [3, 2])
        i.add_item(2, [3, 3])
        i.build(10)
        assert i.get_nns_by_vector([4, 4], 3) == [2, 1, 0]
        assert i.get_nns_by_vector([1, 1], 3) == [2, 1, 0]
        assert i.get_nns_by_vector([4, 2], 3) == [2, 1, 0]

    def test_get_nns_by_item(self):
        i = AnnoyIndex(2, "dot")
        i.add_item(0, [2, 2])
        i.add_item(1, [3, 2])
        i.add_item(2, [3, 3])
        i.build(10)
        assert i.get_nns_by_item(0, 3) == [2, 1, 0]
        assert i.get_nns_by_item(2, 3) == [2, 1, 0]

    def test_dist(self):
        i = AnnoyIndex(2, "dot")
        i.add_item(0, [0, 1])
        i.add_item(1, [1, 1])
        i.add_item(2, [0, 0])
        assert i.get_distance(0, 1) == pytest.approx(1.0)
        assert i.get_distance(1, 2) == pytest.approx(0.0)

    @staticmethod
    def recall_at(n, n_trees=10, n_points=1000, n_rounds=2):
        total_recall = 0.0
        for r in range(n_rounds):
            f = 10
            idx = AnnoyIndex(f, "dot")
            data = numpy.array([[random.gauss(0, 1) for z in range(f)] for j in range(n_points)])
            # Annoy sorts range(n_points) by dot_metric for every point; argsort is the same
            scores = -(data @ data.T)
            expected_results = [numpy.argsort(scores[i], kind="stable")[:n].tolist()
                                for i in range(n_points)]
            for i, vec in enumerate(data):
                idx.add_item(i, vec)
            idx.build(n_trees)
            for i in range(n_points):
                nns = idx.get_nns_by_vector(data[i], n)
                total_recall += recall(nns, expected_results[i])
        return total_recall / float(n_rounds * n_points)

    def test_recall_at_10(self):
        assert self.recall_at(10) >= 0.65

    def test_recall_at_100(self):
        assert self.recall_at(100) >= 0.95

    def test_recall_at_1000(self):
        assert self.recall_at(1000) >= 0.99

    def test_recall_at_1000_fewer_trees(self):
        assert self.recall_at(1000, n_trees=4) >= 0.99

    def test_get_nns_with_distances(self):
        i = AnnoyIndex(3, "dot")
        i.add_item(0, [0, 0, 2])
        i.add_item(1, [0, 1, 1])
        i.add_item(2, [1, 0, 0])
        i.build(10)
        l, d = i.get_nns_by_item(0, 3, -1, True)
        assert l == [0, 1, 2]
        assert d == pytest.approx([4.0, 2.0, 0.0])
        l, d = i.get_nns_by_vector([2, 2, 2], 3, -1, True)
        assert l == [0, 1, 2]
        assert d == pytest.approx([4.0, 4.0, 2.0])

    def test_include_dists(self):
        f = 40
        i = AnnoyIndex(f, "dot")
        v = numpy.random.normal(size=f)
        i.add_item(0, v)
        i.add_item(1, -v)
        i.build(10)
        indices, dists = i.get_nns_by_item(0, 2, 10, True)
        assert indices == [0, 1]
        assert dists[0] == pytest.approx(numpy.dot(v, v), rel=1e-5)

    def test_distance_consistency(self):
        n, f = 1000, 3
        i = AnnoyIndex(f, "dot")
        for j in range(n):
            i.add_item(j, numpy.random.normal(size=f))
        i.build(10)
        for a in random.sample(range(n), 100):
            indices, dists = i.get_nns_by_item(a, 100, include_distances=True)
            for b, dist in zip(indices, dists):
                assert dist == pytest.approx(
                    numpy.dot(i.get_item_vector(a), i.get_item_vector(b)), rel=1e-5, abs=1e-6)
                assert dist == pytest.approx(i.get_distance(a, b), rel=1e-5, abs=1e-6)


# ==== hamming_index_test.py ====

class TestHammingIndex:
    def test_basic_conversion(self):
        f = 100
        i = AnnoyIndex(f, "hamming")
        u = numpy.random.binomial(1, 0.5, f)
        v = numpy.random.binomial(1, 0.5, f)
        i.add_item(0, u)
        i.add_item(1, v)
        u2 = i.get_item_vector(0)
        v2 = i.get_item_vector(1)
        assert numpy.dot(u - u2, u - u2) == pytest.approx(0.0)
        assert numpy.dot(v - v2, v - v2) == pytest.approx(0.0)
        assert i.get_distance(0, 0) == pytest.approx(0.0)
        assert i.get_distance(1, 1) == pytest.approx(0.0)
        assert i.get_distance(0, 1) == pytest.approx(numpy.dot(u - v, u - v))
        assert i.get_distance(1, 0) == pytest.approx(numpy.dot(u - v, u - v))

    def test_basic_nns(self):
        f = 100
        i = AnnoyIndex(f, "hamming")
        u = numpy.random.binomial(1, 0.5, f)
        v = numpy.random.binomial(1, 0.5, f)
        i.add_item(0, u)
        i.add_item(1, v)
        i.build(10)
        assert i.get_nns_by_item(0, 99) == [0, 1]
        assert i.get_nns_by_item(1, 99) == [1, 0]
        rs, ds = i.get_nns_by_vector(u, 99, include_distances=True)
        assert rs == [0, 1]
        assert ds[0] == pytest.approx(0)
        assert ds[1] == pytest.approx(numpy.dot(u - v, u - v))

    def test_save_load(self):
        f = 100
        i = AnnoyIndex(f, "hamming")
        u = numpy.random.binomial(1, 0.5, f)
        v = numpy.random.binomial(1, 0.5, f)
        i.add_item(0, u)
        i.add_item(1, v)
        i.build(10)
        i.save("blah.ann")
        j = AnnoyIndex(f, "hamming")
        j.load("blah.ann")
        rs, ds = j.get_nns_by_vector(u, 99, include_distances=True)
        assert rs == [0, 1]
        assert ds[0] == pytest.approx(0)
        assert ds[1] == pytest.approx(numpy.dot(u - v, u - v))

    def test_many_vectors(self):
        f = 10
        i = AnnoyIndex(f, "hamming")
        for x in range(100000):
            i.add_item(x, numpy.random.binomial(1, 0.5, f))
        i.build(10)
        rs = i.get_nns_by_vector([0] * f, 10000)
        assert len(rs) == 10000

    def test_zero_vectors(self):
        # Mentioned on page 3 of http://arxiv.org/abs/1304.7480
        f = 100
        i = AnnoyIndex(f, "hamming")
        for x in range(10):
            i.add_item(x, numpy.random.binomial(1, 0.5, f))
        i.build(10)
        rs = i.get_nns_by_vector([0] * f, 10)
        assert len(rs) == 10


# ==== holes_test.py ====

def test_random_holes():
    f = 10
    index = AnnoyIndex(f, "angular")
    valid_indices = random.sample(range(2000), 1000)  # leave holes
    for i in valid_indices:
        v = numpy.random.normal(size=(f,))
        index.add_item(i, v)
    index.build(10)
    valid = set(valid_indices)
    for i in valid_indices:
        js = index.get_nns_by_item(i, 10000)
        for j in js:
            assert j in valid
    for i in range(1000):
        v = numpy.random.normal(size=(f,))
        js = index.get_nns_by_vector(v, 10000)
        for j in js:
            assert j in valid


def test_holes():
    # https://github.com/spotify/annoy/issues/223
    f = 10
    with pytest.warns(FutureWarning):
        index = AnnoyIndex(f)
    index.add_item(1000, numpy.random.normal(size=(f,)))
    index.build(10)
    js = index.get_nns_by_vector(numpy.random.normal(size=(f,)), 100)
    assert js == [1000]


def test_holes_more():
    f = 10
    index = AnnoyIndex(f, "angular")
    valid_indices = set()
    for i in range(1000):
        i2 = int(i * 2 ** -0.5)  # leave holes every few items
        valid_indices.add(i2)
        v = numpy.random.normal(size=(f,))
        index.add_item(i2, v)
    index.build(10)
    for i in valid_indices:
        js = index.get_nns_by_item(i, 10000)
        for j in js:
            assert j in valid_indices
    for i in range(1000):
        v = numpy.random.normal(size=(f,))
        js = index.get_nns_by_vector(v, 10000)
        for j in js:
            assert j in valid_indices


def _test_holes_base(n, f=100, base_i=100000):
    annoy = AnnoyIndex(f, "angular")
    for i in range(n):
        annoy.add_item(base_i + i, numpy.random.normal(size=(f,)))
    annoy.build(100)
    res = annoy.get_nns_by_item(base_i, n)
    assert set(res) == set([base_i + i for i in range(n)])


@pytest.mark.parametrize("n", [1, 2, 10, 1000], ids=["one", "two", "some", "many"])
def test_root_children(n):
    _test_holes_base(n)


# ==== index_test.py ====

class TestIndex:
    def test_not_found_tree(self):
        i = AnnoyIndex(10, "angular")
        with pytest.raises(IOError):
            i.load("nonexists.tree")

    def test_binary_compatibility(self, test_tree):
        # the real check against Annoy-written files is test_golden.py
        i = AnnoyIndex(10, "angular")
        i.load(test_tree)
        first = i.get_nns_by_item(0, 10)
        j = AnnoyIndex(10, "angular")
        j.load(test_tree)
        assert j.get_nns_by_item(0, 10) == first
        assert first[0] == 0

    def test_load_unload(self, test_tree):
        # Issue #108
        i = AnnoyIndex(10, "angular")
        for x in range(10000):
            i.load(test_tree)
            i.unload()

    def test_construct_load_destruct(self, test_tree):
        for x in range(10000):
            i = AnnoyIndex(10, "angular")
            i.load(test_tree)

    def test_construct_destruct(self):
        for x in range(100000):
            i = AnnoyIndex(10, "angular")
            i.add_item(1000, [random.gauss(0, 1) for z in range(10)])

    def test_save_twice(self):
        # Issue #100
        t = AnnoyIndex(10, "angular")
        for i in range(100):
            t.add_item(i, [random.gauss(0, 1) for z in range(10)])
        t.build(10)
        t.save("t1.ann")
        t.save("t2.ann")

    def test_load_save(self, test_tree):
        # Issue #61
        i = AnnoyIndex(10, "angular")
        i.load(test_tree)
        u = i.get_item_vector(99)
        i.save("i.tree")
        v = i.get_item_vector(99)
        assert u == v
        j = AnnoyIndex(10, "angular")
        j.load(test_tree)
        w = i.get_item_vector(99)
        assert u == w
        # Ensure specifying if prefault is allowed does not impact result
        j.save("j.tree", True)
        k = AnnoyIndex(10, "angular")
        k.load("j.tree", True)
        x = k.get_item_vector(99)
        assert u == x
        k.save("k.tree", False)
        l = AnnoyIndex(10, "angular")
        l.load("k.tree", False)
        y = l.get_item_vector(99)
        assert u == y

    def test_save_without_build(self):
        t = AnnoyIndex(10, "angular")
        for i in range(100):
            t.add_item(i, [random.gauss(0, 1) for z in range(10)])
        # Note: in earlier version, this was allowed (see eg #61)
        with pytest.raises(Exception):
            t.save("x.tree")

    def test_unbuild_with_loaded_tree(self, test_tree):
        i = AnnoyIndex(10, "angular")
        i.load(test_tree)
        with pytest.raises(Exception):
            i.unbuild()

    def test_seed(self, test_tree):
        i = AnnoyIndex(10, "angular")
        i.load(test_tree)
        i.set_seed(42)

    def test_unknown_distance(self):
        with pytest.raises(Exception):
            AnnoyIndex(10, "banana")

    def test_metric_kwarg(self):
        # Issue 211
        i = AnnoyIndex(2, metric="euclidean")
        i.add_item(0, [1, 0])
        i.add_item(1, [9, 0])
        assert i.get_distance(0, 1) == pytest.approx(8)
        assert i.f == 2

    def test_metric_f_kwargs(self):
        AnnoyIndex(f=3, metric="euclidean")

    def test_item_vector_after_save(self):
        # Issue #279
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

    def test_prefault(self, test_tree):
        i = AnnoyIndex(10, "angular")
        i.load(test_tree, prefault=True)
        j = AnnoyIndex(10, "angular")
        j.load(test_tree)
        assert i.get_nns_by_item(0, 10) == j.get_nns_by_item(0, 10)

    def test_fail_save(self):
        t = AnnoyIndex(40, "angular")
        with pytest.raises(IOError):
            t.save("")

    def test_overwrite_index(self):
        # Issue #335
        f = 40
        t = AnnoyIndex(f, "angular")
        for i in range(1000):
            t.add_item(i, [random.gauss(0, 1) for z in range(f)])
        t.build(10)
        t.save("test.ann")
        t2 = AnnoyIndex(f, "angular")
        t2.load("test.ann")
        t3 = AnnoyIndex(f, "angular")
        for i in range(500):
            t3.add_item(i, [random.gauss(0, 1) for z in range(f)])
        t3.build(10)
        t3.save("test.ann")
        v = [random.gauss(0, 1) for z in range(f)]
        t2.get_nns_by_vector(v, 1000)  # Should not crash

    def test_get_n_trees(self, test_tree):
        i = AnnoyIndex(10, "angular")
        i.load(test_tree)
        assert i.get_n_trees() == 10

    @pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /dev/full")
    def test_write_failed(self):
        f = 40
        t = AnnoyIndex(f, "angular")
        t.verbose(True)
        for i in range(1000):
            t.add_item(i, [random.gauss(0, 1) for z in range(f)])
        t.build(10)
        try:
            t.save("/dev/full")
            pytest.fail("didn't get expected exception")
        except Exception as e:
            assert str(e).find("No space left on device") > 0

    def test_write_failed_missing_dir(self):
        f = 40
        t = AnnoyIndex(f, "angular")
        for i in range(1000):
            t.add_item(i, [random.gauss(0, 1) for z in range(f)])
        t.build(10)
        with pytest.raises(Exception):
            t.save("/x/y/z.annoy")

    def test_dimension_mismatch(self):
        t = AnnoyIndex(100, "angular")
        for i in range(1000):
            t.add_item(i, [random.gauss(0, 1) for z in range(100)])
        t.build(10)
        t.save("test.annoy")
        u = AnnoyIndex(200, "angular")
        with pytest.raises(IOError):
            u.load("test.annoy")
        u = AnnoyIndex(50, "angular")
        with pytest.raises(IOError):
            u.load("test.annoy")

    def test_add_after_save(self):
        # 398
        t = AnnoyIndex(100, "angular")
        for i in range(1000):
            t.add_item(i, [random.gauss(0, 1) for z in range(100)])
        t.build(10)
        t.save("test.annoy")
        # Used to segfault:
        v = [random.gauss(0, 1) for z in range(100)]
        with pytest.raises(Exception):
            t.add_item(i, v)

    def test_build_twice(self):
        # 420
        t = AnnoyIndex(100, "angular")
        for i in range(1000):
            t.add_item(i, [random.gauss(0, 1) for z in range(100)])
        t.build(10)
        # Used to segfault:
        with pytest.raises(Exception):
            t.build(10)

    @pytest.mark.skipif(shutil.disk_usage(".").free < 8 << 30, reason="needs 8 GB of disk")
    def test_very_large_index(self):
        # 388
        f = 3
        dangerous_size = 2 ** 31
        size_per_vector = 4 * (f + 3)
        n_vectors = int(dangerous_size / size_per_vector)
        m = AnnoyIndex(3, "angular")
        m.verbose(True)
        for i in range(100):
            m.add_item(n_vectors + i, [random.gauss(0, 1) for z in range(f)])
        n_trees = 10
        m.build(n_trees)
        path = "test_big.annoy"
        m.save(path)  # Raises on Windows
        # Sanity check size of index
        assert os.path.getsize(path) >= dangerous_size
        assert os.path.getsize(path) < dangerous_size + 100e3
        # Sanity check number of trees
        assert m.get_n_trees() == n_trees
        m.unload()
        os.remove(path)


# ==== memory_leak_test.py ====

class TestMemoryLeak:
    def test_get_item_vector(self):
        f = 10
        i = AnnoyIndex(f, "euclidean")
        i.add_item(0, [random.gauss(0, 1) for x in range(f)])
        for k in range(100000):
            i.get_item_vector(0)

    def test_get_lots_of_nns(self):
        f = 10
        i = AnnoyIndex(f, "euclidean")
        i.add_item(0, [random.gauss(0, 1) for x in range(f)])
        i.build(10)
        for j in range(100):
            assert i.get_nns_by_item(0, 999999999) == [0]

    def test_build_unbuild(self):
        f = 10
        i = AnnoyIndex(f, "euclidean")
        for j in range(1000):
            i.add_item(j, [random.gauss(0, 1) for x in range(f)])
        i.build(10)
        for j in range(100):
            i.unbuild()
            i.build(10)
        assert i.get_n_items() == 1000


# ==== on_disk_build_test.py ====

class TestOnDiskBuild:
    def add_items(self, i):
        i.add_item(0, [2, 2])
        i.add_item(1, [3, 2])
        i.add_item(2, [3, 3])

    def check_nns(self, i):
        assert i.get_nns_by_vector([4, 4], 3) == [2, 1, 0]
        assert i.get_nns_by_vector([1, 1], 3) == [0, 1, 2]
        assert i.get_nns_by_vector([4, 2], 3) == [1, 2, 0]

    def test_on_disk_build(self):
        f = 2
        i = AnnoyIndex(f, "euclidean")
        i.on_disk_build("on_disk.ann")
        self.add_items(i)
        i.build(10)
        self.check_nns(i)
        i.unload()
        i.load("on_disk.ann")
        self.check_nns(i)
        j = AnnoyIndex(f, "euclidean")
        j.load("on_disk.ann")
        self.check_nns(j)


# ==== seed_test.py ====

def test_seeding():
    f = 10
    X = numpy.random.rand(1000, f)
    Y = numpy.random.rand(50, f)
    indexes = []
    for i in range(2):
        index = AnnoyIndex(f, "angular")
        index.set_seed(42)
        for j in range(X.shape[0]):
            index.add_item(j, X[j])
        index.build(10)
        indexes.append(index)
    for k in range(Y.shape[0]):
        assert indexes[0].get_nns_by_vector(Y[k], 100) == indexes[1].get_nns_by_vector(Y[k], 100)


# ==== threading_test.py ====

def test_threads():
    n, f = 10000, 10
    i = AnnoyIndex(f, "euclidean")
    for j in range(n):
        i.add_item(j, numpy.random.normal(size=f))
    i.build(10)
    pool = multiprocessing.pool.ThreadPool()

    def query_f(j):
        i.get_nns_by_item(1, 1000)

    pool.map(query_f, range(2000))
    pool.close()
    pool.join()


# ==== multithreaded_build_test.py ====

@pytest.mark.parametrize("n_jobs", [1, 2, 4, 8])
def test_building_with_threads(n_jobs):
    n, f = 10000, 10
    n_trees = 31
    i = AnnoyIndex(f, "euclidean")
    for j in range(n):
        i.add_item(j, numpy.random.normal(size=f))
    assert i.build(n_trees, n_jobs=n_jobs)
    assert n_trees == i.get_n_trees()


# ==== types_test.py ====

def test_numpy(n_points=1000, n_trees=10):
    f = 10
    i = AnnoyIndex(f, "euclidean")
    for j in range(n_points):
        a = numpy.random.normal(size=f)
        a = a.astype(random.choice([numpy.float64, numpy.float32, numpy.uint8, numpy.int16]))
        i.add_item(j, a)
    i.build(n_trees)


def test_tuple(n_points=1000, n_trees=10):
    f = 10
    i = AnnoyIndex(f, "euclidean")
    for j in range(n_points):
        i.add_item(j, tuple(random.gauss(0, 1) for x in range(f)))
    i.build(n_trees)


def test_wrong_length(n_points=1000, n_trees=10):
    f = 10
    i = AnnoyIndex(f, "euclidean")
    i.add_item(0, [random.gauss(0, 1) for x in range(f)])
    with pytest.raises(IndexError):
        i.add_item(1, [random.gauss(0, 1) for x in range(f + 1000)])
    with pytest.raises(IndexError):
        i.add_item(2, [])
    i.build(n_trees)


def test_missing_len():
    class FakeCollection:
        pass

    i = AnnoyIndex(10, "euclidean")
    with pytest.raises(TypeError) as excinfo:
        i.add_item(1, FakeCollection())
    assert str(excinfo.value) == "object of type 'FakeCollection' has no len()"


def test_missing_getitem():
    class FakeCollection:
        def __len__(self):
            return 5

    i = AnnoyIndex(5, "euclidean")
    with pytest.raises(TypeError) as excinfo:
        i.add_item(1, FakeCollection())
    assert str(excinfo.value) == "'FakeCollection' object is not subscriptable"


def test_short():
    class FakeCollection:
        def __len__(self):
            return 3

        def __getitem__(self, i):
            raise IndexError

    i = AnnoyIndex(3, "euclidean")
    with pytest.raises(IndexError):
        i.add_item(1, FakeCollection())


def test_non_float():
    i = AnnoyIndex(3, "euclidean")
    with pytest.raises(TypeError) as excinfo:
        i.add_item(1, ["1", "2", "3"])
    assert str(excinfo.value) == "must be real number, not str"


def test_range_errors(n_points=1000, n_trees=10):
    f = 10
    i = AnnoyIndex(f, "euclidean")
    for j in range(n_points):
        i.add_item(j, [random.gauss(0, 1) for x in range(f)])
    with pytest.raises(IndexError):
        i.add_item(-1, [random.gauss(0, 1) for x in range(f)])
    i.build(n_trees)
    for bad_index in [-1000, -1, n_points, n_points + 1000]:
        with pytest.raises(IndexError):
            i.get_distance(0, bad_index)
        with pytest.raises(IndexError):
            i.get_nns_by_item(bad_index, 1)
        with pytest.raises(IndexError):
            i.get_item_vector(bad_index)


# ==== serialize_test.py (Annoy's main branch; not in 1.17.3) ====

def test_serialize_index():
    f = 32
    index = AnnoyIndex(f, "angular")
    for iteration in range(1000):
        index.add_item(iteration, [random.gauss(0, 1) for _ in range(f)])
    index.build(10)
    _ = index.serialize()


def test_deserialize_index():
    f = 32
    index = AnnoyIndex(f, "angular")
    for iteration in range(1000):
        index.add_item(iteration, [random.gauss(0, 1) for _ in range(f)])
    index.build(10)
    data = index.serialize()
    index2 = AnnoyIndex(f, "angular")
    index2.deserialize(data)
    index_item_count = index.get_n_items()
    assert index_item_count == index2.get_n_items()
    assert index.get_n_trees() == index2.get_n_trees()
    assert index.get_nns_by_item(0, index_item_count) == index2.get_nns_by_item(0, index_item_count)


def test_serialize_after_load():
    f = 32
    index1 = AnnoyIndex(f, "angular")
    for iteration in range(1000):
        index1.add_item(iteration, [random.gauss(0, 1) for _ in range(f)])
    index1.build(10)
    os.makedirs("test", exist_ok=True)
    save_path = "test/test.tree"
    index1.save(save_path)
    index2 = AnnoyIndex(f, "angular")
    index2.load(save_path)
    assert index1.serialize() == index2.serialize()
    assert index1.get_n_items() == index2.get_n_items()
    assert index1.get_n_trees() == index2.get_n_trees()
    assert index1.get_nns_by_item(0, index1.get_n_items()) == \
        index2.get_nns_by_item(0, index1.get_n_items())
