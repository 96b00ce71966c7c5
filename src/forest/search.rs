//! The query: Annoy's best-first walk over all trees at once.
//!
//! A max-heap holds `(priority, node)`; every root starts unconstrained. Popping a split pushes
//! both children with a priority bounded by the query's margin to the plane; popping a bucket or
//! an item adds candidates. The walk stops after `search_k` candidates (duplicates included, as
//! in Annoy); the unique candidates are then ranked by exact distance.
//!
//! Reading a file never trusts it: every node id is checked against the node count before it
//! is read, and a walk that expands more splits than a forest can hold (a cycle in a damaged
//! file) stops with an error instead of running forever.

use crate::error::{Error, Result};
use crate::format::f16::widen_record;
use crate::format::{Layout, Node, NodeBuf};
use crate::metric::kernels::{prefetch_record, Soon};
use crate::metric::Space;
use std::collections::BinaryHeap;

/// One result: an item id and its distance to the query, in the metric's user units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neighbor {
    pub id: u32,
    pub distance: f32,
}

/// Reusable working memory for queries, so that a query allocates nothing once warmed up.
/// One per thread; the same scratch serves any index.
#[derive(Default)]
pub struct Scratch {
    heap: BinaryHeap<Entry>,
    candidates: Vec<i32>,
    /// One bit per item id, set while a query deduplicates its candidates; all clear between
    /// queries.
    seen: Vec<u64>,
    /// The best candidates so far: a max-heap of at most `n`, worst on top.
    best: BinaryHeap<(u64, u32)>,
    /// Where each tree's look-ahead descent is, and its priority there.
    descents: Vec<(i32, f32)>,
    pub(crate) query: Option<NodeBuf>,
    pub(crate) results: Vec<Neighbor>,
    /// The graph search's working memory.
    pub(crate) beam: crate::graph::search::Beam,
    /// f16 item records widened to f32 for the metric, four at a time.
    widened: Vec<NodeBuf>,
}

impl Scratch {
    pub fn new() -> Self {
        Self::default()
    }
}

/// A heap entry: a priority and a node id packed into one integer that orders as Annoy's
/// `pair<T, S>` does (by priority, then by node id), so the heap compares plain integers.
/// The priority's bits are mapped to an unsigned key in float order; -0.0 counts as +0.0 (C++
/// compares them equal) and NaN (overflowing data, damaged files) as -∞, lowest of all.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry(u64);

/// Maps a float (not NaN) to an integer in the same order, with -0.0 and +0.0 equal.
fn ordered_bits(x: f32) -> u32 {
    let bits = if x == 0.0 { 0 } else { x.to_bits() };
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    }
}

impl Entry {
    fn new(priority: f32, node: i32) -> Entry {
        let p = if priority.is_nan() {
            f32::NEG_INFINITY
        } else {
            priority
        };
        Entry((ordered_bits(p) as u64) << 32 | node as u32 as u64)
    }

    fn priority(self) -> f32 {
        let key = (self.0 >> 32) as u32;
        f32::from_bits(if key >> 31 == 1 {
            key & !(1 << 31)
        } else {
            !key
        })
    }

    fn node(self) -> i32 {
        self.0 as u32 as i32
    }
}

/// f16 → f32 of a slice of values (`Kernels::widen_f16`).
pub(crate) type Widen = fn(&[u16], &mut [f32]);

/// A readable forest: all node records plus where the roots are.
pub(crate) struct Forest<'a> {
    /// The item records (nodes `0..n_items`) and the tree records (every node after).
    pub regions: (&'a [u8], &'a [u8]),
    pub layout: Layout,
    /// Bytes per item record: `layout.node_size()`, or less when the vectors are f16.
    pub item_size: usize,
    /// Set when the items' vectors are f16: how to widen them for the metric, whose
    /// distances take f32 records.
    pub widen: Option<Widen>,
    pub n_items: usize,
    pub n_nodes: usize,
    pub roots: &'a [i32],
}

