//! The timed part of `annoy bench`: for one search_k, recall@k against the ground truth, the
//! speed of one thread asking one query at a time, and the speed of a batch spread over
//! threads (`Index::query_batch`, as the C and binding batches run). Each speed is the best of
//! several passes over all the queries (the first pass also warms caches and page-ins);
//! `Instant` is monotonic.

use crate::demo::dataset::Points;
use crate::error::CliResult;
use annoy::{Index, Query, QueryOptions, Scratch, SearchK};
use std::time::Instant;

/// What is measured and how, fixed for a whole sweep.
pub struct Setup<'a> {
    pub index: &'a Index,
    pub queries: &'a Points,
    /// The true neighbours of each query, at most k each.
    pub truth: &'a [Vec<u32>],
    pub k: usize,
    pub runs: usize,
}

/// The numbers for one search_k.
pub struct Measured {
    /// Found true neighbours over wanted ones, all queries together (NaN: no truth at all).
    pub recall: f64,
    /// Fastest pass of one thread, one query at a time.
    pub single_seconds: f64,
    /// Fastest pass of the batch (thread start and join included).
    pub batch_seconds: f64,
}

/// Working memory kept across a sweep, so the timed loops allocate nothing once warm.
pub struct Buffers {
    found: Vec<Vec<u32>>,
    scratch: Scratch,
    threads: usize,
    batch_ids: Vec<u32>,
    batch_counts: Vec<usize>,
}

impl Buffers {
    pub fn new(setup: &Setup<'_>, threads: usize) -> Buffers {
        let n = setup.queries.len();
        Buffers {
            found: (0..n).map(|_| Vec::with_capacity(setup.k)).collect(),
            scratch: Scratch::new(),
            threads: threads.max(1),
            batch_ids: vec![0; n * setup.index.result_capacity(setup.k)],
            batch_counts: vec![0; n],
        }
    }
}

/// Measures `search_k` (`None`: Annoy's default).
pub fn measure(
    setup: &Setup<'_>,
    search_k: Option<usize>,
    buffers: &mut Buffers,
) -> CliResult<Measured> {
    let mut single_seconds = f64::INFINITY;
    for _ in 0..setup.runs {
        single_seconds = single_seconds.min(single_pass(
            setup,
            search_k,
            &mut buffers.scratch,
            &mut buffers.found,
        )?);
    }
    let recall = recall(&buffers.found, setup.truth);
    let mut batch_seconds = f64::INFINITY;
    for _ in 0..setup.runs {
        batch_seconds = batch_seconds.min(batch_pass(setup, search_k, buffers)?);
    }
    Ok(Measured {
        recall,
        single_seconds,
        batch_seconds,
    })
}

/// All queries in order on this thread; the ids found go to `found`.
fn single_pass(
    setup: &Setup<'_>,
    search_k: Option<usize>,
    scratch: &mut Scratch,
    found: &mut [Vec<u32>],
) -> CliResult<f64> {
    let started = Instant::now();
    for (q, out) in found.iter_mut().enumerate() {
        let neighbors = setup.index.query_with(
            Query::Vector(setup.queries.row(q)),
            setup.k,
            search_k,
            scratch,
        )?;
        out.clear();
        out.extend(neighbors.iter().map(|n| n.id));
    }
    Ok(started.elapsed().as_secs_f64())
}

/// All queries as one batch over the buffers' threads.
fn batch_pass(setup: &Setup<'_>, search_k: Option<usize>, buffers: &mut Buffers) -> CliResult<f64> {
    let options =
        QueryOptions::new(setup.k).search_k(search_k.map_or(SearchK::Default, SearchK::Limit));
    let started = Instant::now();
    setup.index.query_batch(
        &setup.queries.values,
        &options,
        buffers.threads,
        &mut buffers.batch_ids,
        None,
        &mut buffers.batch_counts,
    )?;
    Ok(started.elapsed().as_secs_f64())
}

/// True neighbours found over true neighbours wanted, summed over all queries.
fn recall(found: &[Vec<u32>], truth: &[Vec<u32>]) -> f64 {
    let (mut hits, mut wanted) = (0usize, 0usize);
    for (found, truth) in found.iter().zip(truth) {
        hits += found.iter().filter(|id| truth.contains(id)).count();
        wanted += truth.len();
    }
    if wanted == 0 {
        f64::NAN
    } else {
        hits as f64 / wanted as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_counts_hits_over_all_queries() {
        let found = vec![vec![1, 2, 3], vec![7, 8, 9]];
        let truth = vec![vec![3, 2, 1], vec![7, 5, 6]];
        assert!((recall(&found, &truth) - 4.0 / 6.0).abs() < 1e-12);
        assert!(recall(&found, &[vec![], vec![]]).is_nan());
    }
}
