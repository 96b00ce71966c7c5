//! Recall tuning: how close a search effort comes to brute force, and the smallest effort that
//! reaches a target recall.
//!
//! Recall@k is measured as it usually is: over the sample's queries, the true k nearest items
//! (by an exact scan of every item, or of every allowed item under a filter) that the query
//! found, divided by all true ones wanted. For a stored item's query the item itself counts,
//! as a caller querying by item would see it. Recall never falls as the effort grows: a larger
//! effort walks the same path further, so its candidates include the smaller one's.

use super::{Index, Query};
use crate::error::{Error, Result};
use crate::forest::search::Scratch;
use crate::query::{QueryOptions, SearchK};
use crate::random::Kiss64;
use std::time::Instant;

/// The queries a recall estimate runs.
#[derive(Clone, Copy, Debug)]
pub enum RecallSample<'a> {
    /// `count` distinct stored items (all of them if there are fewer), drawn with `seed`.
    Items { count: usize, seed: u64 },
    /// Query vectors, one after another, `dim` values each.
    Queries(&'a [f32]),
}

/// One effort's measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RecallPoint {
    pub search_k: SearchK,
    /// Candidates that effort means for these queries (`n × n_trees` for the default).
    pub candidates: usize,
    /// The beam width the graph searched with, when the index has one (it then answers every
    /// query, and `search_k` is unused).
    pub beam_width: Option<usize>,
    /// Recall@k against brute force, 0 to 1.
    pub recall: f64,
    /// Queries per second on one thread (the fastest of three passes).
    pub qps: f64,
}

/// What [`Index::tune`] measured: every effort it tried, in increasing order, and the smallest
/// that reached the target (`None`: not even an unlimited search did).
#[derive(Clone, Debug)]
pub struct Tuning {
    pub points: Vec<RecallPoint>,
    pub chosen: Option<usize>,
}

impl Tuning {
    /// The smallest effort that reached the target.
    pub fn best(&self) -> Option<&RecallPoint> {
        self.chosen.map(|i| &self.points[i])
    }

    /// The effort to query with, as one integer, and its point: on a graph the beam width
    /// (the widest tried when none reached the target); on the forest `search_k` in Annoy's
    /// convention ([`SearchK::to_annoy`]), -2 (unlimited) when only an unlimited search
    /// reached the target or none did. `None` when nothing was measured.
    pub fn effort(&self) -> Option<(i64, &RecallPoint)> {
        let point = self.best().or(self.points.last())?;
        let effort = match (point.beam_width, point.search_k) {
            (Some(width), _) => i64::try_from(width).unwrap_or(i64::MAX),
            (None, SearchK::Limit(k)) if self.chosen.is_some() => SearchK::Limit(k).to_annoy(),
            _ => SearchK::Unlimited.to_annoy(),
        };
        Some((effort, point))
    }
}

/// The sample's queries with their true neighbours, prepared once for many efforts.
struct Truth<'a> {
    queries: Vec<Query<'a>>,
    ids: Vec<Vec<u32>>,
}

impl Index {
    /// Recall@`options.n` of a search at `options.search_k` (under `options.filter`) against
    /// brute force over `sample`, with the single-thread queries per second.
    pub fn estimate_recall(
        &self,
        options: &QueryOptions<'_>,
        sample: RecallSample<'_>,
    ) -> Result<RecallPoint> {
        let truth = self.truth(options, sample)?;
        self.measure(&truth, options)
    }

    /// Recall@`options.n` of the graph at each beam width of `efs` (`None`: the default), in
    /// that order, against brute force over `sample`, computed once for them all; with the
    /// single-thread queries per second. `options.ef` is ignored; the filter applies. Errors
    /// as a query's: [`Error::WrongState`] without a graph (unless every width is `None`, which
    /// then measures the forest at `options.search_k`), [`Error::InvalidArgument`] for 0.
    pub fn estimate_recall_at_efs(
        &self,
        options: &QueryOptions<'_>,
        efs: &[Option<usize>],
        sample: RecallSample<'_>,
    ) -> Result<Vec<RecallPoint>> {
        let truth = self.truth(options, sample)?;
        efs.iter()
            .map(|&ef| {
                let mut at = *options;
                at.ef = ef;
                self.measure(&truth, &at)
            })
            .collect()
    }

