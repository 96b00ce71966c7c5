//! `Index`: the public face of the library.
//!
//! Life cycle, as in Annoy: `add_item`… → `build` → `save` (which leaves the index serving from
//! the saved file) — or `load` a file, then query. A built or loaded index answers queries
//! from any number of threads at once (`&self`, no lock); everything that changes it takes
//! `&mut self`.

use crate::error::{Error, Result};
use crate::forest::build::TreeBuilder;
use crate::forest::search::{Forest, Neighbor, Scratch};
use crate::format::f16::{f16_record_size, widen_record};
use crate::format::{Layout, Node, NodeBuf, NodeMut, ValueType};
use crate::metric::{with_space, AnySpace, DotLayout, Metric, Space};
use crate::query::{QueryOptions, SearchK};
use crate::random::DEFAULT_SEED;
use crate::storage::{Storage, TreeArea};
use std::ops::ControlFlow;
use std::path::Path;

mod files;
mod graph;
mod ids;
mod queries;
mod recall;
mod state;

pub use recall::{RecallPoint, RecallSample, Tuning};
use state::Operation;
pub use state::State;

/// The two file formats an index is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Annoy's `.ann` format, byte for byte: readable by Annoy, but it records neither metric
    /// nor dimension, and has no checksum.
    Annoy,
    /// The native format (`docs/format.md`): self-describing, checksummed, with metadata.
    Native,
}

/// What a query is about.
#[derive(Clone, Copy, Debug)]
pub enum Query<'a> {
    /// A vector of the index dimension (for hamming: one value per bit, > 0.5 is set).
    Vector(&'a [f32]),
    /// A stored item, by id.
    Item(u32),
}

/// A forest of random-projection trees over fixed-dimension vectors, file-compatible with
/// Annoy's `.ann` files.
pub struct Index {
    dim: usize,
    metric: Metric,
    /// The dot layout asked for; `None` writes 1.17.3's and detects it when loading.
    dot_layout_setting: Option<DotLayout>,
    /// The dot layout in use (meaningless for other metrics).
    dot_layout: DotLayout,
    space: AnySpace,
    seed: u64,
    storage: Storage,
    /// How the item records in `storage` hold their vectors: f16 only when serving a native
    /// file of value type 1.
    stored: ValueType,
    /// How native files written from this index store the item vectors.
    value_type: ValueType,
    n_items: usize,
    n_nodes: usize,
    roots: Vec<i32>,
    state: State,
    /// The graph over the items, when one was built (see `index::graph`).
    graph: Option<crate::graph::Graph>,
    /// `n_trees` of the last build (-1: automatic), recorded in native files.
    trees_requested: i64,
    /// The application's key-value pairs, recorded in native files; keys ascending.
    user: Vec<(String, Vec<u8>)>,
    /// Where a native file's external ids are in its bytes, when it has them.
    ids: Option<std::ops::Range<usize>>,
    /// External ids of items added with `add_item_with_id` (an index built in memory).
    external: Option<ids::ExternalIds>,
}

/// How far a build is, as [`Index::build_with_progress`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildProgress {
    /// Trees finished.
    pub trees_done: usize,
    /// Trees asked for; `None` for the automatic count, which stops when the tree nodes
    /// outnumber the items.
    pub trees_wanted: Option<usize>,
}

/// The largest dimension accepted (values, or bits for hamming).
pub const MAX_DIMENSION: usize = 1 << 20;
/// Ids are Annoy's signed 32-bit ids: `0..MAX_ITEMS`.
pub const MAX_ITEMS: usize = i32::MAX as usize;

