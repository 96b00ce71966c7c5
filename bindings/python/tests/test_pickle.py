"""Pickling (not in Annoy): a built or loaded index pickles its index bytes, an unbuilt one
its items (holes stay holes)."""

import copy
import os
import pickle
import random

import pytest

from annoy_rs import AnnoyIndex

METRICS = ["angular", "euclidean", "manhattan", "dot", "hamming"]


def filled(metric, n=80, f=9, seed=4, holes=False):
    rnd = random.Random(seed)
    t = AnnoyIndex(f, metric)
    for i in range(n):
        if holes and i % 3 == 1:
            continue
        v = [rnd.randint(0, 1) for _ in range(f)] if metric == "hamming" else [
            rnd.gauss(0, 1) for _ in range(f)]
        t.add_item(i, v)
    return t


def answers(t, n=8):
    return [t.get_nns_by_item(i, n, include_distances=True) for i in range(t.get_n_items())]


@pytest.mark.parametrize("metric", METRICS)
def test_pickle_built_index(metric):
    t = filled(metric)
    t.build(5)
    want = answers(t)
    u = pickle.loads(pickle.dumps(t))
    assert type(u) is AnnoyIndex
    assert u.f == t.f and u.metric == metric
    assert u.get_n_items() == t.get_n_items()
    assert u.get_n_trees() == 5
    assert answers(u) == want
    assert answers(t) == want  # the original still answers the same
    assert [u.get_item_vector(i) for i in range(10)] == [t.get_item_vector(i) for i in range(10)]


def test_pickle_loaded_index_reads_its_file(tmp_path):
    t = filled("angular")
    t.build(4)
    p = str(tmp_path / "l.ann")
    t.save(p)
    u = AnnoyIndex(9, "angular")
    u.load(p)
    blob = pickle.dumps(u, protocol=pickle.HIGHEST_PROTOCOL)
    assert open(p, "rb").read() in blob
    v = pickle.loads(blob)
    assert answers(v) == answers(t)
    with pytest.raises(Exception, match="loaded"):
        v.add_item(0, [0] * 9)


def test_pickle_loaded_index_whose_file_changed(tmp_path):
    p = str(tmp_path / "c.ann")
    t = filled("euclidean")
    t.build(3)
    t.save(p)
    u = AnnoyIndex(9, "euclidean")
    u.load(p)
    want = answers(u)
    other = filled("euclidean", n=10, seed=9)
    other.build(3)
    other.save(p)  # replaces the file u still maps
    v = pickle.loads(pickle.dumps(u))
    assert answers(v) == want


@pytest.mark.parametrize("metric", METRICS)
def test_pickle_unbuilt_index_keeps_items_and_holes(metric):
    t = filled(metric, holes=True)
    u = pickle.loads(pickle.dumps(t))
    assert u.get_n_items() == t.get_n_items()
    for i in range(t.get_n_items()):
        assert u.get_item_vector(i) == t.get_item_vector(i)
    t.build(4, n_jobs=1)
    u.build(4, n_jobs=1)
    assert answers(u) == answers(t)
    for ids, _ in answers(u):
        assert all(i % 3 != 1 for i in ids)  # holes are still holes


def test_pickle_keeps_the_seed(tmp_path):
    t = filled("euclidean", n=200)
    t.set_seed(77)
    u = pickle.loads(pickle.dumps(t))
    t.build(3, n_jobs=1)
    u.build(3, n_jobs=1)
    t.save(str(tmp_path / "t.ann"))
    u.save(str(tmp_path / "u.ann"))
    assert (tmp_path / "t.ann").read_bytes() == (tmp_path / "u.ann").read_bytes()


def test_pickle_empty_and_unloaded():
    t = AnnoyIndex(4, "dot")
    u = pickle.loads(pickle.dumps(t))
    assert u.get_n_items() == 0 and u.f == 4 and u.metric == "dot"
    t = filled("dot")
    t.build(2)
    t.unload()
    assert pickle.loads(pickle.dumps(t)).get_n_items() == 0


def test_pickle_zero_tree_build():
    t = filled("euclidean")
    t.build(0)
    u = pickle.loads(pickle.dumps(t))
    assert u.get_nns_by_item(0, 3) == []
    with pytest.raises(Exception):
        u.build(2)
    u.unbuild()
    u.build(2)
    assert len(u.get_nns_by_item(0, 3)) == 3


def test_pickle_on_disk_build_reads_the_file(tmp_path):
    t = AnnoyIndex(3, "euclidean")
    t.on_disk_build(str(tmp_path / "d.ann"))
    for i in range(30):
        t.add_item(i, [i, i % 7, -i])
    t.build(4)
    u = pickle.loads(pickle.dumps(t))
    assert answers(u) == answers(t)
    t.unbuild()  # the original was not turned into a loaded index
    t.add_item(30, [0, 0, 0])


def test_copy_and_deepcopy():
    t = filled("manhattan")
    t.build(3)
    for c in (copy.copy(t), copy.deepcopy(t)):
        assert answers(c) == answers(t)


class Named(AnnoyIndex):
    pass


def test_pickle_subclass_with_attributes():
    t = Named(3, "euclidean")
    t.name = "mine"
    t.add_item(0, [1, 2, 3])
    u = pickle.loads(pickle.dumps(t))
    assert type(u) is Named
    assert u.name == "mine"
    assert u.get_item_vector(0) == [1.0, 2.0, 3.0]


def test_unpickled_index_leaves_no_temporary_file(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    t = filled("angular")
    t.build(3)
    u = pickle.loads(pickle.dumps(t))
    assert len(u.get_nns_by_item(0, 5)) == 5
    assert os.listdir(str(tmp_path)) == []
