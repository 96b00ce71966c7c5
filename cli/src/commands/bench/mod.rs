//! `annoy bench`: recall@k and queries per second over a sweep of search_k (or, for an index
//! with a graph, of its beam width ef), for a saved index and a file of queries, or for the
//! built-in dataset (built, saved and mapped back here).
//!
//! For each effort: recall@k against the ground truth; queries per second on one thread,
//! one query at a time with a reused `Scratch`; and queries per second of a batch over
//! `--threads` threads, each with its own `Scratch`. Speeds are the best of `--runs` passes.
//! Mean candidates per query are not reported: the library does not expose the count.

mod measure;
mod report;
mod truth;

use crate::args::{BenchArgs, IndexShape};
use crate::commands::print;
use crate::demo::{self, brute_force, dataset::Points, TempFile};
use crate::error::{CliError, CliResult};
use crate::{index_file, input, numbers, progress};
use annoy::{Index, Metric};
use measure::Effort;
use report::{Build, IndexFacts, Report, Source, Step, Truth};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// search_k values measured when none are given, after Annoy's default (k × trees).
const DEFAULT_SEARCH_KS: [usize; 3] = [1_000, 10_000, 100_000];
/// Beam widths measured for an index with a graph when none are given (also by `annoy tune`).
pub(crate) const DEFAULT_EFS: [usize; 5] = [16, 32, 64, 128, 256];
const DATASET_METRIC: &str = "angular";
const DATASET_DIM: usize = 64;

/// An index ready to measure, with its queries.
struct Opened {
    index: Index,
    facts: IndexFacts,
    queries: Points,
    queries_file: Option<PathBuf>,
    /// The built-in dataset's points, the ground truth's reference.
    points: Option<Points>,
    /// The built-in dataset's index file, deleted when the bench ends.
    _file: Option<TempFile>,
}

pub fn run(args: &BenchArgs) -> CliResult<()> {
    if args.k == 0 {
        return Err(CliError::new("-k must be at least 1"));
    }
    if args.runs == 0 {
        return Err(CliError::new("--runs must be at least 1"));
    }
    let threads = thread_count(args.threads)?;
    let requested_search_ks = requested_efforts(&args.search_k, "--search-k")?;
    let requested_efs = requested_efforts(&args.ef, "--ef")?;
    // Without --json, lines are printed as their numbers arrive.
    let say = |text: &str| if args.json { Ok(()) } else { print(text) };

    let opened = match &args.index {
        Some(path) => open_index(args, path)?,
        None => build_dataset(args, threads)?,
    };
    say(&opened.facts.index_text())?;
    let Opened {
        index,
        facts,
        queries,
        queries_file,
        points,
        _file,
    } = opened;
    let efforts = match (index.graph_degree(), requested_efs, requested_search_ks) {
        (None, Some(_), _) => {
            return Err(CliError::new(
                "--ef needs an index with a graph (annoy build --graph --format native); \
                 this one has none",
            ))
        }
        (Some(_), _, Some(_)) => {
            return Err(CliError::new(
                "the index has a graph, which answers every query: search_k is unused; \
                 measure its beam width with --ef",
            ))
        }
        (Some(_), efs, None) => efs
            .unwrap_or_else(|| DEFAULT_EFS.map(Some).to_vec())
            .into_iter()
            .map(Effort::Ef)
            .collect::<Vec<_>>(),
        (None, None, search_ks) => search_ks
            .unwrap_or_else(|| default_search_ks(args.k, &index))
            .into_iter()
            .map(Effort::SearchK)
            .collect(),
    };
    let column = match efforts.first() {
        Some(Effort::Ef(_)) => "ef",
        _ => "search_k",
    };
    let threads = threads.min(queries.len());

    let spinner = progress::spinner("computing the ground truth");
    let started = Instant::now();
    let found = ground_truth(args, &index, &queries, points.as_ref(), threads);
    spinner.finish_and_clear();
    let (truth, source) = found?;
    let mut report = Report {
        index: facts,
        queries: queries.len(),
        queries_file,
        k: args.k,
        truth: source,
        truth_seconds: started.elapsed().as_secs_f64(),
        threads,
        runs: args.runs,
        column,
        sweep: Vec::new(),
    };
    say(&report.truth_text())?;
    say(&report.table_header())?;

    let setup = measure::Setup {
        index: &index,
        queries: &queries,
        truth: &truth,
        k: args.k,
        runs: args.runs,
    };
    let mut buffers = measure::Buffers::new(&setup, threads);
    let default_search_k = args.k.saturating_mul(index.n_trees());
    let bar = progress::sweep_bar(efforts.len() as u64);
    let swept = (|| -> CliResult<()> {
        for effort in efforts {
            let (value, default) = match effort {
                Effort::SearchK(search_k) => {
                    (search_k.unwrap_or(default_search_k), search_k.is_none())
                }
                Effort::Ef(ef) => (effort.options(args.k).beam_width(), ef.is_none()),
            };
            bar.set_message(format!("{column} {value}"));
            let step = Step {
                value,
                default,
                measured: measure::measure(&setup, effort, &mut buffers)?,
            };
            bar.suspend(|| say(&report.row_text(&step)))?;
            report.sweep.push(step);
            bar.inc(1);
        }
        Ok(())
    })();
    bar.finish_and_clear();
    swept?;
    if args.json {
        print(&report.json())?;
    }
    Ok(())
}

