//! Building the forest: Annoy's recursive random-projection split.
//!
//! Each tree has its own generator, seeded from the seed and its number (`tree_seed`), and its
//! own buffer, and the buffers are laid out in tree order. Trees are built in groups
//! (`levels`): while a group's nodes are large, its trees advance one level at a time
//! together, and one pass over the item vectors in memory order measures every item against
//! the split of each tree's node holding it. Each vector is then read once per level for the
//! whole group instead of once per tree; the build is bound by memory bandwidth, not
//! arithmetic. Nodes small enough to stay in the cache are finished depth-first
//! (`recursive`), as Annoy builds whole trees.
//!
//! A tree's bytes depend on the data, the seed and its number only: not on the group it was
//! built in, nor on the number of threads.

mod levels;
mod recursive;
mod table;

use crate::error::{Error, Result};
use crate::format::{ItemSet, Layout, Node, NodeMut};
use crate::metric::Space;
use crate::random::tree_seed;
use std::collections::BTreeMap;
use std::iter::StepBy;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// The most trees built together. More share each read of the data further but need more
/// working memory (5 bytes per item per tree) and more split planes in the cache. On 384-d
/// data, groups of 25 rather than 8 built 10 trees 6% faster on one thread and 50 trees 15%
/// faster on two.
const MAX_GROUP: usize = 32;

/// Bytes of item record per byte of a group's working memory, at least: a group's tables stay
/// within 1/12 of the items (so 64-d float vectors are built 4 trees at a time, 128-d 8, 384-d
/// 25).
/// Smaller groups save little memory and cost speed: a 128-d build in groups of 3 measured 20%
/// slower on two threads, for 1% less peak memory.
const RECORD_BYTES_PER_GROUP_BYTE: usize = 12;

/// One tree's node records. Child ids that point to nodes of this tree are stored as
/// `-(local index + 1)` until the tree's place in the file is known (`placed_at`).
pub(crate) struct Tree {
    bytes: Vec<u8>,
    n_nodes: usize,
    node_size: usize,
}

impl Tree {
    fn new(node_size: usize) -> Tree {
        Tree {
            bytes: Vec::new(),
            n_nodes: 0,
            node_size,
        }
    }

    /// Appends a record and returns the reference to it.
    fn push(&mut self, record: &[u8]) -> i32 {
        self.bytes.extend_from_slice(record);
        self.n_nodes += 1;
        -(self.n_nodes as i32)
    }

    /// Sets `children[side]` of the record a reference points to.
    fn set_child(&mut self, layout: &Layout, record: i32, side: usize, child: i32) {
        let at = (-(record as i64) - 1) as usize * self.node_size;
        NodeMut(&mut self.bytes[at..at + self.node_size])
            .set_i32(layout.children + 4 * side, child);
    }

    /// The tree's records for its place in the index (starting at node `base`), with local
    /// child references turned into node ids. The root's record is the last one.
    pub(crate) fn placed_at(mut self, layout: &Layout, base: usize) -> Vec<u8> {
        for record in self.bytes.chunks_exact_mut(self.node_size) {
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
    /// Nodes whose item vectors take this many bytes are split level by level.
    level_min_bytes: usize,
    /// Levels where this many (item, tree) pairs take part measure margins in one pass over
    /// the items; sparser ones gather each split's items.
    scan_min_pairs: usize,
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
            level_min_bytes: levels::LEVEL_MIN_BYTES,
            scan_min_pairs: n_items / 2,
        }
    }

