//! The native file format (`docs/format.md`): a 64-byte header, a table of sections, and
//! sections aligned for SIMD loads and pages. The sections hold the metadata, Annoy's item and
//! tree records, and an optional map of 64-bit external ids; kinds a reader does not know are
//! skipped unless flagged required. Every section, the table and the header carry an XXH3-64
//! checksum.
//!
//! `parse` checks everything memory safety needs without reading the large sections;
//! `verify` also checks every checksum, the padding and the id order.

use crate::error::{Error, Result};
use crate::format::f16::f16_record_size;
use crate::format::{Layout, ValueType};
use crate::index::MAX_DIMENSION;
use crate::metric::{with_space, AnySpace, DotLayout, Metric, Space};
use std::borrow::Cow;
use std::io::Write;
use std::ops::Range;
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

pub(crate) const MAGIC: [u8; 8] = [0x89, b'A', b'N', b'N', b'\r', b'\n', 0x1a, b'\n'];
const MAJOR: u16 = 1;
const MINOR: u16 = 0;
const ENDIAN_MARK: u32 = 0x0102_0304;
const HEADER_LEN: usize = 64;
const ENTRY_LEN: usize = 32;
const MAX_SECTIONS: usize = 64;
/// Required-feature bit 1: the items' vectors are f16 (value type 1).
const FEATURE_F16: u64 = 1 << 1;
/// Required-feature bits this reader understands (see `docs/format.md` §2).
const KNOWN_REQUIRED_FEATURES: u64 = FEATURE_F16;
const FLAG_REQUIRED: u32 = 1;

const KIND_META: u32 = 1;
const KIND_ITEMS: u32 = 2;
const KIND_FOREST: u32 = 3;
const KIND_IDS: u32 = 4;
/// Kinds 16..=31 belong to the graph search layer (`crate::graph`): the container stores the
/// ones it is given and hands back every one a file holds, without reading them.
use crate::graph::GRAPH_KINDS;

const META_FIXED: usize = 128;
const MAX_KEYS: usize = 1024;
const MAX_KEY_LEN: usize = 256;
const MAX_VALUE_LEN: usize = 65536;
const MAX_META_LEN: usize = 1 << 20;
const LIBRARY_LEN: usize = 32;

const VALUE_F32: u32 = 0;
const VALUE_F16: u32 = 1;
const VALUE_BITS: u32 = 2;

/// Alignment of small sections (SIMD loads) and of large ones (pages).
const SMALL_ALIGN: usize = 64;
const PAGE_ALIGN: usize = 4096;
/// Record sections at least this large are page-aligned.
const LARGE_SECTION: usize = 64 * 1024;

/// What `META` says about an index.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Meta {
    pub metric: Metric,
    pub dim: usize,
    pub dot_layout: DotLayout,
    /// How the item vectors are stored (f32 for hamming, whose bits are neither).
    pub value_type: ValueType,
    /// Bytes per tree record, and per item record when the items are f32.
    pub record_size: usize,
    pub n_items: usize,
    pub n_tree_records: usize,
    pub n_roots: usize,
    pub seed: u64,
    pub trees_requested: i64,
    pub library: String,
    /// The application's own key-value pairs, keys unique and ascending.
    pub user: Vec<(String, Vec<u8>)>,
}

/// A checked native file: its metadata and where its sections are.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub meta: Meta,
    pub items: Range<usize>,
    pub forest: Range<usize>,
    pub ids: Option<Range<usize>>,
    /// The graph layer's sections, `(kind, bytes)`, kinds ascending.
    pub graph: Vec<(u32, Range<usize>)>,
    sections: Vec<Entry>,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    kind: u32,
    flags: u32,
    offset: u64,
    length: u64,
    checksum: u64,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// Whether `bytes` start like a native file (and so are not Annoy's format).
pub(crate) fn is_native(bytes: &[u8]) -> bool {
    bytes.len() >= MAGIC.len() && bytes[..MAGIC.len()] == MAGIC
}

fn metric_code(metric: Metric) -> u32 {
    match metric {
        Metric::Angular => 0,
        Metric::Euclidean => 1,
        Metric::Manhattan => 2,
        Metric::Dot => 3,
        Metric::Hamming => 4,
    }
}

