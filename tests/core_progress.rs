//! Build progress and cancellation: the callback runs on the calling thread, sees every
//! tree, and a cancel leaves the index as it was before the build.

mod common;

use annoy::{BuildProgress, Error, Index, Metric, State};
use common::{Rng, TempDir};
use std::ops::ControlFlow;

fn index_of(n: usize, dim: usize, metric: Metric) -> Index {
    let mut rng = Rng::new(42);
    let mut index = Index::new(dim, metric).unwrap();
    for i in 0..n {
        let v: Vec<f32> = (0..dim).map(|_| rng.gaussian() as f32).collect();
        index.add_item(i as u32, &v).unwrap();
    }
    index
}

#[test]
fn progress_counts_every_tree_on_the_calling_thread() {
    for threads in [1, 2] {
        let mut index = index_of(2000, 16, Metric::Euclidean);
        let caller = std::thread::current().id();
        let mut seen: Vec<BuildProgress> = Vec::new();
        index
            .build_with_progress(12, threads, &mut |p| {
                assert_eq!(std::thread::current().id(), caller);
                seen.push(p);
                ControlFlow::Continue(())
            })
            .unwrap();
        assert!(seen.iter().all(|p| p.trees_wanted == Some(12)));
        assert!(seen.windows(2).all(|w| w[0].trees_done <= w[1].trees_done));
        assert_eq!(seen.last().unwrap().trees_done, 12, "{threads} threads");
        assert_eq!(index.n_trees(), 12);
    }
}

#[test]
fn automatic_count_reports_no_total() {
    let mut index = index_of(500, 8, Metric::Angular);
    let mut last = None;
    index
        .build_with_progress(-1, 1, &mut |p| {
            last = Some(p);
            ControlFlow::Continue(())
        })
        .unwrap();
    let last = last.unwrap();
    assert_eq!(last.trees_wanted, None);
    assert!(last.trees_done >= index.n_trees() && index.n_trees() >= 1);
}

#[test]
fn a_cancelled_build_leaves_the_index_as_it_was() {
    let dir = TempDir::new("progress-cancel");
    for metric in [Metric::Euclidean, Metric::Dot, Metric::Hamming] {
        for (threads, cancel_at) in [(1, 0), (2, 0), (2, 3)] {
            let mut index = index_of(3000, 24, metric);
            let before: Vec<Vec<f32>> = (0..3000).map(|i| index.item_vector(i).unwrap()).collect();
            let result = index.build_with_progress(40, threads, &mut |p| {
                if p.trees_done >= cancel_at {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
            assert!(
                matches!(result, Err(Error::Cancelled)),
                "{metric}: {result:?}"
            );
            assert_eq!(index.state(), State::Adding);
            assert_eq!((index.n_items(), index.n_trees()), (3000, 0));
            for (i, v) in before.iter().enumerate() {
                assert_eq!(
                    &index.item_vector(i as u32).unwrap(),
                    v,
                    "{metric} item {i}"
                );
            }
            // Buildable again, to the bytes a build that was never cancelled writes.
            let (again, fresh) = (dir.file("again.ann"), dir.file("fresh.ann"));
            index.build(5, threads).unwrap();
            index.save(&again, false).unwrap();
            let mut other = index_of(3000, 24, metric);
            other.build(5, threads).unwrap();
            other.save(&fresh, false).unwrap();
            assert!(
                std::fs::read(&again).unwrap() == std::fs::read(&fresh).unwrap(),
                "{metric}: rebuilt file differs"
            );
        }
    }
}

#[test]
fn a_large_build_stops_after_the_cancel() {
    // 200k × 64: a level-by-level build. After the callback cancels it is not called again,
    // and the build returns (its latency is measured by examples/build_cancel.rs).
    let mut index = index_of(200_000, 64, Metric::Euclidean);
    let mut calls = 0;
    let result = index.build_with_progress(10, 2, &mut |_| {
        calls += 1;
        ControlFlow::Break(())
    });
    assert!(matches!(result, Err(Error::Cancelled)));
    assert_eq!(calls, 1);
    assert_eq!(index.state(), State::Adding);
}
