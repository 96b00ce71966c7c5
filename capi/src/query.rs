//! The query exports: one options struct (`annoy_query_options`) read into the core's
//! `QueryOptions`, the calls that take it, the older fixed-argument calls as thin wrappers of
//! them, and recall tuning. Every rule (n beyond the items, the search effort, filters) is the
//! core's; here it is only translated.

use super::api::{index_ref, input, out, output};
use super::status::{annoy_status, boundary, fail, AnnoyError, Failure};
use annoy_core::{
    Bitset, Filter, Index, Neighbor, Query, QueryOptions, RecallPoint, RecallSample, Scratch,
    SearchK,
};
use annoy_status::*;
use std::ffi::c_void;

/// `search_k` meaning Annoy's default: `n × n_trees` candidates (with the caller's `n`, so a
/// query for more neighbours than items is a full search).
pub const ANNOY_SEARCH_K_DEFAULT: i64 = -1;
/// `search_k` meaning no limit: every tree is walked to the end. Every other negative value
/// means the same, as in Annoy.
pub const ANNOY_SEARCH_K_UNLIMITED: i64 = -2;

/// Reusable query memory: one per thread (see `annoy_query_with_options`).
pub struct AnnoyScratch(Scratch);

/// A caller's item filter: returns non-zero when item `id` may be returned. Called from the
/// querying thread (from the library's threads, several at once, in a batch), possibly more
/// than once for an id; it must not call back into the library on the same index with
/// exclusive access.
#[allow(non_camel_case_types)]
pub type annoy_filter_fn = Option<unsafe extern "C" fn(id: u32, user_data: *mut c_void) -> i32>;

/// What a query asks for. Fill it with `annoy_query_options_init`, then set fields: new fields
/// are added only at the end, and `size` tells the library which ones a caller knows, so code
/// compiled against an older header keeps working with a newer library.
///
/// - `n`: neighbours wanted. A query returns at most `min(n, n_items)`; `n = 0` returns none.
/// - `search_k`: candidates examined; `ANNOY_SEARCH_K_DEFAULT` (-1, the default),
///   `ANNOY_SEARCH_K_UNLIMITED` (-2; any other negative value too), or a count (0 finds
///   nothing).
/// - `allow`, `allow_words`: an allow-list, a bitset of `allow_words` 64-bit words (bit
///   `id % 64` of word `id / 64` allows item `id`; ids past the words are not allowed). NULL
///   with 0 words: no allow-list. Read during the call only.
/// - `filter`, `filter_data`: a caller predicate and the pointer passed to it. NULL: none.
///   At most one of the allow-list and the predicate may be set.
/// - `ef`: the graph's beam width, used when the index has a graph (`annoy_build_graph`):
///   `ANNOY_EF_DEFAULT` (-1, the default) or a width; 0 is an error. `search_k` is then unused.
///   On an index without a graph a width is `ANNOY_E_STATE`.
///
/// A filtered query returns the best `n` allowed items as the unfiltered search ranks them, at
/// the same `search_k`: rejected items do not count towards it, so the search widens as the
/// filter rejects, and an allow-list with few enough allowed items is scanned exactly instead.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct annoy_query_options {
    /// `sizeof(annoy_query_options)` as the caller was compiled; set by the init function.
    pub size: usize,
    pub n: usize,
    pub search_k: i64,
    pub allow: *const u64,
    pub allow_words: usize,
    pub filter: annoy_filter_fn,
    pub filter_data: *mut c_void,
    /// The graph's beam width, for an index with a graph (`annoy_build_graph`), which then
    /// answers every query: `ANNOY_EF_DEFAULT` (-1), or a width (below `n` counts as `n`; 0
    /// is `ANNOY_E_INVALID_ARGUMENT`; on an index without a graph, any width is
    /// `ANNOY_E_STATE`). More: better recall, slower.
    pub ef: i64,
}

/// `ef` meaning the core's default beam width (`ANNOY_DEFAULT_EF`, at least `n`).
pub const ANNOY_EF_DEFAULT: i64 = -1;

