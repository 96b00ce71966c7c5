//! Approximate nearest neighbours with forests of random-projection trees, reading and writing
//! the `.ann` files of Spotify's [Annoy](https://github.com/spotify/annoy).
//!
//! ```
//! use annoy::{Index, Metric, Query};
//!
//! let mut index = Index::new(3, Metric::Angular)?;
//! index.add_item(0, &[1.0, 0.0, 0.0])?;
//! index.add_item(1, &[0.0, 1.0, 0.0])?;
//! index.add_item(2, &[0.9, 0.1, 0.0])?;
//! index.build(10, -1)?;
//! let nearest = index.query(Query::Item(0), 2, None)?;
//! assert_eq!(nearest[0].id, 0);
//! assert_eq!(nearest[1].id, 2);
//! # Ok::<(), annoy::Error>(())
//! ```
//!
//! The library is organised as Annoy's file is: [`format`] (node records), `metric` (one
//! module per metric, and the distance kernels in `metric::kernels`), `forest` (the trees:
//! `forest::build` makes them, `forest::search` is the query), `storage` (heap or file map)
//! and `index` (the API that ties them together). The C ABI is a crate of its own (`capi/`
//! in the repository), a thin translation of this one.

mod error;
mod forest;
mod format;
mod graph;
mod index;
mod metric;
mod query;
mod random;
mod storage;

pub use error::{Error, Result, Status};
pub use forest::search::{Neighbor, Scratch};
pub use format::ValueType;
pub use graph::{GraphParams, MAX_DEGREE};
pub use index::{
    BuildProgress, Format, Index, Query, RecallPoint, RecallSample, State, Tuning, MAX_DIMENSION,
    MAX_ITEMS,
};
pub use metric::{DotLayout, Metric};
pub use query::{Bitset, Filter, QueryOptions, SearchK, DEFAULT_EF, WALK_COST};
pub use random::DEFAULT_SEED;

/// The distance kernels this process uses ("avx512f", "avx2+fma", "neon" or "portable"):
/// the best set the CPU has, unless one was forced (see [`set_simd_kernels`]).
pub fn simd_kernels() -> &'static str {
    metric::kernels::best().name
}

/// The kernel sets this CPU can run, by the names [`set_simd_kernels`] and `ANNOY_KERNELS`
/// take, best last: "portable", then "avx2" and "avx512" on x86-64, "neon" on aarch64.
pub fn available_simd_kernels() -> Vec<&'static str> {
    metric::kernels::available().iter().map(|k| k.key).collect()
}

/// Forces the distance kernels of this process, for tests and benchmarks: `name` is one of
/// [`available_simd_kernels`]. The environment variable `ANNOY_KERNELS` does the same from
/// outside; it is read when the first index is created.
///
/// The set is chosen once per process, when the first index is created (all indexes use
/// the same one): call this before that. Returns the set's full name (as [`simd_kernels`]
/// reports it). Fails with [`Error::InvalidArgument`], and changes nothing, for an unknown
/// name, a set this CPU cannot run (its instructions are never executed), or after another
/// set was chosen.
///
/// Float distances depend on the set in their last bits (each sums in its own order: on x86
/// the AVX2 and AVX-512 sets follow Annoy's, bit for bit, under the same instruction set),
/// so trees built and rankings of near-ties may differ between sets; hamming's do not.
pub fn set_simd_kernels(name: &str) -> Result<&'static str> {
    metric::kernels::choose(name).map_err(Error::invalid)
}
