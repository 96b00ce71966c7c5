//! `annoy`: build, query and inspect Annoy index files from the command line.
//!
//! Every failure ends as one line `annoy: error: <message>` on stderr and exit status 1
//! (usage errors keep clap's own message and status 2).

mod args;
mod commands;
mod demo;
mod error;
mod index_file;
mod input;
mod json;
mod numbers;
mod progress;

use clap::Parser;
use std::io::Write;

fn main() {
    // Bad input must never end in a backtrace. A panic is a bug, but it still gets one line
    // (marked as internal, so tests can tell it from an ordinary error) and status 1.
    std::panic::set_hook(Box::new(|info| {
        let _ = writeln!(std::io::stderr(), "annoy: error: internal error: {info}");
        std::process::exit(1);
    }));
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Build(a) => commands::build::run(&a),
        args::Command::Query(a) => commands::query::run(&a),
        args::Command::Info(a) => commands::info::run(&a),
        args::Command::Convert(a) => commands::convert::run(&a),
        args::Command::Verify(a) => commands::verify::run(&a),
        args::Command::Demo(a) => demo::run(&a),
        args::Command::Bench(a) => commands::bench::run(&a),
        args::Command::Tune(a) => commands::tune::run(&a),
    };
    match result {
        Ok(()) => {}
        // As if killed by SIGPIPE, which Rust programs ignore, minus the noise.
        Err(error::CliError::StdoutClosed) => std::process::exit(141),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "annoy: error: {e}");
            std::process::exit(1);
        }
    }
}
