//! Building the graph: pivot-tree seeding, NN-descent, robust prune with reverse edges, and
//! connectivity repair. Every step gives the same result on any number of threads.

use super::search::{beam_search, Beam, Items};
use super::{EntryTree, Graph, GraphParams, LEAF, NO_EDGE};
use crate::metric::Space;
use crate::random::{tree_seed, Kiss64};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// A candidate neighbour: its internal distance, its id, and whether NN-descent has yet to
/// join it with the list's other members.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    distance: f32,
    id: u32,
    fresh: bool,
    /// The NN-descent round that added it (0: the seeding).
    added: u16,
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

/// Every item's bounded candidate list, nearest first, and its worst key while full, kept
/// apart in one dense array so that other threads skip hopeless candidates without the
/// list's lock and without touching its members.
struct Lists {
    members: Vec<Mutex<Vec<Candidate>>>,
    /// Per item, `ordered(worst distance)` once full, `u32::MAX` before.
    worst: Vec<AtomicU32>,
    capacity: usize,
}

impl Lists {
    fn new(n_items: usize, capacity: usize) -> Lists {
        Lists {
            members: (0..n_items)
                .map(|_| Mutex::new(Vec::with_capacity(capacity + 1)))
                .collect(),
            worst: (0..n_items).map(|_| AtomicU32::new(u32::MAX)).collect(),
            capacity,
        }
    }

