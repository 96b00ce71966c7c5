//! Arguments read as Annoy 1.17.3 reads them (CPython's `PyArg_ParseTuple` formats), with the
//! same exception types and messages.

use crate::errors::{raise, type_error, Class};
use annoy::Status;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};
use std::path::PathBuf;

/// Format "i": an `int` (or an object with `__index__`) in the C `int` range.
pub fn int32(x: &Bound<'_, PyAny>) -> PyResult<i32> {
    if x.is_exact_instance_of::<PyInt>() {
        let mut overflow = 0;
        // SAFETY: the GIL is held and `x` is an int, for which PyLong_AsLongAndOverflow
        // reports overflow in `overflow` and raises nothing.
        let v = unsafe { pyo3::ffi::PyLong_AsLongAndOverflow(x.as_ptr(), &mut overflow) };
        if overflow == 0 {
            if let Ok(v) = i32::try_from(v) {
                return Ok(v);
            }
        }
    }
    let v: i64 = match x.extract() {
        Ok(v) => v,
        Err(e) if e.is_instance_of::<PyOverflowError>(x.py()) => {
            // Beyond 64 bits: the sign tells which bound it passed.
            if x.lt(0)? {
                i64::MIN
            } else {
                i64::MAX
            }
        }
        Err(e) => return Err(e),
    };
    if v > i32::MAX as i64 {
        return Err(PyOverflowError::new_err(
            "signed integer is greater than maximum",
        ));
    }
    if v < i32::MIN as i64 {
        return Err(PyOverflowError::new_err(
            "signed integer is less than minimum",
        ));
    }
    Ok(v as i32)
}

/// `int32`, or `default` when the argument was left out.
pub fn int32_or(x: Option<&Bound<'_, PyAny>>, default: i32) -> PyResult<i32> {
    x.map_or(Ok(default), int32)
}

/// An item id as `add_item` and the queries take it: non-negative (Annoy's message), and
/// below `i32::MAX` (the core's id range).
pub fn item_id(py: Python<'_>, i: i32) -> PyResult<u32> {
    if i < 0 {
        return Err(raise(
            py,
            Class::Index,
            "Item index can not be negative",
            Some(Status::UnknownItem),
        ));
    }
    Ok(i as u32)
}

/// Annoy's message for a vector of the wrong length.
pub fn wrong_length(py: Python<'_>, f: usize, got: usize) -> PyErr {
    raise(
        py,
        Class::Index,
        &format!("Vector has wrong length (expected {f}, got {got})"),
        Some(Status::Dimension),
    )
}

/// A file name as bytes made by `os.fsencode` (str, bytes or os.PathLike; Annoy takes str
/// only), refused with an embedded NUL.
pub fn path_of(fn_: &Bound<'_, PyAny>, position: usize) -> PyResult<PathBuf> {
    let py = fn_.py();
    let is_path = fn_.is_instance_of::<PyString>()
        || fn_.is_instance_of::<PyBytes>()
        || fn_.hasattr("__fspath__")?;
    if !is_path {
        return Err(type_error(format!(
            "argument {position} must be str, not {}",
            fn_.get_type().name()?
        )));
    }
    let encoded = py.import("os")?.call_method1("fsencode", (fn_,))?;
    let bytes = encoded.cast::<PyBytes>()?.as_bytes();
    if bytes.contains(&0) {
        return Err(PyValueError::new_err("embedded null character"));
    }
    Ok(os_path(bytes))
}

#[cfg(unix)]
fn os_path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn os_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

static SYS_MODULES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// numpy, if the program has imported it (this module never imports it for a vector).
fn numpy_if_loaded(py: Python<'_>) -> PyResult<Option<Bound<'_, PyAny>>> {
    let modules = SYS_MODULES.get_or_try_init(py, || -> PyResult<_> {
        Ok(py
            .import("sys")?
            .getattr("modules")?
            .cast_into::<PyDict>()?
            .unbind())
    })?;
    modules.bind(py).get_item("numpy")
}

/// A vector argument as float32 values: a contiguous float32 numpy array is read in place,
/// anything else is converted.
pub enum Vector<'py> {
    Array(PyReadonlyArray1<'py, f32>),
    Values(Vec<f32>),
}

impl Vector<'_> {
    pub fn as_slice(&self) -> &[f32] {
        match self {
            Vector::Array(a) => a.as_slice().unwrap_or(&[]),
            Vector::Values(v) => v,
        }
    }
}

