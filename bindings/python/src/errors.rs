//! The package's exceptions (defined in `annoy_rs/_errors.py`, where several derive from two
//! built-in classes at once) raised from Rust, and the core's errors mapped onto them.

use annoy::{Error, Status};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// The exception classes of `annoy_rs._errors`.
#[derive(Clone, Copy)]
pub enum Class {
    Base,
    State,
    Io,
    Index,
    Value,
    Panic,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Base => "AnnoyError",
            Class::State => "AnnoyStateError",
            Class::Io => "AnnoyIOError",
            Class::Index => "AnnoyIndexError",
            Class::Value => "AnnoyValueError",
            Class::Panic => "AnnoyPanicError",
        }
    }

    /// The class a core status is raised as.
    pub fn of_status(status: Status) -> Class {
        match status {
            Status::InvalidArgument | Status::NotFinite | Status::UnknownMetric => Class::Value,
            Status::Dimension | Status::UnknownItem => Class::Index,
            Status::State => Class::State,
            Status::Io | Status::Corrupt => Class::Io,
            Status::Panic => Class::Panic,
            _ => Class::Base,
        }
    }
}

static CLASSES: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn class(py: Python<'_>, class: Class) -> PyResult<Bound<'_, PyType>> {
    let module = CLASSES.get_or_try_init(py, || {
        PyModule::import(py, "annoy_rs._errors").map(|m| m.unbind())
    })?;
    Ok(module
        .bind(py)
        .getattr(class.name())?
        .cast_into::<PyType>()?)
}

/// The OS error number at the end of an `io::Error` message ("... (os error 2)").
fn errno_of(message: &str) -> Option<i32> {
    let tail = message.rfind("(os error ")?;
    message[tail + "(os error ".len()..]
        .trim_end_matches(')')
        .parse()
        .ok()
}

/// An exception of `class` with `message`; `status` is the C status code it carries
/// (`None`: detected by the binding itself, as the package has always reported it).
pub fn raise(py: Python<'_>, which: Class, message: &str, status: Option<Status>) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let e = class(py, which)?.call1((message,))?;
        e.setattr("status", status.map(Status::code))?;
        if matches!(which, Class::Io) {
            e.setattr("errno", errno_of(message))?;
        }
        Ok(PyErr::from_value(e))
    })();
    made.unwrap_or_else(|e| e)
}

/// A core error as its class, or as `over` (a call whose every failure is an `OSError` in
/// Annoy); a panic stays an `AnnoyPanicError`.
pub fn core_error(py: Python<'_>, e: &Error, over: Option<Class>) -> PyErr {
    let status = e.status();
    let which = match over {
        Some(c) if status != Status::Panic => c,
        _ => Class::of_status(status),
    };
    raise(py, which, &e.to_string(), Some(status))
}

/// A failure of a call into the core: its error, or a panic caught before it left Rust.
pub enum Failure {
    Core(Error),
    Panic(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

impl Failure {
    pub fn into_py(self, py: Python<'_>, over: Option<Class>) -> PyErr {
        match self {
            Failure::Core(e) => core_error(py, &e, over),
            Failure::Panic(m) => raise(py, Class::Panic, &m, Some(Status::Panic)),
        }
    }
}

/// Runs `body`, turning a panic into [`Failure::Panic`]: a bug in the library becomes an
/// `AnnoyPanicError`, never pyo3's `PanicException` (a `BaseException`).
pub fn shielded<T>(body: impl FnOnce() -> Result<T, Error>) -> Result<T, Failure> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(result) => result.map_err(Failure::Core),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Failure::Panic(format!(
                "panic in the annoy library: {what}"
            )))
        }
    }
}

/// `TypeError` with a message.
pub fn type_error(message: impl Into<String>) -> PyErr {
    PyTypeError::new_err(message.into())
}
