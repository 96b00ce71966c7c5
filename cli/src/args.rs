//! The command line, as clap derive types.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "annoy",
    version,
    about = "Approximate nearest neighbours: build, query and inspect Annoy (.ann) index files"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build an index from a file of vectors (.npy, .fvecs or text) and save it.
    Build(BuildArgs),
    /// Find the nearest neighbours of an item or a vector in a saved index.
    Query(QueryArgs),
    /// Show the size and shape of a saved index.
    Info(InfoArgs),
    /// Rewrite an index file in the other format (Annoy's ↔ native).
    Convert(ConvertArgs),
    /// Check an index file: every checksum of a native file, the structure of either format.
    Verify(VerifyArgs),
    /// Build and query an index of generated data; report recall and speed.
    Demo(DemoArgs),
    /// Measure recall@k and queries per second over a sweep of search_k (of ef, for an index
    /// with a graph), for a saved index and a file of queries, or (without --index) for the
    /// built-in dataset.
    Bench(BenchArgs),
    /// Find the smallest search_k (for an index with a graph: the smallest of the --ef widths)
    /// whose recall@k reaches a target, against brute force on a sample of the index's items
    /// (or given queries); prints effort, recall and queries/s.
    Tune(TuneArgs),
}

#[derive(Args, Debug)]
pub struct TuneArgs {
    /// The index file.
    #[arg(long)]
    pub index: PathBuf,
    #[command(flatten)]
    pub shape: IndexShape,
    /// The recall@k to reach, between 0 and 1.
    #[arg(long, default_value_t = 0.9)]
    pub target_recall: f64,
    /// Neighbours per query: recall@k.
    #[arg(short = 'k', default_value_t = 10)]
    pub k: usize,
    /// Query vectors (.npy, .fvecs or text) instead of a sample of stored items.
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Stored items to query when no --queries are given (each costs a brute-force scan).
    #[arg(long, default_value_t = 200)]
    pub sample: usize,
    /// Seed of the item sample.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// For an index with a graph: the beam widths to measure, comma-separated (-1: the
    /// library's default); the table then shows ef, recall and queries/s, the smallest width
    /// reaching the target marked [default for a graph: 16,32,64,128,256].
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub ef: Vec<i64>,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
    /// Read the whole index into memory when opening it.
    #[arg(long)]
    pub prefault: bool,
}

/// What an Annoy file does not record, so a command that opens one must be told. A native
/// file records both (given anyway, they must match).
#[derive(Args, Debug)]
pub struct IndexShape {
    /// Distance: angular, euclidean, manhattan, dot or hamming [needed for Annoy files and
    /// for building].
    #[arg(long)]
    pub metric: Option<String>,
    /// Values per vector (bits, for hamming) [needed for Annoy files and for building from
    /// text; .npy and .fvecs headers give it].
    #[arg(long)]
    pub dim: Option<usize>,
    /// File layout of the dot metric: Annoy 1.17.3's or Annoy main's. Detected when loading
    /// if not given; 1.17 when building.
    #[arg(long, value_enum)]
    pub dot_layout: Option<DotLayoutArg>,
}

/// Index file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Annoy's .ann layout, readable by Annoy (records no metric or dimension).
    Annoy,
    /// The native format: self-describing and checksummed.
    Native,
}

impl From<FormatArg> for annoy::Format {
    fn from(arg: FormatArg) -> Self {
        match arg {
            FormatArg::Annoy => annoy::Format::Annoy,
            FormatArg::Native => annoy::Format::Native,
        }
    }
}

/// How a native file stores the item vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ValueTypeArg {
    /// 4 bytes a value.
    F32,
    /// IEEE binary16, 2 bytes a value: half the size; distances are still computed in f32.
    F16,
}

