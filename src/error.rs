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
    /// An external (application) id that no item of the index has.
    UnknownExternalId(u64),
    /// A metric name or number that names no metric.
    UnknownMetric(String),
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

/// The stable number of each kind of failure: the C API exports these as `ANNOY_E_*` (and
/// `ANNOY_OK`), and every binding reports them. Numbers are never reused. `Null`,
/// `BufferTooSmall` and `Panic` arise only at the C boundary, never from the Rust API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Status {
    Ok = 0,
    Null = 1,
    InvalidArgument = 2,
    Dimension = 3,
    NotFinite = 4,
    UnknownItem = 5,
    State = 6,
    Io = 7,
    Corrupt = 8,
    BufferTooSmall = 9,
    UnknownMetric = 10,
    Panic = 11,
    Cancelled = 12,
}

impl Status {
    /// Every status, in the order of their numbers.
    pub const ALL: [Status; 13] = [
        Status::Ok,
        Status::Null,
        Status::InvalidArgument,
        Status::Dimension,
        Status::NotFinite,
        Status::UnknownItem,
        Status::State,
        Status::Io,
        Status::Corrupt,
        Status::BufferTooSmall,
        Status::UnknownMetric,
        Status::Panic,
        Status::Cancelled,
    ];

    /// The status's number (`ANNOY_E_*` in C).
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The status with number `code`, if there is one.
    pub fn from_code(code: i32) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| s.code() == code)
    }

    /// The C name without its `ANNOY_E_` (or `ANNOY_`) prefix: `"UNKNOWN_ITEM"`, `"OK"`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Null => "NULL",
            Status::InvalidArgument => "INVALID_ARGUMENT",
            Status::Dimension => "DIMENSION",
            Status::NotFinite => "NOT_FINITE",
            Status::UnknownItem => "UNKNOWN_ITEM",
            Status::State => "STATE",
            Status::Io => "IO",
            Status::Corrupt => "CORRUPT",
            Status::BufferTooSmall => "BUFFER_TOO_SMALL",
            Status::UnknownMetric => "UNKNOWN_METRIC",
            Status::Panic => "PANIC",
            Status::Cancelled => "CANCELLED",
        }
    }
}

impl Error {
    /// The status this error is reported with, in C and in every binding.
    pub fn status(&self) -> Status {
        match self {
            Error::Dimension { .. } => Status::Dimension,
            Error::NotFinite { .. } => Status::NotFinite,
            Error::InvalidArgument(_) => Status::InvalidArgument,
            Error::UnknownItem { .. } | Error::UnknownExternalId(_) => Status::UnknownItem,
            Error::UnknownMetric(_) => Status::UnknownMetric,
            Error::WrongState(_) => Status::State,
            Error::Io { .. } => Status::Io,
            Error::Corrupt(_) => Status::Corrupt,
            Error::Cancelled => Status::Cancelled,
        }
    }

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
            Error::UnknownExternalId(id) => write!(f, "no item has external id {id}"),
            Error::UnknownMetric(msg) => write!(f, "unknown metric: {msg}"),
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
