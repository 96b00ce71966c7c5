//! Building the forest: Annoy's recursive random-projection split, one tree per task.
//!
//! Each tree is built on its own with its own generator, seeded `seed + tree_number`, into its
//! own buffer, and the buffers are laid out in tree order. So the bytes of an index depend on
//! the data, the seed and the tree count, never on the number of threads. Inside a tree the
//! nodes are in Annoy's order: post-order, the smaller side first, the root last.

use crate::error::{Error, Result};
use crate::format::{Layout, Node, NodeBuf, NodeMut};
use crate::metric::kernels::prefetch_record;
use crate::metric::Space;
use crate::random::Kiss64;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// Split attempts before settling for an unbalanced one.
const SPLIT_ATTEMPTS: usize = 3;

/// Nodes whose item vectors add up to at least this many bytes share their margin computation
/// with idle threads (below it, handing work over costs more than it saves).
const PARALLEL_MARGIN_BYTES: usize = 4 << 20;
/// Items per shared piece of margin work.
const MARGIN_CHUNK: usize = 4096;

/// One tree's node records. Child ids that point to nodes of this tree are stored as
/// `-(local index + 1)` until the tree's place in the file is known (`place`).
pub(crate) struct Tree {
    bytes: Vec<u8>,
    n_nodes: usize,
}

impl Tree {
    fn push(&mut self, record: &[u8]) -> i32 {
        self.bytes.extend_from_slice(record);
        self.n_nodes += 1;
        -(self.n_nodes as i32)
    }

    /// The tree's records for its place in the index (starting at node `base`), with local
    /// child references turned into node ids. The root's record is the last one.
    pub(crate) fn placed_at(mut self, layout: &Layout, base: usize) -> Vec<u8> {
        let s = layout.node_size();
        for record in self.bytes.chunks_exact_mut(s) {
            let mut node = NodeMut(record);
            if node.as_node().n_descendants() as i64 > layout.max_bucket() as i64 {
                for c in 0..2 {
                    let child = node.as_node().child(layout, c);
                    if child < 0 {
                        node.set_i32(
                            layout.children + 4 * c,
                            (base as i64 - child as i64 - 1) as i32,
                        );
                    }
                }
            }
        }
        self.bytes
    }
}

/// Builds trees over the item records `items` (nodes `0..n_items`).
pub(crate) struct TreeBuilder<'a, S: Space> {
    space: &'a S,
    layout: Layout,
    items: &'a [u8],
    n_items: usize,
}

impl<'a, S: Space> TreeBuilder<'a, S> {
    pub(crate) fn new(space: &'a S, items: &'a [u8], n_items: usize) -> Self {
        let layout = space.layout();
        debug_assert!(items.len() >= n_items * layout.node_size());
        TreeBuilder {
            space,
            layout,
            items,
            n_items,
        }
    }

