//! The forest of random-projection trees: how it is built and how it is searched.

pub(crate) mod build;
pub(crate) mod search;
