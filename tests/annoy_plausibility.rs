//! Annoy's files have no header, so a file cut at a node boundary can look like a smaller
//! index. The checks the format allows: a root of a small index must be a bucket (ids, then
//! zeros), not an item record; an index of no items is empty roots alone.

use annoy::{Index, Metric};

fn annoy_bytes(n: usize, trees: i32) -> (Vec<u8>, usize) {
    let mut index = Index::new(8, Metric::Angular).unwrap();
    for i in 0..n {
        let v: Vec<f32> = (0..8)
            .map(|k| ((i * 31 + k * 7) % 13) as f32 - 6.0)
            .collect();
        index.add_item(i as u32, &v).unwrap();
    }
    index.build(trees, 1).unwrap();
    let dir = std::env::temp_dir().join(format!("annoy-plaus-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("i.ann");
    index.save(&path, false).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (bytes, index.node_size())
}

fn loads(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut index = Index::new(8, Metric::Angular).unwrap();
    index.load_bytes(bytes).ok()?;
    Some((index.n_items(), index.n_trees()))
}

#[test]
fn files_cut_inside_the_items_are_refused() {
    let (bytes, s) = annoy_bytes(200, 10);
    assert_eq!(loads(&bytes), Some((200, 10)));
    // Every cut that ends on an item record used to load as "1 item, k trees".
    for k in 1..=200 {
        assert_eq!(
            loads(&bytes[..k * s]),
            None,
            "cut after {k} item records loaded"
        );
    }
}

#[test]
fn an_empty_index_is_empty_roots_alone() {
    let (empty, s) = annoy_bytes(0, 3);
    assert_eq!(loads(&empty).map(|(items, _)| items), Some(0));
    // A zero record after real nodes claims "no items": refused.
    let (mut bytes, _) = annoy_bytes(50, 2);
    bytes.extend(std::iter::repeat_n(0u8, s));
    assert_eq!(loads(&bytes), None);
}

#[test]
fn a_one_item_index_still_loads() {
    let (bytes, _) = annoy_bytes(1, 4);
    assert_eq!(loads(&bytes).map(|(items, _)| items), Some(1));
}

/// Found by the load_annoy fuzz target: an Annoy file whose tree record points past the
/// items loads (the load checks the roots only), fails verify, and its native copy fails
/// verify the same way instead of hiding the damage behind fresh checksums.
#[test]
fn a_damaged_annoy_file_stays_damaged_in_its_native_copy() {
    let case = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/seeds/load_annoy/regression-tree-pointer-outside"
    ))
    .unwrap();
    let metric = Metric::ALL[(case[0] % 5) as usize];
    let dim = 1 + (case[1] % 16) as usize * if metric == Metric::Hamming { 8 } else { 1 };
    let mut index = Index::new(dim, metric).unwrap();
    index.load_bytes(&case[2..]).unwrap();
    assert!(index.verify().is_err());
    let copy = Index::open_bytes(&index.to_native_bytes().unwrap()).unwrap();
    assert!(copy.verify().is_err());
}

/// Found by the load_annoy fuzz target: an Annoy file of no items but empty roots loaded,
/// yet its native copy was refused ("roots do not fit 0 items"). It now converts both ways.
#[test]
fn an_empty_index_with_trees_converts_both_ways() {
    let (empty, _) = annoy_bytes(0, 3);
    let mut index = Index::new(8, Metric::Angular).unwrap();
    index.load_bytes(&empty).unwrap();
    let native = index.to_native_bytes().unwrap();
    let copy = Index::open_bytes(&native).unwrap();
    copy.verify().unwrap();
    assert_eq!(copy.n_items(), 0);
    let dir = std::env::temp_dir().join(format!("annoy-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut copy = copy;
    copy.save_as(dir.join("e.ann"), annoy::Format::Annoy, false)
        .unwrap();
    assert_eq!(std::fs::read(dir.join("e.ann")).unwrap(), empty);
    let _ = std::fs::remove_dir_all(&dir);

    let case = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/seeds/load_annoy/regression-empty-index-with-roots"
    ))
    .unwrap();
    let metric = Metric::ALL[(case[0] % 5) as usize];
    let dim = 1 + (case[1] % 16) as usize * if metric == Metric::Hamming { 8 } else { 1 };
    let mut index = Index::new(dim, metric).unwrap();
    if index.load_bytes(&case[2..]).is_ok() {
        let bytes = index.to_native_bytes().unwrap();
        Index::open_bytes(&bytes).unwrap();
    }
}
