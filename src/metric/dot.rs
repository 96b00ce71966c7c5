//! Dot (inner product), reduced to angular search by giving every item an extra coordinate
//! `dot_factor = sqrt(M² - |v|²)`, M being the largest item norm (Bachrach et al., 2014), so all
//! augmented items have the same length. Queries take the extra coordinate as 0.
//!
//! Two layouts (`MAIN`):
//! - Annoy 1.17.3: `n_descendants @0`, `children[2] @4`, `dot_factor: f32 @12`, `v @16`.
//! - Annoy main:   as above plus `norm: f32 @16` (M²) and `built: u8 @20`, `v @24`.
//!
//! 1.17.3's quirks are kept so its files and trees stay as Annoy makes them: a split's margin
//! adds the node's own `dot_factor²`, and two-means measures and averages only `v` (it scales
//! the centroids' `(v, dot_factor)` together, as main does).

use super::kernels::{Ahead, Kernels};
use super::two_means::{two_means_splits, update_mean, MeanSpace};
use super::Space;
use crate::format::{ItemSet, Layout, Node, NodeBuf, NodeMut};
use crate::random::Kiss64;

const DOT_FACTOR: usize = 12;
/// Main layout only.
const NORM: usize = 16;
const BUILT: usize = 20;

pub(crate) struct Dot<const MAIN: bool> {
    dim: usize,
    k: &'static Kernels,
}

impl<const MAIN: bool> Dot<MAIN> {
    const V: usize = if MAIN { 24 } else { 16 };

    pub(crate) fn new(dim: usize, k: &'static Kernels) -> Self {
        Dot { dim, k }
    }

    fn v<'a>(&self, n: Node<'a>) -> &'a [f32] {
        n.floats(Self::V, self.dim)
    }

    /// |(v, dot_factor)|², the augmented squared length.
    fn augmented_sq(&self, n: Node<'_>) -> f32 {
        let df = n.f32_at(DOT_FACTOR);
        (self.k.dot)(self.v(n), self.v(n)) + df * df
    }

    /// Scales `(v, dot_factor)` to unit length together.
    fn normalize_augmented(&self, n: &mut NodeMut<'_>) {
        let norm = self.augmented_sq(n.as_node()).sqrt();
        if norm > 0.0 {
            let df = n.as_node().f32_at(DOT_FACTOR);
            for x in n.floats_mut(Self::V, self.dim) {
                *x /= norm;
            }
            n.set_f32(DOT_FACTOR, df / norm);
        }
    }
}

impl<const MAIN: bool> Space for Dot<MAIN> {
    fn layout(&self) -> Layout {
        Layout {
            children: 4,
            vector: Self::V,
            elem_size: 4,
            n_elems: self.dim,
        }
    }

    fn store(&self, node: &mut NodeMut<'_>, vector: &[f32]) {
        node.floats_mut(Self::V, self.dim).copy_from_slice(vector);
    }

    fn vector(&self, node: Node<'_>, out: &mut Vec<f32>) {
        out.extend_from_slice(self.v(node));
    }

    fn distance(&self, a: Node<'_>, b: Node<'_>) -> f32 {
        -(self.k.dot)(self.v(a), self.v(b))
    }

