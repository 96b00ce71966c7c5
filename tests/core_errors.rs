//! Every bad input gives the right `annoy::Error` variant and leaves the index as it was; damaged
//! or foreign files load with an error or answer queries, but never panic or hang.

mod common;

use annoy::{DotLayout, Error, Index, Metric, Neighbor, Query, MAX_DIMENSION, MAX_ITEMS};
use common::{small_index, Rng, TempDir};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

const DIM: usize = 6;
/// Hamming dimensions count bits; 70 bits make two words.
const HAMMING_BITS: usize = 70;

fn dim_of(metric: Metric) -> usize {
    if metric == Metric::Hamming {
        HAMMING_BITS
    } else {
        DIM
    }
}

fn built(metric: Metric) -> (Index, Vec<Vec<f32>>) {
    small_index(metric, dim_of(metric), 120, 4)
}

/// What the index answers for a fixed set of queries, to check that errors change nothing.
fn answers(index: &Index, probe: &[f32]) -> Vec<Vec<Neighbor>> {
    let mut out: Vec<Vec<Neighbor>> = (0..index.n_items().min(15) as u32)
        .map(|i| index.query(Query::Item(i), 8, None).unwrap())
        .collect();
    out.push(index.query(Query::Vector(probe), 8, Some(200)).unwrap());
    out
}

fn probe(metric: Metric) -> Vec<f32> {
    (0..dim_of(metric))
        .map(|i| ((i * 7 % 5) as f32) * 0.3)
        .collect()
}

#[test]
fn wrong_vector_length() {
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let mut index = Index::new(dim, metric).unwrap();
        index.add_item(0, &vec![1.0; dim]).unwrap();
        for len in [0, dim - 1, dim + 1] {
            match index.add_item(5, &vec![1.0; len]) {
                Err(Error::Dimension { expected, got }) => {
                    assert_eq!((expected, got), (dim, len), "{metric}")
                }
                other => panic!("{metric}: add_item of {len} values gave {other:?}"),
            }
        }
        // Nothing was added, not even the id's slot.
        assert_eq!(index.n_items(), 1, "{metric}");
        index.add_item(1, &vec![0.0; dim]).unwrap();
        index.build(3, 1).unwrap();
        let before = answers(&index, &probe(metric));
        for len in [0, dim - 1, dim + 1] {
            match index.query(Query::Vector(&vec![1.0; len]), 3, None) {
                Err(Error::Dimension { expected, got }) => {
                    assert_eq!((expected, got), (dim, len), "{metric}")
                }
                other => panic!("{metric}: query of {len} values gave {other:?}"),
            }
        }
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");
    }
}

#[test]
fn nan_and_infinity_are_refused() {
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let mut fresh = Index::new(dim, metric).unwrap();
        fresh.add_item(0, &vec![0.5; dim]).unwrap();
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            for position in [0, dim / 2, dim - 1] {
                let mut v = vec![0.25; dim];
                v[position] = bad;
                match fresh.add_item(40, &v) {
                    Err(Error::NotFinite { position: p }) => assert_eq!(p, position, "{metric}"),
                    other => panic!("{metric}: add_item with {bad} gave {other:?}"),
                }
            }
        }
        // A refused add does not grow the index to the id.
        assert_eq!(fresh.n_items(), 1, "{metric}");

        let (index, _) = built(metric);
        let before = answers(&index, &probe(metric));
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut v = probe(metric);
            v[1] = bad;
            match index.query(Query::Vector(&v), 5, None) {
                Err(Error::NotFinite { position: 1 }) => {}
                other => panic!("{metric}: query with {bad} gave {other:?}"),
            }
        }
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");
    }
}

#[test]
fn add_after_build_is_refused_and_changes_nothing() {
    let dir = TempDir::new("err-add");
    for metric in Metric::ALL {
        let (mut index, data) = built(metric);
        let before = answers(&index, &probe(metric));
        let (n_items, n_nodes) = (index.n_items(), index.n_nodes());
        for id in [0u32, 3, 119, 120, 5000] {
            assert!(
                matches!(index.add_item(id, &data[7]), Err(Error::WrongState(_))),
                "{metric}: add_item({id}) after build"
            );
        }
        assert_eq!(
            (index.n_items(), index.n_nodes()),
            (n_items, n_nodes),
            "{metric}"
        );
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");
        // A saved (so loaded, read-only) index refuses too.
        index.save(dir.file("a.ann"), false).unwrap();
        assert!(
            matches!(index.add_item(1, &data[1]), Err(Error::WrongState(_))),
            "{metric}"
        );
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");
    }
}

