//! `Index`'s queries: one query, a batch over threads, and the filtered search's choice between
//! a widened walk and a scan. The rules they follow are stated in [`crate::query`].

use super::{Index, Operation, Query};
use crate::error::{Error, Result};
use crate::forest::search::{Neighbor, Scratch};
use crate::format::NodeBuf;
use crate::metric::{with_space, Space};
use crate::query::{Filter, QueryOptions};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Queries a batch thread takes at a time: few enough to balance the threads' loads, enough
/// that taking them costs nothing.
const BATCH_BLOCK: usize = 16;

/// How many item slots a walk under a predicate passes over before it stops and scans every
/// item with the predicate instead. A predicate's selectivity is unknown until the walk sees
/// it reject: passing over `max(8 × search_k, n_items / 8)` slots without gathering
/// `search_k` allowed ones means fewer than one item in eight (or in `n_items / 8 / search_k`)
/// is allowed, where the scan (`n_items` predicate calls, a distance per allowed item) costs
/// less than the walk still ahead, and is exact.
fn predicate_walk_limit(search_k: usize, n_items: usize) -> usize {
    search_k.saturating_mul(8).max(n_items / 8)
}

impl Index {
    /// The most results a query for `n` neighbours can return: `min(n, n_items)`: the
    /// smallest result buffer (or batch row) a query for `n` accepts.
    pub fn result_capacity(&self, n: usize) -> usize {
        n.min(self.n_items)
    }

