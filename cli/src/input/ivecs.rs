//! `.ivecs`: each row is its length as a little-endian int32, then that many int32s. The
//! ANN-benchmark format for ground truth (the ids of each query's true nearest neighbours).

use crate::error::{CliError, CliResult};
use std::path::Path;

/// The rows of `bytes` (the whole file), as `i64` so every reader of ids returns one type.
pub fn parse(bytes: &[u8], path: &Path) -> CliResult<Vec<Vec<i64>>> {
    let mut rows = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let place = || format!("{} row {}", path.display(), rows.len());
        let Some((head, body)) = rest.split_first_chunk::<4>() else {
            return Err(CliError::new(format!("{}: truncated row header", place())));
        };
        let len = i32::from_le_bytes(*head);
        let len = usize::try_from(len)
            .map_err(|_| CliError::new(format!("{}: negative row length {len}", place())))?;
        if body.len() / 4 < len {
            return Err(CliError::new(format!(
                "{}: truncated (the row claims {len} ids, the file ends first)",
                place()
            )));
        }
        let (row, after) = body.split_at(len * 4);
        rows.push(
            row.chunks_exact(4)
                .map(|b| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect(),
        );
        rest = after;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ivecs(rows: &[&[i32]]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for row in rows {
            bytes.extend_from_slice(&(row.len() as i32).to_le_bytes());
            for id in *row {
                bytes.extend_from_slice(&id.to_le_bytes());
            }
        }
        bytes
    }

    #[test]
    fn reads_rows_and_refuses_truncation() {
        let path = Path::new("gt.ivecs");
        let bytes = ivecs(&[&[3, 1, 2], &[7, 8, 9]]);
        assert_eq!(
            parse(&bytes, path).unwrap(),
            vec![vec![3, 1, 2], vec![7, 8, 9]]
        );
        let e = parse(&bytes[..bytes.len() - 1], path).unwrap_err();
        assert!(e.to_string().contains("row 1: truncated"), "{e}");
        let e = parse(&bytes[..18], path).unwrap_err();
        assert!(e.to_string().contains("row 1: truncated row header"), "{e}");
        assert!(parse(&ivecs(&[&[]]), path).unwrap() == vec![Vec::<i64>::new()]);
        let e = parse(&(-2i32).to_le_bytes(), path).unwrap_err();
        assert!(e.to_string().contains("negative"), "{e}");
    }
}