impl Default for annoy_query_options {
    fn default() -> Self {
        annoy_query_options {
            size: std::mem::size_of::<annoy_query_options>(),
            n: 10,
            search_k: ANNOY_SEARCH_K_DEFAULT,
            allow: std::ptr::null(),
            allow_words: 0,
            filter: None,
            filter_data: std::ptr::null_mut(),
            ef: ANNOY_EF_DEFAULT,
        }
    }
}

/// Fills `*options` with the defaults (n = 10, `ANNOY_SEARCH_K_DEFAULT`, no filter) and sets
/// `options->size` to `size`, which must be `sizeof(annoy_query_options)` as the caller sees
/// it. Only the first `size` bytes are written. Fails with `ANNOY_E_NULL` (NULL options) or
/// `ANNOY_E_INVALID_ARGUMENT` (a `size` smaller than the `size` field), leaving `*options`
/// unchanged. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_query_options_init(
    options: *mut annoy_query_options,
    size: usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        if options.is_null() {
            return fail(ANNOY_E_NULL, "options is NULL");
        }
        if size < std::mem::size_of::<usize>() {
            return fail(
                ANNOY_E_INVALID_ARGUMENT,
                format!("options size {size} is smaller than its size field"),
            );
        }
        let defaults = annoy_query_options {
            size,
            ..Default::default()
        };
        let known = size.min(std::mem::size_of::<annoy_query_options>());
        // SAFETY: `options` is non-NULL and, per the header, points to `size` writable bytes;
        // `known` is at most that and at most the size of `defaults`.
        unsafe {
            std::ptr::copy_nonoverlapping(
                (&defaults as *const annoy_query_options).cast::<u8>(),
                options.cast::<u8>(),
                known,
            )
        };
        Ok(())
    })
}

/// The caller's options: the fields its `size` covers, defaults for the rest. Bytes past the
/// fields this library knows must be zero (a caller asking for something newer is refused,
/// not ignored).
fn read_options(options: *const annoy_query_options) -> Result<annoy_query_options, Failure> {
    if options.is_null() {
        return fail(ANNOY_E_NULL, "options is NULL");
    }
    // SAFETY: non-NULL and, per the header, the caller's struct starts with its size.
    let size = unsafe { options.cast::<usize>().read_unaligned() };
    let ours = std::mem::size_of::<annoy_query_options>();
    if size < std::mem::size_of::<usize>() {
        return fail(
            ANNOY_E_INVALID_ARGUMENT,
            format!("options->size is {size}; call annoy_query_options_init first"),
        );
    }
    if size > ours {
        // SAFETY: the caller's struct is `size` readable bytes (header contract).
        let tail =
            unsafe { std::slice::from_raw_parts(options.cast::<u8>().add(ours), size - ours) };
        if tail.iter().any(|&b| b != 0) {
            return fail(
                ANNOY_E_INVALID_ARGUMENT,
                "options sets fields this version of the library does not know",
            );
        }
    }
    let mut read = annoy_query_options::default();
    // SAFETY: the caller's struct is `size` readable bytes; at most `ours` are copied into
    // `read`. Every field is a plain integer or pointer, so any bytes form a valid value (the
    // function pointer is the caller's to make valid, per the header).
    unsafe {
        std::ptr::copy_nonoverlapping(
            options.cast::<u8>(),
            (&mut read as *mut annoy_query_options).cast::<u8>(),
            size.min(ours),
        )
    };
    Ok(read)
}

/// A C predicate with its user data.
struct CPredicate {
    call: unsafe extern "C" fn(u32, *mut c_void) -> i32,
    data: *mut c_void,
}

// SAFETY: the header requires a filter to be callable from the library's threads, several at
// once, with its `filter_data`; the library never dereferences the data itself.
unsafe impl Sync for CPredicate {}

impl CPredicate {
    fn allows(&self, id: u32) -> bool {
        // SAFETY: `call` is the caller's filter, valid for the duration of the query, called
        // with the data it was given (header contract).
        unsafe { (self.call)(id, self.data) != 0 }
    }
}

