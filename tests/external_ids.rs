//! 64-bit external ids: a sparse index whose ids reach 3 billion costs memory for its items
//! only, answers by external id exactly as a dense index of the same vectors, and keeps its
//! ids through native files (by path and from a buffer). Annoy's format cannot hold them.

mod common;

use annoy::{Error, Format, Index, Metric, Query};
use common::TempDir;

const N: usize = 10_000;
const DIM: usize = 16;

/// Item `i`'s external id: distinct, up to about 3 × 10⁹, added in scrambled order.
fn external(i: usize) -> u64 {
    ((i * 7919) % N) as u64 * 300_000 + 17
}

fn vector(i: usize) -> Vec<f32> {
    let mut state = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (0..DIM)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

fn sparse_index() -> Index {
    let mut index = Index::new(DIM, Metric::Euclidean).unwrap();
    for i in 0..N {
        index.add_item_with_id(external(i), &vector(i)).unwrap();
    }
    index.build(10, 1).unwrap();
    index
}

/// The external ids of the 10 nearest neighbours of `q`.
fn nearest(index: &Index, q: &[f32]) -> Vec<u64> {
    index
        .query(Query::Vector(q), 10, Some(N * 10))
        .unwrap()
        .iter()
        .map(|n| index.external_id(n.id).unwrap())
        .collect()
}

#[test]
fn sparse_ids_up_to_three_billion_cost_memory_for_the_items_only() {
    let index = sparse_index();
    assert_eq!(
        index.n_items(),
        N,
        "items are stored densely, not up to the largest id"
    );
    let size = index.native_size().unwrap();
    assert!(size < 4 << 20, "native file of 10k items is {size} bytes");
    for i in [0, 1, 4_999, N - 1] {
        let item = index.item_of_external_id(external(i)).unwrap();
        assert_eq!(index.external_id(item).unwrap(), external(i));
        assert_eq!(index.item_vector(item).unwrap(), vector(i));
    }
    for missing in [18, u64::MAX] {
        let e = index.item_of_external_id(missing).unwrap_err();
        assert!(
            matches!(e, Error::UnknownExternalId(id) if id == missing),
            "{e}"
        );
        assert_eq!(e.status(), annoy::Status::UnknownItem);
    }
    let e = index.external_id(N as u32).unwrap_err();
    assert!(
        matches!(e, Error::UnknownItem { id, n_items } if id == N as i64 && n_items == N),
        "{e}"
    );
}

#[test]
fn answers_by_external_id_match_brute_force() {
    let index = sparse_index();
    let mut hits = 0;
    for q in 0..50 {
        let query = vector(N + q);
        let mut truth: Vec<(f32, u64)> = (0..N)
            .map(|i| {
                let d: f32 = vector(i)
                    .iter()
                    .zip(&query)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                (d, external(i))
            })
            .collect();
        truth.sort_by(|a, b| a.0.total_cmp(&b.0));
        let found = nearest(&index, &query);
        hits += truth[..10]
            .iter()
            .filter(|(_, id)| found.contains(id))
            .count();
    }
    let recall = hits as f64 / 500.0;
    assert!(recall > 0.9, "recall@10 {recall}");
}

#[test]
fn external_ids_survive_native_files_and_buffers() {
    let dir = TempDir::new("external-ids");
    let mut index = sparse_index();
    let queries: Vec<Vec<f32>> = (0..10).map(|q| vector(N + q)).collect();
    let before: Vec<Vec<u64>> = queries.iter().map(|q| nearest(&index, q)).collect();
    let bytes = index.to_native_bytes().unwrap();
    let path = dir.file("sparse.annoy");
    match index.save_as(dir.file("sparse.ann"), Format::Annoy, false) {
        Err(Error::WrongState(msg)) => assert!(msg.contains("native"), "{msg}"),
        other => panic!("saving external ids in Annoy's format: {other:?}"),
    }
    index.save_as(&path, Format::Native, false).unwrap();
    let opened = Index::open(&path, false).unwrap();
    let copied = Index::open_bytes(&bytes).unwrap();
    for other in [&index, &opened, &copied] {
        other.verify().unwrap();
        let after: Vec<Vec<u64>> = queries.iter().map(|q| nearest(other, q)).collect();
        assert_eq!(before, after);
        assert_eq!(
            other
                .item_of_external_id(external(123))
                .and_then(|i| other.external_id(i))
                .unwrap(),
            external(123)
        );
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn re_adding_an_id_replaces_it_and_plain_ids_do_not_mix() {
    let mut index = Index::new(3, Metric::Euclidean).unwrap();
    index
        .add_item_with_id(5_000_000_000, &[1.0, 0.0, 0.0])
        .unwrap();
    index.add_item_with_id(7, &[0.0, 1.0, 0.0]).unwrap();
    index
        .add_item_with_id(5_000_000_000, &[0.0, 0.0, 1.0])
        .unwrap();
    assert_eq!(index.n_items(), 2);
    assert!(matches!(
        index.add_item(0, &[1.0, 1.0, 1.0]),
        Err(Error::WrongState(_))
    ));
    index.build(2, 1).unwrap();
    // Built: internal order is ascending external id.
    assert_eq!(index.external_id(0).unwrap(), 7);
    assert_eq!(index.external_id(1).unwrap(), 5_000_000_000);
    assert_eq!(index.item_vector(1).unwrap(), vec![0.0, 0.0, 1.0]);
    index.unbuild().unwrap();
    index.add_item_with_id(1, &[1.0, 1.0, 0.0]).unwrap();
    index.build(2, 1).unwrap();
    assert_eq!(index.external_id(0).unwrap(), 1);
    assert_eq!(index.item_of_external_id(5_000_000_000).unwrap(), 2);

    let mut plain = Index::new(3, Metric::Euclidean).unwrap();
    plain.add_item(0, &[1.0, 0.0, 0.0]).unwrap();
    assert!(matches!(
        plain.add_item_with_id(9, &[1.0, 0.0, 0.0]),
        Err(Error::WrongState(_))
    ));
    assert!(matches!(
        plain.add_item_with_id(9, &[f32::NAN, 0.0, 0.0]),
        Err(Error::WrongState(_) | Error::NotFinite { .. })
    ));
}
