//! Inputs that once crashed a fuzz target (`fuzz/`), kept as files under
//! `tests/fuzz_regressions/<target>/`: each goes through what its target does, and must give
//! errors or answers, never a panic.

use annoy::{Index, Metric, Query, QueryOptions, Scratch, ValueType};
use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

/// The queries the fuzz targets run on an index that opened.
fn exercise(index: &mut Index) {
    let _ = index.verify();
    let query: Vec<f32> = (0..index.dim()).map(|i| (i % 7) as f32 - 3.0).collect();
    let _ = index.query(Query::Vector(&query), 10, Some(200));
    let _ = index.query(Query::Vector(&query), 3, None);
    if index.has_graph() {
        let mut scratch = Scratch::new();
        for ef in [4, 64] {
            let options = QueryOptions::new(5).ef(ef);
            let _ = index.query_with_options(Query::Vector(&query), &options, &mut scratch);
        }
    }
    if index.n_items() > 0 {
        let last = (index.n_items() - 1) as u32;
        let _ = index.query(Query::Item(last), 5, Some(100));
        let _ = index.item_vector(0);
        let _ = index.distance(0, last);
    }
    let _ = index.to_native_bytes();
    let other = match index.stored_value_type() {
        ValueType::F32 => ValueType::F16,
        ValueType::F16 => ValueType::F32,
    };
    if index.set_value_type(other).is_ok() {
        let _ = index.to_native_bytes();
    }
}

#[test]
fn native_inputs_that_crashed_open_native_are_handled() {
    let found = inputs("open_native");
    assert!(!found.is_empty());
    for (name, bytes) in found {
        let outcome = std::panic::catch_unwind(move || {
            if let Ok(mut index) = Index::open_bytes(&bytes) {
                exercise(&mut index);
            }
        });
        assert!(outcome.is_ok(), "{name} panicked");
    }
}

/// The first crash: an f16 file whose tree reaches an item record as a split node; the f16
/// record is shorter than a split plane. The query must report the damage.
#[test]
fn an_item_reached_as_a_split_is_corrupt() {
    let (_, bytes) = &inputs("open_native")[0];
    let index = Index::open_bytes(bytes).expect("the header and sections are sound");
    assert_eq!(index.metric(), Metric::Dot);
    assert_eq!(index.stored_value_type(), ValueType::F16);
    let query: Vec<f32> = (0..index.dim()).map(|i| (i % 7) as f32 - 3.0).collect();
    let answers: Vec<_> = [Some(200), None]
        .into_iter()
        .map(|k| index.query(Query::Vector(&query), 10, k))
        .collect();
    assert!(
        answers
            .iter()
            .any(|a| matches!(a, Err(annoy::Error::Corrupt(_)))),
        "{answers:?}"
    );
}
