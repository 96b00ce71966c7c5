//! The public API behaves as Annoy's does (ids with holes, overwrites, unbuild/rebuild, tiny
//! indexes, dot layouts, hamming bits, distances), with Annoy's tree-count quirk for tiny
//! indexes fixed, and queries are safe to run from many threads.

mod common;

use annoy::{DotLayout, Error, Index, Metric, Neighbor, Query, Scratch, State};
use common::{small_data, small_index, true_distance, Rng, TempDir};
use std::collections::HashSet;

fn dim_of(metric: Metric) -> usize {
    if metric == Metric::Hamming {
        100
    } else {
        8
    }
}

/// The most ids a bucket holds (Annoy's K): the room from `children` to the end of a record.
fn max_bucket(index: &Index) -> usize {
    let children = match index.metric() {
        Metric::Euclidean | Metric::Manhattan => 8,
        _ => 4,
    };
    (index.node_size() - children) / 4
}

/// Whether `a` is at least as near as `b` in the metric's order (dot: larger is nearer).
fn nearer_or_equal(metric: Metric, a: f32, b: f32) -> bool {
    if metric == Metric::Dot {
        a >= b
    } else {
        a <= b
    }
}

fn assert_sorted(metric: Metric, list: &[Neighbor]) {
    for w in list.windows(2) {
        assert!(
            nearer_or_equal(metric, w[0].distance, w[1].distance),
            "{metric}: results out of order: {list:?}"
        );
    }
    let ids: HashSet<u32> = list.iter().map(|n| n.id).collect();
    assert_eq!(ids.len(), list.len(), "{metric}: duplicate ids in {list:?}");
}

#[test]
fn holes_are_never_returned_and_read_as_zeros() {
    let dir = TempDir::new("api-holes");
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let data = small_data(metric, dim, 400, 3);
        let mut index = Index::new(dim, metric).unwrap();
        // Every third id, plus a big gap before the last one.
        let ids: Vec<u32> = (0..400u32).filter(|i| i % 3 == 1).chain([1000]).collect();
        for &id in &ids {
            index.add_item(id, &data[id as usize % 400]).unwrap();
        }
        assert_eq!(
            index.n_items(),
            1001,
            "{metric}: n_items is the largest id + 1"
        );
        let present: HashSet<u32> = ids.iter().copied().collect();
        // Before build, holes read as zeros too.
        assert_eq!(index.item_vector(0).unwrap(), vec![0.0; dim], "{metric}");
        index.build(6, 2).unwrap();
        let path = dir.file("holes.ann");
        let built_answers: Vec<Vec<Neighbor>> = (0..20)
            .map(|q| index.query(Query::Vector(&data[q]), 50, None).unwrap())
            .collect();
        index.save(&path, false).unwrap();
        let mut loaded = Index::new(dim, metric).unwrap();
        loaded.load(&path, false).unwrap();
        assert_eq!(loaded.n_items(), 1001, "{metric}");
        for (q, expect) in built_answers.iter().enumerate() {
            let got = loaded.query(Query::Vector(&data[q]), 50, None).unwrap();
            assert_eq!(&got, expect, "{metric}: answers changed by save + load");
        }
        for index in [&index, &loaded] {
            for q in 0..30usize {
                for search_k in [None, Some(usize::MAX)] {
                    let by_vector = index
                        .query(Query::Vector(&data[q * 7 % 400]), 2000, search_k)
                        .unwrap();
                    // Hole ids (including those right before the gap) never come back; with an
                    // exhaustive search every item does.
                    assert!(
                        by_vector.iter().all(|n| present.contains(&n.id)),
                        "{metric}"
                    );
                    if search_k.is_some() {
                        assert_eq!(by_vector.len(), present.len(), "{metric}");
                    }
                    assert_sorted(metric, &by_vector);
                }
                // Querying by a hole id is allowed (it is the zero vector), as in Annoy.
                let by_hole = index.query(Query::Item(q as u32 * 3), 10, None).unwrap();
                assert!(by_hole.iter().all(|n| present.contains(&n.id)), "{metric}");
            }
            for hole in [0u32, 2, 3, 500, 999] {
                assert_eq!(index.item_vector(hole).unwrap(), vec![0.0; dim], "{metric}");
                // The distance to a hole is the distance to the zero vector.
                let zero = vec![0.0f32; dim];
                let v = &data[1];
                let want = true_distance(metric, &zero, v);
                let got = index.distance(hole, 1).unwrap() as f64;
                assert!(
                    (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                    "{metric}: {got} vs {want}"
                );
            }
        }
    }
}

