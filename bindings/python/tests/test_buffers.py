"""deserialize goes through memory (the library copies the bytes), never a temporary file;
serialize of a deserialized index gives its bytes back; verify checks an index."""

import random
import tempfile

import pytest

from annoy_rs import AnnoyIndex


def built(metric="euclidean", n=200, f=7):
    rnd = random.Random(5)
    t = AnnoyIndex(f, metric)
    for i in range(n):
        t.add_item(i, [rnd.gauss(0, 1) for _ in range(f)])
    t.build(5)
    return t


def test_deserialize_needs_no_temporary_file(monkeypatch):
    t = built()
    data = t.serialize()
    want = [t.get_nns_by_item(i, 6, include_distances=True) for i in range(0, 200, 13)]

    def no_temp(*args, **kwargs):
        raise AssertionError("a temporary file was made")

    monkeypatch.setattr(tempfile, "mkdtemp", no_temp)
    monkeypatch.setattr(tempfile, "mkstemp", no_temp)
    for buf in (data, bytearray(data), memoryview(data)):
        u = AnnoyIndex(7, "euclidean")
        assert u.deserialize(buf)
        got = [u.get_nns_by_item(i, 6, include_distances=True) for i in range(0, 200, 13)]
        assert got == want
        assert u.serialize() == data
        assert u.verify()


def test_deserialize_of_damaged_bytes_raises_and_keeps_the_index():
    t = built()
    data = t.serialize()
    u = AnnoyIndex(7, "euclidean")
    u.deserialize(data)
    with pytest.raises(IOError):
        u.deserialize(data[: len(data) // 2 + 3])
    with pytest.raises(IOError):
        u.deserialize(b"")
    assert u.get_n_items() == 200


def test_verify_checks_built_and_loaded_indexes(tmp_path):
    t = built()
    assert t.verify()
    path = str(tmp_path / "i.ann")
    t.save(path)
    u = AnnoyIndex(7, "euclidean")
    u.load(path)
    assert u.verify()
