//! `Index`'s graph: building it over the built index, querying it, and its section payloads.

use super::{Index, Operation};
use crate::error::{Error, Result};
use crate::forest::search::{Neighbor, Scratch};
use crate::format::NodeBuf;
use crate::graph::build::build_graph;
use crate::graph::search::{beam_search_bounded, Items};
use crate::graph::{Graph, GraphParams};
use crate::metric::{with_space, Space};
use crate::query::{Filter, QueryOptions};

/// Items the forest hands the graph search as extra entry points.
const FOREST_SEEDS: usize = 8;

impl Index {
    /// Builds a graph over the items of the built index, on `n_threads` threads (`-1`: one
    /// per core). From then on queries search the graph (their effort is
    /// [`QueryOptions::ef`]); the forest stays for [`Index::drop_graph`]. The graph is the same,
    /// byte for byte, for every thread count, given the index's seed.
    pub fn build_graph(&mut self, params: GraphParams, n_threads: i32) -> Result<()> {
        self.state.allows(Operation::BuildGraph)?;
        params.check()?;
        let threads = match n_threads {
            -1 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n if n >= 1 => n as usize,
            n => {
                return Err(Error::invalid(format!(
                    "n_threads must be at least 1 (or -1 for one per core), got {n}"
                )))
            }
        };
        let widened = self.widened_items()?;
        let items = match &widened {
            None => self.graph_items(),
            Some(words) => Items {
                bytes: &crate::format::words_as_bytes(words)[..self.n_items * self.node_size()],
                node_size: self.node_size(),
                layout: self.layout(),
                widen: None,
            },
        };
        let forest = self.forest();
        let present: Vec<u32> = (0..self.n_items as u32)
            .filter(|&i| forest.is_item(i as i32))
            .collect();
        if present.is_empty() {
            return Err(Error::state("the index has no items to build a graph over"));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::invalid(format!("cannot start {threads} build threads: {e}")))?;
        let seed = self.seed;
        let graph = pool.install(
            || with_space!(&self.space, sp => build_graph(sp, items, &present, &params, seed)),
        );
        self.graph = Some(graph);
        Ok(())
    }

    /// Whether queries search a graph.
    pub fn has_graph(&self) -> bool {
        self.graph.is_some()
    }

    /// Drops the graph: queries walk the forest again.
    pub fn drop_graph(&mut self) {
        self.graph = None;
    }

    /// The graph's edges per item, when it has one.
    pub fn graph_degree(&self) -> Option<usize> {
        self.graph.as_ref().map(|g| g.degree)
    }

    /// The graph's section payloads for a file: `(header, adjacency)`, plain little-endian
    /// bytes (see [`Index::set_graph_sections`]).
    pub fn graph_sections(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        self.graph.as_ref().map(Graph::to_sections)
    }

    /// Installs a graph from the payloads [`Index::graph_sections`] gave, for this index's
    /// items; checks them whole (a damaged file gets [`Error::Corrupt`], never a bad read).
    pub fn set_graph_sections(&mut self, header: &[u8], adjacency: &[u8]) -> Result<()> {
        self.check_queryable()?;
        self.graph = Some(Graph::from_sections(header, adjacency, self.n_items)?);
        Ok(())
    }

