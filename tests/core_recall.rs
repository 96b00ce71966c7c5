//! Recall@10 against brute force, per metric, on generated clustered data (`common::generate`):
//! 10 trees, search_k = Annoy's default (n × n_trees = 100), 300 and 1000.
//!
//! Recall is tie-aware: a returned item counts when it is no farther than the true 10th
//! neighbour. The floors sit well below what was measured (debug build, default seed, 100
//! queries), so they catch a real loss of quality, not noise:
//!
//! | metric    | data                         | measured (sk 100 / 300 / 1000) | floors             |
//! |-----------|------------------------------|--------------------------------|--------------------|
//! | angular   | 4000 × 32, 40 clusters       | 0.868 / 0.989 / 1.000          | 0.80 / 0.95 / 0.98 |
//! | euclidean | 4000 × 24, 40 clusters       | 0.816 / 0.953 / 0.999          | 0.75 / 0.91 / 0.98 |
//! | manhattan | 3000 × 20, 30 clusters       | 0.831 / 0.977 / 1.000          | 0.76 / 0.93 / 0.98 |
//! | dot       | 3000 × 48, norms × [0.25, 4) | 0.501 / 0.647 / 0.845          | 0.42 / 0.57 / 0.77 |
//! | hamming   | 4000 × 192 bits, 24 patterns | 0.405 / 0.721 / 0.972          | 0.34 / 0.65 / 0.93 |
//!
//! Annoy 1.17.3 reaches about 0.70 / 0.95 / 1.000 for dot on the same data (table below);
//! `dot_recall_reaches_annoy_1_17_level` checks that ours does too.
//!
//! `ours_vs_annoy_1_17` (ignored; needs `ANNOY_RECALL_DIR`) compares with Annoy directly, both
//! averaged over the same 20 seeds (release build). Measured, ours / Annoy 1.17.3, sk 100 /
//! 300 / 1000:
//!
//! | metric    | ours                  | Annoy 1.17.3          |
//! |-----------|-----------------------|-----------------------|
//! | angular   | 0.874 / 0.988 / 1.000 | 0.878 / 0.988 / 1.000 |
//! | euclidean | 0.832 / 0.969 / 0.997 | 0.831 / 0.971 / 0.998 |
//! | manhattan | 0.834 / 0.974 / 0.999 | 0.837 / 0.972 / 0.998 |
//! | dot       | 0.705 / 0.949 / 1.000 | 0.702 / 0.950 / 1.000 |
//! | hamming   | 0.421 / 0.743 / 0.971 | 0.424 / 0.740 / 0.971 |
//!
//! To run it:
//!
//! ```text
//! python3 tests/recall_vs_annoy.py /tmp/recall
//! ANNOY_RECALL_DIR=/tmp/recall cargo test --release --test core_recall -- --ignored --nocapture
//! ```

mod common;

use annoy::{Index, Metric};
use common::{generate, index_of, kth_keys, read_npy, recall, recipes, DataSet, Recipe};

const K: usize = 10;
const N_TREES: i32 = 10;
const SEARCH_KS: [Option<usize>; 3] = [None, Some(300), Some(1000)];

fn recipe(metric: Metric) -> Recipe {
    recipes().into_iter().find(|r| r.metric == metric).unwrap()
}

/// Recall at each of `SEARCH_KS` for an index of `data` built with `seed`.
fn measure(metric: Metric, data: &DataSet, kth: &[f64], seed: Option<u64>) -> Vec<f64> {
    let mut index: Index = index_of(metric, data);
    if let Some(seed) = seed {
        index.set_seed(seed);
    }
    index.build(N_TREES, 2).unwrap();
    assert_eq!(index.n_trees(), N_TREES as usize);
    SEARCH_KS
        .iter()
        .map(|&sk| recall(&index, data, kth, K, sk))
        .collect()
}

fn check_recall(metric: Metric, floors: [f64; 3]) {
    let data = generate(&recipe(metric));
    let kth = kth_keys(metric, &data, K);
    let measured = measure(metric, &data, &kth, None);
    for ((sk, r), floor) in SEARCH_KS.iter().zip(&measured).zip(floors) {
        assert!(
            *r >= floor,
            "{metric}: recall@{K} with search_k {sk:?} is {r:.3}, below the floor {floor}"
        );
    }
    // More candidates can only help: the walk with a larger budget reaches a superset.
    for w in measured.windows(2) {
        assert!(
            w[1] >= w[0],
            "{metric}: recall fell as search_k grew: {measured:?}"
        );
    }
}

#[test]
fn angular_recall() {
    check_recall(Metric::Angular, [0.80, 0.95, 0.98]);
}

#[test]
fn euclidean_recall() {
    check_recall(Metric::Euclidean, [0.75, 0.91, 0.98]);
}

#[test]
fn manhattan_recall() {
    check_recall(Metric::Manhattan, [0.76, 0.93, 0.98]);
}

#[test]
fn dot_recall() {
    check_recall(Metric::Dot, [0.42, 0.57, 0.77]);
}

#[test]
fn hamming_recall() {
    check_recall(Metric::Hamming, [0.34, 0.65, 0.93]);
}

/// Annoy 1.17.3 reaches 0.719 / 0.954 / 1.000 on this data; the floors are what the index
/// reaches once two-means normalises its dot centroids as Annoy does (measured 0.694 / 0.936 /
/// 1.000 with that change), with a margin.
#[test]
fn dot_recall_reaches_annoy_1_17_level() {
    check_recall(Metric::Dot, [0.62, 0.88, 0.97]);
}

/// Compares our recall with Annoy 1.17.3's on identical data, both averaged over builds with
/// the seeds it lists (Annoy seeds one generator per build thread, we one per tree, so the
/// forests differ after the first tree and single builds are not comparable one to one).
/// Requires ours >= Annoy's − 0.01 per metric and search_k.
#[test]
#[ignore = "needs ANNOY_RECALL_DIR written by tests/recall_vs_annoy.py"]
fn ours_vs_annoy_1_17() {
    let dir = std::path::PathBuf::from(
        std::env::var_os("ANNOY_RECALL_DIR").expect("set ANNOY_RECALL_DIR (see the module doc)"),
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("annoy_recall.json")).unwrap())
            .unwrap();
    let mut failures = Vec::new();
    println!("metric     search_k   ours    annoy");
    for r in recipes() {
        let name = r.metric.name();
        let generated = generate(&r);
        let data = DataSet {
            dim: r.dim,
            points: read_npy(&dir.join(format!("{name}_points.npy"))).rows_f32(),
            queries: read_npy(&dir.join(format!("{name}_queries.npy"))).rows_f32(),
        };
        assert!(
            data.points == generated.points && data.queries == generated.queries,
            "{name}: the Python recipe no longer matches common::generate"
        );
        let kth = kth_keys(r.metric, &data, K);
        let seeds: Vec<u64> = report[name]["seeds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_u64().unwrap())
            .collect();
        let mut ours = [0.0; 3];
        for &seed in &seeds {
            for (o, m) in ours
                .iter_mut()
                .zip(measure(r.metric, &data, &kth, Some(seed)))
            {
                *o += m / seeds.len() as f64;
            }
        }
        for (sk, o) in SEARCH_KS.iter().zip(ours) {
            let key = sk.map_or("-1".to_string(), |k| k.to_string());
            let theirs = report[name]["recall"][&key].as_f64().unwrap();
            println!("{name:10} {key:>8}   {o:.4}  {theirs:.4}");
            if o < theirs - 0.01 {
                failures.push(format!(
                    "{name} search_k {key}: ours {o:.4} < annoy {theirs:.4}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