impl From<ValueTypeArg> for annoy::ValueType {
    fn from(arg: ValueTypeArg) -> Self {
        match arg {
            ValueTypeArg::F32 => annoy::ValueType::F32,
            ValueTypeArg::F16 => annoy::ValueType::F16,
        }
    }
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The index file to read (an Annoy file needs --metric and --dim).
    #[arg(long)]
    pub input: PathBuf,
    #[command(flatten)]
    pub shape: IndexShape,
    /// The file to write.
    #[arg(long)]
    pub output: PathBuf,
    /// The format to write [default: the other one; native with --value-type].
    #[arg(long, value_enum)]
    pub to: Option<FormatArg>,
    /// How the native file written stores the item vectors [default: as the input does].
    /// Annoy's format is always f32.
    #[arg(long, value_enum)]
    pub value_type: Option<ValueTypeArg>,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The index file (an Annoy file needs --metric and --dim).
    #[arg(long)]
    pub index: PathBuf,
    #[command(flatten)]
    pub shape: IndexShape,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DotLayoutArg {
    #[value(name = "1.17")]
    Annoy117,
    #[value(name = "main")]
    AnnoyMain,
}

impl From<DotLayoutArg> for annoy::DotLayout {
    fn from(arg: DotLayoutArg) -> Self {
        match arg {
            DotLayoutArg::Annoy117 => annoy::DotLayout::Annoy117,
            DotLayoutArg::AnnoyMain => annoy::DotLayout::AnnoyMain,
        }
    }
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    pub shape: IndexShape,
    /// Number of trees (-1: Annoy's automatic count).
    #[arg(long, allow_negative_numbers = true)]
    pub trees: i32,
    /// Build threads (-1: one per core). The index is the same for every count.
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    pub threads: i32,
    /// Random seed (tree t draws from a generator seeded from it and t).
    #[arg(long, default_value_t = annoy::DEFAULT_SEED)]
    pub seed: u64,
    /// Build in the output file instead of in memory (for indexes larger than RAM).
    #[arg(long)]
    pub on_disk: bool,
    /// Vectors: .npy (2-D float32/float64), .fvecs, or text (one vector a line).
    #[arg(long)]
    pub input: PathBuf,
    /// The index file to write.
    #[arg(long)]
    pub output: PathBuf,
    /// The format to write: Annoy's (readable by Annoy) or native (self-describing:
    /// `info` and `query` then need no --metric or --dim).
    #[arg(long, value_enum, default_value = "annoy")]
    pub format: FormatArg,
    /// How the native file stores the item vectors (f16 needs --format native). The trees
    /// are built from the f32 input either way.
    #[arg(long, value_enum, default_value = "f32")]
    pub value_type: ValueTypeArg,
    /// Also build a graph over the items (needs --format native, which stores it): queries
    /// then search the graph, with --ef as their effort.
    #[arg(long)]
    pub graph: bool,
    /// The graph's edges per item [default: the library's].
    #[arg(long, requires = "graph")]
    pub degree: Option<usize>,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["item", "vector"])))]