    /// The smallest search effort whose recall@`options.n` reaches `target` on `sample`, by
    /// doubling the effort from `n` until it does (the largest effort last), then halving the
    /// gap between the last effort short of the target and the first to reach it until they
    /// are within 5%. The effort is the one that answers the index's queries: the graph's
    /// beam width when it has a graph (up to every item), otherwise the forest's `search_k`
    /// (up to an unlimited search). `options.search_k` and `options.ef` are ignored; the
    /// filter applies.
    pub fn tune(
        &self,
        options: &QueryOptions<'_>,
        target: f64,
        sample: RecallSample<'_>,
    ) -> Result<Tuning> {
        if !(0.0..=1.0).contains(&target) {
            return Err(Error::invalid(format!(
                "the target recall must be between 0 and 1, got {target}"
            )));
        }
        let truth = self.truth(options, sample)?;
        let start = options.n.max(1);
        let mut points = if self.graph.is_some() {
            let widest = self.n_items.max(start);
            // Widths below n search as n: the bisection stays at or above it.
            search_efforts(start, start, widest, target, |w| {
                self.measure(&truth, &options.ef(w))
            })?
        } else {
            // Past this every tree has been walked to the end: the same as unlimited.
            let full = self.n_items.saturating_mul(self.roots.len()).max(1);
            search_efforts(1, start, full, target, |k| {
                let k = if k >= full {
                    SearchK::Unlimited
                } else {
                    SearchK::Limit(k)
                };
                self.measure(&truth, &options.search_k(k))
            })?
        };
        points.sort_by_key(|p| (p.beam_width, p.candidates));
        let chosen = points.iter().position(|p| p.recall >= target);
        Ok(Tuning { points, chosen })
    }

    fn truth<'a>(&self, options: &QueryOptions<'_>, sample: RecallSample<'a>) -> Result<Truth<'a>> {
        self.check_queryable()?;
        let queries: Vec<Query<'a>> = match sample {
            RecallSample::Queries(values) => {
                if !values.len().is_multiple_of(self.dim) {
                    return Err(Error::invalid(format!(
                        "{} query values are not a whole number of {}-value vectors",
                        values.len(),
                        self.dim
                    )));
                }
                values.chunks_exact(self.dim).map(Query::Vector).collect()
            }
            RecallSample::Items { count, seed } => self.sample_items(count, seed),
        };
        if queries.is_empty() {
            return Err(Error::invalid("the recall sample holds no queries"));
        }
        let mut scratch = Scratch::new();
        let mut ids = Vec::with_capacity(queries.len());
        for &q in &queries {
            let record = self.query_record(q, &mut scratch)?;
            self.exact_record(&record, options.n, options.filter, &mut scratch);
            ids.push(scratch.results.iter().map(|r| r.id).collect());
            scratch.query = Some(record);
        }
        Ok(Truth { queries, ids })
    }

    /// Up to `count` distinct stored items (holes skipped), in a seeded random order.
    fn sample_items<'a>(&self, count: usize, seed: u64) -> Vec<Query<'a>> {
        let forest = self.forest();
        let real: Vec<u32> = (0..self.n_items as u32)
            .filter(|&i| forest.is_item(i as i32))
            .collect();
        let mut picks = real;
        let mut rng = Kiss64::new(seed);
        // A partial Fisher-Yates shuffle: the first `count` places are the sample.
        let count = count.min(picks.len());
        for i in 0..count {
            let j = i + rng.index(picks.len() - i);
            picks.swap(i, j);
        }
        picks.truncate(count);
        picks.into_iter().map(Query::Item).collect()
    }

    fn measure(&self, truth: &Truth<'_>, options: &QueryOptions<'_>) -> Result<RecallPoint> {
        let mut scratch = Scratch::new();
        let (mut hits, mut wanted) = (0usize, 0usize);
        let mut seconds = f64::INFINITY;
        // The fastest of three passes: queries are cheap next to the brute force, and a
        // shared machine's noise mostly slows a pass down.
        for pass in 0..3 {
            let started = Instant::now();
            for (q, want) in truth.queries.iter().zip(&truth.ids) {
                let found = self.query_with_options(*q, options, &mut scratch)?;
                if pass == 0 {
                    hits += found.iter().filter(|r| want.contains(&r.id)).count();
                    wanted += want.len();
                }
            }
            seconds = seconds.min(started.elapsed().as_secs_f64());
        }
        Ok(RecallPoint {
            search_k: options.search_k,
            candidates: options.search_k.candidates(options.n, self.roots.len()),
            beam_width: self.graph.is_some().then(|| options.beam_width()),
            recall: if wanted == 0 {
                1.0
            } else {
                hits as f64 / wanted as f64
            },
            qps: truth.queries.len() as f64 / seconds.max(1e-9),
        })
    }
}

/// The points `at` measured while looking for the smallest effort, between `smallest` and
/// `largest`, whose recall reaches `target`: doubling from `start`, then bisecting (see
/// [`Index::tune`]), in the order measured.
fn search_efforts(
    smallest: usize,
    start: usize,
    largest: usize,
    target: f64,
    at: impl Fn(usize) -> Result<RecallPoint>,
) -> Result<Vec<RecallPoint>> {
    let mut points = Vec::new();
    let mut low = smallest - 1;
    let mut effort = start.min(largest);
    let mut high = loop {
        let point = at(effort)?;
        points.push(point);
        if point.recall >= target {
            break effort;
        }
        if effort >= largest {
            return Ok(points);
        }
        low = effort;
        effort = effort.saturating_mul(2).min(largest);
    };
    while high - low > 1 && (high - low) as f64 > 0.05 * high as f64 {
        let mid = low + (high - low) / 2;
        let point = at(mid)?;
        points.push(point);
        if point.recall >= target {
            high = mid;
        } else {
            low = mid;
        }
    }
    Ok(points)
}
