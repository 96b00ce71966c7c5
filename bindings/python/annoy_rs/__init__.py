"""annoy_rs: a drop-in replacement for Spotify Annoy's Python module (1.17.3), over a Rust
reimplementation compiled into the extension module ``annoy_rs._annoy_rs``.

    from annoy_rs import AnnoyIndex   # instead of: from annoy import AnnoyIndex
"""

from . import _annoy_rs
from ._errors import (
    AnnoyError,
    AnnoyIndexError,
    AnnoyIOError,
    AnnoyPanicError,
    AnnoyStateError,
    AnnoyValueError,
)
from ._index import AnnoyIndex
from ._index import open_index as open  # noqa: A001 - annoy_rs.open, like io.open

__version__ = "0.1.0"

# The file of the compiled library (the extension module itself).
LIBRARY_PATH = _annoy_rs.__file__


def library_version():
    """The version of the annoy library compiled into the extension."""
    return _annoy_rs.version()


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
