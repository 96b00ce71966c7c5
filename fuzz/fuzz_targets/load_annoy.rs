//! Arbitrary bytes loaded as an Annoy file: the first two bytes choose the metric, the dot
//! layout and the dimension (Annoy's format records none of them), the rest is the file. The
//! loaded index is verified and queried, and written in the native format and opened again.

#![no_main]

use annoy::{DotLayout, Index, Metric, Query};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [shape, dim, file @ ..] = data else {
        return;
    };
    let metric = Metric::ALL[(*shape % 5) as usize];
    let dim = 1 + (*dim % 16) as usize * if metric == Metric::Hamming { 8 } else { 1 };
    let Ok(mut index) = Index::new(dim, metric) else {
        return;
    };
    if metric == Metric::Dot && shape & 0x80 != 0 {
        let _ = index.set_dot_layout(if shape & 0x40 != 0 {
            DotLayout::AnnoyMain
        } else {
            DotLayout::Annoy117
        });
    }
    if index.load_bytes(file).is_err() {
        return;
    }
    let sound = index.verify().is_ok();
    let query: Vec<f32> = (0..dim).map(|i| (i % 5) as f32 - 2.0).collect();
    let _ = index.query(Query::Vector(&query), 10, Some(300));
    let _ = index.query(Query::Vector(&query), 2, None);
    if index.n_items() > 0 {
        let last = (index.n_items() - 1) as u32;
        let _ = index.query(Query::Item(last), 5, Some(100));
        let _ = index.item_vector(last);
        let _ = index.distance(0, last);
    }
    if let Ok(bytes) = index.to_native_bytes() {
        let reopened = Index::open_bytes(&bytes).expect("a written native file opens");
        // The native copy keeps what the Annoy file holds, damage included: it verifies
        // exactly when the Annoy file does.
        assert_eq!(reopened.verify().is_ok(), sound, "verify differs after conversion");
    }
});
