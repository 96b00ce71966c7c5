"""ctypes declarations for the annoy C API (include/annoy.h) and the error mapping.

The shared library is found, in order:

1. the path in the environment variable ``ANNOY_LIBRARY``;
2. ``libannoy.so`` bundled inside this package directory (what a wheel ships);
3. ``target/release/libannoy.so`` of the source checkout this package sits in
   (``bindings/python/annoy_rs`` → ``../../../target/release``).

ctypes releases the GIL around every call into a ``CDLL``, so queries and builds run
in parallel with other Python threads.
"""

import ctypes
import os
import sys
from ctypes import (
    POINTER,
    Structure,
    c_bool,
    c_char_p,
    c_double,
    c_float,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)

__all__ = [
    "lib",
    "LIBRARY_PATH",
    "AnnoyError",
    "AnnoyStateError",
    "AnnoyIOError",
    "AnnoyIndexError",
    "AnnoyValueError",
    "AnnoyPanicError",
]

# ---- status codes (annoy_status) ----
OK = 0
E_NULL = 1
E_INVALID_ARGUMENT = 2
E_DIMENSION = 3
E_NOT_FINITE = 4
E_UNKNOWN_ITEM = 5
E_STATE = 6
E_IO = 7
E_CORRUPT = 8
E_BUFFER_TOO_SMALL = 9
E_UNKNOWN_METRIC = 10
E_PANIC = 11
E_CANCELLED = 12

METRICS = {"angular": 0, "euclidean": 1, "manhattan": 2, "dot": 3, "hamming": 4}
SEARCH_K_DEFAULT = -1
SEARCH_K_UNLIMITED = -2  # so is every negative search_k but -1, as in Annoy
DEFAULT_SEED = 1234567890987654321  # Annoy's Kiss64Random default seed


def _library_file_name():
    if sys.platform == "darwin":
        return "libannoy.dylib"
    if sys.platform.startswith("win"):
        return "annoy.dll"
    return "libannoy.so"


def find_library():
    """The path of the shared library this package will load (see the module doc)."""
    env = os.environ.get("ANNOY_LIBRARY")
    if env:
        if not os.path.isfile(env):
            raise ImportError("ANNOY_LIBRARY=%r: no such file" % env)
        return os.path.abspath(env)
    here = os.path.dirname(os.path.abspath(__file__))
    name = _library_file_name()
    candidates = [
        os.path.join(here, name),
        os.path.normpath(os.path.join(here, "..", "..", "..", "target", "release", name)),
    ]
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise ImportError(
        "annoy_rs cannot find the annoy shared library; looked at: %s. Set ANNOY_LIBRARY to "
        "its path, install a wheel that bundles it, or run `cargo build --release --lib` in "
        "the source checkout." % ", ".join(candidates)
    )


class _Error(Structure):
    """Opaque `annoy_error`."""


IndexP = c_void_p  # annoy_index *: handles are kept as plain addresses (fastest to pass)
ErrorP = POINTER(_Error)
ErrorPP = POINTER(ErrorP)
FloatP = c_void_p  # float buffers are passed as addresses or ctypes arrays
U32P = c_void_p
SizeP = c_void_p

LIBRARY_PATH = find_library()
lib = ctypes.CDLL(LIBRARY_PATH)


def _declare(name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)


_declare("annoy_version", c_char_p)

# The library versions this package works with, by the ABI rule of the README ("ABI
# policy"): the same major version and, within it, at least the minor version it was written
# for (a minor release only adds; through 0.x too, whose SONAME is libannoy.so.0).
LIBRARY_MAJOR = 0
LIBRARY_MIN_MINOR = 1


def _check_library_version():
    text = lib.annoy_version().decode("utf-8", "replace")
    parts = text.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise ImportError("%s reports an unreadable version %r" % (LIBRARY_PATH, text))
    if major != LIBRARY_MAJOR or minor < LIBRARY_MIN_MINOR:
        raise ImportError(
            "%s is libannoy %s, but annoy_rs needs libannoy %d.%d or a later %d.x; install a "
            "matching library or point ANNOY_LIBRARY at one"
            % (LIBRARY_PATH, text, LIBRARY_MAJOR, LIBRARY_MIN_MINOR, LIBRARY_MAJOR)
        )


