//! The graph's query: beam search from the entry points, with caller-owned working memory
//! (a visited set stamped by generation, two bounded heaps) so that a warmed-up query
//! allocates nothing.

use super::build::ordered;
use super::{Graph, LEAF_ENTRIES, NO_EDGE};
use crate::forest::search::Widen;
use crate::format::f16::widen_record;
use crate::format::{Layout, Node, NodeBuf};
use crate::metric::kernels::{prefetch_record, Soon};
use crate::metric::Space;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The item records: `len()` records of `node_size` bytes.
#[derive(Clone, Copy)]
pub(crate) struct Items<'a> {
    pub bytes: &'a [u8],
    /// Bytes per item record (less than `layout.node_size()` when the vectors are f16).
    pub node_size: usize,
    /// The metric's record layout, which its distances read.
    pub layout: Layout,
    /// Set when the vectors are f16: how to widen a record for the metric.
    pub widen: Option<Widen>,
}

impl<'a> Items<'a> {
    #[inline]
    pub(crate) fn node(&self, i: usize) -> Node<'a> {
        Node(&self.bytes[i * self.node_size..(i + 1) * self.node_size])
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len() / self.node_size
    }

    /// Item `i`'s record in the metric's layout: in place, or (f16 vectors) widened into
    /// `buf`.
    #[inline]
    pub(crate) fn f32_node<'b>(&self, i: usize, buf: &'b mut Option<NodeBuf>) -> Node<'b>
    where
        'a: 'b,
    {
        let node = self.node(i);
        let Some(widen) = self.widen else {
            return node;
        };
        let size = self.layout.node_size();
        if buf.as_ref().is_none_or(|b| b.bytes().len() != size) {
            *buf = Some(NodeBuf::zeroed(size));
        }
        let buf = buf.as_mut().expect("set above");
        widen_record(&self.layout, node.0, buf.node_mut().0, widen);
        buf.node()
    }
}

/// `(distance, id)` packed so that integer order is `(distance, id)` order.
#[inline]
fn pack(distance: f32, id: u32) -> u64 {
    (ordered(distance) as u64) << 32 | id as u64
}

#[inline]
fn unpack_distance(key: u64) -> f32 {
    let k = (key >> 32) as u32;
    f32::from_bits(if k >> 31 == 1 { k & !(1 << 31) } else { !k })
}

/// Working memory of graph searches. One per thread; it serves any graph.
#[derive(Default)]
pub(crate) struct Beam {
    /// `visited[i] == generation` while the current search has seen item `i`.
    visited: Vec<u32>,
    generation: u32,
    /// Items to expand, nearest first.
    frontier: BinaryHeap<Reverse<u64>>,
    /// The best `ef` allowed items so far, worst on top.
    best: BinaryHeap<u64>,
    /// Neighbours of the item being expanded not seen before.
    fresh: Vec<u32>,
    /// `best`, nearest first, after a search.
    pub(crate) out: Vec<u64>,
    /// An f16 item record widened for the metric.
    pub(crate) widened: Option<NodeBuf>,
}

impl Beam {
    fn start(&mut self, n_items: usize) {
        if self.visited.len() < n_items {
            self.visited.resize(n_items, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.visited.fill(0);
            self.generation = 1;
        }
        self.frontier.clear();
        self.best.clear();
        self.out.clear();
    }

    #[inline]
    fn visit(&mut self, i: u32) -> bool {
        let slot = &mut self.visited[i as usize];
        let fresh = *slot != self.generation;
        *slot = self.generation;
        fresh
    }

    /// Result `k` of the last search: `(internal distance, id)`.
    pub(crate) fn result(&self, k: usize) -> (f32, u32) {
        let key = self.out[k];
        (unpack_distance(key), key as u32)
    }
}

/// Beam search for `query` keeping the `ef` best items `allowed` accepts; results in
/// `beam.out`. Items `allowed` rejects are still walked through (they connect the allowed
/// ones) but never returned. Returns false, with no results, when the search visits more
/// than `max_visits` items (a filter so selective that a scan is cheaper).
#[allow(clippy::too_many_arguments)]
pub(crate) fn beam_search<S: Space, F: Fn(u32) -> bool>(
    space: &S,
    items: Items<'_>,
    graph: &Graph,
    query: Node<'_>,
    ef: usize,
    allowed: &F,
    beam: &mut Beam,
) -> bool {
    beam_search_bounded(
        space,
        items,
        graph,
        query,
        ef,
        &[],
        allowed,
        usize::MAX,
        beam,
    )
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn beam_search_bounded<S: Space, F: Fn(u32) -> bool>(
    space: &S,
    items: Items<'_>,
    graph: &Graph,
    query: Node<'_>,
    ef: usize,
    seeds: &[u32],
    allowed: &F,
    max_visits: usize,
    beam: &mut Beam,
) -> bool {
    beam.start(graph.n_items);
    if ef == 0 {
        return true;
    }
    let bytes = items.node_size;
    let hint = if bytes > 128 { Soon::Later } else { Soon::Next };
    let mut visits = 0usize;
    let widened = &mut beam.widened;
    let near = graph.tree.descend(|a, b| {
        let da = space.graph_distance(query, items.f32_node(a as usize, widened));
        da <= space.graph_distance(query, items.f32_node(b as usize, widened))
    });
    let near = &near[..near.len().min(LEAF_ENTRIES)];
    for &e in graph.entries.iter().chain(near).chain(seeds) {
        if beam.visit(e) {
            let d = space.graph_distance(query, items.f32_node(e as usize, &mut beam.widened));
            beam.frontier.push(Reverse(pack(d, e)));
            if allowed(e) {
                beam.best.push(pack(d, e));
            }
        }
    }
    while beam.best.len() > ef {
        beam.best.pop();
    }
    while let Some(Reverse(next)) = beam.frontier.pop() {
        if beam.best.len() >= ef && beam.best.peek().is_some_and(|&w| next > w) {
            break;
        }
        let row = graph.row(next as u32 as usize);
        beam.fresh.clear();
        for &j in row {
            if j == NO_EDGE {
                break;
            }
            if beam.visit(j) {
                prefetch_record(items.node(j as usize).0, bytes, hint);
                beam.fresh.push(j);
            }
        }
        visits += beam.fresh.len();
        if visits > max_visits {
            beam.frontier.clear();
            beam.best.clear();
            return false;
        }
        for k in 0..beam.fresh.len() {
            let j = beam.fresh[k];
            let d = space.graph_distance(query, items.f32_node(j as usize, &mut beam.widened));
            let key = pack(d, j);
            let full = beam.best.len() >= ef;
            if !full || beam.best.peek().is_some_and(|&w| key < w) {
                beam.frontier.push(Reverse(key));
                if allowed(j) {
                    beam.best.push(key);
                    if full {
                        beam.best.pop();
                    }
                }
            }
        }
    }
    while let Some(k) = beam.best.pop() {
        beam.out.push(k);
    }
    beam.out.reverse();
    true
}
