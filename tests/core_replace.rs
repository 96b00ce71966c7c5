//! Saving over a file that another index has mapped: the save succeeds, the mapping index
//! keeps answering from the old contents, and a fresh load sees the new ones. On Unix this is
//! a rename over the file; on Windows, which will not replace a mapped file, the old one is
//! moved aside first (run under Wine in CI).
mod common;

use annoy::{Index, Metric, Query};
use common::TempDir;

fn index_of(offset: f32) -> Index {
    let mut index = Index::new(4, Metric::Euclidean).unwrap();
    for i in 0..50u32 {
        let x = i as f32 + offset;
        index.add_item(i, &[x, -x, 2.0 * x, 0.5]).unwrap();
    }
    index.build(3, 1).unwrap();
    index
}

#[test]
fn saving_over_a_mapped_file_replaces_it() {
    let dir = TempDir::new("replace-mapped");
    let path = dir.file("shared.ann");
    index_of(0.0).save(&path, false).unwrap();
    let mut reader = Index::new(4, Metric::Euclidean).unwrap();
    reader.load(&path, true).unwrap();
    assert_eq!(reader.item_vector(7).unwrap()[0], 7.0);

    // another index writes new contents to the same path while `reader` maps the old file
    index_of(100.0).save(&path, false).unwrap();
    assert_eq!(
        reader.item_vector(7).unwrap()[0],
        7.0,
        "the mapping keeps the old file"
    );
    let hits = reader.query(Query::Item(7), 1, None).unwrap();
    assert_eq!(hits[0].id, 7);

    let mut fresh = Index::new(4, Metric::Euclidean).unwrap();
    fresh.load(&path, false).unwrap();
    assert_eq!(
        fresh.item_vector(7).unwrap()[0],
        107.0,
        "a new load sees the new file"
    );

    // and the reader itself can save over the file it serves from, twice
    reader.save(&path, false).unwrap();
    reader.save(&path, false).unwrap();
    assert_eq!(reader.item_vector(7).unwrap()[0], 7.0);
    drop(fresh);
    drop(reader);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        left,
        vec!["shared.ann".to_string()],
        "no temporary or old file left behind"
    );
}
