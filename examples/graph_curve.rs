//! Recall@10 against queries per second for the graph on an `.npy` base and query set
//! (float32, 2-d): `cargo run --release --example graph_curve -- BASE.npy QUERIES.npy
//! [THREADS] [DEGREE] [KNN] [ROUNDS] [SEED_TREES]`. Prints build times and one line per beam width;
//! with `-` for the queries it only builds (for timing builds alone).

use annoy::{GraphParams, Index, Metric, Query, QueryOptions, Scratch};
use std::time::Instant;

fn read_npy(path: &str) -> (Vec<f32>, usize) {
    let bytes = std::fs::read(path).expect("read the .npy file");
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).expect("ascii header");
    assert!(
        header.contains("'<f4'"),
        "float32 little-endian expected: {header}"
    );
    let shape = &header[header.find("'shape': (").expect("shape") + 10..];
    let dim: usize = shape
        .split(',')
        .nth(1)
        .expect("2-d")
        .trim()
        .trim_end_matches(')')
        .parse()
        .expect("dim");
    let data: Vec<f32> = bytes[10 + header_len..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    (data, dim)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (base, dim) = read_npy(&args[1]);
    let (queries, qdim) = if args[2] == "-" {
        (Vec::new(), dim)
    } else {
        read_npy(&args[2])
    };
    assert_eq!(dim, qdim);
    let threads: i32 = args.get(3).map_or(1, |s| s.parse().unwrap());
    let degree: usize = args.get(4).map_or(32, |s| s.parse().unwrap());
    let knn: usize = args
        .get(5)
        .map_or(GraphParams::for_degree(degree).knn, |s| s.parse().unwrap());
    let n = base.len() / dim;
    let mut index = Index::new(dim, Metric::Angular).unwrap();
    for (i, v) in base.chunks_exact(dim).enumerate() {
        index.add_item(i as u32, v).unwrap();
    }
    let t = Instant::now();
    index.build(1, threads).unwrap();
    let forest_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut params = GraphParams::default().degree(degree).knn(knn);
    if let Some(rounds) = args.get(6) {
        params = params.max_rounds(rounds.parse().unwrap());
    }
    if let Some(trees) = args.get(7) {
        params = params.seed_trees(trees.parse().unwrap());
    }
    index.build_graph(params, threads).unwrap();
    let graph_s = t.elapsed().as_secs_f64();
    let (header, adjacency) = index.graph_sections().expect("a graph");
    let hash = xxhash_rust::xxh3::xxh3_64(&[header, adjacency].concat());
    println!("graph sections xxh3 {hash:016x}");
    println!("n {n} dim {dim} threads {threads} degree {degree} knn {knn}: forest(1 tree) {forest_s:.2}s graph {graph_s:.2}s");
    if queries.is_empty() {
        return;
    }
    // Exact neighbours by brute force (the vectors are unit length: cosine order).
    let nq = queries.len() / dim;
    let truth: Vec<Vec<u32>> = queries
        .chunks_exact(dim)
        .map(|q| {
            let mut d: Vec<(f32, u32)> = base
                .chunks_exact(dim)
                .enumerate()
                .map(|(i, v)| (-q.iter().zip(v).map(|(a, b)| a * b).sum::<f32>(), i as u32))
                .collect();
            d.select_nth_unstable_by(10, |a, b| a.0.total_cmp(&b.0));
            d[..10].iter().map(|x| x.1).collect()
        })
        .collect();
    let mut scratch = Scratch::new();
    for ef in [10, 16, 24, 32, 48, 64, 96, 128] {
        let options = QueryOptions::new(10).ef(ef);
        let mut hits = 0;
        let t = Instant::now();
        for (q, want) in queries.chunks_exact(dim).zip(&truth) {
            let got = index
                .query_with_options(Query::Vector(q), &options, &mut scratch)
                .unwrap();
            hits += got.iter().filter(|r| want.contains(&r.id)).count();
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "ef {ef:4} recall@10 {:.4} qps {:.0}",
            hits as f64 / (10 * nq) as f64,
            nq as f64 / secs
        );
    }
}
