//! Annoy's depth-first tree building, for whole trees of small indexes and for the subtrees of
//! nodes small enough to stay in the cache; and the split steps both build orders share.

use super::{Tree, TreeBuilder};
use crate::format::{ItemSet, Node, NodeBuf};
use crate::metric::kernels::{Ahead, Soon};
use crate::metric::Space;
use crate::random::Kiss64;
use rayon::prelude::*;

/// Split attempts before settling for an unbalanced one.
const SPLIT_ATTEMPTS: usize = 3;

/// Nodes whose item vectors add up to at least this many bytes share their margin computation
/// with idle threads (below it, handing work over costs more than it saves).
const PARALLEL_MARGIN_BYTES: usize = 4 << 20;
/// Nodes whose item vectors add up to at least this many bytes (a core's second-level cache)
/// are read from memory rather than from the cache.
const GATHER_MIN_BYTES: usize = 1 << 20;
/// Margins measured per kernel call: a block's scratch stays small (4 KB) whatever the node,
/// and the few records not requested ahead at a block's end cost nothing measurable.
const MARGIN_BLOCK: usize = 1024;
/// Items per shared piece of margin work.
pub(super) const MARGIN_CHUNK: usize = 4096;

/// Working memory reused by every split of a build worker.
pub(super) struct Buffers {
    /// Whether large splits may hand margin work to idle threads.
    pub share: bool,
    /// The side of each item being split: a side code (`SIDE_0`, `SIDE_1`, `ON_PLANE`) until
    /// the coin flips for items on the plane, then 0 or 1 (1: `children[1]`).
    pub sides: Vec<u8>,
    /// Room for the ids a partition moves.
    pub moved: Vec<i32>,
    /// Node records of finished splits, for reuse by the next ones.
    pub records: Vec<NodeBuf>,
}

impl Buffers {
    pub(super) fn new(share: bool) -> Self {
        Buffers {
            share,
            sides: Vec::new(),
            moved: Vec::new(),
            records: Vec::new(),
        }
    }

    /// A zeroed record for a new split or bucket.
    pub(super) fn record(&mut self, node_size: usize) -> NodeBuf {
        let mut record = self
            .records
            .pop()
            .unwrap_or_else(|| NodeBuf::zeroed(node_size));
        record.clear();
        record
    }
}

impl<'a, S: Space> TreeBuilder<'a, S> {
    /// Whether a node of `n` items is a bucket (or a lone item) rather than a split.
    pub(super) fn is_bucket(&self, n: usize, is_root: bool) -> bool {
        n <= self.layout.max_bucket()
            && (!is_root || self.n_items <= self.layout.max_bucket() || n == 1)
    }

    /// Annoy's `_make_tree`: returns an item id, or a local node reference (negative).
    /// `indices` is reordered in place: each side of a split becomes a contiguous run, in the
    /// order the items had (so the two runs are the lists Annoy would make). Nodes are
    /// appended in post-order, the smaller side first, as Annoy allocates them. Unlike Annoy, a
    /// float metric's split draws both its sides' planes before building either
    /// (`child_splits`), so the random draws come in another order.
    pub(super) fn make_tree(
        &self,
        indices: &mut [i32],
        is_root: bool,
        rng: &mut Kiss64,
        tree: &mut Tree,
        buf: &mut Buffers,
    ) -> i32 {
        self.make_subtree(indices, is_root, None, rng, tree, buf)
    }

