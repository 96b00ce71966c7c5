//! The tool's error: one message, printed as one line.

use std::fmt;

#[derive(Debug)]
pub enum CliError {
    /// Something to tell the user.
    Message(String),
    /// Whoever read our output stopped (`annoy … | head`): not worth a message.
    StdoutClosed,
}

pub type CliResult<T> = Result<T, CliError>;

impl CliError {
    pub fn new(message: impl Into<String>) -> Self {
        CliError::Message(message.into())
    }

    /// The same error with what was being done in front ("data.txt line 3: …").
    pub fn context(self, what: impl fmt::Display) -> Self {
        match self {
            CliError::Message(m) => CliError::Message(format!("{what}: {m}")),
            closed => closed,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Library messages may span lines in principle; the tool promises one line.
            CliError::Message(m) => f.write_str(&m.replace('\n', " ")),
            CliError::StdoutClosed => f.write_str("stdout was closed"),
        }
    }
}

impl From<annoy::Error> for CliError {
    fn from(e: annoy::Error) -> Self {
        CliError::Message(e.to_string())
    }
}
