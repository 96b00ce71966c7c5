//! Node records, the unit of both file formats: Annoy's headerless array of records
//! ([`annoy`]) and the native, self-describing container that holds the same records in
//! sections ([`native`], specified in `docs/format.md`). Records are little-endian; node `i` of
//! an index is item `i` below `n_items` and a tree record after.
//!
//! Every record starts with `n_descendants: i32`. Where the child ids and the vector start
//! depends on the metric (`Layout`). A record is one of three kinds:
//! an item (`n_descendants == 1`, id below `n_items`), a bucket listing up to `K` item ids, or a
//! split with two child ids and a hyperplane.

#[cfg(target_endian = "big")]
compile_error!("Annoy index files are little-endian; big-endian targets are not supported");

pub(crate) mod annoy;
pub(crate) mod f16;
pub(crate) mod native;

/// How the item vectors of a native file are stored. Split planes, queries and every
/// distance are f32 whatever the items' type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// 4 bytes a value, as in Annoy's files. The default.
    #[default]
    F32,
    /// IEEE binary16, 2 bytes a value: half the memory and bandwidth of f32 for the items,
    /// with 11 significant bits (a relative error up to 2⁻¹¹) and magnitudes up to 65504.
    /// Not for hamming, whose items are bits.
    F16,
}

impl ValueType {
    pub fn name(self) -> &'static str {
        match self {
            ValueType::F32 => "f32",
            ValueType::F16 => "f16",
        }
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ValueType {
    type Err = crate::Error;

    /// "f32" or "f16".
    fn from_str(s: &str) -> crate::Result<ValueType> {
        match s {
            "f32" => Ok(ValueType::F32),
            "f16" => Ok(ValueType::F16),
            _ => Err(crate::Error::invalid(format!(
                "unknown value type {s:?}; expected f32 or f16"
            ))),
        }
    }
}

/// Byte offsets inside a node record for one metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Where `children[0]` (and a bucket's id list) starts.
    pub children: usize,
    /// Where the vector `v` starts.
    pub vector: usize,
    /// Bytes per vector element (4 for f32, 8 for hamming's u64 words).
    pub elem_size: usize,
    /// Vector elements per node.
    pub n_elems: usize,
}

impl Layout {
    pub(crate) fn node_size(&self) -> usize {
        self.vector + self.vector_bytes()
    }

    /// Bytes of a record's vector.
    pub(crate) fn vector_bytes(&self) -> usize {
        self.n_elems * self.elem_size
    }

    /// The most item ids a bucket can hold: the room from `children` to the end of the record.
    pub(crate) fn max_bucket(&self) -> usize {
        (self.node_size() - self.children) / 4
    }
}

/// A read-only view of one node record.
#[derive(Clone, Copy)]
pub(crate) struct Node<'a>(pub &'a [u8]);

impl<'a> Node<'a> {
    #[inline]
    pub(crate) fn i32_at(self, offset: usize) -> i32 {
        i32::from_le_bytes(self.0[offset..offset + 4].try_into().unwrap())
    }

    #[inline]
    pub(crate) fn f32_at(self, offset: usize) -> f32 {
        f32::from_le_bytes(self.0[offset..offset + 4].try_into().unwrap())
    }

    #[inline]
    pub(crate) fn n_descendants(self) -> i32 {
        self.i32_at(0)
    }

    /// `children[k]`, or the k-th id of a bucket.
    #[inline]
    pub(crate) fn child(self, layout: &Layout, k: usize) -> i32 {
        self.i32_at(layout.children + 4 * k)
    }

    #[inline]
    pub(crate) fn floats(self, offset: usize, n: usize) -> &'a [f32] {
        cast_slice(&self.0[offset..offset + 4 * n])
    }

    #[inline]
    pub(crate) fn words(self, offset: usize, n: usize) -> &'a [u64] {
        cast_slice(&self.0[offset..offset + 8 * n])
    }
}

/// A mutable view of one node record.
pub(crate) struct NodeMut<'a>(pub &'a mut [u8]);

