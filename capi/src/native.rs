//! The native format through C: opening a file that describes itself, opening from and saving
//! to memory, choosing the format to save, verification, metadata and external ids. Each
//! function translates one `annoy_core::Index` call.

use super::api::{c_path, index_mut, index_ref, input, out, output, AnnoyIndex};
use super::status::{annoy_status, boundary, fail, AnnoyError, Failure};
use annoy_core::{Format, Index, ValueType};
use annoy_status::*;
use std::ffi::{c_char, CStr};

/// File formats for `annoy_save_as` and `annoy_file_format`: Annoy's `.ann` layout (readable
/// by Annoy; records no metric or dimension, no checksum) and the native format
/// (`docs/format.md`: self-describing, checksummed, metadata, 64-bit external ids).
pub const ANNOY_FORMAT_ANNOY: i32 = 0;
pub const ANNOY_FORMAT_NATIVE: i32 = 1;
/// What `annoy_file_format` reports for an index that serves from no file (built in memory).
pub const ANNOY_FORMAT_NONE: i32 = -1;

/// How native files store the item vectors, for `annoy_set_value_type` (the numbers are the
/// file's `META` value type): 4-byte floats, or IEEE binary16 (half the size; split planes,
/// queries and distances stay f32).
pub const ANNOY_VALUE_TYPE_F32: i32 = 0;
pub const ANNOY_VALUE_TYPE_F16: i32 = 1;

fn value_type_number(value_type: ValueType) -> i32 {
    match value_type {
        ValueType::F32 => ANNOY_VALUE_TYPE_F32,
        ValueType::F16 => ANNOY_VALUE_TYPE_F16,
    }
}

fn format(number: i32) -> Result<Format, Failure> {
    match number {
        ANNOY_FORMAT_ANNOY => Ok(Format::Annoy),
        ANNOY_FORMAT_NATIVE => Ok(Format::Native),
        n => fail(
            ANNOY_E_INVALID_ARGUMENT,
            format!("unknown format number {n}"),
        ),
    }
}

fn hand_out(slot: &mut *mut AnnoyIndex, index: Index) {
    *slot = Box::into_raw(Box::new(AnnoyIndex(index)));
}

fn c_key<'a>(key: *const c_char) -> Result<&'a str, Failure> {
    if key.is_null() {
        return fail(ANNOY_E_NULL, "key is NULL");
    }
    // SAFETY: non-NULL and NUL-terminated (header contract).
    let bytes = unsafe { CStr::from_ptr(key) }.to_bytes();
    match std::str::from_utf8(bytes) {
        Ok(key) => Ok(key),
        Err(_) => fail(ANNOY_E_INVALID_ARGUMENT, "key is not valid UTF-8"),
    }
}

// ---- opening ----

/// Opens the native index file at `path` with no metric or dimension given: both, and
/// everything else, come from the file. Mapped read-only and shared between processes;
/// `prefault` reads it all in now. Checks the header, the section table, the metadata and
/// the section sizes (not the vectors: `annoy_verify` checks every checksum); a graph the
/// file holds is checked whole (every edge in range) and read in place: queries then
/// search it (`annoy_graph_degree` says whether there is one). On success
/// `*out_index` receives a handle the caller frees with `annoy_free`.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_IO` (missing, unreadable or not a regular file),
/// `ANNOY_E_CORRUPT` (damaged, or an Annoy file, which records no metric or dimension: use
/// `annoy_new` + `annoy_load`). `*out_index` is unchanged on failure.
#[no_mangle]
pub extern "C" fn annoy_open(
    path: *const c_char,
    prefault: bool,
    out_index: *mut *mut AnnoyIndex,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let slot = out(out_index, "out_index")?;
        let index = Index::open(c_path(path)?, prefault)?;
        hand_out(slot, index);
        Ok(())
    })
}

