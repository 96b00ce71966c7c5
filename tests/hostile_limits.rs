//! Sizes a caller controls never abort the process: an absurd item id or tree count is an
//! error (fallible allocation, estimated sizes checked before they are needed), and an absurd
//! thread count is clamped and gives the same index.

use annoy::{Error, Format, Index, Metric};

fn small(n: usize) -> Index {
    let mut index = Index::new(4, Metric::Euclidean).unwrap();
    for i in 0..n {
        let x = i as f32;
        index.add_item(i as u32, &[x, -x, x * 0.5, 1.0]).unwrap();
    }
    index
}

#[test]
fn an_id_near_the_limit_is_an_error_not_an_abort() {
    // 2^31 - 2 records of 4 KiB: terabytes, which no allocation gets.
    let mut index = Index::new(1000, Metric::Angular).unwrap();
    let vector = vec![1.0; 1000];
    match index.add_item((1u32 << 31) - 2, &vector) {
        Err(Error::InvalidArgument(msg)) => assert!(msg.contains("cannot allocate"), "{msg}"),
        other => panic!("expected an allocation error, got {other:?}"),
    }
    // The index is unchanged and still usable.
    assert_eq!(index.n_items(), 0);
    index.add_item(3, &vector).unwrap();
    assert_eq!(index.n_items(), 4);
}

#[test]
fn int_max_trees_is_an_error_not_an_abort() {
    let mut index = small(50);
    match index.build(i32::MAX, 1) {
        Err(Error::InvalidArgument(msg)) => assert!(msg.contains("cannot allocate"), "{msg}"),
        other => panic!("expected an allocation error, got {other:?}"),
    }
    assert!(!index.is_built());
    index.build(3, 1).unwrap();
    assert_eq!(index.n_trees(), 3);
}

#[test]
fn a_huge_thread_count_is_clamped_and_changes_nothing() {
    let mut many = small(50);
    many.build(10, 100_000).unwrap();
    let mut one = small(50);
    one.build(10, 1).unwrap();
    let dir = std::env::temp_dir().join(format!("annoy-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("many.ann"), dir.join("one.ann"));
    many.save_as(&a, Format::Annoy, false).unwrap();
    one.save_as(&b, Format::Annoy, false).unwrap();
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}
