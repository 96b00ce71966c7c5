//! The graph index: recall against brute force on every metric, byte-identical graphs on any
//! thread count, filtered search, and errors for bad input.

mod common;

use annoy::{
    Bitset, Error, Filter, GraphParams, Index, Metric, Query, QueryOptions, RecallSample, Scratch,
    DEFAULT_EF,
};
use common::{generate, index_of, kth_keys, rank_key, recall, recipes, true_distance};

fn graph_index(recipe: &common::Recipe, threads: i32) -> (Index, common::DataSet) {
    let data = generate(recipe);
    let mut index = index_of(recipe.metric, &data);
    index.build(1, 1).unwrap();
    index
        .build_graph(GraphParams::default().degree(24).knn(48), threads)
        .unwrap();
    (index, data)
}

/// Tie-aware recall@10 of the graph at beam width `ef` (see `common::recall`).
fn recall_at(index: &Index, data: &common::DataSet, kth: &[f64], ef: usize) -> f64 {
    let metric = index.metric();
    let mut scratch = Scratch::new();
    let options = QueryOptions::new(10).ef(ef);
    let mut hits = 0;
    for (q, &kth) in data.queries.iter().zip(kth) {
        let found = index
            .query_with_options(Query::Vector(q), &options, &mut scratch)
            .unwrap();
        assert_eq!(found.len(), 10);
        let tol = 1e-6 * kth.abs().max(1.0);
        hits += found
            .iter()
            .filter(|n| {
                let d = true_distance(metric, &data.points[n.id as usize], q);
                rank_key(metric, d) <= kth + tol
            })
            .count();
    }
    hits as f64 / (10 * data.queries.len()) as f64
}

/// Angular, euclidean and manhattan reach 0.95 at the default beam width. Dot (searched in
/// the augmented space, where the query lies off the items' sphere) and hamming (192 bits in
/// 24 tight clusters: distances within a cluster nearly all equal) need wider beams.
#[test]
fn graph_recall_against_brute_force_on_every_metric() {
    for recipe in recipes() {
        let (index, data) = graph_index(&recipe, 2);
        assert!(index.has_graph());
        let kth = kth_keys(recipe.metric, &data, 10);
        let (ef, want) = match recipe.metric {
            Metric::Dot => (512, 0.95),
            Metric::Hamming => (512, 0.85),
            _ => (annoy::DEFAULT_EF, 0.95),
        };
        let got = recall_at(&index, &data, &kth, ef);
        let default = recall(&index, &data, &kth, 10, None);
        // The forest of one tree under it reaches far less at its default effort.
        let mut forest_only = index_of(recipe.metric, &data);
        forest_only.build(1, 1).unwrap();
        let forest = recall(&forest_only, &data, &kth, 10, None);
        eprintln!(
            "{}: graph recall@10 {got:.3} at ef {ef}, {default:.3} at the default; one tree {forest:.3}",
            recipe.metric
        );
        assert!(
            got >= want,
            "{}: graph recall@10 {got} at ef {ef}",
            recipe.metric
        );
        assert!(
            default > forest,
            "{}: graph {default} vs one tree {forest}",
            recipe.metric
        );
    }
}

#[test]
fn wider_beam_finds_more() {
    let recipe = recipes()[0];
    let (index, data) = graph_index(&recipe, 1);
    let kth = kth_keys(recipe.metric, &data, 10);
    let at = |ef: usize| recall_at(&index, &data, &kth, ef);
    let (narrow, wide) = (at(10), at(200));
    assert!(wide >= 0.99, "ef 200: {wide}");
    assert!(narrow < wide, "ef 10 {narrow} vs ef 200 {wide}");
}

#[test]
fn graph_is_byte_identical_on_1_2_and_4_threads() {
    for recipe in [recipes()[0], recipes()[3], recipes()[4]] {
        let sections: Vec<_> = [1, 2, 4]
            .iter()
            .map(|&t| graph_index(&recipe, t).0.graph_sections().unwrap())
            .collect();
        assert_eq!(sections[0], sections[1], "{}", recipe.metric);
        assert_eq!(sections[0], sections[2], "{}", recipe.metric);
    }
}

#[test]
fn results_are_sorted_with_user_distances() {
    for recipe in recipes() {
        let (index, data) = graph_index(&recipe, 1);
        let q = &data.queries[0];
        let found = index.query(Query::Vector(q), 10, None).unwrap();
        for n in &found {
            let want = true_distance(recipe.metric, &data.points[n.id as usize], q);
            assert!(
                (n.distance as f64 - want).abs() <= 1e-3 * want.abs().max(1.0),
                "{}: {} vs {want}",
                recipe.metric,
                n.distance
            );
        }
        let keys: Vec<f64> = found
            .iter()
            .map(|n| rank_key(recipe.metric, n.distance as f64))
            .collect();
        assert!(
            keys.windows(2).all(|w| w[0] <= w[1] + 1e-5),
            "{}",
            recipe.metric
        );
    }
}

