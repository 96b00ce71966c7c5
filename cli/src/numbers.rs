//! Reading vectors written as text: "0.5, -1 2e-3" — numbers separated by commas and/or
//! whitespace. Shared by text input files and `query --vector`.

use crate::error::{CliError, CliResult};
use annoy::Metric;

/// Parses the numbers of `text` into `out` (cleared first).
pub fn parse_into(text: &str, out: &mut Vec<f32>) -> CliResult<()> {
    out.clear();
    for token in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        let value = token
            .parse::<f32>()
            .map_err(|_| CliError::new(format!("cannot read {token:?} as a number")))?;
        out.push(value);
    }
    Ok(())
}

/// Checks what the library would accept silently but is surely a mistake: for hamming, each
/// value is one bit and must be 0 or 1 (the library would read anything above 0.5 as 1).
pub fn check_values(metric: Metric, values: &[f32]) -> CliResult<()> {
    if metric == Metric::Hamming {
        if let Some(i) = values.iter().position(|&x| x != 0.0 && x != 1.0) {
            return Err(CliError::new(format!(
                "value {} at position {i} is not a bit: hamming values must be 0 or 1",
                values[i]
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_commas_spaces_and_negatives() {
        let mut v = Vec::new();
        parse_into(" -0.5,1.25  3e2 ,\t-4", &mut v).unwrap();
        assert_eq!(v, [-0.5, 1.25, 300.0, -4.0]);
    }

    #[test]
    fn names_the_bad_token() {
        let mut v = Vec::new();
        let e = parse_into("1, x2", &mut v).unwrap_err();
        assert!(e.to_string().contains("\"x2\""), "{e}");
    }
}