fn metric_of(code: u32) -> Result<Metric> {
    Ok(match code {
        0 => Metric::Angular,
        1 => Metric::Euclidean,
        2 => Metric::Manhattan,
        3 => Metric::Dot,
        4 => Metric::Hamming,
        _ => return Err(Error::corrupt(format!("unknown metric number {code}"))),
    })
}

/// The record size of an index's node records.
pub(crate) fn record_size(metric: Metric, dot_layout: DotLayout, dim: usize) -> usize {
    layout(metric, dot_layout, dim).node_size()
}

fn layout(metric: Metric, dot_layout: DotLayout, dim: usize) -> Layout {
    with_space!(&AnySpace::new(metric, dot_layout, dim), s => s.layout())
}

impl Meta {
    /// Bytes per item record: the tree records' size, or less when the vectors are f16.
    pub(crate) fn item_record_size(&self) -> usize {
        match self.value_type {
            ValueType::F32 => self.record_size,
            ValueType::F16 => f16_record_size(&layout(self.metric, self.dot_layout, self.dim)),
        }
    }
}

fn corrupt(msg: impl Into<String>) -> Error {
    Error::corrupt(msg.into())
}

/// Checks the header, the section table and the metadata, and the sizes of the sections the
/// index reads, without reading those sections: after this, every read a query makes is in
/// bounds once it checks node ids against the counts in `META`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed> {
    if bytes.len() < HEADER_LEN {
        return Err(corrupt(format!(
            "the file is {} bytes, shorter than the 64-byte header",
            bytes.len()
        )));
    }
    if !is_native(bytes) {
        return Err(corrupt("not a native index file (wrong magic number)"));
    }
    let header = &bytes[..HEADER_LEN];
    if xxh3_64(&header[..56]) != u64_at(header, 56) {
        return Err(corrupt(
            "the header checksum does not match: the header is damaged",
        ));
    }
    let major = u16_at(header, 8);
    if major != MAJOR {
        return Err(corrupt(format!(
            "format version {major} is not supported (this library reads version {MAJOR})"
        )));
    }
    if u32_at(header, 12) != ENDIAN_MARK {
        return Err(corrupt(
            "the endianness mark is wrong (a big-endian or damaged file)",
        ));
    }
    let required = u64_at(header, 16);
    if required & !KNOWN_REQUIRED_FEATURES != 0 {
        return Err(corrupt(format!(
            "the file requires features {:#x} that this library does not know; a newer \
             version wrote it",
            required & !KNOWN_REQUIRED_FEATURES
        )));
    }
    let file_length = u64_at(header, 32);
    if file_length != bytes.len() as u64 {
        return Err(corrupt(format!(
            "the file is {} bytes, but its header says {file_length} (truncated or extended)",
            bytes.len()
        )));
    }
    let count = u32_at(header, 40) as usize;
    if count == 0 || count > MAX_SECTIONS {
        return Err(corrupt(format!(
            "the header lists {count} sections; 1 to {MAX_SECTIONS} are allowed"
        )));
    }
    let table_end = HEADER_LEN + count * ENTRY_LEN;
    if table_end > bytes.len() {
        return Err(corrupt("the section table runs past the end of the file"));
    }
    let table = &bytes[HEADER_LEN..table_end];
    if xxh3_64(table) != u64_at(header, 48) {
        return Err(corrupt(
            "the section table checksum does not match: the table is damaged",
        ));
    }
    let mut sections: Vec<Entry> = Vec::with_capacity(count);
    for e in table.chunks_exact(ENTRY_LEN) {
        let entry = Entry {
            kind: u32_at(e, 0),
            flags: u32_at(e, 4),
            offset: u64_at(e, 8),
            length: u64_at(e, 16),
            checksum: u64_at(e, 24),
        };
        let end = entry.offset.checked_add(entry.length);
        if !entry.offset.is_multiple_of(SMALL_ALIGN as u64)
            || entry.offset < table_end as u64
            || end.is_none_or(|end| end > bytes.len() as u64)
        {
            return Err(corrupt(format!(
                "section of kind {} at {} ({} bytes) is misaligned or outside the file",
                entry.kind, entry.offset, entry.length
            )));
        }
        if sections.iter().any(|s| s.kind == entry.kind) {
            return Err(corrupt(format!(
                "section kind {} appears twice",
                entry.kind
            )));
        }
        let known = matches!(entry.kind, KIND_META | KIND_ITEMS | KIND_FOREST | KIND_IDS)
            || GRAPH_KINDS.contains(&entry.kind);
        if !known && entry.flags & FLAG_REQUIRED != 0 {
            return Err(corrupt(format!(
                "the file requires section kind {}, which this library does not know",
                entry.kind
            )));
        }
        sections.push(entry);
    }
    let mut by_offset: Vec<Entry> = sections.clone();
    by_offset.sort_by_key(|s| s.offset);
    for pair in by_offset.windows(2) {
        if pair[0].offset + pair[0].length > pair[1].offset {
            return Err(corrupt(format!(
                "sections of kinds {} and {} overlap",
                pair[0].kind, pair[1].kind
            )));
        }
    }
    let range = |kind: u32| {
        sections
            .iter()
            .find(|s| s.kind == kind)
            .map(|s| s.offset as usize..(s.offset + s.length) as usize)
    };
    let meta_range = range(KIND_META).ok_or_else(|| corrupt("the file has no metadata section"))?;
    let meta_entry = sections.iter().find(|s| s.kind == KIND_META).unwrap();
    let meta_bytes = &bytes[meta_range];
    if meta_bytes.len() > MAX_META_LEN {
        return Err(corrupt("the metadata section is larger than 1 MiB"));
    }
    if xxh3_64(meta_bytes) != meta_entry.checksum {
        return Err(corrupt(
            "the metadata checksum does not match: the metadata is damaged",
        ));
    }
    let meta = decode_meta(meta_bytes)?;
    if (meta.value_type == ValueType::F16) != (required & FEATURE_F16 != 0) {
        return Err(corrupt(
            "the value type and the f16 feature bit of the header disagree (value type 1 \
             and required-feature bit 1 go together)",
        ));
    }
    let items = range(KIND_ITEMS).ok_or_else(|| corrupt("the file has no item section"))?;
    let forest = range(KIND_FOREST).ok_or_else(|| corrupt("the file has no forest section"))?;
    let ids = range(KIND_IDS);
    let expect = |what: &str, r: &Range<usize>, n: usize, size: usize| -> Result<()> {
        let want = n as u128 * size as u128;
        if r.len() as u128 != want {
            return Err(corrupt(format!(
                "the {what} section is {} bytes; {n} records of {size} bytes need {want}",
                r.len()
            )));
        }
        Ok(())
    };
    expect("item", &items, meta.n_items, meta.item_record_size())?;
    expect("forest", &forest, meta.n_tree_records, meta.record_size)?;
    if let Some(ids) = &ids {
        expect("id", ids, meta.n_items, 8)?;
    }
    let mut graph: Vec<(u32, Range<usize>)> = sections
        .iter()
        .filter(|s| GRAPH_KINDS.contains(&s.kind))
        .map(|s| (s.kind, s.offset as usize..(s.offset + s.length) as usize))
        .collect();
    graph.sort_by_key(|g| g.0);
    Ok(Parsed {
        meta,
        items,
        forest,
        ids,
        graph,
        sections,
    })
}

