//! Files written by Annoy 1.17.3 (`tests/golden/`, made by `make_golden.py`) load here and
//! answer every recorded query with Annoy's ids, in Annoy's order.

use annoy::{Index, Metric, Query};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn cases() -> Vec<(PathBuf, Value)> {
    let mut cases: Vec<_> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.with_extension("ann"), v)
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(cases.len() >= 20, "golden files missing");
    cases
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn search_k(v: &Value) -> Option<usize> {
    match v.as_i64().unwrap() {
        -1 => None,
        k if k < 0 => Some(usize::MAX),
        k => Some(k as usize),
    }
}

fn metric_of(case: &Value) -> Metric {
    case["metric"].as_str().unwrap().parse().unwrap()
}

/// Distances agree to 1e-5 relative. On a CPU without AVX-512 (or under valgrind) sums run in
/// another order than Annoy's, and the angular distance, a square root, amplifies rounding near
/// 0 (a self-distance of 0 can become 4e-4): compare its square there.
fn close(metric: Metric, got: f32, want: f32) -> bool {
    let (got, want) = match metric {
        Metric::Angular => (got * got, want * want),
        _ => (got, want),
    };
    (got - want).abs() <= 1e-5 * want.abs().max(1.0)
}

fn open(path: &Path, case: &Value) -> Index {
    let metric: Metric = case["metric"].as_str().unwrap().parse().unwrap();
    let mut index = Index::new(case["f"].as_u64().unwrap() as usize, metric).unwrap();
    index.load(path, false).unwrap();
    index
}

#[test]
fn loads_files_written_by_annoy_1_17_with_its_counts() {
    for (path, case) in cases() {
        let index = open(&path, &case);
        let name = case["case"].as_str().unwrap();
        assert_eq!(
            index.n_items() as u64,
            case["n_items"].as_u64().unwrap(),
            "{name}"
        );
        // Annoy over-counts the trees of tiny indexes after load; we report the true count.
        assert_eq!(
            index.n_trees() as u64,
            case["n_trees_after_build"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            index.n_nodes() as u64,
            case["n_nodes"].as_u64().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn answers_every_query_with_annoys_ids() {
    let (mut total, mut exact_distances) = (0, 0);
    for (path, case) in cases() {
        let index = open(&path, &case);
        let name = case["case"].as_str().unwrap();
        for q in case["queries"].as_array().unwrap() {
            let n = q["n"].as_u64().unwrap() as usize;
            let vector;
            let query = if q["by"] == "item" {
                Query::Item(q["item"].as_u64().unwrap() as u32)
            } else {
                vector = floats(&q["vector"]);
                Query::Vector(&vector)
            };
            let got = index.query(query, n, search_k(&q["search_k"])).unwrap();
            let ids: Vec<u64> = got.iter().map(|r| r.id as u64).collect();
            let want: Vec<u64> = q["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            assert_eq!(ids, want, "{name}: {q}");
            for (r, d) in got.iter().zip(floats(&q["distances"])) {
                assert!(
                    close(metric_of(&case), r.distance, d),
                    "{name}: {} vs {d}",
                    r.distance
                );
                total += 1;
                exact_distances += (r.distance == d) as usize;
            }
        }
    }
    eprintln!("{exact_distances} of {total} distances bit-identical to Annoy's");
}

#[test]
fn reads_item_vectors_and_distances_as_annoy_does() {
    for (path, case) in cases() {
        let index = open(&path, &case);
        let name = case["case"].as_str().unwrap();
        for (id, want) in case["item_vectors"].as_object().unwrap() {
            let got = index.item_vector(id.parse().unwrap()).unwrap();
            assert_eq!(got, floats(want), "{name} item {id}");
        }
        for triple in case["distances"].as_array().unwrap() {
            let (i, j) = (
                triple[0].as_u64().unwrap() as u32,
                triple[1].as_u64().unwrap() as u32,
            );
            let want = triple[2].as_f64().unwrap() as f32;
            let got = index.distance(i, j).unwrap();
            assert!(
                close(metric_of(&case), got, want),
                "{name} d({i},{j}) = {got}, Annoy {want}"
            );
        }
    }
}
