//! The graph index: a fixed-degree proximity graph over the items, searched by beam search.
//!
//! `build` makes it in four steps, every one deterministic whatever the thread count:
//! 1. seed each item's candidate list from the leaves of random-projection trees (pivot
//!    trees: each split sends an item to the nearer of two random pivots, so it works the same
//!    for all five metrics);
//! 2. refine the lists by NN-descent (neighbours of neighbours are likely neighbours);
//! 3. prune each list with the robust-prune rule (keep `c` unless a kept `p` is closer to `c`
//!    than `c` is to the item, by a factor `alpha`), add the reverse edges and prune again to
//!    the fixed degree;
//! 4. repair connectivity so every item is reachable from the entry point.
//!
//! `search` walks the graph from the entry points with a beam of width `ef`.
//!
//! Determinism: every candidate list is a bounded set ordered by `(distance, id)`, so the
//! lists are the same whatever order concurrent insertions came in; all random draws come from
//! generators seeded from the index seed and a step number.
//!
//! Maximum inner product (the dot metric) is not a metric: the graph is built and searched in
//! the augmented space the forest already uses (every item gets the extra coordinate
//! `sqrt(M² - |v|²)`, the query 0), where ranking by squared Euclidean distance to the query
//! is ranking by inner product, and robust pruning keeps its meaning.

pub(crate) mod build;
pub(crate) mod search;

use crate::error::{Error, Result};

/// How a graph is built. [`GraphParams::default`] suits 100k–1M items of a few hundred
/// dimensions; the setters change one field each.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct GraphParams {
    /// Edges kept per item (the row width of the adjacency).
    pub degree: usize,
    /// Neighbours each item's NN-descent list holds before pruning.
    pub knn: usize,
    /// Pivot trees that seed the candidate lists.
    pub seed_trees: usize,
    /// Most items in a seeding tree's leaf.
    pub leaf_size: usize,
    /// Most NN-descent rounds (rounds stop earlier once few lists change).
    pub max_rounds: usize,
    /// Robust-prune factor on internal (squared, for Euclidean and angular) distances; 1.0
    /// is the plain relative-neighbourhood rule, larger keeps more long edges.
    pub alpha: f32,
}

impl Default for GraphParams {
    fn default() -> Self {
        GraphParams {
            degree: 32,
            knn: 32,
            seed_trees: 8,
            leaf_size: 32,
            max_rounds: 8,
            alpha: 1.2,
        }
    }
}

impl GraphParams {
    /// The defaults with `degree` edges per item and an NN-descent list as long: on 70k
    /// real 384-d embeddings a list half again as long lifted recall@10 at `ef` 32 from 0.980
    /// to 0.992 but cost twice the NN-descent time (bench/README.md).
    pub fn for_degree(degree: usize) -> Self {
        GraphParams::default()
            .degree(degree)
            .knn(degree.clamp(1, MAX_DEGREE))
    }

    pub fn degree(mut self, degree: usize) -> Self {
        self.degree = degree;
        self
    }

    pub fn knn(mut self, knn: usize) -> Self {
        self.knn = knn;
        self
    }

    pub fn seed_trees(mut self, trees: usize) -> Self {
        self.seed_trees = trees;
        self
    }

    pub fn leaf_size(mut self, leaf_size: usize) -> Self {
        self.leaf_size = leaf_size;
        self
    }

    pub fn max_rounds(mut self, rounds: usize) -> Self {
        self.max_rounds = rounds;
        self
    }

    pub fn alpha(mut self, alpha: f32) -> Self {
        self.alpha = alpha;
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        if !(1..=MAX_DEGREE).contains(&self.degree) {
            return Err(Error::invalid(format!(
                "graph degree must be between 1 and {MAX_DEGREE}, got {}",
                self.degree
            )));
        }
        if !(1..=MAX_DEGREE).contains(&self.knn) {
            return Err(Error::invalid(format!(
                "graph knn must be between 1 and {MAX_DEGREE}, got {}",
                self.knn
            )));
        }
        if !(2..=4096).contains(&self.leaf_size) {
            return Err(Error::invalid(format!(
                "graph leaf_size must be between 2 and 4096, got {}",
                self.leaf_size
            )));
        }
        if self.seed_trees > 1024 || self.max_rounds > 1024 {
            return Err(Error::invalid(format!(
                "graph seed_trees and max_rounds must be at most 1024, got {} and {}",
                self.seed_trees, self.max_rounds
            )));
        }
        if !(self.alpha.is_finite() && self.alpha >= 1.0 && self.alpha <= 16.0) {
            return Err(Error::invalid(format!(
                "graph alpha must be between 1 and 16, got {}",
                self.alpha
            )));
        }
        Ok(())
    }
}