fn decode_meta(m: &[u8]) -> Result<Meta> {
    if m.len() < META_FIXED {
        return Err(corrupt(format!(
            "the metadata section is {} bytes, shorter than its {META_FIXED}-byte fixed part",
            m.len()
        )));
    }
    let metric = metric_of(u32_at(m, 0))?;
    let value_type = match (metric, u32_at(m, 4)) {
        (Metric::Hamming, VALUE_BITS) => ValueType::F32,
        (Metric::Hamming, code) => {
            return Err(corrupt(format!(
                "value type {code} does not fit the hamming metric (expected {VALUE_BITS})"
            )))
        }
        (_, VALUE_F32) => ValueType::F32,
        (_, VALUE_F16) => ValueType::F16,
        (_, code) => {
            return Err(corrupt(format!(
                "value type {code} does not fit the {metric} metric (expected {VALUE_F32} \
                 or {VALUE_F16})"
            )))
        }
    };
    let dim = u64_at(m, 8);
    if dim == 0 || dim > MAX_DIMENSION as u64 {
        return Err(corrupt(format!(
            "dimension {dim} is outside 1 to {MAX_DIMENSION}"
        )));
    }
    let dim = dim as usize;
    let dot_code = u32_at(m, 16);
    let dot_layout = match (metric, dot_code) {
        (Metric::Dot, 1) => DotLayout::Annoy117,
        (Metric::Dot, 2) => DotLayout::AnnoyMain,
        (Metric::Dot, _) => {
            return Err(corrupt(format!("unknown dot layout number {dot_code}")));
        }
        (_, 0) => DotLayout::Annoy117,
        (_, _) => {
            return Err(corrupt(format!(
                "dot layout {dot_code} given for the {metric} metric"
            )))
        }
    };
    let record_size = u32_at(m, 20) as usize;
    let want_size = self::record_size(metric, dot_layout, dim);
    if record_size != want_size {
        return Err(corrupt(format!(
            "record size {record_size} does not fit a {metric} index of dimension {dim} \
             ({want_size} bytes)"
        )));
    }
    let count = |at: usize| -> Result<usize> {
        usize::try_from(u64_at(m, at)).map_err(|_| corrupt("a count does not fit in memory"))
    };
    let n_items = count(24)?;
    let n_tree_records = count(32)?;
    let n_roots = count(40)?;
    if n_items as u128 + n_tree_records as u128 > i32::MAX as u128 {
        return Err(corrupt(format!(
            "{n_items} items and {n_tree_records} tree records are more than 32-bit node ids \
             can address"
        )));
    }
    // An index of no items may still have trees (empty roots, as Annoy writes them).
    if n_roots > n_tree_records || (n_items > 0 && n_roots == 0) {
        return Err(corrupt(format!(
            "{n_roots} roots do not fit {n_items} items and {n_tree_records} tree records"
        )));
    }
    let library = &m[64..64 + LIBRARY_LEN];
    let library_len = library.iter().position(|&b| b == 0).unwrap_or(LIBRARY_LEN);
    let library = String::from_utf8_lossy(&library[..library_len]).into_owned();
    let n_keys = u32_at(m, 96) as usize;
    if n_keys > MAX_KEYS {
        return Err(corrupt(format!(
            "{n_keys} metadata keys; at most {MAX_KEYS} are allowed"
        )));
    }
    let mut user: Vec<(String, Vec<u8>)> = Vec::with_capacity(n_keys);
    let mut at = META_FIXED;
    for _ in 0..n_keys {
        if at + 8 > m.len() {
            return Err(corrupt("a metadata key runs past the section"));
        }
        let (key_len, value_len) = (u32_at(m, at) as usize, u32_at(m, at + 4) as usize);
        at += 8;
        if key_len == 0 || key_len > MAX_KEY_LEN || value_len > MAX_VALUE_LEN {
            return Err(corrupt(format!(
                "a metadata key of {key_len} bytes with a value of {value_len} bytes is outside \
                 the limits (keys 1 to {MAX_KEY_LEN} bytes, values up to {MAX_VALUE_LEN})"
            )));
        }
        if at + key_len + value_len > m.len() {
            return Err(corrupt("a metadata value runs past the section"));
        }
        let key = std::str::from_utf8(&m[at..at + key_len])
            .map_err(|_| corrupt("a metadata key is not UTF-8"))?
            .to_owned();
        if user.last().is_some_and(|(last, _)| *last >= key) {
            return Err(corrupt("metadata keys are not unique and ascending"));
        }
        let value = m[at + key_len..at + key_len + value_len].to_vec();
        at += key_len + value_len;
        user.push((key, value));
    }
    if at != m.len() {
        return Err(corrupt("bytes follow the last metadata key"));
    }
    Ok(Meta {
        metric,
        dim,
        dot_layout,
        value_type,
        record_size,
        n_items,
        n_tree_records,
        n_roots,
        seed: u64_at(m, 48),
        trees_requested: u64_at(m, 56) as i64,
        library,
        user,
    })
}

