//! The tool's error: one message, printed as one line.

use std::fmt;

#[derive(Debug)]
pub struct CliError(pub String);

pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    pub fn new(message: impl Into<String>) -> Self {
        CliError(message.into())
    }

    /// The same error with what was being done in front ("data.txt line 3: …").
    pub fn context(self, what: impl fmt::Display) -> Self {
        CliError(format!("{what}: {}", self.0))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Library messages may span lines in principle; the tool promises one line.
        f.write_str(&self.0.replace('\n', " "))
    }
}

impl From<annoy::Error> for CliError {
    fn from(e: annoy::Error) -> Self {
        CliError(e.to_string())
    }
}
