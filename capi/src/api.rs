//! The exported functions. Thread safety: functions taking `const annoy_index *` may run
//! concurrently with each other on the same index; functions taking `annoy_index *` need
//! exclusive access to it.

use super::status::{annoy_status, boundary, fail, AnnoyError, Failure};
use annoy_core::{BuildProgress, DotLayout, Error, Index, Metric, State};
use annoy_status::*;
use std::ffi::{c_char, c_void, CStr};
use std::ops::ControlFlow;
use std::path::Path;

/// Version of the library these declarations belong to. The ABI rule (README, "ABI
/// policy"): within a major version, and through all of 0.x, a release only adds; a program
/// built against 0.N runs on any later 0.x (SONAME `libannoy.so.0`).
pub const ANNOY_VERSION_MAJOR: u32 = 0;
pub const ANNOY_VERSION_MINOR: u32 = 1;
pub const ANNOY_VERSION_PATCH: u32 = 0;
/// The version as one number, MAJOR * 1000000 + MINOR * 1000 + PATCH, for `#if` tests.
pub const ANNOY_VERSION_NUMBER: u32 = 1000;

/// Metric numbers for `annoy_new`.
pub const ANNOY_METRIC_ANGULAR: i32 = 0;
pub const ANNOY_METRIC_EUCLIDEAN: i32 = 1;
pub const ANNOY_METRIC_MANHATTAN: i32 = 2;
pub const ANNOY_METRIC_DOT: i32 = 3;
pub const ANNOY_METRIC_HAMMING: i32 = 4;

/// Dot-metric file layouts for `annoy_set_dot_layout`: Annoy 1.17.3 (PyPI, the default when
/// writing) and Annoy's main branch.
pub const ANNOY_DOT_LAYOUT_ANNOY_1_17: i32 = 0;
pub const ANNOY_DOT_LAYOUT_ANNOY_MAIN: i32 = 1;

/// Index states for `annoy_state`: taking items (also when empty), built (queries and
/// save; `annoy_unbuild` to add more), serving a loaded file read-only (after `annoy_load`
/// or `annoy_save`).
pub const ANNOY_STATE_ADDING: i32 = 0;
pub const ANNOY_STATE_BUILT: i32 = 1;
pub const ANNOY_STATE_LOADED: i32 = 2;

/// An index handle. Create with `annoy_new`, destroy with `annoy_free`.
pub struct AnnoyIndex(pub(crate) Index);

// ---- argument checking ----

pub(crate) fn index_ref<'a>(index: *const AnnoyIndex) -> Result<&'a Index, Failure> {
    // SAFETY: a non-NULL handle came from `annoy_new` and is not freed (header contract);
    // shared access is allowed for the `const` functions that call this.
    match unsafe { index.as_ref() } {
        Some(h) => Ok(&h.0),
        None => fail(ANNOY_E_NULL, "index is NULL"),
    }
}

pub(crate) fn index_mut<'a>(index: *mut AnnoyIndex) -> Result<&'a mut Index, Failure> {
    // SAFETY: as in `index_ref`; the header requires exclusive access for non-const calls.
    match unsafe { index.as_mut() } {
        Some(h) => Ok(&mut h.0),
        None => fail(ANNOY_E_NULL, "index is NULL"),
    }
}

pub(crate) fn out<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: a non-NULL out-pointer points to writable storage for one T (header contract).
    match unsafe { ptr.as_mut() } {
        Some(r) => Ok(r),
        None => fail(ANNOY_E_NULL, format!("{what} is NULL")),
    }
}

/// A `(pointer, length)` pair; the pointer may be NULL only when the length is 0.
pub(crate) fn input<'a, T>(ptr: *const T, len: usize, what: &str) -> Result<&'a [T], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return fail(ANNOY_E_NULL, format!("{what} is NULL"));
    }
    fits_in_memory::<T>(len, what)?;
    // SAFETY: non-NULL and, per the header, valid for `len` reads of T; `len` elements fit
    // in isize::MAX bytes (checked above), as from_raw_parts requires.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

pub(crate) fn output<'a, T>(ptr: *mut T, len: usize, what: &str) -> Result<&'a mut [T], Failure> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return fail(ANNOY_E_NULL, format!("{what} is NULL"));
    }
    fits_in_memory::<T>(len, what)?;
    // SAFETY: non-NULL and, per the header, valid for `len` writes of T, not aliased; `len`
    // elements fit in isize::MAX bytes (checked above), as from_raw_parts_mut requires.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// No buffer holds more than `isize::MAX` bytes; a larger length is a caller's error (and
