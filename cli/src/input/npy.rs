//! NumPy `.npy` files: 2-D arrays in C order, as `np.save` writes them — float32 or float64
//! for vectors, int32 or int64 for ground-truth neighbour ids.
//!
//! The header is a magic string, a version (1, 2 or 3), a length, and a Python dict literal
//! such as `{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 64), }`. Anything else
//! (other dtypes, big-endian, Fortran order, other ranks) is refused with a message saying so.

use super::{read_error, row_id, Sink};
use crate::error::{CliError, CliResult};
use std::io::Read;
use std::path::Path;

const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Real headers are a few hundred bytes; this only stops a damaged length from allocating.
const MAX_HEADER_LEN: usize = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Dtype {
    F32,
    F64,
    I32,
    I64,
}

impl Dtype {
    fn from_descr(descr: &str) -> Option<Dtype> {
        match descr {
            "<f4" => Some(Dtype::F32),
            "<f8" => Some(Dtype::F64),
            "<i4" => Some(Dtype::I32),
            "<i8" => Some(Dtype::I64),
            _ => None,
        }
    }

    fn size(self) -> usize {
        match self {
            Dtype::F32 | Dtype::I32 => 4,
            Dtype::F64 | Dtype::I64 => 8,
        }
    }
}

#[derive(Debug, PartialEq)]
struct Header {
    /// As written in the file (`'<f4'`); each reader says which it accepts.
    descr: String,
    rows: usize,
    cols: usize,
}

/// The number of columns the header of an .npy file declares (the vectors' dimension).
pub fn columns(mut reader: impl Read, path: &Path) -> CliResult<usize> {
    let (header, _) = read_header(&mut reader).map_err(|e| e.context(path.display()))?;
    Ok(header.cols)
}