    /// The query `options` describe, using caller-owned working memory: once `scratch` has
    /// grown to the sizes a query needs, queries allocate nothing. The results, nearest first,
    /// live in `scratch`.
    pub fn query_with_options<'s>(
        &self,
        query: Query<'_>,
        options: &QueryOptions<'_>,
        scratch: &'s mut Scratch,
    ) -> Result<&'s [Neighbor]> {
        self.check_queryable()?;
        let mut record = self.query_record(query, scratch)?;
        let result = self.search_record(&record, options, scratch);
        scratch.query = Some(std::mem::replace(&mut record, NodeBuf::zeroed(0)));
        result.map(|()| scratch.results.as_slice())
    }

    /// Answers one query per `dim` floats of `queries`, on `n_threads` threads (0: one per
    /// core), each with its own scratch. `out_ids` holds one row per query, all of the same
    /// length (`out_ids.len() / n_queries`), which must be at least
    /// [`Index::result_capacity`]`(options.n)`; `out_distances`, if given, is laid out the
    /// same. Query `i`'s results go to the start of row `i`, their number to `out_counts[i]`;
    /// the rest of a row is left as it was. Every vector is checked before any query runs; on
    /// error the outputs may hold some queries' results.
    pub fn query_batch(
        &self,
        queries: &[f32],
        options: &QueryOptions<'_>,
        n_threads: usize,
        out_ids: &mut [u32],
        out_distances: Option<&mut [f32]>,
        out_counts: &mut [usize],
    ) -> Result<()> {
        self.check_queryable()?;
        let dim = self.dim;
        if !queries.len().is_multiple_of(dim) {
            return Err(Error::invalid(format!(
                "{} query values are not a whole number of {dim}-value vectors",
                queries.len()
            )));
        }
        let n_queries = queries.len() / dim;
        if n_queries == 0 {
            return Ok(());
        }
        let row = out_ids.len() / n_queries;
        let need = self.result_capacity(options.n);
        if row < need {
            return Err(Error::invalid(format!(
                "out_ids holds rows of {row} results for {n_queries} queries, {need} needed"
            )));
        }
        let slots = n_queries * row;
        if let Some(d) = out_distances.as_deref() {
            if d.len() < slots {
                return Err(Error::invalid(format!(
                    "out_distances holds {} entries, {slots} needed",
                    d.len()
                )));
            }
        }
        if out_counts.len() < n_queries {
            return Err(Error::invalid(format!(
                "out_counts holds {} entries, {n_queries} needed",
                out_counts.len()
            )));
        }
        for (q, v) in queries.chunks_exact(dim).enumerate() {
            // A position in the whole of `queries`.
            self.check_vector(v).map_err(|e| match e {
                Error::NotFinite { position } => Error::NotFinite {
                    position: q * dim + position,
                },
                e => e,
            })?;
        }
        if need == 0 {
            out_counts[..n_queries].fill(0);
            return Ok(());
        }
        let threads = match n_threads {
            0 => std::thread::available_parallelism().map_or(1, |t| t.get()),
            t => t,
        }
        .min(n_queries.div_ceil(BATCH_BLOCK));

        let ids = out_ids[..slots].chunks_mut(row * BATCH_BLOCK);
        let distances: Box<dyn Iterator<Item = Option<&mut [f32]>> + Send> = match out_distances {
            Some(d) => Box::new(d[..slots].chunks_mut(row * BATCH_BLOCK).map(Some)),
            None => Box::new(std::iter::repeat_with(|| None)),
        };
        let blocks = queries
            .chunks(dim * BATCH_BLOCK)
            .zip(ids)
            .zip(distances)
            .zip(out_counts[..n_queries].chunks_mut(BATCH_BLOCK));
        let blocks = Mutex::new(blocks);
        let failed = AtomicBool::new(false);
        let work = || -> Result<()> {
            let mut scratch = Scratch::new();
            loop {
                if failed.load(Ordering::Relaxed) {
                    return Ok(());
                }
                // A poisoned lock means another worker panicked; its panic is re-raised below.
                let Some((((vectors, ids), mut dists), counts)) =
                    blocks.lock().ok().and_then(|mut b| b.next())
                else {
                    return Ok(());
                };
                for (q, v) in vectors.chunks_exact(dim).enumerate() {
                    let found =
                        match self.query_with_options(Query::Vector(v), options, &mut scratch) {
                            Ok(found) => found,
                            Err(e) => {
                                failed.store(true, Ordering::Relaxed);
                                return Err(e);
                            }
                        };
                    let slots = q * row..q * row + found.len();
                    for (slot, r) in ids[slots.clone()].iter_mut().zip(found) {
                        *slot = r.id;
                    }
                    if let Some(d) = dists.as_deref_mut() {
                        for (slot, r) in d[slots].iter_mut().zip(found) {
                            *slot = r.distance;
                        }
                    }
                    counts[q] = found.len();
                }
            }
        };
        if threads <= 1 {
            return work();
        }
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            let mut outcome = Ok(());
            for w in workers {
                let result = w
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                outcome = outcome.and(result);
            }
            outcome
        })
    }

    pub(super) fn check_queryable(&self) -> Result<()> {
        self.state.allows(Operation::Query)
    }

    /// The query as a record in the metric's layout, in `scratch`'s buffer when it has one.
    pub(super) fn query_record(&self, query: Query<'_>, scratch: &mut Scratch) -> Result<NodeBuf> {
        let layout = self.layout();
        let mut record = scratch.query.take().unwrap_or_else(|| NodeBuf::zeroed(0));
        if record.bytes().len() != layout.node_size() {
            record = NodeBuf::zeroed(layout.node_size());
        } else {
            record.clear();
        }
        let prepared = match query {
            Query::Vector(v) => self.check_vector(v).map(|()| {
                with_space!(&self.space, sp => sp.store(&mut record.node_mut(), v));
            }),
            Query::Item(id) => self.item(id).map(|item| {
                let mut q = record.node_mut();
                match self.widen() {
                    None => q.0[layout.vector..].copy_from_slice(&item.0[layout.vector..]),
                    Some(widen) => {
                        crate::format::f16::widen_record(&layout, item.0, q.0, widen);
                        // Only the vector: the query's other fields start from zero.
                        q.0[..layout.vector].fill(0);
                    }
                }
                with_space!(&self.space, sp => sp.init_record(&mut q));
            }),
        };
        match prepared {
            Ok(()) => Ok(record),
            Err(e) => {
                scratch.query = Some(record);
                Err(e)
            }
        }
    }

    /// Runs the search `options` describe for a prepared query record.
    pub(super) fn search_record(
        &self,
        record: &NodeBuf,
        options: &QueryOptions<'_>,
        scratch: &mut Scratch,
    ) -> Result<()> {
        if self.graph.is_some() {
            return self.graph_search(record, options, scratch);
        }
        if options.ef.is_some() {
            return Err(Error::state(
                "the query sets ef but the index has no graph; call build_graph() first",
            ));
        }
        let n = options.n;
        let search_k = options.search_k.candidates(n, self.roots.len());
        let forest = self.forest();
        let n_items = self.n_items;
        let q = record.node();
        let all = 0..n_items as u32;
        with_space!(&self.space, sp => match options.filter {
            Filter::All => forest
                .search(sp, q, n, search_k, |_| true, usize::MAX, scratch)
                .map(drop),
            Filter::Allow(bits) if bits.prefers_scan(search_k, n_items) => {
                forest.scan(sp, q, n, bits.ids(), scratch);
                Ok(())
            }
            Filter::Allow(bits) => forest
                .search(sp, q, n, search_k, |id| bits.contains(id as u32), usize::MAX, scratch)
                .map(drop),
            Filter::Predicate(allowed) => {
                let walked = forest.search(
                    sp,
                    q,
                    n,
                    search_k,
                    |id| id >= 0 && (id as usize) < n_items && allowed(id as u32),
                    predicate_walk_limit(search_k, n_items),
                    scratch,
                )?;
                if !walked {
                    forest.scan(sp, q, n, all.filter(|&id| allowed(id)), scratch);
                }
                Ok(())
            }
        })
    }

    /// The exact `n` nearest items to a prepared query record among all items allowed by
    /// `filter`: brute force, for measuring recall.
    pub(super) fn exact_record(
        &self,
        record: &NodeBuf,
        n: usize,
        filter: Filter<'_>,
        scratch: &mut Scratch,
    ) {
        let forest = self.forest();
        let q = record.node();
        let all = 0..self.n_items as u32;
        with_space!(&self.space, sp => match filter {
            Filter::All => forest.scan(sp, q, n, all, scratch),
            Filter::Allow(bits) => forest.scan(sp, q, n, bits.ids(), scratch),
            Filter::Predicate(allowed) => {
                forest.scan(sp, q, n, all.filter(|&id| allowed(id)), scratch)
            }
        })
    }
}
