//! `annoy demo`: a self-contained tour. Generates clustered data, builds an index, saves and
//! maps it back as a real user would, then measures recall@10 against brute force and query
//! speed at a few search_k values.

pub mod brute_force;
pub mod dataset;

use crate::args::DemoArgs;
use crate::commands::print;
use crate::error::{CliError, CliResult};
use crate::{index_file, progress};
use annoy::{Index, Metric, Query, Scratch};
use std::path::PathBuf;
use std::time::Instant;

const K: usize = 10;
pub const CLUSTERS: usize = 20;
/// Blob spread relative to the spread of the centres: clusters overlap a little, so the
/// recall curve has something to show.
const SPREAD: f32 = 1.5;
const DATA_SEED: u64 = 20_240_601;
/// search_k values measured after Annoy's default (n × trees).
const SEARCH_KS: [usize; 3] = [1_000, 5_000, 20_000];

pub fn run(args: &DemoArgs) -> CliResult<()> {
    let metric = index_file::metric(&args.metric)?;
    check_dataset_args(args.n, args.queries, args.dim, args.trees)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = match args.threads {
        -1 => cores,
        t if t >= 1 => t as usize,
        t => {
            return Err(CliError::new(format!(
                "--threads must be at least 1 (or -1 for one per core), got {t}"
            )))
        }
    };

    let (points, queries) = generate(args.dim, metric, args.n, args.queries);
    let trees = match args.trees {
        -1 => "automatic trees".to_string(),
        t => format!("{t} trees"),
    };
    print(&format!(
        "demo: {} points and {} held-out queries, {}-d, {CLUSTERS} gaussian blobs, {metric}, {trees}\n",
        args.n, args.queries, args.dim
    ))?;

    let Prepared {
        index,
        file: _file,
        build_seconds,
        size,
        load_seconds,
    } = prepare(&points, args.dim, metric, args.trees, threads, "demo")?;
    print(&format!(
        "build: {build_seconds:.2} s on {threads} threads; index {} ({size} bytes); load (mmap) {:.3} ms\n",
        index_file::human_size(size),
        load_seconds * 1e3
    ))?;

    // The brute force wants parallelism even where the build was told to use one thread.
    let workers = threads.max(2);
    let started = Instant::now();
    let truth = brute_force::nearest(metric, &points, &queries, K, workers);
    print(&format!(
        "ground truth: brute force on {workers} threads, {:.2} s\n",
        started.elapsed().as_secs_f64()
    ))?;

    print(&format!(
        "{:>10}  {:>9}  {:>10}\n",
        "search_k", "recall@10", "queries/s"
    ))?;
    let default_k = args.n.min(K) * index.n_trees();
    let search_ks =
        std::iter::once((None, default_k)).chain(SEARCH_KS.iter().map(|&k| (Some(k), k)));
    for (search_k, shown) in search_ks {
        let (recall, qps) = measure(&index, &queries, &truth, search_k)?;
        let note = if search_k.is_none() {
            format!("  Annoy's default: k × trees = {K} × {}", index.n_trees())
        } else {
            String::new()
        };
        print(&format!("{shown:>10}  {recall:>9.3}  {qps:>10.0}{note}\n"))?;
    }
    Ok(())
}

/// The demo's data (also `annoy bench`'s built-in dataset): `n` points and `n_queries`
/// held-out queries drawn from the same gaussian blobs, the same on every run.
/// Checks the built-in dataset's arguments before any data is generated.
pub fn check_dataset_args(n: usize, queries: usize, dim: usize, trees: i32) -> CliResult<()> {
    if n == 0 || queries == 0 {
        return Err(CliError::new(
            "the point and query counts must be at least 1",
        ));
    }
    // The library checks the dimension too, but only after the data has been generated.
    if dim == 0 || dim > annoy::MAX_DIMENSION {
        return Err(CliError::new(format!(
            "--dim must be between 1 and {}, got {dim}",
            annoy::MAX_DIMENSION
        )));
    }
    if trees == 0 || trees < -1 {
        return Err(CliError::new(format!(
            "--trees must be at least 1 (or -1 for automatic), got {trees}"
        )));
    }
    Ok(())
}

/// An index of the built-in dataset, as a user would have it: built, saved, mapped back.
pub struct Prepared {
    pub index: Index,
    /// Deleted when dropped: keep it while the index is in use.
    pub file: TempFile,
    pub build_seconds: f64,
    pub size: u64,
    pub load_seconds: f64,
}

/// Builds `points` into an index (with a progress bar), saves it to a temporary file named
/// after `command`, and maps it back.
pub fn prepare(
    points: &dataset::Points,
    dim: usize,
    metric: Metric,
    trees: i32,
    threads: usize,
    command: &str,
) -> CliResult<Prepared> {
    let started = Instant::now();
    let mut index = Index::new(dim, metric)?;
    for i in 0..points.len() {
        index.add_item(i as u32, points.row(i))?;
    }
    let bar = progress::trees_bar(u64::try_from(trees).ok());
    let built = index.build_with_progress(trees, threads as i32, &|_| bar.inc(1));
    bar.finish_and_clear();
    built?;
    let build_seconds = started.elapsed().as_secs_f64();

    let file = TempFile::new(command);
    index.save(&file.0, false)?;
    drop(index);
    let size = index_file::file_size(&file.0)?;
    let started = Instant::now();
    let mut index = Index::new(dim, metric)?;
    index.load(&file.0, false)?;
    Ok(Prepared {
        index,
        file,
        build_seconds,
        size,
        load_seconds: started.elapsed().as_secs_f64(),
    })
}

pub fn generate(
    dim: usize,
    metric: Metric,
    n: usize,
    n_queries: usize,
) -> (dataset::Points, dataset::Points) {
    let mut blobs =
        dataset::Blobs::new(dim, CLUSTERS, SPREAD, metric == Metric::Hamming, DATA_SEED);
    let points = blobs.sample(n);
    let queries = blobs.sample(n_queries);
    (points, queries)
}

/// Recall@K against `truth` and single-thread queries per second.
fn measure(
    index: &Index,
    queries: &dataset::Points,
    truth: &[Vec<u32>],
    search_k: Option<usize>,
) -> CliResult<(f64, f64)> {
    let mut scratch = Scratch::new();
    let (mut hits, mut wanted) = (0usize, 0usize);
    let started = Instant::now();
    for (q, expected) in truth.iter().enumerate() {
        let found = index.query_with(Query::Vector(queries.row(q)), K, search_k, &mut scratch)?;
        hits += found.iter().filter(|n| expected.contains(&n.id)).count();
        wanted += expected.len();
    }
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    Ok((
        hits as f64 / wanted.max(1) as f64,
        truth.len() as f64 / seconds,
    ))
}

/// A uniquely named file in the temp directory, deleted when dropped (also on errors).
pub struct TempFile(pub PathBuf);

impl TempFile {
    /// `annoy-<command>-<pid>-<nanos>.ann`.
    pub fn new(command: &str) -> TempFile {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("annoy-{command}-{}-{nanos}.ann", std::process::id());
        TempFile(std::env::temp_dir().join(name))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
