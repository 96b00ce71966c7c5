//! Opening and saving an index: Annoy's files by path (the caller gives the metric and
//! dimension), native files by path or from a buffer (the file gives everything), writing
//! either format, and `verify`.

use super::{Format, Index, Operation, State};
use crate::error::{Error, Result};
use crate::format::annoy::{check_size, check_structure, detect_dot_layout, find_roots};
use crate::format::f16::{f16_record_size, narrow_record, round_vector, widen_record};
use crate::format::{native, Node, NodeBuf, ValueType};
use crate::graph::Graph;
use crate::metric::{with_space, AnySpace, DotLayout, Metric, Space};
use crate::storage::{write_replacing, FileBytes, Storage};
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

impl Format {
    /// The format of a file that starts with `head` (its first 8 bytes suffice): native when
    /// it carries the native magic, else Annoy's (which has no magic to check).
    pub fn of_bytes(head: &[u8]) -> Format {
        if native::is_native(head) {
            Format::Native
        } else {
            Format::Annoy
        }
    }
}

impl Index {
    /// Opens the native index file at `path`, mapped read-only and shared between processes:
    /// the metric, dimension and everything else come from the file. `prefault` reads the
    /// whole file in now. Checks the header, the section table, the metadata and the section
    /// sizes, but reads no vector: `verify` checks the rest. An Annoy file is refused (it
    /// records no metric or dimension: use `Index::new` and `load`).
    pub fn open(path: impl AsRef<Path>, prefault: bool) -> Result<Index> {
        let path = path.as_ref();
        let map = Storage::map_file(path, prefault)?;
        if !native::is_native(&map) {
            return Err(Error::corrupt(format!(
                "{} is not a native index file (an Annoy file records no metric or dimension: \
                 create an index of the right metric and dimension and load it)",
                path.display()
            )));
        }
        Index::from_native(FileBytes::Map(map))
    }

    /// Opens a native index from a copy of `bytes` (which can be dropped at once).
    pub fn open_bytes(bytes: &[u8]) -> Result<Index> {
        native::parse(bytes)?;
        Index::from_native(FileBytes::copy_of(bytes)?)
    }

    /// Opens a native index in `bytes` without copying them.
    ///
    /// `bytes` must start at an address that is a multiple of 8 (an `InvalidArgument` error
    /// otherwise); a multiple of 64 gives the fastest queries.
    ///
    /// # Safety
    /// The caller keeps `bytes` alive and unchanged for as long as the returned index (and
    /// anything it is moved into) lives. Changing or freeing them meanwhile is undefined
    /// behaviour; the index never writes to them.
    pub unsafe fn open_borrowed(bytes: &[u8]) -> Result<Index> {
        if bytes.as_ptr().align_offset(8) != 0 {
            return Err(Error::invalid(
                "a borrowed index buffer must start at an address that is a multiple of 8",
            ));
        }
        // SAFETY: the caller's contract above is the one `FileBytes::borrowed` needs.
        Index::from_native(unsafe { FileBytes::borrowed(bytes) })
    }

    fn from_native(bytes: FileBytes) -> Result<Index> {
        let parsed = native::parse(bytes.bytes())?;
        let meta = &parsed.meta;
        let mut index = Index::new(meta.dim, meta.metric)?;
        if meta.metric == Metric::Dot {
            index.set_dot_layout(meta.dot_layout)?;
        }
        index.seed = meta.seed;
        index.install_native(bytes, parsed)?;
        Ok(index)
    }

