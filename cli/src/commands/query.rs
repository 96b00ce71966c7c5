//! `annoy query`: the nearest neighbours of an item or a vector, as a table or one JSON line.

use crate::args::QueryArgs;
use crate::error::{CliError, CliResult};
use crate::{index_file, json, numbers};
use annoy::{Neighbor, Query};
use std::fmt::Write;

pub fn run(args: &QueryArgs) -> CliResult<()> {
    let index = index_file::open(&args.index, &args.shape, args.prefault)?;
    // As in Annoy: -1 (or nothing) is the default, n × trees; other negative values mean
    // no limit.
    let search_k = match args.search_k {
        None | Some(-1) => None,
        Some(k) => Some(usize::try_from(k).unwrap_or(usize::MAX)),
    };
    let mut vector = Vec::new();
    let query = match (&args.item, &args.vector) {
        (Some(id), _) => Query::Item(*id),
        (None, Some(text)) => {
            numbers::parse_into(text, &mut vector).map_err(|e| e.context("--vector"))?;
            numbers::check_values(index.metric(), &vector).map_err(|e| e.context("--vector"))?;
            Query::Vector(&vector)
        }
        (None, None) => return Err(CliError::new("give --item or --vector")),
    };
    let neighbors = match args.ef {
        None => index.query(query, args.n, search_k)?,
        Some(ef) => {
            let mut options = annoy::QueryOptions::new(args.n).ef(ef);
            if let Some(k) = search_k {
                options = options.search_k(annoy::SearchK::Limit(k));
            }
            index
                .query_with_options(query, &options, &mut annoy::Scratch::new())?
                .to_vec()
        }
    };
    let text = if args.json {
        json_line(&neighbors)
    } else {
        table(&neighbors)
    };
    crate::commands::print(&text)
}

/// `{"ids":[…],"distances":[…]}` and a newline.
fn json_line(neighbors: &[Neighbor]) -> String {
    let ids = json::array(neighbors.iter().map(|n| n.id.to_string()));
    let distances = json::array(neighbors.iter().map(|n| json::number(n.distance)));
    format!(
        "{}\n",
        json::object(&[("ids", ids), ("distances", distances)])
    )
}

fn table(neighbors: &[Neighbor]) -> String {
    let mut out = format!("{:>4}  {:>10}  {}\n", "rank", "id", "distance");
    for (rank, n) in neighbors.iter().enumerate() {
        let _ = writeln!(out, "{:>4}  {:>10}  {}", rank + 1, n.id, n.distance);
    }
    out
}