impl<'a> Forest<'a> {
    /// Node `i`, which the caller has checked to be below `n_nodes`.
    #[inline]
    pub(crate) fn node(&self, i: usize) -> Node<'a> {
        let (region, k, s) = if i < self.n_items {
            (self.regions.0, i, self.item_size)
        } else {
            (self.regions.1, i - self.n_items, self.layout.node_size())
        };
        Node(&region[k * s..(k + 1) * s])
    }

    pub(crate) fn is_item(&self, id: i32) -> bool {
        id >= 0 && (id as usize) < self.n_items && self.node(id as usize).n_descendants() == 1
    }

    /// How soon to ask for records needed after several others (candidates a few places
    /// ahead, the roots). Records of several lines go to the second-level cache: such requests
    /// leave the few first-level miss buffers free, so far more lines are in flight (on AMD
    /// Zen 4 this doubled 384-d queries per second, and gave 64-d ones 10% more). Records of a
    /// line or two come straight to the first level (hamming-256: 8% more than second-level).
    fn ahead_hint(&self) -> Soon {
        if self.item_size <= 128 {
            Soon::Next
        } else {
            Soon::Later
        }
    }

    /// Exact distances from `query` to every candidate that is an item, four at a time,
    /// with the whole records of the candidates eight places ahead requested meanwhile (the
    /// item check and the distance then find them in cache).
    fn score<S: Space>(
        &self,
        space: &S,
        query: Node<'_>,
        ids: &[i32],
        n: usize,
        best: &mut BinaryHeap<(u64, u32)>,
        widened: &mut Vec<NodeBuf>,
    ) {
        if self.widen.is_some()
            && widened
                .first()
                .is_none_or(|b| b.bytes().len() != self.layout.node_size())
        {
            *widened = (0..4)
                .map(|_| NodeBuf::zeroed(self.layout.node_size()))
                .collect();
        }
        // Candidates rank by (distance, id), as in Annoy; a NaN distance ranks last.
        let mut offer = |d: f32, id: i32| {
            let key = ordered_bits(if d.is_nan() { f32::INFINITY } else { d });
            let entry = ((key as u64) << 32 | id as u32 as u64, d.to_bits());
            if best.len() < n {
                best.push(entry);
            } else if best.peek().is_some_and(|worst| entry < *worst) {
                *best.peek_mut().unwrap() = entry;
            }
        };
        const AHEAD: usize = 8;
        let hint = self.ahead_hint();
        let mut four = [0i32; 4];
        let mut filled = 0;
        for (k, &id) in ids.iter().enumerate() {
            if let Some(&ahead) = ids.get(k + AHEAD) {
                if ahead >= 0 && (ahead as usize) < self.n_items {
                    prefetch_record(self.node(ahead as usize).0, usize::MAX, hint);
                }
            }
            if !self.is_item(id) {
                continue;
            }
            four[filled] = id;
            filled += 1;
            if filled == 4 {
                let nodes: [Node<'_>; 4] = std::array::from_fn(|w| self.node(four[w] as usize));
                let d = match self.widen {
                    None => space.distances4(query, nodes),
                    Some(widen) => {
                        for (buf, node) in widened.iter_mut().zip(nodes) {
                            widen_record(&self.layout, node.0, buf.node_mut().0, widen);
                        }
                        let nodes = std::array::from_fn(|w| widened[w].node());
                        space.distances4(query, nodes)
                    }
                };
                for (d, id) in d.into_iter().zip(four) {
                    offer(d, id);
                }
                filled = 0;
            }
        }
        for &id in &four[..filled] {
            let node = self.node(id as usize);
            let d = match self.widen {
                None => space.distance(query, node),
                Some(widen) => {
                    widen_record(&self.layout, node.0, widened[0].node_mut().0, widen);
                    space.distance(query, widened[0].node())
                }
            };
            offer(d, id);
        }
    }

    /// For a walk that goes tree by tree (`Space::walks_tree_by_tree`), loads into the cache
    /// the path it takes first in each of the trees it will reach: from the root, always the
    /// child with the higher (priority, node id), down to a bucket. The walk goes one node at a
    /// time, each waiting for the last from memory; here every tree advances a level per
    /// round, so a round's loads are in flight together and the walk later finds its nodes in
    /// cache (hamming-256, 100 trees, search_k 1000-5000: 15-20% more queries per second).
    /// Only as many trees as `search_k` candidates can reach (two buckets' worth per tree).
    /// Nothing here changes what the walk does; a damaged file only ends a path early (the
    /// walk reports it).
    fn load_descents<S: Space>(
        &self,
        space: &S,
        query: Node<'_>,
        search_k: usize,
        descents: &mut Vec<(i32, f32)>,
    ) {
        /// Deeper paths than this are not loaded ahead (degenerate trees).
        const MAX_ROUNDS: usize = 48;
        let max_bucket = self.layout.max_bucket();
        let trees = search_k
            .div_ceil(max_bucket)
            .saturating_mul(2)
            .min(self.roots.len());
        let valid = |i: i32| i >= 0 && (i as usize) < self.n_nodes;
        descents.clear();
        // The walk takes equal-priority roots highest id first.
        descents.extend(
            self.roots
                .iter()
                .rev()
                .take(trees)
                .filter(|&&root| valid(root))
                .map(|&root| (root, space.root_priority())),
        );
        let hint = self.ahead_hint();
        for _ in 0..MAX_ROUNDS {
            let mut going = false;
            for (at, priority) in descents.iter_mut() {
                if *at < 0 {
                    continue;
                }
                let node = self.node(*at as usize);
                // (An item record is never a split: the walk reports one reached as such.)
                if node.n_descendants() as i64 <= max_bucket as i64 || (*at as usize) < self.n_items
                {
                    *at = -1;
                    continue;
                }
                let children = [node.child(&self.layout, 0), node.child(&self.layout, 1)];
                let priorities = space.child_priorities(*priority, node, query);
                // The walk pops the higher (priority, node id) first.
                let side = ((priorities[1], children[1]) > (priorities[0], children[0])) as usize;
                let child = children[side];
                if !valid(child) {
                    *at = -1;
                    continue;
                }
                prefetch_record(self.node(child as usize).0, 4096, hint);
                (*at, *priority) = (child, priorities[side]);
                going = true;
            }
            if !going {
                break;
            }
        }
    }

    /// The `n` nearest items to `query` (a record in the metric's layout) found within
    /// `search_k` candidates, written to `scratch.results`. Only ids that `allowed` accepts
    /// become candidates and count towards `search_k`, so a filter that rejects most items
    /// widens the walk instead of thinning the answer (`allowed` may see an id more than
    /// once: trees repeat items). A walk that passes over more than `max_passed` item slots
    /// (allowed or not) before it has its candidates gives up and returns `Ok(false)`, with
    /// no results: a scan is then cheaper.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn search<S: Space, F: Fn(i32) -> bool>(
        &self,
        space: &S,
        query: Node<'_>,
        n: usize,
        search_k: usize,
        allowed: F,
        max_passed: usize,
        scratch: &mut Scratch,
    ) -> Result<bool> {
        let Scratch {
            heap,
            candidates,
            best,
            descents,
            results,
            ..
        } = scratch;
        heap.clear();
        candidates.clear();
        best.clear();
        results.clear();
        if n == 0 || search_k == 0 {
            return Ok(true);
        }
        let max_bucket = self.layout.max_bucket() as i64;
        let hint = self.ahead_hint();
        for &root in self.roots {
            // Every root is expanded before any other node (none is constrained): start
            // loading them all (measured 6-9% more queries per second with 100 trees).
            if root >= 0 && (root as usize) < self.n_nodes {
                prefetch_record(self.node(root as usize).0, 4096, hint);
            }
            heap.push(Entry::new(space.root_priority(), root));
        }
        if space.walks_tree_by_tree() {
            self.load_descents(space, query, search_k, descents);
        }
        // A forest has fewer splits than nodes, and each tree is walked once per root entry.
        let max_expansions = self
            .n_nodes
            .saturating_mul(2)
            .saturating_add(self.roots.len());
        let mut expansions = 0usize;
        let mut passed = 0usize;
        while candidates.len() < search_k {
            if passed > max_passed {
                candidates.clear();
                return Ok(false);
            }
            let Some(entry) = heap.pop() else {
                break;
            };
            let (priority, i) = (entry.priority(), entry.node());
            let node = self.node(i as usize);
            let k = node.n_descendants() as i64;
            if k == 1 && (i as usize) < self.n_items {
                passed += 1;
                if allowed(i) {
                    candidates.push(i);
                }
            } else if (i as usize) < self.n_items {
                // An item record holds neither a bucket nor a split plane (an f16 one is too
                // short for either): other than a leaf it can only be a hole, or damage.
                if k != 0 {
                    return Err(Error::corrupt(format!(
                        "item {i} is reached as a tree node of {k} descendants"
                    )));
                }
            } else if k <= max_bucket {
                passed += k.max(0) as usize;
                candidates.extend(
                    (0..k.max(0) as usize)
                        .map(|j| node.child(&self.layout, j))
                        .filter(|&id| allowed(id)),
                );
            } else {
                expansions += 1;
                if expansions > max_expansions {
                    return Err(Error::corrupt("the tree structure has a cycle"));
                }
                let children = [node.child(&self.layout, 0), node.child(&self.layout, 1)];
                let priorities = space.child_priorities(priority, node, query);
                for side in [1, 0] {
                    let child = children[side];
                    if child < 0 || child as usize >= self.n_nodes {
                        return Err(Error::corrupt(format!(
                            "node {i} points to node {child}, outside the {} nodes of the file",
                            self.n_nodes
                        )));
                    }
                    // A child is often popped soon after: start loading its whole record (its
                    // margin reads all of it).
                    prefetch_record(self.node(child as usize).0, 4096, Soon::Next);
                    heap.push(Entry::new(priorities[side], child));
                }
            }
        }

        self.rank_candidates(space, query, n, scratch);
        Ok(true)
    }

    /// The `n` nearest to `query` among the items `ids` yields, by exact distance: a scan
    /// instead of a walk (a small allow-list, brute force for recall estimates). Ids at or
    /// past `n_items` and holes are skipped.
    pub(crate) fn scan<S: Space>(
        &self,
        space: &S,
        query: Node<'_>,
        n: usize,
        ids: impl Iterator<Item = u32>,
        scratch: &mut Scratch,
    ) {
        scratch.candidates.clear();
        if n > 0 {
            let n_items = self.n_items;
            scratch.candidates.extend(
                ids.take_while(|&id| (id as usize) < n_items)
                    .map(|id| id as i32),
            );
        }
        self.rank_candidates(space, query, n, scratch);
    }

    /// Ranks `scratch.candidates` (duplicates allowed) into `scratch.results`.
    fn rank_candidates<S: Space>(
        &self,
        space: &S,
        query: Node<'_>,
        n: usize,
        scratch: &mut Scratch,
    ) {
        let Scratch {
            candidates,
            seen,
            best,
            results,
            widened,
            ..
        } = scratch;
        best.clear();
        results.clear();
        if n == 0 {
            return;
        }
        // Unique candidates in the order found. Annoy sorts them instead; the ranking below
        // is a total order on (distance, id), so the result is the same.
        if seen.len() * 64 < self.n_items {
            seen.resize(self.n_items.div_ceil(64), 0);
        }
        candidates.retain(|&id| {
            if id < 0 || id as usize >= self.n_items {
                return false;
            }
            let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
            let fresh = seen[word] & bit == 0;
            seen[word] |= bit;
            fresh
        });
        for &id in candidates.iter() {
            seen[id as usize / 64] = 0;
        }
        self.score(space, query, candidates, n, best, widened);
        let first = results.len();
        while let Some((key, bits)) = best.pop() {
            results.push(Neighbor {
                id: key as u32,
                distance: space.user_distance(f32::from_bits(bits)),
            });
        }
        results[first..].reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::Entry;

    #[test]
    fn entries_order_by_priority_then_node_and_keep_the_priority() {
        let values = [
            f32::NEG_INFINITY,
            -3.5,
            -1e-30,
            -0.0,
            0.0,
            1e-30,
            2.0,
            f32::INFINITY,
        ];
        for (a, &pa) in values.iter().enumerate() {
            for (b, &pb) in values.iter().enumerate() {
                for (na, nb) in [(1, 2), (2, 1), (7, 7)] {
                    let (x, y) = (Entry::new(pa, na), Entry::new(pb, nb));
                    let want = pa.partial_cmp(&pb).unwrap().then(na.cmp(&nb));
                    assert_eq!(x.cmp(&y), want, "{pa} {na} vs {pb} {nb} ({a}, {b})");
                }
            }
            assert_eq!(
                Entry::new(pa, 5).priority(),
                if pa == 0.0 { 0.0 } else { pa }
            );
            assert_eq!(Entry::new(pa, 5).node(), 5);
        }
        assert!(Entry::new(f32::NAN, 9) < Entry::new(f32::NEG_INFINITY, 10));
        assert_eq!(Entry::new(f32::NAN, 9).priority(), f32::NEG_INFINITY);
    }
}
