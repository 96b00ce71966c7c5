//! Annoy's two-means step: the two centroids a float metric's split plane is drawn between.

use super::kernels::{prefetch_record, Kernels, Soon};
use crate::format::{ItemSet, Node, NodeBuf, NodeMut};
use crate::random::Kiss64;

/// Sampled k-means steps per split, as in Annoy.
const ITERATIONS: usize = 200;

/// What two-means needs from a float metric.
pub(crate) trait MeanSpace {
    /// Cosine mode normalises the starting points and every sample.
    const COSINE: bool;
    fn node_size(&self) -> usize;
    /// Where a record's vector starts.
    fn vector_offset(&self) -> usize;
    /// Unit-normalises a centroid (cosine mode only).
    fn normalize(&self, p: &mut NodeMut<'_>);
    /// Refreshes derived fields of a starting centroid (angular: its squared norm).
    fn init(&self, _p: &mut NodeMut<'_>) {}
    /// `[distance(p, item), distance(q, item)]`, and the inner products `[p·item, q·item]`
    /// where the metric computes them (else zeros), for the update.
    fn distances2(&self, p: Node<'_>, q: Node<'_>, item: Node<'_>) -> ([f32; 2], [f32; 2]);
    /// The sample's length in cosine mode (1 otherwise); samples of length 0 are skipped.
    fn weight(&self, item: Node<'_>) -> f32;
    /// Fills `split` with the plane between two centroids.
    fn split_between(&self, centroids: [NodeBuf; 2], split: &mut NodeBuf);
    /// The step: `p = (p·count + item/weight) / (count+1)`, derived fields included
    /// (`product` is `p·item` from `distances2`), then `distances2(p, other, next)`. Where a
    /// metric fuses the two, the next step's distances start from the new centroid without
    /// storing and reloading it.
    #[allow(clippy::too_many_arguments)]
    fn update_then_distances2(
        &self,
        p: &mut NodeMut<'_>,
        other: Node<'_>,
        item: Node<'_>,
        weight: f32,
        count: i32,
        product: f32,
        next: Node<'_>,
    ) -> ([f32; 2], [f32; 2]);
}

/// Fills each of `splits` with the plane between the two centroids of its items, as
/// `MeanSpace::split_between` draws it.
pub(crate) fn two_means_splits<M: MeanSpace, const N: usize>(
    m: &M,
    items: [ItemSet<'_>; N],
    rng: &mut Kiss64,
    splits: [&mut NodeBuf; N],
) {
    for (centroids, split) in two_means(m, items, rng).into_iter().zip(splits) {
        m.split_between(centroids, split);
    }
}

/// The two centroids `[p, q]` of each of `sets` (each of at least two items), drawing from
/// `rng` as running them one after the other would. The runs take their steps in turn: each
/// is a chain of 200 dependent steps, and side by side they hide each other's latency.
pub(crate) fn two_means<M: MeanSpace, const N: usize>(
    m: &M,
    sets: [ItemSet<'_>; N],
    rng: &mut Kiss64,
) -> [[NodeBuf; 2]; N] {
    // `map` takes the sets in order, so the draws come in the same sequence.
    let mut runs = sets.map(|items| Run::start(m, items, rng));
    // The state each step hands the next, in locals the compiler can keep in registers.
    let mut counts = [[1i32; 2]; N];
    let mut measured = runs.each_ref().map(|run| run.measure(m, 0));
    for step in 0..ITERATIONS {
        for r in 0..N {
            measured[r] = runs[r].step(m, step, &mut counts[r], measured[r]);
        }
    }
    runs.map(|run| run.centroids)
}

/// One two-means run: its items, centroids and samples.
struct Run<'i> {
    items: ItemSet<'i>,
    centroids: [NodeBuf; 2],
    /// The samples do not depend on the data, so they are drawn up front (the same sequence),
    /// and each sample's record is asked for (into the second-level cache) eight steps before
    /// it is needed. One more than the steps: the last step measures a sample (item 0) that no
    /// step takes in, so every step hands the next a measurement and none has to branch.
    samples: [usize; ITERATIONS + 1],
}

/// The distances of a step's sample to the two centroids and its inner products with them.
type Measured = ([f32; 2], [f32; 2]);

impl<'i> Run<'i> {
    fn start<M: MeanSpace>(m: &M, items: ItemSet<'i>, rng: &mut Kiss64) -> Self {
        let count = items.len();
        let i = rng.index(count);
        let mut j = rng.index(count - 1);
        if j >= i {
            j += 1;
        }
        let start = |k: usize| {
            let mut c = NodeBuf::zeroed(m.node_size());
            c.node_mut().0.copy_from_slice(items.get(k).0);
            if M::COSINE {
                m.normalize(&mut c.node_mut());
            }
            m.init(&mut c.node_mut());
            c
        };
        Run {
            items,
            centroids: [start(i), start(j)],
            samples: std::array::from_fn(|k| if k < ITERATIONS { rng.index(count) } else { 0 }),
        }
    }

    /// The distances of sample `step` to the centroids.
    fn measure<M: MeanSpace>(&self, m: &M, step: usize) -> Measured {
        let [p, q] = &self.centroids;
        m.distances2(p.node(), q.node(), self.items.get(self.samples[step]))
    }

    /// Step `step`: `counts` are how many samples each centroid has taken in (its start
    /// included), `measured` the sample's distances to the centroids. Returns the next
    /// sample's.
    #[inline(always)]
    fn step<M: MeanSpace>(
        &mut self,
        m: &M,
        step: usize,
        counts: &mut [i32; 2],
        (distances, products): Measured,
    ) -> Measured {
        let items = self.items;
        if let Some(&ahead) = self.samples.get(step + 8) {
            prefetch_record(
                &items.get(ahead).0[m.vector_offset()..],
                usize::MAX,
                Soon::Later,
            );
        }
        let item = items.get(self.samples[step]);
        let [di, dj] = [0, 1].map(|c| counts[c] as f32 * distances[c]);
        let weight = if M::COSINE { m.weight(item) } else { 1.0 };
        // Skips zero-length samples (and NaN), as Annoy's `!(norm > 0)` does; and on a tie
        // (or NaN) neither centroid moves. Both are rare, so these branches are predictable.
        if weight.is_nan() || weight <= 0.0 || !(di < dj || dj < di) {
            return self.measure(m, step + 1);
        }
        // Which centroid moves is a coin toss to the branch predictor: pick it by index, so
        // the next steps' loads need not wait for the comparison.
        let t = (dj < di) as usize;
        let (count, product) = (counts[t], products[t]);
        counts[t] += 1;
        let [target, other] = moving_first(t, self.centroids.each_mut());
        // The update measures the next sample on the way.
        let (d, p) = m.update_then_distances2(
            &mut target.node_mut(),
            other.node(),
            item,
            weight,
            count,
            product,
            items.get(self.samples[step + 1]),
        );
        // Back from [target, other] to centroid order (the same swap undoes itself).
        (moving_first(t, d), moving_first(t, p))
    }
}

/// `[pair[t], pair[1 - t]]` for `t` in 0..2: the moving centroid's entry first.
fn moving_first<T>(t: usize, [a, b]: [T; 2]) -> [T; 2] {
    if t == 0 {
        [a, b]
    } else {
        [b, a]
    }
}

/// The running-mean update shared by the float metrics: `p = (p·count + x/weight)/(count+1)`.
#[inline]
pub(crate) fn update_mean(k: &Kernels, p: &mut [f32], x: &[f32], weight: f32, count: i32) {
    (k.mean_update)(p, x, count as f32, 1.0 / weight);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{words_as_bytes, words_as_bytes_mut};
    use crate::metric::{kernels, Angular, Dot, Minkowski, Space};

    /// Runs side by side give, bit for bit, the centroids of the same runs one after the other.
    fn check<S: Space + MeanSpace>(space: &S, dim: usize) {
        let (n, s) = (300, space.layout().node_size());
        let mut words = vec![0u64; (n * s).div_ceil(8)];
        let bytes = words_as_bytes_mut(&mut words);
        let mut rng = Kiss64::new(3);
        for i in 0..n {
            let v: Vec<f32> = (0..dim)
                .map(|_| rng.index(1000) as f32 / 100.0 - 5.0)
                .collect();
            let mut node = NodeMut(&mut bytes[i * s..(i + 1) * s]);
            node.set_i32(0, 1);
            space.store(&mut node, &v);
        }
        space.preprocess(bytes, n);
        let records = words_as_bytes(&words);
        let (a, b): (Vec<i32>, Vec<i32>) = (0..n as i32).partition(|i| i % 3 == 0);
        let sets = [&a, &b].map(|ids| ItemSet::new(records, s, ids));
        let bits = |c: &[NodeBuf; 2]| c.iter().map(|c| c.bytes().to_vec()).collect::<Vec<_>>();
        let (mut together, mut apart) = (Kiss64::new(7), Kiss64::new(7));
        let side_by_side = two_means(space, sets, &mut together);
        for (k, set) in sets.into_iter().enumerate() {
            let [alone] = two_means(space, [set], &mut apart);
            assert_eq!(bits(&side_by_side[k]), bits(&alone), "run {k}");
        }
        assert_eq!(together.next_u64(), apart.next_u64(), "the same draws");
    }

    #[test]
    fn runs_side_by_side_match_runs_one_after_the_other() {
        let k = kernels::best();
        check(&Angular::new(37, k), 37);
        check(&Minkowski::<false>::new(37, k), 37);
        check(&Minkowski::<true>::new(37, k), 37);
        check(&Dot::<false>::new(37, k), 37);
    }
}