    /// The records of items `ids`.
    fn item_set<'i>(&self, ids: &'i [i32]) -> ItemSet<'i>
    where
        'a: 'i,
    {
        ItemSet::new(self.items, self.layout.node_size(), ids)
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
        // Trees share nothing below the level build's threshold: build them one per task, so an
        // automatic count (which stops at the first tree past its mark) wastes none.
        let max_group = if !self.is_large(self.n_items, true) {
            1
        } else {
            (self.layout.node_size() / (5 * RECORD_BYTES_PER_GROUP_BYTE)).clamp(1, MAX_GROUP)
        };
        let plan = GroupPlan::new(limit, n_threads, max_group);
        let next_group = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (finished, arrivals) = mpsc::channel::<(usize, Tree)>();
        pool.in_place_scope(|scope| {
            // One worker per thread, each taking the next group until told to stop.
            for _ in 0..n_threads {
                let finished = finished.clone();
                let (next_group, stop, plan) = (&next_group, &stop, &plan);
                scope.spawn(move |_| loop {
                    let g = next_group.fetch_add(1, Ordering::Relaxed);
                    let Some(numbers) = plan.group(g) else { break };
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    // The last groups leave threads idle: let them share the large splits.
                    let share = n_threads > 1 && plan.is_last_round(g);
                    let seeds = numbers.clone().map(|t| tree_seed(seed, t));
                    let mut numbers = numbers;
                    self.build_group(seeds, share, |tree| {
                        let number = numbers.next().expect("one tree per seed");
                        // The receiver only hangs up when the sink has stopped the build.
                        let _ = finished.send((number, tree));
                    });
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
}

/// Which trees are built together: groups of at most `max_group`, and for a known count as many
/// groups as keep every thread busy to the end, of sizes differing by at most one, the larger
/// first. The threads take groups in rounds of `n_threads`, and a round's groups interleave its
/// trees (with two threads, one builds trees 0, 2, 4…, the other 1, 3, 5…), so trees finish
/// nearly in order and few wait in memory for an earlier one.
struct GroupPlan {
    limit: Option<usize>,
    max_group: usize,
    n_threads: usize,
    n_groups: usize,
}

impl GroupPlan {
    fn new(limit: Option<usize>, n_threads: usize, max_group: usize) -> GroupPlan {
        let n_threads = n_threads.max(1);
        let n_groups = match limit {
            Some(n) => n.div_ceil(max_group).next_multiple_of(n_threads).min(n),
            None => usize::MAX,
        };
        GroupPlan {
            limit,
            max_group,
            n_threads,
            n_groups,
        }
    }

    /// The tree numbers of group `g`, in the order it builds them, if there is one.
    fn group(&self, g: usize) -> Option<StepBy<Range<usize>>> {
        let (round, place) = (g / self.n_threads, g % self.n_threads);
        let first = round * self.n_threads;
        let (trees, width) = match self.limit {
            Some(n) if g < self.n_groups => {
                // Group sizes: the larger ones first.
                let (base, extra) = (n / self.n_groups, n % self.n_groups);
                let start = |g: usize| g * base + g.min(extra);
                let last = (first + self.n_threads).min(self.n_groups);
                (start(first)..start(last), last - first)
            }
            Some(_) => return None,
            None => {
                let per_round = self.max_group.checked_mul(self.n_threads)?;
                let start = round.checked_mul(per_round)?;
                (start..start.checked_add(per_round)?, self.n_threads)
            }
        };
        Some((trees.start + place..trees.end).step_by(width))
    }

    /// Whether fewer groups than threads remain once `g` starts.
    fn is_last_round(&self, g: usize) -> bool {
        self.limit.is_some() && g + self.n_threads > self.n_groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::words_as_bytes_mut;
    use crate::metric::{with_space, AnySpace, DotLayout, Metric};
    use crate::random::Kiss64;

    /// Item records for `n` random vectors (every 37th a hole, every 11th a duplicate).
    fn records(space: &impl Space, dim: usize, n: usize) -> Vec<u64> {
        let s = space.layout().node_size();
        let mut words = vec![0u64; (n * s).div_ceil(8)];
        let bytes = words_as_bytes_mut(&mut words);
        let mut rng = Kiss64::new(99);
        let mut previous = vec![0.0; dim];
        for i in 0..n {
            if i % 37 == 5 {
                continue;
            }
            let v: Vec<f32> = if i % 11 == 3 {
                previous.clone()
            } else {
                (0..dim)
                    .map(|_| (rng.index(1000) as f32 - 500.0) / 250.0)
                    .collect()
            };
            let mut node = NodeMut(&mut bytes[i * s..(i + 1) * s]);
            node.set_i32(0, 1);
            space.store(&mut node, &v);
            previous = v;
        }
        space.preprocess(bytes, n);
        words
    }

    /// Checks that a tree's records, rooted at the last one, hold every item exactly once.
    fn check_tree(layout: &Layout, tree: &[u8], n_items: usize, expected: &[i32]) {
        let s = layout.node_size();
        let record = |r: i32| Node(&tree[(-(r as i64) - 1) as usize * s..][..s]);
        let mut found = Vec::new();
        let mut stack = vec![-((tree.len() / s) as i32)];
        while let Some(r) = stack.pop() {
            if r >= 0 {
                found.push(r);
                continue;
            }
            let node = record(r);
            let n = node.n_descendants() as usize;
            if n > layout.max_bucket() {
                stack.extend([node.child(layout, 0), node.child(layout, 1)]);
            } else {
                found.extend((0..n).map(|k| node.child(layout, k)));
            }
        }
        found.sort();
        assert_eq!(found, expected, "n_items {n_items}");
    }

    #[test]
    fn trees_do_not_depend_on_their_group_or_margin_pass() {
        for metric in Metric::ALL {
            let dim = if metric == Metric::Hamming { 70 } else { 6 };
            let n = 900;
            let any = AnySpace::new(metric, DotLayout::Annoy117, dim);
            with_space!(&any, space => {
                let words = records(space, dim, n);
                let items = &crate::format::words_as_bytes(&words)[..n * space.layout().node_size()];
                let present: Vec<i32> = (0..n as i32).filter(|i| i % 37 != 5).collect();
                let build = |seeds: Range<u64>, scan: bool| {
                    let mut builder = TreeBuilder::new(space, items, n);
                    // Every split that is not a bucket goes level by level.
                    builder.level_min_bytes = 0;
                    builder.scan_min_pairs = if scan { 0 } else { usize::MAX };
                    let mut trees = Vec::new();
                    builder.build_group(seeds, false, |t| trees.push(t.bytes));
                    trees
                };
                let scanned = build(10..15, true);
                assert!(scanned == build(10..15, false), "{metric}: scan and gather differ");
                for (k, seed) in (10..15).enumerate() {
                    assert!(scanned[k] == build(seed..seed + 1, true)[0], "{metric}: group");
                    check_tree(&space.layout(), &scanned[k], n, &present);
                }
                // The depth-first build makes other trees from the same seed, just as valid.
                let builder = TreeBuilder::new(space, items, n);
                let mut depth_first = Vec::new();
                builder.build_group(10..11, false, |t| depth_first = t.bytes);
                check_tree(&space.layout(), &depth_first, n, &present);
            });
        }
    }

    #[test]
    fn groups_cover_every_tree_once_and_balance_threads() {
        for n in 1..40 {
            for threads in 1..5 {
                let plan = GroupPlan::new(Some(n), threads, MAX_GROUP);
                let groups: Vec<Vec<usize>> = (0..)
                    .map_while(|g| plan.group(g))
                    .map(|g| g.collect())
                    .collect();
                let mut all: Vec<usize> = groups.iter().flatten().copied().collect();
                all.sort();
                assert_eq!(all, (0..n).collect::<Vec<_>>(), "n={n} threads={threads}");
                assert!(groups.iter().all(|g| !g.is_empty() && g.len() <= MAX_GROUP));
                let sizes: Vec<usize> = groups.iter().map(|g| g.len()).collect();
                assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
                assert!(
                    sizes.windows(2).all(|w| w[0] >= w[1]),
                    "larger first: {sizes:?}"
                );
                if n >= threads {
                    assert_eq!(groups.len() % threads, 0, "n={n} threads={threads}");
                }
                // A round's groups take turns: its k-th trees are consecutive numbers.
                for round in groups.chunks(threads) {
                    for k in 0..round[0].len() {
                        let kth: Vec<usize> =
                            round.iter().filter_map(|g| g.get(k)).copied().collect();
                        assert!(kth.windows(2).all(|w| w[1] == w[0] + 1), "{round:?}");
                    }
                }
            }
        }
        let open = GroupPlan::new(None, 2, 3);
        assert_eq!(open.group(0).unwrap().collect::<Vec<_>>(), [0, 2, 4]);
        assert_eq!(open.group(3).unwrap().collect::<Vec<_>>(), [7, 9, 11]);
    }
}
