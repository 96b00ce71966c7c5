//! Query options: batches answer as single queries do, the effort rules, filtered search
//! against brute force over the allowed items, and recall tuning.

mod common;

use annoy::{
    Bitset, Error, Filter, Index, Metric, Query, QueryOptions, RecallSample, Scratch, SearchK,
};
use common::{generate, true_distance, Recipe};

fn recipe(n_points: usize, dim: usize) -> Recipe {
    Recipe {
        metric: Metric::Euclidean,
        dim,
        n_points,
        n_queries: 60,
        n_clusters: 40,
        seed: 11,
    }
}

fn built(data: &common::DataSet, trees: i32) -> Index {
    let mut index = Index::new(data.dim, Metric::Euclidean).unwrap();
    for (i, p) in data.points.iter().enumerate() {
        index.add_item(i as u32, p).unwrap();
    }
    index.build(trees, 1).unwrap();
    index
}

/// The true `k` nearest allowed points of `q`, by (distance, id).
fn brute_force(
    data: &common::DataSet,
    q: &[f32],
    k: usize,
    allowed: &dyn Fn(u32) -> bool,
) -> Vec<u32> {
    let mut all: Vec<(f64, u32)> = data
        .points
        .iter()
        .enumerate()
        .filter(|&(i, _)| allowed(i as u32))
        .map(|(i, p)| (true_distance(Metric::Euclidean, p, q), i as u32))
        .collect();
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    all.into_iter().take(k).map(|(_, i)| i).collect()
}

#[test]
fn batch_answers_as_single_queries_for_every_n_and_effort() {
    let data = generate(&recipe(600, 8));
    let index = built(&data, 5);
    let flat: Vec<f32> = data.queries.iter().flatten().copied().collect();
    let n_items = index.n_items();
    for n in [0, 1, 7, n_items, n_items + 5] {
        for search_k in [
            SearchK::Default,
            SearchK::Limit(0),
            SearchK::Limit(3),
            SearchK::Limit(200),
            SearchK::Unlimited,
            SearchK::from_annoy(-7),
        ] {
            let options = QueryOptions::new(n).search_k(search_k);
            let row = index.result_capacity(n);
            assert_eq!(row, n.min(n_items));
            let q = data.queries.len();
            for threads in [1, 3] {
                let mut ids = vec![u32::MAX; q * row];
                let mut dists = vec![f32::NAN; q * row];
                let mut counts = vec![usize::MAX; q];
                index
                    .query_batch(
                        &flat,
                        &options,
                        threads,
                        &mut ids,
                        Some(&mut dists),
                        &mut counts,
                    )
                    .unwrap();
                let mut scratch = Scratch::new();
                for (i, v) in data.queries.iter().enumerate() {
                    let one = index
                        .query_with_options(Query::Vector(v), &options, &mut scratch)
                        .unwrap();
                    assert_eq!(counts[i], one.len(), "n {n} {search_k:?}");
                    let got: Vec<u32> = ids[i * row..i * row + one.len()].to_vec();
                    let want: Vec<u32> = one.iter().map(|r| r.id).collect();
                    assert_eq!(got, want, "n {n} {search_k:?} query {i}");
                    let d: Vec<f32> = one.iter().map(|r| r.distance).collect();
                    assert_eq!(&dists[i * row..i * row + one.len()], &d[..]);
                }
            }
        }
    }
}

#[test]
fn effort_rules() {
    assert_eq!(SearchK::from_annoy(-1), SearchK::Default);
    assert_eq!(SearchK::from_annoy(-2), SearchK::Unlimited);
    assert_eq!(SearchK::from_annoy(i64::MIN), SearchK::Unlimited);
    assert_eq!(SearchK::from_annoy(0), SearchK::Limit(0));
    assert_eq!(SearchK::Default.candidates(10, 7), 70);
    assert_eq!(SearchK::Default.candidates(usize::MAX, 7), usize::MAX);

    let data = generate(&recipe(500, 8));
    let index = built(&data, 4);
    let q = Query::Vector(&data.queries[0]);
    // n beyond n_items with the default effort is a full search: the same as unlimited.
    let big = index
        .query_with_options(q, &QueryOptions::new(10_000), &mut Scratch::new())
        .unwrap()
        .to_vec();
    let full = index
        .query_with_options(
            q,
            &QueryOptions::new(10_000).search_k(SearchK::Unlimited),
            &mut Scratch::new(),
        )
        .unwrap()
        .to_vec();
    assert_eq!(big.len(), 500);
    assert_eq!(big, full);
    assert!(index
        .query_with_options(q, &QueryOptions::new(0), &mut Scratch::new())
        .unwrap()
        .is_empty());
    let none = index
        .query_with_options(
            q,
            &QueryOptions::new(5).search_k(SearchK::Limit(0)),
            &mut Scratch::new(),
        )
        .unwrap()
        .is_empty();
    assert!(none);
}

#[test]
fn batch_rejects_bad_input_before_any_query() {
    let data = generate(&recipe(300, 8));
    let index = built(&data, 3);
    let options = QueryOptions::new(5);
    let mut ids = vec![7u32; 10];
    let mut counts = vec![9usize; 2];
    let mut flat: Vec<f32> = data.queries[..2].iter().flatten().copied().collect();
    flat[11] = f32::NAN;
    let e = index
        .query_batch(&flat, &options, 1, &mut ids, None, &mut counts)
        .unwrap_err();
    assert!(matches!(e, Error::NotFinite { position: 11 }), "{e}");
    assert_eq!(counts, [9, 9]);
    let e = index
        .query_batch(&flat[..7], &options, 1, &mut ids, None, &mut counts)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    let flat: Vec<f32> = data.queries[..2].iter().flatten().copied().collect();
    let e = index
        .query_batch(&flat, &options, 1, &mut ids[..9], None, &mut counts)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    let unbuilt = Index::new(8, Metric::Euclidean).unwrap();
    let e = unbuilt
        .query_batch(&flat, &options, 1, &mut ids, None, &mut counts)
        .unwrap_err();
    assert!(matches!(e, Error::WrongState(_)), "{e}");
}