/// Runs `body` with the core's options for the C `options`.
fn with_options<T>(
    options: &annoy_query_options,
    body: impl FnOnce(&QueryOptions<'_>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let words = input(options.allow, options.allow_words, "options->allow")?;
    let has_allow = !options.allow.is_null() || options.allow_words > 0;
    let predicate = options.filter.map(|call| CPredicate {
        call,
        data: options.filter_data,
    });
    let allows = |id: u32| predicate.as_ref().is_some_and(|p| p.allows(id));
    let filter = match (has_allow, &predicate) {
        (true, Some(_)) => {
            return fail(
                ANNOY_E_INVALID_ARGUMENT,
                "options sets both an allow-list and a filter function; set one",
            )
        }
        (true, None) => Filter::Allow(Bitset::new(words)),
        (false, Some(_)) => Filter::Predicate(&allows),
        (false, None) => Filter::All,
    };
    let mut core = QueryOptions::new(options.n)
        .search_k(SearchK::from_annoy(options.search_k))
        .filter(filter);
    match options.ef {
        ANNOY_EF_DEFAULT => {}
        ef if ef >= 0 => core = core.ef(usize::try_from(ef).unwrap_or(usize::MAX)),
        ef => {
            return fail(
                ANNOY_E_INVALID_ARGUMENT,
                format!("options->ef is {ef}; expected ANNOY_EF_DEFAULT (-1) or a width"),
            )
        }
    }
    body(&core)
}

/// Checks that a result buffer of `capacity` holds every result a query for `n` neighbours
/// can return (`min(n, n_items)`); if not, reports that number.
fn check_capacity(
    index: &Index,
    n: usize,
    capacity: usize,
    out_n: &mut usize,
) -> Result<(), Failure> {
    let needed = index.result_capacity(n);
    if capacity < needed {
        *out_n = needed;
        return fail(
            ANNOY_E_BUFFER_TOO_SMALL,
            format!("room for {capacity} results, {needed} needed"),
        );
    }
    Ok(())
}

fn write_results(results: &[Neighbor], ids: &mut [u32], distances: Option<&mut [f32]>) {
    for (slot, r) in ids.iter_mut().zip(results) {
        *slot = r.id;
    }
    if let Some(distances) = distances {
        for (slot, r) in distances.iter_mut().zip(results) {
            *slot = r.distance;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn query_into(
    index: *const crate::AnnoyIndex,
    scratch: *mut AnnoyScratch,
    query: Query<'_>,
    options: &annoy_query_options,
    ids: *mut u32,
    distances: *mut f32,
    capacity: usize,
    out_n: *mut usize,
) -> Result<(), Failure> {
    let index = index_ref(index)?;
    let out_n = out(out_n, "out_n")?;
    check_capacity(index, options.n, capacity, out_n)?;
    let ids = output(ids, capacity, "ids")?;
    let distances = if distances.is_null() {
        None
    } else {
        Some(output(distances, capacity, "distances")?)
    };
    let mut own = None;
    let scratch = if scratch.is_null() {
        own.insert(Scratch::new())
    } else {
        // SAFETY: a non-NULL scratch came from `annoy_scratch_new`, is not freed, and is used
        // by this thread alone for the call (header contract).
        &mut unsafe { &mut *scratch }.0
    };
    with_options(options, |core| {
        let results = index.query_with_options(query, core, scratch)?;
        write_results(results, ids, distances);
        *out_n = results.len();
        Ok(())
    })
}

// ---- queries (const index: safe to call from many threads at once) ----

/// Finds the nearest items to `vector` (`len` floats = dimension) as `options` describe,
/// nearest first. Writes the ids (and distances, unless `distances` is NULL) into buffers of
/// `capacity` entries and their number into `*out_n`. The buffers must hold
/// `min(options->n, n_items)` entries: a smaller `capacity` fails with
/// `ANNOY_E_BUFFER_TOO_SMALL` and that number in `*out_n`. `scratch` (may be NULL) is working
/// memory from `annoy_scratch_new`: with one, a query allocates nothing once warmed up.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_INVALID_ARGUMENT` (bad options), `ANNOY_E_DIMENSION`,
/// `ANNOY_E_NOT_FINITE`, `ANNOY_E_STATE` (not built or loaded), `ANNOY_E_BUFFER_TOO_SMALL`,
/// `ANNOY_E_CORRUPT` (a damaged file found during the walk). On failure the buffers and
/// `*out_n` are unchanged (except `*out_n` for `ANNOY_E_BUFFER_TOO_SMALL`). Thread-safe on a
/// built or loaded index; a scratch serves one thread at a time.
#[no_mangle]
pub extern "C" fn annoy_query_with_options(
    index: *const crate::AnnoyIndex,
    scratch: *mut AnnoyScratch,
    options: *const annoy_query_options,
    vector: *const f32,
    len: usize,
    ids: *mut u32,
    distances: *mut f32,
    capacity: usize,
    out_n: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let options = read_options(options)?;
        query_into(
            index,
            scratch,
            Query::Vector(input(vector, len, "vector")?),
            &options,
            ids,
            distances,
            capacity,
            out_n,
        )
    })
}

/// As `annoy_query_with_options`, for the neighbours of stored item `item`
/// (`ANNOY_E_UNKNOWN_ITEM` if it is at or past `n_items`). Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_query_by_item_with_options(
    index: *const crate::AnnoyIndex,
    scratch: *mut AnnoyScratch,
    options: *const annoy_query_options,
    item: u32,
    ids: *mut u32,
    distances: *mut f32,
    capacity: usize,
    out_n: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let options = read_options(options)?;
        query_into(
            index,
            scratch,
            Query::Item(item),
            &options,
            ids,
            distances,
            capacity,
            out_n,
        )
    })
}

