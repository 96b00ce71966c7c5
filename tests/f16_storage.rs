//! Native files with f16 item vectors (value type 1): what is stored, what queries answer,
//! conversions in and out, and files that lie about their f16 items.

mod common;

use annoy::{DotLayout, Error, Format, GraphParams, Index, Metric, Query, ValueType};
use common::{small_data, TempDir};

/// The f16 nearest `x` (ties to even), computed independently of the library: 11 significant
/// bits in the normal range, units of 2⁻²⁴ below it.
fn f16_rounded(x: f32) -> f32 {
    let x = x as f64;
    if x == 0.0 {
        return x as f32;
    }
    let exponent = x.abs().log2().floor().max(-14.0);
    let unit = 2f64.powf(exponent - 10.0);
    ((x / unit).round_ties_even() * unit) as f32
}

const FLOAT_METRICS: [(Metric, Option<DotLayout>); 5] = [
    (Metric::Angular, None),
    (Metric::Euclidean, None),
    (Metric::Manhattan, None),
    (Metric::Dot, Some(DotLayout::Annoy117)),
    (Metric::Dot, Some(DotLayout::AnnoyMain)),
];

fn built(metric: Metric, layout: Option<DotLayout>, data: &[Vec<f32>], n_trees: i32) -> Index {
    let mut index = Index::new(data[0].len(), metric).unwrap();
    if let Some(layout) = layout {
        index.set_dot_layout(layout).unwrap();
    }
    for (i, v) in data.iter().enumerate() {
        index.add_item(i as u32, v).unwrap();
    }
    index.build(n_trees, 1).unwrap();
    index
}

fn f16_bytes(index: &mut Index) -> Vec<u8> {
    index.set_value_type(ValueType::F16).unwrap();
    index.to_native_bytes().unwrap()
}

/// Every query's `(id, distance bits)`, nearest first.
fn answers(index: &Index, queries: &[Vec<f32>], search_k: usize) -> Vec<Vec<(u32, u32)>> {
    queries
        .iter()
        .map(|q| {
            index
                .query(Query::Vector(q), 10, Some(search_k))
                .unwrap()
                .iter()
                .map(|n| (n.id, n.distance.to_bits()))
                .collect()
        })
        .collect()
}

#[test]
fn item_vectors_come_back_as_the_f16_nearest_the_input() {
    for (metric, layout) in FLOAT_METRICS {
        // Odd dimensions leave padding at the end of every record.
        for dim in [1, 7, 40] {
            let mut data = small_data(metric, dim, 60, 3);
            // Values at f16's edges: subnormal, a tie, the largest finite, a negative zero.
            data[0][0] = 3.0e-6;
            data[1][0] = 1.0 + 2f32.powi(-11);
            data[2][0] = 65519.0;
            data[3][0] = -0.0;
            let mut index = built(metric, layout, &data, 3);
            let bytes = f16_bytes(&mut index);
            let opened = Index::open_bytes(&bytes).unwrap();
            assert_eq!(opened.stored_value_type(), ValueType::F16);
            assert_eq!(opened.value_type(), ValueType::F16);
            for (i, v) in data.iter().enumerate() {
                let got = opened.item_vector(i as u32).unwrap();
                let want: Vec<u32> = v.iter().map(|&x| f16_rounded(x).to_bits()).collect();
                let got: Vec<u32> = got.iter().map(|x| x.to_bits()).collect();
                assert_eq!(got, want, "{metric} dim {dim} item {i}");
            }
        }
    }
}