/// Filtered recall@10 against brute force over the allowed items.
fn filtered_recall(
    index: &Index,
    data: &common::DataSet,
    filter: Filter<'_>,
    allowed: &[bool],
) -> f64 {
    let metric = index.metric();
    let mut scratch = Scratch::new();
    let options = QueryOptions::new(10).filter(filter);
    let mut hits = 0;
    let mut wanted = 0;
    for q in &data.queries {
        let mut keys: Vec<f64> = (0..data.points.len())
            .filter(|&i| allowed[i])
            .map(|i| rank_key(metric, true_distance(metric, &data.points[i], q)))
            .collect();
        keys.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let kth = keys[9.min(keys.len() - 1)];
        let found = index
            .query_with_options(Query::Vector(q), &options, &mut scratch)
            .unwrap();
        assert!(
            found.iter().all(|n| allowed[n.id as usize]),
            "a rejected item was returned"
        );
        wanted += 10.min(keys.len());
        hits += found
            .iter()
            .filter(|n| {
                rank_key(
                    metric,
                    true_distance(metric, &data.points[n.id as usize], q),
                ) <= kth + 1e-6
            })
            .count();
    }
    hits as f64 / wanted as f64
}

#[test]
fn filtered_search_keeps_recall_from_1_to_50_percent() {
    let recipe = common::Recipe {
        n_points: 20000,
        ..recipes()[0]
    };
    let (index, data) = graph_index(&recipe, 2);
    for percent in [1, 5, 20, 50] {
        let allowed: Vec<bool> = (0..data.points.len())
            .map(|i| (i * 7919) % 100 < percent)
            .collect();
        let words = Bitset::from_ids((0..allowed.len() as u32).filter(|&i| allowed[i as usize]));
        let bits = Bitset::new(&words);
        let by_bits = filtered_recall(&index, &data, Filter::Allow(bits), &allowed);
        let predicate = |id: u32| allowed[id as usize];
        let by_predicate = filtered_recall(&index, &data, Filter::Predicate(&predicate), &allowed);
        eprintln!("{percent}%: bitset {by_bits:.3}, predicate {by_predicate:.3}");
        assert!(by_bits >= 0.9, "{percent}% bitset: {by_bits}");
        assert!(by_predicate >= 0.9, "{percent}% predicate: {by_predicate}");
    }
}

#[test]
fn bad_queries_get_errors() {
    let (index, data) = graph_index(&recipes()[0], 1);
    let mut scratch = Scratch::new();
    let q = &data.queries[0];
    let zero = QueryOptions::new(10).ef(0);
    assert!(matches!(
        index.query_with_options(Query::Vector(q), &zero, &mut scratch),
        Err(Error::InvalidArgument(_))
    ));
    let mut nan = q.clone();
    nan[3] = f32::NAN;
    let options = QueryOptions::new(10).ef(32);
    assert!(matches!(
        index.query_with_options(Query::Vector(&nan), &options, &mut scratch),
        Err(Error::NotFinite { position: 3 })
    ));
    assert!(matches!(
        index.query_with_options(Query::Vector(&q[1..]), &options, &mut scratch),
        Err(Error::Dimension { .. })
    ));
    let unknown = Query::Item(data.points.len() as u32);
    assert!(matches!(
        index.query_with_options(unknown, &options, &mut scratch),
        Err(Error::UnknownItem { .. })
    ));
    // n = 0 asks for nothing; a huge n returns every item at most.
    let none = QueryOptions::new(0).ef(32);
    assert!(index
        .query_with_options(Query::Vector(q), &none, &mut scratch)
        .unwrap()
        .is_empty());
    let found = index.query(Query::Item(5), 10, None).unwrap();
    assert_eq!(found[0].id, 5);
}

