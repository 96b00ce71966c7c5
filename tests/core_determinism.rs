//! Builds are reproducible: the saved bytes depend on the data, the seed and the tree count
//! only, never on the number of build threads, on the way the index was built (in memory or on
//! disk), or on a save/load round trip.

mod common;

use annoy::{DotLayout, Index, Metric, Query, DEFAULT_SEED};
use common::{small_data, TempDir};

/// Every metric, and dot in both layouts.
fn configs() -> Vec<(Metric, Option<DotLayout>, usize)> {
    vec![
        (Metric::Angular, None, 16),
        (Metric::Euclidean, None, 12),
        (Metric::Manhattan, None, 10),
        (Metric::Dot, None, 14),
        (Metric::Dot, Some(DotLayout::AnnoyMain), 14),
        (Metric::Hamming, None, 130),
    ]
}

fn name(metric: Metric, layout: Option<DotLayout>) -> String {
    match layout {
        Some(l) => format!("{metric}-{l:?}"),
        None => metric.to_string(),
    }
}

const N_ITEMS: usize = 400;

fn new_index(metric: Metric, layout: Option<DotLayout>, dim: usize) -> Index {
    let mut index = Index::new(dim, metric).unwrap();
    if let Some(l) = layout {
        index.set_dot_layout(l).unwrap();
    }
    index
}

fn add_data(index: &mut Index, data: &[Vec<f32>]) {
    for (i, v) in data.iter().enumerate() {
        // A few holes, so that the hole handling is part of what must be reproducible.
        if i % 97 != 5 {
            index.add_item(i as u32, v).unwrap();
        }
    }
}

/// Builds and saves an index, returning the file's bytes.
fn build_bytes(
    dir: &TempDir,
    file: &str,
    (metric, layout, dim): (Metric, Option<DotLayout>, usize),
    seed: Option<u64>,
    n_trees: i32,
    n_threads: i32,
) -> Vec<u8> {
    let data = small_data(metric, dim, N_ITEMS, 7);
    let mut index = new_index(metric, layout, dim);
    if let Some(seed) = seed {
        index.set_seed(seed);
    }
    add_data(&mut index, &data);
    index.build(n_trees, n_threads).unwrap();
    let n_nodes = index.n_nodes();
    let path = dir.file(file);
    index.save(&path, false).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), n_nodes * index.node_size(), "{file}");
    bytes
}

/// The index of the first byte where two files differ, for messages.
fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or((a.len() != b.len()).then(|| a.len().min(b.len())))
}

#[test]
fn thread_count_does_not_change_the_file() {
    let dir = TempDir::new("det-threads");
    for config in configs() {
        let n = name(config.0, config.1);
        let one = build_bytes(&dir, "t1.ann", config, Some(12345), 7, 1);
        for threads in [2, 8] {
            let other = build_bytes(&dir, "tn.ann", config, Some(12345), 7, threads);
            assert!(
                one == other,
                "{n}: {threads} threads differ from 1 thread at byte {:?}",
                first_difference(&one, &other)
            );
        }
    }
}

#[test]
fn automatic_tree_count_does_not_depend_on_threads() {
    let dir = TempDir::new("det-auto");
    for config in configs() {
        let n = name(config.0, config.1);
        let one = build_bytes(&dir, "a1.ann", config, None, -1, 1);
        for threads in [2, 8] {
            let other = build_bytes(&dir, "an.ann", config, None, -1, threads);
            assert!(
                one == other,
                "{n}: build(-1) with {threads} threads differs at byte {:?}",
                first_difference(&one, &other)
            );
        }
        // The automatic count builds until tree nodes reach the item count: some trees, and
        // more than one for this many items.
        let mut index = new_index(config.0, config.1, config.2);
        index.load(dir.file("a1.ann"), false).unwrap();
        assert!(
            index.n_trees() >= 2,
            "{n}: build(-1) made {} trees",
            index.n_trees()
        );
        assert!(
            index.n_nodes() >= 2 * index.n_items(),
            "{n}: build(-1) stopped at {} nodes for {} items",
            index.n_nodes(),
            index.n_items()
        );
    }
}

#[test]
fn the_seed_decides_the_trees() {
    let dir = TempDir::new("det-seed");
    for config in configs() {
        let n = name(config.0, config.1);
        let a = build_bytes(&dir, "s1.ann", config, Some(1), 5, 2);
        let b = build_bytes(&dir, "s2.ann", config, Some(2), 5, 2);
        assert_ne!(a, b, "{n}: seeds 1 and 2 gave the same file");
        // The items are the same; the trees differ.
        let items = N_ITEMS * new_index(config.0, config.1, config.2).node_size();
        assert_eq!(
            a[..items],
            b[..items],
            "{n}: item records differ between seeds"
        );
        // Not setting a seed is Annoy's default seed, and is deterministic.
        let unset = build_bytes(&dir, "u.ann", config, None, 5, 2);
        let default = build_bytes(&dir, "d.ann", config, Some(DEFAULT_SEED), 5, 2);
        assert_eq!(unset, default, "{n}: unset seed differs from DEFAULT_SEED");
        assert_ne!(unset, a, "{n}: the default seed built what seed 1 built");
    }
}

