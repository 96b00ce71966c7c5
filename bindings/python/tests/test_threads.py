"""Threads: queries run in parallel (the GIL is released in the library), builds use
several threads, and changing an index while others query it is safe."""

import random
import threading
import time
from multiprocessing.pool import ThreadPool

import pytest

from annoy_rs import AnnoyIndex


def filled(n=2000, f=10, seed=0):
    rnd = random.Random(seed)
    t = AnnoyIndex(f, "euclidean")
    for i in range(n):
        t.add_item(i, [rnd.gauss(0, 1) for _ in range(f)])
    return t


def test_threaded_queries_match_serial():
    t = filled()
    t.build(10)
    serial = [t.get_nns_by_item(i, 50) for i in range(300)]
    with ThreadPool(8) as pool:
        parallel = pool.map(lambda i: t.get_nns_by_item(i, 50), range(300))
    assert parallel == serial


def test_many_threads_many_queries():
    # Annoy's threading_test (10,000 queries there) from a thread pool
    t = filled(n=10000)
    t.build(10)
    with ThreadPool() as pool:
        results = pool.map(lambda j: t.get_nns_by_item(1, 1000), range(3000))
    assert all(len(r) == 1000 for r in results)


@pytest.mark.parametrize("n_jobs", [1, 2, 4, 8])
def test_build_with_threads(n_jobs):
    t = filled(n=10000)
    assert t.build(31, n_jobs=n_jobs)
    assert t.get_n_trees() == 31


def test_queries_release_the_gil():
    # A long batch query in one thread leaves the interpreter free for another.
    np = pytest.importorskip("numpy")
    t = filled(n=5000, f=32)
    t.build(10)
    q = np.random.default_rng(0).normal(size=(1500, 32))
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    th = threading.Thread(target=ticker)
    th.start()
    start = time.perf_counter()
    t.get_nns_by_vectors(q, 10, search_k=5000, n_jobs=1)
    elapsed = time.perf_counter() - start
    done.set()
    th.join()
    if elapsed > 0.2:  # only meaningful when the query took a while
        assert len([x for x in ticks if start <= x <= start + elapsed]) > 10


def test_mutation_during_queries_is_safe(tmp_path):
    # Annoy would read freed memory here; our readers-writer lock serialises them.
    t = filled(n=3000)
    t.build(5)
    p = str(tmp_path / "m.ann")
    t.save(p)
    stop = threading.Event()
    errors = []

    def reader():
        while not stop.is_set():
            try:
                r = t.get_nns_by_vector([0.0] * 10, 20)
                assert r == [] or len(r) == 20
                if t.get_n_items():
                    try:
                        t.get_item_vector(0)
                    except IndexError:
                        pass  # unloaded in between
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for th in threads:
        th.start()
    for _ in range(30):
        t.unload()
        t.load(p)
    stop.set()
    for th in threads:
        th.join()
    assert errors == []
    assert t.get_n_items() == 3000


def test_indexes_in_parallel_threads():
    def work(seed):
        t = filled(n=500, seed=seed)
        t.build(5, n_jobs=1)
        return t.get_nns_by_item(0, 5)

    with ThreadPool(4) as pool:
        parallel = pool.map(work, range(8))
    assert parallel == [work(s) for s in range(8)]


def test_short_reads_during_builds_see_the_items():
    # get_distance, get_item_vector and get_n_items read without the lock while no writer
    # is busy; builds (which release the GIL) in another thread must not be seen midway.
    t = filled(n=2000)
    want_vector = t.get_item_vector(5)
    want_distance = t.get_distance(3, 4)
    stop = threading.Event()
    errors = []

    def reader():
        while not stop.is_set():
            try:
                assert t.get_item_vector(5) == want_vector
                assert t.get_distance(3, 4) == want_distance
                assert t.get_n_items() == 2000
                assert t.get_n_trees() in (0, 3)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)
                return

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for th in threads:
        th.start()
    for _ in range(15):
        t.build(3, n_jobs=2)
        t.unbuild()
    stop.set()
    for th in threads:
        th.join()
    assert errors == []