/// Opens a native index held in `len` bytes at `data` WITHOUT copying them: the caller keeps
/// the buffer alive and unchanged until `annoy_free` of the handle (changing or freeing it
/// earlier is undefined behaviour); the library never writes to it. `data` must be 8-byte
/// aligned (64 gives the fastest queries). Checks as `annoy_open`.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_INVALID_ARGUMENT` (misaligned), `ANNOY_E_CORRUPT`.
#[no_mangle]
pub extern "C" fn annoy_open_buffer(
    data: *const u8,
    len: usize,
    out_index: *mut *mut AnnoyIndex,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let slot = out(out_index, "out_index")?;
        let bytes = input(data, len, "data")?;
        // SAFETY: the header obliges the caller to keep `data` alive and unchanged for the
        // life of the handle, which is what `open_borrowed` requires.
        let index = unsafe { Index::open_borrowed(bytes) }?;
        hand_out(slot, index);
        Ok(())
    })
}

/// Opens a native index from a copy of the `len` bytes at `data`; the buffer can be freed as
/// soon as the call returns. Checks as `annoy_open`.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_INVALID_ARGUMENT` (cannot allocate the copy),
/// `ANNOY_E_CORRUPT`.
#[no_mangle]
pub extern "C" fn annoy_open_buffer_copy(
    data: *const u8,
    len: usize,
    out_index: *mut *mut AnnoyIndex,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let slot = out(out_index, "out_index")?;
        let index = Index::open_bytes(input(data, len, "data")?)?;
        hand_out(slot, index);
        Ok(())
    })
}

/// `annoy_load` from a copy of `len` bytes at `data`, in either format: a native file must
/// hold this index's metric and dimension; an Annoy file must have been built with them.
/// Replaces what the index held; on error the index is unchanged. Exclusive access.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_INVALID_ARGUMENT` (a native file of another metric or
/// dimension), `ANNOY_E_CORRUPT`.
#[no_mangle]
pub extern "C" fn annoy_load_buffer(
    index: *mut AnnoyIndex,
    data: *const u8,
    len: usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_mut(index)?;
        Ok(index.load_bytes(input(data, len, "data")?)?)
    })
}

// ---- saving ----

/// `annoy_save` in the format `format` (`ANNOY_FORMAT_*`): written under a temporary name and
/// renamed into place, then served from there, read-only. A graph (`annoy_build_graph`) is
/// written into `ANNOY_FORMAT_NATIVE` files and read back by every open; an
/// `ANNOY_FORMAT_ANNOY` file holds the forest only (the graph stays in memory until the
/// index is freed or loads another file). Native files store the item vectors as
/// `annoy_set_value_type` chose; Annoy's format stores f32. Exclusive access.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_INVALID_ARGUMENT` (unknown format, a value beyond f16's
/// range when saving f16), `ANNOY_E_STATE` (not
/// built), `ANNOY_E_IO` (includes a path that is not a regular file). On failure the index
/// keeps serving what it had.
#[no_mangle]
pub extern "C" fn annoy_save_as(
    index: *mut AnnoyIndex,
    path: *const c_char,
    format_number: i32,
    prefault: bool,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_mut(index)?;
        let format = format(format_number)?;
        Ok(index.save_as(c_path(path)?, format, prefault)?)
    })
}

/// The size in bytes of the native file of this built or loaded index: what
/// `annoy_save_buffer` needs. Thread-safe.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_STATE` (not built).
#[no_mangle]
pub extern "C" fn annoy_native_size(
    index: *const AnnoyIndex,
    out_size: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        let slot = out(out_size, "out_size")?;
        *slot = index.native_size()?;
        Ok(())
    })
}

/// Writes the native file of this index into `buffer` (`capacity` bytes) and its length
/// into `*out_len`. Call `annoy_native_size` first; a smaller buffer fails with
/// `ANNOY_E_BUFFER_TOO_SMALL` and the size needed in `*out_len`. The result opens with
/// `annoy_open_buffer` and is byte for byte what `annoy_save_as(…, ANNOY_FORMAT_NATIVE, …)`
/// writes. Thread-safe.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_STATE` (not built), `ANNOY_E_BUFFER_TOO_SMALL`.
#[no_mangle]
pub extern "C" fn annoy_save_buffer(
    index: *const AnnoyIndex,
    buffer: *mut u8,
    capacity: usize,
    out_len: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        let out_len = out(out_len, "out_len")?;
        let needed = index.native_size()?;
        if capacity < needed {
            *out_len = needed;
            return fail(
                ANNOY_E_BUFFER_TOO_SMALL,
                format!("the buffer holds {capacity} bytes; the index needs {needed}"),
            );
        }
        let buffer = output(buffer, capacity, "buffer")?;
        *out_len = index.write_native_into(buffer)?;
        Ok(())
    })
}