fn encode_meta(meta: &Meta) -> Vec<u8> {
    let mut m = vec![0u8; META_FIXED];
    m[0..4].copy_from_slice(&metric_code(meta.metric).to_le_bytes());
    let value_type = match (meta.metric, meta.value_type) {
        (Metric::Hamming, _) => VALUE_BITS,
        (_, ValueType::F32) => VALUE_F32,
        (_, ValueType::F16) => VALUE_F16,
    };
    m[4..8].copy_from_slice(&value_type.to_le_bytes());
    m[8..16].copy_from_slice(&(meta.dim as u64).to_le_bytes());
    let dot: u32 = match (meta.metric, meta.dot_layout) {
        (Metric::Dot, DotLayout::Annoy117) => 1,
        (Metric::Dot, DotLayout::AnnoyMain) => 2,
        _ => 0,
    };
    m[16..20].copy_from_slice(&dot.to_le_bytes());
    m[20..24].copy_from_slice(&(meta.record_size as u32).to_le_bytes());
    m[24..32].copy_from_slice(&(meta.n_items as u64).to_le_bytes());
    m[32..40].copy_from_slice(&(meta.n_tree_records as u64).to_le_bytes());
    m[40..48].copy_from_slice(&(meta.n_roots as u64).to_le_bytes());
    m[48..56].copy_from_slice(&meta.seed.to_le_bytes());
    m[56..64].copy_from_slice(&meta.trees_requested.to_le_bytes());
    let library = meta.library.as_bytes();
    let n = library.len().min(LIBRARY_LEN);
    m[64..64 + n].copy_from_slice(&library[..n]);
    m[96..100].copy_from_slice(&(meta.user.len() as u32).to_le_bytes());
    for (key, value) in &meta.user {
        m.extend_from_slice(&(key.len() as u32).to_le_bytes());
        m.extend_from_slice(&(value.len() as u32).to_le_bytes());
        m.extend_from_slice(key.as_bytes());
        m.extend_from_slice(value);
    }
    m
}

