//! Hamming: bit vectors packed into u64 words, distance = number of differing bits.
//!
//! Record: `n_descendants @0`, `children[2] @4`, 4 bytes of padding, `v: [u64; W] @16` with
//! `W = ceil(bits / 64)`. Input value `j` becomes bit `j % 64` of word `j / 64` when > 0.5.
//! A split is one bit: `v[0]` holds its index `b`, testing bit `63 - b % 64` of word `b / 64`.

use super::kernels::{prefetch_record, Ahead, Kernels};
use super::Space;
use crate::format::{ItemSet, Layout, Node, NodeBuf, NodeMut};
use crate::random::Kiss64;

const V: usize = 16;
/// Random bit picks tried before scanning every bit in order.
const RANDOM_PICKS: usize = 20;

pub(crate) struct Hamming {
    bits: usize,
    words: usize,
    k: &'static Kernels,
}

impl Hamming {
    pub(crate) fn new(bits: usize, k: &'static Kernels) -> Self {
        Hamming {
            bits,
            words: bits.div_ceil(64),
            k,
        }
    }

    fn v<'a>(&self, n: Node<'a>) -> &'a [u64] {
        n.words(V, self.words)
    }

    /// Whether `x` has the bit that `split` tests. A bit index beyond the vector (only in a
    /// damaged file) reads as unset.
    fn bit(&self, split: Node<'_>, x: Node<'_>) -> bool {
        let b = self.v(split)[0];
        let word = b / 64;
        if word >= self.words as u64 {
            return false;
        }
        (self.v(x)[word as usize] >> (63 - b % 64)) & 1 == 1
    }

    /// Annoy's hamming split: a bit index that puts items on both sides, tried at random a few
    /// times and then in order.
    fn split_on_a_bit(&self, items: ItemSet<'_>, rng: &mut Kiss64, split: &mut NodeBuf) {
        let n_bits = self.words * 64;
        // Whether testing bit index `b` puts items on both sides.
        let splits = |b: usize| {
            let (word, mask) = (b / 64, 1u64 << (63 - b % 64));
            let ones = items
                .iter()
                .filter(|&x| self.v(x)[word] & mask != 0)
                .count();
            ones > 0 && ones < items.len()
        };
        let mut chosen = n_bits - 1;
        let picks = (0..RANDOM_PICKS).map(|_| rng.index(n_bits));
        if let Some(b) = picks.chain(0..n_bits).find(|&b| splits(b)) {
            chosen = b;
        }
        split.node_mut().words_mut(V, self.words)[0] = chosen as u64;
    }
}

impl Space for Hamming {
    fn layout(&self) -> Layout {
        Layout {
            children: 4,
            vector: V,
            elem_size: 8,
            n_elems: self.words,
        }
    }

    fn store(&self, node: &mut NodeMut<'_>, vector: &[f32]) {
        let words = node.words_mut(V, self.words);
        words.fill(0);
        for (j, &x) in vector.iter().enumerate() {
            if x > 0.5 {
                words[j / 64] |= 1 << (j % 64);
            }
        }
    }

    fn vector(&self, node: Node<'_>, out: &mut Vec<f32>) {
        let words = self.v(node);
        out.extend((0..self.bits).map(|j| ((words[j / 64] >> (j % 64)) & 1) as f32));
    }

    fn distance(&self, a: Node<'_>, b: Node<'_>) -> f32 {
        (self.k.hamming)(self.v(a), self.v(b)) as f32
    }

    fn user_distance(&self, d: f32) -> f32 {
        d
    }

    fn root_priority(&self) -> f32 {
        0.0
    }

    fn walks_tree_by_tree(&self) -> bool {
        true
    }

    /// Annoy counts down from 2⁶⁴−1 in unsigned integers, one per mismatched split; counting
    /// down from 0 in f32 orders the same way (exactly, below 2²⁴ splits).
    fn child_priorities(&self, parent: f32, split: Node<'_>, query: Node<'_>) -> [f32; 2] {
        let m = self.bit(split, query);
        [parent - m as u8 as f32, parent - (!m) as u8 as f32]
    }

    /// A bit pick is quick and has nothing to overlap: the build keeps Annoy's order.
    const SPLITS_SIDE_BY_SIDE: bool = false;

    fn create_splits<const N: usize>(
        &self,
        items: [ItemSet<'_>; N],
        rng: &mut Kiss64,
        splits: [&mut NodeBuf; N],
    ) {
        for (items, split) in items.into_iter().zip(splits) {
            self.split_on_a_bit(items, rng, split);
        }
    }

    /// ±1: a bit is set or not; never 0, so the build never flips a coin here.
    fn margin(&self, split: Node<'_>, x: Node<'_>) -> f32 {
        if self.bit(split, x) {
            1.0
        } else {
            -1.0
        }
    }

    fn margins(&self, split: Node<'_>, items: ItemSet<'_>, ahead: Ahead, out: &mut [f32]) {
        assert_eq!(out.len(), items.len());
        // `bit`, with the split's word and shift found once. A bit index beyond the vector
        // (only in a damaged file) reads as unset.
        let b = self.v(split)[0];
        let word = b / 64;
        if word >= self.words as u64 {
            out.fill(-1.0);
            return;
        }
        let (word, shift) = (word as usize, 63 - b % 64);
        for (k, margin) in out.iter_mut().enumerate() {
            if k + ahead.items < items.len() {
                prefetch_record(&items.get(k + ahead.items).0[V..], ahead.bytes, ahead.soon);
            }
            let bit = (self.v(items.get(k))[word] >> shift) & 1;
            // ±1.0 by the bit, without a branch (the bit is a coin toss to the predictor, and
            // a choice between two float constants compiles to one): -1.0 with its sign bit
            // flipped when the bit is set.
            *margin = f32::from_bits((-1.0f32).to_bits() ^ ((bit as u32) << 31));
        }
    }
}
