//! The native file format through the public API: opening without knowing the metric, from a
//! path and from buffers, round trips with Annoy's format, verification and damaged files.

mod common;

use annoy::{DotLayout, Error, Format, Index, Metric, Query};
use common::{small_index, TempDir};

fn answers(index: &Index, queries: &[Vec<f32>]) -> Vec<Vec<(u32, u32)>> {
    queries
        .iter()
        .map(|q| {
            index
                .query(Query::Vector(q), 10, Some(500))
                .unwrap()
                .iter()
                .map(|n| (n.id, n.distance.to_bits()))
                .collect()
        })
        .collect()
}

fn dim_of(metric: Metric) -> usize {
    if metric == Metric::Hamming {
        70
    } else {
        9
    }
}

#[test]
fn opens_a_native_file_of_every_metric_without_metric_or_dimension() {
    let dir = TempDir::new("native-open");
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let (mut index, data) = small_index(metric, dim, 300, 7);
        index.set_metadata("model", b"test-model").unwrap();
        let before = answers(&index, &data[..20]);
        let path = dir.file(&format!("{metric}.annoy"));
        index.save_as(&path, Format::Native, false).unwrap();
        assert_eq!(index.file_format(), Some(Format::Native));
        assert_eq!(answers(&index, &data[..20]), before, "{metric} after save");
        let opened = Index::open(&path, false).unwrap();
        assert_eq!(opened.metric(), metric);
        assert_eq!(opened.dim(), dim);
        assert_eq!(opened.n_items(), 300);
        assert_eq!(opened.n_trees(), 7);
        assert_eq!(opened.metadata("model"), Some(&b"test-model"[..]));
        assert_eq!(answers(&opened, &data[..20]), before, "{metric} opened");
        opened.verify().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(opened.to_native_bytes().unwrap(), bytes);
        assert_eq!(opened.native_size().unwrap(), bytes.len());
        let copy = Index::open_bytes(&bytes).unwrap();
        assert_eq!(answers(&copy, &data[..20]), before, "{metric} from a copy");
        // SAFETY: `bytes` outlives `borrowed` and is not changed.
        let borrowed = unsafe { Index::open_borrowed(&bytes) }.unwrap();
        assert_eq!(answers(&borrowed, &data[..20]), before, "{metric} borrowed");
        assert_eq!(
            borrowed.item_vector(3).unwrap(),
            opened.item_vector(3).unwrap()
        );
    }
}

#[test]
fn load_accepts_either_format_and_refuses_a_native_file_of_another_shape() {
    let dir = TempDir::new("native-load");
    let (mut index, data) = small_index(Metric::Euclidean, 8, 200, 5);
    let before = answers(&index, &data[..10]);
    let path = dir.file("e.annoy");
    index.save_as(&path, Format::Native, false).unwrap();
    let mut same = Index::new(8, Metric::Euclidean).unwrap();
    same.load(&path, false).unwrap();
    assert_eq!(answers(&same, &data[..10]), before);
    for (dim, metric) in [
        (8, Metric::Manhattan),
        (9, Metric::Euclidean),
        (8, Metric::Angular),
    ] {
        let mut other = Index::new(dim, metric).unwrap();
        match other.load(&path, false) {
            Err(Error::InvalidArgument(msg)) => {
                assert!(msg.contains("euclidean index of dimension 8"), "{msg}")
            }
            other => panic!("{metric} {dim}: {other:?}"),
        }
        assert!(!other.is_built());
    }
}

#[test]
fn annoy_to_native_to_annoy_is_byte_identical() {
    let dir = TempDir::new("native-roundtrip");
    for metric in Metric::ALL {
        let dim = dim_of(metric);
        let (mut index, _) = small_index(metric, dim, 250, 6);
        let annoy_path = dir.file("a.ann");
        index.save(&annoy_path, false).unwrap();
        let original = std::fs::read(&annoy_path).unwrap();
        let mut loaded = Index::new(dim, metric).unwrap();
        loaded.load(&annoy_path, false).unwrap();
        let native_path = dir.file("a.annoy");
        loaded.save_as(&native_path, Format::Native, false).unwrap();
        let opened = Index::open(&native_path, false).unwrap();
        let back = dir.file("b.ann");
        let mut opened = opened;
        opened.save(&back, false).unwrap();
        assert_eq!(std::fs::read(&back).unwrap(), original, "{metric}");
    }
}

