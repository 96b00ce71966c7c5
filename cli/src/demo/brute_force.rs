//! Exact nearest neighbours by comparing every query with every point: the ground truth the
//! demo measures recall against. Queries are split over threads.

use super::dataset::Points;
use annoy::Metric;

/// The ids of the `k` nearest points to each query, nearest first (ties: lower id first).
pub fn nearest(
    metric: Metric,
    points: &Points,
    queries: &Points,
    k: usize,
    threads: usize,
) -> Vec<Vec<u32>> {
    let norms: Vec<f32> = (0..points.len())
        .map(|i| dot(points.row(i), points.row(i)).sqrt())
        .collect();
    let mut results = vec![Vec::new(); queries.len()];
    let per_thread = queries.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        for (chunk_index, chunk) in results.chunks_mut(per_thread).enumerate() {
            let norms = &norms;
            scope.spawn(move || {
                for (j, out) in chunk.iter_mut().enumerate() {
                    let q = queries.row(chunk_index * per_thread + j);
                    *out = nearest_one(metric, points, norms, q, k);
                }
            });
        }
    });
    results
}

fn nearest_one(metric: Metric, points: &Points, norms: &[f32], q: &[f32], k: usize) -> Vec<u32> {
    let q_norm = dot(q, q).sqrt();
    // The k best so far as (key, id), sorted; a smaller key is nearer.
    let mut best: Vec<(f32, u32)> = Vec::with_capacity(k + 1);
    for (i, &norm) in norms.iter().enumerate() {
        let key = ranking_key(metric, q, q_norm, points.row(i), norm);
        if best.len() == k && key >= best[k - 1].0 {
            continue;
        }
        let at = best.partition_point(|&(d, _)| d <= key);
        best.insert(at, (key, i as u32));
        best.truncate(k);
    }
    best.into_iter().map(|(_, id)| id).collect()
}

/// A number that orders points as the metric's distance does (cheaper than the distance).
fn ranking_key(metric: Metric, q: &[f32], q_norm: f32, x: &[f32], x_norm: f32) -> f32 {
    match metric {
        Metric::Angular => {
            let norms = q_norm * x_norm;
            if norms > 0.0 {
                -dot(q, x) / norms
            } else {
                0.0
            }
        }
        Metric::Euclidean => q.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum(),
        Metric::Manhattan => q.iter().zip(x).map(|(a, b)| (a - b).abs()).sum(),
        Metric::Dot => -dot(q, x),
        Metric::Hamming => q
            .iter()
            .zip(x)
            .filter(|(a, b)| (**a > 0.5) != (**b > 0.5))
            .count() as f32,
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exact_neighbours_on_every_thread_count() {
        let points = Points {
            dim: 1,
            values: vec![0.0, 10.0, 3.0, 4.0, -1.0],
        };
        let queries = Points {
            dim: 1,
            values: vec![3.4, 9.0, -0.4],
        };
        for threads in 1..5 {
            let got = nearest(Metric::Euclidean, &points, &queries, 2, threads);
            assert_eq!(got, vec![vec![2, 3], vec![1, 3], vec![0, 4]]);
        }
    }
}
