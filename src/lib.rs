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
//! module per metric), `build` (the trees), `search` (the query), `storage` (heap or file
//! map) and `index` (the API that ties them together). The C ABI is in `ffi`.

mod build;
mod error;
pub mod ffi;
mod format;
mod index;
mod metric;
mod random;
mod search;
mod storage;

pub use error::{Error, Result};
pub use index::{Format, Index, Query, MAX_DIMENSION, MAX_ITEMS};
pub use metric::{DotLayout, Metric};
pub use random::DEFAULT_SEED;
pub use search::{Neighbor, Scratch};

/// The distance kernels chosen for this CPU ("avx512f", "avx2+fma", "neon" or "portable").
pub fn simd_kernels() -> &'static str {
    metric::kernels::best().name
}
