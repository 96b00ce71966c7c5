//! Building the graph: pivot-tree seeding, NN-descent, robust prune with reverse edges, and
//! connectivity repair. Every step gives the same result on any number of threads.

use super::search::{beam_search, Beam, Items};
use super::{EntryTree, Graph, GraphParams, LEAF, NO_EDGE};
use crate::metric::Space;
use crate::random::{tree_seed, Kiss64};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;

/// A candidate neighbour: its internal distance, its id, and whether NN-descent has yet to
/// join it with the list's other members.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    distance: f32,
    id: u32,
    fresh: bool,
}

/// `(distance, id)` as one ordered key: lists are sets in this total order.
#[inline]
fn key(distance: f32, id: u32) -> (u32, u32) {
    (ordered(distance), id)
}

/// A float's bits mapped to an unsigned integer in the same order.
#[inline]
pub(crate) fn ordered(x: f32) -> u32 {
    let bits = if x == 0.0 { 0 } else { x.to_bits() };
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    }
}

/// One item's bounded candidate list, nearest first, and its worst key while full (so other
/// threads can skip hopeless candidates without the lock).
struct List {
    members: Mutex<Vec<Candidate>>,
    /// `ordered(worst distance)` once full, `u32::MAX` before.
    worst: AtomicU32,
}

impl List {
    fn new(capacity: usize) -> List {
        List {
            members: Mutex::new(Vec::with_capacity(capacity + 1)),
            worst: AtomicU32::new(u32::MAX),
        }
    }

    /// Inserts `(distance, id)` unless present or worse than every member of a full list.
    /// The members after any set of insertions are the best `capacity` of all inserted, in
    /// whatever order they came: the result does not depend on thread timing.
    fn insert(&self, distance: f32, id: u32, capacity: usize) -> bool {
        if ordered(distance) > self.worst.load(Ordering::Relaxed) {
            return false;
        }
        let k = key(distance, id);
        let mut m = self.members.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= capacity && k >= key(m[m.len() - 1].distance, m[m.len() - 1].id) {
            return false;
        }
        let at = m.partition_point(|c| key(c.distance, c.id) < k);
        // A duplicate has the same key, so it sits at `at`.
        if m.get(at).is_some_and(|c| c.id == id) {
            return false;
        }
        m.insert(
            at,
            Candidate {
                distance,
                id,
                fresh: true,
            },
        );
        if m.len() > capacity {
            m.pop();
        }
        if m.len() >= capacity {
            self.worst
                .store(ordered(m[m.len() - 1].distance), Ordering::Relaxed);
        }
        true
    }