    /// Serves from the checked native file `bytes`, keeping the index's seed and settings,
    /// with the graph the file holds (its rows read in place). On error (a damaged graph)
    /// the index is unchanged.
    fn install_native(&mut self, bytes: FileBytes, parsed: native::Parsed) -> Result<()> {
        let data = bytes.bytes();
        let sections: Vec<(u32, &[u8])> = parsed
            .graph
            .iter()
            .map(|(kind, r)| (*kind, &data[r.clone()]))
            .collect();
        // The rows point into `bytes`, which moves into `self.storage` below without moving
        // the memory it owns or maps; `self.graph` is replaced whenever `storage` is.
        let graph = Graph::from_file_sections(&sections, parsed.meta.n_items)?;
        let meta = parsed.meta;
        self.space = AnySpace::new(meta.metric, meta.dot_layout, meta.dim);
        self.dot_layout = meta.dot_layout;
        self.n_items = meta.n_items;
        self.n_nodes = meta.n_items + meta.n_tree_records;
        self.roots = (self.n_nodes - meta.n_roots..self.n_nodes)
            .map(|i| i as i32)
            .collect();
        self.trees_requested = meta.trees_requested;
        self.stored = meta.value_type;
        self.value_type = meta.value_type;
        self.user = meta.user;
        self.ids = parsed.ids;
        self.external = None;
        self.storage = Storage::Native {
            bytes,
            items: parsed.items,
            trees: parsed.forest,
        };
        self.state = State::Loaded;
        self.graph = graph;
        Ok(())
    }

    /// Maps the index file at `path` read-only (shared between processes) and serves queries
    /// from it; `prefault` reads the whole file in now rather than on first use. Either
    /// format: a native file must hold an index of this index's metric and dimension (an
    /// error says what it holds); an Annoy file records neither, so they must be the ones it
    /// was built with. Replaces whatever the index held; on error the index is unchanged.
    pub fn load(&mut self, path: impl AsRef<Path>, prefault: bool) -> Result<()> {
        self.load_as(path.as_ref(), prefault, self.dot_layout_setting)
    }

