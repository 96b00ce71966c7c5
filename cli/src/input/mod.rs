//! Readers for files of vectors. The format follows the file name: `.npy` (NumPy), `.fvecs`
//! (the ANN-benchmark format), anything else is text. Each reader streams rows into a sink,
//! so a file is never held in memory twice; the row number is the item id.
//!
//! Also files of neighbour ids (ground truth for `annoy bench`): `.ivecs` or integer `.npy`.

mod fvecs;
mod ivecs;
mod npy;
mod text;

use crate::error::{CliError, CliResult};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// Takes each vector read, with its row number. Errors it returns are reported with the
/// row's place in the file.
pub type Sink<'a> = dyn FnMut(u32, &[f32]) -> CliResult<()> + 'a;

/// Reads every vector of `path`, which must have `dim` values each; returns the row count.
pub fn read_vectors(path: &Path, dim: usize, sink: &mut Sink<'_>) -> CliResult<usize> {
    let file = File::open(path)
        .map_err(|e| CliError::new(format!("cannot open {}: {e}", path.display())))?;
    let len = file
        .metadata()
        .map_err(|e| CliError::new(format!("cannot read {}: {e}", path.display())))?
        .len();
    let reader = BufReader::with_capacity(1 << 16, file);
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("npy") => npy::read(reader, len, path, dim, sink),
        Some("fvecs") => fvecs::read(reader, path, dim, sink),
        _ => text::read(reader, path, dim, sink),
    }
}

/// The dimension the header of a `.npy` or `.fvecs` file gives (columns; the first row's
/// length), or `None` for text, which has no header.
pub fn header_dim(path: &Path) -> CliResult<Option<usize>> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let open = || {
        File::open(path)
            .map(|f| BufReader::with_capacity(1 << 12, f))
            .map_err(|e| CliError::new(format!("cannot open {}: {e}", path.display())))
    };
    match extension.as_deref() {
        Some("npy") => Ok(Some(npy::columns(open()?, path)?)),
        Some("fvecs") => {
            let mut head = [0u8; 4];
            std::io::Read::read_exact(&mut open()?, &mut head).map_err(|_| {
                CliError::new(format!("{}: no row (the file is empty)", path.display()))
            })?;
            let dim = i32::from_le_bytes(head);
            match usize::try_from(dim) {
                Ok(d) if d > 0 => Ok(Some(d)),
                _ => Err(CliError::new(format!(
                    "{}: the first row has {dim} values",
                    path.display()
                ))),
            }
        }
        _ => Ok(None),
    }
}

/// Reads rows of ids from `path`: `.ivecs`, or `.npy` of int32/int64. Ids are returned as
/// stored (possibly negative); what they must be is for the caller to say.
pub fn read_id_rows(path: &Path) -> CliResult<Vec<Vec<i64>>> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let open_error = |e| CliError::new(format!("cannot open {}: {e}", path.display()));
    match extension.as_deref() {
        Some("ivecs") => ivecs::parse(&std::fs::read(path).map_err(open_error)?, path),
        Some("npy") => {
            let file = File::open(path).map_err(open_error)?;
            let len = file.metadata().map_err(|e| read_error(path, e))?.len();
            npy::read_ints(BufReader::with_capacity(1 << 16, file), len, path)
        }
        _ => Err(CliError::new(format!(
            "{}: neighbour ids must be an .ivecs or an .npy (int32/int64) file",
            path.display()
        ))),
    }
}

/// Row numbers are item ids, which are 32-bit.
fn row_id(row: usize, path: &Path) -> CliResult<u32> {
    u32::try_from(row).map_err(|_| {
        CliError::new(format!(
            "{} has more rows than 32-bit item ids can number",
            path.display()
        ))
    })
}

/// An I/O error while reading `path`.
fn read_error(path: &Path, e: std::io::Error) -> CliError {
    CliError::new(format!("cannot read {}: {e}", path.display()))
}
