//! Opening a saved index. A native file records its metric and dimension; an Annoy file
//! records neither, so they come from the command line. The shared checks live here.

use crate::args::IndexShape;
use crate::error::{CliError, CliResult};
use annoy::{Format, Index, Metric};
use std::io::Read;
use std::path::Path;

/// The metric named on the command line.
pub fn metric(name: &str) -> CliResult<Metric> {
    Ok(name.parse::<Metric>()?)
}

/// An empty index of `dim` and the shape's metric, ready to load into or to add to.
pub fn new_index(shape: &IndexShape, dim: usize) -> CliResult<Index> {
    let Some(name) = &shape.metric else {
        return Err(CliError::new("--metric is needed"));
    };
    let mut index = Index::new(dim, metric(name)?)?;
    if let Some(layout) = shape.dot_layout {
        index.set_dot_layout(layout.into())?;
    }
    Ok(index)
}

/// The format of the file at `path`, from its first bytes.
pub fn format_of(path: &Path) -> CliResult<Format> {
    let mut head = [0u8; 8];
    let mut file = std::fs::File::open(path)
        .map_err(|e| CliError::new(format!("cannot open {}: {e}", path.display())))?;
    let n = file
        .read(&mut head)
        .map_err(|e| CliError::new(format!("cannot read {}: {e}", path.display())))?;
    Ok(Format::of_bytes(&head[..n]))
}

/// Maps the index at `path` read-only. A native file needs no shape (one given must match);
/// an Annoy file needs --metric and --dim.
pub fn open(path: &Path, shape: &IndexShape, prefault: bool) -> CliResult<Index> {
    if format_of(path)? == Format::Native && shape.metric.is_none() && shape.dim.is_none() {
        return Ok(Index::open(path, prefault)?);
    }
    let (Some(_), Some(dim)) = (&shape.metric, shape.dim) else {
        let given = if shape.metric.is_some() {
            "--dim"
        } else {
            "--metric"
        };
        let why = if format_of(path)? == Format::Native {
            "give both or neither"
        } else {
            "an Annoy file records neither"
        };
        return Err(CliError::new(format!(
            "{}: {given} is needed too ({why})",
            path.display()
        )));
    };
    let mut index = new_index(shape, dim)?;
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