/// Reads the vectors of a float32 or float64 file.
pub fn read(
    mut reader: impl Read,
    file_len: u64,
    path: &Path,
    dim: usize,
    sink: &mut Sink<'_>,
) -> CliResult<usize> {
    let name = path.display();
    let (header, header_len) = read_header(&mut reader).map_err(|e| e.context(&name))?;
    let dtype = match Dtype::from_descr(&header.descr) {
        Some(d @ (Dtype::F32 | Dtype::F64)) => d,
        _ => {
            return Err(CliError::new(format!(
                "{name}: unsupported dtype '{}' for vectors: expected little-endian float32 ('<f4') or float64 ('<f8')",
                header.descr
            )))
        }
    };
    if header.cols != dim {
        return Err(CliError::new(format!(
            "{name}: vectors have {} values (shape ({}, {})), but --dim is {dim}",
            header.cols, header.rows, header.cols
        )));
    }
    let row_bytes = header.cols * dtype.size();
    check_length(&header, header_len, row_bytes, file_len, path)?;
    let mut bytes = vec![0u8; row_bytes];
    let mut values = vec![0f32; header.cols];
    for row in 0..header.rows {
        reader
            .read_exact(&mut bytes)
            .map_err(|e| read_error(path, e))?;
        if dtype == Dtype::F32 {
            for (v, b) in values.iter_mut().zip(bytes.chunks_exact(4)) {
                *v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        } else {
            for (v, b) in values.iter_mut().zip(bytes.chunks_exact(8)) {
                let mut word = [0u8; 8];
                word.copy_from_slice(b);
                *v = f64::from_le_bytes(word) as f32;
            }
        }
        sink(row_id(row, path)?, &values).map_err(|e| e.context(format!("{name} row {row}")))?;
    }
    Ok(header.rows)
}

/// Reads an int32 or int64 file (ground-truth ids) as rows of `i64`.
pub fn read_ints(mut reader: impl Read, file_len: u64, path: &Path) -> CliResult<Vec<Vec<i64>>> {
    let name = path.display();
    let (header, header_len) = read_header(&mut reader).map_err(|e| e.context(&name))?;
    let dtype = match Dtype::from_descr(&header.descr) {
        Some(d @ (Dtype::I32 | Dtype::I64)) => d,
        _ => {
            return Err(CliError::new(format!(
                "{name}: unsupported dtype '{}' for neighbour ids: expected little-endian int32 ('<i4') or int64 ('<i8')",
                header.descr
            )))
        }
    };
    let row_bytes = header.cols * dtype.size();
    check_length(&header, header_len, row_bytes, file_len, path)?;
    let mut bytes = vec![0u8; row_bytes];
    let mut rows = Vec::with_capacity(header.rows);
    for _ in 0..header.rows {
        reader
            .read_exact(&mut bytes)
            .map_err(|e| read_error(path, e))?;
        let row: Vec<i64> = if dtype == Dtype::I32 {
            bytes
                .chunks_exact(4)
                .map(|b| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect()
        } else {
            bytes
                .chunks_exact(8)
                .map(|b| {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(b);
                    i64::from_le_bytes(word)
                })
                .collect()
        };
        rows.push(row);
    }
    Ok(rows)
}

/// Checks that the file holds exactly the rows the header promises.
fn check_length(
    header: &Header,
    header_len: usize,
    row_bytes: usize,
    file_len: u64,
    path: &Path,
) -> CliResult<()> {
    let name = path.display();
    let expected = header
        .rows
        .checked_mul(row_bytes)
        .and_then(|data| data.checked_add(header_len))
        .ok_or_else(|| CliError::new(format!("{name}: the shape in the header is too large")))?;
    if (expected as u64) > file_len {
        return Err(CliError::new(format!(
            "{name}: truncated: the header promises {} rows ({expected} bytes), the file has {file_len} bytes",
            header.rows
        )));
    }
    if (expected as u64) < file_len {
        return Err(CliError::new(format!(
            "{name}: {} unexpected bytes after the array",
            file_len - expected as u64
        )));
    }
    Ok(())
}

/// Reads the header; returns it and its length in bytes (where the data starts).
fn read_header(reader: &mut impl Read) -> CliResult<(Header, usize)> {
    let short = |_| CliError::new("not a .npy file (too short for a header)");
    let mut start = [0u8; 8];
    reader.read_exact(&mut start).map_err(short)?;
    if &start[..6] != MAGIC {
        return Err(CliError::new("not a .npy file (no \\x93NUMPY magic)"));
    }
    let (major, minor) = (start[6], start[7]);
    let (dict_len, prefix_len) = match major {
        1 => {
            let mut n = [0u8; 2];
            reader.read_exact(&mut n).map_err(short)?;
            (u16::from_le_bytes(n) as usize, 10)
        }
        2 | 3 => {
            let mut n = [0u8; 4];
            reader.read_exact(&mut n).map_err(short)?;
            (u32::from_le_bytes(n) as usize, 12)
        }
        _ => {
            return Err(CliError::new(format!(
                "unsupported .npy format version {major}.{minor} (expected 1, 2 or 3)"
            )))
        }
    };
    if dict_len > MAX_HEADER_LEN {
        return Err(CliError::new(format!(
            "the .npy header claims {dict_len} bytes; the file is damaged"
        )));
    }
    let mut dict = vec![0u8; dict_len];
    reader.read_exact(&mut dict).map_err(short)?;
    let text =
        std::str::from_utf8(&dict).map_err(|_| CliError::new("the .npy header is not text"))?;
    let header = parse_dict(text).map_err(|e| e.context("in the .npy header"))?;
    Ok((header, prefix_len + dict_len))
}

/// A value of the header dict: only the kinds NumPy writes there.
#[derive(Debug, PartialEq)]
enum Value {
    Str(String),
    Bool(bool),
    Tuple(Vec<u64>),
}

fn parse_dict(text: &str) -> CliResult<Header> {
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
    };
    let (mut descr, mut fortran_order, mut shape) = (None, None, None);
    p.expect(b'{')?;
    loop {
        p.skip_space();
        if p.eat(b'}') {
            break;
        }
        let key = p.string()?;
        p.skip_space();
        p.expect(b':')?;
        let value = p.value()?;
        match (key.as_str(), value) {
            ("descr", Value::Str(s)) => descr = Some(s),
            ("fortran_order", Value::Bool(b)) => fortran_order = Some(b),
            ("shape", Value::Tuple(t)) => shape = Some(t),
            ("descr" | "fortran_order" | "shape", v) => {
                return Err(CliError::new(format!("unexpected value {v:?} for '{key}'")))
            }
            _ => {} // unknown keys do not change how the data is read
        }
        p.skip_space();
        if !p.eat(b',') {
            p.skip_space();
            p.expect(b'}')?;
            break;
        }
    }
    let missing = |k| CliError::new(format!("no '{k}' entry"));
    let descr = descr.ok_or_else(|| missing("descr"))?;
    if Dtype::from_descr(&descr).is_none() {
        return Err(CliError::new(format!(
            "unsupported dtype '{descr}': expected little-endian float32 ('<f4'), float64 ('<f8'), int32 ('<i4') or int64 ('<i8')"
        )));
    }
    if fortran_order.ok_or_else(|| missing("fortran_order"))? {
        return Err(CliError::new(
            "Fortran-order arrays are not supported; save np.ascontiguousarray(x) instead",
        ));
    }
    let shape = shape.ok_or_else(|| missing("shape"))?;
    let [rows, cols] = shape[..] else {
        return Err(CliError::new(format!(
            "expected a 2-D array (rows, columns), got shape {}",
            python_tuple(&shape)
        )));
    };
    let size = |n: u64| {
        usize::try_from(n)
            .map_err(|_| CliError::new(format!("shape {} is too large", python_tuple(&shape))))
    };
    Ok(Header {
        descr,
        rows: size(rows)?,
        cols: size(cols)?,
    })
}

/// A shape as NumPy prints it: `(3, 4)`, `(5,)`, `()`.
fn python_tuple(items: &[u64]) -> String {
    match items {
        [one] => format!("({one},)"),
        _ => {
            let parts: Vec<String> = items.iter().map(u64::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// Just enough of a Python literal parser for NumPy's header dict.
struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> CliResult<()> {
        self.skip_space();
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{}'", c as char)))
        }
    }

    fn unexpected(&self, wanted: &str) -> CliError {
        let rest = String::from_utf8_lossy(&self.s[self.pos.min(self.s.len())..]);
        let rest: String = rest.chars().take(20).collect();
        CliError::new(format!(
            "expected {wanted} at byte {}, found {rest:?}",
            self.pos
        ))
    }

    fn string(&mut self) -> CliResult<String> {
        self.skip_space();
        let quote = match self.peek() {
            Some(q @ (b'\'' | b'"')) => q,
            _ => return Err(self.unexpected("a quoted string")),
        };
        let start = self.pos + 1;
        let len = self.s[start..]
            .iter()
            .position(|&c| c == quote)
            .ok_or_else(|| self.unexpected("a closed string"))?;
        self.pos = start + len + 1;
        Ok(String::from_utf8_lossy(&self.s[start..start + len]).into_owned())
    }

    fn value(&mut self) -> CliResult<Value> {
        self.skip_space();
        let rest = &self.s[self.pos..];
        if rest.starts_with(b"True") {
            self.pos += 4;
            Ok(Value::Bool(true))
        } else if rest.starts_with(b"False") {
            self.pos += 5;
            Ok(Value::Bool(false))
        } else if rest.starts_with(b"(") {
            self.pos += 1;
            self.tuple().map(Value::Tuple)
        } else if rest.starts_with(b"'") || rest.starts_with(b"\"") {
            self.string().map(Value::Str)
        } else {
            Err(self.unexpected("a string, True, False or a tuple"))
        }
    }

    /// `(3, 4)`, `(5,)`, `()`; Python 2 files may write `3L`.
    fn tuple(&mut self) -> CliResult<Vec<u64>> {
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.eat(b')') {
                return Ok(items);
            }
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            let digits = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
            let n = digits
                .parse::<u64>()
                .map_err(|_| self.unexpected("a dimension"))?;
            items.push(n);
            self.eat(b'L');
            self.skip_space();
            if !self.eat(b',') {
                self.expect(b')')?;
                return Ok(items);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_headers() {
        let h = parse_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }     \n")
            .unwrap();
        assert_eq!(
            h,
            Header {
                descr: "<f4".into(),
                rows: 3,
                cols: 4
            }
        );
        let h = parse_dict("{\"shape\": (7L, 2L), \"fortran_order\": False, \"descr\": \"<f8\"}")
            .unwrap();
        assert_eq!(
            h,
            Header {
                descr: "<f8".into(),
                rows: 7,
                cols: 2
            }
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let err = |s: &str| parse_dict(s).unwrap_err().to_string();
        assert!(err("{'descr': '<i2', 'fortran_order': False, 'shape': (3, 4), }").contains("<i2"));
        assert!(err("{'descr': '>f4', 'fortran_order': False, 'shape': (3, 4), }").contains(">f4"));
        assert!(
            err("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }").contains("Fortran")
        );
        assert!(err("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }").contains("2-D"));
        assert!(
            err("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3, 4)}")
                .contains("expected")
        );
        assert!(err("{'descr': '<f4', 'shape': (3, 4)}").contains("fortran_order"));
    }
}