    fn graph_items(&self) -> Items<'_> {
        let s = self.item_size();
        Items {
            bytes: &self.storage.regions(self.n_items * s).0[..self.n_items * s],
            node_size: s,
            layout: self.layout(),
            widen: self.widen(),
        }
    }

    /// The items widened to f32 records, for a graph build over f16 items (whose
    /// item-to-item distances run many times per item): `None` when they are f32.
    fn widened_items(&self) -> Result<Option<Vec<u64>>> {
        let Some(widen) = self.widen() else {
            return Ok(None);
        };
        let layout = self.layout();
        let s = layout.node_size();
        let bytes = self.n_items * s;
        let mut words: Vec<u64> = Vec::new();
        words.try_reserve_exact(bytes.div_ceil(8)).map_err(|_| {
            Error::invalid(format!(
                "cannot allocate {bytes} bytes for the items widened to f32"
            ))
        })?;
        words.resize(bytes.div_ceil(8), 0);
        let out = crate::format::words_as_bytes_mut(&mut words);
        let items = self.graph_items();
        for (i, record) in out[..bytes].chunks_exact_mut(s).enumerate() {
            crate::format::f16::widen_record(&layout, items.node(i).0, record, widen);
        }
        Ok(Some(words))
    }

    /// The graph's answer to a prepared query record, into `scratch.results`.
    pub(super) fn graph_search(
        &self,
        record: &NodeBuf,
        options: &QueryOptions<'_>,
        scratch: &mut Scratch,
    ) -> Result<()> {
        let graph = self.graph.as_ref().expect("checked by the caller");
        let n = options.n;
        if options.ef == Some(0) {
            return Err(Error::invalid("ef must be at least 1, got 0"));
        }
        let ef = options.beam_width();
        scratch.results.clear();
        if n == 0 {
            return Ok(());
        }
        let n_items = self.n_items;
        let items = self.graph_items();
        let q = record.node();
        let forest = self.forest();
        // A walk visits about `ef × degree` items unfiltered, and `1 / selectivity` times as
        // many under a filter, each a distance; a scan measures each allowed item once.
        let walk_cost =
            |allowed: usize| (ef * graph.degree) as f64 * n_items as f64 / allowed.max(1) as f64;
        let limit = (ef * graph.degree).saturating_mul(16).max(n_items / 8);
        with_space!(&self.space, sp => {
            // Entry points from the forest too: a short walk of every tree finds items near
            // the query in several trees' leaves, where the graph's own entry tree gives one
            // leaf. Without them a query between clusters can start, and stay, in the wrong
            // one (the pruned graph has few edges between clusters).
            let mut seeds = [0u32; FOREST_SEEDS];
            let mut n_seeds = 0;
            if forest.search(sp, q, FOREST_SEEDS, ef, |_| true, usize::MAX, scratch)? {
                for hit in &scratch.results {
                    seeds[n_seeds] = hit.id;
                    n_seeds += 1;
                }
            }
            scratch.results.clear();
            let walked = match options.filter {
                Filter::All => {
                    beam_search_bounded(sp, items, graph, q, ef, &seeds[..n_seeds], &|_| true, usize::MAX, &mut scratch.beam)
                }
                Filter::Allow(bits) => {
                    let allowed = bits.count().min(n_items);
                    if allowed as f64 <= walk_cost(allowed) / graph.degree as f64 {
                        false
                    } else {
                        beam_search_bounded(sp, items, graph, q, ef, &seeds[..n_seeds], &|id| bits.contains(id), limit, &mut scratch.beam)
                    }
                }
                Filter::Predicate(allowed) => {
                    beam_search_bounded(sp, items, graph, q, ef, &seeds[..n_seeds], &|id| allowed(id), limit, &mut scratch.beam)
                }
            };
            if walked {
                let beam = &mut scratch.beam;
                for k in 0..n.min(beam.out.len()) {
                    let (_, id) = beam.result(k);
                    let d = sp.distance(q, items.f32_node(id as usize, &mut beam.widened));
                    scratch.results.push(Neighbor { id, distance: sp.user_distance(d) });
                }
                // The graph ranks by its own distance; for dot that is the augmented one,
                // which orders a query's items as the inner product does, up to rounding.
                Ok(())
            } else {
                match options.filter {
                    Filter::All => unreachable!("an unfiltered walk is unbounded"),
                    Filter::Allow(bits) => forest.scan(sp, q, n, bits.ids(), scratch),
                    Filter::Predicate(allowed) => {
                        forest.scan(sp, q, n, (0..n_items as u32).filter(|&id| allowed(id)), scratch)
                    }
                }
                Ok(())
            }
        })
    }
}
