//! Building a group of trees level by level while their nodes are large.
//!
//! Each level has three steps. (1) Every tree takes its waiting nodes in order: small ones are
//! put aside, large ones get a split plane. (2) The margins of all items against
//! those planes are measured, in one pass over the item vectors in memory order when many
//! items take part (each vector is read once for the whole group), else node by node. (3) Each
//! tree, in order, reads its items' sides, retries lopsided splits, partitions its nodes and
//! queues their children for the next level. When no large node is left, each tree in turn
//! finishes its small nodes depth-first and is handed on, so only one finished tree waits in
//! the group at a time. Every step a tree takes uses only its own generator and nodes, in the
//! same order whatever the group, so the group changes the speed and never the bytes.

use super::recursive::{
    count_ones, side_code, stable_partition, Buffers, MARGIN_CHUNK, ON_PLANE, SIDE_0, SIDE_1,
};
use super::table::Table;
use super::{Tree, TreeBuilder, MAX_GROUP};
use crate::format::NodeBuf;
use crate::metric::kernels::{prefetch_record, Soon};
use crate::metric::Space;
use crate::random::Kiss64;
use rayon::prelude::*;

/// Nodes whose item vectors take at least this many bytes (about twice a core's L2 cache) are
/// split level by level with their group. Smaller ones are finished depth-first: their items
/// stay in the cache while they are split again and again.
pub(super) const LEVEL_MIN_BYTES: usize = 4 << 20;

/// How far ahead of its item the margin pass loads records. 384-d margins of 10 trees measured
/// 38 ms a level with the hardware's prefetching alone and 20–26 ms with records loaded 4 KB
/// ahead (2 KB: no better; 6 KB: the same).
const SCAN_AHEAD_BYTES: usize = 4096;

/// A slot of the (item, tree) table: the item is in no split of this level. Otherwise a slot
/// holds the index of the tree's split at this level holding the item, until the margin pass
/// replaces it with the item's side code. One byte a slot: a tree's 255th large node of a
/// level (1 GB of vectors at `LEVEL_MIN_BYTES`) is finished depth-first instead.
const NOT_SPLIT: u8 = u8::MAX;

/// Where a node's reference goes once it is known.
#[derive(Clone, Copy)]
enum Parent {
    /// The node is the root.
    None,
    /// `children[side]` of the root, whose record is kept aside until the tree is done.
    Root { side: usize },
    /// `children[side]` of a record already in the tree.
    Record { reference: i32, side: usize },
}

/// A node waiting for the next level: `ids[start..start + len]` of its tree.
#[derive(Clone, Copy)]
struct Waiting {
    start: usize,
    len: usize,
    parent: Parent,
}

/// One tree of the group while it grows.
struct Growing {
    rng: Kiss64,
    tree: Tree,
    /// The tree's items, each waiting node owning a contiguous run.
    ids: Table<i32>,
    waiting: Vec<Waiting>,
    /// Small nodes, finished depth-first once no large node is left.
    small: Vec<Waiting>,
    /// The root's record, appended last so readers find it at the end.
    root: Option<NodeBuf>,
}

/// A split of the current level.
struct LevelSplit {
    tree: usize,
    node: Waiting,
    plane: NodeBuf,
}