#[test]
fn adding_an_id_again_overwrites_it() {
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let data = small_data(metric, dim, 60, 9);
        let mut index = Index::new(dim, metric).unwrap();
        for (i, v) in data.iter().enumerate().take(50) {
            index.add_item(i as u32, v).unwrap();
        }
        index.add_item(7, &data[55]).unwrap();
        let expect: Vec<f32> = data[55]
            .iter()
            .map(|&x| {
                if metric == Metric::Hamming {
                    (x > 0.5) as u8 as f32
                } else {
                    x
                }
            })
            .collect();
        assert_eq!(index.item_vector(7).unwrap(), expect, "{metric}");
        assert_eq!(index.n_items(), 50, "{metric}");
        index.build(5, 1).unwrap();
        assert_eq!(index.item_vector(7).unwrap(), expect, "{metric}");
        // The new vector is what the trees and the distances see.
        let all = index
            .query(Query::Vector(&data[55]), 50, Some(usize::MAX))
            .unwrap();
        let d7 = all.iter().find(|n| n.id == 7).unwrap().distance as f64;
        let want = true_distance(metric, &data[55], &expect);
        assert!(
            (d7 - want).abs() <= 1e-5 * want.abs().max(1.0),
            "{metric}: {d7} vs {want}"
        );
        if metric != Metric::Dot {
            assert_eq!(
                all[0].id, 7,
                "{metric}: the overwritten item is not its own nearest"
            );
        }
    }
}

#[test]
fn unbuild_add_more_and_build_again() {
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let data = small_data(metric, dim, 300, 4);
        let mut index = Index::new(dim, metric).unwrap();
        for (i, v) in data.iter().enumerate().take(200) {
            index.add_item(i as u32, v).unwrap();
        }
        index.build(4, 1).unwrap();
        let first = index.query(Query::Item(3), 10, None).unwrap();
        assert!(first.iter().all(|n| n.id < 200));
        index.unbuild().unwrap();
        assert!(!index.is_built());
        assert_eq!(index.n_trees(), 0);
        assert_eq!(
            index.n_nodes(),
            200,
            "{metric}: unbuild keeps exactly the items"
        );
        index.unbuild().unwrap(); // twice is fine
        for (i, v) in data.iter().enumerate().skip(200) {
            index.add_item(i as u32, v).unwrap();
        }
        index.build(7, 2).unwrap();
        assert_eq!((index.n_items(), index.n_trees()), (300, 7), "{metric}");
        // The rebuilt index is the index a fresh build of all 300 items gives.
        let mut fresh = Index::new(dim, metric).unwrap();
        for (i, v) in data.iter().enumerate() {
            fresh.add_item(i as u32, v).unwrap();
        }
        fresh.build(7, 1).unwrap();
        for q in [0u32, 150, 250, 299] {
            assert_eq!(
                index.query(Query::Item(q), 10, None).unwrap(),
                fresh.query(Query::Item(q), 10, None).unwrap(),
                "{metric}"
            );
        }
        let all = index
            .query(Query::Item(250), 300, Some(usize::MAX))
            .unwrap();
        assert_eq!(all.len(), 300, "{metric}: new items are reachable");
    }
}

