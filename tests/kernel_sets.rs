//! Every kernel set this CPU can run builds and answers like the portable set.
//!
//! The set is chosen once per process, so each set runs in a child process: this test binary
//! again, with `ANNOY_KERNELS` naming the set, running only the ignored `child` test, which
//! builds and queries every metric and writes what it found to a directory. The parent then
//! compares the sets:
//! - hamming sums integers: files and answers are identical under every set;
//! - the float metrics sum in each set's order, so distances agree within `TOLERANCE` (relative),
//!   and trees may differ in near-ties. Querying one file (portable's) exhaustively, every set
//!   ranks the same items: ids are identical wherever the distances are bit-identical, and
//!   elsewhere any id that differs is a near-tie (within `TOLERANCE` of the one it replaces).

mod common;

use annoy::{Index, Metric, Query};
use common::{generate, kth_keys, recall, true_distance, DataSet, Recipe, TempDir};
use std::path::Path;
use std::process::Command;

/// Relative tolerance of a float distance between two kernel sets (f32 sums of up to 100
/// terms in different orders differ by a few units in the last place of their terms' total).
const TOLERANCE: f64 = 2e-5;
const K: usize = 10;
const N_TREES: i32 = 10;

/// Odd dimensions, so every set runs its main loop and its tail (and, at 100, the build
/// kernels' 64-float steps).
fn recipes() -> Vec<Recipe> {
    let r = |metric, dim, seed| Recipe {
        metric,
        dim,
        n_points: 1500,
        n_queries: 40,
        n_clusters: 15,
        seed,
    };
    vec![
        r(Metric::Angular, 37, 11),
        r(Metric::Euclidean, 100, 12),
        r(Metric::Manhattan, 19, 13),
        r(Metric::Dot, 53, 14),
        r(Metric::Hamming, 130, 15),
    ]
}

/// One answer per line: `id:distance-bits` pairs.
fn encode(found: &[annoy::Neighbor]) -> String {
    let pairs: Vec<String> = found
        .iter()
        .map(|n| format!("{}:{:08x}", n.id, n.distance.to_bits()))
        .collect();
    pairs.join(" ") + "\n"
}

fn decode(text: &str) -> Vec<Vec<(u32, f32)>> {
    text.lines()
        .map(|line| {
            line.split_whitespace()
                .map(|pair| {
                    let (id, bits) = pair.split_once(':').unwrap();
                    let bits = u32::from_str_radix(bits, 16).unwrap();
                    (id.parse().unwrap(), f32::from_bits(bits))
                })
                .collect()
        })
        .collect()
}

fn build(data: &DataSet, metric: Metric) -> Index {
    let mut index = common::index_of(metric, data);
    index.set_seed(77);
    index.build(N_TREES, 2).unwrap();
    index
}

/// Run by the parent in a child process with `ANNOY_KERNELS` set: builds each recipe, saves
/// it, answers its queries, and answers them again exhaustively on the portable set's file.
#[test]
#[ignore = "run by every_kernel_set_builds_and_answers_like_portable"]
fn child() {
    let out = std::env::var("KERNEL_SETS_OUT").expect("run by the parent test");
    let forced = std::env::var("ANNOY_KERNELS").unwrap();
    let out = Path::new(&out);
    if std::env::var("KERNEL_SETS_EXPECT_REFUSAL").is_ok() {
        let err = Index::new(8, Metric::Euclidean).unwrap_err();
        assert!(matches!(err, annoy::Error::InvalidArgument(_)), "{err}");
        std::fs::write(out.join("refused.txt"), err.to_string()).unwrap();
        return;
    }
    for recipe in recipes() {
        let (metric, data) = (recipe.metric, generate(&recipe));
        let mut index = build(&data, metric);
        // The set is fixed now: asking again for it succeeds, for another fails.
        let name = annoy::set_simd_kernels(&forced).unwrap();
        assert_eq!(annoy::simd_kernels(), name);
        let other = if forced == "portable" {
            "avx2"
        } else {
            "portable"
        };
        assert!(annoy::set_simd_kernels(other).is_err());

        index
            .save(out.join(format!("{metric}.ann")), false)
            .unwrap();
        let kth = kth_keys(metric, &data, K);
        let own_recall = recall(&index, &data, &kth, K, None);
        std::fs::write(out.join(format!("{metric}.recall")), own_recall.to_string()).unwrap();
        let mut own = String::new();
        for q in &data.queries {
            own += &encode(&index.query(Query::Vector(q), K, None).unwrap());
        }
        std::fs::write(out.join(format!("{metric}.own")), own).unwrap();

        if let Ok(portable) = std::env::var("KERNEL_SETS_PORTABLE") {
            let mut theirs = Index::new(data.dim, metric).unwrap();
            let file = Path::new(&portable).join(format!("{metric}.ann"));
            theirs.load(file, false).unwrap();
            let every = data.points.len() * N_TREES as usize * 4;
            let mut exhaustive = String::new();
            for q in &data.queries {
                exhaustive += &encode(&theirs.query(Query::Vector(q), K, Some(every)).unwrap());
            }
            std::fs::write(out.join(format!("{metric}.exhaustive")), exhaustive).unwrap();
        }
    }
}

