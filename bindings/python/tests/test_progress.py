"""Build progress and cancellation: progress(trees_done, trees_wanted) on the calling thread,
an exception from it (or Ctrl-C) cancels and leaves the index as it was."""

import os
import random
import signal
import threading

import pytest

from annoy_rs import AnnoyIndex


def filled(n=3000, f=16, seed=5):
    rng = random.Random(seed)
    index = AnnoyIndex(f, "euclidean")
    for i in range(n):
        index.add_item(i, [rng.gauss(0, 1) for _ in range(f)])
    return index


def test_progress_reports_every_tree_on_this_thread():
    index = filled()
    seen = []
    caller = threading.get_ident()

    def progress(done, wanted):
        assert threading.get_ident() == caller
        seen.append((done, wanted))

    assert index.build(8, n_jobs=2, progress=progress)
    assert seen[-1] == (8, 8)
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    assert index.get_n_trees() == 8


def test_automatic_count_has_no_total():
    index = filled(500)
    seen = []
    index.build(-1, progress=lambda done, wanted: seen.append(wanted))
    assert set(seen) == {None}


class Stop(Exception):
    pass


def test_an_exception_in_progress_cancels_and_propagates():
    index = filled()
    before = [index.get_item_vector(i) for i in range(0, 3000, 97)]

    def progress(done, wanted):
        if done >= 2:
            raise Stop()

    with pytest.raises(Stop):
        index.build(40, n_jobs=2, progress=progress)
    assert index.get_n_trees() == 0
    assert [index.get_item_vector(i) for i in range(0, 3000, 97)] == before
    index.add_item(3000, [0.0] * 16)  # still adding: not built
    assert index.build(3)
    assert index.get_n_trees() == 3


def test_ctrl_c_cancels_the_build():
    index = filled(20000, 32)
    calls = []

    def progress(done, wanted):
        calls.append(done)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C would

    with pytest.raises(KeyboardInterrupt):
        index.build(200, n_jobs=1, progress=progress)
    assert index.get_n_trees() == 0
    assert index.build(2)
