//! `.fvecs`: each row is its dimension as a little-endian int32, then that many float32s.

use super::{read_error, row_id, Sink};
use crate::error::{CliError, CliResult};
use std::io::{ErrorKind, Read};
use std::path::Path;

pub fn read(
    mut reader: impl Read,
    path: &Path,
    dim: usize,
    sink: &mut Sink<'_>,
) -> CliResult<usize> {
    let mut bytes = vec![0u8; dim * 4];
    let mut values = vec![0f32; dim];
    let mut rows = 0;
    loop {
        let place = || format!("{} row {rows}", path.display());
        let mut head = [0u8; 4];
        match read_full(&mut reader, &mut head).map_err(|e| read_error(path, e))? {
            0 => break,
            4 => {}
            _ => return Err(CliError::new(format!("{}: truncated row header", place()))),
        }
        let row_dim = i32::from_le_bytes(head);
        if usize::try_from(row_dim).ok() != Some(dim) {
            return Err(CliError::new(format!(
                "{}: {row_dim} values, but --dim is {dim}",
                place()
            )));
        }
        if read_full(&mut reader, &mut bytes).map_err(|e| read_error(path, e))? != bytes.len() {
            return Err(CliError::new(format!(
                "{}: truncated (the file ends inside the row)",
                place()
            )));
        }
        for (v, b) in values.iter_mut().zip(bytes.chunks_exact(4)) {
            *v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        sink(row_id(rows, path)?, &values).map_err(|e| e.context(place()))?;
        rows += 1;
    }
    Ok(rows)
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
