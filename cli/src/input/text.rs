//! Text vectors: one vector a line, numbers separated by spaces and/or commas. Blank lines and
//! lines starting with `#` are skipped; the n-th vector is item n-1.

use super::{read_error, row_id, Sink};
use crate::error::{CliError, CliResult};
use crate::numbers;
use std::io::BufRead;
use std::path::Path;

pub fn read(
    mut reader: impl BufRead,
    path: &Path,
    dim: usize,
    sink: &mut Sink<'_>,
) -> CliResult<usize> {
    let mut line = Vec::new();
    let mut values = Vec::with_capacity(dim);
    let mut rows = 0;
    for line_number in 1.. {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .map_err(|e| read_error(path, e))?
            == 0
        {
            break;
        }
        let place = || format!("{} line {line_number}", path.display());
        let text = std::str::from_utf8(&line)
            .map_err(|_| CliError::new(format!("{}: not UTF-8 text", place())))?
            .trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        numbers::parse_into(text, &mut values).map_err(|e| e.context(place()))?;
        let place = || format!("{} (row {rows})", place());
        if values.len() != dim {
            return Err(CliError::new(format!(
                "{}: {} values, but --dim is {dim}",
                place(),
                values.len()
            )));
        }
        sink(row_id(rows, path)?, &values).map_err(|e| e.context(place()))?;
        rows += 1;
    }
    Ok(rows)
}