/// Checks a user key-value pair against the format's limits before it is stored.
pub(crate) fn check_user_pair(user: &[(String, Vec<u8>)], key: &str, value: &[u8]) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(Error::invalid(format!(
            "a metadata key must be 1 to {MAX_KEY_LEN} bytes, got {}",
            key.len()
        )));
    }
    if value.len() > MAX_VALUE_LEN {
        return Err(Error::invalid(format!(
            "a metadata value must be at most {MAX_VALUE_LEN} bytes, got {}",
            value.len()
        )));
    }
    let replaces = user.iter().any(|(k, _)| k == key);
    let total: usize = user.iter().map(|(k, v)| 8 + k.len() + v.len()).sum();
    if !replaces && user.len() >= MAX_KEYS
        || META_FIXED + total + 8 + key.len() + value.len() > MAX_META_LEN
    {
        return Err(Error::invalid(format!(
            "the metadata holds at most {MAX_KEYS} keys and 1 MiB"
        )));
    }
    Ok(())
}

/// Checks every checksum, that padding is zero and that the ids ascend: after `parse`, any
/// changed byte of the file is found here.
pub(crate) fn verify(bytes: &[u8]) -> Result<Parsed> {
    let parsed = parse(bytes)?;
    for s in &parsed.sections {
        let data = &bytes[s.offset as usize..(s.offset + s.length) as usize];
        if xxh3_64(data) != s.checksum {
            return Err(corrupt(format!(
                "the checksum of section kind {} ({}) does not match: its {} bytes at offset {} \
                 are damaged",
                s.kind,
                kind_name(s.kind),
                s.length,
                s.offset
            )));
        }
    }
    let mut covered: Vec<Range<usize>> = parsed
        .sections
        .iter()
        .map(|s| s.offset as usize..(s.offset + s.length) as usize)
        .collect();
    covered.push(0..HEADER_LEN + parsed.sections.len() * ENTRY_LEN);
    covered.sort_by_key(|r| r.start);
    let mut at = 0;
    for r in covered
        .iter()
        .chain(std::iter::once(&(bytes.len()..bytes.len())))
    {
        if let Some(offset) = bytes[at..r.start].iter().position(|&b| b != 0) {
            return Err(corrupt(format!(
                "padding byte at offset {} is not zero",
                at + offset
            )));
        }
        at = r.end;
    }
    if let Some(ids) = &parsed.ids {
        let ids = &bytes[ids.clone()];
        let mut last = None;
        for (i, chunk) in ids.chunks_exact(8).enumerate() {
            let id = u64_at(chunk, 0);
            if last.is_some_and(|l| l >= id) {
                return Err(corrupt(format!("external id {i} ({id}) does not ascend")));
            }
            last = Some(id);
        }
        let items = &bytes[parsed.items.clone()];
        let size = parsed.meta.item_record_size();
        for (i, record) in items.chunks_exact(size).enumerate() {
            if i32::from_le_bytes(record[..4].try_into().unwrap()) != 1 {
                return Err(corrupt(format!(
                    "item {i} of a file with external ids is not an item record"
                )));
            }
        }
    }
    Ok(parsed)
}

