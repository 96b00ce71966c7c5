"""Errors come out as Annoy 1.17.3's exception types (and messages, where Annoy's Python
layer writes them), and every one is also an annoy_rs.AnnoyError."""

import os
import random

import pytest

import annoy_rs
from annoy_rs import AnnoyIndex


def built(n=20, f=4, metric="euclidean", trees=3):
    t = AnnoyIndex(f, metric)
    rnd = random.Random(1)
    for i in range(n):
        t.add_item(i, [rnd.gauss(0, 1) for _ in range(f)])
    t.build(trees)
    return t


# ---- constructor ----

def test_unknown_metric():
    with pytest.raises(ValueError, match="^No such metric$"):
        AnnoyIndex(10, "banana")


def test_constructor_argument_types():
    with pytest.raises(TypeError):
        AnnoyIndex(3.5, "angular")
    with pytest.raises(TypeError):
        AnnoyIndex("3", "angular")
    with pytest.raises(TypeError):
        AnnoyIndex(3, None)
    with pytest.raises(TypeError):
        AnnoyIndex()
    with pytest.raises(OverflowError):
        AnnoyIndex(2**31, "angular")


def test_non_positive_dimension_is_refused():
    # Annoy accepts f <= 0 and then misbehaves (f < 0 aborts the process)
    for f in (0, -1):
        with pytest.raises(ValueError):
            AnnoyIndex(f, "angular")


# ---- item ids ----

def test_negative_item_ids():
    t = built()
    with pytest.raises(IndexError, match="^Item index can not be negative$"):
        t.add_item(-1, [0] * 4)
    with pytest.raises(IndexError, match="^Item index can not be negative$"):
        t.get_nns_by_item(-1, 3)
    with pytest.raises(IndexError, match="^Item index can not be negative$"):
        t.get_item_vector(-1)
    with pytest.raises(IndexError, match="^Item index can not be negative$"):
        t.get_distance(0, -1)


def test_item_ids_past_the_end():
    t = built(n=20)
    msg = "^Item index larger than the largest item index$"
    for bad in (20, 1000):
        with pytest.raises(IndexError, match=msg):
            t.get_nns_by_item(bad, 3)
        with pytest.raises(IndexError, match=msg):
            t.get_item_vector(bad)
        with pytest.raises(IndexError, match=msg):
            t.get_distance(bad, 0)
        with pytest.raises(IndexError, match=msg):
            t.get_distance(0, bad)


def test_item_ids_checked_before_build():
    t = AnnoyIndex(3, "angular")
    t.add_item(0, [1, 2, 3])
    with pytest.raises(IndexError):
        t.get_nns_by_item(1, 3)
    with pytest.raises(IndexError):
        t.get_item_vector(1)


def test_ids_out_of_int32():
    t = AnnoyIndex(3, "angular")
    with pytest.raises(OverflowError, match="signed integer is greater than maximum"):
        t.add_item(2**31, [1, 2, 3])
    with pytest.raises(OverflowError, match="signed integer is less than minimum"):
        t.get_item_vector(-(2**31) - 1)
    # Annoy segfaults on 2**31 - 1 (its item + 1 overflows); we refuse it
    with pytest.raises(IndexError):
        t.add_item(2**31 - 1, [1, 2, 3])


def test_integer_arguments_reject_floats_and_strings():
    t = built()
    with pytest.raises(TypeError):
        t.add_item(1.0, [0] * 4)
    with pytest.raises(TypeError):
        t.get_nns_by_item(0, 2.0)
    with pytest.raises(TypeError):
        t.get_nns_by_item(0, 2, "1")
    with pytest.raises(TypeError):
        t.get_nns_by_item(0, 2, include_distances=2.0)
    with pytest.raises(TypeError):
        t.build(2.5)
    with pytest.raises(TypeError):
        t.set_seed(1.5)
    with pytest.raises(OverflowError):
        t.get_nns_by_item(0, 2**31)
    with pytest.raises(OverflowError):
        t.get_nns_by_item(0, 2, search_k=2**31)


# ---- vectors ----

