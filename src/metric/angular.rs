//! Angular: cosine distance reported as `sqrt(2 - 2 cos)`.
//!
//! Record: `n_descendants: i32 @0`, `children[2]: i32 @4` sharing its first 4 bytes with
//! `norm: f32` (an item's squared length), `v: [f32; dim] @12`.

use super::kernels::{Ahead, Kernels};
use super::two_means::{two_means_splits, MeanSpace};
use super::{normalize, Space};
use crate::format::{ItemSet, Layout, Node, NodeBuf, NodeMut};
use crate::random::Kiss64;

const NORM: usize = 4;
const V: usize = 12;

pub(crate) struct Angular {
    dim: usize,
    k: &'static Kernels,
}

impl Angular {
    pub(crate) fn new(dim: usize, k: &'static Kernels) -> Self {
        Angular { dim, k }
    }

    fn v<'a>(&self, n: Node<'a>) -> &'a [f32] {
        n.floats(V, self.dim)
    }

    /// The stored squared norm, or computed when zero (files from before 2015 store 0).
    fn squared_norm(&self, n: Node<'_>) -> f32 {
        let stored = n.f32_at(NORM);
        if stored != 0.0 {
            stored
        } else {
            (self.k.dot)(self.v(n), self.v(n))
        }
    }
}

impl Space for Angular {
    fn layout(&self) -> Layout {
        Layout {
            children: 4,
            vector: V,
            elem_size: 4,
            n_elems: self.dim,
        }
    }

    fn store(&self, node: &mut NodeMut<'_>, vector: &[f32]) {
        node.floats_mut(V, self.dim).copy_from_slice(vector);
        self.init_record(node);
    }

    fn init_record(&self, node: &mut NodeMut<'_>) {
        let v = node.as_node().floats(V, self.dim);
        let norm = (self.k.dot)(v, v);
        node.set_f32(NORM, norm);
    }

    fn vector(&self, node: Node<'_>, out: &mut Vec<f32>) {
        out.extend_from_slice(self.v(node));
    }

    fn distance(&self, a: Node<'_>, b: Node<'_>) -> f32 {
        let pq = (self.k.dot)(self.v(a), self.v(b));
        cosine_distance(self.squared_norm(a), self.squared_norm(b), pq)
    }

    fn distances4(&self, query: Node<'_>, items: [Node<'_>; 4]) -> [f32; 4] {
        let pq = (self.k.dot4)(self.v(query), items.map(|n| self.v(n)));
        let pp = self.squared_norm(query);
        std::array::from_fn(|w| cosine_distance(pp, self.squared_norm(items[w]), pq[w]))
    }

    fn user_distance(&self, d: f32) -> f32 {
        d.max(0.0).sqrt()
    }

    const SPLITS_SIDE_BY_SIDE: bool = true;

    fn create_splits<const N: usize>(
        &self,
        items: [ItemSet<'_>; N],
        rng: &mut Kiss64,
        splits: [&mut NodeBuf; N],
    ) {
        two_means_splits(self, items, rng, splits);
    }

    fn margin(&self, split: Node<'_>, x: Node<'_>) -> f32 {
        (self.k.dot)(self.v(split), self.v(x))
    }

    fn margins(&self, split: Node<'_>, items: ItemSet<'_>, ahead: Ahead, out: &mut [f32]) {
        (self.k.dots_of)(self.v(split), items, V, ahead, out);
    }

    fn margins4_across(&self, splits: [Node<'_>; 4], x: Node<'_>) -> [f32; 4] {
        // A product's rounding does not depend on the order of its factors.
        (self.k.dot4)(self.v(x), splits.map(|n| self.v(n)))
    }
}

/// `2 - 2 cos` from squared norms and the inner product; 2 when either vector is zero.
#[inline]
fn cosine_distance(pp: f32, qq: f32, pq: f32) -> f32 {
    let ppqq = pp * qq;
    if ppqq > 0.0 {
        // Annoy evaluates this in double from float inputs; keep it for the last bits.
        (2.0 - 2.0 * pq as f64 / ppqq.sqrt() as f64) as f32
    } else {
        2.0
    }
}

impl MeanSpace for Angular {
    const COSINE: bool = true;

    fn node_size(&self) -> usize {
        self.layout().node_size()
    }

    fn vector_offset(&self) -> usize {
        V
    }

    fn distances2(&self, p: Node<'_>, q: Node<'_>, item: Node<'_>) -> ([f32; 2], [f32; 2]) {
        let [pi, qi] = (self.k.build_dot2)(self.v(item), [self.v(p), self.v(q)]);
        let ii = self.squared_norm(item);
        let distances = [
            cosine_distance(self.squared_norm(p), ii, pi),
            cosine_distance(self.squared_norm(q), ii, qi),
        ];
        (distances, [pi, qi])
    }

    fn normalize(&self, p: &mut NodeMut<'_>) {
        normalize(p.floats_mut(V, self.dim), self.k.dot);
    }

    fn split_between(&self, [p, q]: [NodeBuf; 2], split: &mut NodeBuf) {
        let mut s = split.node_mut();
        let v = s.floats_mut(V, self.dim);
        for ((vz, pz), qz) in v.iter_mut().zip(self.v(p.node())).zip(self.v(q.node())) {
            *vz = pz - qz;
        }
        normalize(v, self.k.dot);
    }

    fn init(&self, p: &mut NodeMut<'_>) {
        let v = p.as_node().floats(V, self.dim);
        let norm = (self.k.build_dot)(v, v);
        p.set_f32(NORM, norm);
    }

    fn weight(&self, item: Node<'_>) -> f32 {
        // The stored norm came from the same kernel, so this equals recomputing it.
        self.squared_norm(item).sqrt()
    }

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
        let [pn, on] = (self.k.update_then_dot2)(
            p.floats_mut(V, self.dim),
            self.v(item),
            count as f32,
            1.0 / weight,
            self.v(other),
            self.v(next),
        );
        self.update_norm(p, weight, count, product);
        let nn = self.squared_norm(next);
        let distances = [
            cosine_distance(self.squared_norm(p.as_node()), nn, pn),
            cosine_distance(self.squared_norm(other), nn, on),
        ];
        (distances, [pn, on])
    }
}

impl Angular {
    /// |p'|² of p' = (c·p + x/|x|)/(c+1), from |p|² and p·x instead of another pass over p:
    /// it is on the critical path of two-means' 200 dependent steps.
    fn update_norm(&self, p: &mut NodeMut<'_>, weight: f32, count: i32, product: f32) {
        let c = count as f32;
        let pp = p.as_node().f32_at(NORM);
        let norm = (c * c * pp + 2.0 * c * product / weight + 1.0) / ((c + 1.0) * (c + 1.0));
        p.set_f32(NORM, norm);
    }
}