impl<'a, S: Space> TreeBuilder<'a, S> {
    /// Builds one tree per seed, together, and hands each to `emit` when it is done, in seed
    /// order.
    pub(super) fn build_group(
        &self,
        seeds: impl Iterator<Item = u64>,
        share: bool,
        mut emit: impl FnMut(Tree),
    ) {
        let all: Vec<i32> = (0..self.n_items as i32)
            .filter(|&i| self.item(i).n_descendants() >= 1)
            .collect();
        let node_size = self.layout.node_size();
        let mut buf = Buffers::new(share);
        if !self.is_large(all.len(), true) {
            // Nothing to share: each tree depth-first from the root, one at a time.
            let mut ids = all;
            for seed in seeds {
                ids.sort_unstable();
                let mut tree = Tree::new(node_size);
                self.make_tree(&mut ids, true, &mut Kiss64::new(seed), &mut tree, &mut buf);
                emit(tree);
            }
            return;
        }
        let mut trees: Vec<Growing> = seeds
            .map(|seed| Growing {
                rng: Kiss64::new(seed),
                tree: Tree::new(node_size),
                ids: Table::copied(&all),
                waiting: vec![Waiting {
                    start: 0,
                    len: all.len(),
                    parent: Parent::None,
                }],
                small: Vec::new(),
                root: None,
            })
            .collect();
        drop(all);
        let group = trees.len();
        debug_assert!(group <= MAX_GROUP);
        let mut slot_table = Table::filled(self.n_items * group, NOT_SPLIT);
        // One view for the whole loop: the per-item accesses below skip the map's deref.
        let slots: &mut [u8] = &mut slot_table;
        let mut splits: Vec<LevelSplit> = Vec::new();
        loop {
            // 1. Finish the small nodes, draw planes for the large ones.
            let mut taking_part = 0;
            for (t, g) in trees.iter_mut().enumerate() {
                let mut count: u8 = 0;
                for node in std::mem::take(&mut g.waiting) {
                    let ids = &mut g.ids[node.start..node.start + node.len];
                    let is_root = matches!(node.parent, Parent::None);
                    if !self.is_large(ids.len(), is_root) || count == NOT_SPLIT {
                        g.small.push(node);
                        continue;
                    }
                    let mut plane = buf.record(node_size);
                    self.space
                        .create_split(self.item_set(ids), &mut g.rng, &mut plane);
                    for &id in ids.iter() {
                        slots[id as usize * group + t] = count;
                    }
                    count += 1;
                    taking_part += ids.len();
                    splits.push(LevelSplit {
                        tree: t,
                        node,
                        plane,
                    });
                }
            }
            if splits.is_empty() {
                break;
            }

            // 2. Margins, as side codes in the slots.
            if taking_part >= self.scan_min_pairs {
                let first: Vec<usize> = (0..group)
                    .map(|t| splits.iter().position(|s| s.tree == t).unwrap_or(0))
                    .collect();
                let scan = |(chunk, slots): (usize, &mut [u8])| {
                    self.scan_margins(&splits, &first, chunk * MARGIN_CHUNK, slots, group)
                };
                if share {
                    slots
                        .par_chunks_mut(MARGIN_CHUNK * group)
                        .enumerate()
                        .for_each(scan);
                } else {
                    slots
                        .chunks_mut(MARGIN_CHUNK * group)
                        .enumerate()
                        .for_each(scan);
                }
            } else {
                for split in &splits {
                    let g = &trees[split.tree];
                    let ids = &g.ids[split.node.start..split.node.start + split.node.len];
                    self.node_side_codes(split, ids, slots, group, &mut buf);
                }
            }

            // 3. Sides, retries, partitions, children.
            for mut split in splits.drain(..) {
                let t = split.tree;
                let g = &mut trees[t];
                let Waiting { start, len, parent } = split.node;
                let ids = &mut g.ids[start..start + len];
                buf.sides.clear();
                for &id in ids.iter() {
                    let slot = &mut slots[id as usize * group + t];
                    buf.sides.push(match *slot {
                        SIDE_0 | SIDE_1 => *slot,
                        _ => g.rng.flip() as u8,
                    });
                    *slot = NOT_SPLIT;
                }
                let ones = count_ones(&buf.sides);
                let ones = self.settle_split(ids, &mut split.plane, ones, 1, &mut g.rng, &mut buf);
                stable_partition(ids, &buf.sides, &mut buf.moved);

                let is_root = matches!(parent, Parent::None);
                let n_descendants = if is_root { self.n_items } else { len };
                split.plane.node_mut().set_i32(0, n_descendants as i32);
                let children = if is_root {
                    g.root = Some(split.plane);
                    [Parent::Root { side: 0 }, Parent::Root { side: 1 }]
                } else {
                    let reference = g.tree.push(split.plane.bytes());
                    buf.records.push(split.plane);
                    g.attach(&self.layout, parent, reference);
                    [0, 1].map(|side| Parent::Record { reference, side })
                };
                let zeros = len - ones;
                g.waiting.push(Waiting {
                    start,
                    len: zeros,
                    parent: children[0],
                });
                g.waiting.push(Waiting {
                    start: start + zeros,
                    len: ones,
                    parent: children[1],
                });
            }
        }
        drop(slot_table);
        // 4. Each tree finishes its small nodes and goes.
        for mut g in trees {
            for node in std::mem::take(&mut g.small) {
                let ids = &mut g.ids[node.start..node.start + node.len];
                let is_root = matches!(node.parent, Parent::None);
                let reference = self.make_tree(ids, is_root, &mut g.rng, &mut g.tree, &mut buf);
                g.attach(&self.layout, node.parent, reference);
            }
            if let Some(root) = g.root.take() {
                g.tree.push(root.bytes());
            }
            emit(g.tree);
        }
    }