/// offsets into such a "buffer" wrap around the address space).
pub(crate) fn fits_in_memory<T>(len: usize, what: &str) -> Result<(), Failure> {
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return fail(
            ANNOY_E_INVALID_ARGUMENT,
            format!("{what}: {len} entries are more than any buffer can hold"),
        );
    }
    Ok(())
}

pub(crate) fn c_path<'a>(path: *const c_char) -> Result<&'a Path, Failure> {
    if path.is_null() {
        return fail(ANNOY_E_NULL, "path is NULL");
    }
    // SAFETY: non-NULL and NUL-terminated (header contract).
    let bytes = unsafe { CStr::from_ptr(path) }.to_bytes();
    path_from_bytes(bytes)
}

/// Unix paths are bytes, passed to the OS as they are.
#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> Result<&Path, Failure> {
    Ok(Path::new(
        <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes),
    ))
}

/// Elsewhere (Windows) paths are UTF-8, which std turns into the OS's wide strings.
#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> Result<&Path, Failure> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Path::new(text)),
        Err(e) => fail(
            ANNOY_E_INVALID_ARGUMENT,
            format!("path is not UTF-8 (byte {} is invalid)", e.valid_up_to()),
        ),
    }
}

fn metric(number: i32) -> Result<Metric, Failure> {
    let metric = match number {
        ANNOY_METRIC_ANGULAR => Metric::Angular,
        ANNOY_METRIC_EUCLIDEAN => Metric::Euclidean,
        ANNOY_METRIC_MANHATTAN => Metric::Manhattan,
        ANNOY_METRIC_DOT => Metric::Dot,
        ANNOY_METRIC_HAMMING => Metric::Hamming,
        _ => return Err(Error::UnknownMetric(format!("number {number}")).into()),
    };
    Ok(metric)
}

pub(crate) fn metric_number(metric: Metric) -> i32 {
    match metric {
        Metric::Angular => ANNOY_METRIC_ANGULAR,
        Metric::Euclidean => ANNOY_METRIC_EUCLIDEAN,
        Metric::Manhattan => ANNOY_METRIC_MANHATTAN,
        Metric::Dot => ANNOY_METRIC_DOT,
        Metric::Hamming => ANNOY_METRIC_HAMMING,
    }
}

// ---- version ----

/// The library version as "MAJOR.MINOR.PATCH"; static, never NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The library's version as `ANNOY_VERSION_NUMBER` computes it, to compare with the header a
/// program was compiled against. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_version_number() -> u32 {
    VERSION_NUMBER
}

/// MAJOR * 1000000 + MINOR * 1000 + PATCH, from the crate's version.
const VERSION_NUMBER: u32 = {
    const fn number(text: &str) -> u32 {
        let bytes = text.as_bytes();
        let mut value = 0;
        let mut i = 0;
        while i < bytes.len() {
            value = value * 10 + (bytes[i] - b'0') as u32;
            i += 1;
        }
        value
    }
    number(env!("CARGO_PKG_VERSION_MAJOR")) * 1_000_000
        + number(env!("CARGO_PKG_VERSION_MINOR")) * 1000
        + number(env!("CARGO_PKG_VERSION_PATCH"))
};

// The header's constants are literals (cbindgen writes them as they are): they must be the
// crate's version.
const _: () = assert!(
    ANNOY_VERSION_NUMBER == VERSION_NUMBER
        && ANNOY_VERSION_NUMBER
            == ANNOY_VERSION_MAJOR * 1_000_000 + ANNOY_VERSION_MINOR * 1000 + ANNOY_VERSION_PATCH
);

// ---- life cycle ----

/// Creates an empty index of `dim`-dimensional vectors (for hamming, `dim` counts bits).
/// On success `*out` receives a handle the caller owns and frees with `annoy_free`.
/// Errors: `ANNOY_E_NULL` (`out_index`), `ANNOY_E_UNKNOWN_METRIC`, `ANNOY_E_INVALID_ARGUMENT`
/// (`dim` 0 or above 2^20, or an `ANNOY_KERNELS` set this CPU cannot run); `*out_index` is
/// unchanged on failure. Thread-safe (no index is shared).
#[no_mangle]
pub extern "C" fn annoy_new(
    metric_number: i32,
    dim: usize,
    out_index: *mut *mut AnnoyIndex,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let slot = out(out_index, "out_index")?;
        let index = Index::new(dim, metric(metric_number)?)?;
        *slot = Box::into_raw(Box::new(AnnoyIndex(index)));
        Ok(())
    })
}

