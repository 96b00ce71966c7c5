//! Arbitrary bytes opened as a native index file, then verified and queried: an error is fine,
//! a crash, a hang or an unbounded allocation is not.

#![no_main]

use annoy::{Index, Query, QueryOptions, Scratch, ValueType};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut index) = Index::open_bytes(data) else {
        return;
    };
    let _ = index.verify();
    let dim = index.dim();
    let query: Vec<f32> = (0..dim).map(|i| (i % 7) as f32 - 3.0).collect();
    let _ = index.query(Query::Vector(&query), 10, Some(200));
    let _ = index.query(Query::Vector(&query), 3, None);
    if index.has_graph() {
        // The graph's beam search, at a narrow and a wide beam.
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
        let _ = index.external_id(last);
    }
    let _ = index.item_of_external_id(7);
    let _ = index.to_native_bytes();
    // The other value type: f16 items widened, or f32 ones rounded (values beyond f16's
    // range are an error).
    let other = match index.stored_value_type() {
        ValueType::F32 => ValueType::F16,
        ValueType::F16 => ValueType::F32,
    };
    if index.set_value_type(other).is_ok() {
        let _ = index.to_native_bytes();
    }
});