    /// Whether a node is split with its level rather than finished depth-first.
    pub(super) fn is_large(&self, n: usize, is_root: bool) -> bool {
        n * self.layout.vector_bytes() >= self.level_min_bytes && !self.is_bucket(n, is_root)
    }

    /// The margin pass over items `first_item..` in memory order: `slots` holds their rows of
    /// the (item, tree) table. `first[t]` is where tree `t`'s splits start in `splits`.
    fn scan_margins(
        &self,
        splits: &[LevelSplit],
        first: &[usize],
        first_item: usize,
        slots: &mut [u8],
        group: usize,
    ) {
        // The trees taking part for the current item, and the index of their split.
        let mut taking_part = [(0usize, 0usize); MAX_GROUP];
        let node_size = self.layout.node_size();
        // Whole records, into the second-level cache.
        let ahead = (SCAN_AHEAD_BYTES / node_size).max(1);
        for (k, row) in slots.chunks_exact_mut(group).enumerate() {
            let x = self.item((first_item + k) as i32);
            if let Some(record) = self.items.get((first_item + k + ahead) * node_size..) {
                prefetch_record(record, node_size, Soon::Later);
            }
            let mut n = 0;
            for (t, &slot) in row.iter().enumerate() {
                if slot != NOT_SPLIT {
                    taking_part[n] = (t, first[t] + slot as usize);
                    n += 1;
                }
            }
            let plane = |(_, s): (usize, usize)| splits[s].plane.node();
            let mut j = 0;
            while j + 4 <= n {
                let four = [0, 1, 2, 3].map(|w| taking_part[j + w]);
                let margins = self.space.margins4_across(four.map(plane), x);
                for w in 0..4 {
                    row[four[w].0] = side_code(margins[w]);
                }
                j += 4;
            }
            for &(t, s) in &taking_part[j..n] {
                row[t] = side_code(self.space.margin(plane((t, s)), x));
            }
        }
    }

    /// The side codes of one split's items, gathered by id (for levels where few items take
    /// part).
    fn node_side_codes(
        &self,
        split: &LevelSplit,
        ids: &[i32],
        slots: &mut [u8],
        group: usize,
        buf: &mut Buffers,
    ) {
        buf.sides.clear();
        buf.sides.resize(ids.len(), ON_PLANE);
        let (plane, items) = (split.plane.node(), self.item_set(ids));
        self.side_codes(plane, items, ids.len(), &mut buf.sides);
        for (&id, &code) in ids.iter().zip(&buf.sides) {
            slots[id as usize * group + split.tree] = code;
        }
    }
}

impl Growing {
    /// Records a finished node's reference in its parent.
    fn attach(&mut self, layout: &crate::format::Layout, parent: Parent, reference: i32) {
        match parent {
            Parent::None => {}
            Parent::Root { side } => {
                let root = self
                    .root
                    .as_mut()
                    .expect("a root split waits for its children");
                root.node_mut()
                    .set_i32(layout.children + 4 * side, reference);
            }
            Parent::Record {
                reference: record,
                side,
            } => self.tree.set_child(layout, record, side, reference),
        }
    }
}
