"""The golden files of tests/golden, written by annoy 1.17.3, answer through annoy_rs as
they did through annoy (ids exactly, distances to 1e-5: the files' distances came from
annoy's AVX-512 kernels)."""

import glob
import json
import os
import pickle
import shutil

import pytest

from annoy_rs import AnnoyIndex

from conftest import repo_root

ROOT = repo_root()
GOLDEN = os.path.join(ROOT, "tests", "golden") if ROOT else None
CASES = sorted(glob.glob(os.path.join(GOLDEN, "*.json"))) if GOLDEN else []

pytestmark = pytest.mark.skipif(not CASES, reason="golden files not found (outside the checkout)")


def load_case(path):
    with open(path) as fh:
        case = json.load(fh)
    index = AnnoyIndex(case["f"], case["metric"])
    index.load(path[: -len(".json")] + ".ann")
    return case, index


def check_case(case, index):
    assert index.get_n_items() == case["n_items"]
    # Annoy over-counts the trees of tiny indexes after load; the library reports the truth
    assert index.get_n_trees() == case["n_trees_after_build"]
    for q in case["queries"]:
        if q["by"] == "item":
            ids, dists = index.get_nns_by_item(q["item"], q["n"], q["search_k"], True)
        else:
            ids, dists = index.get_nns_by_vector(q["vector"], q["n"], q["search_k"], True)
        assert ids == q["ids"], q
        assert dists == pytest.approx(q["distances"], rel=1e-5, abs=1e-6), q
    for i, vector in case["item_vectors"].items():
        assert index.get_item_vector(int(i)) == pytest.approx(vector, rel=0, abs=0)
    for i, j, d in case["distances"]:
        assert index.get_distance(i, j) == pytest.approx(d, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("path", CASES, ids=[os.path.basename(p)[:-5] for p in CASES])
def test_golden_file(path):
    case, index = load_case(path)
    check_case(case, index)


@pytest.mark.parametrize("path", CASES, ids=[os.path.basename(p)[:-5] for p in CASES])
def test_golden_file_prefault_pickle_and_resave(path, tmp_path):
    case, index = load_case(path)
    copy = pickle.loads(pickle.dumps(index))
    check_case(case, copy)
    resaved = str(tmp_path / "resaved.ann")
    copy.save(resaved, prefault=True)
    again = AnnoyIndex(case["f"], case["metric"])
    again.load(resaved, True)
    check_case(case, again)
    with open(resaved, "rb") as a, open(path[:-5] + ".ann", "rb") as b:
        assert a.read() == b.read()


def test_golden_file_loads_from_any_path(tmp_path):
    src = CASES[0][:-5] + ".ann"
    dst = tmp_path / "with space ü.ann"
    shutil.copyfile(src, str(dst))
    case, _ = load_case(CASES[0])
    index = AnnoyIndex(case["f"], case["metric"])
    index.load(str(dst))
    check_case(case, index)