fn run_child(set: &str, out: &Path, portable: Option<&Path>, expect_refusal: bool) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child", "--ignored", "--test-threads=1"])
        .env("ANNOY_KERNELS", set)
        .env("KERNEL_SETS_OUT", out);
    if let Some(p) = portable {
        cmd.env("KERNEL_SETS_PORTABLE", p);
    }
    if expect_refusal {
        cmd.env("KERNEL_SETS_EXPECT_REFUSAL", "1");
    }
    let status = cmd.output().unwrap();
    assert!(
        status.status.success(),
        "child for {set} failed:\n{}\n{}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn every_kernel_set_builds_and_answers_like_portable() {
    let sets = annoy::available_simd_kernels();
    assert_eq!(sets[0], "portable");
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        assert!(
            sets.contains(&"avx512") && sets.contains(&"avx2"),
            "{sets:?}"
        );
    }
    let root = TempDir::new("kernel-sets");
    let dir = |set: &str| root.file(set);
    // Portable first: its file is the one every set then searches exhaustively (portable's
    // own child searches the file it has just saved).
    for &set in &sets {
        let here = dir(set);
        std::fs::create_dir_all(&here).unwrap();
        run_child(set, &here, Some(&dir("portable")), false);
    }
    let reference = dir("portable");
    for recipe in recipes() {
        let (metric, data) = (recipe.metric, generate(&recipe));
        let want_exhaustive = decode(&read(&reference, &format!("{metric}.exhaustive")));
        let want_recall: f64 = read(&reference, &format!("{metric}.recall"))
            .parse()
            .unwrap();
        for &set in &sets {
            let here = dir(set);
            let name = format!("{set} {metric}");
            let own = decode(&read(&here, &format!("{metric}.own")));
            let got_recall: f64 = read(&here, &format!("{metric}.recall")).parse().unwrap();
            if metric == Metric::Hamming {
                let file = |d: &Path| std::fs::read(d.join("hamming.ann")).unwrap();
                assert!(file(&here) == file(&reference), "{name}: files differ");
                assert_eq!(own, decode(&read(&reference, "hamming.own")), "{name}");
            }
            // Its own build: every distance is the true one, and recall is portable's, give
            // or take a near-tie's split.
            for (q, answer) in data.queries.iter().zip(&own) {
                assert_eq!(answer.len(), K, "{name}");
                for &(id, distance) in answer {
                    let truth = true_distance(metric, &data.points[id as usize], q);
                    assert!(
                        close(distance as f64, truth),
                        "{name}: {distance} vs {truth}"
                    );
                }
            }
            assert!(
                (got_recall - want_recall).abs() <= 0.03,
                "{name}: recall {got_recall} vs portable's {want_recall}"
            );
            // Portable's file, searched exhaustively: the same ranking.
            let got = decode(&read(&here, &format!("{metric}.exhaustive")));
            for (q, (got, want)) in data.queries.iter().zip(got.iter().zip(&want_exhaustive)) {
                let bits = |a: &[(u32, f32)]| a.iter().map(|p| p.1.to_bits()).collect::<Vec<_>>();
                if bits(got) == bits(want) {
                    assert_eq!(got, want, "{name}: same distances, other ids");
                    continue;
                }
                for (&(id, d), &(want_id, want_d)) in got.iter().zip(want) {
                    assert!(close(d as f64, want_d as f64), "{name}: {d} vs {want_d}");
                    if id != want_id {
                        let here = true_distance(metric, &data.points[id as usize], q);
                        let there = true_distance(metric, &data.points[want_id as usize], q);
                        assert!(close(here, there), "{name}: {id} for {want_id}, no tie");
                    }
                }
            }
        }
    }
}

/// A set the CPU cannot run, or an unknown name, is refused: no index can be created, with
/// an error that says why, and nothing runs the missing instructions.
#[test]
fn a_set_this_cpu_lacks_is_refused() {
    let sets = annoy::available_simd_kernels();
    let lacking: Vec<&str> = ["avx2", "avx512", "neon"]
        .into_iter()
        .filter(|s| !sets.contains(s))
        .collect();
    assert!(!lacking.is_empty(), "no CPU has both NEON and AVX2");
    let root = TempDir::new("kernel-sets-refused");
    for set in lacking.into_iter().chain(["sse9"]) {
        run_child(set, root.path(), None, true);
        let why = read(root.path(), "refused.txt");
        assert!(why.contains(&format!("ANNOY_KERNELS={set}")), "{why}");
        assert!(
            why.contains("portable"),
            "names the sets this CPU can run: {why}"
        );
        // The Rust call refuses it too, and chooses nothing.
        assert!(annoy::set_simd_kernels(set).is_err());
    }
}
