//! The graph in the native file: saved and opened (from a path, a copy and a borrowed
//! buffer) answering as the graph in memory, byte-identical files on any thread count, and
//! damaged graph sections refused at open or by `verify`.

mod common;

use annoy::{Format, GraphParams, Index, Query, QueryOptions, Scratch};
use common::{generate, index_of, recipes};

/// The native file of an index of `recipe` with a 3-tree forest and a graph, both built on
/// `threads` threads.
fn graph_file(recipe: &common::Recipe, threads: i32) -> (Index, Vec<u8>, common::DataSet) {
    let data = generate(recipe);
    let mut index = index_of(recipe.metric, &data);
    index.build(3, threads).unwrap();
    index
        .build_graph(GraphParams::for_degree(16), threads)
        .unwrap();
    let bytes = index.to_native_bytes().unwrap();
    (index, bytes, data)
}

fn answers(index: &Index, data: &common::DataSet) -> Vec<Vec<(u32, u32)>> {
    let options = QueryOptions::new(10).ef(40);
    let mut scratch = Scratch::new();
    data.queries
        .iter()
        .map(|q| {
            index
                .query_with_options(Query::Vector(q), &options, &mut scratch)
                .unwrap()
                .iter()
                .map(|n| (n.id, n.distance.to_bits()))
                .collect()
        })
        .collect()
}

#[test]
fn saved_graph_opens_from_path_copy_and_borrowed_buffer_answering_the_same() {
    for recipe in recipes() {
        let (mut index, bytes, data) = graph_file(&recipe, 2);
        let want = answers(&index, &data);
        let dir = common::TempDir::new("graphfile");
        let path = dir.path().join("g.ann");
        index.save_as(&path, Format::Native, false).unwrap();
        assert!(
            index.has_graph(),
            "{}: graph kept after save",
            recipe.metric
        );
        assert_eq!(answers(&index, &data), want, "{}", recipe.metric);
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{}", recipe.metric);

        let opened = Index::open(&path, false).unwrap();
        assert_eq!(opened.graph_degree(), Some(16));
        opened.verify().unwrap();
        assert_eq!(answers(&opened, &data), want, "{}: open", recipe.metric);
        assert_eq!(
            opened.to_native_bytes().unwrap(),
            bytes,
            "{}",
            recipe.metric
        );

        let copied = Index::open_bytes(&bytes).unwrap();
        assert_eq!(answers(&copied, &data), want, "{}: copy", recipe.metric);

        // 8-byte aligned storage for the borrowed open.
        let words: Vec<u64> = bytes
            .chunks(8)
            .map(|c| {
                let mut w = [0u8; 8];
                w[..c.len()].copy_from_slice(c);
                u64::from_le_bytes(w)
            })
            .collect();
        // SAFETY: `words` outlives `borrowed` and is not changed meanwhile.
        let aligned =
            unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), bytes.len()) };
        // SAFETY: as above.
        let borrowed = unsafe { Index::open_borrowed(aligned) }.unwrap();
        assert_eq!(
            answers(&borrowed, &data),
            want,
            "{}: borrowed",
            recipe.metric
        );

        let mut loaded = Index::new(data.dim, recipe.metric).unwrap();
        loaded.load(&path, false).unwrap();
        assert!(loaded.has_graph());
        assert_eq!(answers(&loaded, &data), want, "{}: load", recipe.metric);
    }
}

#[test]
fn annoy_format_save_writes_the_forest_only_and_keeps_the_graph_in_memory() {
    let recipe = recipes()[0];
    let (mut index, _, data) = graph_file(&recipe, 1);
    let dir = common::TempDir::new("graphfile");
    let native = dir.path().join("g.ann");
    index.save_as(&native, Format::Native, false).unwrap();
    let mut opened = Index::open(&native, false).unwrap();
    let want = answers(&opened, &data);
    // The rows were read from `native`; saving elsewhere must not leave them dangling.
    let annoy = dir.path().join("a.ann");
    opened.save_as(&annoy, Format::Annoy, false).unwrap();
    std::fs::remove_file(&native).unwrap();
    assert!(opened.has_graph());
    assert_eq!(answers(&opened, &data), want);
    let mut forest = Index::new(data.dim, recipe.metric).unwrap();
    forest.load(&annoy, false).unwrap();
    assert!(!forest.has_graph());
    // Saving the index (served from the Annoy file, graph in memory) natively writes it again.
    let again = dir.path().join("n2.ann");
    opened.save_as(&again, Format::Native, false).unwrap();
    assert!(Index::open(&again, false).unwrap().has_graph());
}