    /// `load` from a copy of `bytes` (either format), for files kept in memory or archives.
    pub fn load_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        if native::is_native(bytes) {
            native::parse(bytes)?;
        }
        self.load_from(
            FileBytes::copy_of(bytes)?,
            "the buffer",
            self.dot_layout_setting,
        )
    }

    /// `load` with a known dot layout, or `None` to detect it.
    fn load_as(
        &mut self,
        path: &Path,
        prefault: bool,
        dot_layout: Option<DotLayout>,
    ) -> Result<()> {
        let map = Storage::map_file(path, prefault)?;
        self.load_from(FileBytes::Map(map), &path.display().to_string(), dot_layout)
    }

    /// Serves from `bytes`, a file of either format named `name` in messages.
    fn load_from(
        &mut self,
        bytes: FileBytes,
        name: &str,
        dot_layout: Option<DotLayout>,
    ) -> Result<()> {
        let data = bytes.bytes();
        if native::is_native(data) {
            let parsed = native::parse(data)?;
            let meta = &parsed.meta;
            if meta.metric != self.metric || meta.dim != self.dim {
                return Err(Error::invalid(format!(
                    "{name} holds a {} index of dimension {}, not {} of dimension {}",
                    meta.metric, meta.dim, self.metric, self.dim
                )));
            }
            if let (Metric::Dot, Some(want)) = (self.metric, dot_layout) {
                if want != meta.dot_layout {
                    return Err(Error::invalid(format!(
                        "{name} holds dot records in the {:?} layout, not {want:?}",
                        meta.dot_layout
                    )));
                }
            }
            return self.install_native(bytes, parsed);
        }
        if data.is_empty() {
            return Err(Error::corrupt(format!("{name} is empty")));
        }
        let dot_layout = match (self.metric, dot_layout) {
            (Metric::Dot, None) => detect_dot_layout(data, self.dim)?,
            (_, layout) => layout.unwrap_or(DotLayout::Annoy117),
        };
        let space = AnySpace::new(self.metric, dot_layout, self.dim);
        let layout = with_space!(&space, s => s.layout());
        let n_nodes = check_size(data.len(), &layout, self.metric, self.dim)
            .map_err(|e| Error::corrupt(format!("{name}: {}", strip(e))))?;
        let (n_items, roots) = find_roots(data, &layout, n_nodes)?;
        self.storage = Storage::Mapped(bytes);
        self.stored = ValueType::F32;
        self.space = space;
        self.dot_layout = dot_layout;
        self.n_items = n_items;
        self.n_nodes = n_nodes;
        self.roots = roots;
        self.ids = None;
        self.external = None;
        self.user.clear();
        self.state = State::Loaded;
        self.graph = None;
        Ok(())
    }

    /// Writes the index to `path` in Annoy's format and then serves it from there
    /// (read-only), as Annoy does. See `save_as`.
    pub fn save(&mut self, path: impl AsRef<Path>, prefault: bool) -> Result<()> {
        self.save_as(path, Format::Annoy, prefault)
    }

    /// Writes the index to `path` in `format`, then serves it from there (read-only). The
    /// file is written under a temporary name and renamed into place, so processes that have
    /// the old file mapped keep reading the old contents; a path that is not a regular file
    /// (a pipe, a device) is refused. On failure the index keeps serving what it had.
    pub fn save_as(
        &mut self,
        path: impl AsRef<Path>,
        format: Format,
        prefault: bool,
    ) -> Result<()> {
        match format {
            // The native file holds the graph; serving it reads the graph back from there.
            Format::Native => self.write_and_serve(path.as_ref(), format, prefault),
            // Annoy's format holds the forest only. The graph stays in memory, owning its
            // rows (the file they may be read from is about to be replaced).
            Format::Annoy => {
                let graph = self.graph.take().map(Graph::into_owned);
                let saved = self.write_and_serve(path.as_ref(), format, prefault);
                self.graph = graph;
                saved
            }
        }
    }

    fn write_and_serve(&mut self, path: &Path, format: Format, prefault: bool) -> Result<()> {
        self.check_saveable()?;
        match format {
            Format::Annoy => {
                if self.external.is_some() {
                    return Err(Error::state(
                        "the index has external ids, which Annoy's format cannot hold; save it \
                         in the native format",
                    ));
                }
                let same_file = self
                    .storage
                    .on_disk_path()
                    .is_some_and(|p| same_path(p, path));
                if same_file {
                    self.storage.flush()?;
                } else {
                    // Annoy's records are f32: f16 items are widened (exactly).
                    let items = self.items_as(ValueType::F32)?;
                    let (_, trees) = self.records();
                    write_replacing(path, |w| {
                        w.write_all(&items)?;
                        w.write_all(trees)
                    })?;
                }
                // The layout just written is known: no detection.
                self.load_as(path, prefault, Some(self.dot_layout))
            }
            Format::Native => {
                self.storage.flush()?;
                let plan = self.native_plan()?;
                write_replacing(path, |w| plan.write_to(w))?;
                let map = Storage::map_file(path, prefault)?;
                let parsed = native::parse(&map)?;
                self.install_native(FileBytes::Map(map), parsed)
            }
        }
    }

    fn check_saveable(&self) -> Result<()> {
        self.state.allows(Operation::Save)?;
        Ok(())
    }

    /// The item records (as stored: f16 ones are smaller) and the tree records.
    fn records(&self) -> (&[u8], &[u8]) {
        let item_bytes = self.n_items * self.item_size();
        let (items, trees) = self.storage.regions(item_bytes);
        (
            &items[..item_bytes],
            &trees[..(self.n_nodes - self.n_items) * self.node_size()],
        )
    }

    /// The item records with their vectors in `value_type`: the stored ones, or converted.
    /// f32 → f16 rounds each value to the nearest f16 and then recomputes what the metric
    /// derives from the vector (angular's norm), so distances are those of the rounded
    /// vectors; a value too large for f16 is an error naming the item. f16 → f32 is exact.
    fn items_as(&self, value_type: ValueType) -> Result<Cow<'_, [u8]>> {
        let (items, _) = self.records();
        if value_type == self.stored {
            return Ok(Cow::Borrowed(items));
        }
        let layout = self.layout();
        let (from, to) = (self.item_size(), self.node_size());
        let to = match value_type {
            ValueType::F32 => to,
            ValueType::F16 => f16_record_size(&layout),
        };
        let bytes = self.n_items * to;
        let mut out: Vec<u8> = Vec::new();
        out.try_reserve_exact(bytes).map_err(|_| {
            Error::invalid(format!(
                "cannot allocate {bytes} bytes for the items in {value_type}"
            ))
        })?;
        out.resize(bytes, 0);
        let mut record = NodeBuf::zeroed(layout.node_size());
        for (i, (source, target)) in items
            .chunks_exact(from)
            .zip(out.chunks_exact_mut(to))
            .enumerate()
        {
            match value_type {
                ValueType::F32 => {
                    let widen = crate::metric::kernels::best().widen_f16;
                    widen_record(&layout, source, target, widen);
                }
                ValueType::F16 => {
                    let mut r = record.node_mut();
                    r.0.copy_from_slice(source);
                    if Node(source).n_descendants() == 1 {
                        round_vector(&layout, r.0).map_err(|position| {
                            Error::invalid(format!(
                                "item {i} holds {} at position {position}, beyond f16's \
                                 range (magnitudes up to {}); save it as f32",
                                Node(source).f32_at(layout.vector + 4 * position),
                                crate::format::f16::F16_MAX
                            ))
                        })?;
                        with_space!(&self.space, sp => sp.init_record(&mut r));
                    }
                    narrow_record(&layout, record.bytes(), target);
                }
            }
        }
        Ok(Cow::Owned(out))
    }

    fn native_plan(&self) -> Result<native::Plan<'_>> {
        self.check_saveable()?;
        let n_tree_records = self.n_nodes - self.n_items;
        let n_roots = self.roots.len();
        // Native files name their roots by count: they must be the last records, as every
        // build here and every Annoy file has them.
        let tail = (self.n_nodes - n_roots..self.n_nodes).map(|i| i as i32);
        if n_roots > n_tree_records || !self.roots.iter().copied().eq(tail) {
            return Err(Error::state(
                "the roots are not the last records of the forest; this index cannot be written \
                 in the native format",
            ));
        }
        let meta = native::Meta {
            metric: self.metric,
            dim: self.dim,
            dot_layout: self.dot_layout,
            value_type: self.value_type,
            record_size: self.node_size(),
            n_items: self.n_items,
            n_tree_records,
            n_roots,
            seed: self.seed,
            trees_requested: self.trees_requested,
            library: concat!("annoy-rs ", env!("CARGO_PKG_VERSION")).to_owned(),
            user: self.user.clone(),
        };
        let items = self.items_as(self.value_type)?;
        let (_, trees) = self.records();
        let ids = match (&self.ids, &self.external) {
            (Some(r), _) => Some(&self.storage.file_bytes().unwrap()[r.clone()]),
            (None, Some(external)) => Some(external.sorted_le.as_slice()),
            (None, None) => None,
        };
        let graph = self
            .graph
            .as_ref()
            .map_or_else(Vec::new, Graph::file_sections);
        Ok(native::plan(&meta, items, trees, ids, graph))
    }

    /// The size in bytes of the native file of this index (what `write_native` writes).
    pub fn native_size(&self) -> Result<usize> {
        Ok(self.native_plan()?.len())
    }

    /// Writes the index in the native format to `out`.
    pub fn write_native(&self, out: &mut dyn Write) -> Result<()> {
        let plan = self.native_plan()?;
        plan.write_to(out)
            .map_err(|e| Error::io("write", "the output stream", e))
    }

    /// Writes the index in the native format into `out`, which must hold at least
    /// `native_size()` bytes; returns the bytes written. A smaller buffer is an
    /// `InvalidArgument` error that names the size needed.
    pub fn write_native_into(&self, out: &mut [u8]) -> Result<usize> {
        let plan = self.native_plan()?;
        let len = plan.len();
        if out.len() < len {
            return Err(Error::invalid(format!(
                "the buffer holds {} bytes; the index needs {len}",
                out.len()
            )));
        }
        plan.fill(&mut out[..len]);
        Ok(len)
    }

    /// The native file of this index, in memory.
    pub fn to_native_bytes(&self) -> Result<Vec<u8>> {
        let plan = self.native_plan()?;
        let mut out = Vec::new();
        out.try_reserve_exact(plan.len()).map_err(|_| {
            Error::invalid(format!(
                "cannot allocate {} bytes for the index",
                plan.len()
            ))
        })?;
        out.resize(plan.len(), 0);
        plan.fill(&mut out);
        Ok(out)
    }

    /// The format of the file the index serves from, if it serves from one.
    pub fn file_format(&self) -> Option<Format> {
        match self.storage {
            Storage::Mapped(_) => Some(Format::Annoy),
            Storage::Native { .. } => Some(Format::Native),
            _ => None,
        }
    }

    /// Checks everything that can be checked: for a native file every checksum (so any
    /// changed byte is found), the padding and the id order; for an Annoy file (which has no
    /// checksum) and an index in memory, that every tree record points at records that exist
    /// and every bucket lists items.
    pub fn verify(&self) -> Result<()> {
        if let Some(bytes) = self.storage.file_bytes() {
            native::verify(bytes)?;
        }
        if self.is_built() {
            let (items, trees) = self.records();
            check_structure(items, self.item_size(), trees, &self.layout(), self.n_items)?;
        }
        Ok(())
    }

    /// Sets an application key-value pair, written into native files (keys of 1 to 256
    /// bytes, values up to 64 KiB, at most 1024 pairs). Not on a loaded index.
    pub fn set_metadata(&mut self, key: &str, value: &[u8]) -> Result<()> {
        if self.is_loaded() {
            return Err(Error::state("a loaded index is read-only"));
        }
        native::check_user_pair(&self.user, key, value)?;
        match self.user.binary_search_by(|(k, _)| k.as_str().cmp(key)) {
            Ok(at) => self.user[at].1 = value.to_vec(),
            Err(at) => self.user.insert(at, (key.to_owned(), value.to_vec())),
        }
        Ok(())
    }

    /// An application key-value pair set before saving, or read from a native file.
    pub fn metadata(&self, key: &str) -> Option<&[u8]> {
        self.user
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }

    /// All application key-value pairs, keys ascending.
    pub fn metadata_pairs(&self) -> &[(String, Vec<u8>)] {
        &self.user
    }

    /// The external (64-bit) id of item `id`: the file's id map when it has one, else `id`.
    /// Fails with [`Error::UnknownItem`] for an id at or past `n_items`.
    pub fn external_id(&self, id: u32) -> Result<u64> {
        if id as usize >= self.n_items {
            return Err(Error::UnknownItem {
                id: id as i64,
                n_items: self.n_items,
            });
        }
        Ok(match (&self.ids, self.storage.file_bytes()) {
            (Some(r), Some(bytes)) => {
                let at = r.start + 8 * id as usize;
                u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
            }
            _ => self.memory_external_id(id).unwrap_or(id as u64),
        })
    }

    /// The item whose external id is `external`, by binary search of the id map. Fails with
    /// [`Error::UnknownExternalId`] when no item has it.
    pub fn item_of_external_id(&self, external: u64) -> Result<u32> {
        self.find_external_id(external)
            .ok_or(Error::UnknownExternalId(external))
    }

    fn find_external_id(&self, external: u64) -> Option<u32> {
        match (&self.ids, self.storage.file_bytes()) {
            (Some(r), Some(bytes)) => {
                let ids = &bytes[r.clone()];
                let (mut lo, mut hi) = (0usize, ids.len() / 8);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    let v = u64::from_le_bytes(ids[8 * mid..8 * mid + 8].try_into().unwrap());
                    match v.cmp(&external) {
                        std::cmp::Ordering::Less => lo = mid + 1,
                        std::cmp::Ordering::Greater => hi = mid,
                        std::cmp::Ordering::Equal => return Some(mid as u32),
                    }
                }
                None
            }
            _ => match self.memory_item_of(external) {
                Some(found) => found,
                None => (external < self.n_items as u64).then_some(external as u32),
            },
        }
    }
}

/// A corruption error's message without its "invalid index file: " prefix.
fn strip(e: Error) -> String {
    match e {
        Error::Corrupt(msg) => msg,
        other => other.to_string(),
    }
}

/// Whether two paths name the same file (false when either does not exist).
fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
