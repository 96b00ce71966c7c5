//! One module per subcommand that works on index files (`demo` lives apart).

pub mod bench;
pub mod build;
pub mod convert;
pub mod info;
pub mod query;
pub mod tune;
pub mod verify;

use crate::error::{CliError, CliResult};
use std::io::Write;

/// Writes the command's output; a closed or failing stdout is an error, not a panic.
pub fn print(text: &str) -> CliResult<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => CliError::StdoutClosed,
            _ => CliError::new(format!("cannot write to stdout: {e}")),
        })
}