#[test]
fn native_file_with_graph_is_byte_identical_on_1_2_and_64_threads() {
    for recipe in [recipes()[0], recipes()[1], recipes()[3]] {
        let files: Vec<Vec<u8>> = [1, 2, 64]
            .iter()
            .map(|&t| graph_file(&recipe, t).1)
            .collect();
        assert!(files[0] == files[1], "{}: 1 vs 2 threads", recipe.metric);
        assert!(files[0] == files[2], "{}: 1 vs 64 threads", recipe.metric);
    }
}

/// The offset and length of each section of `kind` in 16..=31, read from the table.
fn graph_sections(bytes: &[u8]) -> Vec<(u32, usize, usize)> {
    let count = u32::from_le_bytes(bytes[40..44].try_into().unwrap()) as usize;
    (0..count)
        .map(|k| &bytes[64 + 32 * k..96 + 32 * k])
        .map(|e| {
            let word = |at: usize| u64::from_le_bytes(e[at..at + 8].try_into().unwrap()) as usize;
            (
                u32::from_le_bytes(e[..4].try_into().unwrap()),
                word(8),
                word(16),
            )
        })
        .filter(|s| (16..=31).contains(&s.0))
        .collect()
}

#[test]
fn every_flipped_bit_in_the_graph_sections_is_refused_at_open_or_by_verify() {
    let recipe = recipes()[0];
    let (_, bytes, mut few_queries) = graph_file(&recipe, 1);
    few_queries.queries.truncate(10);
    let sections = graph_sections(&bytes);
    assert_eq!(sections.iter().map(|s| s.0).collect::<Vec<_>>(), [16, 17]);
    let (mut refused_at_open, mut found_by_verify) = (0, 0);
    for &(kind, offset, len) in &sections {
        // Every byte of the first 64 (the header's counts and entry points), then about 300
        // bytes spread through the rest (every byte costs minutes in a debug build or under
        // an emulator). The stride is odd so the damaged bytes fall at every offset of a u32.
        let head = len.min(64);
        let stride = ((len - head) / 300) | 1;
        let spread = (offset + head..offset + len).step_by(stride);
        for at in (offset..offset + head).chain(spread) {
            for bit in [0, 5, 7] {
                let mut damaged = bytes.clone();
                damaged[at] ^= 1 << bit;
                match Index::open_bytes(&damaged) {
                    Err(annoy::Error::Corrupt(_)) => refused_at_open += 1,
                    Err(e) => panic!("kind {kind} byte {at}: {e:?}"),
                    Ok(index) => {
                        // Opened: queries stay in bounds (a changed edge is still an item).
                        answers(&index, &few_queries);
                        assert!(
                            matches!(index.verify(), Err(annoy::Error::Corrupt(_))),
                            "kind {kind} byte {at} bit {bit}"
                        );
                        found_by_verify += 1;
                    }
                }
            }
        }
    }
    eprintln!("refused at open {refused_at_open}, found by verify {found_by_verify}");
    assert!(refused_at_open > 0 && found_by_verify > 0);
}

#[test]
fn graph_sections_cut_or_out_of_range_are_corrupt() {
    let recipe = recipes()[0];
    let (_, bytes, _) = graph_file(&recipe, 1);
    for (_, offset, len) in graph_sections(&bytes) {
        for cut in [offset, offset + 1, offset + len / 2, offset + len - 1] {
            assert!(matches!(
                Index::open_bytes(&bytes[..cut]),
                Err(annoy::Error::Corrupt(_))
            ));
        }
    }
}
