"""`AnnoyIndex`: Annoy 1.17.3's Python class over the annoy C API.

Every method takes the same arguments (positional and keyword names, defaults) and returns
the same types as `annoy.AnnoyIndex`, and raises the same exception types with Annoy's
messages where Annoy checks something itself (README.md lists the deliberate differences).
"""

import array
import ctypes
import operator
import os
import shutil
import stat
import sys
import tempfile
import threading
import warnings
from ctypes import byref, c_float, c_size_t, c_uint32

from . import _lib
from ._lib import (
    DEFAULT_SEED,
    METRICS,
    PROGRESS_FN,
    SEARCH_K_DEFAULT,
    SEARCH_K_UNLIMITED,
    AnnoyIndexError,
    AnnoyIOError,
    AnnoyStateError,
    AnnoyValueError,
    call,
    call_status,
    lib,
    make_error,
)

__all__ = ["AnnoyIndex"]

_MISSING = object()
_INT32_MAX = 2**31 - 1
_INT32_MIN = -(2**31)
_U64_MASK = 2**64 - 1
_SMALL_N = 4096  # result buffers up to this size are allocated without asking n_items


def _bitset(ids):
    """The annoy_query_options allow-list (uint64 words) of an iterable of item ids."""
    ids = [operator.index(i) for i in ids]
    if any(i < 0 for i in ids):
        raise make_error(AnnoyIndexError, "allowed item ids can not be negative")
    words = (ctypes.c_uint64 * max(1, (max(ids) // 64 + 1) if ids else 1))()
    for i in ids:
        words[i // 64] |= 1 << (i % 64)
    return words
_METRIC_WARNING = (
    "The default argument for metric will be removed in future version of Annoy. "
    "Please pass metric='angular' explicitly."
)


# ---- argument parsing, as CPython's PyArg_ParseTuple formats do it for Annoy ----

def _int32(x):
    """Format "i": an int (or __index__) in the C int range."""
    v = operator.index(x)
    if v > _INT32_MAX:
        raise OverflowError("signed integer is greater than maximum")
    if v < _INT32_MIN:
        raise OverflowError("signed integer is less than minimum")
    return v


def _ubyte(x):
    """Format "b": an int in 0..255 (Annoy's `prefault`)."""
    v = operator.index(x)
    if v < 0:
        raise OverflowError("unsigned byte integer is less than minimum")
    if v > 255:
        raise OverflowError("unsigned byte integer is greater than maximum")
    return v


def _path(fn, position):
    """Format "s" for a file name; also accepts bytes and os.PathLike (Annoy takes str only)."""
    if isinstance(fn, (str, bytes)) or hasattr(fn, "__fspath__"):
        b = os.fsencode(fn)
    else:
        raise TypeError("argument %d must be str, not %s" % (position, type(fn).__name__))
    if b"\0" in b:
        raise ValueError("embedded null character")
    return b


def _numpy():
    try:
        import numpy
    except ImportError as e:  # pragma: no cover - numpy is optional
        raise ImportError("this method needs numpy (pip install numpy)") from e
    return numpy


def _wrong_length(f, got):
    return make_error(AnnoyIndexError, "Vector has wrong length (expected %d, got %d)" % (f, got), _lib.E_DIMENSION)


# ---- a readers-writer lock: queries share the index, changes have it alone ----

class _RWLock:
    """Writer-preferring readers-writer lock. Queries on one index run concurrently (the C
    API allows it); anything that changes the index waits for them and holds back new ones,
    so a query never runs on memory that `unload`, `load` or `build` is replacing."""

    __slots__ = ("_mutex", "_cond", "_readers", "_writing", "_waiting")

    def __init__(self):
        self._mutex = threading.Lock()
        self._cond = threading.Condition(self._mutex)
        self._readers = 0
        self._writing = False
        self._waiting = 0  # writers waiting

    def acquire_read(self):
        with self._mutex:
            while self._writing or self._waiting:
                self._cond.wait()
            self._readers += 1

    def release_read(self):
        with self._mutex:
            self._readers -= 1
            if not self._readers and self._waiting:
                self._cond.notify_all()

    def acquire_write(self):
        with self._mutex:
            self._waiting += 1
            try:
                while self._writing or self._readers:
                    self._cond.wait()
            finally:
                self._waiting -= 1
            self._writing = True

    def release_write(self):
        with self._mutex:
            self._writing = False
            self._cond.notify_all()


class _Reading:
    __slots__ = ("lock",)

    def __init__(self, lock):
        self.lock = lock

    def __enter__(self):
        self.lock.acquire_read()

    def __exit__(self, *exc):
        self.lock.release_read()


class _Writing(_Reading):
    __slots__ = ()

    def __enter__(self):
        self.lock.acquire_write()

    def __exit__(self, *exc):
        self.lock.release_write()


class AnnoyIndex:
    """AnnoyIndex(f, metric='angular'): an index of `f`-dimensional vectors, compatible with
    ``annoy.AnnoyIndex`` (Annoy 1.17.3) and with its ``.ann`` files.

    ``metric`` is one of "angular", "euclidean", "manhattan", "hamming", "dot". Leaving it
    out gives "angular" with a FutureWarning, as Annoy does.

    Beyond Annoy: numpy in and out (``add_items``, ``get_item_vectors``,
    ``get_nns_by_vectors``), pickling, and use as a context manager (leaving the ``with``
    block unloads the index). Queries from many threads run in parallel (the GIL is released
    in the library).
    """

    __slots__ = (
        "_handle", "_f", "_metric", "_lock", "_reading", "_writing",
        "_built", "_loaded", "_zero_trees", "_on_disk", "_loaded_file", "_loaded_bytes",
        "_seed", "_verbose", "_added", "_vector_type", "__weakref__",
    )

    def __new__(cls, f=_MISSING, metric=_MISSING):
        # Annoy builds the index in tp_new, so subclasses need not call __init__.
        if f is _MISSING:
            raise TypeError("function missing required argument 'f' (pos 1)")
        f = _int32(f)
        if metric is _MISSING:
            warnings.warn(_METRIC_WARNING, FutureWarning, stacklevel=2)
            metric = "angular"
        elif not isinstance(metric, str):
            raise TypeError("argument 2 must be str, not %s" % type(metric).__name__)
        if metric not in METRICS:
            raise make_error(AnnoyValueError, "No such metric", _lib.E_UNKNOWN_METRIC)
        if f <= 0:
            raise make_error(
                AnnoyValueError,
                "f (the vector dimension) must be positive, got %d" % f,
                _lib.E_INVALID_ARGUMENT,
            )
        self = super().__new__(cls)
        self._handle = None
        handle = _lib.IndexP()
        call(lib.annoy_new, METRICS[metric], f, byref(handle))
        self._init_from_handle(handle.value, f, metric)
        return self

    def _init_from_handle(self, handle, f, metric):
        self._handle = handle
        self._f = f
        self._vector_type = c_float * f
        self._metric = metric
        self._lock = _RWLock()
        self._reading = _Reading(self._lock)
        self._writing = _Writing(self._lock)
        self._reset_state()
        self._seed = DEFAULT_SEED
        self._verbose = False

    def __init__(self, f=_MISSING, metric=_MISSING):
        # Everything happened in __new__ (as in Annoy's tp_new/tp_init pair).
        pass

    def _reset_state(self):
        self._built = False  # trees exist in the C index (built, or loaded)
        self._loaded = False  # serving a file read-only (after load or save)
        self._zero_trees = False  # build(0) / n_jobs=0: Annoy's "built with no trees"
        self._on_disk = None  # path given to on_disk_build
        self._loaded_file = None  # (path, stat signature) of the file served, if known
        self._loaded_bytes = None  # the bytes served, after deserialize
        self._added = bytearray()  # 1 for every id added (to tell holes apart); None if unknown

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle:
            self._handle = None
            try:
                lib.annoy_free(handle)
            except Exception:  # pragma: no cover - interpreter shutdown
                pass

    # ---- properties ----

    @property
    def f(self):
        """The vector dimension (read-only: Annoy lets you overwrite it, which corrupts memory)."""
        return self._f

    @property
    def metric(self):
        """The metric name given to the constructor (not in Annoy 1.17.3)."""
        return self._metric

    def __repr__(self):
        with self._reading:
            n_items, n_trees = self._n_items(), self._n_trees()
        return "<%s.%s f=%d metric=%r n_items=%d n_trees=%d>" % (
            type(self).__module__, type(self).__qualname__, self._f, self._metric, n_items, n_trees,
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.unload()
        return False

    # ---- helpers (the caller holds the lock) ----

    def _n_items(self):
        out = c_size_t()
        call(lib.annoy_n_items, self._handle, byref(out))
        return out.value

    def _n_trees(self):
        out = c_size_t()
        call(lib.annoy_n_trees, self._handle, byref(out))
        return out.value

    def _vector(self, v):
        """A vector as float32 values: (keep-alive object, address). Annoy's conversion:
        anything with len() and [int] of numbers; the length must be f."""
        f = self._f
        np = sys.modules.get("numpy")
        if np is not None and isinstance(v, np.ndarray) and v.ndim == 1:
            if v.shape[0] != f:
                raise _wrong_length(f, v.shape[0])
            a = np.ascontiguousarray(v, dtype=np.float32)
            return a, a.ctypes.data
        n = len(v)
        if n != f:
            raise _wrong_length(f, n)
        if isinstance(v, (list, tuple, array.array)):
            buf = array.array("f", v)
        else:
            buf = array.array("f", [v[z] for z in range(f)])
        return buf, buf.buffer_info()[0]

    @staticmethod
    def _check_item(i, n_items):
        if i < 0:
            raise make_error(AnnoyIndexError, "Item index can not be negative", _lib.E_UNKNOWN_ITEM)
        if i >= n_items:
            raise make_error(AnnoyIndexError, "Item index larger than the largest item index")

    def _check_writable(self):
        if self._loaded:
            raise make_error(AnnoyStateError, "You can't add an item to a loaded index", _lib.E_STATE)
        if self._built or self._zero_trees:
            raise make_error(
                AnnoyStateError,
                "You can't add an item to a built index (call unbuild() first)",
                _lib.E_STATE,
            )

    def _mark_added(self, i):
        added = self._added
        if added is None:
            return
        if i >= len(added):
            added.extend(bytes(i + 1 - len(added)))
        added[i] = 1

    def _set_seed_locked(self, seed):
        call(lib.annoy_set_seed, self._handle, seed & _U64_MASK)
        self._seed = seed

    def _remember_loaded_file(self, path):
        if path is None:
            self._loaded_file = None
            return
        try:
            st = os.stat(path)
            self._loaded_file = (path, (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
        except OSError:
            self._loaded_file = None

    def _became_loaded(self, path):
        self._built = True
        self._loaded = True
        self._zero_trees = False
        self._on_disk = None
        self._added = None
        self._loaded_bytes = None
        self._remember_loaded_file(path)

    # ---- Annoy's API ----

    def add_item(self, i, vector):
        """Adds item `i` (any nonnegative integer) with vector `vector`.

        Note that it will allocate memory for `max(i)+1` items."""
        i = _int32(i)
        if i < 0:
            raise make_error(AnnoyIndexError, "Item index can not be negative", _lib.E_UNKNOWN_ITEM)
        if i >= _INT32_MAX:
            raise make_error(
                AnnoyIndexError,
                "Item index %d is too large (ids must be below %d)" % (i, _INT32_MAX),
                _lib.E_INVALID_ARGUMENT,
            )
        keep, addr = self._vector(vector)
        with self._writing:
            self._check_writable()
            call(lib.annoy_add, self._handle, i, addr, self._f)
            self._mark_added(i)
        del keep

    def build(self, n_trees, n_jobs=-1, progress=None):
        """Builds a forest of `n_trees` trees (-1: as many as fit in twice the items' memory).

        More trees give higher precision when querying. After calling `build`, no more items
        can be added (until `unbuild`). `n_jobs` specifies the number of threads used to
        build the trees; `n_jobs=-1` uses all available CPU cores.

        `progress`, if given, is called as ``progress(trees_done, trees_wanted)`` on this
        thread at each finished tree and a few times a second in between (`trees_wanted` is
        None for ``n_trees=-1``). An exception it raises cancels the build, and so does
        Ctrl-C (KeyboardInterrupt): the index is then as it was before the call (unbuilt, its
        items intact) and the exception propagates from `build`."""
        q = _int32(n_trees)
        jobs = _int32(n_jobs)
        with self._writing:
            if self._loaded:
                raise make_error(AnnoyStateError, "You can't build a loaded index", _lib.E_STATE)
            if self._built or self._zero_trees:
                raise make_error(AnnoyStateError, "You can't build a built index", _lib.E_STATE)
            if q == 0 or jobs == 0:
                # Annoy builds no tree at all and answers every query with [].
                self._zero_trees = True
                return True
            if q < -1:
                raise make_error(AnnoyValueError, "n_trees must be positive or -1, got %d" % q, _lib.E_INVALID_ARGUMENT)
            if jobs < -1:
                raise make_error(AnnoyValueError, "n_jobs must be positive or -1, got %d" % jobs, _lib.E_INVALID_ARGUMENT)
            raised = []

            def report(done, wanted, _user_data):
                try:
                    if progress is not None:
                        progress(done, wanted or None)
                    return 0
                except BaseException as e:  # KeyboardInterrupt too: cancel, raise it below
                    raised.append(e)
                    return 1

            callback = PROGRESS_FN(report)
            _, error = call_status(
                lib.annoy_build_with_progress, self._handle, q, jobs, callback, None
            )
            if raised:
                raise raised[0]
            if error is not None:
                raise error
            self._built = True
        return True

    def unbuild(self):
        """Unbuilds the trees, so that more items can be added and the index built again."""
        with self._writing:
            if self._loaded:
                raise make_error(AnnoyStateError, "You can't unbuild a loaded index", _lib.E_STATE)
            call(lib.annoy_unbuild, self._handle)
            self._built = False
            self._zero_trees = False
        return True

    def save(self, fn, prefault=False):
        """Saves the index to disk and loads it (see `load`). After saving, no more items can
        be added."""
        path = _path(fn, 1)
        prefault = bool(_ubyte(prefault))
        with self._writing:
            if self._zero_trees:
                raise make_error(AnnoyIOError, "You can't save an index built with 0 trees", _lib.E_STATE)
            if not self._built:
                raise make_error(AnnoyIOError, "You can't save an index that hasn't been built", _lib.E_STATE)
            if _is_special_file(path):
                self._save_to_special_file(path, prefault)
            else:
                call(lib.annoy_save, self._handle, path, prefault, override=AnnoyIOError)
                self._became_loaded(path)
        return True

    def _save_to_special_file(self, path, prefault):
        """save() to a device or FIFO (e.g. /dev/full): write the bytes into it as Annoy's
        fwrite would, rather than renaming a new file over it."""
        tmpdir = tempfile.mkdtemp(prefix="annoy_rs_")
        tmp = os.path.join(tmpdir, "index.ann")
        try:
            call(lib.annoy_save, self._handle, os.fsencode(tmp), prefault, override=AnnoyIOError)
            self._became_loaded(tmp)
            self._loaded_file = None
            try:
                with open(tmp, "rb") as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except OSError as e:
                err = make_error(
                    AnnoyIOError, "Unable to write: %s (%s)" % (e.strerror, e.errno)
                )
                err.errno = e.errno
                raise err from None
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def load(self, fn, prefault=False):
        """Loads (mmaps) an index from disk. The metric and `f` must be the ones it was built
        with. `prefault=True` reads the whole file into memory now."""
        path = _path(fn, 1)
        prefault = bool(_ubyte(prefault))
        with self._writing:
            call(lib.annoy_load, self._handle, path, prefault, override=AnnoyIOError)
            self._became_loaded(path)
        return True

    def unload(self):
        """Unloads the index: frees its memory and file map; the index is then empty."""
        with self._writing:
            call(lib.annoy_unload, self._handle)
            self._reset_state()
            # Annoy's unload() resets the seed to the default (reinitialize()).
            self._set_seed_locked(DEFAULT_SEED)
        return True

    def on_disk_build(self, fn):
        """Prepares to build the index in the file `fn` rather than in memory (for indexes
        larger than RAM). Call it before adding items; after `build` the file is complete
        and needs no `save`."""
        path = _path(fn, 1)
        with self._writing:
            call(lib.annoy_on_disk_build, self._handle, path)
            self._on_disk = path
        return True

    def get_nns_by_item(self, i, n, search_k=-1, include_distances=False, *, allow=None,
                        filter=None):
        """Returns the `n` closest items to item `i`.

        :param search_k: the query will inspect up to `search_k` nodes; -1 (default) means
          n × n_trees, any other negative value no limit. A larger value is more accurate
          and slower.
        :param include_distances: if true, returns a 2-tuple of lists (ids, distances).
        :param allow: only these item ids may be returned (an iterable of ids).
        :param filter: only items for which ``filter(id)`` is true may be returned. The
          answer is the best `n` allowed items as the unfiltered search ranks them."""
        i = _int32(i)
        n = _int32(n)
        search_k = _int32(search_k)
        include_distances = _int32(include_distances)
        if i < 0:
            raise make_error(AnnoyIndexError, "Item index can not be negative", _lib.E_UNKNOWN_ITEM)
        lock = self._lock
        lock.acquire_read()
        try:
            if not self._built:
                self._check_item(i, self._n_items())
                return ([], []) if include_distances else []
            if allow is not None or filter is not None:
                return self._run_filtered(
                    lib.annoy_query_by_item_with_options, (i,), n, search_k, include_distances,
                    allow, filter,
                )
            return self._run_query(
                lib.annoy_query_by_item, (i,), n, search_k, include_distances
            )
        finally:
            lock.release_read()

    def get_nns_by_vector(self, vector, n, search_k=-1, include_distances=False, *, allow=None,
                          filter=None):
        """Returns the `n` items closest to `vector` (a list, tuple or numpy array of f numbers).

        :param search_k: the query will inspect up to `search_k` nodes; -1 (default) means
          n × n_trees, any other negative value no limit. A larger value is more accurate
          and slower.
        :param include_distances: if true, returns a 2-tuple of lists (ids, distances).
        :param allow, filter: as in `get_nns_by_item`."""
        n = _int32(n)
        search_k = _int32(search_k)
        include_distances = _int32(include_distances)
        keep, addr = self._vector(vector)
        lock = self._lock
        lock.acquire_read()
        try:
            if not self._built:
                return ([], []) if include_distances else []
            if allow is not None or filter is not None:
                return self._run_filtered(
                    lib.annoy_query_with_options, (addr, self._f), n, search_k,
                    include_distances, allow, filter,
                )
            return self._run_query(lib.annoy_query, (addr, self._f), n, search_k, include_distances)
        finally:
            lock.release_read()
            del keep

    def _capacity(self, n):
        """The result buffer a query for `n` needs: min(n, n_items), `n` read as the library
        reads it (a size_t: Annoy's negative n wraps to "everything"). Buffers up to
        _SMALL_N are allocated without asking n_items."""
        n &= 2**64 - 1
        return n if n <= _SMALL_N else min(n, self._n_items())

    def _options(self, n, search_k, allow, filter):
        """annoy_query_options for n, search_k and a filter, with what must stay alive."""
        opts = _lib.QueryOptions()
        _lib.call(lib.annoy_query_options_init, byref(opts), ctypes.sizeof(opts))
        opts.n = n & (2**64 - 1)
        opts.search_k = search_k
        keep = []
        if allow is not None:
            words = _bitset(allow)
            keep.append(words)
            opts.allow = ctypes.addressof(words)
            opts.allow_words = len(words)
        if filter is not None:
            if not callable(filter):
                raise make_error(TypeError, "filter must be callable")
            errors = []

            def call_filter(i, _data):
                try:
                    return 1 if filter(i) else 0
                except BaseException as e:  # noqa: BLE001 - re-raised after the query
                    errors.append(e)
                    return 0

            fn = _lib.FILTER_FN(call_filter)
            keep.append((fn, errors))
            opts.filter = ctypes.cast(fn, ctypes.c_void_p)
        return opts, keep

    def _run_filtered(self, fn, head, n, search_k, include_distances, allow, filter):
        opts, keep = self._options(n, search_k, allow, filter)
        room = self._capacity(n)
        ids = (c_uint32 * room)()
        dists = (c_float * room)() if include_distances else None
        count = c_size_t()
        err = _lib.ErrorP()
        status = fn(self._handle, None, byref(opts), *head, ids, dists, room, byref(count), byref(err))
        for k in keep:
            if isinstance(k, tuple) and k[1]:
                raise k[1][0]
        if status != _lib.OK:
            e = _item_error(status, err)
            if status == _lib.E_STATE:
                return ([], []) if include_distances else []
            raise e
        m = count.value
        if include_distances:
            return ids[:m], dists[:m]
        return ids[:m]

    def estimate_recall(self, k=10, search_k=-1, sample=200, seed=1, *, allow=None,
                        filter=None):
        """Recall@k (0 to 1) of queries at `search_k` against brute force, over `sample`
        stored items drawn with `seed`, and the single-thread queries per second:
        ``(recall, qps)``."""
        opts, keep = self._options(_int32(k), _int32(search_k), allow, filter)
        recall, qps = ctypes.c_double(), ctypes.c_double()
        with self._reading:
            _lib.call(
                lib.annoy_estimate_recall, self._handle, byref(opts), None, 0, sample, seed,
                byref(recall), byref(qps),
            )
        del keep
        return recall.value, qps.value

    def tune(self, target_recall=0.9, k=10, sample=200, seed=1, *, allow=None, filter=None):
        """The smallest search_k whose recall@k reaches `target_recall` on `sample` stored
        items: ``(search_k, recall, qps)``; search_k is -2 (unlimited) when only an unlimited
        search reaches it, or none does (recall is then below the target)."""
        opts, keep = self._options(_int32(k), -1, allow, filter)
        sk, recall, qps = ctypes.c_int64(), ctypes.c_double(), ctypes.c_double()
        with self._reading:
            _lib.call(
                lib.annoy_tune, self._handle, byref(opts), float(target_recall), None, 0, sample,
                seed, byref(sk), byref(recall), byref(qps),
            )
        del keep
        return sk.value, recall.value, qps.value

    def _run_query(self, fn, head, n, search_k, include_distances):
        """`fn` with the caller's n and search_k as given; only the buffers are sized here."""
        room = self._capacity(n)
        n &= 2**64 - 1
        ids = (c_uint32 * room)()
        dists = (c_float * room)() if include_distances else None
        count = c_size_t()
        status = fn(self._handle, *head, n, search_k, ids, dists, room, byref(count), None)
        if status != _lib.OK:
            # queries are pure reads: asking again, with an error object, fails the same way
            err = _lib.ErrorP()
            status = fn(self._handle, *head, n, search_k, ids, dists, room, byref(count), byref(err))
            e = _item_error(status, err)
            if status == _lib.E_STATE:  # not built: Annoy answers []
                return ([], []) if include_distances else []
            raise e
        m = count.value
        if include_distances:
            return ids[:m], dists[:m]
        return ids[:m]

    def get_item_vector(self, i, /):
        """Returns the vector of item `i` (a list of f floats; zeros for an id never added)."""
        i = _int32(i)
        if i < 0:
            raise make_error(AnnoyIndexError, "Item index can not be negative", _lib.E_UNKNOWN_ITEM)
        out = self._vector_type()
        lock = self._lock
        lock.acquire_read()
        try:
            if lib.annoy_get_item(self._handle, i, out, self._f, None) != _lib.OK:
                # a pure read: asking again, with an error object, gives the same failure
                err = _lib.ErrorP()
                raise _item_error(lib.annoy_get_item(self._handle, i, out, self._f, byref(err)), err)
        finally:
            lock.release_read()
        return out[:]

    def get_distance(self, i, j, /):
        """Returns the distance between items `i` and `j`."""
        i = _int32(i)
        j = _int32(j)
        if i < 0:
            raise make_error(AnnoyIndexError, "Item index can not be negative", _lib.E_UNKNOWN_ITEM)
        out = c_float()
        lock = self._lock
        lock.acquire_read()
        try:
            if j < 0:
                self._check_item(i, self._n_items())  # Annoy checks i first
                self._check_item(j, 0)
            if lib.annoy_distance(self._handle, i, j, byref(out), None) != _lib.OK:
                err = _lib.ErrorP()
                raise _item_error(lib.annoy_distance(self._handle, i, j, byref(out), byref(err)), err)
        finally:
            lock.release_read()
        return out.value

    def get_n_items(self):
        """Returns the number of items in the index (the largest id added plus one)."""
        with self._reading:
            return self._n_items()

    def get_n_trees(self):
        """Returns the number of trees in the index."""
        with self._reading:
            return self._n_trees()

    def verbose(self, v, /):
        """Annoy's switch for progress messages on stderr. Accepted; this library prints
        nothing."""
        self._verbose = bool(_int32(v))
        return True

    def set_seed(self, s, /):
        """Sets the seed of the random number generator used by the next `build` (an int32;
        negative values are sign-extended to 64 bits as in Annoy)."""
        s = _int32(s)
        with self._writing:
            self._set_seed_locked(s)

    # ---- numpy helpers (not in Annoy) ----

    def add_items(self, vectors, ids=None):
        """Adds the rows of `vectors` (an (n, f) array-like) as items `ids` (default: the
        next ids, from `get_n_items()` on). All rows are checked before any is added."""
        np = _numpy()
        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim != 2:
            raise make_error(
                AnnoyValueError, "vectors must be a 2-D array (n, f), got shape %r" % (x.shape,)
            )
        if x.shape[1] != self._f:
            raise _wrong_length(self._f, x.shape[1])
        x = np.ascontiguousarray(x)
        bad = np.flatnonzero(~np.isfinite(x).all(axis=1))
        if bad.size:
            raise make_error(AnnoyValueError, "row %d holds NaN or infinity" % bad[0])
        with self._writing:
            self._check_writable()
            if ids is None:
                start = self._n_items()
                id_arr = np.arange(start, start + x.shape[0], dtype=np.int64)
            else:
                id_arr = np.asarray(ids)
                if id_arr.ndim != 1 or id_arr.shape[0] != x.shape[0]:
                    raise make_error(
                        AnnoyValueError,
                        "ids must be a 1-D sequence of %d ids, got shape %r"
                        % (x.shape[0], id_arr.shape),
                    )
                if id_arr.size and id_arr.dtype.kind not in "iu":
                    raise TypeError("ids must be integers, got dtype %s" % id_arr.dtype)
                id_arr = id_arr.astype(np.int64)
            if id_arr.size:
                if id_arr.min() < 0:
                    raise make_error(AnnoyIndexError, "Item index can not be negative", _lib.E_UNKNOWN_ITEM)
                if id_arr.max() >= _INT32_MAX:
                    raise make_error(
                        AnnoyIndexError,
                        "Item index %d is too large (ids must be below %d)"
                        % (id_arr.max(), _INT32_MAX),
                        _lib.E_INVALID_ARGUMENT,
                    )
            base = x.ctypes.data
            stride = x.strides[0]
            for r, i in enumerate(id_arr.tolist()):
                call(lib.annoy_add, self._handle, i, base + r * stride, self._f)
                self._mark_added(i)

    def get_item_vectors(self, ids=None):
        """The vectors of items `ids` (default: all, 0..get_n_items()-1) as a float32 numpy
        array of shape (len(ids), f)."""
        np = _numpy()
        with self._reading:
            n_items = self._n_items()
            if ids is None:
                id_list = range(n_items)
            else:
                id_arr = np.asarray(ids)
                if id_arr.ndim != 1:
                    raise make_error(AnnoyValueError, "ids must be 1-D, got shape %r" % (id_arr.shape,))
                if id_arr.size and id_arr.dtype.kind not in "iu":
                    raise TypeError("ids must be integers, got dtype %s" % id_arr.dtype)
                id_list = id_arr.astype(np.int64).tolist()
                for i in id_list:
                    self._check_item(i, n_items)
            out = np.empty((len(id_list), self._f), dtype=np.float32)
            base = out.ctypes.data
            row = self._f * 4
            for r, i in enumerate(id_list):
                call(lib.annoy_get_item, self._handle, i, base + r * row, self._f)
        return out

    def get_nns_by_vectors(self, vectors, n, search_k=-1, include_distances=False, n_jobs=-1):
        """Batch `get_nns_by_vector`: the neighbours of every row of `vectors` ((q, f)
        array-like), answered on `n_jobs` threads (-1: one per core).

        Returns an int32 array of shape (q, m), m = min(n, get_n_items()) (all items for a
        negative n), each row nearest first and padded with -1 when fewer were found; with
        `include_distances`, also a float32 array of the distances, padded with NaN."""
        np = _numpy()
        n = _int32(n)
        search_k = _int32(search_k)
        include_distances = _int32(include_distances)
        n_jobs = _int32(n_jobs)
        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim != 2:
            raise make_error(
                AnnoyValueError, "vectors must be a 2-D array (q, f), got shape %r" % (x.shape,)
            )
        if x.shape[1] != self._f:
            raise _wrong_length(self._f, x.shape[1])
        x = np.ascontiguousarray(x)
        q = x.shape[0]
        with self._reading:
            n_items = self._n_items()
            m = min(n & (2**64 - 1), n_items)
            ids = np.full((q, m), -1, dtype=np.int32)
            dists = np.full((q, m), np.nan, dtype=np.float32) if include_distances else None
            if self._built and q and m:
                raw_ids = np.zeros((q, m), dtype=np.uint32)
                raw_dists = np.zeros((q, m), dtype=np.float32) if include_distances else None
                counts = np.zeros(q, dtype=np.uintp)
                opts, keep = self._options(n, search_k, None, None)
                call(
                    lib.annoy_query_batch_with_options, self._handle, byref(opts), x.ctypes.data,
                    q, self._f, n_jobs, raw_ids.ctypes.data,
                    raw_dists.ctypes.data if include_distances else None, m, counts.ctypes.data,
                )
                found = np.arange(m)[None, :] < counts[:, None].astype(np.int64)
                ids[found] = raw_ids[found]
                if include_distances:
                    dists[found] = raw_dists[found]
        return (ids, dists) if include_distances else ids

    # ---- bytes (Annoy's main branch has these; 1.17.3 does not) ----

    def serialize(self):
        """The index as bytes: exactly what `save` writes. The index must be built or loaded.
        An index built in memory is then served read-only from those bytes, as after `save`."""
        with self._writing:
            if not self._built:
                raise make_error(
                    AnnoyStateError, "Index cannot be serialized if it hasn't been built"
                )
            return self._index_bytes()

    def deserialize(self, bytes, prefault=False):
        """Loads an index from bytes made by `serialize` (or read from an .ann file).
        The index is then read-only, as after `load`."""
        if not isinstance(bytes, (type(b""), bytearray, memoryview)):
            raise TypeError("argument 1 must be bytes, not %s" % type(bytes).__name__)
        prefault = bool(_ubyte(prefault))
        with self._writing:
            self._load_bytes(bytes, prefault)
        return True

    def _load_bytes(self, data, prefault):
        # The library copies the bytes (either format), so no temporary file is needed;
        # `prefault` is moot for memory.
        data = bytes(data)
        call(lib.annoy_load_buffer, self._handle, data, len(data), override=AnnoyIOError)
        self._became_loaded(None)
        self._loaded_bytes = data

    def verify(self):
        """Checks the index: every checksum of a native file (any changed byte is found), the
        structure of an Annoy file (which has no checksums). Raises on damage."""
        with self._writing:
            call(lib.annoy_verify, self._handle)
        return True

    # ---- pickling ----

    def __reduce__(self):
        return (_unpickle, (type(self), self._f, self._metric, self._pickle_state()))

    def _pickle_state(self):
        state = {
            "version": 1,
            "seed": self._seed,
            "verbose": self._verbose,
            "dict": dict(getattr(self, "__dict__", {})),
        }
        with self._writing:
            if self._built:
                state["kind"] = "index"
                state["data"] = self._index_bytes()
            else:
                n_items = self._n_items()
                added = self._added
                if added is None:  # pragma: no cover - only loaded indexes lack it
                    added = bytearray(b"\x01" * n_items)
                ids = [i for i in range(min(n_items, len(added))) if added[i]]
                buf = (c_float * (len(ids) * self._f))()
                base = ctypes.addressof(buf)
                for r, i in enumerate(ids):
                    call(lib.annoy_get_item, self._handle, i, base + r * self._f * 4, self._f)
                state["kind"] = "items"
                state["n_items"] = n_items
                state["ids"] = array.array("i", ids).tobytes()
                state["vectors"] = bytes(buf)
                state["zero_trees"] = self._zero_trees
        return state

    def _index_bytes(self):
        """The bytes of the built or loaded index, as `save` would write them."""
        if self._on_disk and not self._loaded:
            with open(self._on_disk, "rb") as fh:  # complete after an on-disk build
                return fh.read()
        if self._loaded_bytes is not None:
            return self._loaded_bytes
        if self._loaded_file is not None:
            path, signature = self._loaded_file
            try:
                with open(path, "rb") as fh:
                    st = os.fstat(fh.fileno())
                    if (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) == signature:
                        return fh.read()
            except OSError:
                pass
        # No file holds the bytes: save to a temporary file. As with Annoy's save(), the
        # index then serves that (deleted) file read-only.
        tmpdir = tempfile.mkdtemp(prefix="annoy_rs_")
        tmp = os.path.join(tmpdir, "index.ann")
        try:
            call(lib.annoy_save, self._handle, os.fsencode(tmp), False, override=AnnoyIOError)
            self._became_loaded(tmp)
            self._loaded_file = None
            with open(tmp, "rb") as fh:
                return fh.read()
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def _restore(self, state):
        if state.get("version") != 1:
            raise ValueError("unknown annoy_rs pickle version %r" % (state.get("version"),))
        with self._writing:
            if state["kind"] == "index":
                self._load_bytes(state["data"], False)
            else:
                ids = array.array("i")
                ids.frombytes(state["ids"])
                vectors = (c_float * (len(ids) * self._f)).from_buffer_copy(state["vectors"])
                base = ctypes.addressof(vectors)
                for r, i in enumerate(ids):
                    call(lib.annoy_add, self._handle, i, base + r * self._f * 4, self._f)
                    self._mark_added(i)
                self._zero_trees = state.get("zero_trees", False)
            self._set_seed_locked(state["seed"])
            self._verbose = state["verbose"]
        if state.get("dict"):
            self.__dict__.update(state["dict"])


def _item_error(status, err):
    """The exception for a failed call on item ids (Annoy's message for an unknown id)."""
    e = _lib.error_from(status, err)
    if status == _lib.E_UNKNOWN_ITEM:
        e = make_error(AnnoyIndexError, "Item index larger than the largest item index", status)
    return e


def _unpickle(cls, f, metric, state):
    obj = AnnoyIndex.__new__(cls, f, metric)
    obj._restore(state)
    return obj


def _is_special_file(path):
    """True for an existing target that is not a regular file or a directory (a device such
    as /dev/full or /dev/null, a FIFO): save() writes into it instead of replacing it."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


_METRIC_NAMES = {number: name for name, number in METRICS.items()}


def open_index(fn, prefault=False):
    """``annoy_rs.open(fn, prefault=False)``: opens a native index file with no metric or
    dimension given; both come from the file, and the index serves it read-only (as after
    ``load``). ``prefault=True`` reads the whole file in now. An Annoy ``.ann`` file records
    neither and is refused (IOError): open it with ``AnnoyIndex(f, metric).load(fn)``."""
    path = _path(fn, 1)
    prefault = bool(_ubyte(prefault))
    handle = _lib.IndexP()
    call(lib.annoy_open, path, prefault, byref(handle), override=AnnoyIOError)
    try:
        dim = ctypes.c_size_t()
        number = ctypes.c_int32()
        call(lib.annoy_dim, handle.value, byref(dim))
        call(lib.annoy_metric, handle.value, byref(number))
        metric = _METRIC_NAMES[number.value]
    except BaseException:
        lib.annoy_free(handle.value)
        raise
    index = object.__new__(AnnoyIndex)
    index._init_from_handle(handle.value, dim.value, metric)
    index._became_loaded(path)
    return index
