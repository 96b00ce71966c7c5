//! What the AVX2 and AVX-512 kernel sets share: Annoy's scalar tail, the `Lanes` register
//! abstraction with the loop over a set's records written once over it, and hamming.

use super::{prefetch, Ahead, PRODUCT, SQUARED};
use crate::format::ItemSet;

/// The elements after the last full vector block, summed as GCC compiles Annoy's scalar
/// loop: groups of four terms are computed (rounded) and added one by one, and the last
/// `len % 4` terms are fused multiply-adds. Measured bit-for-bit against Annoy 1.17.3.
#[inline(always)]
pub(super) fn tail<const TERM: u8>(a: &[f32], b: &[f32], mut acc: f32) -> f32 {
    let grouped = a.len() / 4 * 4;
    for (&x, &y) in a[..grouped].iter().zip(&b[..grouped]) {
        acc += match TERM {
            PRODUCT => x * y,
            SQUARED => (x - y) * (x - y),
            _ => (x - y).abs(),
        };
    }
    for (&x, &y) in a[grouped..].iter().zip(&b[grouped..]) {
        acc = match TERM {
            PRODUCT => x.mul_add(y, acc),
            SQUARED => (x - y).mul_add(x - y, acc),
            _ => acc + (x - y).abs(),
        };
    }
    acc
}

/// A register of lanes and the few operations the record loops need, so that a loop is
/// written once and compiled inside each kernel set's `target_feature` function. `total`
/// is also how `avx2_sums` / `avx512_sums` add up their lanes, so the loops' sums are
/// theirs bit for bit.
pub(super) trait Lanes {
    const WIDTH: usize;
    type V: Copy;
    /// # Safety
    /// The CPU must have the set's features.
    unsafe fn zero() -> Self::V;
    /// # Safety
    /// As `zero`, and `p` must point to `WIDTH` readable floats.
    unsafe fn load(p: *const f32) -> Self::V;
    /// # Safety
    /// As `zero`.
    unsafe fn mul_add(x: Self::V, y: Self::V, acc: Self::V) -> Self::V;
    /// # Safety
    /// As `zero`.
    unsafe fn total(v: Self::V) -> f32;
}

/// `avx*_sums::<PRODUCT, 4>` over the records four at a time, written as one loop with the
/// sums inlined (a call per four records measured a quarter slower: 9.7 against 7.3 ns a
/// record on a cached 128-d node). The ids are checked once up front instead of at every
/// record.
///
/// # Safety
/// The CPU must have `L`'s features.
#[inline(always)]
pub(super) unsafe fn dots_of_lanes<L: Lanes>(
    q: &[f32],
    items: ItemSet<'_>,
    offset: usize,
    ahead: Ahead,
    out: &mut [f32],
) {
    let (d, n, size) = (q.len(), items.len(), items.node_size());
    let (records, ids) = (items.records(), items.ids());
    assert_eq!(out.len(), n);
    let Some(last) = ids.iter().map(|&id| id as usize).max() else {
        return;
    };
    // Negative ids became huge above, and fail here too.
    assert!(offset + 4 * d <= size && (last + 1) * size <= records.len());
    let vector = |k: usize| -> *const f32 {
        // SAFETY: ids[k] <= last, whose record ends within `records`, and the vector's
        // 4·d bytes at `offset` lie within a record (both checked above).
        unsafe { records.as_ptr().add(ids[k] as usize * size + offset).cast() }
    };
    let fetched = ahead.bytes.min(size - offset);
    // Whole registers, then a scalar tail, as the single sums do.
    let whole = d / L::WIDTH * L::WIDTH;
    for start in (0..n).step_by(4) {
        for k in start + ahead.items..(start + ahead.items + 4).min(n) {
            for line in (0..fetched).step_by(64) {
                // SAFETY: `line` < size - offset: within the record (a hint in any case).
                prefetch(unsafe { vector(k).cast::<u8>().add(line) }, ahead.soon);
            }
        }
        let last_k = n - 1;
        let xs = [
            vector(start),
            vector((start + 1).min(last_k)),
            vector((start + 2).min(last_k)),
            vector((start + 3).min(last_k)),
        ];
        // SAFETY (the whole block): loads read `WIDTH` floats at i < whole <= d, within
        // `q` and within every vector; the CPU has `L`'s features (this function's
        // contract).
        unsafe {
            let mut acc = [L::zero(); 4];
            let mut i = 0;
            while i < whole {
                let y = L::load(q.as_ptr().add(i));
                for w in 0..4 {
                    acc[w] = L::mul_add(L::load(xs[w].add(i)), y, acc[w]);
                }
                i += L::WIDTH;
            }
            for w in 0..(n - start).min(4) {
                let total = if whole > 0 { L::total(acc[w]) } else { 0.0 };
                let x = std::slice::from_raw_parts(xs[w], d);
                out[start + w] = tail::<PRODUCT>(&q[whole..], &x[whole..], total);
            }
        }
    }
}

pub(super) fn hamming(a: &[u64], b: &[u64]) -> u64 {
    // SAFETY: only in tables chosen after detecting POPCNT.
    unsafe { hamming_popcnt(a, b) }
}

#[target_feature(enable = "popcnt")]
unsafe fn hamming_popcnt(a: &[u64], b: &[u64]) -> u64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x ^ y).count_ones() as u64)
        .sum()
}