    /// `make_tree` for a node whose split plane its parent may have drawn (`split`).
    fn make_subtree(
        &self,
        indices: &mut [i32],
        is_root: bool,
        split: Option<NodeBuf>,
        rng: &mut Kiss64,
        tree: &mut Tree,
        buf: &mut Buffers,
    ) -> i32 {
        let n = indices.len();
        if n == 1 && !is_root {
            return indices[0];
        }
        // A root keeps n_items in n_descendants: that is how readers find the roots.
        let n_descendants = if is_root { self.n_items } else { n } as i32;
        if self.is_bucket(n, is_root) {
            let mut record = buf.record(self.layout.node_size());
            let mut node = record.node_mut();
            node.set_i32(0, n_descendants);
            for (k, &id) in indices.iter().enumerate() {
                node.set_i32(self.layout.children + 4 * k, id);
            }
            let reference = tree.push(record.bytes());
            buf.records.push(record);
            return reference;
        }

        let items = self.item_set(indices);
        let mut record = split.unwrap_or_else(|| {
            let mut record = buf.record(self.layout.node_size());
            self.space.create_split(items, rng, &mut record);
            record
        });
        let ones = self.assign_sides(record.node(), items, rng, buf);
        let ones = self.settle_split(indices, &mut record, ones, 1, rng, buf);
        stable_partition(indices, &buf.sides, &mut buf.moved);

        let (zeros, ones) = indices.split_at_mut(n - ones);
        let [zeros_split, ones_split] = if S::SPLITS_SIDE_BY_SIDE {
            self.child_splits([zeros, ones], rng, buf)
        } else {
            [None, None]
        };
        let mut children = [0i32; 2];
        if zeros.len() > ones.len() {
            children[1] = self.make_subtree(ones, false, ones_split, rng, tree, buf);
            children[0] = self.make_subtree(zeros, false, zeros_split, rng, tree, buf);
        } else {
            children[0] = self.make_subtree(zeros, false, zeros_split, rng, tree, buf);
            children[1] = self.make_subtree(ones, false, ones_split, rng, tree, buf);
        }
        let mut node = record.node_mut();
        node.set_i32(0, n_descendants);
        node.set_i32(self.layout.children, children[0]);
        node.set_i32(self.layout.children + 4, children[1]);
        let reference = tree.push(record.bytes());
        buf.records.push(record);
        reference
    }

    /// The split planes of a split's two sides, those that are not buckets, drawn side 0
    /// first. When both need one, their two-means run side by side (`Space::create_splits`).
    fn child_splits(
        &self,
        sides: [&[i32]; 2],
        rng: &mut Kiss64,
        buf: &mut Buffers,
    ) -> [Option<NodeBuf>; 2] {
        let node_size = self.layout.node_size();
        let needs = sides.map(|ids| !self.is_bucket(ids.len(), false));
        if needs == [true, true] {
            let [mut a, mut b] = [buf.record(node_size), buf.record(node_size)];
            let items = sides.map(|ids| self.item_set(ids));
            self.space.create_splits(items, rng, [&mut a, &mut b]);
            return [Some(a), Some(b)];
        }
        let mut planes = [None, None];
        for side in (0..2).filter(|&side| needs[side]) {
            let mut plane = buf.record(node_size);
            self.space
                .create_split(self.item_set(sides[side]), rng, &mut plane);
            planes[side] = Some(plane);
        }
        planes
    }

    /// Annoy's retries after a lopsided split: given the sides in `buf.sides` (`ones` of them
    /// `true`) from `attempts` tries, draws new planes into `split` while the split is at least
    /// 95% one-sided, up to three tries in all; if it is still over 99% one-sided (many
    /// identical points), gives up on the plane and deals the items `ids` randomly. Returns how
    /// many go to side 1.
    pub(super) fn settle_split(
        &self,
        ids: &[i32],
        split: &mut NodeBuf,
        mut ones: usize,
        mut attempts: usize,
        rng: &mut Kiss64,
        buf: &mut Buffers,
    ) -> usize {
        let n = ids.len();
        let items = self.item_set(ids);
        while attempts < SPLIT_ATTEMPTS && imbalance(n - ones, ones) >= 0.95 {
            split.clear();
            self.space.create_split(items, rng, split);
            ones = self.assign_sides(split.node(), items, rng, buf);
            attempts += 1;
        }
        while imbalance(n - ones, ones) > 0.99 {
            split.node_mut().0[self.layout.vector..].fill(0);
            buf.sides.clear();
            buf.sides.extend((0..n).map(|_| rng.flip() as u8));
            ones = count_ones(&buf.sides);
        }
        ones
    }

