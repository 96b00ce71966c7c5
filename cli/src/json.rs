//! The little JSON the tool prints, written by hand (no JSON crate in the binary).

use std::fmt::Write;

/// A float as JSON: Rust's shortest round-trip text, `null` for NaN and infinities
/// (which JSON cannot hold).
pub fn number(x: f32) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "null".to_string()
    }
}

/// An `f64` as JSON, as `number` does for `f32`.
pub fn float(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "null".to_string()
    }
}

/// A string as JSON, with quotes and escapes.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `[a,b,c]` from already-formatted JSON values.
pub fn array<I: IntoIterator<Item = String>>(values: I) -> String {
    let items: Vec<String> = values.into_iter().collect();
    format!("[{}]", items.join(","))
}

/// `{"k":v,…}` from keys and already-formatted JSON values, in order.
pub fn object(fields: &[(&str, String)]) -> String {
    let items: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", string(k)))
        .collect();
    format!("{{{}}}", items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_floats_shortest_and_non_finite_as_null() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(-2.5e-8), "-0.000000025");
        assert_eq!(number(f32::NAN), "null");
        assert_eq!(number(f32::NEG_INFINITY), "null");
        assert_eq!(float(0.25), "0.25");
        assert_eq!(float(f64::NAN), "null");
    }

    #[test]
    fn escapes_strings() {
        assert_eq!(string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }
}
