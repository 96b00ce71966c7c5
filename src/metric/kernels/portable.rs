//! The portable kernels: plain loops in the order of Annoy's scalar code, for any CPU.

use super::{
    mean_update_lanes, prefetch_record, wide_sums, Ahead, Kernels, ABSOLUTE, PRODUCT, SQUARED,
};
use crate::format::ItemSet;

pub(super) static PORTABLE: Kernels = Kernels {
    key: "portable",
    name: "portable",
    dot: |a, b| sums::<PRODUCT, 1>(a, [b])[0],
    dot4: sums::<PRODUCT, 4>,
    dots_of,
    euclidean: |a, b| sums::<SQUARED, 1>(a, [b])[0],
    euclidean4: sums::<SQUARED, 4>,
    manhattan: |a, b| sums::<ABSOLUTE, 1>(a, [b])[0],
    manhattan4: sums::<ABSOLUTE, 4>,
    hamming,
    mean_update: mean_update_lanes,
    build_dot: |a, b| wide::<PRODUCT, 1>(a, [b])[0],
    build_dot2: wide::<PRODUCT, 2>,
    build_euclidean2: wide::<SQUARED, 2>,
    build_manhattan2: wide::<ABSOLUTE, 2>,
    update_then_dot2: update_then::<PRODUCT>,
    update_then_euclidean2: update_then::<SQUARED>,
    update_then_manhattan2: update_then::<ABSOLUTE>,
    widen_f16: crate::format::f16::widen_portable,
};

/// `sums::<PRODUCT, 4>` over the records four at a time (the last ones padded with
/// repeats).
pub(super) fn dots_of(q: &[f32], items: ItemSet<'_>, offset: usize, ahead: Ahead, out: &mut [f32]) {
    let n = items.len();
    assert_eq!(out.len(), n);
    let vector = |k: usize| items.get(k.min(n - 1)).floats(offset, q.len());
    for start in (0..n).step_by(4) {
        for k in start + ahead.items..(start + ahead.items + 4).min(n) {
            prefetch_record(&items.get(k).0[offset..], ahead.bytes, ahead.soon);
        }
        let dots = sums::<PRODUCT, 4>(q, std::array::from_fn(|w| vector(start + w)));
        let end = (start + 4).min(n);
        out[start..end].copy_from_slice(&dots[..end - start]);
    }
}

pub(super) fn wide<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
    wide_sums::<TERM, W, 16, { cfg!(target_arch = "aarch64") }>(q, xs)
}

pub(super) fn update_then<const TERM: u8>(
    p: &mut [f32],
    x: &[f32],
    count: f32,
    inv_weight: f32,
    other: &[f32],
    next: &[f32],
) -> [f32; 2] {
    mean_update_lanes(p, x, count, inv_weight);
    wide::<TERM, 2>(next, [p, other])
}

#[inline(always)]
fn term<const TERM: u8>(x: f32, y: f32) -> f32 {
    match TERM {
        PRODUCT => x * y,
        SQUARED => (x - y) * (x - y),
        ABSOLUTE => (x - y).abs(),
        _ => unreachable!(),
    }
}

/// One running sum per vector, in element order: the order Annoy's scalar loop has where
/// it has no SIMD code (aarch64, x86 without AVX). Products are fused where the CPU always
/// has fused multiply-add (aarch64), as GCC contracts them there. The sums of a four-way
/// call are independent chains, so they overlap in the pipeline.
pub(super) fn sums<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
    const FUSED: bool = cfg!(target_arch = "aarch64");
    let n = q.len();
    let xs = xs.map(|x| &x[..n]);
    let mut acc = [0.0f32; W];
    for i in 0..n {
        for w in 0..W {
            let (x, y) = (q[i], xs[w][i]);
            acc[w] = match TERM {
                PRODUCT if FUSED => x.mul_add(y, acc[w]),
                SQUARED if FUSED => (x - y).mul_add(x - y, acc[w]),
                _ => acc[w] + term::<TERM>(x, y),
            };
        }
    }
    acc
}

pub(super) fn hamming(a: &[u64], b: &[u64]) -> u64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x ^ y).count_ones() as u64)
        .sum()
}