/// Frees an index, unmapping its file if loaded. NULL is a no-op; never fails. Needs
/// exclusive access (no call may be running on the index).
#[no_mangle]
pub extern "C" fn annoy_free(index: *mut AnnoyIndex) {
    if !index.is_null() {
        boundary(std::ptr::null_mut(), || {
            // SAFETY: a non-NULL handle came from `Box::into_raw` in `annoy_new`; the caller
            // gives up ownership here and frees it once (header contract).
            drop(unsafe { Box::from_raw(index) });
            Ok(())
        });
    }
}

/// Seeds the next build (tree t draws from a generator seeded from seed and t). Errors:
/// `ANNOY_E_NULL` only. Exclusive access.
#[no_mangle]
pub extern "C" fn annoy_set_seed(
    index: *mut AnnoyIndex,
    seed: u64,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        index_mut(index)?.set_seed(seed);
        Ok(())
    })
}

/// Dot metric only, before anything is added or loaded: fixes the file layout
/// (`ANNOY_DOT_LAYOUT_*`) instead of writing 1.17.3's and detecting it on load. Errors:
/// `ANNOY_E_NULL`, `ANNOY_E_INVALID_ARGUMENT` (unknown layout, or not the dot metric),
/// `ANNOY_E_STATE` (items added or a file loaded); the index is unchanged on failure.
/// Exclusive access.
#[no_mangle]
pub extern "C" fn annoy_set_dot_layout(
    index: *mut AnnoyIndex,
    layout: i32,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_mut(index)?;
        let layout = match layout {
            ANNOY_DOT_LAYOUT_ANNOY_1_17 => DotLayout::Annoy117,
            ANNOY_DOT_LAYOUT_ANNOY_MAIN => DotLayout::AnnoyMain,
            n => {
                return fail(
                    ANNOY_E_INVALID_ARGUMENT,
                    format!("unknown dot layout number {n}"),
                )
            }
        };
        Ok(index.set_dot_layout(layout)?)
    })
}

/// Copies `vector` (`len` floats, `len` = dimension) in as item `id`. Ids may leave holes;
/// re-adding an id replaces it. Not after build (unbuild first) or on a loaded index.
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_DIMENSION`, `ANNOY_E_NOT_FINITE` (NaN or infinity),
/// `ANNOY_E_STATE` (built or loaded), `ANNOY_E_INVALID_ARGUMENT` (an id too large),
/// `ANNOY_E_IO` (growing an on-disk build's file); the index is unchanged on failure.
/// Exclusive access.
#[no_mangle]
pub extern "C" fn annoy_add(
    index: *mut AnnoyIndex,
    id: u32,
    vector: *const f32,
    len: usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_mut(index)?;
        Ok(index.add_item(id, input(vector, len, "vector")?)?)
    })
}

/// Builds the index in the file at `path` (created or truncated) instead of in memory.
/// Call on an empty index, before `annoy_add`. Errors: `ANNOY_E_NULL`, `ANNOY_E_STATE` (not
/// empty), `ANNOY_E_IO` (the file cannot be created), `ANNOY_E_INVALID_ARGUMENT` (a path
/// that is not UTF-8, on Windows); the index is unchanged on failure. Exclusive access.
#[no_mangle]
pub extern "C" fn annoy_on_disk_build(
    index: *mut AnnoyIndex,
    path: *const c_char,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_mut(index)?;
        Ok(index.on_disk_build(c_path(path)?)?)
    })
}

/// Builds `n_trees` trees (-1: automatic count) on `n_threads` threads (-1: one per core).
/// The resulting file is the same for every thread count. Errors: `ANNOY_E_NULL`,
/// `ANNOY_E_STATE` (already built, or loaded), `ANNOY_E_INVALID_ARGUMENT` (`n_trees` or
/// `n_threads` 0 or below -1, or more nodes than 32-bit node ids reach), `ANNOY_E_IO` (an
/// on-disk build's file). On failure the index holds its items, unbuilt, and can be built
/// again. Exclusive access.
#[no_mangle]
pub extern "C" fn annoy_build(
    index: *mut AnnoyIndex,
    n_trees: i32,
    n_threads: i32,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || Ok(index_mut(index)?.build(n_trees, n_threads)?))
}

/// A build's progress callback: `trees_done` of `trees_wanted` (0: the automatic count,
/// not known in advance). Return 0 to go on, anything else to cancel the build.
#[allow(non_camel_case_types)]
pub type annoy_progress_fn = Option<
    unsafe extern "C" fn(trees_done: usize, trees_wanted: usize, user_data: *mut c_void) -> i32,
>;

/// `annoy_build`, calling `progress(trees_done, trees_wanted, user_data)` on the calling
/// thread (never on a build thread): at each finished tree and at least every 20 ms in
/// between. A non-zero return cancels: the build stops within a node split or a block of
/// margins and returns `ANNOY_E_CANCELLED`, with the index as it was before the call
/// (unbuilt, its items intact, buildable again) and nothing leaked. `progress` may be NULL
/// (then this is `annoy_build`). Errors: as `annoy_build`, plus `ANNOY_E_CANCELLED`.
/// Exclusive access; the callback must not call into the library on this index.
#[no_mangle]
pub extern "C" fn annoy_build_with_progress(
    index: *mut AnnoyIndex,
    n_trees: i32,
    n_threads: i32,
    progress: annoy_progress_fn,
    user_data: *mut c_void,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_mut(index)?;
        let mut report = |p: BuildProgress| {
            let Some(f) = progress else {
                return ControlFlow::Continue(());
            };
            // SAFETY: the caller's function, called as the header describes it, on the
            // calling thread, with the caller's own `user_data`.
            match unsafe { f(p.trees_done, p.trees_wanted.unwrap_or(0), user_data) } {
                0 => ControlFlow::Continue(()),
                _ => ControlFlow::Break(()),
            }
        };
        Ok(index.build_with_progress(n_trees, n_threads, &mut report)?)
    })
}

/// Builds a graph over the items of the built index on `n_threads` threads (-1: one per
/// core), with `degree` edges per item (0: the default, 32); queries then search the graph,
/// their effort set by `annoy_query_options.ef`. The graph is the same for every thread count.
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_STATE` (before a build or load),
/// `ANNOY_E_INVALID_ARGUMENT` (a degree above the maximum, `n_threads` 0 or below -1); on
/// failure the index keeps what it had. Exclusive access.
#[no_mangle]
pub extern "C" fn annoy_build_graph(
    index: *mut AnnoyIndex,
    degree: usize,
    n_threads: i32,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let params = match degree {
            0 => annoy_core::GraphParams::default(),
            d => annoy_core::GraphParams::for_degree(d),
        };
        Ok(index_mut(index)?.build_graph(params, n_threads)?)
    })
}