_check_library_version()
_declare("annoy_new", c_int, c_int32, c_size_t, POINTER(IndexP), ErrorPP)
_declare("annoy_free", None, IndexP)
_declare("annoy_set_seed", c_int, IndexP, c_uint64, ErrorPP)
_declare("annoy_set_dot_layout", c_int, IndexP, c_int32, ErrorPP)
_declare("annoy_add", c_int, IndexP, c_uint32, FloatP, c_size_t, ErrorPP)
_declare("annoy_on_disk_build", c_int, IndexP, c_char_p, ErrorPP)
_declare("annoy_build", c_int, IndexP, c_int32, c_int32, ErrorPP)
# int32_t (*)(size_t trees_done, size_t trees_wanted, void *user_data): non-zero cancels
PROGRESS_FN = ctypes.CFUNCTYPE(c_int32, c_size_t, c_size_t, c_void_p)
_declare(
    "annoy_build_with_progress", c_int, IndexP, c_int32, c_int32, PROGRESS_FN, c_void_p, ErrorPP
)
_declare("annoy_unbuild", c_int, IndexP, ErrorPP)
_declare("annoy_save", c_int, IndexP, c_char_p, c_bool, ErrorPP)
_declare("annoy_load", c_int, IndexP, c_char_p, c_bool, ErrorPP)
_declare("annoy_open", c_int, c_char_p, c_bool, POINTER(IndexP), ErrorPP)
_declare("annoy_unload", c_int, IndexP, ErrorPP)
_declare("annoy_load_buffer", c_int, IndexP, c_char_p, c_size_t, ErrorPP)
_declare("annoy_verify", c_int, IndexP, ErrorPP)
_declare(
    "annoy_query", c_int,
    IndexP, FloatP, c_size_t, c_size_t, c_int64, U32P, FloatP, c_size_t, SizeP, ErrorPP,
)
_declare(
    "annoy_query_by_item", c_int,
    IndexP, c_uint32, c_size_t, c_int64, U32P, FloatP, c_size_t, SizeP, ErrorPP,
)
_declare(
    "annoy_query_batch", c_int,
    IndexP, FloatP, c_size_t, c_size_t, c_size_t, c_int64, c_int32, U32P, FloatP, SizeP, ErrorPP,
)


class QueryOptions(ctypes.Structure):
    """annoy_query_options: fill with annoy_query_options_init(byref(o), sizeof(o))."""

    _fields_ = [
        ("size", c_size_t),
        ("n", c_size_t),
        ("search_k", c_int64),
        ("allow", c_void_p),
        ("allow_words", c_size_t),
        ("filter", c_void_p),
        ("filter_data", c_void_p),
    ]


FILTER_FN = ctypes.CFUNCTYPE(c_int32, c_uint32, c_void_p)
OptionsP = POINTER(QueryOptions)
_declare("annoy_query_options_init", c_int, OptionsP, c_size_t, ErrorPP)
_declare(
    "annoy_query_with_options", c_int,
    IndexP, c_void_p, OptionsP, FloatP, c_size_t, U32P, FloatP, c_size_t, SizeP, ErrorPP,
)
_declare(
    "annoy_query_by_item_with_options", c_int,
    IndexP, c_void_p, OptionsP, c_uint32, U32P, FloatP, c_size_t, SizeP, ErrorPP,
)
_declare(
    "annoy_query_batch_with_options", c_int,
    IndexP, OptionsP, FloatP, c_size_t, c_size_t, c_int32, U32P, FloatP, c_size_t, SizeP, ErrorPP,
)
_declare(
    "annoy_estimate_recall", c_int,
    IndexP, OptionsP, FloatP, c_size_t, c_size_t, c_uint64, POINTER(c_double), POINTER(c_double),
    ErrorPP,
)
_declare(
    "annoy_tune", c_int,
    IndexP, OptionsP, c_double, FloatP, c_size_t, c_size_t, c_uint64, POINTER(c_int64),
    POINTER(c_double), POINTER(c_double), ErrorPP,
)
_declare("annoy_get_item", c_int, IndexP, c_uint32, FloatP, c_size_t, ErrorPP)
_declare("annoy_distance", c_int, IndexP, c_uint32, c_uint32, POINTER(c_float), ErrorPP)
_declare("annoy_n_items", c_int, IndexP, POINTER(c_size_t), ErrorPP)
_declare("annoy_n_trees", c_int, IndexP, POINTER(c_size_t), ErrorPP)
_declare("annoy_dim", c_int, IndexP, POINTER(c_size_t), ErrorPP)
_declare("annoy_metric", c_int, IndexP, POINTER(c_int32), ErrorPP)
_declare("annoy_selftest_panic", c_int, ErrorPP)
_declare("annoy_status_str", c_char_p, c_int32)
_declare("annoy_error_status", c_int, ErrorP)
_declare("annoy_error_message", c_char_p, ErrorP)
_declare("annoy_error_free", None, ErrorP)


