//! The five metrics. Each one decides, for its own node layout: how an item is stored, the
//! distance, the margin of a split plane and the priority it gives to each child during a
//! query, and how a split plane is made during build.

mod angular;
mod dot;
mod hamming;
pub(crate) mod kernels;
mod minkowski;
mod two_means;

use crate::format::{ItemSet, Layout, Node, NodeBuf, NodeMut};
use crate::random::Kiss64;
use kernels::Ahead;
use std::fmt;
use std::str::FromStr;

pub(crate) use angular::Angular;
pub(crate) use dot::Dot;
pub(crate) use hamming::Hamming;
pub(crate) use minkowski::Minkowski;

/// How distances are measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// `sqrt(2 - 2 cos(x, y))`, the distance between the normalised vectors.
    Angular,
    /// `sqrt(Σ (xᵢ - yᵢ)²)`.
    Euclidean,
    /// `Σ |xᵢ - yᵢ|`.
    Manhattan,
    /// The inner product `Σ xᵢyᵢ`; larger is nearer.
    Dot,
    /// The number of differing bits; the dimension counts bits and a value > 0.5 is a set bit.
    Hamming,
}

impl Metric {
    pub const ALL: [Metric; 5] = [
        Metric::Angular,
        Metric::Euclidean,
        Metric::Manhattan,
        Metric::Dot,
        Metric::Hamming,
    ];

    /// The name Annoy uses for the metric.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Angular => "angular",
            Metric::Euclidean => "euclidean",
            Metric::Manhattan => "manhattan",
            Metric::Dot => "dot",
            Metric::Hamming => "hamming",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = crate::Error;

    /// Accepts Annoy's names and aliases ("angular", "euclidean", "manhattan", "dot", "hamming").
    fn from_str(s: &str) -> crate::Result<Metric> {
        match s {
            "angular" => Ok(Metric::Angular),
            "euclidean" => Ok(Metric::Euclidean),
            "manhattan" => Ok(Metric::Manhattan),
            "dot" => Ok(Metric::Dot),
            "hamming" => Ok(Metric::Hamming),
            _ => Err(crate::Error::UnknownMetric(format!(
                "{s:?}; expected angular, euclidean, manhattan, dot or hamming"
            ))),
        }
    }
}

/// The two on-disk layouts of the dot metric: Annoy 1.17.3 (the PyPI release) stores one extra
/// float per node, Annoy's main branch (after its "fix-dot-recall" change) stores three more
/// fields and builds its splits differently. The files are not interchangeable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DotLayout {
    /// Annoy 1.17.3, the PyPI release: node = 16 + 4·dim bytes. The default when writing.
    Annoy117,
    /// Annoy's main branch: node = 24 + 4·dim bytes.
    AnnoyMain,
}

/// What every metric provides to the build and the query. All functions take node records
/// (items, split planes, the query itself as a temporary node) in the metric's own layout.
pub(crate) trait Space: Sync + Send {
    fn layout(&self) -> Layout;

