"""`AnnoyIndex`: Annoy 1.17.3's Python class over the Rust library.

Every method takes the same arguments (positional and keyword names, defaults) and returns
the same types as `annoy.AnnoyIndex`, and raises the same exception types with Annoy's
messages where Annoy checks something itself (README.md lists the deliberate differences).

The calls made often (`add_item`, `get_nns_by_item`, `get_nns_by_vector`,
`get_item_vector`, `get_distance`, `get_n_items`, `get_n_trees`, `build`, `unbuild`) are
the extension's own methods (`_annoy_rs.Index`, the base class); this module adds the rest.
"""

import array
import operator
import os
import shutil
import stat
import tempfile
import warnings

from . import _annoy_rs
from ._errors import (
    E_DIMENSION,
    E_INVALID_ARGUMENT,
    E_STATE,
    E_UNKNOWN_ITEM,
    E_UNKNOWN_METRIC,
    AnnoyIndexError,
    AnnoyIOError,
    AnnoyStateError,
    AnnoyValueError,
    make_error,
)

__all__ = ["AnnoyIndex"]

_MISSING = object()
_INT32_MAX = 2**31 - 1
_INT32_MIN = -(2**31)
_U64_MASK = 2**64 - 1
METRICS = ("angular", "euclidean", "manhattan", "dot", "hamming")
DEFAULT_SEED = 1234567890987654321  # Annoy's Kiss64Random default seed
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
    return make_error(
        AnnoyIndexError, "Vector has wrong length (expected %d, got %d)" % (f, got), E_DIMENSION
    )


def _check_item(i, n_items):
    if i < 0:
        raise make_error(AnnoyIndexError, "Item index can not be negative", E_UNKNOWN_ITEM)
    if i >= n_items:
        raise make_error(AnnoyIndexError, "Item index larger than the largest item index")


