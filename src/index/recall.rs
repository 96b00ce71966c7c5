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
    /// doubling the effort from `n` candidates until it does (an unlimited search last), then
    /// halving the gap between the last effort short of the target and the first to reach it
    /// until they are within 5%. `options.search_k` is ignored; the filter applies.
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
        let at = |k: SearchK| self.measure(&truth, &options.search_k(k));
        // Past this every tree has been walked to the end: the same as unlimited.
        let full = self.n_items.saturating_mul(self.roots.len()).max(1);
        let mut points = Vec::new();
        let mut low = 0usize;
        let mut k = options.n.max(1);
        let high = loop {
            let point = if k >= full {
                at(SearchK::Unlimited)?
            } else {
                at(SearchK::Limit(k))?
            };
            points.push(point);
            if point.recall >= target {
                break Some(k.min(full));
            }
            if k >= full {
                break None;
            }
            low = k;
            k = k.saturating_mul(2);
        };
        let Some(mut high) = high else {
            return Ok(Tuning {
                points,
                chosen: None,
            });
        };
        while high - low > 1 && (high - low) as f64 > 0.05 * high as f64 {
            let mid = low + (high - low) / 2;
            let point = at(SearchK::Limit(mid))?;
            points.push(point);
            if point.recall >= target {
                high = mid;
            } else {
                low = mid;
            }
        }
        points.sort_by_key(|p| p.candidates);
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