/// Recall@10 of filtered queries against brute force over the allowed items, at the effort
/// the unfiltered query needs for 0.9, for allow-lists of several selectivities and the same
/// allow-lists as predicates.
#[test]
fn filtered_recall_stays_at_the_unfiltered_effort() {
    let data = generate(&recipe(8000, 16));
    let index = built(&data, 10);
    let k = 10;
    let flat: Vec<f32> = data.queries.iter().flatten().copied().collect();
    let tuning = index
        .tune(&QueryOptions::new(k), 0.9, RecallSample::Queries(&flat))
        .unwrap();
    let effort = tuning.best().expect("0.9 is reachable").search_k;
    let mut rng = common::Rng::new(5);
    for selectivity in [0.5, 0.1, 0.01, 0.001] {
        let allowed_ids: Vec<u32> = (0..8000u32)
            .filter(|_| rng.uniform() < selectivity)
            .collect();
        let words = Bitset::from_ids(allowed_ids.iter().copied());
        let bits = Bitset::new(&words);
        let predicate = |id: u32| bits.contains(id);
        for filter in [Filter::Allow(bits), Filter::Predicate(&predicate)] {
            let options = QueryOptions::new(k).search_k(effort).filter(filter);
            let (mut hits, mut wanted) = (0, 0);
            let mut scratch = Scratch::new();
            for q in &data.queries {
                let found = index
                    .query_with_options(Query::Vector(q), &options, &mut scratch)
                    .unwrap();
                assert!(
                    found.iter().all(|r| bits.contains(r.id)),
                    "{filter:?} returned a rejected id"
                );
                let truth = brute_force(&data, q, k, &predicate);
                assert!(found.len() <= truth.len());
                hits += found.iter().filter(|r| truth.contains(&r.id)).count();
                wanted += truth.len();
            }
            let recall = hits as f64 / wanted.max(1) as f64;
            assert!(
                recall >= 0.9,
                "selectivity {selectivity} {filter:?} at {effort:?}: recall {recall}"
            );
            // The library's own estimate agrees that this effort is enough.
            let estimate = index
                .estimate_recall(&options, RecallSample::Queries(&flat))
                .unwrap();
            assert!(
                (estimate.recall - recall).abs() < 0.02,
                "{} vs {recall}",
                estimate.recall
            );
        }
    }
}

#[test]
fn scan_and_walk_of_an_allow_list_agree_with_brute_force_when_unlimited() {
    let data = generate(&recipe(2000, 8));
    let index = built(&data, 5);
    let words = Bitset::from_ids((0..2000).filter(|i| i % 3 == 0));
    let bits = Bitset::new(&words);
    assert_eq!(bits.count(), 667);
    assert!(bits.prefers_scan(1000, 2000));
    assert!(!bits.prefers_scan(10, 2000));
    for search_k in [SearchK::Unlimited, SearchK::Limit(usize::MAX - 1)] {
        let options = QueryOptions::new(10)
            .search_k(search_k)
            .filter(Filter::Allow(bits));
        for q in &data.queries[..10] {
            let found: Vec<u32> = index
                .query_with_options(Query::Vector(q), &options, &mut Scratch::new())
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect();
            assert_eq!(found, brute_force(&data, q, 10, &|id| bits.contains(id)));
        }
    }
    // An empty allow-list finds nothing; ids past the items are ignored.
    let empty = Bitset::new(&[]);
    let far = Bitset::from_ids([5_000_000]);
    for b in [empty, Bitset::new(&far)] {
        let options = QueryOptions::new(10).filter(Filter::Allow(b));
        let found = index
            .query_with_options(Query::Item(0), &options, &mut Scratch::new())
            .unwrap()
            .is_empty();
        assert!(found);
    }
}

#[test]
fn tune_finds_the_smallest_effort_reaching_the_target() {
    let data = generate(&recipe(3000, 16));
    let index = built(&data, 8);
    let options = QueryOptions::new(10);
    let sample = RecallSample::Items { count: 80, seed: 3 };
    let tuning = index.tune(&options, 0.95, sample).unwrap();
    let best = *tuning.best().unwrap();
    assert!(best.recall >= 0.95);
    let below: Vec<_> = tuning
        .points
        .iter()
        .filter(|p| p.candidates < best.candidates)
        .collect();
    assert!(!below.is_empty());
    assert!(below.iter().all(|p| p.recall < 0.95), "{:?}", tuning.points);
    // Recall does not fall as the effort grows.
    for w in tuning.points.windows(2) {
        assert!(w[1].recall >= w[0].recall, "{:?}", tuning.points);
    }
    let again = index
        .estimate_recall(&options.search_k(best.search_k), sample)
        .unwrap();
    assert_eq!(again.recall, best.recall);
    let all = index
        .estimate_recall(&options.search_k(SearchK::Unlimited), sample)
        .unwrap();
    assert_eq!(all.recall, 1.0);
    assert!(matches!(
        index.tune(&options, 1.5, sample),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        index.estimate_recall(&options, RecallSample::Queries(&[])),
        Err(Error::InvalidArgument(_))
    ));
}