    fn item(&self, id: i32) -> Node<'a> {
        let s = self.layout.node_size();
        let i = id as usize;
        Node(&self.items[i * s..(i + 1) * s])
    }

    /// Builds trees `0, 1, 2, …` on a private pool of `n_threads` threads and hands them to
    /// `sink` in tree order as they finish, so only the trees finished out of order wait in
    /// memory. Stops after `limit` trees, or when `sink` returns false. `progress` is told how
    /// many trees are done.
    pub(crate) fn build_forest(
        &self,
        limit: Option<usize>,
        n_threads: usize,
        seed: u64,
        progress: &(dyn Fn(usize) + Sync),
        mut sink: impl FnMut(Tree) -> bool,
    ) -> Result<()> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(n_threads)
            // The recursion is as deep as the tree; give it room for degenerate data.
            .stack_size(64 << 20)
            .build()
            .map_err(|e| Error::invalid(format!("cannot start {n_threads} build threads: {e}")))?;
        let next_tree = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (finished, arrivals) = mpsc::channel::<(usize, Tree)>();
        pool.in_place_scope(|scope| {
            // One worker per thread, each taking the next tree number until told to stop.
            for _ in 0..n_threads {
                let finished = finished.clone();
                let (next_tree, stop) = (&next_tree, &stop);
                scope.spawn(move |_| loop {
                    let t = next_tree.fetch_add(1, Ordering::Relaxed);
                    if stop.load(Ordering::Relaxed) || limit.is_some_and(|n| t >= n) {
                        break;
                    }
                    // The last trees leave threads idle: let them share large splits.
                    let share = limit.is_some_and(|n| t + n_threads > n) && n_threads > 1;
                    let tree = self.build_tree(seed.wrapping_add(t as u64), share);
                    if finished.send((t, tree)).is_err() {
                        break;
                    }
                });
            }
            drop(finished);
            // This thread puts the trees in order as they arrive.
            let mut waiting = BTreeMap::new();
            let (mut next, mut done) = (0, 0);
            for (t, tree) in arrivals {
                done += 1;
                progress(done);
                waiting.insert(t, tree);
                while let Some(tree) = waiting.remove(&next) {
                    next += 1;
                    if !stop.load(Ordering::Relaxed) && !sink(tree) {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
        });
        Ok(())
    }

    /// One tree from every item that exists (holes are skipped).
    pub(crate) fn build_tree(&self, seed: u64, share: bool) -> Tree {
        let mut indices: Vec<i32> = (0..self.n_items as i32)
            .filter(|&i| self.item(i).n_descendants() >= 1)
            .collect();
        let mut work = Work {
            rng: Kiss64::new(seed),
            tree: Tree {
                bytes: Vec::new(),
                n_nodes: 0,
            },
            share,
            nodes: Vec::new(),
            margins: Vec::new(),
            sides: Vec::new(),
            moved: Vec::new(),
            records: Vec::new(),
        };
        self.make_tree(&mut indices, true, &mut work);
        work.tree
    }

    /// Annoy's `_make_tree`: returns an item id, or a local node reference (negative).
    /// `indices` is reordered in place: each side of a split becomes a contiguous run, in the
    /// order the items had (so the two runs are the lists Annoy would make).
    fn make_tree(&self, indices: &mut [i32], is_root: bool, work: &mut Work<'a>) -> i32 {
        let n = indices.len();
        let max_bucket = self.layout.max_bucket();
        if n == 1 && !is_root {
            return indices[0];
        }
        // A root keeps n_items in n_descendants: that is how readers find the roots.
        let n_descendants = if is_root { self.n_items } else { n } as i32;
        let node_size = self.layout.node_size();
        let mut record = work
            .records
            .pop()
            .unwrap_or_else(|| NodeBuf::zeroed(node_size));
        record.clear();
        if n <= max_bucket && (!is_root || self.n_items <= max_bucket || n == 1) {
            let mut node = record.node_mut();
            node.set_i32(0, n_descendants);
            for (k, &id) in indices.iter().enumerate() {
                node.set_i32(self.layout.children + 4 * k, id);
            }
            let reference = work.tree.push(record.bytes());
            work.records.push(record);
            return reference;
        }

        work.nodes.clear();
        work.nodes.extend(indices.iter().map(|&i| self.item(i)));
        let mut ones = 0;
        for _ in 0..SPLIT_ATTEMPTS {
            record.clear();
            self.space
                .create_split(&work.nodes, &mut work.rng, &mut record);
            ones = self.assign_sides(record.node(), work);
            if imbalance(n - ones, ones) < 0.95 {
                break;
            }
        }
        // Still lopsided (many identical points): give up on the plane and deal randomly.
        while imbalance(n - ones, ones) > 0.99 {
            record.node_mut().0[self.layout.vector..].fill(0);
            let Work { sides, rng, .. } = &mut *work;
            sides.clear();
            sides.extend((0..n).map(|_| rng.flip()));
            ones = sides.iter().filter(|&&s| s).count();
        }
        stable_partition(indices, &work.sides, &mut work.moved);

        let (zeros, ones) = indices.split_at_mut(n - ones);
        let mut children = [0i32; 2];
        // The smaller side first, side 0 on a tie, as Annoy allocates them.
        if zeros.len() > ones.len() {
            children[1] = self.make_tree(ones, false, work);
            children[0] = self.make_tree(zeros, false, work);
        } else {
            children[0] = self.make_tree(zeros, false, work);
            children[1] = self.make_tree(ones, false, work);
        }
        let mut node = record.node_mut();
        node.set_i32(0, n_descendants);
        node.set_i32(self.layout.children, children[0]);
        node.set_i32(self.layout.children + 4, children[1]);
        let reference = work.tree.push(record.bytes());
        work.records.push(record);
        reference
    }
}

impl<S: Space> TreeBuilder<'_, S> {
    /// Decides the side of every item in `work.nodes` against `split` into `work.sides`
    /// (`true`: `children[1]`) and returns how many go to side 1. The margins are computed
    /// first (four at a time, and, when `share`, for large nodes in parallel on idle build
    /// threads), then read in list order, so coin flips for items exactly on the plane come in
    /// the same sequence whatever the thread count.
    fn assign_sides(&self, split: Node<'_>, work: &mut Work<'_>) -> usize {
        let Work {
            nodes,
            margins,
            sides,
            rng,
            share,
            ..
        } = work;
        margins.clear();
        margins.resize(nodes.len(), 0.0);
        let vector_bytes = self.layout.n_elems * self.layout.elem_size;
        if *share && nodes.len() * vector_bytes >= PARALLEL_MARGIN_BYTES {
            margins
                .par_chunks_mut(MARGIN_CHUNK)
                .zip(nodes.par_chunks(MARGIN_CHUNK))
                .for_each(|(out, nodes)| self.margins(split, nodes, out));
        } else {
            self.margins(split, nodes, margins);
        }
        sides.clear();
        sides.extend(
            margins
                .iter()
                .map(|&m| if m != 0.0 { m > 0.0 } else { rng.flip() }),
        );
        sides.iter().filter(|&&s| s).count()
    }

    /// Margins of `nodes` against `split`: four at a time, with the next four records
    /// requested from memory while these are measured.
    fn margins(&self, split: Node<'_>, nodes: &[Node<'_>], out: &mut [f32]) {
        let whole = nodes.len() / 4 * 4;
        for start in (0..whole).step_by(4) {
            for next in nodes.get(start + 4..start + 8).unwrap_or_default() {
                // The vector's first lines; the hardware streams the rest.
                prefetch_record(&next.0[self.layout.vector..], 128);
            }
            let four = [
                nodes[start],
                nodes[start + 1],
                nodes[start + 2],
                nodes[start + 3],
            ];
            out[start..start + 4].copy_from_slice(&self.space.margins4(split, four));
        }
        for (slot, &node) in out[whole..].iter_mut().zip(&nodes[whole..]) {
            *slot = self.space.margin(split, node);
        }
    }
}