def test_wrong_vector_length():
    t = AnnoyIndex(10, "euclidean")
    t.add_item(0, [0] * 10)
    with pytest.raises(IndexError, match=r"^Vector has wrong length \(expected 10, got 1010\)$"):
        t.add_item(1, [0] * 1010)
    with pytest.raises(IndexError, match=r"^Vector has wrong length \(expected 10, got 0\)$"):
        t.add_item(2, [])
    with pytest.raises(IndexError):
        t.get_nns_by_vector([0] * 9, 3)  # also before build
    t.build(2)
    with pytest.raises(IndexError, match=r"expected 10, got 11"):
        t.get_nns_by_vector([0] * 11, 3)


def test_wrong_vector_length_numpy():
    np = pytest.importorskip("numpy")
    t = AnnoyIndex(10, "euclidean")
    with pytest.raises(IndexError):
        t.add_item(0, np.zeros(11))
    with pytest.raises(IndexError):
        t.add_item(0, np.zeros((1, 10)))  # len() is 1, as for Annoy


def test_vector_conversion_errors():
    t = AnnoyIndex(3, "euclidean")
    with pytest.raises(TypeError, match="object of type 'int' has no len()"):
        t.add_item(0, 5)
    with pytest.raises(TypeError, match="must be real number, not str"):
        t.add_item(0, ["a", "b", "c"])
    with pytest.raises(TypeError):
        t.add_item(0, [[1], [2], [3]])
    with pytest.raises(TypeError):
        t.add_item(0, None)


def test_non_finite_values_are_refused():
    # Annoy stores NaN and infinity and then returns unordered garbage; we refuse them
    t = AnnoyIndex(2, "euclidean")
    for bad in (float("nan"), float("inf"), -float("inf"), 1e39):
        with pytest.raises(ValueError):
            t.add_item(0, [bad, 1])
    assert t.get_n_items() == 0
    t.add_item(0, [1, 1])
    t.build(2)
    with pytest.raises(ValueError):
        t.get_nns_by_vector([float("nan"), 0], 1)


# ---- state ----

def test_add_after_build_is_refused():
    # Annoy silently corrupts the index here; we raise (unbuild() first)
    t = built()
    with pytest.raises(Exception, match="You can't add an item to a built index"):
        t.add_item(100, [0] * 4)
    t.unbuild()
    t.add_item(100, [0] * 4)


def test_state_errors_are_plain_exceptions(tmp_path):
    t = built()
    with pytest.raises(Exception, match="^You can't build a built index$") as e:
        t.build(3)
    assert not isinstance(e.value, (OSError, ValueError, IndexError))
    t.save(str(tmp_path / "s.ann"))
    with pytest.raises(Exception, match="^You can't add an item to a loaded index$"):
        t.add_item(0, [0] * 4)
    with pytest.raises(Exception, match="^You can't build a loaded index$"):
        t.build(3)
    with pytest.raises(Exception, match="^You can't unbuild a loaded index$"):
        t.unbuild()


def test_bad_build_arguments():
    t = built()
    t.unbuild()
    with pytest.raises(ValueError):
        t.build(-2)  # Annoy loops until out of memory
    with pytest.raises(ValueError):
        t.build(3, n_jobs=-2)  # Annoy aborts the process
    t.build(3, n_jobs=2)


def test_on_disk_build_after_add_is_refused(tmp_path):
    # Annoy silently drops the items already added
    t = AnnoyIndex(3, "angular")
    t.add_item(0, [1, 2, 3])
    with pytest.raises(Exception):
        t.on_disk_build(str(tmp_path / "x.ann"))


# ---- files ----

def test_save_without_build(in_tmp):
    t = AnnoyIndex(3, "angular")
    t.add_item(0, [1, 2, 3])
    with pytest.raises(OSError, match="^You can't save an index that hasn't been built$"):
        t.save("never.ann")
    assert not os.path.exists("never.ann")


def test_save_zero_trees(in_tmp):
    t = AnnoyIndex(3, "angular")
    t.add_item(0, [1, 2, 3])
    t.build(0)
    with pytest.raises(OSError):
        t.save("never.ann")


