"""annoy_rs: a drop-in replacement for Spotify Annoy's Python module (1.17.3), over the
Rust reimplementation's C library.

    from annoy_rs import AnnoyIndex   # instead of: from annoy import AnnoyIndex
"""

from ._lib import (
    LIBRARY_PATH,
    AnnoyError,
    AnnoyIndexError,
    AnnoyIOError,
    AnnoyPanicError,
    AnnoyStateError,
    AnnoyValueError,
    library_version,
)
from ._index import AnnoyIndex
from ._index import open_index as open  # noqa: A001 - annoy_rs.open, like io.open

__version__ = "0.1.0"

for _cls in (AnnoyIndex, AnnoyError, AnnoyIndexError, AnnoyIOError, AnnoyPanicError,
             AnnoyStateError, AnnoyValueError):
    _cls.__module__ = __name__
del _cls

# Annoy's module also exposes the class as `Annoy` (annoy.annoylib.Annoy).
Annoy = AnnoyIndex

__all__ = [
    "AnnoyIndex",
    "Annoy",
    "open",
    "AnnoyError",
    "AnnoyIndexError",
    "AnnoyIOError",
    "AnnoyPanicError",
    "AnnoyStateError",
    "AnnoyValueError",
    "LIBRARY_PATH",
    "library_version",
]