// ---- checking and describing ----

/// Checks everything that can be checked: for a native file every checksum (any changed
/// byte is found), zero padding and the order of the id map; for an Annoy file (no
/// checksum) and an index in memory, that every tree record points at records that exist.
/// Thread-safe.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_CORRUPT` (the message says what is wrong).
#[no_mangle]
pub extern "C" fn annoy_verify(
    index: *const AnnoyIndex,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || Ok(index_ref(index)?.verify()?))
}

/// The format of the file the index serves from (`ANNOY_FORMAT_ANNOY`,
/// `ANNOY_FORMAT_NATIVE`), or `ANNOY_FORMAT_NONE` when it serves from memory. Thread-safe.
///
/// Errors: `ANNOY_E_NULL`.
#[no_mangle]
pub extern "C" fn annoy_file_format(
    index: *const AnnoyIndex,
    out_format: *mut i32,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        *out(out_format, "out_format")? = match index.file_format() {
            Some(Format::Annoy) => ANNOY_FORMAT_ANNOY,
            Some(Format::Native) => ANNOY_FORMAT_NATIVE,
            None => ANNOY_FORMAT_NONE,
        };
        Ok(())
    })
}

/// How the native files this index writes (`annoy_save_as` with `ANNOY_FORMAT_NATIVE`,
/// `annoy_save_buffer`, and the size `annoy_native_size` reports) store the item vectors:
/// `ANNOY_VALUE_TYPE_F32` (the default) or `ANNOY_VALUE_TYPE_F16`, rounded to nearest. An
/// index that opens an f16 file is set to f16, so saving it again keeps it. Annoy's format
/// is always f32: an f16 index saved with `ANNOY_FORMAT_ANNOY` is widened, exactly. The index
/// serves what it holds until it is saved. Exclusive access.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_INVALID_ARGUMENT` (an unknown number, or f16 for the
/// hamming metric, whose items are bits). A later save fails with
/// `ANNOY_E_INVALID_ARGUMENT` when a value is beyond f16's range (magnitudes above 65504).
#[no_mangle]
pub extern "C" fn annoy_set_value_type(
    index: *mut AnnoyIndex,
    value_type: i32,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_mut(index)?;
        let value_type = match value_type {
            ANNOY_VALUE_TYPE_F32 => ValueType::F32,
            ANNOY_VALUE_TYPE_F16 => ValueType::F16,
            n => {
                return fail(
                    ANNOY_E_INVALID_ARGUMENT,
                    format!("unknown value type number {n}"),
                )
            }
        };
        Ok(index.set_value_type(value_type)?)
    })
}

/// The value type native files written from this index use (`ANNOY_VALUE_TYPE_*`, see
/// `annoy_set_value_type`) into `*out_value_type`. Thread-safe.
///
/// Errors: `ANNOY_E_NULL`.
#[no_mangle]
pub extern "C" fn annoy_value_type(
    index: *const AnnoyIndex,
    out_value_type: *mut i32,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        *out(out_value_type, "out_value_type")? = value_type_number(index.value_type());
        Ok(())
    })
}

/// How the index holds its item vectors now (`ANNOY_VALUE_TYPE_F16` when it serves a native
/// file of f16 items, else `ANNOY_VALUE_TYPE_F32`) into `*out_value_type`. Thread-safe.
///
/// Errors: `ANNOY_E_NULL`.
#[no_mangle]
pub extern "C" fn annoy_stored_value_type(
    index: *const AnnoyIndex,
    out_value_type: *mut i32,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        *out(out_value_type, "out_value_type")? = value_type_number(index.stored_value_type());
        Ok(())
    })
}

// ---- metadata ----

