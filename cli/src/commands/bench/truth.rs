//! Ground truth for `annoy bench`: the true k nearest items of each query, read from a file
//! or found by brute force.
//!
//! Brute force over the index's own vectors (neither `--ground-truth` nor `--data`) skips
//! every item whose stored vector is all zeros. The file does not mark holes (ids below the
//! item count that were never added), and they read back as zero vectors; queries never
//! return them, so counting them as true neighbours would understate recall. The price: an
//! item really added as the zero vector is left out of the truth too (it is reported, so a
//! user who has such items knows to pass `--data`).

use crate::demo::brute_force;
use crate::demo::dataset::Points;
use crate::error::{CliError, CliResult};
use crate::input;
use annoy::Index;
use std::path::Path;

/// Checks ids read from a file and keeps the first `k` of each row.
pub fn from_file(
    path: &Path,
    index: &Index,
    n_queries: usize,
    k: usize,
) -> CliResult<Vec<Vec<u32>>> {
    let rows = input::read_id_rows(path)?;
    let name = path.display();
    if rows.len() != n_queries {
        return Err(CliError::new(format!(
            "{name}: {} rows of neighbour ids, but there are {n_queries} queries (one row per query is expected)",
            rows.len()
        )));
    }
    // A row may hold fewer than k ids only when the index has fewer than k items.
    let needed = k.min(index.n_items());
    let mut truth = Vec::with_capacity(rows.len());
    for (r, row) in rows.iter().enumerate() {
        if row.len() < needed {
            return Err(CliError::new(format!(
                "{name} row {r}: {} neighbour ids, but -k {k} needs at least {needed}",
                row.len()
            )));
        }
        let ids = row[..row.len().min(k)]
            .iter()
            .map(|&id| {
                u32::try_from(id)
                    .ok()
                    .filter(|&id| (id as usize) < index.n_items())
                    .ok_or_else(|| {
                        CliError::new(format!(
                            "{name} row {r}: {id} is not an item id of the index (it has {} items)",
                            index.n_items()
                        ))
                    })
            })
            .collect::<CliResult<Vec<u32>>>()?;
        truth.push(ids);
    }
    Ok(truth)
}

/// Brute force over the vectors stored in the index, all-zero ones skipped (see the module
/// note); returns the truth and how many items were skipped.
pub fn from_index(
    index: &Index,
    queries: &Points,
    k: usize,
    threads: usize,
) -> CliResult<(Vec<Vec<u32>>, usize)> {
    let mut points = Points {
        dim: index.dim(),
        values: Vec::new(),
    };
    let mut ids = Vec::new();
    for id in 0..index.n_items() as u32 {
        let vector = index.item_vector(id)?;
        if vector.iter().all(|&x| x == 0.0) {
            continue;
        }
        points.values.extend_from_slice(&vector);
        ids.push(id);
    }
    if ids.is_empty() {
        return Err(CliError::new(
            "every item of the index is the zero vector (a hole); give --data or --ground-truth",
        ));
    }
    let skipped = index.n_items() - ids.len();
    let rows = brute_force::nearest(index.metric(), &points, queries, k, threads);
    let truth = rows
        .into_iter()
        .map(|row| row.into_iter().map(|r| ids[r as usize]).collect())
        .collect();
    Ok((truth, skipped))
}