/// Answers `n_queries` queries (`vectors`: `n_queries × dim` floats, `dim` = the index
/// dimension) as `options` describe, on `n_threads` threads inside the library (-1: one per
/// core). Query `i`'s results go to `ids[i * row_capacity ..]` (and `distances`, unless NULL),
/// both `n_queries × row_capacity` entries, with their count in `counts[i]`; the rest of a row
/// is left as it was. `row_capacity` must be at least `min(options->n, n_items)`
/// (`ANNOY_E_BUFFER_TOO_SMALL` otherwise). A filter function is called from the library's
/// threads. All vectors are checked before any query runs.
///
/// Errors: as `annoy_query_with_options`, plus `ANNOY_E_INVALID_ARGUMENT` for `n_threads` 0 or
/// below -1 or sizes that overflow. On failure the outputs may hold some queries' results.
/// Thread-safe on a built or loaded index.
#[no_mangle]
pub extern "C" fn annoy_query_batch_with_options(
    index: *const crate::AnnoyIndex,
    options: *const annoy_query_options,
    vectors: *const f32,
    n_queries: usize,
    dim: usize,
    n_threads: i32,
    ids: *mut u32,
    distances: *mut f32,
    row_capacity: usize,
    counts: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let options = read_options(options)?;
        batch(
            index,
            &options,
            vectors,
            n_queries,
            dim,
            n_threads,
            ids,
            distances,
            row_capacity,
            counts,
        )
    })
}

#[allow(clippy::too_many_arguments)]
fn batch(
    index: *const crate::AnnoyIndex,
    options: &annoy_query_options,
    vectors: *const f32,
    n_queries: usize,
    dim: usize,
    n_threads: i32,
    ids: *mut u32,
    distances: *mut f32,
    row_capacity: usize,
    counts: *mut usize,
) -> Result<(), Failure> {
    let index = index_ref(index)?;
    if dim != index.dim() {
        return Err(annoy_core::Error::Dimension {
            expected: index.dim(),
            got: dim,
        }
        .into());
    }
    let threads = match n_threads {
        -1 => 0,
        t if t >= 1 => t as usize,
        t => {
            return fail(
                ANNOY_E_INVALID_ARGUMENT,
                format!("n_threads must be >= 1 or -1, got {t}"),
            )
        }
    };
    let overflow = |what: &str| Failure(ANNOY_E_INVALID_ARGUMENT, format!("{what} overflows"));
    let total = n_queries
        .checked_mul(dim)
        .ok_or_else(|| overflow("n_queries × dim"))?;
    let slots = n_queries
        .checked_mul(row_capacity)
        .ok_or_else(|| overflow("n_queries × row_capacity"))?;
    let vectors = input(vectors, total, "vectors")?;
    let counts = output(counts, n_queries, "counts")?;
    if n_queries > 0 && row_capacity < index.result_capacity(options.n) {
        return fail(
            ANNOY_E_BUFFER_TOO_SMALL,
            format!(
                "rows of {row_capacity} results, {} needed",
                index.result_capacity(options.n)
            ),
        );
    }
    let ids = output(ids, slots, "ids")?;
    let distances = if distances.is_null() {
        None
    } else {
        Some(output(distances, slots, "distances")?)
    };
    with_options(options, |core| {
        Ok(index.query_batch(vectors, core, threads, ids, distances, counts)?)
    })
}