fn kind_name(kind: u32) -> &'static str {
    match kind {
        KIND_META => "metadata",
        KIND_ITEMS => "items",
        KIND_FOREST => "forest",
        KIND_IDS => "ids",
        16..=31 => "graph",
        _ => "unknown",
    }
}

/// The parts of one section, written one after the other.
type Parts<'a> = Vec<Cow<'a, [u8]>>;

/// A native file ready to be written: the header and table, then each section at its offset.
pub(crate) struct Plan<'a> {
    head: Vec<u8>,
    meta: Vec<u8>,
    /// Offset and parts of each section after the metadata, in file order.
    pieces: Vec<(usize, Parts<'a>)>,
    meta_offset: usize,
    len: usize,
}

fn align(x: usize, to: usize) -> usize {
    x.div_ceil(to) * to
}

/// Lays out a file of `meta` with its item and tree records, optional id map and the graph
/// layer's sections (`(kind, bytes)`, kinds in 16..=31, written in the order given), and
/// computes every checksum.
pub(crate) fn plan<'a>(
    meta: &Meta,
    items: Cow<'a, [u8]>,
    forest: &'a [u8],
    ids: Option<&'a [u8]>,
    graph: Vec<(u32, Cow<'a, [u8]>)>,
) -> Plan<'a> {
    let meta_bytes = encode_meta(meta);
    // Large record sections start on a page, so a map of them starts on a page too; small
    // ones (a tiny index, a buffer in an archive) are not padded out to one.
    let big = |b: &[u8]| {
        if b.len() >= LARGE_SECTION {
            PAGE_ALIGN
        } else {
            SMALL_ALIGN
        }
    };
    let items_alignment = big(&items);
    let mut sections: Vec<(u32, Parts<'a>, usize)> = vec![
        (KIND_ITEMS, vec![items], items_alignment),
        (KIND_FOREST, vec![Cow::Borrowed(forest)], big(forest)),
    ];
    if let Some(ids) = ids {
        sections.push((KIND_IDS, vec![Cow::Borrowed(ids)], SMALL_ALIGN));
    }
    for (kind, bytes) in graph {
        debug_assert!(GRAPH_KINDS.contains(&kind));
        let alignment = big(&bytes);
        sections.push((kind, vec![bytes], alignment));
    }
    let count = 1 + sections.len();
    let meta_offset = align(HEADER_LEN + count * ENTRY_LEN, SMALL_ALIGN);
    let mut table = Vec::with_capacity(count * ENTRY_LEN);
    let mut entry = |kind: u32, offset: usize, length: usize, checksum: u64| {
        // The graph is optional: a reader without it still answers from the forest.
        let flags = if GRAPH_KINDS.contains(&kind) {
            0
        } else {
            FLAG_REQUIRED
        };
        table.extend_from_slice(&kind.to_le_bytes());
        table.extend_from_slice(&flags.to_le_bytes());
        table.extend_from_slice(&(offset as u64).to_le_bytes());
        table.extend_from_slice(&(length as u64).to_le_bytes());
        table.extend_from_slice(&checksum.to_le_bytes());
    };
    entry(
        KIND_META,
        meta_offset,
        meta_bytes.len(),
        xxh3_64(&meta_bytes),
    );
    let mut at = meta_offset + meta_bytes.len();
    let mut pieces = Vec::with_capacity(sections.len());
    for (kind, parts, alignment) in sections {
        at = align(at, alignment);
        let mut hasher = Xxh3::new();
        let mut length = 0;
        for part in &parts {
            hasher.update(part);
            length += part.len();
        }
        entry(kind, at, length, hasher.digest());
        pieces.push((at, parts));
        at += length;
    }
    let len = at;
    let mut head = Vec::with_capacity(HEADER_LEN + table.len());
    head.extend_from_slice(&MAGIC);
    head.extend_from_slice(&MAJOR.to_le_bytes());
    head.extend_from_slice(&MINOR.to_le_bytes());
    head.extend_from_slice(&ENDIAN_MARK.to_le_bytes());
    let required = match meta.value_type {
        ValueType::F32 => 0,
        ValueType::F16 => FEATURE_F16,
    };
    head.extend_from_slice(&required.to_le_bytes());
    head.extend_from_slice(&0u64.to_le_bytes()); // optional features
    head.extend_from_slice(&(len as u64).to_le_bytes());
    head.extend_from_slice(&(count as u32).to_le_bytes());
    head.extend_from_slice(&0u32.to_le_bytes());
    head.extend_from_slice(&xxh3_64(&table).to_le_bytes());
    let checksum = xxh3_64(&head);
    head.extend_from_slice(&checksum.to_le_bytes());
    head.extend_from_slice(&table);
    Plan {
        head,
        meta: meta_bytes,
        pieces,
        meta_offset,
        len,
    }
}