impl NodeMut<'_> {
    pub(crate) fn as_node(&self) -> Node<'_> {
        Node(self.0)
    }

    pub(crate) fn set_i32(&mut self, offset: usize, value: i32) {
        self.0[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn set_f32(&mut self, offset: usize, value: f32) {
        self.0[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn floats_mut(&mut self, offset: usize, n: usize) -> &mut [f32] {
        cast_slice_mut(&mut self.0[offset..offset + 4 * n])
    }

    pub(crate) fn words_mut(&mut self, offset: usize, n: usize) -> &mut [u64] {
        cast_slice_mut(&mut self.0[offset..offset + 8 * n])
    }
}

/// Item records picked by id, read in place: the items of a node being split. Lighter than a
/// list of record views (4 bytes an item rather than 16), which matters at the root.
#[derive(Clone, Copy)]
pub(crate) struct ItemSet<'a> {
    /// The item records, `node_size` bytes each, item 0 first.
    records: &'a [u8],
    node_size: usize,
    ids: &'a [i32],
}

impl<'a> ItemSet<'a> {
    /// `ids` must be items of `records` (ids below `records.len() / node_size`).
    pub(crate) fn new(records: &'a [u8], node_size: usize, ids: &'a [i32]) -> Self {
        ItemSet {
            records,
            node_size,
            ids,
        }
    }

    pub(crate) fn len(self) -> usize {
        self.ids.len()
    }

    /// The record of the `k`th item of the set.
    #[inline]
    pub(crate) fn get(self, k: usize) -> Node<'a> {
        let at = self.ids[k] as usize * self.node_size;
        Node(&self.records[at..at + self.node_size])
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Node<'a>> {
        (0..self.len()).map(move |k| self.get(k))
    }

    /// The items `range` of the set.
    pub(crate) fn slice(self, range: std::ops::Range<usize>) -> ItemSet<'a> {
        ItemSet {
            ids: &self.ids[range],
            ..self
        }
    }
}

/// The raw parts, for kernels that check the ids once and then read records by offset (the
/// x86 ones).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
impl<'a> ItemSet<'a> {
    /// The records the ids index, `node_size` bytes each.
    pub(crate) fn records(self) -> &'a [u8] {
        self.records
    }

    pub(crate) fn node_size(self) -> usize {
        self.node_size
    }

    pub(crate) fn ids(self) -> &'a [i32] {
        self.ids
    }
}

/// An owned, 8-byte aligned record: split planes under construction, query nodes, centroids.
#[derive(Clone)]
pub(crate) struct NodeBuf {
    words: Vec<u64>,
    len: usize,
}

impl NodeBuf {
    pub(crate) fn zeroed(node_size: usize) -> Self {
        NodeBuf {
            words: vec![0; node_size.div_ceil(8)],
            len: node_size,
        }
    }

    pub(crate) fn node(&self) -> Node<'_> {
        Node(&words_as_bytes(&self.words)[..self.len])
    }

    pub(crate) fn node_mut(&mut self) -> NodeMut<'_> {
        let len = self.len;
        NodeMut(&mut words_as_bytes_mut(&mut self.words)[..len])
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &words_as_bytes(&self.words)[..self.len]
    }

    pub(crate) fn clear(&mut self) {
        self.words.fill(0);
    }
}

/// Reinterprets little-endian bytes as `T` values (`f32` or `u64`).
///
/// Panics if the bytes are not aligned for `T`: every buffer this crate reads from is 8-byte
/// aligned (a `Vec<u64>` or a page-aligned map) and every node size and field offset is a
/// multiple of the element size, so this never fires on the library's own buffers.
pub(crate) fn cast_slice<T: Plain>(bytes: &[u8]) -> &[T] {
    assert!(bytes.as_ptr().align_offset(std::mem::align_of::<T>()) == 0);
    // SAFETY: the pointer is aligned for T (checked above), the length is a whole number of Ts
    // (callers slice `n * size_of::<T>()` bytes), and `Plain` types accept any bit pattern.
    unsafe {
        std::slice::from_raw_parts(
            bytes.as_ptr().cast::<T>(),
            bytes.len() / std::mem::size_of::<T>(),
        )
    }
}

pub(crate) fn cast_slice_mut<T: Plain>(bytes: &mut [u8]) -> &mut [T] {
    assert!(bytes.as_ptr().align_offset(std::mem::align_of::<T>()) == 0);
    // SAFETY: as in `cast_slice`; the exclusive borrow of the bytes is moved into the result.
    unsafe {
        std::slice::from_raw_parts_mut(
            bytes.as_mut_ptr().cast::<T>(),
            bytes.len() / std::mem::size_of::<T>(),
        )
    }
}

pub(crate) fn words_as_bytes(words: &[u64]) -> &[u8] {
    // SAFETY: u8 has no alignment requirement and every byte of a u64 is initialised.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 8) }
}

pub(crate) fn words_as_bytes_mut(words: &mut [u64]) -> &mut [u8] {
    // SAFETY: as above; any byte pattern written is a valid u64.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 8) }
}

/// Types valid for every bit pattern, so bytes can be viewed as them.
pub(crate) trait Plain: Copy {}
impl Plain for f32 {}
impl Plain for u64 {}
impl Plain for i32 {}
impl Plain for u8 {}
impl Plain for u16 {}