/// The largest degree (and knn) a graph accepts.
pub const MAX_DEGREE: usize = 256;

/// An empty slot in an adjacency row.
pub(crate) const NO_EDGE: u32 = u32::MAX;

/// The first word of a leaf in an [`EntryTree`].
pub(crate) const LEAF: u32 = u32::MAX;

/// A pivot tree that leads a query to entry points near it: node 0 is the root; a split is
/// `[pivot_a, pivot_b, left, right]` (the side whose pivot is nearer, ties left), a leaf is
/// `[LEAF, start, len, 0]`, a range of `items`. Children come after their parent, so a
/// descent always ends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct EntryTree {
    pub nodes: Vec<[u32; 4]>,
    pub items: Vec<u32>,
}

/// At most this many items of the leaf a query descends to start its search.
pub(crate) const LEAF_ENTRIES: usize = 32;

impl EntryTree {
    pub(crate) fn leaves(&self) -> impl Iterator<Item = &[u32]> {
        self.nodes.iter().filter(|n| n[0] == LEAF).map(|n| {
            let start = n[1] as usize;
            &self.items[start..start + n[2] as usize]
        })
    }

    /// The leaf `nearer(a, b)` (true: go to `a`'s side) leads to, from the root.
    #[inline]
    pub(crate) fn descend(&self, mut nearer: impl FnMut(u32, u32) -> bool) -> &[u32] {
        let mut i = 0;
        loop {
            let Some(node) = self.nodes.get(i) else {
                return &[];
            };
            if node[0] == LEAF {
                let start = node[1] as usize;
                return &self.items[start..start + node[2] as usize];
            }
            i = if node[0] == node[1] || nearer(node[0], node[1]) {
                node[2]
            } else {
                node[3]
            } as usize;
        }
    }

    /// Checks what a damaged file could get wrong: pivots and items below `n_items`,
    /// children after their parent and in range, leaf ranges inside `items`.
    fn check(&self, n_items: usize) -> Result<()> {
        let bad = || Error::corrupt("the graph's entry tree is damaged");
        if self.items.iter().any(|&i| i as usize >= n_items) {
            return Err(bad());
        }
        for (k, n) in self.nodes.iter().enumerate() {
            if n[0] == LEAF {
                if n[1] as usize + n[2] as usize > self.items.len() {
                    return Err(bad());
                }
            } else if n[0] as usize >= n_items
                || n[1] as usize >= n_items
                || n[2] as usize <= k
                || n[3] as usize <= k
                || n[2] as usize >= self.nodes.len()
                || n[3] as usize >= self.nodes.len()
            {
                return Err(bad());
            }
        }
        Ok(())
    }
}

/// Section kinds of the graph in a native file (`docs/format.md` §6); the container
/// stores every kind in 16..=31 it is given and hands them all back at open.
pub(crate) const KIND_GRAPH_HEADER: u32 = 16;
pub(crate) const KIND_GRAPH_ADJACENCY: u32 = 17;
/// The graph's kinds, first to last.
pub(crate) const GRAPH_KINDS: std::ops::RangeInclusive<u32> = 16..=31;

/// The adjacency rows: built in memory, or read in place from a mapped native file.
pub(crate) enum Rows {
    Owned(Vec<u32>),
    /// `len` words at `ptr`, inside the file bytes the index keeps alive while the graph
    /// lives (the index drops or re-reads the graph whenever it replaces its storage).
    Mapped {
        ptr: *const u32,
        len: usize,
    },
}

// SAFETY: `Mapped` points into read-only file bytes that the owning index keeps alive and
// unchanged; shared reads from several threads are sound.
unsafe impl Send for Rows {}
// SAFETY: as for `Send`: the words are never written through this pointer.
unsafe impl Sync for Rows {}

impl std::ops::Deref for Rows {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        match self {
            Rows::Owned(v) => v,
            // SAFETY: `ptr` is 4-byte aligned and `len` words long inside bytes that outlive
            // the graph (see the variant's comment).
            Rows::Mapped { ptr, len } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        }
    }
}