    /// Decides the side of every item of `items` against `split` into `buf.sides` (1:
    /// `children[1]`) and returns how many go to side 1. The side codes are found first (four
    /// at a time, and, when sharing, for large nodes in parallel on idle build threads), then
    /// read in list order, so coin flips for items exactly on the plane come in the same
    /// sequence whatever the thread count.
    fn assign_sides(
        &self,
        split: Node<'_>,
        items: ItemSet<'_>,
        rng: &mut Kiss64,
        buf: &mut Buffers,
    ) -> usize {
        let sides = &mut buf.sides;
        sides.clear();
        sides.resize(items.len(), ON_PLANE);
        if buf.share && items.len() * self.layout.vector_bytes() >= PARALLEL_MARGIN_BYTES {
            sides
                .par_chunks_mut(MARGIN_CHUNK)
                .enumerate()
                .for_each(|(chunk, out)| {
                    let start = chunk * MARGIN_CHUNK;
                    let chunk = items.slice(start..start + out.len());
                    self.side_codes(split, chunk, items.len(), out)
                });
        } else {
            self.side_codes(split, items, items.len(), sides);
        }
        for side in sides.iter_mut() {
            if *side == ON_PLANE {
                *side = rng.flip() as u8;
            }
        }
        count_ones(sides)
    }

    /// The side codes of `items` (of a node of `node_len` items) against `split`, by way of
    /// their margins, a block at a time.
    pub(super) fn side_codes(
        &self,
        split: Node<'_>,
        items: ItemSet<'_>,
        node_len: usize,
        out: &mut [u8],
    ) {
        // A node larger than the second-level cache was not read by its parent's split just
        // before (or does not fit): its records come from memory, scattered. Requesting them
        // whole, farther ahead, into the second-level cache keeps more of them in flight
        // (2-4 MB nodes: 64 -> 56 ns an item). Cached nodes only need their first lines
        // brought closer; the hardware streams the rest.
        let ahead = if node_len * self.layout.vector_bytes() >= GATHER_MIN_BYTES {
            Ahead {
                items: 8,
                bytes: usize::MAX,
                soon: Soon::Later,
            }
        } else {
            Ahead {
                items: 4,
                bytes: 128,
                soon: Soon::Next,
            }
        };
        let mut margins = [0.0f32; MARGIN_BLOCK];
        for (block, codes) in out.chunks_mut(MARGIN_BLOCK).enumerate() {
            let start = block * MARGIN_BLOCK;
            let margins = &mut margins[..codes.len()];
            let block_items = items.slice(start..start + codes.len());
            self.space.margins(split, block_items, ahead, margins);
            for (code, &margin) in codes.iter_mut().zip(margins.iter()) {
                *code = side_code(margin);
            }
        }
    }
}

/// Side codes: side 0, side 1, exactly on the plane (where Annoy flips a coin).
pub(super) const SIDE_0: u8 = 0;
pub(super) const SIDE_1: u8 = 1;
pub(super) const ON_PLANE: u8 = 2;

/// The side code of a margin. NaN goes to side 0, as in Annoy's `dot > 0`.
#[inline]
pub(super) fn side_code(margin: f32) -> u8 {
    if margin == 0.0 {
        ON_PLANE
    } else {
        (margin > 0.0) as u8
    }
}

/// How many of `sides` (0 or 1 each) are 1.
pub(super) fn count_ones(sides: &[u8]) -> usize {
    sides.iter().map(|&s| s as usize).sum()
}

/// Moves the ids whose side is 1 after those whose side is 0, keeping the order within each
/// group; `moved` is working memory.
pub(super) fn stable_partition(ids: &mut [i32], sides: &[u8], moved: &mut Vec<i32>) {
    // Without branches: the sides are coin flips to the branch predictor.
    moved.clear();
    moved.resize(ids.len(), 0);
    let (mut kept, mut n_moved) = (0, 0);
    for j in 0..ids.len() {
        let id = ids[j];
        let side = sides[j] as usize;
        ids[kept] = id;
        moved[n_moved] = id;
        kept += 1 - side;
        n_moved += side;
    }
    ids[kept..].copy_from_slice(&moved[..n_moved]);
}

/// Annoy's `_split_imbalance`, with its float/double mix.
fn imbalance(left: usize, right: usize) -> f64 {
    let ls = left as f32;
    let rs = right as f32;
    let f = (ls as f64 / ((ls + rs) as f64 + 1e-9)) as f32;
    f.max(1.0 - f) as f64
}