#[test]
fn both_dot_layouts_survive_the_native_format() {
    for layout in [DotLayout::Annoy117, DotLayout::AnnoyMain] {
        let mut index = Index::new(6, Metric::Dot).unwrap();
        index.set_dot_layout(layout).unwrap();
        let data = common::small_data(Metric::Dot, 6, 100, 3);
        for (i, v) in data.iter().enumerate() {
            index.add_item(i as u32, v).unwrap();
        }
        index.build(4, 1).unwrap();
        let bytes = index.to_native_bytes().unwrap();
        let opened = Index::open_bytes(&bytes).unwrap();
        assert_eq!(opened.dot_layout(), layout);
        assert_eq!(answers(&opened, &data[..5]), answers(&index, &data[..5]));
    }
}

#[test]
fn verify_reports_every_flipped_bit_and_opening_damaged_files_never_crashes() {
    let (index, data) = small_index(Metric::Angular, 5, 60, 3);
    let bytes = index.to_native_bytes().unwrap();
    for at in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x10;
        if let Ok(opened) = Index::open_bytes(&damaged) {
            assert!(opened.verify().is_err(), "flip at {at} not reported");
            // Whatever it answers, it answers without crashing.
            let _ = opened.query(Query::Vector(&data[0]), 5, Some(100));
            let _ = opened.query(Query::Item(3), 5, None);
        }
    }
    for len in 0..bytes.len() {
        assert!(Index::open_bytes(&bytes[..len]).is_err(), "cut at {len}");
    }
}

#[test]
fn open_refuses_annoy_files_and_borrowed_buffers_out_of_alignment() {
    let dir = TempDir::new("native-refuse");
    let (mut index, _) = small_index(Metric::Angular, 4, 30, 2);
    let path = dir.file("a.ann");
    index.save(&path, false).unwrap();
    assert!(matches!(Index::open(&path, false), Err(Error::Corrupt(_))));
    let bytes = index.to_native_bytes().unwrap();
    let mut shifted = vec![0u8; bytes.len() + 1];
    shifted[1..].copy_from_slice(&bytes);
    // SAFETY: `shifted` outlives the call and is not changed; the open fails anyway.
    let r = unsafe { Index::open_borrowed(&shifted[1..]) };
    assert!(matches!(r, Err(Error::InvalidArgument(_))));
    assert!(Index::open_bytes(&shifted[1..]).is_ok());
}

#[test]
fn write_native_into_needs_the_whole_size_and_writes_what_a_file_holds() {
    let (index, _) = small_index(Metric::Manhattan, 3, 40, 2);
    let size = index.native_size().unwrap();
    let mut small = vec![0u8; size - 1];
    assert!(matches!(
        index.write_native_into(&mut small),
        Err(Error::InvalidArgument(_))
    ));
    let mut buf = vec![0u8; size + 10];
    assert_eq!(index.write_native_into(&mut buf).unwrap(), size);
    let mut stream = Vec::new();
    index.write_native(&mut stream).unwrap();
    assert_eq!(&buf[..size], &stream[..]);
}

// /dev/null and FIFOs are Unix things.
#[cfg(unix)]
#[test]
fn refuses_to_load_or_save_onto_files_that_are_not_regular() {
    let (mut index, _) = small_index(Metric::Angular, 4, 30, 2);
    for format in [Format::Annoy, Format::Native] {
        assert!(matches!(
            index.save_as("/dev/null", format, false),
            Err(Error::Io { .. })
        ));
    }
    let mut other = Index::new(4, Metric::Angular).unwrap();
    assert!(matches!(
        other.load("/dev/null", false),
        Err(Error::Io { .. })
    ));
    let dir = TempDir::new("native-fifo");
    let fifo = dir.file("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    assert!(matches!(other.load(&fifo, false), Err(Error::Io { .. })));
    assert!(matches!(Index::open(&fifo, false), Err(Error::Io { .. })));
}

// Only Unix can tell cheaply whether the process that wrote a temporary file is gone.
#[cfg(unix)]
#[test]
fn a_killed_save_leaves_a_temporary_file_that_the_next_save_removes() {
    let dir = TempDir::new("native-stale");
    let (mut index, _) = small_index(Metric::Angular, 4, 30, 2);
    let path = dir.file("x.ann");
    // A process id that cannot be running: above the kernel's pid_max.
    let stale = dir.file(".x.ann.annoy-tmp.2147483600.0");
    std::fs::write(&stale, b"half an index").unwrap();
    let alive = dir.file(&format!(".x.ann.annoy-tmp.{}.99", std::process::id()));
    std::fs::write(&alive, b"a save in progress").unwrap();
    index.save(&path, false).unwrap();
    assert!(!stale.exists());
    assert!(
        alive.exists(),
        "a live process's temporary file is left alone"
    );
}

/// Writes the fuzz targets' seed corpora (`fuzz/seeds/`): small files of every metric in both
/// formats. Run with `cargo test --test native_format -- --ignored write_fuzz_seeds`.
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for target in ["open_native", "load_annoy"] {
        std::fs::create_dir_all(root.join(target)).unwrap();
    }
    for (m, metric) in Metric::ALL.into_iter().enumerate() {
        for (n, trees) in [(1, 1), (7, 2), (40, 3)] {
            let dim = if metric == Metric::Hamming { 9 } else { 3 };
            let (mut index, _) = small_index(metric, dim, n, trees);
            index.set_metadata("model", b"seed").unwrap();
            let native = index.to_native_bytes().unwrap();
            std::fs::write(root.join(format!("open_native/{metric}-{n}")), native).unwrap();
            if metric != Metric::Hamming {
                index.set_value_type(annoy::ValueType::F16).unwrap();
                let f16 = index.to_native_bytes().unwrap();
                std::fs::write(root.join(format!("open_native/{metric}-{n}-f16")), f16).unwrap();
                index.set_value_type(annoy::ValueType::F32).unwrap();
            }
            let dir = TempDir::new("seeds");
            let path = dir.file("a.ann");
            index.save(&path, false).unwrap();
            // The target's shape bytes: metric, then dimension - 1 (hamming: in steps of 8).
            let dim_byte = if metric == Metric::Hamming { 1 } else { 2 };
            let mut seed = vec![m as u8, dim_byte];
            seed.extend(std::fs::read(&path).unwrap());
            std::fs::write(root.join(format!("load_annoy/{metric}-{n}")), seed).unwrap();
        }
    }
}

