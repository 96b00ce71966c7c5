//! The timed part of `annoy bench`: for one search effort, recall@k against the ground truth, the
//! speed of one thread asking one query at a time, and the speed of a batch spread over
//! threads (`Index::query_batch`, as the C and binding batches run). Each speed is the best of
//! several passes over all the queries (the first pass also warms caches and page-ins);
//! `Instant` is monotonic.

use crate::demo::dataset::Points;
use crate::error::CliResult;
use annoy::{Index, Query, QueryOptions, Scratch, SearchK};
use std::time::Instant;

/// How hard each query searches at one point of a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effort {
    /// The forest's candidates (`None`: Annoy's default, k × trees).
    SearchK(Option<usize>),
    /// The graph's beam width (`None`: the library's default).
    Ef(Option<usize>),
}

impl Effort {
    /// The options of a query for `k` neighbours at this effort.
    pub fn options<'a>(self, k: usize) -> QueryOptions<'a> {
        let options = QueryOptions::new(k);
        match self {
            Effort::SearchK(search_k) => {
                options.search_k(search_k.map_or(SearchK::Default, SearchK::Limit))
            }
            Effort::Ef(None) => options,
            Effort::Ef(Some(ef)) => options.ef(ef),
        }
    }
}

/// What is measured and how, fixed for a whole sweep.
pub struct Setup<'a> {
    pub index: &'a Index,
    pub queries: &'a Points,
    /// The true neighbours of each query, at most k each.
    pub truth: &'a [Vec<u32>],
    pub k: usize,
    pub runs: usize,
}

/// The numbers for one effort.
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

/// Measures one effort.
pub fn measure(setup: &Setup<'_>, effort: Effort, buffers: &mut Buffers) -> CliResult<Measured> {
    let options = effort.options(setup.k);
    let mut single_seconds = f64::INFINITY;
    for _ in 0..setup.runs {
        single_seconds = single_seconds.min(single_pass(
            setup,
            &options,
            &mut buffers.scratch,
            &mut buffers.found,
        )?);
    }
    let recall = recall(&buffers.found, setup.truth);
    let mut batch_seconds = f64::INFINITY;
    for _ in 0..setup.runs {
        batch_seconds = batch_seconds.min(batch_pass(setup, &options, buffers)?);
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
    options: &QueryOptions<'_>,
    scratch: &mut Scratch,
    found: &mut [Vec<u32>],
) -> CliResult<f64> {
    let started = Instant::now();
    for (q, out) in found.iter_mut().enumerate() {
        let neighbors = setup.index.query_with_options(
            Query::Vector(setup.queries.row(q)),
            options,
            scratch,
        )?;
        out.clear();
        out.extend(neighbors.iter().map(|n| n.id));
    }
    Ok(started.elapsed().as_secs_f64())
}

/// All queries as one batch over the buffers' threads.
fn batch_pass(
    setup: &Setup<'_>,
    options: &QueryOptions<'_>,
    buffers: &mut Buffers,
) -> CliResult<f64> {
    let started = Instant::now();
    setup.index.query_batch(
        &setup.queries.values,
        options,
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
    fn efforts_set_their_own_option_only() {
        let k = Effort::SearchK(Some(500)).options(10);
        assert_eq!((k.search_k, k.ef), (SearchK::Limit(500), None));
        let d = Effort::SearchK(None).options(10);
        assert_eq!((d.search_k, d.ef), (SearchK::Default, None));
        let e = Effort::Ef(Some(40)).options(10);
        assert_eq!((e.search_k, e.ef), (SearchK::Default, Some(40)));
        assert_eq!(Effort::Ef(None).options(10).ef, None);
    }

    #[test]
    fn recall_counts_hits_over_all_queries() {
        let found = vec![vec![1, 2, 3], vec![7, 8, 9]];
        let truth = vec![vec![3, 2, 1], vec![7, 5, 6]];
        assert!((recall(&found, &truth) - 4.0 / 6.0).abs() < 1e-12);
        assert!(recall(&found, &[vec![], vec![]]).is_nan());
    }
}