impl Index {
    /// An empty index of vectors with `dim` values (bits, for hamming).
    pub fn new(dim: usize, metric: Metric) -> Result<Index> {
        if dim == 0 || dim > MAX_DIMENSION {
            return Err(Error::invalid(format!(
                "dimension must be between 1 and {}, got {dim}",
                MAX_DIMENSION
            )));
        }
        // A kernel set forced (ANNOY_KERNELS) that this CPU cannot run stops every index here.
        crate::metric::kernels::chosen().map_err(Error::invalid)?;
        Ok(Index {
            dim,
            metric,
            dot_layout_setting: None,
            dot_layout: DotLayout::Annoy117,
            space: AnySpace::new(metric, DotLayout::Annoy117, dim),
            seed: DEFAULT_SEED,
            storage: Storage::empty(),
            stored: ValueType::F32,
            value_type: ValueType::F32,
            n_items: 0,
            n_nodes: 0,
            roots: Vec::new(),
            state: State::Adding,
            graph: None,
            trees_requested: -1,
            user: Vec::new(),
            ids: None,
            external: None,
        })
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The dot layout written, or found in the loaded file.
    pub fn dot_layout(&self) -> DotLayout {
        self.dot_layout
    }

    /// Chooses the dot layout to write and to expect when loading (instead of detecting it).
    /// Only for the dot metric, and only while the index holds nothing.
    pub fn set_dot_layout(&mut self, layout: DotLayout) -> Result<()> {
        if self.metric != Metric::Dot {
            return Err(Error::invalid(
                "the dot layout applies to the dot metric only",
            ));
        }
        self.state.allows(Operation::Configure)?;
        if self.n_nodes > 0 {
            return Err(Error::state(
                "set the dot layout before adding or loading anything",
            ));
        }
        self.dot_layout_setting = Some(layout);
        self.dot_layout = layout;
        self.space = AnySpace::new(self.metric, layout, self.dim);
        Ok(())
    }

    /// How native files written from this index ([`Index::save_as`] in
    /// [`Format::Native`], [`Index::write_native`], [`Index::to_native_bytes`], …) store the
    /// item vectors: f32 (the default) or f16, half the size, with split planes, queries and
    /// distances still f32. Opening an f16 file sets it to f16, so saving it again keeps
    /// it. Annoy's format is always f32: an f16 index saved in it is widened. The index goes on
    /// serving what it holds until it is saved (a save serves from the file written).
    ///
    /// Fails with `InvalidArgument` for f16 with the hamming metric (its items are bits).
    pub fn set_value_type(&mut self, value_type: ValueType) -> Result<()> {
        if value_type == ValueType::F16 && self.metric == Metric::Hamming {
            return Err(Error::invalid(
                "hamming items are packed bits; f16 storage is for the float metrics",
            ));
        }
        self.value_type = value_type;
        Ok(())
    }

    /// How native files written from this index store the item vectors (see
    /// [`Index::set_value_type`]).
    pub fn value_type(&self) -> ValueType {
        self.value_type
    }

    /// How the index now holds its item vectors: f16 when it serves a native file of f16
    /// items, otherwise f32.
    pub fn stored_value_type(&self) -> ValueType {
        self.stored
    }

    /// Seeds the next build (tree `t` draws from a generator seeded from `seed` and `t`). Annoy's
    /// default seed otherwise.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Items count as in Annoy: the largest id added plus one, holes included.
    pub fn n_items(&self) -> usize {
        self.n_items
    }

    pub fn n_trees(&self) -> usize {
        self.roots.len()
    }

    /// Node records in the index: items, tree nodes and root copies.
    pub fn n_nodes(&self) -> usize {
        self.n_nodes
    }

    /// Bytes per node record; a saved index is `n_nodes() * node_size()` bytes.
    pub fn node_size(&self) -> usize {
        self.layout().node_size()
    }

    /// Where the index is in its life: adding items, built, or serving a loaded file.
    pub fn state(&self) -> State {
        self.state
    }

    /// Built here or loaded: ready for queries.
    pub fn is_built(&self) -> bool {
        self.state != State::Adding
    }

    /// Serving a read-only file.
    pub fn is_loaded(&self) -> bool {
        self.state == State::Loaded
    }

    fn layout(&self) -> Layout {
        with_space!(&self.space, s => s.layout())
    }

    /// Bytes per item record as stored: the node size, or less when the vectors are f16.
    fn item_size(&self) -> usize {
        match self.stored {
            ValueType::F32 => self.node_size(),
            ValueType::F16 => f16_record_size(&self.layout()),
        }
    }

    /// How to widen the stored item vectors for the metric, when they are f16.
    fn widen(&self) -> Option<crate::forest::search::Widen> {
        match self.stored {
            ValueType::F32 => None,
            ValueType::F16 => Some(crate::metric::kernels::best().widen_f16),
        }
    }

    /// The record of item `id` in the metric's (f32) layout: in place, or widened into
    /// `buf` when the vectors are stored as f16.
    fn item_f32<'a>(&'a self, id: u32, buf: &'a mut Option<NodeBuf>) -> Result<Node<'a>> {
        let node = self.item(id)?;
        let Some(widen) = self.widen() else {
            return Ok(node);
        };
        let layout = self.layout();
        let buf = buf.insert(NodeBuf::zeroed(layout.node_size()));
        widen_record(&layout, node.0, buf.node_mut().0, widen);
        Ok(buf.node())
    }

    fn check_vector(&self, vector: &[f32]) -> Result<()> {
        if vector.len() != self.dim {
            return Err(Error::Dimension {
                expected: self.dim,
                got: vector.len(),
            });
        }
        match vector.iter().position(|x| !x.is_finite()) {
            Some(position) => Err(Error::NotFinite { position }),
            None => Ok(()),
        }
    }

    /// The record of item `id`. As in Annoy, every id below `n_items` is valid; an id that
    /// was never added (a hole) reads as the zero vector.
    fn item(&self, id: u32) -> Result<Node<'_>> {
        if id as usize >= self.n_items {
            return Err(Error::UnknownItem {
                id: id as i64,
                n_items: self.n_items,
            });
        }
        Ok(self.forest().node(id as usize))
    }

