//! Status codes, error objects, and the boundary every exported call goes through.

use annoy_core::{Error, Status};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The result of every fallible call. `ANNOY_OK` is 0; the other codes are never reused.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum annoy_status {
    /// Success.
    ANNOY_OK = 0,
    /// A required pointer argument was NULL.
    ANNOY_E_NULL = 1,
    /// An argument is out of range (n_trees, n_threads, search_k, dimension, id too large…).
    ANNOY_E_INVALID_ARGUMENT = 2,
    /// A vector's length differs from the index dimension.
    ANNOY_E_DIMENSION = 3,
    /// A vector holds NaN or an infinity.
    ANNOY_E_NOT_FINITE = 4,
    /// An item id at or beyond the number of items.
    ANNOY_E_UNKNOWN_ITEM = 5,
    /// The call does not fit the index's state (add after build, query before build, …).
    ANNOY_E_STATE = 6,
    /// The operating system refused a file operation.
    ANNOY_E_IO = 7,
    /// The file is not a valid index for this metric and dimension.
    ANNOY_E_CORRUPT = 8,
    /// The output buffer is too small; the size needed is reported through the out count.
    ANNOY_E_BUFFER_TOO_SMALL = 9,
    /// The metric number is not one of the `ANNOY_METRIC_*` values.
    ANNOY_E_UNKNOWN_METRIC = 10,
    /// A bug inside the library was caught at the boundary; the index may be unusable.
    ANNOY_E_PANIC = 11,
    /// The caller's progress callback cancelled a build; the index is as it was before it.
    ANNOY_E_CANCELLED = 12,
}

use annoy_status::*;

impl annoy_status {
    fn text(self) -> &'static CStr {
        match self {
            ANNOY_OK => c"ok",
            ANNOY_E_NULL => c"a required pointer argument is NULL",
            ANNOY_E_INVALID_ARGUMENT => c"invalid argument",
            ANNOY_E_DIMENSION => c"vector length differs from the index dimension",
            ANNOY_E_NOT_FINITE => c"vector holds NaN or infinity",
            ANNOY_E_UNKNOWN_ITEM => c"unknown item id",
            ANNOY_E_STATE => c"call not allowed in the index's current state",
            ANNOY_E_IO => c"file input/output error",
            ANNOY_E_CORRUPT => c"invalid or corrupt index file",
            ANNOY_E_BUFFER_TOO_SMALL => c"output buffer too small",
            ANNOY_E_UNKNOWN_METRIC => c"unknown metric",
            ANNOY_E_PANIC => c"internal error (panic caught at the library boundary)",
            ANNOY_E_CANCELLED => c"cancelled by the caller",
        }
    }
}

/// An error's code and message. Created by the library, freed by the caller with
/// `annoy_error_free`.
pub struct AnnoyError {
    pub(crate) status: annoy_status,
    pub(crate) message: CString,
}

/// What an exported function's body fails with.
pub(crate) struct Failure(pub annoy_status, pub String);

impl From<Status> for annoy_status {
    fn from(s: Status) -> Self {
        match s {
            Status::Ok => ANNOY_OK,
            Status::Null => ANNOY_E_NULL,
            Status::InvalidArgument => ANNOY_E_INVALID_ARGUMENT,
            Status::Dimension => ANNOY_E_DIMENSION,
            Status::NotFinite => ANNOY_E_NOT_FINITE,
            Status::UnknownItem => ANNOY_E_UNKNOWN_ITEM,
            Status::State => ANNOY_E_STATE,
            Status::Io => ANNOY_E_IO,
            Status::Corrupt => ANNOY_E_CORRUPT,
            Status::BufferTooSmall => ANNOY_E_BUFFER_TOO_SMALL,
            Status::UnknownMetric => ANNOY_E_UNKNOWN_METRIC,
            Status::Panic => ANNOY_E_PANIC,
            Status::Cancelled => ANNOY_E_CANCELLED,
        }
    }
}