// ---- the fixed-argument calls: wrappers of the calls above ----

fn plain_options(n: usize, search_k: i64) -> annoy_query_options {
    annoy_query_options {
        n,
        search_k,
        ..Default::default()
    }
}

/// `annoy_query_with_options` with `n`, `search_k` and no filter or scratch. Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_query(
    index: *const crate::AnnoyIndex,
    vector: *const f32,
    len: usize,
    n: usize,
    search_k: i64,
    ids: *mut u32,
    distances: *mut f32,
    capacity: usize,
    out_n: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        query_into(
            index,
            std::ptr::null_mut(),
            Query::Vector(input(vector, len, "vector")?),
            &plain_options(n, search_k),
            ids,
            distances,
            capacity,
            out_n,
        )
    })
}

/// `annoy_query_by_item_with_options` with `n`, `search_k` and no filter or scratch.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_query_by_item(
    index: *const crate::AnnoyIndex,
    item: u32,
    n: usize,
    search_k: i64,
    ids: *mut u32,
    distances: *mut f32,
    capacity: usize,
    out_n: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        query_into(
            index,
            std::ptr::null_mut(),
            Query::Item(item),
            &plain_options(n, search_k),
            ids,
            distances,
            capacity,
            out_n,
        )
    })
}

/// `annoy_query_with_options` with `n`, `search_k`, no filter and a required `scratch`.
/// Thread-safe on the index; the scratch must not be used by two threads at once.
#[no_mangle]
pub extern "C" fn annoy_query_with_scratch(
    index: *const crate::AnnoyIndex,
    scratch: *mut AnnoyScratch,
    vector: *const f32,
    len: usize,
    n: usize,
    search_k: i64,
    ids: *mut u32,
    distances: *mut f32,
    capacity: usize,
    out_n: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        if scratch.is_null() {
            return fail(ANNOY_E_NULL, "scratch is NULL");
        }
        query_into(
            index,
            scratch,
            Query::Vector(input(vector, len, "vector")?),
            &plain_options(n, search_k),
            ids,
            distances,
            capacity,
            out_n,
        )
    })
}

/// `annoy_query_batch_with_options` with `n`, `search_k`, no filter and rows of `n` entries
/// (`ids` and `distances` hold `n_queries × n`). Thread-safe.
#[no_mangle]
pub extern "C" fn annoy_query_batch(
    index: *const crate::AnnoyIndex,
    vectors: *const f32,
    n_queries: usize,
    dim: usize,
    n: usize,
    search_k: i64,
    n_threads: i32,
    ids: *mut u32,
    distances: *mut f32,
    counts: *mut usize,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        batch(
            index,
            &plain_options(n, search_k),
            vectors,
            n_queries,
            dim,
            n_threads,
            ids,
            distances,
            n,
            counts,
        )
    })
}

/// Creates reusable query memory. Owned by the caller, freed with `annoy_scratch_free`.
/// A scratch serves one thread at a time, and any index. Errors: `ANNOY_E_NULL`.
#[no_mangle]
pub extern "C" fn annoy_scratch_new(
    out_scratch: *mut *mut AnnoyScratch,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        // The slot first: `*out(..)? = Box::into_raw(..)` would allocate before the NULL
        // check (the right side of an assignment is evaluated first) and leak the scratch.
        let slot = out(out_scratch, "out_scratch")?;
        *slot = Box::into_raw(Box::new(AnnoyScratch(Scratch::new())));
        Ok(())
    })
}

/// Frees a scratch. NULL is a no-op.
#[no_mangle]
pub extern "C" fn annoy_scratch_free(scratch: *mut AnnoyScratch) {
    if !scratch.is_null() {
        // SAFETY: a non-NULL scratch came from `Box::into_raw` in `annoy_scratch_new` and the
        // caller gives up ownership here, once.
        drop(unsafe { Box::from_raw(scratch) });
    }
}

// ---- recall tuning (const index: thread-safe) ----

