//! The timed part of `annoy bench`: for one search_k, recall@k against the ground truth, the
//! speed of one thread asking one query at a time, and the speed of a batch spread over
//! threads. Each speed is the best of several passes over all the queries (the first pass
//! also warms caches and page-ins); `Instant` is monotonic.

use crate::demo::dataset::Points;
use crate::error::CliResult;
use annoy::{Index, Query, Scratch};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Queries a batch thread takes at a time from the shared counter: small enough to keep the
/// threads busy until the end, large enough that the counter is not contended.
const BLOCK: usize = 16;

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

/// A thread's scratch on cache lines of its own: a `Scratch` is written on every query (the
/// lengths of its vectors), and two side by side would make their threads fight over a line.
#[repr(align(128))]
struct Padded(Scratch);

/// Working memory kept across a sweep, so the timed loops allocate nothing once warm.
pub struct Buffers {
    found: Vec<Vec<u32>>,
    scratch: Scratch,
    batch: Vec<Padded>,
}

impl Buffers {
    pub fn new(setup: &Setup<'_>, threads: usize) -> Buffers {
        Buffers {
            found: (0..setup.queries.len())
                .map(|_| Vec::with_capacity(setup.k))
                .collect(),
            scratch: Scratch::new(),
            batch: (0..threads.clamp(1, setup.queries.len().max(1)))
                .map(|_| Padded(Scratch::new()))
                .collect(),
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
        batch_seconds = batch_seconds.min(batch_pass(setup, search_k, &mut buffers.batch)?);
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

/// All queries over one thread per scratch, each taking blocks of queries as it gets free.
fn batch_pass(
    setup: &Setup<'_>,
    search_k: Option<usize>,
    scratches: &mut [Padded],
) -> CliResult<f64> {
    let n = setup.queries.len();
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let outcomes: Vec<CliResult<()>> = std::thread::scope(|scope| {
        let workers: Vec<_> = scratches
            .iter_mut()
            .map(|Padded(scratch)| {
                let next = &next;
                scope.spawn(move || -> CliResult<()> {
                    loop {
                        let start = next.fetch_add(BLOCK, Ordering::Relaxed);
                        if start >= n {
                            return Ok(());
                        }
                        for q in start..(start + BLOCK).min(n) {
                            let neighbors = setup.index.query_with(
                                Query::Vector(setup.queries.row(q)),
                                setup.k,
                                search_k,
                                scratch,
                            )?;
                            std::hint::black_box(neighbors);
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    outcomes.into_iter().collect::<CliResult<()>>()?;
    Ok(seconds)
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
