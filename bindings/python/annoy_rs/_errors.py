"""The exceptions annoy_rs raises. The extension module (``_annoy_rs``) raises them too: each
carries ``status``, the library's status code (``None`` when the binding itself found the
fault), and an ``AnnoyIOError`` the OS error number in ``errno`` when there is one."""

__all__ = [
    "AnnoyError",
    "AnnoyStateError",
    "AnnoyIOError",
    "AnnoyIndexError",
    "AnnoyValueError",
    "AnnoyPanicError",
    "make_error",
]

# ---- status codes (annoy_status in include/annoy.h) ----
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


class AnnoyError(Exception):
    """Base class of every error this package raises. ``status`` is the C status code
    (``None`` when the error was detected by the binding, before calling the library)."""

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


def make_error(cls, message, status=None):
    e = cls(message)
    e.status = status
    return e
