//! Euclidean and manhattan, which share their record and their split planes.
//!
//! Record: `n_descendants: i32 @0`, `a: f32 @4` (the plane's offset), `children[2]: i32 @8`,
//! `v: [f32; dim] @16`.

use super::kernels::{Ahead, Kernels};
use super::two_means::{two_means_splits, MeanSpace};
use super::{normalize, Space};
use crate::format::{ItemSet, Layout, Node, NodeBuf, NodeMut};
use crate::random::Kiss64;

const A: usize = 4;
const V: usize = 16;

/// `MANHATTAN = false` is euclidean.
pub(crate) struct Minkowski<const MANHATTAN: bool> {
    dim: usize,
    k: &'static Kernels,
}

impl<const MANHATTAN: bool> Minkowski<MANHATTAN> {
    pub(crate) fn new(dim: usize, k: &'static Kernels) -> Self {
        Minkowski { dim, k }
    }

    fn v<'a>(&self, n: Node<'a>) -> &'a [f32] {
        n.floats(V, self.dim)
    }
}

impl<const MANHATTAN: bool> Space for Minkowski<MANHATTAN> {
    fn layout(&self) -> Layout {
        Layout {
            children: 8,
            vector: V,
            elem_size: 4,
            n_elems: self.dim,
        }
    }

    fn store(&self, node: &mut NodeMut<'_>, vector: &[f32]) {
        node.floats_mut(V, self.dim).copy_from_slice(vector);
    }

    fn vector(&self, node: Node<'_>, out: &mut Vec<f32>) {
        out.extend_from_slice(self.v(node));
    }

    fn distance(&self, a: Node<'_>, b: Node<'_>) -> f32 {
        if MANHATTAN {
            (self.k.manhattan)(self.v(a), self.v(b))
        } else {
            (self.k.euclidean)(self.v(a), self.v(b))
        }
    }

    fn distances4(&self, query: Node<'_>, items: [Node<'_>; 4]) -> [f32; 4] {
        let kernel = if MANHATTAN {
            self.k.manhattan4
        } else {
            self.k.euclidean4
        };
        kernel(self.v(query), items.map(|n| self.v(n)))
    }

    fn user_distance(&self, d: f32) -> f32 {
        if MANHATTAN {
            d.max(0.0)
        } else {
            d.max(0.0).sqrt()
        }
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
        split.f32_at(A) + (self.k.dot)(self.v(split), self.v(x))
    }

    fn margins(&self, split: Node<'_>, items: ItemSet<'_>, ahead: Ahead, out: &mut [f32]) {
        (self.k.dots_of)(self.v(split), items, V, ahead, out);
        let a = split.f32_at(A);
        for margin in out.iter_mut() {
            *margin += a;
        }
    }

    fn margins4_across(&self, splits: [Node<'_>; 4], x: Node<'_>) -> [f32; 4] {
        // A product's rounding does not depend on the order of its factors.
        let dots = (self.k.dot4)(self.v(x), splits.map(|n| self.v(n)));
        std::array::from_fn(|w| splits[w].f32_at(A) + dots[w])
    }
}

impl<const MANHATTAN: bool> MeanSpace for Minkowski<MANHATTAN> {
    const COSINE: bool = false;

    fn node_size(&self) -> usize {
        self.layout().node_size()
    }

    fn vector_offset(&self) -> usize {
        V
    }

    fn split_between(&self, [p, q]: [NodeBuf; 2], split: &mut NodeBuf) {
        let (p, q) = (self.v(p.node()), self.v(q.node()));
        let mut s = split.node_mut();
        let v = s.floats_mut(V, self.dim);
        for ((vz, pz), qz) in v.iter_mut().zip(p).zip(q) {
            *vz = pz - qz;
        }
        normalize(v, self.k.dot);
        // The plane passes through the midpoint of the two centroids.
        let mut a = 0.0f32;
        for ((vz, pz), qz) in v.iter().zip(p).zip(q) {
            a += -vz * (pz + qz) / 2.0;
        }
        s.set_f32(A, a);
    }

    fn distances2(&self, p: Node<'_>, q: Node<'_>, item: Node<'_>) -> ([f32; 2], [f32; 2]) {
        let kernel = if MANHATTAN {
            self.k.build_manhattan2
        } else {
            self.k.build_euclidean2
        };
        (kernel(self.v(item), [self.v(p), self.v(q)]), [0.0; 2])
    }

    fn normalize(&self, p: &mut NodeMut<'_>) {
        normalize(p.floats_mut(V, self.dim), self.k.dot);
    }

    fn weight(&self, _item: Node<'_>) -> f32 {
        1.0
    }

    fn update_then_distances2(
        &self,
        p: &mut NodeMut<'_>,
        other: Node<'_>,
        item: Node<'_>,
        weight: f32,
        count: i32,
        _: f32,
        next: Node<'_>,
    ) -> ([f32; 2], [f32; 2]) {
        let kernel = if MANHATTAN {
            self.k.update_then_manhattan2
        } else {
            self.k.update_then_euclidean2
        };
        let p = p.floats_mut(V, self.dim);
        let d = kernel(
            p,
            self.v(item),
            count as f32,
            1.0 / weight,
            self.v(other),
            self.v(next),
        );
        (d, [0.0; 2])
    }
}