#[test]
fn graph_needs_a_built_index_and_sane_parameters() {
    let data = generate(&recipes()[1]);
    let mut index = index_of(Metric::Euclidean, &data);
    assert!(matches!(
        index.build_graph(GraphParams::default(), 1),
        Err(Error::WrongState(_))
    ));
    index.build(1, 1).unwrap();
    let options = QueryOptions::new(10).ef(32);
    let mut scratch = Scratch::new();
    assert!(matches!(
        index.query_with_options(Query::Vector(&data.queries[0]), &options, &mut scratch),
        Err(Error::WrongState(_))
    ));
    for params in [
        GraphParams::default().degree(0),
        GraphParams::default().degree(100_000),
        GraphParams::default().knn(0),
        GraphParams::default().leaf_size(1),
        GraphParams::default().alpha(f32::NAN),
        GraphParams::default().alpha(0.5),
    ] {
        assert!(
            matches!(index.build_graph(params, 1), Err(Error::InvalidArgument(_))),
            "{params:?}"
        );
    }
    assert!(matches!(
        index.build_graph(GraphParams::default(), 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(!index.has_graph());
}

#[test]
fn sections_round_trip_and_damage_is_caught() {
    let (mut index, data) = graph_index(&recipes()[1], 1);
    let (header, adjacency) = index.graph_sections().unwrap();
    let before = index
        .query(Query::Vector(&data.queries[0]), 10, None)
        .unwrap();
    index.drop_graph();
    index.set_graph_sections(&header, &adjacency).unwrap();
    assert_eq!(
        index
            .query(Query::Vector(&data.queries[0]), 10, None)
            .unwrap(),
        before
    );
    let mut bad_edge = adjacency.clone();
    bad_edge[4..8].copy_from_slice(&(data.points.len() as u32).to_le_bytes());
    let mut bad_degree = header.clone();
    bad_degree[0] = 0;
    for (h, a) in [
        (&header[..], &adjacency[..adjacency.len() - 4]),
        (&header[..10], &adjacency[..]),
        (&bad_degree[..], &adjacency[..]),
        (&header[..], &bad_edge[..]),
    ] {
        assert!(matches!(
            index.set_graph_sections(h, a),
            Err(Error::Corrupt(_))
        ));
    }
}

#[test]
fn holes_are_never_returned_and_save_keeps_the_graph() {
    let data = generate(&recipes()[0]);
    let mut index = Index::new(data.dim, Metric::Angular).unwrap();
    // Only even ids: every odd id is a hole (a zero vector in the file).
    for (i, p) in data.points.iter().enumerate() {
        index.add_item(2 * i as u32, p).unwrap();
    }
    index.build(1, 1).unwrap();
    index.build_graph(GraphParams::default(), 2).unwrap();
    let dir = common::TempDir::new("graph");
    let path = dir.file("g.ann");
    index.save(&path, false).unwrap();
    assert!(
        index.has_graph(),
        "save serves the same items: the graph stays"
    );
    for q in &data.queries {
        let found = index.query(Query::Vector(q), 20, None).unwrap();
        assert_eq!(found.len(), 20);
        assert!(found.iter().all(|n| n.id % 2 == 0), "a hole was returned");
    }
    index.load(&path, false).unwrap();
    assert!(!index.has_graph(), "a loaded file brings no graph");
}

/// `estimate_recall_at_efs` measures each width on one truth: the same recalls as
/// `estimate_recall` at each, with the width used; without a graph a width is refused.
#[test]
fn recall_at_efs_matches_estimate_recall_at_each_width() {
    let (mut index, data) = graph_index(&recipes()[0], 1);
    let sample = RecallSample::Queries(&data.queries.concat());
    let options = QueryOptions::new(10);
    let efs = [Some(4), None, Some(200)];
    let points = index
        .estimate_recall_at_efs(&options, &efs, sample)
        .unwrap();
    let widths: Vec<_> = points.iter().map(|p| p.beam_width).collect();
    assert_eq!(widths, [Some(10), Some(DEFAULT_EF), Some(200)]);
    for (point, ef) in points.iter().zip(efs) {
        let at = match ef {
            Some(ef) => options.ef(ef),
            None => options,
        };
        let alone = index.estimate_recall(&at, sample).unwrap();
        assert_eq!(point.recall, alone.recall, "ef {ef:?}");
    }
    assert!(points[2].recall >= 0.99, "ef 200: {}", points[2].recall);
    assert!(matches!(
        index.estimate_recall_at_efs(&options, &[Some(0)], sample),
        Err(Error::InvalidArgument(_))
    ));
    index.drop_graph();
    assert!(matches!(
        index.estimate_recall_at_efs(&options, &[Some(64)], sample),
        Err(Error::WrongState(_))
    ));
    let forest = index
        .estimate_recall_at_efs(&options, &[None], sample)
        .unwrap();
    assert_eq!(forest[0].beam_width, None);
}

/// On an index with a graph `tune` tunes the beam width (the forest's `search_k` answers
/// nothing there): from n up, the chosen width reaches the target (recall 1.0, which this
/// data reaches past ef 20), the one below it does not, and `estimate_recall` agrees.
#[test]
fn tune_searches_beam_widths_on_a_graph() {
    let (mut index, data) = graph_index(&recipes()[0], 1);
    let sample = RecallSample::Queries(&data.queries.concat());
    let options = QueryOptions::new(10);
    let tuning = index.tune(&options, 1.0, sample).unwrap();
    let best = *tuning.best().expect("some width reaches 1.0");
    let width = best.beam_width.expect("a graph tunes its beam width");
    assert!(best.recall >= 1.0);
    let widths: Vec<usize> = tuning
        .points
        .iter()
        .map(|p| p.beam_width.unwrap())
        .collect();
    assert!(widths.windows(2).all(|w| w[0] < w[1]), "{widths:?}");
    assert_eq!(widths[0], 10, "starts at n");
    if let Some(below) = tuning.chosen.and_then(|c| c.checked_sub(1)) {
        assert!(tuning.points[below].recall < 1.0);
    }
    let again = index.estimate_recall(&options.ef(width), sample).unwrap();
    assert_eq!(again.recall, best.recall);
    // Without the graph the same call tunes search_k again.
    index.drop_graph();
    let forest = index.tune(&options, 0.5, sample).unwrap();
    assert!(forest.points.iter().all(|p| p.beam_width.is_none()));
}
