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
    /// where the metric computes them (else zeros), for `update`.
    fn distances2(&self, p: Node<'_>, q: Node<'_>, item: Node<'_>) -> ([f32; 2], [f32; 2]);
    /// The sample's length in cosine mode (1 otherwise); samples of length 0 are skipped.
    fn weight(&self, item: Node<'_>) -> f32;
    /// `p = (p·count + item/weight) / (count+1)`, derived fields included; `product` is
    /// `p·item` from `distances2`.
    fn update(&self, p: &mut NodeMut<'_>, item: Node<'_>, weight: f32, count: i32, product: f32);
    /// `update(p, …)`, then `distances2(p, other, next)`: where a metric fuses the two, the
    /// next step's distances start from the new centroid without storing and reloading it.
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
    ) -> ([f32; 2], [f32; 2]) {
        self.update(p, item, weight, count, product);
        self.distances2(p.as_node(), other, next)
    }
}

/// Returns the two centroids `(p, q)` for `items` (at least two).
pub(crate) fn two_means<M: MeanSpace>(m: &M, items: ItemSet<'_>, rng: &mut Kiss64) -> [NodeBuf; 2] {
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
    let (mut p, mut q) = (start(i), start(j));
    let (mut ic, mut jc) = (1i32, 1i32);
    // The samples do not depend on the data, so draw them up front (the same sequence) and
    // ask for each sample's record (into the second-level cache) eight steps before it is needed.
    let samples: [usize; ITERATIONS] = std::array::from_fn(|_| rng.index(count));
    // The distances of the step's sample, when the last step's update measured them.
    let mut measured = None;
    for (step, &k) in samples.iter().enumerate() {
        if let Some(&ahead) = samples.get(step + 8) {
            prefetch_record(
                &items.get(ahead).0[m.vector_offset()..],
                usize::MAX,
                Soon::Later,
            );
        }
        let item = items.get(k);
        let ([dp, dq], [pp, qp]) = measured
            .take()
            .unwrap_or_else(|| m.distances2(p.node(), q.node(), item));
        let di = ic as f32 * dp;
        let dj = jc as f32 * dq;
        let weight = if M::COSINE { m.weight(item) } else { 1.0 };
        // Skips zero-length samples (and NaN), as Annoy's `!(norm > 0)` does.
        if weight.is_nan() || weight <= 0.0 {
            continue;
        }
        // The next sample, whose distances the update measures on the way.
        let next = samples.get(step + 1).map(|&k| items.get(k));
        // Updates `target` and returns the next sample's distances to `[target, other]`.
        let update = |target: &mut NodeBuf, other: &NodeBuf, count: i32, product: f32| {
            let mut target = target.node_mut();
            match next {
                Some(next) => Some(m.update_then_distances2(
                    &mut target,
                    other.node(),
                    item,
                    weight,
                    count,
                    product,
                    next,
                )),
                None => {
                    m.update(&mut target, item, weight, count, product);
                    None
                }
            }
        };
        if di < dj {
            measured = update(&mut p, &q, ic, pp);
            ic += 1;
        } else if dj < di {
            measured = update(&mut q, &p, jc, qp).map(|([dq, dp], [qp, pp])| ([dp, dq], [pp, qp]));
            jc += 1;
        }
    }
    [p, q]
}

/// The running-mean update shared by the float metrics: `p = (p·count + x/weight)/(count+1)`.
#[inline]
pub(crate) fn update_mean(k: &Kernels, p: &mut [f32], x: &[f32], weight: f32, count: i32) {
    (k.mean_update)(p, x, count as f32, 1.0 / weight);
}