    fn lock(&self, i: usize) -> std::sync::MutexGuard<'_, Vec<Candidate>> {
        self.members[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Inserts `(distance, id)` into item `i`'s list unless present or worse than every
    /// member of a full list. The members after any set of insertions are the best
    /// `capacity` of all inserted, in whatever order they came: the result does not depend
    /// on thread timing.
    #[inline]
    fn insert(&self, i: usize, distance: f32, id: u32, added: u16) {
        if ordered(distance) > self.worst[i].load(Ordering::Relaxed) {
            return;
        }
        let k = key(distance, id);
        let mut m = self.lock(i);
        let capacity = self.capacity;
        if m.len() >= capacity && k >= key(m[m.len() - 1].distance, m[m.len() - 1].id) {
            return;
        }
        let at = m.partition_point(|c| key(c.distance, c.id) < k);
        // A duplicate has the same key, so it sits at `at`.
        if m.get(at).is_some_and(|c| c.id == id) {
            return;
        }
        m.insert(
            at,
            Candidate {
                distance,
                id,
                fresh: true,
                added,
            },
        );
        if m.len() > capacity {
            m.pop();
        }
        if m.len() >= capacity {
            self.worst[i].store(ordered(m[m.len() - 1].distance), Ordering::Relaxed);
        }
    }

    fn take(self) -> Vec<Vec<Candidate>> {
        self.members
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect()
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
    let lists = Lists::new(n_items, capacity);
    let tree = seed_from_trees(space, items, present, params, seed, &lists);
    nn_descent(space, items, present, params, seed, &lists);
    let knn = lists.take();
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
    lists: &Lists,
) -> EntryTree {
    let trees = params.seed_trees.max(1);
    let mut built: Vec<EntryTree> = (0..trees)
        .into_par_iter()
        .map(|t| {
            let tree = pivot_tree(space, items, present, params.leaf_size, seed, t);
            for leaf in tree.leaves() {
                join_leaf(space, items, leaf, lists);
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

fn join_leaf<S: Space>(space: &S, items: Items<'_>, leaf: &[u32], lists: &Lists) {
    for (k, &a) in leaf.iter().enumerate() {
        let na = items.node(a as usize);
        for &b in &leaf[k + 1..] {
            let d = space.graph_distance(na, items.node(b as usize));
            lists.insert(a as usize, d, b, 0);
            lists.insert(b as usize, d, a, 0);
        }
    }
}

/// NN-descent rounds (Dong, Charikar and Li's local join with sampling): each item's fresh
/// forward neighbours (the nearest `sample` of them) and a reservoir sample of as many fresh
/// reverse neighbours are joined pairwise and with its old neighbours (the nearest `sample`
/// forward ones and a sample of the reverse ones); each pair is a candidate for both lists.
/// Old pairs were joined in an earlier round, so they are not joined again. With half the
/// list sampled a round costs a quarter of a full join; the rounds it takes more are cheap,
/// since few members are fresh by then. Stops after a round that added candidates to fewer
/// than `STOP_PER_MILLE`‰ of the list slots: what it counts is the members each list ends the
/// round with, so the decision is the same on any number of threads.
fn nn_descent<S: Space>(
    space: &S,
    items: Items<'_>,
    present: &[u32],
    params: &GraphParams,
    seed: u64,
    lists: &Lists,
) {
    let n_items = items.len();
    let capacity = lists.capacity;
    let sample = capacity.div_ceil(2);
    // Per item, in flat rows: the fresh and old forward samples, then the reverse ones.
    let mut fresh = Rows::new(n_items, sample);
    let mut old = Rows::new(n_items, sample);
    let mut rev_fresh = Rows::new(n_items, sample);
    let mut rev_old = Rows::new(n_items, sample);
    let mut seen_fresh = vec![0u32; n_items];
    let mut seen_old = vec![0u32; n_items];
    for round in 0..params.max_rounds {
        let stamp = round as u16 + 1;
        // Forward samples: the nearest `sample` fresh members become old.
        fresh
            .par_rows_mut()
            .zip(old.par_rows_mut())
            .enumerate()
            .for_each(|(i, ((fresh, n_fresh), (old, n_old)))| {
                let mut m = lists.lock(i);
                let (mut f, mut o) = (0, 0);
                for c in m.iter_mut() {
                    if c.fresh && f < fresh.len() {
                        c.fresh = false;
                        fresh[f] = c.id;
                        f += 1;
                    } else if !c.fresh && o < old.len() {
                        old[o] = c.id;
                        o += 1;
                    }
                }
                (*n_fresh, *n_old) = (f as u16, o as u16);
            });
        // Reverse samples, by reservoir in id order with a generator seeded by the round.
        let mut rng = Kiss64::new(tree_seed(seed ^ 0x6e6e_6465_7363, round));
        rev_fresh.clear();
        rev_old.clear();
        seen_fresh.fill(0);
        seen_old.fill(0);
        for &i in present {
            for (forward, rev, seen) in [
                (&fresh, &mut rev_fresh, &mut seen_fresh),
                (&old, &mut rev_old, &mut seen_old),
            ] {
                for &j in forward.row(i as usize) {
                    let j = j as usize;
                    seen[j] += 1;
                    if !rev.push(j, i) {
                        let r = rng.index(seen[j] as usize);
                        if r < sample {
                            rev.set(j, r, i);
                        }
                    }
                }
            }
        }
        present.par_iter().for_each_init(
            || (Vec::new(), Vec::new()),
            |(new_ids, old_ids), &i| {
                let i = i as usize;
                new_ids.clear();
                new_ids.extend_from_slice(fresh.row(i));
                new_ids.extend_from_slice(rev_fresh.row(i));
                new_ids.sort_unstable();
                new_ids.dedup();
                old_ids.clear();
                old_ids.extend_from_slice(old.row(i));
                old_ids.extend_from_slice(rev_old.row(i));
                old_ids.sort_unstable();
                old_ids.dedup();
                old_ids.retain(|j| new_ids.binary_search(j).is_err());
                for (k, &a) in new_ids.iter().enumerate() {
                    let others: &[u32] = &new_ids[k + 1..];
                    join(space, items, a, others, lists, stamp);
                    join(space, items, a, old_ids, lists, stamp);
                }
            },
        );
        let added: usize = (0..n_items)
            .into_par_iter()
            .map(|i| lists.lock(i).iter().filter(|c| c.added == stamp).count())
            .sum();
        if added * 1000 <= present.len() * capacity * STOP_PER_MILLE {
            break;
        }
    }
}

/// NN-descent stops once a round adds candidates to fewer than this many per mille of the
/// list slots.
const STOP_PER_MILLE: usize = 1;

/// Offers `a` and each of `others` to each other's lists, measuring four pairs per kernel call.
fn join<S: Space>(space: &S, items: Items<'_>, a: u32, others: &[u32], lists: &Lists, stamp: u16) {
    let na = items.node(a as usize);
    let offer = |d: f32, b: u32| {
        lists.insert(a as usize, d, b, stamp);
        lists.insert(b as usize, d, a, stamp);
    };
    let mut quads = others.chunks_exact(4);
    for quad in &mut quads {
        let ids = [quad[0], quad[1], quad[2], quad[3]];
        let d = space.graph_distances4(na, ids.map(|b| items.node(b as usize)));
        for w in 0..4 {
            offer(d[w], ids[w]);
        }
    }
    for &b in quads.remainder() {
        offer(space.graph_distance(na, items.node(b as usize)), b);
    }
}

/// Per item, a row of at most `width` ids in one flat array, and the row's length.
struct Rows {
    ids: Vec<u32>,
    lens: Vec<u16>,
    width: usize,
}

impl Rows {
    fn new(n_items: usize, width: usize) -> Rows {
        Rows {
            ids: vec![0; n_items * width],
            lens: vec![0; n_items],
            width,
        }
    }

    fn row(&self, i: usize) -> &[u32] {
        &self.ids[i * self.width..][..self.lens[i] as usize]
    }

    fn clear(&mut self) {
        self.lens.fill(0);
    }

    /// Appends `id` to row `i`; false (and nothing changes) when the row is full.
    fn push(&mut self, i: usize, id: u32) -> bool {
        let len = self.lens[i] as usize;
        if len == self.width {
            return false;
        }
        self.ids[i * self.width + len] = id;
        self.lens[i] += 1;
        true
    }

    fn set(&mut self, i: usize, slot: usize, id: u32) {
        self.ids[i * self.width + slot] = id;
    }

    /// Each row's whole slot space and its length, for filling in parallel.
    fn par_rows_mut(&mut self) -> impl IndexedParallelIterator<Item = (&mut [u32], &mut u16)> {
        self.ids
            .par_chunks_mut(self.width)
            .zip(self.lens.par_iter_mut())
    }
}

/// The robust-prune rule over `candidates` (sorted by `(distance, id)`, distances to `item`):
/// a candidate is kept unless a kept one is, by `alpha`, nearer to it than `item` is.
/// Candidates marked `settled` were kept by an earlier prune of a list holding all the settled
/// ones in the same order, so no settled candidate occludes another: those pairs are skipped.
fn robust_prune<S: Space>(
    space: &S,
    items: Items<'_>,
    candidates: &[Prospect],
    degree: usize,
    alpha: f32,
    kept: &mut Vec<Prospect>,
    against: &mut Vec<u32>,
) {
    kept.clear();
    for &c in candidates {
        if kept.len() >= degree {
            break;
        }
        against.clear();
        against.extend(
            kept.iter()
                .filter(|p| !(p.settled && c.settled))
                .map(|p| p.id),
        );
        let nc = items.node(c.id as usize);
        let mut quads = against.chunks_exact(4);
        let occluded = quads.any(|quad| {
            let nodes = [quad[0], quad[1], quad[2], quad[3]].map(|p| items.node(p as usize));
            space
                .graph_distances4(nc, nodes)
                .iter()
                .any(|&d| alpha * d <= c.distance)
        }) || quads
            .remainder()
            .iter()
            .any(|&p| alpha * space.graph_distance(nc, items.node(p as usize)) <= c.distance);
        if !occluded {
            kept.push(c);
        }
    }
}

/// A candidate edge of a prune: its distance to the row's item, its id, and whether an
/// earlier prune of the same row kept it.
#[derive(Clone, Copy, Debug)]
struct Prospect {
    distance: f32,
    id: u32,
    settled: bool,
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
    let forward: Vec<Vec<Prospect>> = knn
        .par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(candidates, against), list| {
                candidates.clear();
                candidates.extend(list.iter().map(|c| Prospect {
                    distance: c.distance,
                    id: c.id,
                    settled: false,
                }));
                let mut kept = Vec::new();
                robust_prune(
                    space,
                    items,
                    candidates,
                    degree,
                    params.alpha,
                    &mut kept,
                    against,
                );
                for p in &mut kept {
                    p.settled = true;
                }
                kept
            },
        )
        .collect();
    drop(knn);
    let mut reverse: Vec<Vec<(f32, u32)>> = vec![Vec::new(); n_items];
    for &i in present {
        for p in &forward[i as usize] {
            reverse[p.id as usize].push((p.distance, i));
        }
    }
    let rows: Vec<Vec<Prospect>> = (0..n_items)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(candidates, against), i| {
                candidates.clear();
                candidates.extend_from_slice(&forward[i]);
                candidates.extend(reverse[i].iter().map(|&(distance, id)| Prospect {
                    distance,
                    id,
                    settled: false,
                }));
                // Sorted by (distance, id, not settled): of a forward and a reverse copy of
                // the same edge, the settled one comes first and is the one kept.
                candidates.sort_unstable_by_key(|p| (key(p.distance, p.id), !p.settled));
                candidates.dedup_by_key(|p| p.id);
                let mut kept = Vec::new();
                robust_prune(
                    space,
                    items,
                    candidates,
                    degree,
                    params.alpha,
                    &mut kept,
                    against,
                );
                kept
            },
        )
        .collect();
    let mut adjacency = vec![NO_EDGE; n_items * degree];
    for (i, row) in rows.iter().enumerate() {
        for (slot, p) in adjacency[i * degree..].iter_mut().zip(row) {
            *slot = p.id;
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