#[test]
fn unload_resets_the_counts_but_keeps_the_seed() {
    let dir = TempDir::new("api-unload");
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let data = small_data(metric, dim, 120, 5);
        let mut index = Index::new(dim, metric).unwrap();
        index.set_seed(77);
        for (i, v) in data.iter().enumerate() {
            index.add_item(i as u32, v).unwrap();
        }
        index.build(3, 1).unwrap();
        index.save(dir.file("a.ann"), false).unwrap();
        assert_eq!(index.seed(), 77, "{metric}: save kept the seed");
        index.unload();
        assert_eq!(
            (index.n_items(), index.n_trees(), index.n_nodes()),
            (0, 0, 0),
            "{metric}"
        );
        assert!(!index.is_built() && !index.is_loaded());
        assert_eq!(index.seed(), 77, "{metric}: unload kept the seed");
        assert!(matches!(
            index.query(Query::Item(0), 1, None),
            Err(Error::WrongState(_))
        ));
        assert!(matches!(
            index.item_vector(0),
            Err(Error::UnknownItem { .. })
        ));
        // Usable again (Annoy refuses build() here until unbuild()), and the kept seed
        // rebuilds the same file.
        for (i, v) in data.iter().enumerate() {
            index.add_item(i as u32, v).unwrap();
        }
        index.build(3, 2).unwrap();
        index.save(dir.file("b.ann"), false).unwrap();
        assert_eq!(
            std::fs::read(dir.file("a.ann")).unwrap(),
            std::fs::read(dir.file("b.ann")).unwrap(),
            "{metric}"
        );
        // unload of an in-memory (not saved) index.
        index.unload();
        index.load(dir.file("a.ann"), false).unwrap();
        assert_eq!((index.n_items(), index.n_trees()), (120, 3));
        index.unload();
        assert_eq!((index.n_items(), index.n_trees()), (0, 0));
    }
}

#[test]
fn tiny_indexes_report_their_true_tree_count_and_return_everything() {
    let dir = TempDir::new("api-tiny");
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let k = max_bucket(&Index::new(dim, metric).unwrap());
        let data = small_data(metric, dim, k + 2, 6);
        for n_items in [0, 1, 2, 3, k / 2, k - 1, k, k + 1] {
            let mut index = Index::new(dim, metric).unwrap();
            for (i, v) in data.iter().enumerate().take(n_items) {
                index.add_item(i as u32, v).unwrap();
            }
            index.build(10, 2).unwrap();
            assert_eq!(index.n_trees(), 10, "{metric} {n_items} items, after build");
            let path = dir.file("tiny.ann");
            index.save(&path, false).unwrap();
            assert_eq!(index.n_trees(), 10, "{metric} {n_items} items, after save");
            let mut loaded = Index::new(dim, metric).unwrap();
            loaded.load(&path, false).unwrap();
            let what = format!("{metric}, {n_items} items (K = {k})");
            assert_eq!(
                loaded.n_trees(),
                10,
                "{what}: after load (Annoy says 19/20/21)"
            );
            assert_eq!(loaded.n_items(), n_items, "{what}");
            let q = &data[k + 1];
            let all = loaded.query(Query::Vector(q), 100, None).unwrap();
            let mut ids: Vec<u32> = all.iter().map(|n| n.id).collect();
            ids.sort_unstable();
            assert_eq!(ids, (0..n_items as u32).collect::<Vec<_>>(), "{what}");
            assert_sorted(metric, &all);
            if n_items > 0 {
                let by_item = loaded.query(Query::Item(0), 100, None).unwrap();
                assert_eq!(by_item.len(), n_items, "{what}");
            } else {
                assert!(matches!(
                    loaded.query(Query::Item(0), 1, None),
                    Err(Error::UnknownItem { .. })
                ));
            }
        }
    }
}

#[test]
fn a_single_real_item_among_holes() {
    // Annoy's "dummy parent" case: one item, but n_items > K because of the holes before it.
    let dir = TempDir::new("api-single");
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let mut index = Index::new(dim, metric).unwrap();
        let id = max_bucket(&index) as u32 + 20;
        let v = small_data(metric, dim, 1, 8).remove(0);
        index.add_item(id, &v).unwrap();
        index.build(10, 1).unwrap();
        index.save(dir.file("one.ann"), false).unwrap();
        let mut loaded = Index::new(dim, metric).unwrap();
        loaded.load(dir.file("one.ann"), false).unwrap();
        assert_eq!(
            (loaded.n_items(), loaded.n_trees()),
            (id as usize + 1, 10),
            "{metric}"
        );
        for index in [&index, &loaded] {
            let got = index.query(Query::Vector(&v), 10, None).unwrap();
            assert_eq!(
                got.iter().map(|n| n.id).collect::<Vec<_>>(),
                vec![id],
                "{metric}"
            );
        }
    }
}