def test_save_to_bad_paths(tmp_path):
    t = built()
    with pytest.raises(OSError):
        t.save("")
    with pytest.raises(OSError) as e:
        t.save(str(tmp_path / "no" / "such" / "dir.ann"))
    assert e.value.errno == 2
    assert "No such file or directory" in str(e.value)
    with pytest.raises(OSError):
        t.save(str(tmp_path))  # a directory
    # still built and usable after failed saves
    assert len(t.get_nns_by_item(0, 3)) == 3


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_save_to_dev_full():
    # Annoy's test_write_failed; the device must survive (we must not rename over it)
    t = built()
    with pytest.raises(OSError) as e:
        t.save("/dev/full")
    assert str(e.value).find("No space left on device") > 0
    import stat
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_load_errors(tmp_path):
    t = AnnoyIndex(3, "angular")
    with pytest.raises(OSError) as e:
        t.load(str(tmp_path / "nonexists.tree"))
    assert e.value.errno == 2
    empty = tmp_path / "empty.ann"
    empty.write_bytes(b"")
    with pytest.raises(OSError):
        t.load(str(empty))
    with pytest.raises(OSError):
        t.load(str(tmp_path))  # a directory
    with pytest.raises(ValueError):
        t.load("a\0b")


def test_load_wrong_dimension(tmp_path):
    t = AnnoyIndex(100, "angular")
    rnd = random.Random(2)
    for i in range(1000):
        t.add_item(i, [rnd.gauss(0, 1) for _ in range(100)])
    t.build(10)
    p = str(tmp_path / "test.annoy")
    t.save(p)
    for f in (200, 50):
        u = AnnoyIndex(f, "angular")
        with pytest.raises(OSError):
            u.load(p)
        # the failed load leaves the index usable
        u.add_item(0, [1] * f)
        assert u.get_n_items() == 1


def test_failed_load_keeps_previous_index(tmp_path):
    t = built()
    p = str(tmp_path / "ok.ann")
    t.save(p)
    u = AnnoyIndex(4, "euclidean")
    u.load(p)
    with pytest.raises(OSError):
        u.load(str(tmp_path / "missing.ann"))
    assert u.get_n_items() == 20
    assert len(u.get_nns_by_item(0, 5)) == 5


def test_file_name_types():
    t = built()
    with pytest.raises(TypeError):
        t.save(123)
    with pytest.raises(OverflowError):
        t.save("x.ann", 256)
    with pytest.raises(OverflowError):
        t.load("x.ann", -1)


# ---- signatures ----

def test_positional_only_methods():
    t = built()
    with pytest.raises(TypeError):
        t.get_item_vector(i=0)
    with pytest.raises(TypeError):
        t.get_distance(i=0, j=1)
    with pytest.raises(TypeError):
        t.set_seed(s=1)
    with pytest.raises(TypeError):
        t.verbose(v=True)
    with pytest.raises(TypeError):
        t.get_n_items(1)
    with pytest.raises(TypeError):
        t.unload(1)
    with pytest.raises(TypeError):
        t.get_nns_by_vector([1, 2, 3, 4], 1, -1, True, 5)
    with pytest.raises(TypeError):
        t.build()


# ---- the hierarchy ----

def test_errors_are_annoy_errors_with_status():
    t = built()
    with pytest.raises(annoy_rs.AnnoyError):
        t.get_item_vector(999)
    with pytest.raises(annoy_rs.AnnoyStateError):
        t.build(2)
    with pytest.raises(annoy_rs.AnnoyIOError) as e:
        t.load("/nonexistent/x.ann")
    assert e.value.status == 7  # ANNOY_E_IO
    with pytest.raises(annoy_rs.AnnoyValueError) as e:
        t.unbuild()
        t.add_item(0, [float("nan")] * 4)
    assert e.value.status == 4  # ANNOY_E_NOT_FINITE


def test_library_panics_become_exceptions():
    from annoy_rs import _annoy_rs, _errors

    with pytest.raises(annoy_rs.AnnoyPanicError) as e:
        _annoy_rs._selftest_panic()
    assert e.value.status == _errors.E_PANIC
    assert isinstance(e.value, RuntimeError)