#[test]
fn build_twice_and_build_loaded_are_refused() {
    let dir = TempDir::new("err-build");
    for metric in Metric::ALL {
        let (mut index, _) = built(metric);
        let before = answers(&index, &probe(metric));
        assert!(
            matches!(index.build(4, 1), Err(Error::WrongState(_))),
            "{metric}"
        );
        assert!(
            matches!(index.build(-1, -1), Err(Error::WrongState(_))),
            "{metric}"
        );
        assert_eq!(index.n_trees(), 4, "{metric}");
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");
        index.save(dir.file("b.ann"), false).unwrap();
        assert!(
            matches!(index.build(4, 1), Err(Error::WrongState(_))),
            "{metric}"
        );
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");
    }
}

#[test]
fn query_before_build_is_refused() {
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let mut index = Index::new(dim, metric).unwrap();
        let v = probe(metric);
        assert!(matches!(
            index.query(Query::Vector(&v), 3, None),
            Err(Error::WrongState(_))
        ));
        index.add_item(0, &v).unwrap();
        index.add_item(1, &vec![1.0; dim]).unwrap();
        assert!(matches!(
            index.query(Query::Item(0), 3, None),
            Err(Error::WrongState(_))
        ));
        assert!(matches!(
            index.query(Query::Vector(&v), 3, None),
            Err(Error::WrongState(_))
        ));
        // As in Annoy, vectors and distances are available before the build.
        assert_eq!(index.item_vector(0).unwrap().len(), dim);
        assert!(index.distance(0, 1).is_ok());
        index.build(2, 1).unwrap();
        assert_eq!(
            index.query(Query::Item(0), 3, None).unwrap().len(),
            2,
            "{metric}"
        );
        index.unbuild().unwrap();
        assert!(matches!(
            index.query(Query::Item(0), 3, None),
            Err(Error::WrongState(_))
        ));
    }
}

#[test]
fn unknown_and_out_of_range_ids() {
    for metric in Metric::ALL {
        let (mut index, data) = built(metric);
        let before = answers(&index, &probe(metric));
        let n = index.n_items();
        for id in [n as u32, n as u32 + 1, i32::MAX as u32, u32::MAX] {
            let unknown = |r: &Error| matches!(r, Error::UnknownItem { id: got, n_items } if *got == id as i64 && *n_items == n);
            match index.query(Query::Item(id), 5, None) {
                Err(e) if unknown(&e) => {}
                other => panic!("{metric}: query by item {id} gave {other:?}"),
            }
            match index.item_vector(id) {
                Err(e) if unknown(&e) => {}
                other => panic!("{metric}: item_vector({id}) gave {other:?}"),
            }
            match index.distance(0, id) {
                Err(e) if unknown(&e) => {}
                other => panic!("{metric}: distance(0, {id}) gave {other:?}"),
            }
            match index.distance(id, 0) {
                Err(e) if unknown(&e) => {}
                other => panic!("{metric}: distance({id}, 0) gave {other:?}"),
            }
        }
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");

        // Ids Annoy cannot store (32-bit signed) are refused when adding.
        index.unbuild().unwrap();
        for id in [MAX_ITEMS as u32, MAX_ITEMS as u32 + 1, u32::MAX] {
            assert!(
                matches!(index.add_item(id, &data[0]), Err(Error::InvalidArgument(_))),
                "{metric}: add_item({id})"
            );
        }
        assert_eq!(index.n_items(), n, "{metric}");
    }
}

#[test]
fn bad_tree_and_thread_counts() {
    for metric in Metric::ALL {
        let (mut index, _) = built(metric);
        let before = answers(&index, &probe(metric));
        let n_trees_before = index.n_trees() as i32;
        index.unbuild().unwrap();
        for n_trees in [0, -2, -100, i32::MIN] {
            assert!(
                matches!(index.build(n_trees, 1), Err(Error::InvalidArgument(_))),
                "{metric}: build({n_trees})"
            );
        }
        for n_threads in [0, -2, i32::MIN] {
            assert!(
                matches!(index.build(3, n_threads), Err(Error::InvalidArgument(_))),
                "{metric}: build(3, {n_threads})"
            );
        }
        // The refusals left the index unbuilt and buildable.
        assert!(!index.is_built());
        assert!(matches!(
            index.query(Query::Item(0), 3, None),
            Err(Error::WrongState(_))
        ));
        // Rebuilding with the same seed and tree count gives the same answers.
        index.build(n_trees_before, 2).unwrap();
        assert_eq!(index.n_trees() as i32, n_trees_before);
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");
    }
}