/// Rewrites a section table entry's checksum and then the table and header checksums, so that a
/// patched section is refused for what it says, not for a checksum mismatch.
fn reseal_section(bytes: &mut [u8], entry: usize) {
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

#[test]
fn unknown_value_types_are_corrupt_and_f16_needs_its_feature_bit() {
    let (mut index, _) = small_index(Metric::Euclidean, 5, 40, 2);
    let bytes = index.to_native_bytes().unwrap();
    let count = u32::from_le_bytes(bytes[40..44].try_into().unwrap()) as usize;
    let meta_entry = (0..count)
        .find(|&i| u32::from_le_bytes(bytes[64 + 32 * i..68 + 32 * i].try_into().unwrap()) == 1)
        .expect("a metadata section");
    let e = 64 + 32 * meta_entry;
    let meta_at = u64::from_le_bytes(bytes[e + 8..e + 16].try_into().unwrap()) as usize;
    // 1 is f16, which needs required-feature bit 1 (and f16-sized items); 9 and u32::MAX are
    // no value type at all.
    for value_type in [1u32, 9, u32::MAX] {
        let mut patched = bytes.clone();
        patched[meta_at + 4..meta_at + 8].copy_from_slice(&value_type.to_le_bytes());
        reseal_section(&mut patched, meta_entry);
        match Index::open_bytes(&patched) {
            Err(Error::Corrupt(msg)) => assert!(msg.contains("value type"), "{msg}"),
            Err(other) => panic!("value type {value_type}: {other:?}"),
            Ok(_) => panic!("value type {value_type} was accepted"),
        }
    }
    // The f16 feature bit on a file of f32 items is refused.
    let mut flagged = bytes.clone();
    flagged[16..24].copy_from_slice(&2u64.to_le_bytes());
    let header = xxhash_rust::xxh3::xxh3_64(&flagged[..56]);
    flagged[56..64].copy_from_slice(&header.to_le_bytes());
    match Index::open_bytes(&flagged) {
        Err(Error::Corrupt(msg)) => assert!(msg.contains("f16 feature bit"), "{msg}"),
        other => panic!("the f16 feature bit: {:?}", other.err()),
    }
    // Bits this reader does not know are refused.
    let mut unknown = bytes.clone();
    unknown[16..24].copy_from_slice(&5u64.to_le_bytes());
    let header = xxhash_rust::xxh3::xxh3_64(&unknown[..56]);
    unknown[56..64].copy_from_slice(&header.to_le_bytes());
    match Index::open_bytes(&unknown) {
        Err(Error::Corrupt(msg)) => assert!(msg.contains("requires features 0x5"), "{msg}"),
        other => panic!("unknown feature bits: {:?}", other.err()),
    }
    // A valid f16 file (value type 1, bit 1, items of 16 + 2·5 bytes padded to 28) opens.
    index.set_value_type(annoy::ValueType::F16).unwrap();
    let f16 = index.to_native_bytes().unwrap();
    assert_eq!(
        u32::from_le_bytes(f16[meta_at + 4..meta_at + 8].try_into().unwrap()),
        1
    );
    assert_eq!(u64::from_le_bytes(f16[16..24].try_into().unwrap()), 2);
    let opened = Index::open_bytes(&f16).unwrap();
    opened.verify().unwrap();
    assert_eq!(opened.value_type(), annoy::ValueType::F16);
}