/// The f16 file answers, bit for bit, as an f32 index of the rounded vectors with the same
/// trees: the widened items are the rounded values, and what the metric derives from them
/// (angular's norm) is recomputed from those.
#[test]
fn queries_answer_as_the_f32_index_of_the_rounded_vectors() {
    for (metric, layout) in FLOAT_METRICS {
        let data = small_data(metric, 24, 500, 11);
        let rounded: Vec<Vec<f32>> = data
            .iter()
            .map(|v| v.iter().map(|&x| f16_rounded(x)).collect())
            .collect();
        let queries = small_data(metric, 24, 20, 12);
        let mut f32_index = built(metric, layout, &rounded, 8);
        let bytes = f16_bytes(&mut f32_index);
        let f16_index = Index::open_bytes(&bytes).unwrap();
        for search_k in [50, 400, 5000] {
            assert_eq!(
                answers(&f16_index, &queries, search_k),
                answers(&f32_index, &queries, search_k),
                "{metric} {layout:?} search_k {search_k}"
            );
        }
        for i in [0u32, 17, 499] {
            let by_item = |index: &Index| {
                index
                    .query(Query::Item(i), 5, None)
                    .unwrap()
                    .iter()
                    .map(|n| (n.id, n.distance.to_bits()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                by_item(&f16_index),
                by_item(&f32_index),
                "{metric} item {i}"
            );
            assert_eq!(
                f16_index.distance(i, 3).unwrap().to_bits(),
                f32_index.distance(i, 3).unwrap().to_bits()
            );
        }
    }
}

/// With every candidate looked at, queries find the true nearest neighbours of the rounded
/// vectors (brute force in f64).
#[test]
fn exhaustive_queries_match_brute_force_over_the_rounded_vectors() {
    for (metric, layout) in FLOAT_METRICS {
        let data = small_data(metric, 16, 300, 21);
        let queries = small_data(metric, 16, 10, 22);
        let mut index = built(metric, layout, &data, 4);
        let opened = Index::open_bytes(&f16_bytes(&mut index)).unwrap();
        let rounded: Vec<Vec<f32>> = (0..300).map(|i| opened.item_vector(i).unwrap()).collect();
        for q in &queries {
            let key = |v: &[f32]| common::rank_key(metric, common::true_distance(metric, v, q));
            let mut truth: Vec<(f64, u32)> = rounded
                .iter()
                .enumerate()
                .map(|(i, v)| (key(v), i as u32))
                .collect();
            truth.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let found = opened
                .query(Query::Vector(q), 10, Some(300 * 4 * 10))
                .unwrap();
            assert_eq!(found.len(), 10);
            for (k, n) in found.iter().enumerate() {
                // Tie-aware: the k-th result is as near as the true k-th, within rounding.
                let (want, got) = (truth[k].0, key(&rounded[n.id as usize]));
                assert!(
                    (got - want).abs() <= 1e-4 * want.abs().max(1.0),
                    "{metric} {k}"
                );
            }
        }
    }
}

#[test]
fn f16_files_open_from_a_path_a_buffer_and_a_borrowed_buffer() {
    let data = small_data(Metric::Angular, 33, 200, 5);
    let queries = small_data(Metric::Angular, 33, 5, 6);
    let mut index = built(Metric::Angular, None, &data, 5);
    let bytes = f16_bytes(&mut index);
    let dir = TempDir::new("f16-open");
    let path = dir.file("a.annoy");
    index.save_as(&path, Format::Native, false).unwrap();
    // The save serves from the f16 file it wrote.
    assert_eq!(index.stored_value_type(), ValueType::F16);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let from_path = Index::open(&path, true).unwrap();
    from_path.verify().unwrap();
    let from_bytes = Index::open_bytes(&bytes).unwrap();
    let mut aligned = vec![0u64; bytes.len().div_ceil(8)];
    // SAFETY: u8 has no alignment requirement; the slice covers the words' own bytes.
    let words: &mut [u8] =
        unsafe { std::slice::from_raw_parts_mut(aligned.as_mut_ptr().cast(), bytes.len()) };
    words.copy_from_slice(&bytes);
    // SAFETY: `aligned` outlives `borrowed` and is not changed meanwhile.
    let borrowed = unsafe { Index::open_borrowed(words) }.unwrap();
    let want = answers(&index, &queries, 200);
    assert_eq!(answers(&from_path, &queries, 200), want);
    assert_eq!(answers(&from_bytes, &queries, 200), want);
    assert_eq!(answers(&borrowed, &queries, 200), want);
    let mut loaded = Index::new(33, Metric::Angular).unwrap();
    loaded.load(&path, false).unwrap();
    assert_eq!(answers(&loaded, &queries, 200), want);
}

#[test]
fn f16_halves_the_item_section() {
    let data = small_data(Metric::Euclidean, 64, 1000, 8);
    let mut index = built(Metric::Euclidean, None, &data, 2);
    let f32_size = index.native_size().unwrap();
    index.set_value_type(ValueType::F16).unwrap();
    let f16_size = index.native_size().unwrap();
    // Euclidean items: 16 + 4·64 bytes as f32, 16 + 2·64 as f16.
    let saved = 1000 * (4 * 64 - 2 * 64);
    assert!(f32_size - f16_size >= saved, "{f32_size} → {f16_size}");
    assert!(f32_size - f16_size < saved + 2 * 4096);
}

#[test]
fn conversions_widen_exactly_and_keep_the_trees() {
    for (metric, layout) in FLOAT_METRICS {
        let data = small_data(metric, 10, 150, 9);
        let queries = small_data(metric, 10, 8, 10);
        let mut index = built(metric, layout, &data, 4);
        let f16 = f16_bytes(&mut index);
        let mut opened = Index::open_bytes(&f16).unwrap();
        let want = answers(&opened, &queries, 300);
        // Saving an f16 index again keeps it f16, byte for byte.
        assert_eq!(opened.to_native_bytes().unwrap(), f16);
        // f16 → f32 native: the rounded values, widened.
        opened.set_value_type(ValueType::F32).unwrap();
        let widened = Index::open_bytes(&opened.to_native_bytes().unwrap()).unwrap();
        assert_eq!(widened.stored_value_type(), ValueType::F32);
        assert_eq!(answers(&widened, &queries, 300), want, "{metric}");
        // f16 → Annoy's format (always f32), then back to native f16: the same file.
        let dir = TempDir::new("f16-annoy");
        let path = dir.file("a.ann");
        let mut f16_index = Index::open_bytes(&f16).unwrap();
        f16_index.save_as(&path, Format::Annoy, false).unwrap();
        assert_eq!(f16_index.stored_value_type(), ValueType::F32);
        assert_eq!(answers(&f16_index, &queries, 300), want, "{metric} annoy");
        f16_index.set_value_type(ValueType::F16).unwrap();
        assert_eq!(f16_index.to_native_bytes().unwrap(), f16, "{metric}");
    }
}

#[test]
fn a_graph_is_kept_and_can_be_built_over_f16_items() {
    let data = small_data(Metric::Angular, 20, 400, 13);
    let queries = small_data(Metric::Angular, 20, 10, 14);
    let mut index = built(Metric::Angular, None, &data, 4);
    index.build_graph(GraphParams::default(), 1).unwrap();
    let opened = Index::open_bytes(&f16_bytes(&mut index)).unwrap();
    assert!(opened.has_graph());
    let graph_answers = answers(&opened, &queries, 100);
    // A graph built over the f16 items (widened for the build) is the graph built over the
    // rounded vectors.
    let mut rebuilt = Index::open_bytes(&opened.to_native_bytes().unwrap()).unwrap();
    rebuilt.drop_graph();
    rebuilt.build_graph(GraphParams::default(), 1).unwrap();
    let rounded: Vec<Vec<f32>> = (0..400).map(|i| opened.item_vector(i).unwrap()).collect();
    let mut reference = built(Metric::Angular, None, &rounded, 4);
    reference.build_graph(GraphParams::default(), 1).unwrap();
    assert_eq!(rebuilt.graph_sections(), reference.graph_sections());
    assert_eq!(graph_answers.len(), 10);
    assert!(graph_answers.iter().all(|a| a.len() == 10));
}

#[test]
fn hamming_has_no_f16_and_values_beyond_f16_are_refused() {
    let mut hamming = Index::new(64, Metric::Hamming).unwrap();
    match hamming.set_value_type(ValueType::F16) {
        Err(Error::InvalidArgument(msg)) => assert!(msg.contains("hamming"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(hamming.value_type(), ValueType::F32);
    let mut data = small_data(Metric::Euclidean, 4, 20, 1);
    data[7][2] = 70000.0;
    let mut index = built(Metric::Euclidean, None, &data, 2);
    index.set_value_type(ValueType::F16).unwrap();
    match index.to_native_bytes() {
        Err(Error::InvalidArgument(msg)) => {
            assert!(
                msg.contains("item 7") && msg.contains("position 2"),
                "{msg}"
            )
        }
        other => panic!("{:?}", other.err()),
    }
    // The index is unchanged and saves as f32.
    index.set_value_type(ValueType::F32).unwrap();
    Index::open_bytes(&index.to_native_bytes().unwrap()).unwrap();
}

/// Where section kind `kind`'s table entry is, and its offset and length.
fn section(bytes: &[u8], kind: u32) -> (usize, usize, usize) {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
    let count = u32_at(40) as usize;
    let entry = (0..count).find(|&i| u32_at(64 + 32 * i) == kind).unwrap();
    let e = 64 + 32 * entry;
    (entry, u64_at(e + 8), u64_at(e + 16))
}

/// Recomputes the checksums of section table entry `entry`, the table and the header.
fn reseal(bytes: &mut [u8], entry: usize) {
    use xxhash_rust::xxh3::xxh3_64;
    let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let count = u32::from_le_bytes(bytes[40..44].try_into().unwrap()) as usize;
    let e = 64 + 32 * entry;
    let (offset, length) = (
        u64_at(bytes, e + 8) as usize,
        u64_at(bytes, e + 16) as usize,
    );
    let sum = xxh3_64(&bytes[offset..offset + length]);
    bytes[e + 24..e + 32].copy_from_slice(&sum.to_le_bytes());
    let table = xxh3_64(&bytes[64..64 + 32 * count]);
    bytes[48..56].copy_from_slice(&table.to_le_bytes());
    let header = xxh3_64(&bytes[..56]);
    bytes[56..64].copy_from_slice(&header.to_le_bytes());
}

fn set_features(bytes: &mut [u8], features: u64) {
    bytes[16..24].copy_from_slice(&features.to_le_bytes());
    let header = xxhash_rust::xxh3::xxh3_64(&bytes[..56]);
    bytes[56..64].copy_from_slice(&header.to_le_bytes());
}

fn corrupt_message(bytes: &[u8]) -> String {
    match Index::open_bytes(bytes) {
        Err(Error::Corrupt(msg)) => msg,
        other => panic!("expected a corrupt file, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn files_that_lie_about_f16_items_are_refused() {
    let data = small_data(Metric::Angular, 9, 40, 2);
    let mut index = built(Metric::Angular, None, &data, 2);
    let f32_file = index.to_native_bytes().unwrap();
    let f16_file = f16_bytes(&mut index);
    assert_eq!(u64::from_le_bytes(f16_file[16..24].try_into().unwrap()), 2);

    // The feature bit without value type 1, and value type 1 without the bit.
    let mut bit_only = f32_file.clone();
    set_features(&mut bit_only, 2);
    assert!(corrupt_message(&bit_only).contains("disagree"));
    let mut type_only = f16_file.clone();
    set_features(&mut type_only, 0);
    assert!(corrupt_message(&type_only).contains("disagree"));

    // An f32 file relabelled f16: its item section is 4·dim bytes a record too long.
    let (meta_entry, meta_at, _) = section(&f32_file, 1);
    let mut relabelled = f32_file.clone();
    relabelled[meta_at + 4..meta_at + 8].copy_from_slice(&1u32.to_le_bytes());
    reseal(&mut relabelled, meta_entry);
    set_features(&mut relabelled, 2);
    let msg = corrupt_message(&relabelled);
    // Angular, dim 9: 12 + 2·9 = 30 bytes, padded to 32.
    assert!(
        msg.contains("item section") && msg.contains("records of 32 bytes"),
        "{msg}"
    );

    // An item section cut short by one record's worth or one byte, the table resealed.
    let (items_entry, _, items_len) = section(&f16_file, 2);
    for cut in [1, 32] {
        let mut short = f16_file.clone();
        let e = 64 + 32 * items_entry + 16;
        short[e..e + 8].copy_from_slice(&((items_len - cut) as u64).to_le_bytes());
        reseal(&mut short, items_entry);
        assert!(corrupt_message(&short).contains("item section"));
    }

    // Hamming never has f16 items.
    let hamming_data = small_data(Metric::Hamming, 64, 30, 4);
    let hamming = built(Metric::Hamming, None, &hamming_data, 2);
    let mut hamming_file = hamming.to_native_bytes().unwrap();
    let (entry, at, _) = section(&hamming_file, 1);
    hamming_file[at + 4..at + 8].copy_from_slice(&1u32.to_le_bytes());
    reseal(&mut hamming_file, entry);
    set_features(&mut hamming_file, 2);
    assert!(corrupt_message(&hamming_file).contains("value type"));

    // Unknown value types stay refused, with the bit or without.
    for value_type in [3u32, 9, u32::MAX] {
        for features in [0, 2] {
            let mut patched = f16_file.clone();
            patched[meta_at + 4..meta_at + 8].copy_from_slice(&value_type.to_le_bytes());
            reseal(&mut patched, meta_entry);
            set_features(&mut patched, features);
            assert!(
                corrupt_message(&patched).contains("value type"),
                "{value_type}"
            );
        }
    }
}

#[test]
fn verify_finds_flipped_bits_in_f16_files() {
    let data = small_data(Metric::Dot, 6, 30, 7);
    let mut index = built(Metric::Dot, None, &data, 2);
    let bytes = f16_bytes(&mut index);
    Index::open_bytes(&bytes).unwrap().verify().unwrap();
    let (_, items_at, items_len) = section(&bytes, 2);
    // Every byte of the item section (vectors, padding) and a sample of the rest.
    let sample = (items_at..items_at + items_len).chain((0..bytes.len()).step_by(7));
    for at in sample {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x10;
        let verified = Index::open_bytes(&damaged).and_then(|index| index.verify());
        assert!(verified.is_err(), "flip at byte {at}");
    }
}

#[test]
fn external_ids_survive_f16_files() {
    let data = small_data(Metric::Euclidean, 8, 50, 15);
    let mut index = Index::new(8, Metric::Euclidean).unwrap();
    for (i, v) in data.iter().enumerate() {
        index
            .add_item_with_id(1_000_000_007 * i as u64 + 3, v)
            .unwrap();
    }
    index.build(3, 1).unwrap();
    let opened = Index::open_bytes(&f16_bytes(&mut index)).unwrap();
    opened.verify().unwrap();
    for i in [0u64, 17, 49] {
        let item = opened.item_of_external_id(1_000_000_007 * i + 3).unwrap();
        assert_eq!(opened.external_id(item).unwrap(), 1_000_000_007 * i + 3);
        let want: Vec<f32> = data[i as usize].iter().map(|&x| f16_rounded(x)).collect();
        assert_eq!(opened.item_vector(item).unwrap(), want);
        assert_eq!(
            opened.query(Query::Item(item), 1, None).unwrap()[0].id,
            item
        );
    }
}