#[test]
fn bad_dimensions() {
    for metric in Metric::ALL {
        for dim in [0, MAX_DIMENSION + 1, usize::MAX] {
            assert!(
                matches!(Index::new(dim, metric), Err(Error::InvalidArgument(_))),
                "{metric}: Index::new({dim})"
            );
        }
        assert!(Index::new(1, metric).is_ok());
    }
}

#[test]
fn unbuild_of_a_loaded_index_and_save_before_build() {
    let dir = TempDir::new("err-state");
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let mut index = Index::new(dim, metric).unwrap();
        assert!(matches!(
            index.save(dir.file("x.ann"), false),
            Err(Error::WrongState(_))
        ));
        index.add_item(0, &vec![1.0; dim]).unwrap();
        assert!(matches!(
            index.save(dir.file("x.ann"), false),
            Err(Error::WrongState(_))
        ));
        assert!(
            !dir.file("x.ann").exists(),
            "{metric}: a refused save wrote a file"
        );
        index.build(2, 1).unwrap();
        index.unbuild().unwrap();
        assert!(matches!(
            index.save(dir.file("x.ann"), false),
            Err(Error::WrongState(_))
        ));

        let (mut index, _) = built(metric);
        index.save(dir.file("y.ann"), false).unwrap();
        let before = answers(&index, &probe(metric));
        assert!(
            matches!(index.unbuild(), Err(Error::WrongState(_))),
            "{metric}"
        );
        assert!(index.is_built() && index.is_loaded());
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");
        let mut other = Index::new(dim, metric).unwrap();
        other.load(dir.file("y.ann"), false).unwrap();
        assert!(
            matches!(other.unbuild(), Err(Error::WrongState(_))),
            "{metric}"
        );
        assert!(matches!(
            other.on_disk_build(dir.file("z.ann")),
            Err(Error::WrongState(_))
        ));
        assert_eq!(answers(&other, &probe(metric)), before, "{metric}");
    }
}

#[test]
fn dot_layout_setting_errors() {
    let dir = TempDir::new("err-layout");
    for metric in Metric::ALL {
        if metric == Metric::Dot {
            continue;
        }
        let mut index = Index::new(4, metric).unwrap();
        for layout in [DotLayout::Annoy117, DotLayout::AnnoyMain] {
            assert!(
                matches!(index.set_dot_layout(layout), Err(Error::InvalidArgument(_))),
                "{metric}"
            );
        }
    }
    let mut index = Index::new(4, Metric::Dot).unwrap();
    index.add_item(0, &[1.0, 2.0, 3.0, 4.0]).unwrap();
    assert!(matches!(
        index.set_dot_layout(DotLayout::AnnoyMain),
        Err(Error::WrongState(_))
    ));
    assert_eq!(index.dot_layout(), DotLayout::Annoy117);
    assert_eq!(index.node_size(), 16 + 4 * 4);
    index.add_item(1, &[0.0, 1.0, 0.0, 1.0]).unwrap();
    index.build(2, 1).unwrap();
    index.save(dir.file("d.ann"), false).unwrap();
    assert!(matches!(
        index.set_dot_layout(DotLayout::AnnoyMain),
        Err(Error::WrongState(_))
    ));
    assert_eq!(index.dot_layout(), DotLayout::Annoy117);
    assert_eq!(index.query(Query::Item(0), 2, None).unwrap().len(), 2);
}

#[test]
fn on_disk_build_errors() {
    let dir = TempDir::new("err-ondisk");
    let mut index = Index::new(4, Metric::Euclidean).unwrap();
    index.add_item(0, &[1.0; 4]).unwrap();
    assert!(matches!(
        index.on_disk_build(dir.file("late.ann")),
        Err(Error::WrongState(_))
    ));
    assert_eq!(
        index.n_items(),
        1,
        "the refused on_disk_build dropped the items"
    );
    let mut index = Index::new(4, Metric::Euclidean).unwrap();
    match index.on_disk_build(dir.file("no/such/dir/x.ann")) {
        Err(Error::Io { source, .. }) => assert_eq!(source.kind(), std::io::ErrorKind::NotFound),
        other => panic!("on_disk_build in a missing directory gave {other:?}"),
    }
    // Still usable, in memory.
    index.add_item(0, &[1.0; 4]).unwrap();
    index.build(1, 1).unwrap();
    assert_eq!(index.query(Query::Item(0), 1, None).unwrap()[0].id, 0);
}