    /// Stores a user vector into a fresh (zeroed) record and fills derived fields.
    fn store(&self, node: &mut NodeMut<'_>, vector: &[f32]);

    /// Refreshes fields derived from the vector after it was copied in raw (angular's norm).
    fn init_record(&self, _node: &mut NodeMut<'_>) {}

    /// The user-visible vector of a record (hamming unpacks bits to 0.0/1.0).
    fn vector(&self, node: Node<'_>, out: &mut Vec<f32>);

    /// The internal distance that ranks candidates (smaller is nearer).
    fn distance(&self, a: Node<'_>, b: Node<'_>) -> f32;

    /// The distance users see, from an internal one.
    fn user_distance(&self, d: f32) -> f32;

    /// The priority every root starts with: "not yet constrained".
    fn root_priority(&self) -> f32 {
        f32::INFINITY
    }

    /// Whether, after the roots, a query's walk follows one tree's path down to a bucket before
    /// the next tree's (hamming: whole-number priorities, all equal along those paths, ties
    /// to the higher node id, and each tree's nodes after the previous tree's in the files we
    /// and single-threaded Annoy write), so `search` can load those paths ahead. With the float
    /// metrics the walk moves between trees by margin.
    fn walks_tree_by_tree(&self) -> bool {
        false
    }

    /// Where `x` lies relative to a split: > 0 on the side of `children[1]`, < 0 on the side
    /// of `children[0]`, 0 exactly on the plane (the build then flips a coin, as Annoy does).
    fn margin(&self, split: Node<'_>, x: Node<'_>) -> f32;

    /// `margin` of every item of `items`, into `out`, each bit-identical to `margin`; the
    /// records are asked for `ahead` of use. The build's side of each item of a split.
    fn margins(&self, split: Node<'_>, items: ItemSet<'_>, ahead: Ahead, out: &mut [f32]);

    /// `margin` of one record against four splits, each bit-identical to `margin`.
    fn margins4_across(&self, splits: [Node<'_>; 4], x: Node<'_>) -> [f32; 4] {
        std::array::from_fn(|w| self.margin(splits[w], x))
    }

    /// Priorities of `[children[0], children[1]]` of a split, given its own priority: the
    /// side the query is on keeps it, the other is bounded by the query's distance to the plane.
    fn child_priorities(&self, parent: f32, split: Node<'_>, query: Node<'_>) -> [f32; 2] {
        let m = self.margin(split, query);
        [annoy_min(parent, -m), annoy_min(parent, m)]
    }

    /// Work done on all item records before the trees are built (dot's extra dimension).
    fn preprocess(&self, _items: &mut [u8], _n_items: usize) {}

    /// Work done on all item records after the trees are built.
    fn postprocess(&self, _items: &mut [u8], _n_items: usize) {}

    /// Fills `split` with a hyperplane separating `items`.
    fn create_split(&self, items: ItemSet<'_>, rng: &mut Kiss64, split: &mut NodeBuf) {
        self.create_splits([items], rng, [split]);
    }

    /// Whether `create_splits` gains from several splits at once, so the build draws a split's
    /// two sides' planes together (in another order than Annoy's) rather than each on its own.
    const SPLITS_SIDE_BY_SIDE: bool;

    /// `create_split` for each of `items` into the same place in `splits`, drawing from `rng`
    /// as one split after the other would. The float metrics run their two-means side by side.
    fn create_splits<const N: usize>(
        &self,
        items: [ItemSet<'_>; N],
        rng: &mut Kiss64,
        splits: [&mut NodeBuf; N],
    );

    /// The distance the graph is built and searched with: `distance`, except where that is
    /// not a metric (dot: the squared Euclidean distance in the augmented space, which ranks
    /// a query's items as the inner product does). Never negative.
    fn graph_distance(&self, a: Node<'_>, b: Node<'_>) -> f32 {
        self.distance(a, b)
    }

    /// `graph_distance` from `a` to four items at once, each bit-identical to
    /// `graph_distance`: the graph's build joins candidates four at a time.
    fn graph_distances4(&self, a: Node<'_>, items: [Node<'_>; 4]) -> [f32; 4] {
        self.distances4(a, items)
    }

    /// `distance` from `query` to four items at once, each bit-identical to `distance`.
    fn distances4(&self, query: Node<'_>, items: [Node<'_>; 4]) -> [f32; 4] {
        std::array::from_fn(|w| self.distance(query, items[w]))
    }
}

/// `std::min` as Annoy uses it: the first argument wins ties (and NaN comparisons).
#[inline]
pub(crate) fn annoy_min(a: f32, b: f32) -> f32 {
    if b < a {
        b
    } else {
        a
    }
}

/// One concrete metric, chosen at run time; hot loops are monomorphised per variant.
pub(crate) enum AnySpace {
    Angular(Angular),
    Euclidean(Minkowski<false>),
    Manhattan(Minkowski<true>),
    Dot117(Dot<false>),
    DotMain(Dot<true>),
    Hamming(Hamming),
}

impl AnySpace {
    pub(crate) fn new(metric: Metric, dot_layout: DotLayout, dim: usize) -> AnySpace {
        let k = kernels::best();
        match metric {
            Metric::Angular => AnySpace::Angular(Angular::new(dim, k)),
            Metric::Euclidean => AnySpace::Euclidean(Minkowski::new(dim, k)),
            Metric::Manhattan => AnySpace::Manhattan(Minkowski::new(dim, k)),
            Metric::Dot => match dot_layout {
                DotLayout::Annoy117 => AnySpace::Dot117(Dot::new(dim, k)),
                DotLayout::AnnoyMain => AnySpace::DotMain(Dot::new(dim, k)),
            },
            Metric::Hamming => AnySpace::Hamming(Hamming::new(dim, k)),
        }
    }
}

/// Runs `$body` with `$s` bound to the concrete space inside an `AnySpace`.
macro_rules! with_space {
    ($any:expr, $s:ident => $body:expr) => {
        match $any {
            $crate::metric::AnySpace::Angular($s) => $body,
            $crate::metric::AnySpace::Euclidean($s) => $body,
            $crate::metric::AnySpace::Manhattan($s) => $body,
            $crate::metric::AnySpace::Dot117($s) => $body,
            $crate::metric::AnySpace::DotMain($s) => $body,
            $crate::metric::AnySpace::Hamming($s) => $body,
        }
    };
}
pub(crate) use with_space;

/// Scales `v` to unit length (no-op for the zero vector).
pub(crate) fn normalize(v: &mut [f32], dot: kernels::Kernel) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The batched forms every metric offers are bit-identical to the single ones, with every
    /// kernel set: the build and the query rely on it for results independent of batching.
    #[test]
    fn batched_margins_and_distances_are_bit_identical() {
        let mut rng = Kiss64::new(5);
        for metric in Metric::ALL {
            for dim in [1, 7, 16, 33, 130] {
                for k in kernels::available() {
                    let space = match AnySpace::new(metric, DotLayout::Annoy117, dim) {
                        AnySpace::Angular(_) => AnySpace::Angular(Angular::new(dim, k)),
                        AnySpace::Euclidean(_) => AnySpace::Euclidean(Minkowski::new(dim, k)),
                        AnySpace::Manhattan(_) => AnySpace::Manhattan(Minkowski::new(dim, k)),
                        AnySpace::Dot117(_) => AnySpace::Dot117(Dot::new(dim, k)),
                        AnySpace::DotMain(_) => AnySpace::DotMain(Dot::new(dim, k)),
                        AnySpace::Hamming(_) => AnySpace::Hamming(Hamming::new(dim, k)),
                    };
                    with_space!(&space, sp => {
                        let s = sp.layout().node_size();
                        let nodes: Vec<NodeBuf> = (0..8)
                            .map(|_| {
                                let mut b = NodeBuf::zeroed(s);
                                let v: Vec<f32> =
                                    (0..dim).map(|_| rng.index(2000) as f32 / 700.0 - 1.4).collect();
                                sp.store(&mut b.node_mut(), &v);
                                b
                            })
                            .collect();
                        let n = |i: usize| nodes[i].node();
                        let four = [n(1), n(2), n(3), n(4)];
                        let across = sp.margins4_across(four, n(5));
                        let distances = sp.distances4(n(0), four);
                        let name = format!("{metric} dim {dim} {}", k.name);
                        // The margins of a set (not a multiple of four, ids out of order, one
                        // twice) against the split n(0).
                        let records: Vec<u8> =
                            nodes.iter().flat_map(|b| b.bytes().to_vec()).collect();
                        let ids = [3, 1, 7, 2, 2, 6, 5];
                        let set = ItemSet::new(&records, s, &ids);
                        let mut margins = [0.0; 7];
                        let ahead = Ahead { items: 2, bytes: 64, soon: kernels::Soon::Next };
                        sp.margins(n(0), set, ahead, &mut margins);
                        for (margin, &id) in margins.iter().zip(&ids) {
                            let single = sp.margin(n(0), n(id as usize));
                            assert_eq!(margin.to_bits(), single.to_bits(), "{name}");
                        }
                        for w in 0..4 {
                            let margin = sp.margin(four[w], n(5));
                            let distance = sp.distance(n(0), four[w]);
                            assert_eq!(across[w].to_bits(), margin.to_bits(), "{name}");
                            assert_eq!(distances[w].to_bits(), distance.to_bits(), "{name}");
                        }
                    });
                }
            }
        }
    }
}