#[test]
fn zero_budgets_and_oversized_requests() {
    for metric in Metric::ALL {
        let (index, data) = small_index(metric, dim_of(metric), 150, 5);
        let q = Query::Vector(&data[3]);
        assert!(
            index.query(q, 10, Some(0)).unwrap().is_empty(),
            "{metric}: search_k 0"
        );
        assert!(index.query(q, 0, None).unwrap().is_empty(), "{metric}: n 0");
        assert!(index
            .query(Query::Item(3), 0, Some(1000))
            .unwrap()
            .is_empty());
        for n in [150, 151, 10_000, usize::MAX] {
            let all = index.query(q, n, Some(usize::MAX)).unwrap();
            assert_eq!(all.len(), 150, "{metric}: n = {n}");
            assert_sorted(metric, &all);
        }
        // The default budget n × n_trees is more than the index holds here, so it finds all.
        assert_eq!(index.query(q, 1000, None).unwrap().len(), 150, "{metric}");
        // A tiny budget still answers, with at most n results, nearest first.
        let few = index.query(q, 10, Some(1)).unwrap();
        assert!(!few.is_empty() && few.len() <= 10, "{metric}: {few:?}");
        assert_sorted(metric, &few);
    }
}

/// Builds a dot index of `n` items in `layout`, saves it and returns (index, data, file size).
fn dot_index(
    dir: &TempDir,
    dim: usize,
    n: usize,
    layout: Option<DotLayout>,
) -> (Index, Vec<Vec<f32>>, usize) {
    let mut rng = Rng::new(dim as u64 * 1000 + n as u64);
    let data: Vec<Vec<f32>> = (0..n)
        .map(|_| {
            let scale = 0.2 + 3.0 * rng.uniform();
            (0..dim).map(|_| (rng.gaussian() * scale) as f32).collect()
        })
        .collect();
    let mut index = Index::new(dim, Metric::Dot).unwrap();
    if let Some(l) = layout {
        index.set_dot_layout(l).unwrap();
    }
    for (i, v) in data.iter().enumerate() {
        index.add_item(i as u32, v).unwrap();
    }
    index.build(4, 1).unwrap();
    let path = dir.file(&format!("dot-{dim}-{n}-{layout:?}.ann"));
    index.save(&path, false).unwrap();
    let size = std::fs::metadata(&path).unwrap().len() as usize;
    (index, data, size)
}

/// Reloads the saved file of `index` in a fresh index without a layout setting and checks the
/// detected layout and the answers.
fn check_detection(dir: &TempDir, dim: usize, n: usize, layout: Option<DotLayout>) -> usize {
    let (index, data, size) = dot_index(dir, dim, n, layout);
    let expect = layout.unwrap_or(DotLayout::Annoy117);
    assert_eq!(index.dot_layout(), expect);
    let node_size = match expect {
        DotLayout::Annoy117 => 16 + 4 * dim,
        DotLayout::AnnoyMain => 24 + 4 * dim,
    };
    assert_eq!(index.node_size(), node_size, "dim {dim} {expect:?}");
    let path = dir.file(&format!("dot-{dim}-{n}-{layout:?}.ann"));
    let mut fresh = Index::new(dim, Metric::Dot).unwrap();
    fresh.load(&path, false).unwrap();
    let what = format!("dim {dim}, {n} items, {expect:?}, {size} bytes");
    assert_eq!(fresh.dot_layout(), expect, "{what}: wrong layout detected");
    assert_eq!((fresh.n_items(), fresh.n_trees()), (n, 4), "{what}");
    for q in 0..n.min(25) {
        for query in [Query::Item(q as u32), Query::Vector(&data[(q * 5) % n])] {
            assert_eq!(
                fresh.query(query, 10, None).unwrap(),
                index.query(query, 10, None).unwrap(),
                "{what}"
            );
        }
        assert_eq!(fresh.item_vector(q as u32).unwrap(), data[q], "{what}");
    }
    size
}