    fn distances4(&self, query: Node<'_>, items: [Node<'_>; 4]) -> [f32; 4] {
        (self.k.dot4)(self.v(query), items.map(|n| self.v(n))).map(|d| -d)
    }

    fn user_distance(&self, d: f32) -> f32 {
        -d
    }

    /// `|a' - b'|²` of the augmented vectors `(v, dot_factor)`: all items have the same
    /// augmented length, and a query's extra coordinate is 0, so for one query this orders
    /// items as `-dot` does, and between items it is a metric the graph can prune by.
    fn graph_distance(&self, a: Node<'_>, b: Node<'_>) -> f32 {
        let (fa, fb) = (a.f32_at(DOT_FACTOR), b.f32_at(DOT_FACTOR));
        let cross = (self.k.dot)(self.v(a), self.v(b)) + fa * fb;
        (self.augmented_sq(a) + self.augmented_sq(b) - 2.0 * cross).max(0.0)
    }

    fn graph_distances4(&self, a: Node<'_>, items: [Node<'_>; 4]) -> [f32; 4] {
        let cross = (self.k.dot4)(self.v(a), items.map(|n| self.v(n)));
        let (fa, aa) = (a.f32_at(DOT_FACTOR), self.augmented_sq(a));
        std::array::from_fn(|w| {
            let b = items[w];
            let cross = cross[w] + fa * b.f32_at(DOT_FACTOR);
            (aa + self.augmented_sq(b) - 2.0 * cross).max(0.0)
        })
    }

    fn preprocess(&self, items: &mut [u8], n_items: usize) {
        let s = self.layout().node_size();
        let norms: Vec<f32> = (0..n_items)
            .map(|i| {
                let v = self.v(Node(&items[i * s..(i + 1) * s]));
                let d = (self.k.dot)(v, v);
                if d < 0.0 {
                    0.0
                } else {
                    d.sqrt()
                }
            })
            .collect();
        let max = norms.iter().fold(0.0f32, |m, &n| if n > m { n } else { m });
        for (i, norm) in norms.iter().enumerate() {
            let mut node = NodeMut(&mut items[i * s..(i + 1) * s]);
            let diff = max * max - norm * norm;
            node.set_f32(DOT_FACTOR, if diff < 0.0 { 0.0 } else { diff.sqrt() });
            if MAIN {
                node.set_f32(NORM, max * max);
            }
        }
    }

    fn postprocess(&self, items: &mut [u8], n_items: usize) {
        if MAIN {
            let s = self.layout().node_size();
            for i in 0..n_items {
                items[i * s + BUILT] = 1;
            }
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
        let df = split.f32_at(DOT_FACTOR);
        let extra = if MAIN {
            df * x.f32_at(DOT_FACTOR)
        } else {
            df * df
        };
        (self.k.dot)(self.v(split), self.v(x)) + extra
    }

    fn margins(&self, split: Node<'_>, items: ItemSet<'_>, ahead: Ahead, out: &mut [f32]) {
        (self.k.dots_of)(self.v(split), items, Self::V, ahead, out);
        let df = split.f32_at(DOT_FACTOR);
        for (k, margin) in out.iter_mut().enumerate() {
            let extra = if MAIN {
                df * items.get(k).f32_at(DOT_FACTOR)
            } else {
                df * df
            };
            *margin += extra;
        }
    }

    fn margins4_across(&self, splits: [Node<'_>; 4], x: Node<'_>) -> [f32; 4] {
        // A product's rounding does not depend on the order of its factors.
        let dots = (self.k.dot4)(self.v(x), splits.map(|n| self.v(n)));
        std::array::from_fn(|w| {
            let df = splits[w].f32_at(DOT_FACTOR);
            let extra = if MAIN {
                df * x.f32_at(DOT_FACTOR)
            } else {
                df * df
            };
            dots[w] + extra
        })
    }
}

impl<const MAIN: bool> MeanSpace for Dot<MAIN> {
    const COSINE: bool = true;

    fn node_size(&self) -> usize {
        self.layout().node_size()
    }

    fn vector_offset(&self) -> usize {
        Self::V
    }

    fn split_between(&self, [p, q]: [NodeBuf; 2], split: &mut NodeBuf) {
        let (p, q) = (p.node(), q.node());
        let mut s = split.node_mut();
        for ((vz, pz), qz) in s
            .floats_mut(Self::V, self.dim)
            .iter_mut()
            .zip(self.v(p))
            .zip(self.v(q))
        {
            *vz = pz - qz;
        }
        s.set_f32(DOT_FACTOR, p.f32_at(DOT_FACTOR) - q.f32_at(DOT_FACTOR));
        self.normalize_augmented(&mut s);
    }

    fn distances2(&self, p: Node<'_>, q: Node<'_>, item: Node<'_>) -> ([f32; 2], [f32; 2]) {
        let distances = if MAIN {
            [
                self.centroid_distance(p, item),
                self.centroid_distance(q, item),
            ]
        } else {
            (self.k.build_dot2)(self.v(item), [self.v(p), self.v(q)]).map(|d| -d)
        };
        (distances, [0.0; 2])
    }

    /// Both versions scale the centroid's `(v, dot_factor)` together.
    fn normalize(&self, p: &mut NodeMut<'_>) {
        self.normalize_augmented(p);
    }

    fn init(&self, p: &mut NodeMut<'_>) {
        if MAIN {
            let sq = self.augmented_sq(p.as_node());
            p.set_f32(NORM, sq);
        }
    }

    fn weight(&self, item: Node<'_>) -> f32 {
        if MAIN {
            self.augmented_sq(item).sqrt()
        } else {
            (self.k.build_dot)(self.v(item), self.v(item)).sqrt()
        }
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
        update_mean(
            self.k,
            p.floats_mut(Self::V, self.dim),
            self.v(item),
            weight,
            count,
        );
        if MAIN {
            let mut df = [p.as_node().f32_at(DOT_FACTOR)];
            update_mean(self.k, &mut df, &[item.f32_at(DOT_FACTOR)], weight, count);
            p.set_f32(DOT_FACTOR, df[0]);
            self.init(p);
        }
        self.distances2(p.as_node(), other, next)
    }
}

impl<const MAIN: bool> Dot<MAIN> {
    /// Two-means' distance from a centroid `p` to an item.
    fn centroid_distance(&self, p: Node<'_>, item: Node<'_>) -> f32 {
        if !MAIN {
            return -(self.k.dot)(self.v(p), self.v(item));
        }
        // Angular distance between the augmented vectors.
        let sq = |n: Node<'_>| {
            let stored = n.f32_at(NORM);
            if stored != 0.0 {
                stored
            } else {
                self.augmented_sq(n)
            }
        };
        let ppqq = sq(p) * sq(item);
        let pq =
            (self.k.dot)(self.v(p), self.v(item)) + p.f32_at(DOT_FACTOR) * item.f32_at(DOT_FACTOR);
        if ppqq > 0.0 {
            (2.0 - 2.0 * pq as f64 / ppqq.sqrt() as f64) as f32
        } else {
            2.0
        }
    }
}
