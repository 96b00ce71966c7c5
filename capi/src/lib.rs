//! The C ABI: a thin translation of [`annoy_core::Index`] for `include/annoy.h`.
//!
//! Every exported function goes through [`boundary`], which catches panics (reported as
//! `ANNOY_E_PANIC`, never unwinding into C), turns [`annoy_core::Error`] into a status code plus an
//! optional error object, and writes outputs only on success. Pointers are NULL-checked;
//! lengths are checked against the index dimension; enums arrive as integers and are
//! validated. The library prints nothing.

// Exported functions take raw pointers from C, whose callers have no notion of `unsafe`; the
// pointer contract is stated in the header, and every dereference is NULL-checked and
// explained by a SAFETY comment.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod api;
mod native;
mod query;
mod status;

pub use api::*;
pub use native::*;
pub use query::*;
pub use status::*;