#[test]
fn dot_layouts_are_detected_when_loading() {
    let dir = TempDir::new("api-dot");
    for dim in [3, 8, 17] {
        for layout in [None, Some(DotLayout::Annoy117), Some(DotLayout::AnnoyMain)] {
            check_detection(&dir, dim, 200, layout);
        }
    }
    // Files whose size is a multiple of both node sizes (16 + 4·dim and 24 + 4·dim): the size
    // cannot tell; the records must. Search small configurations for such files.
    for layout in [DotLayout::Annoy117, DotLayout::AnnoyMain] {
        let mut found = Vec::new();
        'search: for dim in [2, 3, 4, 6] {
            for n in 60..200 {
                let (_, _, size) = dot_index(&dir, dim, n, Some(layout));
                if size.is_multiple_of(16 + 4 * dim) && size.is_multiple_of(24 + 4 * dim) {
                    found.push((dim, n));
                    if found.len() == 2 {
                        break 'search;
                    }
                    break;
                }
            }
        }
        assert!(
            !found.is_empty(),
            "{layout:?}: no ambiguous file size found"
        );
        for (dim, n) in found {
            let size = check_detection(&dir, dim, n, Some(layout));
            assert!(size.is_multiple_of(16 + 4 * dim) && size.is_multiple_of(24 + 4 * dim));
        }
    }
}

/// With one dimension the 1.17.3 record is 20 bytes, and read in 28-byte (main) chunks an
/// item's bytes 20..24 are the next item's `n_descendants = 1`: main's signature. Files of
/// 7·k nodes are then taken for main files.
#[test]
fn dot_dimension_one_is_detected() {
    let dir = TempDir::new("api-dot1");
    let mut tried = 0;
    for n in 100..400 {
        let mut index = Index::new(1, Metric::Dot).unwrap();
        for i in 0..n {
            index
                .add_item(i as u32, &[(i as f32 * 0.37).sin() * 3.0])
                .unwrap();
        }
        index.build(3, 1).unwrap();
        if !index.n_nodes().is_multiple_of(7) {
            continue;
        }
        tried += 1;
        let n_nodes = index.n_nodes();
        let path = dir.file("d1.ann");
        let saved = index.save(&path, false);
        assert!(
            saved.is_ok(),
            "{n} items, {n_nodes} nodes: save failed: {saved:?}"
        );
        assert_eq!(index.dot_layout(), DotLayout::Annoy117);
        assert_eq!(index.n_items(), n);
        if tried == 3 {
            return;
        }
    }
    panic!("no configuration with a multiple of 7 nodes");
}

#[test]
fn hamming_item_vectors_unpack_the_bits() {
    let dir = TempDir::new("api-hamming");
    for bits in [1, 63, 64, 65, 70, 128, 130, 200] {
        let mut rng = Rng::new(bits as u64);
        let inputs: Vec<Vec<f32>> = (0..40)
            .map(|_| {
                (0..bits)
                    .map(|_| [0.0, 1.0, 0.5, 0.5001, 0.7, -3.0, 2.0, 1e9][rng.below(8)])
                    .collect()
            })
            .collect();
        let expect: Vec<Vec<f32>> = inputs
            .iter()
            .map(|v| v.iter().map(|&x| if x > 0.5 { 1.0 } else { 0.0 }).collect())
            .collect();
        let mut index = Index::new(bits, Metric::Hamming).unwrap();
        for (i, v) in inputs.iter().enumerate() {
            index.add_item(i as u32, v).unwrap();
        }
        for (i, e) in expect.iter().enumerate() {
            assert_eq!(
                &index.item_vector(i as u32).unwrap(),
                e,
                "{bits} bits, item {i}"
            );
        }
        index.build(3, 1).unwrap();
        index.save(dir.file("h.ann"), false).unwrap();
        let mut loaded = Index::new(bits, Metric::Hamming).unwrap();
        loaded.load(dir.file("h.ann"), false).unwrap();
        for (i, e) in expect.iter().enumerate() {
            assert_eq!(
                &loaded.item_vector(i as u32).unwrap(),
                e,
                "{bits} bits, item {i}"
            );
            for j in [0usize, 7, 39] {
                let differing = e.iter().zip(&expect[j]).filter(|(a, b)| a != b).count();
                assert_eq!(
                    loaded.distance(i as u32, j as u32).unwrap(),
                    differing as f32
                );
            }
        }
        // Querying with the raw (unpacked) inputs thresholds them the same way.
        for (i, v) in inputs.iter().enumerate().take(10) {
            let got = loaded
                .query(Query::Vector(v), 40, Some(usize::MAX))
                .unwrap();
            let d = got.iter().find(|n| n.id == i as u32).unwrap().distance;
            assert_eq!(
                d, 0.0,
                "{bits} bits: item {i} is at distance {d} from its own input"
            );
        }
    }
}

