//! What `annoy bench` found, and how it is shown: lines of text as the numbers arrive, or
//! one JSON document at the end.

use super::measure::Measured;
use crate::{index_file, json};
use annoy::Metric;
use std::path::{Path, PathBuf};

/// Where the index came from.
pub enum Source {
    File(PathBuf),
    /// The built-in dataset, built by the bench.
    Dataset {
        clusters: usize,
        queries: usize,
        build: Build,
    },
}

pub struct Build {
    pub seconds: f64,
    pub threads: usize,
}

/// Where the ground truth came from.
pub enum Truth {
    File(PathBuf),
    /// Brute force over the vectors of this file.
    Data(PathBuf),
    /// Brute force over the index's own vectors; all-zero ones (holes) skipped.
    IndexVectors {
        skipped: usize,
    },
    /// Brute force over the built-in dataset's points.
    Dataset,
}

/// One effort of the sweep.
pub struct Step {
    /// The search_k or beam width used (the default worked out when `default`).
    pub value: usize,
    pub default: bool,
    pub measured: Measured,
}

/// The index measured, known before the ground truth is.
pub struct IndexFacts {
    pub source: Source,
    pub metric: Metric,
    pub dim: usize,
    pub items: usize,
    pub trees: usize,
    pub index_size: u64,
    pub load_seconds: f64,
    pub prefault: bool,
    /// The graph's edges per item, when the index has one (queries then search it).
    pub graph_degree: Option<usize>,
}

pub struct Report {
    pub index: IndexFacts,
    pub queries: usize,
    /// `None`: the built-in dataset's held-out points.
    pub queries_file: Option<PathBuf>,
    pub k: usize,
    pub truth: Truth,
    pub truth_seconds: f64,
    /// Threads of the batch runs and of the brute force.
    pub threads: usize,
    pub runs: usize,
    /// What the sweep varies: "search_k", or "ef" for an index with a graph.
    pub column: &'static str,
    pub sweep: Vec<Step>,
}

impl IndexFacts {
    /// What the index is, its size and load time (one or two lines).
    pub fn index_text(&self) -> String {
        let size = format!(
            "{} ({} bytes)",
            index_file::human_size(self.index_size),
            self.index_size
        );
        let load = format!(
            "load ({}) {:.3} ms",
            if self.prefault {
                "mmap, prefault"
            } else {
                "mmap"
            },
            self.load_seconds * 1e3
        );
        let graph = match self.graph_degree {
            Some(degree) => format!(", a graph of degree {degree}"),
            None => String::new(),
        };
        match &self.source {
            Source::File(path) => format!(
                "index: {}: {} items, {} trees{graph}, {}, {}-d, {size}; {load}\n",
                path.display(),
                self.items,
                self.trees,
                self.metric,
                self.dim
            ),
            Source::Dataset {
                clusters,
                queries,
                build,
            } => format!(
                "dataset: {} points and {queries} held-out queries, {}-d, {clusters} gaussian blobs, {}\n\
                 build: {} trees on {} threads, {:.2} s; index {size}; {load}\n",
                self.items, self.dim, self.metric, self.trees, build.threads, build.seconds
            ),
        }
    }
}

impl Report {
    /// The queries (for an index file) and where the ground truth came from.
    pub fn truth_text(&self) -> String {
        let queries = match &self.queries_file {
            Some(path) => format!("queries: {}, {} vectors\n", path.display(), self.queries),
            None => String::new(),
        };
        let threads = self.threads;
        let seconds = self.truth_seconds;
        let truth = match &self.truth {
            Truth::File(path) => {
                format!("ground truth: {} ({seconds:.2} s to read)", path.display())
            }
            Truth::Data(path) => format!(
                "ground truth: brute force over {} on {threads} threads, {seconds:.2} s",
                path.display()
            ),
            Truth::IndexVectors { skipped } => format!(
                "ground truth: brute force over the index's own vectors on {threads} threads, \
                 {seconds:.2} s ({skipped} all-zero items skipped as holes)"
            ),
            Truth::Dataset => format!(
                "ground truth: brute force over the {} points on {threads} threads, {seconds:.2} s",
                self.index.items
            ),
        };
        format!("{queries}{truth}\n")
    }