#[test]
fn save_to_an_impossible_path_keeps_the_index() {
    let dir = TempDir::new("err-save");
    for metric in Metric::ALL {
        let (mut index, _) = built(metric);
        let before = answers(&index, &probe(metric));
        match index.save(dir.file("missing/dir/x.ann"), false) {
            Err(Error::Io { source, .. }) => {
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound, "{metric}")
            }
            other => panic!("{metric}: save into a missing directory gave {other:?}"),
        }
        assert!(index.is_built() && !index.is_loaded(), "{metric}");
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");
        // No temporary file is left behind in the target directory either.
        index.save(dir.file("ok.ann"), false).unwrap();
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "ok.ann")
            .collect();
        assert!(leftovers.is_empty(), "{metric}: {leftovers:?}");
    }
}

#[test]
fn missing_empty_and_misaligned_files() {
    let dir = TempDir::new("err-files");
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let (mut index, _) = built(metric);
        let valid = dir.file("valid.ann");
        index.save(&valid, false).unwrap();
        let s = index.node_size();
        let before = answers(&index, &probe(metric));

        match index.load(dir.file("does-not-exist.ann"), false) {
            Err(Error::Io { source, path, .. }) => {
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound, "{metric}");
                assert!(path.ends_with("does-not-exist.ann"));
            }
            other => panic!("{metric}: loading a missing file gave {other:?}"),
        }
        std::fs::write(dir.file("empty.ann"), b"").unwrap();
        assert!(
            matches!(
                index.load(dir.file("empty.ann"), false),
                Err(Error::Corrupt(_))
            ),
            "{metric}: empty file"
        );
        let bytes = std::fs::read(&valid).unwrap();
        for len in [1, s - 1, s + 1, bytes.len() - 1] {
            let path = dir.file(&format!("cut{len}.ann"));
            std::fs::write(&path, &bytes[..len]).unwrap();
            // Dot with both layouts possible may find neither; every metric must say Corrupt.
            assert!(
                matches!(index.load(&path, false), Err(Error::Corrupt(_))),
                "{metric}: a file of {len} bytes ({s}-byte nodes)"
            );
        }
        // A failed load leaves the loaded index serving as before.
        assert_eq!(answers(&index, &probe(metric)), before, "{metric}");
        assert!(index.is_loaded());
        // A fresh index is left empty and unbuilt.
        let mut fresh = Index::new(dim, metric).unwrap();
        assert!(fresh.load(dir.file("empty.ann"), false).is_err());
        assert!(!fresh.is_built() && fresh.n_items() == 0);
    }
}

/// Loads `path` and runs every kind of read on it; must return (with Ok or Err) and must not
/// panic. Returns the result of the exhaustive query by vector.
fn exercise(metric: Metric, dim: usize, path: &Path) -> Option<annoy::Result<Vec<Neighbor>>> {
    let mut index = Index::new(dim, metric).unwrap();
    if index.load(path, false).is_err() {
        assert!(!index.is_built());
        return None;
    }
    let n = index.n_items();
    assert!(
        n < index.n_nodes().max(1),
        "n_items {n} >= n_nodes {}",
        index.n_nodes()
    );
    let v: Vec<f32> = (0..dim).map(|i| (i % 3) as f32 - 0.7).collect();
    let check = |r: annoy::Result<Vec<Neighbor>>, k: usize| {
        if let Ok(list) = &r {
            assert!(list.len() <= k);
            assert!(
                list.iter().all(|nb| (nb.id as usize) < n),
                "id out of range"
            );
        }
        r
    };
    let mut exhaustive = None;
    for search_k in [None, Some(1), Some(50), Some(usize::MAX)] {
        for k in [10, 1000] {
            let r = check(index.query(Query::Vector(&v), k, search_k), k);
            if search_k == Some(usize::MAX) && k == 10 {
                exhaustive = Some(r);
            }
            for id in [0, n / 2, n.saturating_sub(1), n] {
                let r = index.query(Query::Item(id as u32), k, search_k);
                if id >= n {
                    assert!(
                        matches!(r, Err(Error::UnknownItem { .. })),
                        "item {id} of {n}"
                    );
                }
                let _ = check(r, k);
            }
        }
    }
    for id in [0, n.saturating_sub(1), n] {
        let r = index.item_vector(id as u32);
        if let Ok(v) = &r {
            assert_eq!(v.len(), dim);
        }
        let _ = index.distance(0, id as u32);
        let _ = index.distance(id as u32, n.saturating_sub(1) as u32);
    }
    exhaustive
}