def library_version():
    """The version string of the loaded shared library (``annoy_version()``)."""
    return lib.annoy_version().decode()


# ---- errors ----

class AnnoyError(Exception):
    """Base class of every error this package raises. ``status`` is the C status code
    (``None`` when the error was detected in Python, before calling the library)."""

    status = None


class AnnoyStateError(AnnoyError):
    """The call does not fit the index's state (Annoy raises a plain ``Exception``)."""


class AnnoyIOError(AnnoyError, OSError):
    """A file could not be read, written or used as an index (Annoy: ``OSError``)."""


class AnnoyIndexError(AnnoyError, IndexError):
    """An item id out of range or a vector of the wrong length (Annoy: ``IndexError``)."""


class AnnoyValueError(AnnoyError, ValueError):
    """An argument Annoy accepts but this library refuses (NaN, n_trees < -1, …)."""


class AnnoyPanicError(AnnoyError, RuntimeError):
    """A bug inside the library was caught at its boundary."""


_CLASS_OF_STATUS = {
    E_INVALID_ARGUMENT: AnnoyValueError,
    E_DIMENSION: AnnoyIndexError,
    E_NOT_FINITE: AnnoyValueError,
    E_UNKNOWN_ITEM: AnnoyIndexError,
    E_STATE: AnnoyStateError,
    E_IO: AnnoyIOError,
    E_CORRUPT: AnnoyIOError,
    E_UNKNOWN_METRIC: AnnoyValueError,
    E_PANIC: AnnoyPanicError,
}


def make_error(cls, message, status=None):
    e = cls(message)
    e.status = status
    return e


def _errno_of(message):
    """The OS error number in a Rust io::Error message ("... (os error 2)"), or None."""
    tail = message.rfind("(os error ")
    if tail < 0:
        return None
    digits = message[tail + len("(os error "):].rstrip(")")
    return int(digits) if digits.isdigit() else None


def error_from(status, err, override=None):
    """Turns a failed call's status and error object into an exception (frees the object).
    ``override``: exception class to use instead of the default for this status (panics
    always raise AnnoyPanicError)."""
    if err:
        message = (lib.annoy_error_message(err) or b"").decode("utf-8", "replace")
        lib.annoy_error_free(err)
    else:
        message = (lib.annoy_status_str(status) or b"").decode()
    cls = _CLASS_OF_STATUS.get(status, AnnoyError)
    if override is not None and status != E_PANIC:
        cls = override
    e = make_error(cls, message, status)
    if isinstance(e, OSError):
        e.errno = _errno_of(message)
    return e


def call(fn, *args, override=None):
    """Calls ``fn(*args, &err)``; raises on failure."""
    err = ErrorP()
    status = fn(*args, ctypes.byref(err))
    if status != OK:
        raise error_from(status, err, override)


def call_status(fn, *args):
    """Calls ``fn(*args, &err)``; returns (status, exception or None)."""
    err = ErrorP()
    status = fn(*args, ctypes.byref(err))
    if status == OK:
        return OK, None
    return status, error_from(status, err)
