//! Helpers shared by the `core_*` integration tests: a deterministic PRNG, generated data sets,
//! brute-force neighbours, temporary directories and a minimal `.npy` reader.
//!
//! The data recipes are mirrored in `tests/recall_vs_annoy.py`; keep the two in step.

#![allow(dead_code)]

use annoy::{Index, Metric, Query};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast and good enough for test data.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Standard normal by Box–Muller (the cosine branch only, two uniforms per value).
    pub fn gaussian(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// A generated data set: `points` to index and `queries` to ask (not in the index).
pub struct DataSet {
    pub dim: usize,
    pub points: Vec<Vec<f32>>,
    pub queries: Vec<Vec<f32>>,
}

/// Recipe parameters, identical in `tests/recall_vs_annoy.py`.
#[derive(Clone, Copy, Debug)]
pub struct Recipe {
    pub metric: Metric,
    pub dim: usize,
    pub n_points: usize,
    pub n_queries: usize,
    pub n_clusters: usize,
    pub seed: u64,
}

/// The recipes used by the recall tests, one per metric.
pub fn recipes() -> Vec<Recipe> {
    let r = |metric, dim, n_points, n_clusters, seed| Recipe {
        metric,
        dim,
        n_points,
        n_queries: 100,
        n_clusters,
        seed,
    };
    vec![
        r(Metric::Angular, 32, 4000, 40, 1),
        r(Metric::Euclidean, 24, 4000, 40, 2),
        r(Metric::Manhattan, 20, 3000, 30, 3),
        r(Metric::Dot, 48, 3000, 30, 4),
        r(Metric::Hamming, 192, 4000, 24, 5),
    ]
}

/// Generates the data of `recipe`:
/// - real metrics: `n_clusters` centres drawn from N(0, 1) per coordinate, each point a centre
///   (chosen uniformly) plus N(0, 0.35²) noise per coordinate; for dot each point is then scaled
///   by a factor uniform in [0.25, 4) so norms vary widely;
/// - hamming: `n_clusters` random bit patterns, each point a pattern with every bit flipped
///   with probability 0.12.
///
/// Points are drawn first, then queries, from one generator seeded with `recipe.seed`.
pub fn generate(recipe: &Recipe) -> DataSet {
    let mut rng = Rng::new(recipe.seed);
    let dim = recipe.dim;
    let total = recipe.n_points + recipe.n_queries;
    let mut all: Vec<Vec<f32>> = Vec::with_capacity(total);
    if recipe.metric == Metric::Hamming {
        let patterns: Vec<Vec<bool>> = (0..recipe.n_clusters)
            .map(|_| (0..dim).map(|_| rng.next_u64() >> 63 == 1).collect())
            .collect();
        for _ in 0..total {
            let c = &patterns[rng.below(recipe.n_clusters)];
            all.push(
                c.iter()
                    .map(|&b| {
                        let flip = rng.uniform() < 0.2;
                        if b != flip {
                            1.0
                        } else {
                            0.0
                        }
                    })
                    .collect(),
            );
        }
    } else {
        let centres: Vec<Vec<f64>> = (0..recipe.n_clusters)
            .map(|_| (0..dim).map(|_| rng.gaussian()).collect())
            .collect();
        for _ in 0..total {
            let c = &centres[rng.below(recipe.n_clusters)];
            let mut v: Vec<f64> = c.iter().map(|&x| x + 0.7 * rng.gaussian()).collect();
            if recipe.metric == Metric::Dot {
                let scale = 0.25 + 3.75 * rng.uniform();
                v.iter_mut().for_each(|x| *x *= scale);
            }
            all.push(v.into_iter().map(|x| x as f32).collect());
        }
    }
    let queries = all.split_off(recipe.n_points);
    DataSet {
        dim,
        points: all,
        queries,
    }
}

/// The user-facing distance of a metric, in f64 (dot: the inner product, larger is nearer).
pub fn true_distance(metric: Metric, a: &[f32], b: &[f32]) -> f64 {
    let pairs = a.iter().zip(b).map(|(&x, &y)| (x as f64, y as f64));
    match metric {
        Metric::Angular => {
            let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
            for (x, y) in pairs {
                ab += x * y;
                aa += x * x;
                bb += y * y;
            }
            if aa * bb > 0.0 {
                (2.0 - 2.0 * ab / (aa * bb).sqrt()).max(0.0).sqrt()
            } else {
                2f64.sqrt()
            }
        }
        Metric::Euclidean => pairs.map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt(),
        Metric::Manhattan => pairs.map(|(x, y)| (x - y).abs()).sum(),
        Metric::Dot => pairs.map(|(x, y)| x * y).sum(),
        Metric::Hamming => pairs.filter(|&(x, y)| (x > 0.5) != (y > 0.5)).count() as f64,
    }
}

/// Converts a user-facing distance into "smaller is nearer" (negates dot).
pub fn rank_key(metric: Metric, d: f64) -> f64 {
    if metric == Metric::Dot {
        -d
    } else {
        d
    }
}

/// For every query of `data`, the rank key of its k-th nearest point (brute force), for
/// tie-aware recall.
pub fn kth_keys(metric: Metric, data: &DataSet, k: usize) -> Vec<f64> {
    data.queries
        .iter()
        .map(|q| {
            let mut keys: Vec<f64> = data
                .points
                .iter()
                .map(|p| rank_key(metric, true_distance(metric, p, q)))
                .collect();
            keys.sort_by(|a, b| a.partial_cmp(b).unwrap());
            keys[k.min(keys.len()) - 1]
        })
        .collect()
}

/// Mean tie-aware recall@k of `index` over the queries of `data`: per query, the share of the
/// k slots filled with points no farther than the true k-th neighbour (`kth`, from `kth_keys`),
/// so that hamming's many equal distances do not count as misses.
pub fn recall(
    index: &Index,
    data: &DataSet,
    kth: &[f64],
    k: usize,
    search_k: Option<usize>,
) -> f64 {
    let metric = index.metric();
    let total: usize = data
        .queries
        .iter()
        .zip(kth)
        .map(|(q, &kth)| {
            let tol = 1e-6 * kth.abs().max(1.0);
            let found = index.query(Query::Vector(q), k, search_k).unwrap();
            found
                .iter()
                .take(k)
                .filter(|n| {
                    rank_key(
                        metric,
                        true_distance(metric, &data.points[n.id as usize], q),
                    ) <= kth + tol
                })
                .count()
        })
        .sum();
    total as f64 / (k * data.queries.len()) as f64
}

/// Adds every point of `data` (id = position) to a new index of `metric`.
pub fn index_of(metric: Metric, data: &DataSet) -> Index {
    let mut index = Index::new(data.dim, metric).unwrap();
    for (i, p) in data.points.iter().enumerate() {
        index.add_item(i as u32, p).unwrap();
    }
    index
}

/// Small random data: `n` vectors of `dim` gaussian values (0/1 values for hamming).
pub fn small_data(metric: Metric, dim: usize, n: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            (0..dim)
                .map(|_| {
                    if metric == Metric::Hamming {
                        (rng.next_u64() >> 63) as f32
                    } else {
                        rng.gaussian() as f32
                    }
                })
                .collect()
        })
        .collect()
}

