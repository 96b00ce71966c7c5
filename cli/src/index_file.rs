//! Opening a saved index. The file records neither metric nor dimension, so they come from
//! the command line, and the shared checks live here.

use crate::args::IndexShape;
use crate::error::{CliError, CliResult};
use annoy::{Index, Metric};
use std::path::Path;

/// The metric named on the command line.
pub fn metric(name: &str) -> CliResult<Metric> {
    Ok(name.parse::<Metric>()?)
}

/// An empty index of the given shape, ready to load into or to add to.
pub fn new_index(shape: &IndexShape) -> CliResult<Index> {
    let mut index = Index::new(shape.dim, metric(&shape.metric)?)?;
    if let Some(layout) = shape.dot_layout {
        index.set_dot_layout(layout.into())?;
    }
    Ok(index)
}

/// Maps the index at `path` read-only.
pub fn open(path: &Path, shape: &IndexShape, prefault: bool) -> CliResult<Index> {
    let mut index = new_index(shape)?;
    index.load(path, prefault)?;
    Ok(index)
}

/// The size of a file in bytes.
pub fn file_size(path: &Path) -> CliResult<u64> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| CliError::new(format!("cannot read the size of {}: {e}", path.display())))
}

/// `12.3 MB`-style sizes for people (the exact byte count is printed beside it).
pub fn human_size(bytes: u64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}