/// What building one tree carries through its recursion: the tree's generator and records,
/// and working memory reused by every split.
struct Work<'a> {
    rng: Kiss64,
    tree: Tree,
    /// Whether large splits may hand margin work to idle threads.
    share: bool,
    /// The records of the items being split.
    nodes: Vec<Node<'a>>,
    /// Their margins against the split plane.
    margins: Vec<f32>,
    /// Their sides (`true`: `children[1]`).
    sides: Vec<bool>,
    /// Room for the ids a partition moves.
    moved: Vec<i32>,
    /// Node records of finished splits, for reuse by the next ones.
    records: Vec<NodeBuf>,
}

/// Moves the ids whose side is `true` after those whose side is `false`, keeping the order
/// within each group; `moved` is working memory.
fn stable_partition(ids: &mut [i32], sides: &[bool], moved: &mut Vec<i32>) {
    moved.clear();
    let mut kept = 0;
    for j in 0..ids.len() {
        if sides[j] {
            moved.push(ids[j]);
        } else {
            ids[kept] = ids[j];
            kept += 1;
        }
    }
    ids[kept..].copy_from_slice(moved);
}

/// Annoy's `_split_imbalance`, with its float/double mix.
fn imbalance(left: usize, right: usize) -> f64 {
    let ls = left as f32;
    let rs = right as f32;
    let f = (ls as f64 / ((ls + rs) as f64 + 1e-9)) as f32;
    f.max(1.0 - f) as f64
}