/// A built index of `small_data`.
pub fn small_index(metric: Metric, dim: usize, n: usize, n_trees: i32) -> (Index, Vec<Vec<f32>>) {
    let data = small_data(metric, dim, n, 42 + dim as u64);
    let mut index = Index::new(dim, metric).unwrap();
    for (i, v) in data.iter().enumerate() {
        index.add_item(i as u32, v).unwrap();
    }
    index.build(n_trees, 1).unwrap();
    (index, data)
}

/// A directory under the system temp dir, removed (with its contents) on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("annoy-core-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A 2-D array read from a `.npy` file (version 1 or 2, C order, `<f4`, `<f8`, `<i4` or `<i8`),
/// as f64 values row by row.
pub struct NpyArray {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl NpyArray {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    pub fn rows_f32(&self) -> Vec<Vec<f32>> {
        (0..self.rows)
            .map(|i| self.row(i).iter().map(|&x| x as f32).collect())
            .collect()
    }
}

pub fn read_npy(path: &Path) -> NpyArray {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..6],
        b"\x93NUMPY",
        "{} is not a .npy file",
        path.display()
    );
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).unwrap();
    assert!(header.contains("'fortran_order': False"), "{header}");
    let descr = header.split("'descr':").nth(1).unwrap();
    let descr = descr.split('\'').nth(1).unwrap();
    let shape = header.split("'shape':").nth(1).unwrap();
    let shape = &shape[shape.find('(').unwrap() + 1..shape.find(')').unwrap()];
    let dims: Vec<usize> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let (rows, cols) = match dims[..] {
        [r] => (r, 1),
        [r, c] => (r, c),
        _ => panic!("unsupported shape {shape}"),
    };
    let body = &bytes[start + header_len..];
    let data: Vec<f64> = match descr {
        "<f4" => body
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64)
            .collect(),
        "<f8" => body
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect(),
        "<i4" => body
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes(c.try_into().unwrap()) as f64)
            .collect(),
        "<i8" => body
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64)
            .collect(),
        _ => panic!("unsupported dtype {descr}"),
    };
    assert_eq!(data.len(), rows * cols, "{}", path.display());
    NpyArray { rows, cols, data }
}