/// Drops the graph, so that queries walk the trees again. Errors: `ANNOY_E_NULL` only.
/// Exclusive access.
#[no_mangle]
pub extern "C" fn annoy_drop_graph(
    index: *mut AnnoyIndex,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        index_mut(index)?.drop_graph();
        Ok(())
    })
}

/// Writes to `out_degree` the graph's edges per item, or 0 when the index has no graph
/// (queries then walk the trees). A native file saved with a graph keeps it: `annoy_open`,
/// `annoy_load` and the buffer opens read it back. Errors: `ANNOY_E_NULL` only. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_graph_degree(
    index: *const AnnoyIndex,
    out_degree: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        *out(out_degree, "out_degree")? = index.graph_degree().unwrap_or(0);
        Ok(())
    })
}

/// Drops the trees so that more items can be added (a no-op on an unbuilt index). Errors:
/// `ANNOY_E_NULL`, `ANNOY_E_STATE` (a loaded index), `ANNOY_E_IO` (an on-disk build's
/// file); the index is unchanged on failure. Exclusive access.
#[no_mangle]
pub extern "C" fn annoy_unbuild(index: *mut AnnoyIndex, err: *mut *mut AnnoyError) -> annoy_status {
    boundary(err, || Ok(index_mut(index)?.unbuild()?))
}

/// Writes the built index to `path` (atomically: a temporary file renamed into place), then
/// serves it from that file, read-only, as `annoy_load` would. Errors: `ANNOY_E_NULL`,
/// `ANNOY_E_STATE` (not built), `ANNOY_E_IO` (writing, renaming or mapping; a target that is
/// not a regular file), `ANNOY_E_INVALID_ARGUMENT` (a path that is not UTF-8, on Windows).
/// On failure no file at `path` is changed and the index keeps serving what it had.
/// Exclusive access.
#[no_mangle]
pub extern "C" fn annoy_save(
    index: *mut AnnoyIndex,
    path: *const c_char,
    prefault: bool,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_mut(index)?;
        Ok(index.save(c_path(path)?, prefault)?)
    })
}