    /// The sweep table's title and header.
    pub fn table_header(&self) -> String {
        let batch = format!("q/s {} threads", self.threads);
        format!(
            "queries per second: the best of {} over all queries\n{:>10}  {:>10}  {:>12}  {:>w$}\n",
            runs(self.runs),
            self.column,
            format!("recall@{}", self.k),
            "q/s 1 thread",
            batch,
            w = batch.len().max(12)
        )
    }

    /// One table row.
    pub fn row_text(&self, step: &Step) -> String {
        let m = &step.measured;
        let recall = if m.recall.is_nan() {
            "n/a".to_string()
        } else {
            format!("{:.4}", m.recall)
        };
        let note = if step.default { "  (default)" } else { "" };
        let w = format!("q/s {} threads", self.threads).len().max(12);
        format!(
            "{:>10}  {recall:>10}  {:>12.0}  {:>w$.0}{note}\n",
            step.value,
            self.qps(m.single_seconds),
            self.qps(m.batch_seconds),
        )
    }

    fn qps(&self, seconds: f64) -> f64 {
        self.queries as f64 / seconds.max(1e-9)
    }

    /// Every number, as one JSON document and a newline.
    pub fn json(&self) -> String {
        let path = |p: &Path| json::string(&p.display().to_string());
        let null = || "null".to_string();
        let facts = &self.index;
        let (index, dataset, build_seconds, build_threads) = match &facts.source {
            Source::File(p) => (path(p), null(), null(), null()),
            Source::Dataset {
                clusters,
                queries,
                build,
            } => (
                null(),
                json::object(&[
                    ("points", facts.items.to_string()),
                    ("queries", queries.to_string()),
                    ("clusters", clusters.to_string()),
                ]),
                json::float(build.seconds),
                build.threads.to_string(),
            ),
        };
        let (truth_source, truth_path, skipped) = match &self.truth {
            Truth::File(p) => ("file", path(p), null()),
            Truth::Data(p) => ("data", path(p), null()),
            Truth::IndexVectors { skipped } => ("index", null(), skipped.to_string()),
            Truth::Dataset => ("dataset", null(), null()),
        };
        let sweep = json::array(self.sweep.iter().map(|step| {
            let m = &step.measured;
            json::object(&[
                (self.column, step.value.to_string()),
                ("default", step.default.to_string()),
                ("recall", json::float(m.recall)),
                ("qps_single", json::float(self.qps(m.single_seconds))),
                ("qps_batch", json::float(self.qps(m.batch_seconds))),
                ("seconds_single", json::float(m.single_seconds)),
                ("seconds_batch", json::float(m.batch_seconds)),
            ])
        }));
        let doc = json::object(&[
            ("index", index),
            ("dataset", dataset),
            ("metric", json::string(&facts.metric.to_string())),
            ("dim", facts.dim.to_string()),
            ("items", facts.items.to_string()),
            ("trees", facts.trees.to_string()),
            (
                "graph_degree",
                facts.graph_degree.map_or_else(null, |d| d.to_string()),
            ),
            ("build_seconds", build_seconds),
            ("build_threads", build_threads),
            ("index_size", facts.index_size.to_string()),
            ("load_seconds", json::float(facts.load_seconds)),
            ("prefault", facts.prefault.to_string()),
            ("queries", self.queries.to_string()),
            (
                "queries_file",
                self.queries_file.as_deref().map_or_else(null, path),
            ),
            ("k", self.k.to_string()),
            (
                "ground_truth",
                json::object(&[
                    ("source", json::string(truth_source)),
                    ("path", truth_path),
                    ("seconds", json::float(self.truth_seconds)),
                    ("skipped_zero_items", skipped),
                ]),
            ),
            ("threads", self.threads.to_string()),
            ("runs", self.runs.to_string()),
            (
                "timing",
                json::string(&format!("best of {}", runs(self.runs))),
            ),
            ("simd", json::string(annoy::simd_kernels())),
            ("sweep", sweep),
        ]);
        format!("{doc}\n")
    }
}

/// "1 run", "3 runs".
fn runs(n: usize) -> String {
    if n == 1 {
        "1 run".to_string()
    } else {
        format!("{n} runs")
    }
}