impl std::ops::DerefMut for Rows {
    /// Writing to mapped rows first copies them (a file's rows are never written).
    fn deref_mut(&mut self) -> &mut [u32] {
        if let Rows::Mapped { .. } = self {
            *self = Rows::Owned(self.to_vec());
        }
        match self {
            Rows::Owned(v) => v,
            Rows::Mapped { .. } => unreachable!("copied above"),
        }
    }
}

impl From<Vec<u32>> for Rows {
    fn from(v: Vec<u32>) -> Rows {
        Rows::Owned(v)
    }
}

impl Clone for Rows {
    /// A clone owns its rows, so it outlives the file the original was read from.
    fn clone(&self) -> Rows {
        Rows::Owned(self.to_vec())
    }
}

impl PartialEq for Rows {
    fn eq(&self, other: &Rows) -> bool {
        **self == **other
    }
}
impl Eq for Rows {}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rows({} edges)", self.len())
    }
}

/// The built graph: `degree` slots per item, row `i` listing item `i`'s neighbours nearest
/// first, unused slots [`NO_EDGE`] (at the end of a row); the entry points every search
/// starts from, and the tree that adds entry points near each query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Graph {
    pub degree: usize,
    pub n_items: usize,
    pub adjacency: Rows,
    pub entries: Vec<u32>,
    pub tree: EntryTree,
}

/// The little-endian bytes of `words`, borrowed where the machine is little-endian.
fn le_bytes(words: &[u32]) -> std::borrow::Cow<'_, [u8]> {
    if cfg!(target_endian = "little") {
        // SAFETY: any `u32` slice is a valid byte slice of four times its length, and on a
        // little-endian machine its bytes are the little-endian encoding.
        std::borrow::Cow::Borrowed(unsafe {
            std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 4)
        })
    } else {
        std::borrow::Cow::Owned(words.iter().flat_map(|w| w.to_le_bytes()).collect())
    }
}

impl Graph {
    /// The graph with rows of its own (a copy when they were read in place from a file).
    pub(crate) fn into_owned(self) -> Graph {
        match self.adjacency {
            Rows::Owned(_) => self,
            Rows::Mapped { .. } => Graph {
                adjacency: Rows::Owned(self.adjacency.to_vec()),
                ..self
            },
        }
    }

    #[inline]
    pub(crate) fn row(&self, i: usize) -> &[u32] {
        &self.adjacency[i * self.degree..(i + 1) * self.degree]
    }

    /// The sections a native file stores for this graph, as `(kind, bytes)` in file order:
    /// [`KIND_GRAPH_HEADER`] (see [`Graph::to_sections`]) and [`KIND_GRAPH_ADJACENCY`] (the
    /// rows as little-endian `u32`, borrowed, not copied). A later section (compact codes,
    /// say) is one more pair here and one more kind read in [`Graph::from_file_sections`];
    /// the container code needs no change.
    pub(crate) fn file_sections(&self) -> Vec<(u32, std::borrow::Cow<'_, [u8]>)> {
        vec![
            (KIND_GRAPH_HEADER, std::borrow::Cow::Owned(self.header())),
            (KIND_GRAPH_ADJACENCY, le_bytes(&self.adjacency)),
        ]
    }

    /// Reads the graph from the sections of a native file (`(kind, bytes)`, every kind in
    /// [`GRAPH_KINDS`] the file holds), checked as [`Graph::from_sections`] checks. The rows
    /// are read in place, not copied, when they are 4-byte aligned and the machine is
    /// little-endian; the caller then keeps `sections`' bytes alive and unchanged while the
    /// graph lives. `Ok(None)`: the file has no graph.
    pub(crate) fn from_file_sections(
        sections: &[(u32, &[u8])],
        n_items: usize,
    ) -> Result<Option<Graph>> {
        let find = |kind| sections.iter().find(|s| s.0 == kind).map(|s| s.1);
        match (find(KIND_GRAPH_HEADER), find(KIND_GRAPH_ADJACENCY)) {
            (None, None) => Ok(None),
            (Some(header), Some(adjacency)) => {
                let zero_copy =
                    cfg!(target_endian = "little") && adjacency.as_ptr().align_offset(4) == 0;
                let mut graph = Graph::decode(header, adjacency, n_items, !zero_copy)?;
                if zero_copy {
                    graph.adjacency = Rows::Mapped {
                        ptr: adjacency.as_ptr().cast::<u32>(),
                        len: adjacency.len() / 4,
                    };
                }
                Ok(Some(graph))
            }
            _ => Err(Error::corrupt(
                "the file holds half a graph (its header or its adjacency is missing)",
            )),
        }
    }

