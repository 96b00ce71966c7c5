//! `annoy tune`: the smallest search_k whose recall@k reaches a target, for a saved index.
//!
//! Recall is measured against brute force (`Index::tune`) on a sample of stored items or on
//! given query vectors; the table lists every search_k tried with its recall and single-thread
//! queries per second, the chosen one marked, and Annoy's default (k × trees) for comparison.
//! For an index with a graph, which answers every query, the table lists the beam widths of
//! `--ef` instead (`Index::estimate_recall_at_efs`, one brute force for them all), the
//! smallest reaching the target marked, and the library's default width.

use crate::args::TuneArgs;
use crate::commands::bench::{read_points, requested_efforts, DEFAULT_EFS};
use crate::error::{CliError, CliResult};
use crate::{index_file, json};
use annoy::{Index, QueryOptions, RecallPoint, RecallSample, SearchK};
use std::fmt::Write;

pub fn run(args: &TuneArgs) -> CliResult<()> {
    if !(0.0..=1.0).contains(&args.target_recall) {
        return Err(CliError::new(format!(
            "--target-recall must be between 0 and 1, got {}",
            args.target_recall
        )));
    }
    let requested_efs = requested_efforts(&args.ef, "--ef")?;
    let index = index_file::open(&args.index, &args.shape, args.prefault)?;
    let points = match &args.queries {
        Some(path) => Some(read_points(path, index.dim(), index.metric())?),
        None => None,
    };
    let sample = match &points {
        Some(p) => RecallSample::Queries(&p.values),
        None => RecallSample::Items {
            count: args.sample,
            seed: args.seed,
        },
    };
    let options = QueryOptions::new(args.k);
    let what = match &points {
        Some(p) => format!("{} query vectors", p.len()),
        None => format!(
            "a sample of {} stored items",
            args.sample.min(index.n_items())
        ),
    };
    match (index.graph_degree(), requested_efs) {
        (Some(_), efs) => {
            let efs = efs.unwrap_or_else(|| DEFAULT_EFS.map(Some).to_vec());
            return tune_ef(args, &index, &options, sample, &efs, &what);
        }
        (None, Some(_)) => {
            return Err(CliError::new(
                "--ef needs an index with a graph (annoy build --graph --format native); \
                 this one has none",
            ))
        }
        (None, None) => {}
    }
    let tuning = index.tune(&options, args.target_recall, sample)?;
    let default = index.estimate_recall(&options.search_k(SearchK::Default), sample)?;
    let shown = |p: &RecallPoint| match p.search_k {
        SearchK::Unlimited => "unlimited".to_string(),
        _ => p.candidates.to_string(),
    };
    let chosen = tuning.best();
    let text = if args.json {
        let point = |p: &RecallPoint| {
            json::object(&[
                (
                    "search_k",
                    match p.search_k {
                        SearchK::Unlimited => "-2".to_string(),
                        _ => p.candidates.to_string(),
                    },
                ),
                ("recall", json::float(p.recall)),
                ("qps", json::float(p.qps)),
            ])
        };
        format!(
            "{}\n",
            json::object(&[
                ("k", args.k.to_string()),
                ("target_recall", json::float(args.target_recall)),
                ("trees", index.n_trees().to_string()),
                ("chosen", chosen.map_or("null".to_string(), point)),
                ("default", point(&default)),
                ("points", json::array(tuning.points.iter().map(point))),
            ])
        )
    } else {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "recall@{} against brute force on {what}; target {}",
            args.k, args.target_recall
        );
        let _ = writeln!(
            out,
            "{:>10}  {:>9}  {:>10}",
            "search_k", "recall", "queries/s"
        );
        for p in &tuning.points {
            let mark = if chosen == Some(p) {
                "  <- smallest reaching the target"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{:>10}  {:>9.3}  {:>10.0}{mark}",
                shown(p),
                p.recall,
                p.qps
            );
        }
        let _ = writeln!(
            out,
            "{:>10}  {:>9.3}  {:>10.0}  Annoy's default: k × trees = {} × {}",
            shown(&default),
            default.recall,
            default.qps,
            args.k,
            index.n_trees()
        );
        match chosen {
            Some(p) => {
                let _ = writeln!(out, "search_k {} reaches recall {:.3}", shown(p), p.recall);
            }
            None => {
                let _ = writeln!(out, "no search_k reaches the target on this sample");
            }
        }
        out
    };
    crate::commands::print(&text)
}

/// The `--ef` table of an index with a graph: each width in `efs` (`None`: the library's
/// default) measured against brute force, the smallest reaching the target marked.
fn tune_ef(
    args: &TuneArgs,
    index: &Index,
    options: &QueryOptions<'_>,
    sample: RecallSample<'_>,
    efs: &[Option<usize>],
    what: &str,
) -> CliResult<()> {
    // The library's default width last, measured on the same truth.
    let mut all = efs.to_vec();
    all.push(None);
    let mut points = index.estimate_recall_at_efs(options, &all, sample)?;
    let default = points.pop().expect("the default width was asked for");
    let width = |p: &RecallPoint| p.beam_width.expect("the index has a graph");
    let chosen = points
        .iter()
        .filter(|p| p.recall >= args.target_recall)
        .min_by_key(|p| width(p));
    let degree = index.graph_degree().unwrap_or(0);
    let text = if args.json {
        let point = |p: &RecallPoint| {
            json::object(&[
                ("ef", width(p).to_string()),
                ("recall", json::float(p.recall)),
                ("qps", json::float(p.qps)),
            ])
        };
        format!(
            "{}\n",
            json::object(&[
                ("k", args.k.to_string()),
                ("target_recall", json::float(args.target_recall)),
                ("trees", index.n_trees().to_string()),
                ("graph_degree", degree.to_string()),
                ("chosen", chosen.map_or("null".to_string(), point)),
                ("default", point(&default)),
                ("points", json::array(points.iter().map(point))),
            ])
        )
    } else {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "recall@{} against brute force on {what}; target {}; a graph of degree {degree}",
            args.k, args.target_recall
        );
        let _ = writeln!(out, "{:>10}  {:>9}  {:>10}", "ef", "recall", "queries/s");
        for p in &points {
            let mark = if chosen.is_some_and(|c| std::ptr::eq(c, p)) {
                "  <- smallest reaching the target"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{:>10}  {:>9.3}  {:>10.0}{mark}",
                width(p),
                p.recall,
                p.qps
            );
        }
        let _ = writeln!(
            out,
            "{:>10}  {:>9.3}  {:>10.0}  the library's default width",
            width(&default),
            default.recall,
            default.qps
        );
        match chosen {
            Some(p) => {
                let _ = writeln!(out, "ef {} reaches recall {:.3}", width(p), p.recall);
            }
            None => {
                let _ = writeln!(out, "no --ef width reaches the target on this sample");
            }
        }
        out
    };
    crate::commands::print(&text)
}
