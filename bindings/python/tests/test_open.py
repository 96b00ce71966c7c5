"""annoy_rs.open: a native index file opened with no metric or dimension given."""

import pytest

import annoy_rs
from conftest import gauss_vectors

def save_native(index, path):
    """Writes `index` in the native format (the Python API's `save` keeps writing Annoy's
    format, as Annoy does)."""
    index._save_native(str(path))


@pytest.mark.parametrize("metric", ["angular", "euclidean", "manhattan", "dot", "hamming"])
def test_open_takes_metric_and_dimension_from_the_file(tmp_path, rng, metric):
    f = 7
    built = annoy_rs.AnnoyIndex(f, metric)
    for i, v in enumerate(gauss_vectors(rng, 60, f)):
        if metric == "hamming":
            v = [float(x > 0) for x in v]
        built.add_item(i, v)
    built.build(5)
    path = tmp_path / "index.native"
    save_native(built, path)

    opened = annoy_rs.open(str(path))
    assert isinstance(opened, annoy_rs.AnnoyIndex)
    assert opened.f == f
    assert opened.metric == metric
    assert opened.get_n_items() == built.get_n_items() == 60
    assert opened.get_n_trees() == 5
    assert opened.verify() is True
    for i in (0, 17, 59):
        assert opened.get_item_vector(i) == built.get_item_vector(i)
        assert opened.get_nns_by_item(i, 10, include_distances=True) == built.get_nns_by_item(
            i, 10, include_distances=True
        )
    assert opened.get_distance(3, 4) == built.get_distance(3, 4)
    # Served read-only, as after load.
    with pytest.raises(Exception, match="loaded"):
        opened.add_item(60, [0.0] * f)


def test_open_with_prefault_and_a_path_object(tmp_path, rng):
    built = annoy_rs.AnnoyIndex(3, "euclidean")
    for i, v in enumerate(gauss_vectors(rng, 20, 3)):
        built.add_item(i, v)
    built.build(2)
    path = tmp_path / "p.native"
    save_native(built, path)
    opened = annoy_rs.open(path, prefault=True)
    assert (opened.f, opened.metric, opened.get_n_items()) == (3, "euclidean", 20)
    assert opened.get_nns_by_vector([0.1, 0.2, 0.3], 5) == built.get_nns_by_vector([0.1, 0.2, 0.3], 5)


def test_open_refuses_an_annoy_file_missing_files_and_garbage(tmp_path, rng):
    built = annoy_rs.AnnoyIndex(4, "angular")
    for i, v in enumerate(gauss_vectors(rng, 10, 4)):
        built.add_item(i, v)
    built.build(2)
    ann = tmp_path / "plain.ann"
    built.save(str(ann))
    with pytest.raises(IOError):
        annoy_rs.open(str(ann))
    with pytest.raises(IOError):
        annoy_rs.open(str(tmp_path / "missing.native"))
    junk = tmp_path / "junk.native"
    junk.write_bytes(b"\x00" * 4096)
    with pytest.raises(IOError):
        annoy_rs.open(str(junk))
    with pytest.raises(TypeError):
        annoy_rs.open(12)
