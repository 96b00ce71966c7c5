//! Filtered search's recall and speed: recall@10 against brute force over the allowed items
//! and single-thread queries per second, at allow-list selectivities 100% … 0.1%, all at the
//! effort the unfiltered query needs for recall 0.9 (found by `Index::tune`).
//!
//! Points and queries are generated (angular, clustered, `tests/common`'s recipe) unless
//! `FILTER_POINTS` and `FILTER_QUERIES` name 2-D float32 `.npy` files. With `FILTER_DUMP=dir`
//! the points, queries and allow-lists are written there as raw little-endian arrays, for
//! comparing another library on the same data (`bench/filtered_hnswlib.py`).
//!
//! ```text
//! cargo run --release --example filtered_search            # 100k × 384 generated
//! FILTER_POINTS=p.npy FILTER_QUERIES=q.npy cargo run --release --example filtered_search
//! ```

#[path = "../tests/common/mod.rs"]
mod common;

use annoy::{Bitset, Filter, Index, Metric, Query, QueryOptions, RecallSample, Scratch};
use std::time::Instant;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (dim, points, queries) = match (
        std::env::var("FILTER_POINTS"),
        std::env::var("FILTER_QUERIES"),
    ) {
        (Ok(p), Ok(q)) => {
            let (p, q) = (common::read_npy(p.as_ref()), common::read_npy(q.as_ref()));
            let (p, q) = (p.rows_f32(), q.rows_f32());
            (p[0].len(), p, q)
        }
        _ => {
            let data = common::generate(&common::Recipe {
                metric: Metric::Angular,
                dim: env_usize("FILTER_DIM", 384),
                n_points: env_usize("FILTER_N", 100_000),
                n_queries: 200,
                n_clusters: 200,
                seed: 7,
            });
            (data.dim, data.points, data.queries)
        }
    };
    let trees = env_usize("FILTER_TREES", 10) as i32;
    let n_items = points.len();
    let mut index = Index::new(dim, Metric::Angular)?;
    for (i, p) in points.iter().enumerate() {
        index.add_item(i as u32, p)?;
    }
    let started = Instant::now();
    index.build(trees, -1)?;
    println!(
        "{n_items} × {dim} angular, {} queries, {trees} trees (built in {:.1} s), k = 10",
        queries.len(),
        started.elapsed().as_secs_f64()
    );
    let flat: Vec<f32> = queries.iter().flatten().copied().collect();
    let k = 10;
    let tuning = index.tune(&QueryOptions::new(k), 0.9, RecallSample::Queries(&flat))?;
    let effort = tuning.best().ok_or("recall 0.9 not reachable")?.search_k;
    println!("effort for unfiltered recall 0.9: {effort:?}");
    println!("| selectivity | allowed | path | recall@10 | QPS |");
    println!("|---|---|---|---|---|");
    let mut rng = common::Rng::new(99);
    let dump = std::env::var("FILTER_DUMP").ok();
    if let Some(dir) = &dump {
        std::fs::create_dir_all(dir)?;
        let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let all: Vec<f32> = points.iter().flatten().copied().collect();
        std::fs::write(format!("{dir}/points.f32"), bytes(&all))?;
        std::fs::write(format!("{dir}/queries.f32"), bytes(&flat))?;
        std::fs::write(
            format!("{dir}/shape.txt"),
            format!("{n_items} {} {dim}\n", queries.len()),
        )?;
    }
    for selectivity in [1.0, 0.5, 0.1, 0.01, 0.001] {
        let words = Bitset::from_ids((0..n_items as u32).filter(|_| rng.uniform() < selectivity));
        let bits = Bitset::new(&words);
        if let Some(dir) = &dump {
            let b: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            std::fs::write(format!("{dir}/allow-{selectivity}.u64"), b)?;
        }
        let predicate = |id: u32| bits.contains(id);
        let path = if bits.prefers_scan(effort.candidates(k, index.n_trees()), n_items) {
            "scan"
        } else {
            "walk"
        };
        for (name, filter) in [
            (format!("allow-list ({path})"), Filter::Allow(bits)),
            (
                "predicate (walk; scan past its limit)".to_string(),
                Filter::Predicate(&predicate),
            ),
        ] {
            let options = QueryOptions::new(k).search_k(effort).filter(filter);
            let point = index.estimate_recall(&options, RecallSample::Queries(&flat))?;
            // Queries per second again, over several passes, without the recall bookkeeping.
            let mut scratch = Scratch::new();
            let started = Instant::now();
            let passes = 3;
            for _ in 0..passes {
                for q in &queries {
                    std::hint::black_box(index.query_with_options(
                        Query::Vector(q),
                        &options,
                        &mut scratch,
                    )?);
                }
            }
            let qps = (passes * queries.len()) as f64 / started.elapsed().as_secs_f64();
            println!(
                "| {:.1}% | {} | {name} | {:.3} | {:.0} |",
                selectivity * 100.0,
                bits.count(),
                point.recall,
                qps
            );
        }
    }
    Ok(())
}