#[test]
fn save_load_save_is_byte_identical() {
    let dir = TempDir::new("det-resave");
    for config in configs() {
        let n = name(config.0, config.1);
        let original = build_bytes(&dir, "orig.ann", config, Some(99), 6, 2);
        // A fresh index (with no layout setting: dot is detected) loads it and saves a copy.
        let mut index = Index::new(config.2, config.0).unwrap();
        index.load(dir.file("orig.ann"), false).unwrap();
        index.save(dir.file("copy.ann"), false).unwrap();
        assert!(
            original == std::fs::read(dir.file("copy.ann")).unwrap(),
            "{n}: load + save changed the file"
        );
        // Saving over the file the index is serving from keeps it intact too.
        index.save(dir.file("copy.ann"), true).unwrap();
        assert!(
            original == std::fs::read(dir.file("copy.ann")).unwrap(),
            "{n}: saving over the loaded file changed it"
        );
        assert!(index.is_loaded());
        assert_eq!(index.n_trees(), 6, "{n}");
    }
}

#[test]
fn on_disk_build_writes_what_save_writes() {
    let dir = TempDir::new("det-ondisk");
    for config in configs() {
        let (metric, layout, dim) = config;
        let n = name(metric, layout);
        let in_memory = build_bytes(&dir, "mem.ann", config, Some(5), 6, 2);

        let data = small_data(metric, dim, N_ITEMS, 7);
        let path = dir.file("disk.ann");
        let mut index = new_index(metric, layout, dim);
        index.set_seed(5);
        index.on_disk_build(&path).unwrap();
        add_data(&mut index, &data);
        index.build(6, 2).unwrap();
        let on_disk = std::fs::read(&path).unwrap();
        assert!(
            in_memory == on_disk,
            "{n}: on-disk build differs from in-memory build + save at byte {:?} (sizes {} and {})",
            first_difference(&in_memory, &on_disk),
            in_memory.len(),
            on_disk.len()
        );
        // The on-disk index answers before and after saving it, as the saved one does.
        let mut loaded = new_index(metric, layout, dim);
        loaded.load(dir.file("mem.ann"), false).unwrap();
        for q in [0u32, 17, 300] {
            let expect = loaded.query(Query::Item(q), 10, None).unwrap();
            assert_eq!(
                index.query(Query::Item(q), 10, None).unwrap(),
                expect,
                "{n}"
            );
        }
        index.save(&path, false).unwrap();
        assert!(
            on_disk == std::fs::read(&path).unwrap(),
            "{n}: save after on-disk build"
        );
        let expect = loaded.query(Query::Item(3), 10, None).unwrap();
        assert_eq!(
            index.query(Query::Item(3), 10, None).unwrap(),
            expect,
            "{n}"
        );
    }
}

#[test]
fn rebuilding_after_unbuild_reproduces_the_file() {
    // Stale bytes of the old trees must not leak into the new ones (Annoy's bucket tails can).
    let dir = TempDir::new("det-unbuild");
    for config in configs() {
        let (metric, layout, dim) = config;
        let n = name(metric, layout);
        let fresh = build_bytes(&dir, "fresh.ann", config, Some(8), 4, 1);
        let data = small_data(metric, dim, N_ITEMS, 7);
        let mut index = new_index(metric, layout, dim);
        index.set_seed(3);
        add_data(&mut index, &data);
        index.build(9, 2).unwrap();
        index.unbuild().unwrap();
        index.set_seed(8);
        index.build(4, 1).unwrap();
        let path = dir.file("rebuilt.ann");
        index.save(&path, false).unwrap();
        assert!(
            fresh == std::fs::read(&path).unwrap(),
            "{n}: unbuild + build differs from a fresh build at byte {:?}",
            first_difference(&fresh, &std::fs::read(&path).unwrap())
        );
    }
}

/// Large nodes are split level by level in groups of trees, which depend on the thread count,
/// and those of the last groups with the help of idle threads (their margins are computed in
/// parallel, then read in order); the file must not show it.
#[test]
fn splits_shared_between_threads_do_not_change_the_file() {
    let (dim, n) = (128, 9000); // 4.6 MB of vectors: above the sharing threshold at the root
    let data = small_data(Metric::Euclidean, dim, n, 11);
    let build = |threads| {
        let mut index = Index::new(dim, Metric::Euclidean).unwrap();
        add_data(&mut index, &data);
        index.build(3, threads).unwrap();
        let dir = TempDir::new("det-share");
        let path = dir.file("shared.ann");
        index.save(&path, false).unwrap();
        std::fs::read(&path).unwrap()
    };
    let one = build(1);
    for threads in [2, 3] {
        let other = build(threads);
        assert!(
            one == other,
            "{threads} threads differ at byte {:?}",
            first_difference(&one, &other)
        );
    }
}