    fn header(&self) -> Vec<u8> {
        let mut header = Vec::new();
        for v in [
            self.degree,
            self.n_items,
            self.entries.len(),
            self.tree.nodes.len(),
            self.tree.items.len(),
        ] {
            header.extend_from_slice(&(v as u64).to_le_bytes());
        }
        let words = self
            .entries
            .iter()
            .chain(self.tree.nodes.iter().flatten())
            .chain(&self.tree.items);
        for e in words {
            header.extend_from_slice(&e.to_le_bytes());
        }
        header
    }

    /// The section payloads a file stores: the header and the adjacency (little-endian
    /// `u32` rows). The header: `degree`, `n_items`, `n_entries`, `n_tree_nodes`,
    /// `n_tree_items` as little-endian `u64`, then as `u32`: the entries, the tree's nodes
    /// (four words each) and the tree's items.
    pub(crate) fn to_sections(&self) -> (Vec<u8>, Vec<u8>) {
        (self.header(), le_bytes(&self.adjacency).into_owned())
    }

    /// Reads what [`Graph::to_sections`] wrote, checking everything a damaged file could
    /// get wrong: sizes, and every edge and entry below `n_items`.
    pub(crate) fn from_sections(header: &[u8], adjacency: &[u8], n_items: usize) -> Result<Graph> {
        Graph::decode(header, adjacency, n_items, true)
    }

    /// Checks and reads the sections; the adjacency is copied only when `copy_rows` (else
    /// the graph gets empty rows, for the caller to point at `adjacency`).
    fn decode(header: &[u8], adjacency: &[u8], n_items: usize, copy_rows: bool) -> Result<Graph> {
        let word = |k: usize| -> Result<u64> {
            header
                .get(8 * k..8 * k + 8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
                .ok_or_else(|| Error::corrupt("the graph header is truncated"))
        };
        let (degree, stored_items, n_entries) = (word(0)?, word(1)?, word(2)?);
        let (n_nodes, n_tree_items) = (word(3)?, word(4)?);
        if degree == 0 || degree > MAX_DEGREE as u64 {
            return Err(Error::corrupt(format!(
                "graph degree {degree} is out of range"
            )));
        }
        if stored_items != n_items as u64 {
            return Err(Error::corrupt(format!(
                "the graph covers {stored_items} items, the index has {n_items}"
            )));
        }
        let degree = degree as usize;
        let words = n_entries as u128 + 4 * n_nodes as u128 + n_tree_items as u128;
        if n_entries == 0 || header.len() as u128 != 40 + 4 * words {
            return Err(Error::corrupt("the graph's header does not match its size"));
        }
        if adjacency.len() as u128 != 4 * degree as u128 * n_items as u128 {
            return Err(Error::corrupt(format!(
                "the graph adjacency has {} bytes, expected {} rows of {degree} edges",
                adjacency.len(),
                n_items
            )));
        }
        let decode = |bytes: &[u8]| -> Vec<u32> {
            bytes
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
                .collect()
        };
        let mut body = decode(&header[40..]);
        let tree_items = body.split_off((n_entries + 4 * n_nodes) as usize);
        let nodes = body
            .split_off(n_entries as usize)
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect();
        let entries = body;
        let tree = EntryTree {
            nodes,
            items: tree_items,
        };
        tree.check(n_items)?;
        let bad = |e: u32| e != NO_EDGE && e as usize >= n_items;
        // Every edge is checked at open (a linear pass, a few milliseconds per million
        // rows), so a search never meets an id it cannot index.
        let bad_edge = adjacency
            .chunks_exact(4)
            .any(|b| bad(u32::from_le_bytes(b.try_into().expect("4 bytes"))));
        if entries.iter().any(|&e| e == NO_EDGE || bad(e)) || bad_edge {
            return Err(Error::corrupt(
                "the graph has an edge to an item it does not hold",
            ));
        }
        let adjacency = if copy_rows {
            Rows::Owned(decode(adjacency))
        } else {
            Rows::Owned(Vec::new())
        };
        Ok(Graph {
            degree,
            n_items,
            adjacency,
            entries,
            tree,
        })
    }
}