/// A saved index and the queries from `--queries`.
fn open_index(args: &BenchArgs, path: &Path) -> CliResult<Opened> {
    // clap requires these with --index; this only keeps the types honest.
    let (Some(metric), Some(dim), Some(queries_file)) = (&args.metric, args.dim, &args.queries)
    else {
        return Err(CliError::new("--index needs --metric, --dim and --queries"));
    };
    let shape = IndexShape {
        metric: Some(metric.clone()),
        dim: Some(dim),
        dot_layout: args.dot_layout,
    };
    let started = Instant::now();
    let index = index_file::open(path, &shape, args.prefault)?;
    let load_seconds = started.elapsed().as_secs_f64();
    if index.n_items() == 0 {
        return Err(CliError::new(format!(
            "{}: the index holds no items",
            path.display()
        )));
    }
    let queries = read_points(queries_file, dim, index.metric())?;
    let facts = IndexFacts {
        source: Source::File(path.to_path_buf()),
        metric: index.metric(),
        dim,
        items: index.n_items(),
        trees: index.n_trees(),
        index_size: index_file::file_size(path)?,
        load_seconds,
        prefault: args.prefault,
        graph_degree: index.graph_degree(),
    };
    Ok(Opened {
        index,
        facts,
        queries,
        queries_file: Some(queries_file.clone()),
        points: None,
        _file: None,
    })
}

/// The built-in dataset: generated, built, saved to a temporary file and mapped back.
fn build_dataset(args: &BenchArgs, threads: usize) -> CliResult<Opened> {
    let metric = index_file::metric(args.metric.as_deref().unwrap_or(DATASET_METRIC))?;
    let dim = args.dim.unwrap_or(DATASET_DIM);
    demo::check_dataset_args(args.n, args.n_queries, dim, args.trees)?;
    let (points, queries) = demo::generate(dim, metric, args.n, args.n_queries);
    let demo::Prepared {
        index,
        file,
        build_seconds,
        size: index_size,
        load_seconds,
    } = demo::prepare(&points, dim, metric, args.trees, threads, "bench")?;
    let facts = IndexFacts {
        source: Source::Dataset {
            clusters: demo::CLUSTERS,
            queries: queries.len(),
            build: Build {
                seconds: build_seconds,
                threads,
            },
        },
        metric,
        dim,
        items: index.n_items(),
        trees: index.n_trees(),
        index_size,
        load_seconds,
        prefault: false,
        graph_degree: index.graph_degree(),
    };
    Ok(Opened {
        index,
        facts,
        queries,
        queries_file: None,
        points: Some(points),
        _file: Some(file),
    })
}