fn sample<'a>(
    index: &Index,
    queries: *const f32,
    n_queries: usize,
    n_sample: usize,
    seed: u64,
) -> Result<RecallSample<'a>, Failure> {
    if n_queries == 0 {
        return Ok(RecallSample::Items {
            count: n_sample,
            seed,
        });
    }
    let total = n_queries
        .checked_mul(index.dim())
        .ok_or_else(|| Failure(ANNOY_E_INVALID_ARGUMENT, "n_queries × dim overflows".into()))?;
    Ok(RecallSample::Queries(input(queries, total, "queries")?))
}

fn write_point(point: &RecallPoint, out_recall: &mut f64, out_qps: *mut f64) {
    *out_recall = point.recall;
    // SAFETY: a non-NULL out_qps points to one writable double (header contract).
    if let Some(qps) = unsafe { out_qps.as_mut() } {
        *qps = point.qps;
    }
}

/// Recall@`options->n` of queries as `options` describe (filter included) against brute force:
/// over `n_queries` vectors (`queries`, `n_queries × dim` floats), or when `n_queries` is 0
/// over `n_sample` stored items drawn with `seed`. Writes the recall (0 to 1) to `*out_recall`
/// and, unless `out_qps` is NULL, the single-thread queries per second to `*out_qps`. Brute
/// force costs a full scan per query: keep samples in the hundreds.
///
/// Errors: `ANNOY_E_NULL`, `ANNOY_E_INVALID_ARGUMENT` (bad options, an empty sample),
/// `ANNOY_E_NOT_FINITE`, `ANNOY_E_STATE`, `ANNOY_E_CORRUPT`; outputs unchanged on failure.
/// Thread-safe on a built or loaded index.
#[no_mangle]
pub extern "C" fn annoy_estimate_recall(
    index: *const crate::AnnoyIndex,
    options: *const annoy_query_options,
    queries: *const f32,
    n_queries: usize,
    n_sample: usize,
    seed: u64,
    out_recall: *mut f64,
    out_qps: *mut f64,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        let options = read_options(options)?;
        let out_recall = out(out_recall, "out_recall")?;
        let sample = sample(index, queries, n_queries, n_sample, seed)?;
        with_options(&options, |core| {
            let point = index.estimate_recall(core, sample)?;
            write_point(&point, out_recall, out_qps);
            Ok(())
        })
    })
}

/// The smallest search effort whose recall@`options->n` reaches `target` (0 to 1) on the
/// sample (as in `annoy_estimate_recall`; `options->search_k` and `options->ef` are ignored).
/// The effort is the one that answers the index's queries: for an index without a graph, a
/// `search_k`, written to `*out_effort` (`ANNOY_SEARCH_K_UNLIMITED` when only an unlimited
/// search reaches it, or when none does: then `*out_recall` is below `target`); for an index
/// with a graph (`annoy_build_graph`), the beam width `ef` (the widest tried, every item,
/// when none reaches it). Its recall goes to `*out_recall` and, unless NULL, its queries per
/// second to `*out_qps`.
///
/// Errors: as `annoy_estimate_recall`, plus `ANNOY_E_INVALID_ARGUMENT` for a target outside
/// 0..1. Outputs unchanged on failure. Thread-safe on a built or loaded index.
#[no_mangle]
pub extern "C" fn annoy_tune(
    index: *const crate::AnnoyIndex,
    options: *const annoy_query_options,
    target: f64,
    queries: *const f32,
    n_queries: usize,
    n_sample: usize,
    seed: u64,
    out_effort: *mut i64,
    out_recall: *mut f64,
    out_qps: *mut f64,
    err: *mut *mut AnnoyError,
) -> annoy_status {
    boundary(err, || {
        let index = index_ref(index)?;
        let options = read_options(options)?;
        let out_effort = out(out_effort, "out_effort")?;
        let out_recall = out(out_recall, "out_recall")?;
        let sample = sample(index, queries, n_queries, n_sample, seed)?;
        with_options(&options, |core| {
            let tuning = index.tune(core, target, sample)?;
            let (effort, point) = tuning
                .effort()
                .ok_or_else(|| Failure(ANNOY_E_PANIC, "tuning measured nothing".into()))?;
            *out_effort = effort;
            write_point(point, out_recall, out_qps);
            Ok(())
        })
    })
}