impl<'py> Vector<'py> {
    /// Annoy's conversion: anything with `len()` and `[int]` of numbers; the length must
    /// be `f`.
    pub fn read(v: &Bound<'py, PyAny>, f: usize) -> PyResult<Vector<'py>> {
        let py = v.py();
        if let Ok(list) = v.cast::<PyList>() {
            if list.len() != f {
                return Err(wrong_length(py, f, list.len()));
            }
            let mut out = Vec::with_capacity(f);
            for x in list.iter() {
                out.push(x.extract::<f64>()? as f32);
            }
            return Ok(Vector::Values(out));
        }
        if let Ok(tuple) = v.cast::<PyTuple>() {
            if tuple.len() != f {
                return Err(wrong_length(py, f, tuple.len()));
            }
            let mut out = Vec::with_capacity(f);
            for x in tuple.iter() {
                out.push(x.extract::<f64>()? as f32);
            }
            return Ok(Vector::Values(out));
        }
        if let Some(np) = numpy_if_loaded(py)? {
            if let Ok(array) = v.cast::<PyUntypedArray>() {
                if array.ndim() == 1 {
                    let len = array.shape()[0];
                    if len != f {
                        return Err(wrong_length(py, f, len));
                    }
                    if let Ok(a) = v.cast::<PyArray1<f32>>() {
                        if a.is_contiguous() {
                            if let Ok(ro) = a.try_readonly() {
                                return Ok(Vector::Array(ro));
                            }
                        }
                    }
                    let converted = np.call_method1("ascontiguousarray", (v, "float32"))?;
                    let a = converted.cast_into::<PyArray1<f32>>()?;
                    return Ok(Vector::Values(a.to_vec()?));
                }
            }
        }
        let n = v.len()?;
        if n != f {
            return Err(wrong_length(py, f, n));
        }
        let mut out = Vec::with_capacity(f);
        for z in 0..f {
            out.push(v.get_item(z)?.extract::<f64>()? as f32);
        }
        Ok(Vector::Values(out))
    }
}

/// A list of `values` as Python floats, built as Annoy builds it (`PyList_New`, then
/// `PyList_SetItem` of each `PyFloat_FromDouble`): the per-element wrapping of
/// `PyList::new` costs a quarter of `get_item_vector`.
pub fn float_list<'py>(py: Python<'py>, values: &[f32]) -> PyResult<Bound<'py, PyList>> {
    new_float_list(py, values.len(), |i| values[i])
}

/// A list of `len` floats, the `i`th `value(i)`.
pub fn new_float_list<'py>(
    py: Python<'py>,
    len: usize,
    value: impl Fn(usize) -> f32,
) -> PyResult<Bound<'py, PyList>> {
    new_list(py, len, |i| {
        // SAFETY: the GIL is held (`py`); PyFloat_FromDouble has no other precondition.
        unsafe { pyo3::ffi::PyFloat_FromDouble(f64::from(value(i))) }
    })
}

/// A list of `ids` as Python ints, as `float_list` builds it.
pub fn int_list<'py>(
    py: Python<'py>,
    ids: impl Fn(usize) -> u32,
    len: usize,
) -> PyResult<Bound<'py, PyList>> {
    new_list(py, len, |i| {
        // SAFETY: the GIL is held (`py`); PyLong_FromUnsignedLong has no other precondition.
        unsafe { pyo3::ffi::PyLong_FromUnsignedLong(ids(i).into()) }
    })
}

fn new_list<'py>(
    py: Python<'py>,
    len: usize,
    item: impl Fn(usize) -> *mut pyo3::ffi::PyObject,
) -> PyResult<Bound<'py, PyList>> {
    let n = pyo3::ffi::Py_ssize_t::try_from(len)
        .map_err(|_| PyOverflowError::new_err("too many results for a list"))?;
    // SAFETY: the GIL is held. PyList_New returns a new reference (or NULL with an exception
    // set), which `from_owned_ptr_or_err` takes over; its slots are NULL until set below.
    let list = unsafe { Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyList_New(n))? };
    for i in 0..len {
        let value = item(i);
        if value.is_null() {
            return Err(PyErr::fetch(py));
        }
        // SAFETY: `list` is a list of `len` slots and `i < len`; PyList_SetItem steals the
        // new reference `value` (and cannot fail for an index in range of a list).
        unsafe { pyo3::ffi::PyList_SetItem(list.as_ptr(), i as pyo3::ffi::Py_ssize_t, value) };
    }
    // SAFETY: `list` was created as a list just above.
    Ok(unsafe { list.cast_into_unchecked::<PyList>() })
}