pub struct QueryArgs {
    /// The index file.
    #[arg(long)]
    pub index: PathBuf,
    #[command(flatten)]
    pub shape: IndexShape,
    /// Query by a stored item id.
    #[arg(long)]
    pub item: Option<u32>,
    /// Query by a vector: values separated by commas (negative values are fine).
    #[arg(long, allow_hyphen_values = true)]
    pub vector: Option<String>,
    /// Number of neighbours.
    #[arg(short = 'n', default_value_t = 10)]
    pub n: usize,
    /// Candidates to examine (-1: n × trees, Annoy's default; other negative values: no limit,
    /// as in Annoy). More: better recall, slower.
    #[arg(long, allow_negative_numbers = true)]
    pub search_k: Option<i64>,
    /// The graph's beam width, for a native file with a graph [default: the library's].
    #[arg(long)]
    pub ef: Option<usize>,
    /// Print one JSON line {"ids":[…],"distances":[…]}.
    #[arg(long)]
    pub json: bool,
    /// Read the whole index into memory when opening it.
    #[arg(long)]
    pub prefault: bool,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The index file.
    #[arg(long)]
    pub index: PathBuf,
    #[command(flatten)]
    pub shape: IndexShape,
    /// Print one JSON line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Points in the index.
    #[arg(long, default_value_t = 20_000)]
    pub n: usize,
    /// Held-out query points.
    #[arg(long, default_value_t = 1_000)]
    pub queries: usize,
    /// Dimension.
    #[arg(long, default_value_t = 64)]
    pub dim: usize,
    /// Number of trees (-1: Annoy's automatic count).
    #[arg(long, default_value_t = 10, allow_negative_numbers = true)]
    pub trees: i32,
    /// Distance: angular, euclidean, manhattan, dot or hamming.
    #[arg(long, default_value = "angular")]
    pub metric: String,
    /// Threads for the build and the brute-force ground truth (-1: one per core).
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    pub threads: i32,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The index file to measure. Without it, the built-in dataset (`annoy demo`'s gaussian
    /// blobs) is generated, built and measured.
    #[arg(long, requires_all = ["metric", "dim", "queries"])]
    pub index: Option<PathBuf>,
    /// Distance: angular, euclidean, manhattan, dot or hamming [built-in dataset: angular].
    #[arg(long)]
    pub metric: Option<String>,
    /// Values per vector (bits, for hamming) [built-in dataset: 64].
    #[arg(long)]
    pub dim: Option<usize>,
    /// File layout of the dot metric (detected when loading if not given).
    #[arg(long, value_enum, requires = "index")]
    pub dot_layout: Option<DotLayoutArg>,
    /// Query vectors: .npy, .fvecs or text.
    #[arg(long, requires = "index")]
    pub queries: Option<PathBuf>,
    /// The true neighbours of each query, nearest first: .ivecs, or .npy of int32/int64
    /// (one row per query, at least k ids a row).
    #[arg(long, requires = "index", conflicts_with = "data")]
    pub ground_truth: Option<PathBuf>,
    /// The vectors the index was built from (row n = item n), for brute-force ground truth.
    /// Without --ground-truth or --data, the index's own vectors are used, all-zero ones
    /// skipped (ids never added read back as zeros, and queries never return them).
    #[arg(long, requires = "index")]
    pub data: Option<PathBuf>,
    /// Neighbours per query: recall@k.
    #[arg(short = 'k', default_value_t = 10)]
    pub k: usize,
    /// search_k values to measure, comma-separated (-1: Annoy's default, k × trees)
    /// [default: -1,1000,10000,100000, up to the first that examines every item].
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub search_k: Vec<i64>,
    /// For an index with a graph (`annoy build --graph`): the beam widths to measure instead
    /// of search_k, comma-separated (-1: the library's default) [default for a graph:
    /// 16,32,64,128,256].
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        requires = "index",
        conflicts_with = "search_k"
    )]
    pub ef: Vec<i64>,
    /// Threads for the batch run, the brute-force ground truth and the build (-1: one per core).
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    pub threads: i32,
    /// Timed passes over the queries for each search_k; the fastest is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Print one JSON document with every number.
    #[arg(long)]
    pub json: bool,
    /// Read the whole index into memory when opening it.
    #[arg(long, requires = "index")]
    pub prefault: bool,
    /// Built-in dataset: points in the index.
    #[arg(long, default_value_t = 20_000, conflicts_with = "index")]
    pub n: usize,
    /// Built-in dataset: held-out query points.
    #[arg(long, default_value_t = 1_000, conflicts_with = "index")]
    pub n_queries: usize,
    /// Built-in dataset: number of trees (-1: Annoy's automatic count).
    #[arg(
        long,
        default_value_t = 10,
        allow_negative_numbers = true,
        conflicts_with = "index"
    )]
    pub trees: i32,
}