/// The true neighbours of each query (at most k) and where they came from.
fn ground_truth(
    args: &BenchArgs,
    index: &Index,
    queries: &Points,
    points: Option<&Points>,
    threads: usize,
) -> CliResult<(Vec<Vec<u32>>, Truth)> {
    let k = args.k;
    if let Some(points) = points {
        let truth = brute_force::nearest(index.metric(), points, queries, k, threads);
        return Ok((truth, Truth::Dataset));
    }
    if let Some(path) = &args.ground_truth {
        let truth = truth::from_file(path, index, queries.len(), k)?;
        return Ok((truth, Truth::File(path.clone())));
    }
    if let Some(path) = &args.data {
        let points = read_points(path, index.dim(), index.metric())?;
        if points.len() != index.n_items() {
            return Err(CliError::new(format!(
                "{}: {} vectors, but the index has {} items (--data must be the vectors the index was built from)",
                path.display(),
                points.len(),
                index.n_items()
            )));
        }
        let truth = brute_force::nearest(index.metric(), &points, queries, k, threads);
        return Ok((truth, Truth::Data(path.clone())));
    }
    let (truth, skipped) = truth::from_index(index, queries, k, threads)?;
    Ok((truth, Truth::IndexVectors { skipped }))
}

/// All vectors of a file, checked as the library would check them.
pub(crate) fn read_points(path: &Path, dim: usize, metric: Metric) -> CliResult<Points> {
    let mut values = Vec::new();
    let rows = input::read_vectors(path, dim, &mut |_, vector| {
        numbers::check_values(metric, vector)?;
        if let Some(p) = vector.iter().position(|x| !x.is_finite()) {
            return Err(CliError::new(format!(
                "value {} at position {p} is not a finite number",
                vector[p]
            )));
        }
        values.extend_from_slice(vector);
        Ok(())
    })?;
    if rows == 0 {
        return Err(CliError::new(format!(
            "{} holds no vectors",
            path.display()
        )));
    }
    Ok(Points { dim, values })
}

/// The search_k or ef values given to `flag` on the command line (`None` inside: -1, the
/// default); `None` when none were given.
pub(crate) fn requested_efforts(
    given: &[i64],
    flag: &str,
) -> CliResult<Option<Vec<Option<usize>>>> {
    if given.is_empty() {
        return Ok(None);
    }
    given
        .iter()
        .map(|&v| match v {
            -1 => Ok(None),
            v => usize::try_from(v).map(Some).map_err(|_| {
                CliError::new(format!(
                    "{flag} values must be at least 0 (or -1 for the default), got {v}"
                ))
            }),
        })
        .collect::<CliResult<_>>()
        .map(Some)
}

/// Annoy's default, then `DEFAULT_SEARCH_KS` up to the first that examines every item: with
/// n_items × n_trees candidates every item has been seen, and larger values measure the same
/// exhaustive search, only slower.
fn default_search_ks(k: usize, index: &Index) -> Vec<Option<usize>> {
    let everything = index.n_items().saturating_mul(index.n_trees());
    let mut last = k.saturating_mul(index.n_trees());
    let mut out = vec![None];
    for search_k in DEFAULT_SEARCH_KS {
        if last >= everything {
            break;
        }
        if search_k > last {
            out.push(Some(search_k));
            last = search_k;
        }
    }
    out
}

/// `--threads`: -1 for one per core.
fn thread_count(arg: i32) -> CliResult<usize> {
    match arg {
        -1 => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
        t if t >= 1 => Ok(t as usize),
        t => Err(CliError::new(format!(
            "--threads must be at least 1 (or -1 for one per core), got {t}"
        ))),
    }
}