    fn forest(&self) -> Forest<'_> {
        let layout = self.layout();
        Forest {
            regions: self.storage.regions(self.n_items * self.item_size()),
            layout,
            item_size: self.item_size(),
            widen: self.widen(),
            n_items: self.n_items,
            n_nodes: self.n_nodes,
            roots: &self.roots,
        }
    }

    /// Stores `vector` as item `id`, replacing any item of that id. Ids need not be
    /// contiguous: ids never added are holes that cost one record each.
    pub fn add_item(&mut self, id: u32, vector: &[f32]) -> Result<()> {
        self.state.allows(Operation::Add)?;
        if self.external.is_some() {
            return Err(Error::state(
                "items were added with external ids; add the rest with add_item_with_id",
            ));
        }
        self.check_vector(vector)?;
        self.store_item(id, vector)
    }

    fn check_addable(&self) -> Result<()> {
        self.state.allows(Operation::Add)
    }

    /// Stores a checked vector as item `id`.
    fn store_item(&mut self, id: u32, vector: &[f32]) -> Result<()> {
        let id = id as usize;
        if id >= MAX_ITEMS {
            return Err(Error::invalid(format!(
                "item id {id} is too large; ids must be below {}",
                MAX_ITEMS
            )));
        }
        let s = self.node_size();
        let n = self.n_items.max(id + 1);
        self.storage.grow_items(n * s)?;
        let bytes = self.storage.items_mut().expect("checked: not loaded");
        let record = &mut bytes[id * s..(id + 1) * s];
        record.fill(0);
        let mut node = NodeMut(record);
        node.set_i32(0, 1);
        with_space!(&self.space, sp => sp.store(&mut node, vector));
        self.n_items = n;
        self.n_nodes = n;
        Ok(())
    }

    /// Builds the index in the file at `path` instead of in memory, for indexes larger than
    /// RAM. Call it on an empty index, before `add_item`. The file is complete after `build`.
    pub fn on_disk_build(&mut self, path: impl AsRef<Path>) -> Result<()> {
        self.state.allows(Operation::Configure)?;
        if self.n_nodes > 0 {
            return Err(Error::state(
                "on_disk_build must be called on an empty index, before add_item",
            ));
        }
        self.storage = Storage::create_on_disk(path.as_ref(), self.node_size())?;
        Ok(())
    }

    /// Builds `n_trees` trees (`-1`: Annoy's automatic count) on `n_threads` threads (`-1`: one
    /// per core). The result is the same for every thread count.
    pub fn build(&mut self, n_trees: i32, n_threads: i32) -> Result<()> {
        self.build_with_progress(n_trees, n_threads, &mut |_| ControlFlow::Continue(()))
    }

    /// `build`, reporting to `progress` on the calling thread (never a build thread): at each
    /// finished tree and at least every 20 ms in between. Returning `ControlFlow::Break`
    /// cancels: the build threads stop within a node split or a block of margins, and the
    /// call returns [`Error::Cancelled`] with the index as it was before (unbuilt, its
    /// items intact, buildable again).
    pub fn build_with_progress(
        &mut self,
        n_trees: i32,
        n_threads: i32,
        progress: &mut dyn FnMut(BuildProgress) -> ControlFlow<()>,
    ) -> Result<()> {
        self.state.allows(Operation::Build)?;
        let limit = match n_trees {
            -1 => None,
            n if n >= 1 => Some(n as usize),
            n => {
                return Err(Error::invalid(format!(
                    "n_trees must be at least 1 (or -1 for automatic), got {n}"
                )))
            }
        };
        let threads = match n_threads {
            -1 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            // More threads than cores or trees gain nothing (the index is the same for
            // every count), and each costs a large stack.
            n if n >= 1 => (n as usize)
                .min(std::thread::available_parallelism().map_or(1, |n| n.get()))
                .min(limit.unwrap_or(usize::MAX)),
            n => {
                return Err(Error::invalid(format!(
                    "n_threads must be at least 1 (or -1 for one per core), got {n}"
                )))
            }
        };
        self.order_external_ids()?;
        let layout = self.layout();
        let s = layout.node_size();
        let n_items = self.n_items;
        let item_bytes = n_items * s;

        let items = self.storage.items_mut().expect("checked: not loaded");
        with_space!(&self.space, sp => sp.preprocess(&mut items[..item_bytes], n_items));
        let items = &self.storage.regions(item_bytes).0[..item_bytes];
        // Trees arrive in order and are appended as they come: memory holds the items, the
        // trees, and only the few trees that finished out of order.
        let mut area = TreeArea::default();
        let mut root_copies = Vec::new();
        let mut n_nodes = n_items;
        let mut too_large = false;
        let mut report = |trees_done| {
            progress(BuildProgress {
                trees_done,
                trees_wanted: limit,
            })
        };
        let mut no_memory = None;
        let mut built = with_space!(&self.space, sp => TreeBuilder::new(sp, items, n_items).build_forest(
            limit,
            threads,
            self.seed,
            &mut report,
            |tree| {
                // Annoy's automatic count: trees until the tree nodes outnumber the items (at
                // least one, where Annoy would build none and write an unloadable file).
                if limit.is_none() && n_nodes >= 2 * n_items && !root_copies.is_empty() {
                    return false;
                }
                let records = tree.placed_at(&layout, n_nodes);
                let n_records = records.len() / s;
                // 32-bit node ids must reach every node, root copies included.
                if n_nodes + n_records + root_copies.len() / s + 1 > i32::MAX as usize {
                    too_large = true;
                    return false;
                }
                if let (Some(n_trees), true) = (limit, root_copies.is_empty()) {
                    // The first tree tells the size of the others within a few percent.
                    // n_trees is the caller's: an estimate beyond memory fails now, cleanly.
                    let estimate = ((records.len() + s).saturating_mul(n_trees) / 20).saturating_mul(21);
                    if let Err(e) = area.reserve(estimate) {
                        no_memory = Some(e);
                        return false;
                    }
                }
                if let Err(e) = area.append(&records) {
                    no_memory = Some(e);
                    return false;
                }
                // Every root is also copied to the end of the file, where `load` finds them.
                root_copies.extend_from_slice(&records[records.len() - s..]);
                n_nodes += n_records;
                true
            },
        ));
        if let Some(e) = no_memory {
            built = built.and(Err(e));
        }
        if built.is_ok() && too_large {
            built = Err(Error::invalid(
                "the index would have more nodes than 32-bit node ids can address",
            ));
        }
        // Failed or cancelled: the items as they were (the trees built so far are dropped).
        built?;
        let roots = (n_nodes..n_nodes + root_copies.len() / s)
            .map(|i| i as i32)
            .collect();
        area.append(&root_copies)?;
        let n_nodes = n_nodes + root_copies.len() / s;
        self.storage.set_trees(item_bytes, area)?;
        self.trees_requested = n_trees as i64;
        let items = self.storage.items_mut().expect("checked: not loaded");
        with_space!(&self.space, sp => sp.postprocess(&mut items[..item_bytes], n_items));
        self.storage.flush()?;
        self.n_nodes = n_nodes;
        self.roots = roots;
        self.state = State::Built;
        Ok(())
    }

    /// Drops the trees, keeping the items, so more can be added and the index rebuilt.
    pub fn unbuild(&mut self) -> Result<()> {
        self.state.allows(Operation::Unbuild)?;
        self.storage.drop_trees(self.n_items * self.node_size())?;
        if let Some(ids) = self.external.as_mut() {
            ids.sorted_le.clear();
        }
        self.n_nodes = self.n_items;
        self.roots.clear();
        self.state = State::Adding;
        self.graph = None;
        Ok(())
    }

    /// Releases the items, trees and any file map. The index is then empty, with its metric,
    /// dimension, seed and dot layout setting kept.
    pub fn unload(&mut self) {
        let layout = self.dot_layout_setting.unwrap_or(DotLayout::Annoy117);
        self.storage = Storage::empty();
        self.stored = ValueType::F32;
        self.space = AnySpace::new(self.metric, layout, self.dim);
        self.dot_layout = layout;
        self.n_items = 0;
        self.n_nodes = 0;
        self.roots.clear();
        self.state = State::Adding;
        self.graph = None;
        self.ids = None;
        self.external = None;
    }

    /// The `n` nearest neighbours of `query`, nearest first, looking at `search_k` candidates
    /// (`None`: `n × n_trees`, Annoy's default). More candidates: better recall, slower.
    /// [`Index::query_with_options`] takes every option (filters, an unlimited search).
    pub fn query(
        &self,
        query: Query<'_>,
        n: usize,
        search_k: Option<usize>,
    ) -> Result<Vec<Neighbor>> {
        let mut scratch = Scratch::new();
        self.query_with(query, n, search_k, &mut scratch)?;
        Ok(std::mem::take(&mut scratch.results))
    }

    /// `query` using caller-owned working memory: once `scratch` has grown to the sizes a
    /// query needs, queries allocate nothing. The results live in `scratch`.
    pub fn query_with<'s>(
        &self,
        query: Query<'_>,
        n: usize,
        search_k: Option<usize>,
        scratch: &'s mut Scratch,
    ) -> Result<&'s [Neighbor]> {
        let search_k = search_k.map_or(SearchK::Default, SearchK::Limit);
        self.query_with_options(query, &QueryOptions::new(n).search_k(search_k), scratch)
    }

    /// The stored vector of item `id` (for hamming: 0.0/1.0 per bit). Items stored as f16
    /// come back widened, exactly: each value is the f16 nearest the one added.
    pub fn item_vector(&self, id: u32) -> Result<Vec<f32>> {
        let mut buf = None;
        let node = self.item_f32(id, &mut buf)?;
        let mut out = Vec::with_capacity(self.dim);
        with_space!(&self.space, sp => sp.vector(node, &mut out));
        Ok(out)
    }

    /// The distance between items `i` and `j`, in the metric's user units.
    pub fn distance(&self, i: u32, j: u32) -> Result<f32> {
        let (mut buf_a, mut buf_b) = (None, None);
        let (a, b) = (self.item_f32(i, &mut buf_a)?, self.item_f32(j, &mut buf_b)?);
        Ok(with_space!(&self.space, sp => sp.user_distance(sp.distance(a, b))))
    }
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("dim", &self.dim)
            .field("metric", &self.metric)
            .field("n_items", &self.n_items)
            .field("n_trees", &self.n_trees())
            .field("state", &self.state)
            .finish()
    }
}