    fn take(self) -> Vec<Candidate> {
        self.members.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// Builds the graph over the items `present` (ids of `items` that hold an item, increasing).
pub(crate) fn build_graph<S: Space>(
    space: &S,
    items: Items<'_>,
    present: &[u32],
    params: &GraphParams,
    seed: u64,
) -> Graph {
    let n_items = items.len();
    let capacity = params.knn.min(present.len().saturating_sub(1)).max(1);
    let lists: Vec<List> = (0..n_items).map(|_| List::new(capacity)).collect();
    let tree = seed_from_trees(space, items, present, params, seed, &lists, capacity);
    nn_descent(space, items, present, params, seed, &lists, capacity);
    let knn: Vec<Vec<Candidate>> = lists.into_iter().map(List::take).collect();
    let mut graph = prune(space, items, present, params, knn);
    graph.entries = vec![medoid(space, items, present)];
    graph.tree = tree;
    repair(space, items, present, &mut graph);
    graph
}

/// Seeds the lists from the leaves of `seed_trees` pivot trees: every pair in a leaf is a
/// candidate. A split draws two distinct pivots and sends each item to the nearer (ties
/// alternate), falling back to halves when one side would be empty. Returns the first tree,
/// which searches descend to find their entry points.
fn seed_from_trees<S: Space>(
    space: &S,
    items: Items<'_>,
    present: &[u32],
    params: &GraphParams,
    seed: u64,
    lists: &[List],
    capacity: usize,
) -> EntryTree {
    let trees = params.seed_trees.max(1);
    let mut built: Vec<EntryTree> = (0..trees)
        .into_par_iter()
        .map(|t| {
            let tree = pivot_tree(space, items, present, params.leaf_size, seed, t);
            for leaf in tree.leaves() {
                join_leaf(space, items, leaf, lists, capacity);
            }
            // Only the first tree is kept.
            if t == 0 {
                tree
            } else {
                EntryTree::default()
            }
        })
        .collect();
    built.swap_remove(0)
}

/// Pivot tree `t` over `present`, down to leaves of at most `leaf_size` items.
fn pivot_tree<S: Space>(
    space: &S,
    items: Items<'_>,
    present: &[u32],
    leaf_size: usize,
    seed: u64,
    t: usize,
) -> EntryTree {
    let mut rng = Kiss64::new(tree_seed(seed ^ 0x6772_6170_6873, t));
    let mut ids = present.to_vec();
    let mut tree = EntryTree::default();
    tree.nodes.push([0; 4]);
    // (node slot, range of `ids`)
    let mut stack = vec![(0usize, 0usize, ids.len())];
    let mut side = Vec::new();
    while let Some((slot, lo, hi)) = stack.pop() {
        let set = &mut ids[lo..hi];
        if set.len() <= leaf_size {
            tree.nodes[slot] = [LEAF, lo as u32, set.len() as u32, 0];
            continue;
        }
        let a = set[rng.index(set.len())];
        let mut b = set[rng.index(set.len() - 1)];
        if b == a {
            b = set[set.len() - 1];
        }
        let (pa, pb) = (items.node(a as usize), items.node(b as usize));
        side.clear();
        let mut tie = false;
        side.extend(set.iter().map(|&i| {
            let x = items.node(i as usize);
            let (da, db) = (space.graph_distance(pa, x), space.graph_distance(pb, x));
            if da == db {
                tie = !tie;
                tie
            } else {
                da < db
            }
        }));
        let mut split = partition(set, &side);
        // A degenerate split (all on one side) halves instead; its pivots are then the same
        // for both sides, so a query's descent goes left, where half the items are.
        let (a, b) = if split == 0 || split == set.len() {
            split = set.len() / 2;
            (a, a)
        } else {
            (a, b)
        };
        let left = tree.nodes.len();
        tree.nodes.push([0; 4]);
        tree.nodes.push([0; 4]);
        tree.nodes[slot] = [a, b, left as u32, left as u32 + 1];
        stack.push((left + 1, lo + split, hi));
        stack.push((left, lo, lo + split));
    }
    tree.items = ids;
    tree
}

/// Moves the ids whose `left` flag is set to the front, keeping order; returns their count.
fn partition(set: &mut [u32], left: &[bool]) -> usize {
    let mut out: Vec<u32> = set
        .iter()
        .zip(left)
        .filter(|(_, &l)| l)
        .map(|(&i, _)| i)
        .collect();
    let split = out.len();
    out.extend(set.iter().zip(left).filter(|(_, &l)| !l).map(|(&i, _)| i));
    set.copy_from_slice(&out);
    split
}

fn join_leaf<S: Space>(space: &S, items: Items<'_>, leaf: &[u32], lists: &[List], cap: usize) {
    for (k, &a) in leaf.iter().enumerate() {
        let na = items.node(a as usize);
        for &b in &leaf[k + 1..] {
            let d = space.graph_distance(na, items.node(b as usize));
            lists[a as usize].insert(d, b, cap);
            lists[b as usize].insert(d, a, cap);
        }
    }
}

/// NN-descent rounds: each item's fresh and old neighbours, forward and reverse (sampled to
/// `knn` each), are joined pairwise (fresh with fresh, fresh with old); each pair is a
/// candidate for both lists. Stops when a round changes fewer than 0.1% of the list slots.
fn nn_descent<S: Space>(
    space: &S,
    items: Items<'_>,
    present: &[u32],
    params: &GraphParams,
    seed: u64,
    lists: &[List],
    capacity: usize,
) {
    let n_items = items.len();
    let sample = capacity;
    for round in 0..params.max_rounds {
        // Forward samples: every fresh member (up to `sample`, nearest first) becomes old.
        let (fresh, old): (Vec<Vec<u32>>, Vec<Vec<u32>>) = (0..n_items)
            .into_par_iter()
            .map(|i| {
                let mut m = lists[i].members.lock().unwrap_or_else(|e| e.into_inner());
                let mut fresh = Vec::new();
                let mut old = Vec::new();
                for c in m.iter_mut() {
                    if c.fresh && fresh.len() < sample {
                        c.fresh = false;
                        fresh.push(c.id);
                    } else if !c.fresh {
                        old.push(c.id);
                    }
                }
                (fresh, old)
            })
            .unzip();
        // Reverse samples, by reservoir in id order with a generator seeded by the round.
        let mut rng = Kiss64::new(tree_seed(seed ^ 0x6e6e_6465_7363, round));
        let mut rev_fresh: Vec<Vec<u32>> = vec![Vec::new(); n_items];
        let mut rev_old: Vec<Vec<u32>> = vec![Vec::new(); n_items];
        let mut seen_fresh = vec![0u32; n_items];
        let mut seen_old = vec![0u32; n_items];
        for &i in present {
            for (forward, rev, seen) in [
                (&fresh, &mut rev_fresh, &mut seen_fresh),
                (&old, &mut rev_old, &mut seen_old),
            ] {
                for &j in &forward[i as usize] {
                    let j = j as usize;
                    seen[j] += 1;
                    if rev[j].len() < sample {
                        rev[j].push(i);
                    } else {
                        let r = rng.index(seen[j] as usize);
                        if r < sample {
                            rev[j][r] = i;
                        }
                    }
                }
            }
        }
        let updates = AtomicUsize::new(0);
        present.par_iter().for_each(|&i| {
            let i = i as usize;
            let mut new_ids: Vec<u32> = fresh[i].iter().chain(&rev_fresh[i]).copied().collect();
            new_ids.sort_unstable();
            new_ids.dedup();
            let mut old_ids: Vec<u32> = old[i].iter().chain(&rev_old[i]).copied().collect();
            old_ids.sort_unstable();
            old_ids.dedup();
            let mut changed = 0;
            for (k, &a) in new_ids.iter().enumerate() {
                let na = items.node(a as usize);
                for &b in new_ids[k + 1..].iter().chain(old_ids.iter()) {
                    if a == b {
                        continue;
                    }
                    let d = space.graph_distance(na, items.node(b as usize));
                    changed += lists[a as usize].insert(d, b, capacity) as usize;
                    changed += lists[b as usize].insert(d, a, capacity) as usize;
                }
            }
            updates.fetch_add(changed, Ordering::Relaxed);
        });
        if updates.into_inner() * 1000 <= present.len() * capacity {
            break;
        }
    }
}

/// The robust-prune rule over `candidates` (sorted by `(distance, id)`, distances to `item`):
/// a candidate is kept unless a kept one is, by `alpha`, nearer to it than `item` is.
fn robust_prune<S: Space>(
    space: &S,
    items: Items<'_>,
    candidates: &[(f32, u32)],
    degree: usize,
    alpha: f32,
    kept: &mut Vec<(f32, u32)>,
) {
    kept.clear();
    for &(d, c) in candidates {
        if kept.len() >= degree {
            break;
        }
        let nc = items.node(c as usize);
        let occluded = kept
            .iter()
            .any(|&(_, p)| alpha * space.graph_distance(items.node(p as usize), nc) <= d);
        if !occluded {
            kept.push((d, c));
        }
    }
}

/// Prunes each list, adds every kept edge's reverse, and prunes the union to `degree`.
fn prune<S: Space>(
    space: &S,
    items: Items<'_>,
    present: &[u32],
    params: &GraphParams,
    knn: Vec<Vec<Candidate>>,
) -> Graph {
    let n_items = items.len();
    let degree = params.degree;
    let forward: Vec<Vec<(f32, u32)>> = knn
        .par_iter()
        .map(|list| {
            let candidates: Vec<(f32, u32)> = list.iter().map(|c| (c.distance, c.id)).collect();
            let mut kept = Vec::new();
            robust_prune(space, items, &candidates, degree, params.alpha, &mut kept);
            kept
        })
        .collect();
    let mut reverse: Vec<Vec<(f32, u32)>> = vec![Vec::new(); n_items];
    for &i in present {
        for &(d, j) in &forward[i as usize] {
            reverse[j as usize].push((d, i));
        }
    }
    let rows: Vec<Vec<(f32, u32)>> = (0..n_items)
        .into_par_iter()
        .map(|i| {
            let mut candidates: Vec<(f32, u32)> =
                forward[i].iter().chain(&reverse[i]).copied().collect();
            candidates.sort_unstable_by_key(|&(d, id)| key(d, id));
            candidates.dedup_by_key(|c| c.1);
            let mut kept = Vec::new();
            robust_prune(space, items, &candidates, degree, params.alpha, &mut kept);
            kept
        })
        .collect();
    let mut adjacency = vec![NO_EDGE; n_items * degree];
    for (i, row) in rows.iter().enumerate() {
        for (slot, &(_, j)) in adjacency[i * degree..].iter_mut().zip(row) {
            *slot = j;
        }
    }
    Graph {
        degree,
        n_items,
        adjacency: adjacency.into(),
        entries: Vec::new(),
        tree: EntryTree::default(),
    }
}

/// The item nearest the mean of a sample of items: a central entry point.
fn medoid<S: Space>(space: &S, items: Items<'_>, present: &[u32]) -> u32 {
    let step = (present.len() / 4096).max(1);
    let sample: Vec<u32> = present.iter().step_by(step).copied().collect();
    // The sample item with the least total distance to a sub-sample: no mean needed, so it
    // means the same for every metric.
    let probe: Vec<u32> = sample.iter().step_by(16).copied().collect();
    sample
        .par_iter()
        .map(|&i| {
            let x = items.node(i as usize);
            let total: f64 = probe
                .iter()
                .map(|&p| space.graph_distance(x, items.node(p as usize)) as f64)
                .sum();
            (total, i)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .map_or(0, |(_, i)| i)
}

/// Makes every item reachable from the entry point: each unreached item (in id order) gets an
/// edge from the nearest reached item with a free slot that a search for it finds (or, when all
/// those are full, takes the place of the farthest edge of the nearest one), then everything
/// it reaches is marked. A few passes settle what replaced edges may have cut.
fn repair<S: Space>(space: &S, items: Items<'_>, present: &[u32], graph: &mut Graph) {
    let n_items = items.len();
    let mut beam = Beam::default();
    // Per item, how many of its row's last slots were given to repair edges.
    let mut repairs = vec![0u16; n_items];
    for _pass in 0..8 {
        let mut reached = vec![false; n_items];
        let mut stack: Vec<u32> = graph.entries.clone();
        for &e in &graph.entries {
            reached[e as usize] = true;
        }
        mark(graph, &mut reached, &mut stack);
        let unreached: Vec<u32> = present
            .iter()
            .copied()
            .filter(|&i| !reached[i as usize])
            .collect();
        if unreached.is_empty() {
            return;
        }
        for u in unreached {
            if reached[u as usize] {
                continue;
            }
            let q = items.node(u as usize);
            // Only reached items may take the edge (the search also starts near `u`, in the
            // part not yet reached).
            let reached_now = &reached;
            beam_search(
                space,
                items,
                graph,
                q,
                64,
                &|p| reached_now[p as usize],
                &mut beam,
            );
            // The nearest found item with a free slot, else with a slot not yet given to a
            // repair edge (from the row's end: its farthest edges), else the entry point.
            let degree = graph.degree;
            let pick = (0..beam.out.len()).map(|k| beam.result(k).1).find_map(|p| {
                let row = graph.row(p as usize);
                if let Some(free) = row.iter().position(|&e| e == NO_EDGE) {
                    return Some((p, free));
                }
                let used = repairs[p as usize] as usize;
                (used < degree / 2).then(|| (p, degree - 1 - used))
            });
            let (p, slot) = pick.unwrap_or_else(|| {
                let e = graph.entries[0];
                let used = (repairs[e as usize] as usize).min(degree - 1);
                (e, degree - 1 - used)
            });
            if graph.row(p as usize)[slot] != NO_EDGE {
                repairs[p as usize] = repairs[p as usize].saturating_add(1);
            }
            graph.adjacency[p as usize * graph.degree + slot] = u;
            reached[u as usize] = true;
            stack.push(u);
            mark(graph, &mut reached, &mut stack);
        }
    }
}

/// Marks everything reachable from `stack`'s items.
fn mark(graph: &Graph, reached: &mut [bool], stack: &mut Vec<u32>) {
    while let Some(i) = stack.pop() {
        for &j in graph.row(i as usize) {
            if j != NO_EDGE && !reached[j as usize] {
                reached[j as usize] = true;
                stack.push(j);
            }
        }
    }
}