/// Sets an application key-value pair (the embedding model's name, say), written into
/// native files and read back by `annoy_get_metadata`. `key` is NUL-terminated UTF-8 of 1 to
/// 256 bytes; `value` is `value_len` arbitrary bytes, at most 64 KiB (NULL only when 0); at
/// most 1024 pairs. Setting a key again replaces its value. The library copies both.
/// Exclusive access.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_INVALID_ARGUMENT` (sizes, UTF-8), `ANNOY_E_STATE` (a
/// loaded index is read-only).
#[no_mangle]
pub extern "C" fn annoy_set_metadata(
    index: *mut AnnoyIndex,
    key: *const c_char,
    value: *const u8,
    value_len: usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_mut(index)?;
        let key = c_key(key)?;
        Ok(index.set_metadata(key, input(value, value_len, "value")?)?)
    })
}

/// Looks up the application value of `key`. `*out_found` says whether the key exists; when
/// it does, the value's length goes to `*out_len` and its bytes into `buffer` (`capacity`
/// bytes; NULL only when `capacity` is 0). A value longer than `capacity` fails with
/// `ANNOY_E_BUFFER_TOO_SMALL`, its length in `*out_len` (call with capacity 0 to learn it).
/// A missing key is not an error: `*out_found` is false and `*out_len` 0. Thread-safe.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_INVALID_ARGUMENT` (key not UTF-8),
/// `ANNOY_E_BUFFER_TOO_SMALL`.
#[no_mangle]
pub extern "C" fn annoy_get_metadata(
    index: *const AnnoyIndex,
    key: *const c_char,
    buffer: *mut u8,
    capacity: usize,
    out_len: *mut usize,
    out_found: *mut bool,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        let key = c_key(key)?;
        let out_len = out(out_len, "out_len")?;
        let out_found = out(out_found, "out_found")?;
        let Some(value) = index.metadata(key) else {
            *out_len = 0;
            *out_found = false;
            return Ok(());
        };
        if capacity < value.len() {
            *out_len = value.len();
            return fail(
                ANNOY_E_BUFFER_TOO_SMALL,
                format!(
                    "the buffer holds {capacity} bytes; the value of {key:?} has {}",
                    value.len()
                ),
            );
        }
        output(buffer, capacity, "buffer")?[..value.len()].copy_from_slice(value);
        *out_len = value.len();
        *out_found = true;
        Ok(())
    })
}

// ---- external ids ----

/// Copies `vector` (`len` floats = dimension) in under the 64-bit external id `id`, any value
/// (no memory is spent on ids never used); re-adding an id replaces its vector. Query results
/// name items by internal number: map them with `annoy_external_id` (and back with
/// `annoy_item_of_external_id`). Not mixable with `annoy_add` in one index; such an index saves
/// in `ANNOY_FORMAT_NATIVE` only. Not after build (unbuild first) or on a loaded index.
/// Exclusive access.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_DIMENSION`, `ANNOY_E_NOT_FINITE`, `ANNOY_E_STATE` (built,
/// loaded, or items added with `annoy_add`), `ANNOY_E_INVALID_ARGUMENT` (out of memory or
/// 2^31 - 1 items).
#[no_mangle]
pub extern "C" fn annoy_add_with_id(
    index: *mut AnnoyIndex,
    id: u64,
    vector: *const f32,
    len: usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_mut(index)?;
        Ok(index.add_item_with_id(id, input(vector, len, "vector")?)?)
    })
}

/// The 64-bit external id of item `item`: from the id map (of the file, or of items added
/// with `annoy_add_with_id`) when there is one, else `item` itself. Use it to turn query results into the application's ids. Thread-safe.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_UNKNOWN_ITEM` (`item` ≥ the number of items).
#[no_mangle]
pub extern "C" fn annoy_external_id(
    index: *const AnnoyIndex,
    item: u32,
    out_id: *mut u64,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        let slot = out(out_id, "out_id")?;
        *slot = index.external_id(item)?;
        Ok(())
    })
}

/// The item whose external id is `id` (the inverse of `annoy_external_id`), for
/// `annoy_query_by_item` and `annoy_get_item`. Thread-safe.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_UNKNOWN_ITEM` (no item has that id).
#[no_mangle]
pub extern "C" fn annoy_item_of_external_id(
    index: *const AnnoyIndex,
    id: u64,
    out_item: *mut u32,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        let slot = out(out_item, "out_item")?;
        *slot = index.item_of_external_id(id)?;
        Ok(())
    })
}
