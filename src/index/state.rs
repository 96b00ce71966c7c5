//! What an index can do at each point of its life, stated once: every method that depends
//! on it asks [`State::allows`] before it does anything.

use crate::error::{Error, Result};

/// The life of an index: items are added, then the trees built (and saved), or a file is
/// loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Taking items (an empty index too): `add_item`, then `build`.
    Adding,
    /// Built in memory or in its on-disk build file: queries and `save`; `unbuild` to add
    /// more items.
    Built,
    /// Serving a file read-only (after `load`, or `save`): queries; `unload` empties it.
    Loaded,
}

/// The operations that only some states allow.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Operation {
    /// Choosing the dot layout or an on-disk build: also needs an index with nothing added.
    Configure,
    Add,
    Build,
    Unbuild,
    Save,
    Query,
    BuildGraph,
}

impl State {
    /// `Ok` when this state allows `operation`; otherwise [`Error::WrongState`] saying why
    /// and what to call instead.
    pub(crate) fn allows(self, operation: Operation) -> Result<()> {
        use Operation::*;
        use State::*;
        let refusal = match (operation, self) {
            (Configure, Built | Loaded) => "configure the index before adding or loading anything",
            (Add, Loaded) => "a loaded index is read-only; add items to a new index",
            (Add, Built) => "the index is built; call unbuild() before adding items",
            (Build, Loaded) => "a loaded index is read-only; build a new index instead",
            (Build, Built) => "the index is already built; call unbuild() first",
            (Unbuild, Loaded) => "a loaded index is read-only; it cannot be unbuilt",
            (Save, Adding) => "the index is not built; call build() before save()",
            (Query, Adding) => "the index is not built; call build() or load() before querying",
            (BuildGraph, Adding) => {
                "the index is not built; call build() or load() before build_graph()"
            }
            _ => return Ok(()),
        };
        Err(Error::state(refusal))
    }
}
