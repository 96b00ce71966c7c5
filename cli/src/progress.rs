//! Progress bars (trees built, search_k values measured) and spinners, shown only when stderr
//! is a terminal (never in pipes, logs or tests).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar counting trees (`None`: Annoy's automatic count, unknown in advance), or a hidden
/// one when nobody is watching.
pub fn trees_bar(n_trees: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    match n_trees {
        Some(n) => {
            let bar = ProgressBar::new(n);
            if let Ok(style) = ProgressStyle::with_template(
                "building trees [{bar:40.cyan/blue}] {pos}/{len} ({elapsed}, eta {eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        }
        None => {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} building trees: {pos} ({elapsed})")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        }
    }
}

/// A bar counting the `n` steps of a benchmark sweep; the message names the current step.
pub fn sweep_bar(n: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(n);
    if let Ok(style) =
        ProgressStyle::with_template("measuring {msg} [{bar:40.cyan/blue}] {pos}/{len} ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A spinner saying what is being done, for work of unknown length.
pub fn spinner(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