/// Distances (from `distance` and from queries) match the user-facing formula computed in f64:
/// angular sqrt(2 − 2cos), euclidean, manhattan, dot = inner product, hamming = differing bits.
/// Tolerance: 1e-5 relative to max(|expected|, 1) for euclidean, manhattan and hamming; for
/// dot relative to max(|expected|, |x|·|y|) (the inner product can cancel to ~0); for angular
/// 1e-5 on the squared distance 2 − 2cos (in [0, 4]), since the square root turns the f32
/// rounding of a cosine of exactly 1 into ~4e-4. Self-distances are exactly 0.
#[test]
fn distances_match_the_formulas() {
    for metric in Metric::ALL {
        for dim in [1, 3, 16, 33] {
            let dim = if metric == Metric::Hamming {
                dim * 7
            } else {
                dim
            };
            let data = small_data(metric, dim, 60, 21);
            let mut index = Index::new(dim, metric).unwrap();
            for (i, v) in data.iter().enumerate() {
                index.add_item(i as u32, v).unwrap();
            }
            let norm = |v: &[f32]| v.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().sqrt();
            let close = |got: f64, want: f64, a: &[f32], b: &[f32]| match metric {
                // sqrt magnifies the rounding of 2 − 2cos near 0 (f32 dot products, as in
                // Annoy): compare the squares.
                Metric::Angular => (got * got - want * want).abs() <= 1e-5,
                Metric::Dot => (got - want).abs() <= 1e-5 * want.abs().max(norm(a) * norm(b)),
                _ => (got - want).abs() <= 1e-5 * want.abs().max(1.0),
            };
            let check = |index: &Index, stage: &str| {
                for i in 0..60u32 {
                    for j in [0u32, 1, 17, 59, i] {
                        let (a, b) = (&data[i as usize], &data[j as usize]);
                        let want = true_distance(metric, a, b);
                        let got = index.distance(i, j).unwrap() as f64;
                        assert!(
                            close(got, want, a, b),
                            "{metric} dim {dim} {stage}: distance({i}, {j}) = {got}, expected {want}"
                        );
                        if i == j && metric != Metric::Dot {
                            assert_eq!(got, 0.0, "{metric}: self-distance must be exactly 0");
                        }
                    }
                }
            };
            check(&index, "before build");
            index.build(3, 1).unwrap();
            check(&index, "after build");
            for q in data.iter().take(10) {
                for n in index.query(Query::Vector(q), 60, Some(usize::MAX)).unwrap() {
                    let p = &data[n.id as usize];
                    let want = true_distance(metric, p, q);
                    assert!(
                        close(n.distance as f64, want, p, q),
                        "{metric} dim {dim}: query distance to {} = {}, expected {want}",
                        n.id,
                        n.distance
                    );
                }
            }
        }
    }
}

#[test]
fn index_and_scratch_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Index>();
    send_sync::<Neighbor>();
    send::<Scratch>();
    send_sync::<Error>();
}