/// A damaged file and what an exhaustive query on it must give.
struct Case {
    metric: Metric,
    dim: usize,
    what: String,
    bytes: Vec<u8>,
    /// The structure has a cycle reachable from a root: an exhaustive query must fail with
    /// `Error::Corrupt` (if the file loads).
    cycle: bool,
}

/// Runs every case on a worker thread, each under `catch_unwind`, and fails with the list of
/// cases that panicked or answered wrongly. A hang fails the test after a generous timeout.
fn run_cases(tag: &str, cases: Vec<Case>) {
    assert!(!cases.is_empty());
    let n_cases = cases.len();
    let dir = TempDir::new(tag);
    let path = dir.file("case.ann");
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let mut failures = Vec::new();
        for (i, case) in cases.into_iter().enumerate() {
            // A fresh name per case: never rewrite a file some map may still show.
            let file = path.with_file_name(format!("case{i}.ann"));
            std::fs::write(&file, &case.bytes).unwrap();
            let outcome = catch_unwind(AssertUnwindSafe(|| exercise(case.metric, case.dim, &file)));
            let label = format!("#{i} {} dim {}: {}", case.metric, case.dim, case.what);
            match outcome {
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    failures.push(format!("{label}: panicked: {msg}"));
                }
                Ok(Some(result)) if case.cycle && !matches!(result, Err(Error::Corrupt(_))) => {
                    failures.push(format!("{label}: cycle gave {result:?}"));
                }
                Ok(_) => {}
            }
            std::fs::remove_file(&file).unwrap();
        }
        tx.send(failures).unwrap();
    });
    let failures = rx
        .recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("{tag}: the {n_cases} cases did not finish: a query hangs"));
    worker.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {n_cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Valid files to damage: every metric (dot in both layouts), with their layout facts.
struct Valid {
    metric: Metric,
    dim: usize,
    bytes: Vec<u8>,
    node_size: usize,
    children: usize,
    n_items: usize,
    n_trees: usize,
}

impl Valid {
    fn n_nodes(&self) -> usize {
        self.bytes.len() / self.node_size
    }
    fn max_bucket(&self) -> usize {
        (self.node_size - self.children) / 4
    }
    fn i32_at(&self, node: usize, offset: usize) -> i32 {
        let o = node * self.node_size + offset;
        i32::from_le_bytes(self.bytes[o..o + 4].try_into().unwrap())
    }
    fn with_i32(&self, node: usize, offset: usize, value: i32) -> Vec<u8> {
        let mut b = self.bytes.clone();
        let o = node * self.node_size + offset;
        b[o..o + 4].copy_from_slice(&value.to_le_bytes());
        b
    }
    /// Split nodes (tree nodes with more than K descendants), root copies last.
    fn splits(&self) -> Vec<usize> {
        (self.n_items..self.n_nodes())
            .filter(|&i| self.i32_at(i, 0) as i64 > self.max_bucket() as i64)
            .collect()
    }
    fn child(&self, node: usize, k: usize) -> i32 {
        self.i32_at(node, self.children + 4 * k)
    }
    fn case(&self, what: String, bytes: Vec<u8>, cycle: bool) -> Case {
        Case {
            metric: self.metric,
            dim: self.dim,
            what,
            bytes,
            cycle,
        }
    }
}

fn valid_files() -> Vec<Valid> {
    let dir = TempDir::new("err-valid");
    let mut out = Vec::new();
    for (metric, layout) in [
        (Metric::Angular, None),
        (Metric::Euclidean, None),
        (Metric::Manhattan, None),
        (Metric::Dot, None),
        (Metric::Dot, Some(DotLayout::AnnoyMain)),
        (Metric::Hamming, None),
    ] {
        let dim = dim_of(metric);
        let data = common::small_data(metric, dim, 150, 11);
        let mut index = Index::new(dim, metric).unwrap();
        if let Some(l) = layout {
            index.set_dot_layout(l).unwrap();
        }
        for (i, v) in data.iter().enumerate() {
            index.add_item(i as u32, v).unwrap();
        }
        index.build(4, 1).unwrap();
        let path = dir.file("v.ann");
        index.save(&path, false).unwrap();
        let children = if matches!(metric, Metric::Euclidean | Metric::Manhattan) {
            8
        } else {
            4
        };
        out.push(Valid {
            metric,
            dim,
            bytes: std::fs::read(&path).unwrap(),
            node_size: index.node_size(),
            children,
            n_items: index.n_items(),
            n_trees: index.n_trees(),
        });
    }
    out
}

#[test]
fn valid_files_pass_the_harness() {
    // The harness itself: valid files load and answer exhaustive queries.
    let cases = valid_files()
        .into_iter()
        .map(|v| {
            let splits = v.splits();
            assert!(splits.len() > v.n_trees, "{}: no inner splits", v.metric);
            v.case("unchanged".into(), v.bytes.clone(), false)
        })
        .collect();
    run_cases("err-valid-run", cases);
    let v = &valid_files()[0];
    let dir = TempDir::new("err-valid-one");
    std::fs::write(dir.file("a.ann"), &v.bytes).unwrap();
    let r = exercise(v.metric, v.dim, &dir.file("a.ann"))
        .unwrap()
        .unwrap();
    assert_eq!(r.len(), 10);
}

#[test]
fn truncated_and_extended_files() {
    let mut cases = Vec::new();
    for v in valid_files() {
        let (s, len) = (v.node_size, v.bytes.len());
        let mut lengths = vec![0, 1, s - 1, s, s + 1, 2 * s, 3 * s];
        lengths.extend([
            len / 2,
            len / 2 / s * s,
            len - v.n_trees * s,
            len - s,
            len - s / 2,
            len - 1,
        ]);
        lengths.extend([v.n_items * s, (v.n_items + 1) * s, (v.n_items - 1) * s]);
        for cut in lengths {
            cases.push(v.case(
                format!("truncated to {cut} of {len}"),
                v.bytes[..cut].to_vec(),
                false,
            ));
        }
        for (fill, extra) in [(0u8, s), (0xFF, s), (0x01, 3 * s), (0u8, 7)] {
            let mut b = v.bytes.clone();
            b.extend(vec![fill; extra]);
            cases.push(v.case(format!("extended by {extra} bytes of {fill:#x}"), b, false));
        }
    }
    run_cases("err-trunc", cases);
}

/// Random byte changes in the record headers only (`n_descendants`, children, bucket ids,
/// angular norms, Minkowski offsets): the integers a reader must not trust. These never make
/// an item vector non-finite, see `random_byte_flips_anywhere` for that.
#[test]
fn random_byte_flips_in_node_headers() {
    let valid = valid_files();
    let mut rng = Rng::new(0xC0FFEE);
    let mut cases = Vec::new();
    for copy in 0..500 {
        let v = &valid[copy % valid.len()];
        let mut b = v.bytes.clone();
        let header = v.children + 8;
        let n_changes = 1 + rng.below(6);
        let mut changed = Vec::new();
        for _ in 0..n_changes {
            // Mostly near the end of the file, where the roots and tree nodes are.
            let node = if rng.below(3) == 0 {
                rng.below(v.n_nodes())
            } else {
                v.n_nodes() - 1 - rng.below(v.n_nodes() - v.n_items)
            };
            let pos = node * v.node_size + rng.below(header);
            let value = rng.next_u64() as u8;
            b[pos] = value;
            changed.push((pos, value));
        }
        cases.push(v.case(format!("header bytes {changed:?}"), b, false));
    }
    run_cases("err-flip-headers", cases);
}

/// Random byte changes anywhere, vectors and planes included (these 500 copies happen not to
/// give a NaN distance among the ranked candidates; `non_finite_item_vectors_in_a_file` does).
#[test]
fn random_byte_flips_anywhere() {
    let valid = valid_files();
    let mut rng = Rng::new(0xBADF11E);
    let mut cases = Vec::new();
    for copy in 0..500 {
        let v = &valid[copy % valid.len()];
        let mut b = v.bytes.clone();
        let n_changes = 1 + rng.below(8);
        let mut changed = Vec::new();
        for _ in 0..n_changes {
            let pos = rng.below(b.len());
            let value = rng.next_u64() as u8;
            b[pos] = value;
            changed.push((pos, value));
        }
        cases.push(v.case(format!("bytes {changed:?}"), b, false));
    }
    run_cases("err-flip-any", cases);
}

/// Non-finite values stored in item vectors (a damaged or foreign file): queries must not panic.
#[test]
fn non_finite_item_vectors_in_a_file() {
    let mut cases = Vec::new();
    for v in valid_files() {
        if v.metric == Metric::Hamming {
            continue; // integer bits: every pattern is a valid vector
        }
        let vector_offset = v.node_size - v.dim * 4;
        for (name, bad) in [
            ("NaN", f32::NAN),
            ("inf", f32::INFINITY),
            ("-inf", f32::NEG_INFINITY),
        ] {
            let mut rng = Rng::new(bad.to_bits() as u64);
            let mut b = v.bytes.clone();
            for item in 0..v.n_items {
                if rng.below(2) == 0 {
                    let o = item * v.node_size + vector_offset + 4 * rng.below(v.dim);
                    b[o..o + 4].copy_from_slice(&bad.to_le_bytes());
                }
            }
            cases.push(v.case(format!("{name} in half of the item vectors"), b, false));
        }
    }
    run_cases("err-nonfinite", cases);
}

#[test]
fn split_children_out_of_range() {
    let mut cases = Vec::new();
    for v in valid_files() {
        let n_nodes = v.n_nodes() as i32;
        let splits = v.splits();
        // Root copies (the last nodes), the last original root, and a few inner splits.
        let mut picked: Vec<usize> = splits.iter().rev().take(v.n_trees + 1).copied().collect();
        picked.extend(splits.iter().step_by((splits.len() / 4).max(1)).take(4));
        for &node in &picked {
            for k in 0..2 {
                for bad in [
                    i32::MAX,
                    i32::MIN,
                    -1,
                    -2,
                    n_nodes,
                    n_nodes + 1,
                    n_nodes + 1000,
                ] {
                    let b = v.with_i32(node, v.children + 4 * k, bad);
                    cases.push(v.case(format!("node {node} children[{k}] = {bad}"), b, false));
                }
            }
            // n_descendants corrupted too: negative, zero, huge.
            for bad in [-1, 0, i32::MAX, i32::MIN] {
                let b = v.with_i32(node, 0, bad);
                cases.push(v.case(format!("node {node} n_descendants = {bad}"), b, false));
            }
        }
    }
    run_cases("err-children", cases);
}

#[test]
fn cycles_end_with_a_corrupt_error() {
    let mut cases = Vec::new();
    for v in valid_files() {
        let splits = v.splits();
        let n_nodes = v.n_nodes();
        // Self-loops: every root copy, and some inner splits.
        let mut selfs: Vec<usize> = (n_nodes - v.n_trees..n_nodes).collect();
        selfs.extend(splits.iter().step_by((splits.len() / 5).max(1)).take(5));
        for &node in &selfs {
            for k in 0..2 {
                let b = v.with_i32(node, v.children + 4 * k, node as i32);
                cases.push(v.case(format!("node {node} children[{k}] -> itself"), b, true));
            }
        }
        // Two- and three-node cycles: a child split of a root copy points back to the root.
        for root in n_nodes - v.n_trees..n_nodes {
            for k in 0..2 {
                let child = v.child(root, k) as usize;
                if splits.contains(&child) {
                    let b = v.with_i32(child, v.children, root as i32);
                    cases.push(v.case(format!("{child} (child of {root}) -> {root}"), b, true));
                    for j in 0..2 {
                        let grandchild = v.child(child, j) as usize;
                        if splits.contains(&grandchild) {
                            let b = v.with_i32(grandchild, v.children + 4, root as i32);
                            cases.push(v.case(format!("{grandchild} -> root {root}"), b, true));
                        }
                    }
                }
            }
        }
    }
    run_cases("err-cycles", cases);
}

const MAIN: Option<DotLayout> = Some(DotLayout::AnnoyMain);

const WRONG_METRIC_GROUPS: &[&[(Metric, usize, Option<DotLayout>)]] = &[
    &[
        (Metric::Angular, 4, None),
        (Metric::Euclidean, 3, None),
        (Metric::Manhattan, 3, None),
        (Metric::Dot, 3, None),
        (Metric::Dot, 1, MAIN),
    ],
    &[
        (Metric::Angular, 3, None),
        (Metric::Hamming, 64, None),
        (Metric::Hamming, 1, None),
        (Metric::Euclidean, 2, None),
    ],
    &[
        (Metric::Angular, 5, None),
        (Metric::Euclidean, 4, None),
        (Metric::Hamming, 128, None),
        (Metric::Dot, 4, None),
        (Metric::Dot, 2, MAIN),
    ],
    &[
        (Metric::Angular, 7, None),
        (Metric::Manhattan, 6, None),
        (Metric::Hamming, 180, None),
        (Metric::Dot, 6, None),
    ],
];

#[test]
fn wrong_metric_with_the_same_node_size() {
    // (metric, dim, dot layout) with equal node sizes in each group: angular 12+4f,
    // euclidean/manhattan/dot 16+4f, dot (Annoy main) 24+4f, hamming 16+8·ceil(bits/64).
    // Files are read by a fresh index (dot: layout detection).
    let (floats_from_bits, others): (Vec<Case>, Vec<Case>) =
        wrong_metric_cases(WRONG_METRIC_GROUPS)
            .into_iter()
            .partition(|c| c.metric != Metric::Hamming && c.what.starts_with("a hamming"));
    assert!(!floats_from_bits.is_empty());
    run_cases("err-wrong-metric-run", others);
}

/// Hamming files read as a float metric: the bit words become arbitrary floats, NaN included.
#[test]
fn hamming_file_read_as_a_float_metric() {
    let cases: Vec<Case> = wrong_metric_cases(WRONG_METRIC_GROUPS)
        .into_iter()
        .filter(|c| c.metric != Metric::Hamming && c.what.starts_with("a hamming"))
        .collect();
    run_cases("err-wrong-metric-bits", cases);
}

fn wrong_metric_cases(groups: &[&[(Metric, usize, Option<DotLayout>)]]) -> Vec<Case> {
    let dir = TempDir::new("err-wrong-metric");
    let mut cases = Vec::new();
    for group in groups {
        let size = |&(m, d, l): &(Metric, usize, Option<DotLayout>)| {
            let mut index = Index::new(d, m).unwrap();
            if let Some(l) = l {
                index.set_dot_layout(l).unwrap();
            }
            index.node_size()
        };
        assert!(
            group.iter().all(|c| size(c) == size(&group[0])),
            "{group:?}"
        );
        for &(metric, dim, layout) in group.iter() {
            let data = common::small_data(metric, dim, 90, 5);
            let mut index = Index::new(dim, metric).unwrap();
            if let Some(l) = layout {
                index.set_dot_layout(l).unwrap();
            }
            for (i, v) in data.iter().enumerate() {
                index.add_item(i as u32, v).unwrap();
            }
            index.build(3, 1).unwrap();
            let path = dir.file("w.ann");
            index.save(&path, false).unwrap();
            let bytes = std::fs::read(&path).unwrap();
            for &(other, other_dim, _) in group.iter() {
                if (other, other_dim) != (metric, dim) {
                    cases.push(Case {
                        metric: other,
                        dim: other_dim,
                        what: format!("a {metric} dim {dim} file"),
                        bytes: bytes.clone(),
                        cycle: false,
                    });
                }
            }
        }
    }
    cases
}

/// Finite but huge values overflow to ±inf inside the dot product, and inf + (-inf) is NaN: a
/// query through the public API, on an index built through the public API, must not panic.
#[test]
fn huge_finite_values_do_not_panic() {
    for metric in Metric::ALL {
        let mut rng = Rng::new(3);
        let mut index = Index::new(4, metric).unwrap();
        for i in 0..300u32 {
            let v: Vec<f32> = (0..4).map(|_| (rng.gaussian() * 1e20) as f32).collect();
            index.add_item(i, &v).unwrap();
        }
        index.build(5, 1).unwrap();
        let mut panicked = Vec::new();
        for id in 0..100u32 {
            let r = catch_unwind(AssertUnwindSafe(|| {
                index.query(Query::Item(id), 100, Some(usize::MAX))
            }));
            if r.is_err() {
                panicked.push(id);
            }
        }
        assert!(
            panicked.is_empty(),
            "{metric}: queries by items {panicked:?} panicked"
        );
    }
}
