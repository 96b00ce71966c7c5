"""The shared conformance cases (tests/conformance/cases.json), run through AnnoyIndex: the
Rust, C, Go and Ruby suites run the same file. An error's ``status`` is the library's code."""

import json
import os

import pytest

import annoy_rs
from annoy_rs import AnnoyIndex

CASES = os.environ.get("ANNOY_CONFORMANCE_CASES") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "conformance",
                     "cases.json")
if not os.path.exists(CASES):
    pytest.skip("conformance cases not found (outside the checkout)", allow_module_level=True)
with open(CASES) as f:
    DOC = json.load(f)
STATUS_NAME = {code: name for name, code in DOC["statuses"].items()}


def floats(values):
    return [float(v) for v in values]  # float() reads "nan", "inf" and "-inf" too


def close(a, b):
    return abs(a - b) <= 1e-4 * (1 + abs(b))


def run(state, s, tmp):
    op = s["op"]
    path = lambda: str(tmp / s["file"])  # noqa: E731
    if op == "new":
        state["index"] = AnnoyIndex(s["dim"], s["metric"])
        return
    if op == "write_file":
        (tmp / s["file"]).write_bytes(bytes.fromhex(s["hex"]))
        return
    t = state["index"]
    if op == "seed":
        t.set_seed(s["seed"])
    elif op == "add":
        t.add_item(s["id"], floats(s["vector"]))
    elif op == "build":
        t.build(s["n_trees"], n_jobs=s["n_threads"])
    elif op == "unbuild":
        t.unbuild()
    elif op == "save":
        t.save(path())
    elif op == "load":
        t.load(path())
    elif op == "unload":
        t.unload()
    elif op == "n_items":
        assert t.get_n_items() == s["value"]
    elif op == "n_trees":
        assert t.get_n_trees() == s["value"]
    elif op == "item":
        assert t.get_item_vector(s["id"]) == floats(s["vector"])
    elif op == "distance":
        assert close(t.get_distance(s["i"], s["j"]), s["distance"])
    elif op in ("query_item", "query_vector"):
        kw = {"include_distances": True}
        if "allow" in s:
            kw["allow"] = s["allow"]
        if op == "query_item":
            ids, dists = t.get_nns_by_item(s["id"], s["n"], s["search_k"], **kw)
        else:
            ids, dists = t.get_nns_by_vector(floats(s["vector"]), s["n"], s["search_k"], **kw)
        assert ids == s["ids"]
        assert all(close(d, w) for d, w in zip(dists, s["distances"])), (dists, s["distances"])
    else:
        raise AssertionError("unknown op " + op)


@pytest.mark.parametrize("case", DOC["cases"], ids=[c["name"] for c in DOC["cases"]])
def test_conformance_case(case, tmp_path):
    state = {}
    for k, s in enumerate(case["steps"]):
        if "annoy_python" in s:
            continue  # Annoy's Python API does otherwise here, and so does this package
        want = s.get("status", "OK")
        try:
            run(state, s, tmp_path)
            got = "OK"
        except annoy_rs.AnnoyError as e:
            got = STATUS_NAME.get(e.status, repr(e))
        assert got == want, f"step {k}: {s}"