#[test]
fn eight_threads_query_one_loaded_index() {
    let dir = TempDir::new("api-threads");
    for metric in Metric::ALL {
        let (mut index, data) = small_index(metric, dim_of(metric), 500, 8);
        index.save(dir.file("t.ann"), false).unwrap();
        let mut loaded = Index::new(dim_of(metric), metric).unwrap();
        loaded.load(dir.file("t.ann"), true).unwrap();
        let queries: Vec<(Query<'_>, usize, Option<usize>)> = (0..120usize)
            .map(|i| {
                let q = if i.is_multiple_of(2) {
                    Query::Item(i as u32 * 3)
                } else {
                    Query::Vector(&data[(i * 11) % 500])
                };
                (q, 1 + i % 25, [None, Some(50), Some(700)][i % 3])
            })
            .collect();
        let serial: Vec<Vec<Neighbor>> = queries
            .iter()
            .map(|&(q, n, k)| loaded.query(q, n, k).unwrap())
            .collect();
        let shared = &loaded;
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    let queries = &queries;
                    s.spawn(move || {
                        let mut scratch = Scratch::new();
                        // Every thread runs all queries, each starting at its own offset.
                        (0..queries.len())
                            .map(|i| (i + t * 15) % queries.len())
                            .map(|i| {
                                let (q, n, k) = queries[i];
                                (
                                    i,
                                    shared.query_with(q, n, k, &mut scratch).unwrap().to_vec(),
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for h in handles {
                for (i, got) in h.join().unwrap() {
                    assert_eq!(got, serial[i], "{metric}: query {i} differs across threads");
                }
            }
        });
    }
}

#[test]
fn query_with_reuses_one_scratch_across_queries_and_indexes() {
    let built: Vec<(Index, Vec<Vec<f32>>)> = Metric::ALL
        .iter()
        .flat_map(|&m| [small_index(m, dim_of(m), 200, 4), small_index(m, 3, 50, 2)])
        .collect();
    let mut scratch = Scratch::new();
    for round in 0..3 {
        for (index, data) in &built {
            for i in 0..20usize {
                let q = if (i + round).is_multiple_of(2) {
                    Query::Item((i * 7 % data.len()) as u32)
                } else {
                    Query::Vector(&data[i * 3 % data.len()])
                };
                let n = [1, 10, 100, 0][i % 4];
                let k = [None, Some(30), Some(usize::MAX)][i % 3];
                let expect = index.query(q, n, k).unwrap();
                let got = index.query_with(q, n, k, &mut scratch).unwrap();
                assert_eq!(got, expect.as_slice(), "{:?} query {i}", index.metric());
            }
            // An error leaves the scratch usable.
            assert!(index
                .query_with(Query::Item(u32::MAX), 5, None, &mut scratch)
                .is_err());
        }
    }
}

#[test]
fn state_follows_the_life_of_an_index() {
    let dir = TempDir::new("api-state");
    let path = dir.file("state.ann");
    let mut index = Index::new(3, Metric::Euclidean).unwrap();
    assert_eq!(index.state(), State::Adding);
    index.add_item(0, &[1.0, 0.0, 0.0]).unwrap();
    index.add_item(1, &[0.0, 1.0, 0.0]).unwrap();
    assert_eq!(index.state(), State::Adding);
    index.build(2, 1).unwrap();
    assert_eq!(index.state(), State::Built);
    assert!(matches!(
        index.add_item(2, &[0.0, 0.0, 1.0]),
        Err(Error::WrongState(_))
    ));
    index.unbuild().unwrap();
    assert_eq!(index.state(), State::Adding);
    assert!(matches!(
        index.save(&path, false),
        Err(Error::WrongState(_))
    ));
    index.build(2, 1).unwrap();
    index.save(&path, false).unwrap();
    assert_eq!(index.state(), State::Loaded);
    assert!(matches!(index.unbuild(), Err(Error::WrongState(_))));
    assert!(matches!(index.build(2, 1), Err(Error::WrongState(_))));
    index.unload();
    assert_eq!(index.state(), State::Adding);
    index.load(&path, false).unwrap();
    assert_eq!(index.state(), State::Loaded);
}