impl Plan<'_> {
    /// The size of the file in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Writes the file, padding with zeros between sections.
    pub(crate) fn write_to(&self, w: &mut dyn Write) -> std::io::Result<()> {
        const ZEROS: [u8; PAGE_ALIGN] = [0; PAGE_ALIGN];
        w.write_all(&self.head)?;
        w.write_all(&ZEROS[..self.meta_offset - self.head.len()])?;
        w.write_all(&self.meta)?;
        let mut at = self.meta_offset + self.meta.len();
        for (offset, parts) in &self.pieces {
            w.write_all(&ZEROS[..offset - at])?;
            at = *offset;
            for part in parts {
                w.write_all(part)?;
                at += part.len();
            }
        }
        Ok(())
    }

    /// Writes the file into `out`, which must be exactly `len()` bytes.
    pub(crate) fn fill(&self, out: &mut [u8]) {
        debug_assert_eq!(out.len(), self.len);
        out.fill(0);
        out[..self.head.len()].copy_from_slice(&self.head);
        out[self.meta_offset..self.meta_offset + self.meta.len()].copy_from_slice(&self.meta);
        for (offset, parts) in &self.pieces {
            let mut at = *offset;
            for part in parts {
                out[at..at + part.len()].copy_from_slice(part);
                at += part.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(n_items: usize, n_tree_records: usize) -> Meta {
        Meta {
            metric: Metric::Euclidean,
            dim: 2,
            dot_layout: DotLayout::Annoy117,
            value_type: ValueType::F32,
            record_size: 24,
            n_items,
            n_tree_records,
            n_roots: 1,
            seed: 7,
            trees_requested: 1,
            library: "test".into(),
            user: vec![("model".into(), b"m1".to_vec())],
        }
    }

    fn file() -> Vec<u8> {
        let mut items = vec![1u8; 48];
        // Two item records (n_descendants = 1), as a file with external ids must have.
        items[0..4].copy_from_slice(&1i32.to_le_bytes());
        items[24..28].copy_from_slice(&1i32.to_le_bytes());
        let forest = vec![2u8; 24];
        let ids: Vec<u8> = [5u64, 9].iter().flat_map(|i| i.to_le_bytes()).collect();
        let m = meta(2, 1);
        let plan = plan(&m, Cow::Borrowed(&items), &forest, Some(&ids), Vec::new());
        let mut out = Vec::new();
        plan.write_to(&mut out).unwrap();
        let mut filled = vec![0xffu8; plan.len()];
        plan.fill(&mut filled);
        assert_eq!(out, filled);
        out
    }

    #[test]
    fn written_file_parses_back_and_verifies() {
        let bytes = file();
        let parsed = verify(&bytes).unwrap();
        assert_eq!(parsed.meta, meta(2, 1));
        assert_eq!(parsed.items.start % SMALL_ALIGN, 0);
        assert_eq!(bytes[parsed.items.clone()].len(), 48);
        assert_eq!(&bytes[parsed.forest.clone()], &[2u8; 24][..]);
        assert_eq!(parsed.ids.unwrap().len(), 16);
    }

    #[test]
    fn verify_finds_every_flipped_bit() {
        let bytes = file();
        for at in 0..bytes.len() {
            for bit in [0, 7] {
                let mut damaged = bytes.clone();
                damaged[at] ^= 1 << bit;
                assert!(verify(&damaged).is_err(), "flip at byte {at} bit {bit}");
            }
        }
    }

    #[test]
    fn every_truncation_and_extension_is_refused() {
        let bytes = file();
        for len in 0..bytes.len() {
            assert!(parse(&bytes[..len]).is_err(), "cut at {len}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(parse(&longer).is_err());
    }
}