def _is_special_file(path):
    """True for an existing target that is not a regular file or a directory (a device such
    as /dev/full or /dev/null, a FIFO): save() writes into it instead of replacing it."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


class AnnoyIndex(_annoy_rs.Index):
    """AnnoyIndex(f, metric='angular'): an index of `f`-dimensional vectors, compatible with
    ``annoy.AnnoyIndex`` (Annoy 1.17.3) and with its ``.ann`` files.

    ``metric`` is one of "angular", "euclidean", "manhattan", "hamming", "dot". Leaving it
    out gives "angular" with a FutureWarning, as Annoy does.

    Beyond Annoy: numpy in and out (``add_items``, ``get_item_vectors``,
    ``get_nns_by_vectors``), pickling, and use as a context manager (leaving the ``with``
    block unloads the index). Queries from many threads run in parallel (the GIL is released
    in the library).
    """

    __slots__ = ("_on_disk", "_loaded_file", "_loaded_bytes", "_seed", "_verbose", "__weakref__")

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
            raise make_error(AnnoyValueError, "No such metric", E_UNKNOWN_METRIC)
        if f <= 0:
            raise make_error(
                AnnoyValueError,
                "f (the vector dimension) must be positive, got %d" % f,
                E_INVALID_ARGUMENT,
            )
        self = super().__new__(cls, f, metric)
        self._reset_state()
        self._seed = DEFAULT_SEED
        self._verbose = False
        return self

    def __init__(self, f=_MISSING, metric=_MISSING):
        # Everything happened in __new__ (as in Annoy's tp_new/tp_init pair).
        pass

    def _reset_state(self):
        self._on_disk = None  # path given to on_disk_build
        self._loaded_file = None  # (path, stat signature) of the file served, if known
        self._loaded_bytes = None  # the bytes served, after deserialize

    def __repr__(self):
        return "<%s.%s f=%d metric=%r n_items=%d n_trees=%d>" % (
            type(self).__module__, type(self).__qualname__, self.f, self.metric,
            self.get_n_items(), self.get_n_trees(),
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.unload()
        return False

    # ---- helpers ----

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
        self._on_disk = None
        self._loaded_bytes = None
        self._remember_loaded_file(path)

    def _set_seed_locked(self, seed):
        self._set_seed(seed & _U64_MASK)
        self._seed = seed

    # ---- Annoy's API (the rest is the base class's) ----

    def save(self, fn, prefault=False):
        """Saves the index to disk and loads it (see `load`). After saving, no more items can
        be added."""
        path = _path(fn, 1)
        prefault = bool(_ubyte(prefault))
        if self._zero_trees:
            raise make_error(AnnoyIOError, "You can't save an index built with 0 trees", E_STATE)
        if not self._built:
            raise make_error(AnnoyIOError, "You can't save an index that hasn't been built", E_STATE)
        if _is_special_file(path):
            self._save_to_special_file(path, prefault)
        else:
            self._save(path, prefault)
            self._became_loaded(path)
        return True

    def _save_to_special_file(self, path, prefault):
        """save() to a device or FIFO (e.g. /dev/full): write the bytes into it as Annoy's
        fwrite would, rather than renaming a new file over it."""
        tmpdir = tempfile.mkdtemp(prefix="annoy_rs_")
        tmp = os.path.join(tmpdir, "index.ann")
        try:
            self._save(os.fsencode(tmp), prefault)
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
        self._load(path, prefault)
        self._became_loaded(path)
        return True

    def unload(self):
        """Unloads the index: frees its memory and file map; the index is then empty."""
        self._unload()
        self._reset_state()
        # Annoy's unload() resets the seed to the default (reinitialize()).
        self._seed = DEFAULT_SEED
        return True

    def on_disk_build(self, fn):
        """Prepares to build the index in the file `fn` rather than in memory (for indexes
        larger than RAM). Call it before adding items; after `build` the file is complete
        and needs no `save`."""
        path = _path(fn, 1)
        self._on_disk_build(path)
        self._on_disk = path
        return True

    def verbose(self, v, /):
        """Annoy's switch for progress messages on stderr. Accepted; this library prints
        nothing."""
        self._verbose = bool(_int32(v))
        return True

    def set_seed(self, s, /):
        """Sets the seed of the random number generator used by the next `build` (an int32;
        negative values are sign-extended to 64 bits as in Annoy)."""
        self._set_seed_locked(_int32(s))

    # ---- numpy helpers (not in Annoy) ----

    def add_items(self, vectors, ids=None):
        """Adds the rows of `vectors` (an (n, f) array-like) as items `ids` (default: the
        next ids, from `get_n_items()` on). All rows are checked before any is added."""
        np = _numpy()
        f = self.f
        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim != 2:
            raise make_error(
                AnnoyValueError, "vectors must be a 2-D array (n, f), got shape %r" % (x.shape,)
            )
        if x.shape[1] != f:
            raise _wrong_length(f, x.shape[1])
        x = np.ascontiguousarray(x)
        bad = np.flatnonzero(~np.isfinite(x).all(axis=1))
        if bad.size:
            raise make_error(AnnoyValueError, "row %d holds NaN or infinity" % bad[0])
        self._check_writable()
        if ids is None:
            start = self.get_n_items()
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
                raise make_error(AnnoyIndexError, "Item index can not be negative", E_UNKNOWN_ITEM)
            if id_arr.max() >= _INT32_MAX:
                raise make_error(
                    AnnoyIndexError,
                    "Item index %d is too large (ids must be below %d)"
                    % (id_arr.max(), _INT32_MAX),
                    E_INVALID_ARGUMENT,
                )
        self._add_rows(x, np.ascontiguousarray(id_arr))

    def get_item_vectors(self, ids=None):
        """The vectors of items `ids` (default: all, 0..get_n_items()-1) as a float32 numpy
        array of shape (len(ids), f)."""
        np = _numpy()
        n_items = self.get_n_items()
        if ids is None:
            id_arr = np.arange(n_items, dtype=np.int64)
        else:
            id_arr = np.asarray(ids)
            if id_arr.ndim != 1:
                raise make_error(AnnoyValueError, "ids must be 1-D, got shape %r" % (id_arr.shape,))
            if id_arr.size and id_arr.dtype.kind not in "iu":
                raise TypeError("ids must be integers, got dtype %s" % id_arr.dtype)
            id_arr = np.ascontiguousarray(id_arr.astype(np.int64))
            for i in id_arr.tolist():
                _check_item(i, n_items)
        return self._get_rows(id_arr)

    def get_nns_by_vectors(self, vectors, n, search_k=-1, include_distances=False, n_jobs=-1,
                           *, allow=None, filter=None, ef=-1):
        """Batch `get_nns_by_vector`: the neighbours of every row of `vectors` ((q, f)
        array-like), answered on `n_jobs` threads (-1: one per core). `allow`, `filter` and
        `ef` as in `get_nns_by_item`; with a `filter` callable the batch runs on the calling
        thread (the callable needs the GIL).

        Returns an int32 array of shape (q, m), m = min(n, get_n_items()) (all items for a
        negative n), each row nearest first and padded with -1 when fewer were found; with
        `include_distances`, also a float32 array of the distances, padded with NaN."""
        np = _numpy()
        n = _int32(n)
        search_k = _int32(search_k)
        include_distances = _int32(include_distances)
        n_jobs = _int32(n_jobs)
        f = self.f
        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim != 2:
            raise make_error(
                AnnoyValueError, "vectors must be a 2-D array (q, f), got shape %r" % (x.shape,)
            )
        if x.shape[1] != f:
            raise _wrong_length(f, x.shape[1])
        x = np.ascontiguousarray(x)
        q = x.shape[0]
        m = min(n & _U64_MASK, self.get_n_items())
        ids = np.full((q, m), -1, dtype=np.int32)
        dists = np.full((q, m), np.nan, dtype=np.float32) if include_distances else None
        if self._built and q and m:
            raw_ids, raw_dists, counts = self._query_batch(
                x, n, search_k, bool(include_distances), n_jobs, allow, filter, ef
            )
            width = min(m, raw_ids.shape[1])
            found = np.arange(width)[None, :] < counts[:, None].astype(np.int64)
            ids[:, :width][found] = raw_ids[found]
            if include_distances:
                dists[:, :width][found] = raw_dists[found]
        return (ids, dists) if include_distances else ids

    # ---- bytes (Annoy's main branch has these; 1.17.3 does not) ----

    def serialize(self):
        """The index as bytes: exactly what `save` writes. The index must be built or loaded.
        An index built in memory is then served read-only from those bytes, as after `save`."""
        if not self._built:
            raise make_error(AnnoyStateError, "Index cannot be serialized if it hasn't been built")
        return self._index_bytes()

    def deserialize(self, bytes, prefault=False):
        """Loads an index from bytes made by `serialize` (or read from an .ann file).
        The index is then read-only, as after `load`."""
        if not isinstance(bytes, (type(b""), bytearray, memoryview)):
            raise TypeError("argument 1 must be bytes, not %s" % type(bytes).__name__)
        _ubyte(prefault)
        self._load_from_bytes(bytes)
        return True

    def _load_from_bytes(self, data):
        # The library copies the bytes (either format), so no temporary file is needed;
        # `prefault` is moot for memory.
        data = type(b"")(data)
        self._load_bytes(data)
        self._became_loaded(None)
        self._loaded_bytes = data

    # ---- pickling ----

    def __reduce__(self):
        return (_unpickle, (type(self), self.f, self.metric, self._pickle_state()))

    def _pickle_state(self):
        state = {
            "version": 1,
            "seed": self._seed,
            "verbose": self._verbose,
            "dict": dict(getattr(self, "__dict__", {})),
        }
        if self._built:
            state["kind"] = "index"
            state["data"] = self._index_bytes()
        else:
            n_items = self.get_n_items()
            ids = self._added_ids()
            if ids is None:  # pragma: no cover - only loaded indexes lack it
                ids = list(range(n_items))
            vectors = array.array("f")
            for i in ids:
                vectors.extend(self.get_item_vector(i))
            state["kind"] = "items"
            state["n_items"] = n_items
            state["ids"] = array.array("i", ids).tobytes()
            state["vectors"] = vectors.tobytes()
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
            self._save(os.fsencode(tmp), False)
            self._became_loaded(tmp)
            self._loaded_file = None
            with open(tmp, "rb") as fh:
                return fh.read()
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def _restore(self, state):
        if state.get("version") != 1:
            raise ValueError("unknown annoy_rs pickle version %r" % (state.get("version"),))
        if state["kind"] == "index":
            self._load_from_bytes(state["data"])
        else:
            ids = array.array("i")
            ids.frombytes(state["ids"])
            vectors = array.array("f")
            vectors.frombytes(state["vectors"])
            f = self.f
            for r, i in enumerate(ids):
                self.add_item(i, vectors[r * f:(r + 1) * f])
            self._zero_trees = state.get("zero_trees", False)
        self._set_seed_locked(state["seed"])
        self._verbose = state["verbose"]
        if state.get("dict"):
            self.__dict__.update(state["dict"])


def _unpickle(cls, f, metric, state):
    obj = AnnoyIndex.__new__(cls, f, metric)
    obj._restore(state)
    return obj


def open_index(fn, prefault=False):
    """``annoy_rs.open(fn, prefault=False)``: opens a native index file with no metric or
    dimension given; both come from the file, and the index serves it read-only (as after
    ``load``). ``prefault=True`` reads the whole file in now. An Annoy ``.ann`` file records
    neither and is refused (IOError): open it with ``AnnoyIndex(f, metric).load(fn)``."""
    path = _path(fn, 1)
    prefault = bool(_ubyte(prefault))
    opened = _annoy_rs._open_file(path, prefault)
    index = AnnoyIndex.__new__(AnnoyIndex, opened.dim, opened.metric)
    index._adopt(opened)
    index._became_loaded(path)
    return index
