//! `annoy info`: what a saved index holds, for people or as one JSON line.

use crate::args::InfoArgs;
use crate::error::CliResult;
use crate::{index_file, json};
use annoy::{DotLayout, Format, Metric};
use std::fmt::Write;

pub fn run(args: &InfoArgs) -> CliResult<()> {
    let index = index_file::open(&args.index, &args.shape, false)?;
    let file_size = index_file::file_size(&args.index)?;
    let dot_layout = (index.metric() == Metric::Dot).then(|| match index.dot_layout() {
        DotLayout::Annoy117 => "1.17",
        DotLayout::AnnoyMain => "main",
    });
    let mut fields = vec![
        ("metric", index.metric().to_string()),
        ("dim", index.dim().to_string()),
        ("items", index.n_items().to_string()),
        ("trees", index.n_trees().to_string()),
        ("nodes", index.n_nodes().to_string()),
        ("node_size", index.node_size().to_string()),
        ("value_type", index.stored_value_type().to_string()),
        ("file_size", file_size.to_string()),
        (
            "format",
            match index.file_format() {
                Some(Format::Native) => "native",
                _ => "annoy",
            }
            .to_string(),
        ),
    ];
    // The application's own pairs, prefixed so that none can pass for a field above.
    let user_keys: Vec<String> = index
        .metadata_pairs()
        .iter()
        .map(|(k, _)| format!("meta.{k}"))
        .collect();
    for (key, (_, value)) in user_keys.iter().zip(index.metadata_pairs()) {
        fields.push((key.as_str(), String::from_utf8_lossy(value).into_owned()));
    }
    if let Some(layout) = dot_layout {
        fields.push(("dot_layout", layout.to_string()));
    }
    // A native file with a graph: queries search it, with `--ef` as their effort.
    if let Some(degree) = index.graph_degree() {
        fields.push(("graph_degree", degree.to_string()));
    }
    fields.push(("simd", annoy::simd_kernels().to_string()));

    let text = if args.json {
        let numbers = [
            "dim",
            "items",
            "trees",
            "nodes",
            "node_size",
            "file_size",
            "graph_degree",
        ];
        let values: Vec<(&str, String)> = fields
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    if numbers.contains(&k) {
                        v
                    } else {
                        json::string(&v)
                    },
                )
            })
            .collect();
        format!("{}\n", json::object(&values))
    } else {
        // Values line up after the longest key.
        let width = fields.iter().map(|(k, _)| k.len() + 1).max().unwrap_or(0);
        let mut out = String::new();
        for (k, v) in &fields {
            let _ = writeln!(out, "{:<width$} {v}", format!("{k}:"));
        }
        out
    };
    crate::commands::print(&text)
}
