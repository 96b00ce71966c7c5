//! The library's one error type.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Everything that can go wrong, each with a message that says what was expected.
#[derive(Debug)]
pub enum Error {
    /// A vector's length does not match the index dimension.
    Dimension { expected: usize, got: usize },
    /// A vector holds NaN or an infinity.
    NotFinite { position: usize },
    /// An argument is out of its allowed range.
    InvalidArgument(String),
    /// An item id that is negative, too large, or beyond the items the index holds.
    UnknownItem { id: i64, n_items: usize },
    /// The call does not fit the index's state (add after build, query before build, …).
    WrongState(String),
    /// An operating-system error while reading or writing a file.
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// A file that is not a valid index for the given metric and dimension.
    Corrupt(String),
    /// The caller's progress callback stopped a build; the index is as it was before.
    Cancelled,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn state(msg: impl Into<String>) -> Self {
        Error::WrongState(msg.into())
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }

    pub(crate) fn corrupt(msg: impl Into<String>) -> Self {
        Error::Corrupt(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Dimension { expected, got } => {
                write!(f, "vector has {got} values, index dimension is {expected}")
            }
            Error::NotFinite { position } => {
                write!(f, "vector value at position {position} is NaN or infinite")
            }
            Error::InvalidArgument(msg) => write!(f, "invalid argument: {msg}"),
            Error::UnknownItem { id, n_items: 0 } => {
                write!(f, "item {id} does not exist (the index has no items)")
            }
            Error::UnknownItem { id, n_items } => write!(
                f,
                "item {id} does not exist (the index has {n_items} items, ids 0 to {})",
                n_items - 1
            ),
            Error::WrongState(msg) => f.write_str(msg),
            Error::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            Error::Corrupt(msg) => write!(f, "invalid index file: {msg}"),
            Error::Cancelled => write!(f, "the build was cancelled; the index is unbuilt"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