/// Maps the index file at `path` read-only and shared (many processes share one copy in
/// memory); `prefault` reads it all in now. Either format: a native file must hold an index
/// of this index's metric and dimension (else `ANNOY_E_INVALID_ARGUMENT`, naming what it
/// holds; `annoy_open` needs neither); an Annoy file records neither, so it must have been
/// built with them. Replaces what the index held. Errors: `ANNOY_E_NULL`, `ANNOY_E_IO`
/// (missing, unreadable, not a regular file), `ANNOY_E_CORRUPT` (a size, structure or
/// checksum no valid index of this metric and dimension has), `ANNOY_E_INVALID_ARGUMENT`;
/// on failure the index is unchanged. Exclusive access.
#[no_mangle]
pub extern "C" fn annoy_load(
    index: *mut AnnoyIndex,
    path: *const c_char,
    prefault: bool,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_mut(index)?;
        Ok(index.load(c_path(path)?, prefault)?)
    })
}

/// Empties the index (unmapping any file); metric, dimension and seed stay. Errors:
/// `ANNOY_E_NULL` only. Exclusive access.
#[no_mangle]
pub extern "C" fn annoy_unload(index: *mut AnnoyIndex, err: *mut *mut AnnoyError) -> annoy_status {
    boundary(err, || {
        index_mut(index)?.unload();
        Ok(())
    })
}

// ---- items and properties (const: thread-safe) ----

/// Copies item `item`'s vector into `out` (`len` floats = dimension; hamming gives 0/1 per
/// bit; items stored as f16 come back widened, exactly). An id never added reads as zeros,
/// as in Annoy. Errors: `ANNOY_E_NULL`,
/// `ANNOY_E_DIMENSION` (`len`), `ANNOY_E_UNKNOWN_ITEM` (at or past `n_items`); `out` is
/// unchanged on failure. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_get_item(
    index: *const AnnoyIndex,
    item: u32,
    out_vector: *mut f32,
    len: usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        if len != index.dim() {
            return Err(annoy_core::Error::Dimension {
                expected: index.dim(),
                got: len,
            }
            .into());
        }
        let out_vector = output(out_vector, len, "out")?;
        out_vector.copy_from_slice(&index.item_vector(item)?);
        Ok(())
    })
}

/// The distance between items `i` and `j` in the metric's units. Errors: `ANNOY_E_NULL`,
/// `ANNOY_E_UNKNOWN_ITEM`; `*out_distance` is unchanged on failure. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_distance(
    index: *const AnnoyIndex,
    i: u32,
    j: u32,
    out_distance: *mut f32,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        let slot = out(out_distance, "out_distance")?;
        *slot = index.distance(i, j)?;
        Ok(())
    })
}

/// Number of items: the largest id added plus one (holes included). Errors: `ANNOY_E_NULL`
/// only. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_n_items(
    index: *const AnnoyIndex,
    out_n: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        *out(out_n, "out_n")? = index.n_items();
        Ok(())
    })
}

/// Number of trees (0 before build). Errors: `ANNOY_E_NULL` only. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_n_trees(
    index: *const AnnoyIndex,
    out_n: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        *out(out_n, "out_n")? = index.n_trees();
        Ok(())
    })
}

/// The dimension given to `annoy_new`. Errors: `ANNOY_E_NULL` only. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_dim(
    index: *const AnnoyIndex,
    out_dim: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        *out(out_dim, "out_dim")? = index.dim();
        Ok(())
    })
}

/// The metric number given to `annoy_new`. Errors: `ANNOY_E_NULL` only. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_metric(
    index: *const AnnoyIndex,
    out_metric: *mut i32,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        *out(out_metric, "out_metric")? = metric_number(index.metric());
        Ok(())
    })
}

/// Where the index is in its life (`ANNOY_STATE_*`): which calls it accepts, and which give
/// `ANNOY_E_STATE`. Errors: `ANNOY_E_NULL` only. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_state(
    index: *const AnnoyIndex,
    out_state: *mut i32,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        *out(out_state, "out_state")? = match index.state() {
            State::Adding => ANNOY_STATE_ADDING,
            State::Built => ANNOY_STATE_BUILT,
            State::Loaded => ANNOY_STATE_LOADED,
        };
        Ok(())
    })
}

/// Panics inside the library on purpose and returns what the boundary made of it
/// (`ANNOY_E_PANIC`), so that the C suite and the bindings can test that no panic crosses
/// into the caller. A test hook, not API: the header does not declare it (tests declare it
/// themselves), and it may change in any release.
#[no_mangle]
pub extern "C" fn annoy_selftest_panic(err: *mut *mut AnnoyError) -> annoy_status {
    boundary(err, || panic!("annoy_selftest_panic was called"))
}