// The header's numbers are the core's: cbindgen needs literal discriminants above, so the
// build fails here if one of them drifts from `Status`.
const _: () = {
    let mut k = 0;
    while k < Status::ALL.len() {
        let s = Status::ALL[k];
        assert!(s as i32 == k as i32);
        k += 1;
    }
    assert!(ANNOY_OK as i32 == Status::Ok as i32);
    assert!(ANNOY_E_NULL as i32 == Status::Null as i32);
    assert!(ANNOY_E_INVALID_ARGUMENT as i32 == Status::InvalidArgument as i32);
    assert!(ANNOY_E_DIMENSION as i32 == Status::Dimension as i32);
    assert!(ANNOY_E_NOT_FINITE as i32 == Status::NotFinite as i32);
    assert!(ANNOY_E_UNKNOWN_ITEM as i32 == Status::UnknownItem as i32);
    assert!(ANNOY_E_STATE as i32 == Status::State as i32);
    assert!(ANNOY_E_IO as i32 == Status::Io as i32);
    assert!(ANNOY_E_CORRUPT as i32 == Status::Corrupt as i32);
    assert!(ANNOY_E_BUFFER_TOO_SMALL as i32 == Status::BufferTooSmall as i32);
    assert!(ANNOY_E_UNKNOWN_METRIC as i32 == Status::UnknownMetric as i32);
    assert!(ANNOY_E_PANIC as i32 == Status::Panic as i32);
    assert!(ANNOY_E_CANCELLED as i32 == Status::Cancelled as i32);
};

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure(e.status().into(), e.to_string())
    }
}

pub(crate) fn fail<T>(status: annoy_status, message: impl Into<String>) -> Result<T, Failure> {
    Err(Failure(status, message.into()))
}

/// Runs an exported function's body: catches panics, maps failures to a status code, and
/// stores an error object in `*err` when the caller asked for one.
pub(crate) fn boundary(
    err: *mut *mut AnnoyError,
    body: impl FnOnce() -> Result<(), Failure>,
) -> annoy_status {
    silence_panic_messages();
    let Failure(status, message) = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return ANNOY_OK,
        Ok(Err(failure)) => failure,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Failure(ANNOY_E_PANIC, format!("internal error: {what}"))
        }
    };
    if !err.is_null() {
        let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
        let boxed = Box::new(AnnoyError { status, message });
        // SAFETY: `err` is non-NULL and, per the header's contract, points to writable
        // storage for one `annoy_error *`.
        unsafe { *err = Box::into_raw(boxed) };
    }
    status
}

/// Rust's default panic hook prints to stderr; a library must not. Panics are reported
/// through `ANNOY_E_PANIC` instead. This copy of the standard library belongs to the shared
/// library alone, so the hook affects no one else.
fn silence_panic_messages() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

/// Returns a static, NUL-terminated description of a status code (never NULL; unknown codes
/// get "unknown status code").
#[no_mangle]
pub extern "C" fn annoy_status_str(status: i32) -> *const c_char {
    Status::from_code(status)
        .map_or(c"unknown status code", |s| annoy_status::from(s).text())
        .as_ptr()
}

/// The status code an error object carries (`ANNOY_E_NULL` for a NULL error).
#[no_mangle]
pub extern "C" fn annoy_error_status(error: *const AnnoyError) -> annoy_status {
    // SAFETY: a non-NULL `error` was created by this library and not yet freed (header
    // contract); we only read it.
    unsafe { error.as_ref() }.map_or(ANNOY_E_NULL, |e| e.status)
}

/// The error's message: NUL-terminated, owned by the error object, valid until
/// `annoy_error_free`. Never NULL (an empty string for a NULL error).
#[no_mangle]
pub extern "C" fn annoy_error_message(error: *const AnnoyError) -> *const c_char {
    // SAFETY: as in `annoy_error_status`.
    unsafe { error.as_ref() }.map_or(c"".as_ptr(), |e| e.message.as_ptr())
}

/// Frees an error object. NULL is a no-op.
#[no_mangle]
pub extern "C" fn annoy_error_free(error: *mut AnnoyError) {
    if !error.is_null() {
        // SAFETY: a non-NULL `error` came from `Box::into_raw` in `boundary` and the caller
        // gives up ownership here (header contract: free once).
        drop(unsafe { Box::from_raw(error) });
    }
}
