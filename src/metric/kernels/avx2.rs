//! AVX2 with FMA: Annoy's 8-lane sums and `hsum256` order for the exact kernels, four
//! accumulators for the build's.

use super::x86::{dots_of_lanes, hamming, tail, Lanes};
use super::{Ahead, Kernels, ABSOLUTE, PRODUCT, SQUARED};
use crate::format::ItemSet;
use std::arch::x86_64::*;

pub(super) static AVX2: Kernels = Kernels {
    key: "avx2",
    name: "avx2+fma",
    dot: |a, b| avx2::<PRODUCT, 1>(a, [b])[0],
    dot4: avx2::<PRODUCT, 4>,
    dots_of: |q, items, offset, ahead, out| {
        // SAFETY: only reachable through the AVX2 tables, chosen after feature detection.
        unsafe { dots_of_avx2(q, items, offset, ahead, out) }
    },
    euclidean: |a, b| avx2::<SQUARED, 1>(a, [b])[0],
    euclidean4: avx2::<SQUARED, 4>,
    manhattan: |a, b| avx2::<ABSOLUTE, 1>(a, [b])[0],
    manhattan4: avx2::<ABSOLUTE, 4>,
    hamming,
    mean_update: |p, x, c, w| {
        // SAFETY: only reachable through the AVX2 table, chosen after feature detection.
        unsafe { mean_update_avx2(p, x, c, w) }
    },
    build_dot: |a, b| wide_avx2::<PRODUCT, 1>(a, [b])[0],
    build_dot2: wide_avx2::<PRODUCT, 2>,
    build_euclidean2: wide_avx2::<SQUARED, 2>,
    build_manhattan2: wide_avx2::<ABSOLUTE, 2>,
    update_then_dot2: update_then_avx2::<PRODUCT>,
    update_then_euclidean2: update_then_avx2::<SQUARED>,
    update_then_manhattan2: update_then_avx2::<ABSOLUTE>,
    widen_f16: |x, out| {
        // SAFETY: only reachable through the AVX2 table, chosen after detecting F16C too.
        unsafe { widen_f16c(x, out) }
    },
};

/// f16 → f32, eight values an instruction (`vcvtph2ps`), exact like the scalar form.
#[target_feature(enable = "avx2,f16c")]
unsafe fn widen_f16c(x: &[u16], out: &mut [f32]) {
    let n = x.len().min(out.len());
    let whole = n / 8 * 8;
    for i in (0..whole).step_by(8) {
        // SAFETY: `i + 8 <= n`, within both slices; the loads and stores are unaligned ones.
        unsafe {
            let h = _mm_loadu_si128(x.as_ptr().add(i).cast());
            _mm256_storeu_ps(out.as_mut_ptr().add(i), _mm256_cvtph_ps(h));
        }
    }
    crate::format::f16::widen_portable(&x[whole..n], &mut out[whole..n]);
}

fn update_then_avx2<const TERM: u8>(
    p: &mut [f32],
    x: &[f32],
    count: f32,
    inv_weight: f32,
    other: &[f32],
    next: &[f32],
) -> [f32; 2] {
    // SAFETY: only reachable through the AVX2 tables, chosen after feature detection.
    unsafe { mean_update_avx2(p, x, count, inv_weight) };
    wide_avx2::<TERM, 2>(next, [p, other])
}

fn wide_avx2<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
    // SAFETY: only reachable through the AVX2 table, chosen after feature detection.
    unsafe { avx2_wide::<TERM, W>(q, xs) }
}

/// Four accumulators per sum, 32 floats a step: for sums whose order is free. The 8-float
/// block at `i` goes to accumulator `(i / 8) % 4`, named by a constant in every loop, so the
/// accumulators stay in registers (picked by a running index, they lived in memory, and every
/// step waited for a store and a load).
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2_wide<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
    let n = q.len();
    assert!(xs.iter().all(|x| x.len() >= n));
    let sign = _mm256_set1_ps(-0.0);
    // A macro, not a closure: closures would not be compiled with this function's features.
    macro_rules! step {
        ($x:expr, $y:expr, $acc:expr) => {
            match TERM {
                PRODUCT => _mm256_fmadd_ps($x, $y, $acc),
                SQUARED => {
                    let d = _mm256_sub_ps($x, $y);
                    _mm256_fmadd_ps(d, d, $acc)
                }
                _ => _mm256_add_ps($acc, _mm256_andnot_ps(sign, _mm256_sub_ps($x, $y))),
            }
        };
    }
    let mut acc = [[_mm256_setzero_ps(); 4]; W];
    let mut i = 0;
    while i + 32 <= n {
        for (lane, at) in (i..i + 32).step_by(8).enumerate() {
            // SAFETY: at + 8 <= n <= every slice's length, so the loads are in bounds.
            let y = unsafe { _mm256_loadu_ps(q.as_ptr().add(at)) };
            for w in 0..W {
                // SAFETY: as above.
                let x = unsafe { _mm256_loadu_ps(xs[w].as_ptr().add(at)) };
                acc[w][lane] = step!(x, y, acc[w][lane]);
            }
        }
        i += 32;
    }
    // Up to three blocks of 8 are left: into accumulators 0, 1, 2, as above. A counted loop,
    // so that it unrolls with each lane a constant.
    #[allow(clippy::needless_range_loop)]
    for lane in 0..3 {
        if i + 8 > n {
            break;
        }
        // SAFETY: i + 8 <= n <= every slice's length, so the loads are in bounds.
        let y = unsafe { _mm256_loadu_ps(q.as_ptr().add(i)) };
        for w in 0..W {
            // SAFETY: as above.
            let x = unsafe { _mm256_loadu_ps(xs[w].as_ptr().add(i)) };
            acc[w][lane] = step!(x, y, acc[w][lane]);
        }
        i += 8;
    }
    let mut result = [0.0f32; W];
    for w in 0..W {
        let [a, b, c, d] = acc[w];
        let t = _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d));
        let x128 = _mm_add_ps(_mm256_extractf128_ps(t, 1), _mm256_castps256_ps128(t));
        let x64 = _mm_add_ps(x128, _mm_movehl_ps(x128, x128));
        let x32 = _mm_add_ss(x64, _mm_shuffle_ps(x64, x64, 0x55));
        result[w] = tail::<TERM>(&q[i..], &xs[w][i..n], _mm_cvtss_f32(x32));
    }
    result
}

struct Avx2Lanes;

impl Lanes for Avx2Lanes {
    const WIDTH: usize = 8;
    type V = __m256;
    #[inline(always)]
    unsafe fn zero() -> __m256 {
        // SAFETY: the caller's CPU has AVX2 (trait contract).
        unsafe { _mm256_setzero_ps() }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        // SAFETY: the caller passes 8 readable floats (trait contract).
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn mul_add(x: __m256, y: __m256, acc: __m256) -> __m256 {
        // SAFETY: the caller's CPU has FMA (trait contract).
        unsafe { _mm256_fmadd_ps(x, y, acc) }
    }
    /// Annoy's hsum256_ps_avx: (hi + lo), then lanes 0+2 and 1+3, then those two.
    #[inline(always)]
    unsafe fn total(a: __m256) -> f32 {
        // SAFETY: the caller's CPU has AVX2 (trait contract).
        unsafe {
            let x128 = _mm_add_ps(_mm256_extractf128_ps(a, 1), _mm256_castps256_ps128(a));
            let x64 = _mm_add_ps(x128, _mm_movehl_ps(x128, x128));
            _mm_cvtss_f32(_mm_add_ss(x64, _mm_shuffle_ps(x64, x64, 0x55)))
        }
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn dots_of_avx2(
    q: &[f32],
    items: ItemSet<'_>,
    offset: usize,
    ahead: Ahead,
    out: &mut [f32],
) {
    // SAFETY: this function's callers checked the CPU for AVX2 and FMA.
    unsafe { dots_of_lanes::<Avx2Lanes>(q, items, offset, ahead, out) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn mean_update_avx2(p: &mut [f32], x: &[f32], count: f32, inv_weight: f32) {
    super::mean_update_lanes(p, x, count, inv_weight)
}

// The safe entry points below are placed only in the AVX2/AVX512 tables, which
// `available` hands out after checking that the CPU has those features.

fn avx2<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
    // SAFETY: only reachable through the AVX2 tables, chosen after feature detection.
    unsafe { avx2_sums::<TERM, W>(q, xs) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn avx2_sums<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
    let n = q.len();
    assert!(xs.iter().all(|x| x.len() >= n));
    let mut result = [0.0f32; W];
    let mut i = 0;
    if n > 7 {
        let mut acc = [_mm256_setzero_ps(); W];
        let sign = _mm256_set1_ps(-0.0);
        while n - i > 7 {
            // SAFETY: i + 8 <= n <= every slice's length, so the 8-float loads are in bounds.
            let y = unsafe { _mm256_loadu_ps(q.as_ptr().add(i)) };
            for w in 0..W {
                // SAFETY: as above.
                let x = unsafe { _mm256_loadu_ps(xs[w].as_ptr().add(i)) };
                acc[w] = match TERM {
                    PRODUCT => _mm256_fmadd_ps(x, y, acc[w]),
                    SQUARED => {
                        let d = _mm256_sub_ps(x, y);
                        _mm256_fmadd_ps(d, d, acc[w])
                    }
                    _ => _mm256_add_ps(acc[w], _mm256_andnot_ps(sign, _mm256_sub_ps(x, y))),
                };
            }
            i += 8;
        }
        for w in 0..W {
            // SAFETY: this function's callers checked the CPU for AVX2.
            result[w] = unsafe { Avx2Lanes::total(acc[w]) };
        }
    }
    for w in 0..W {
        result[w] = tail::<TERM>(&q[i..], &xs[w][i..n], result[w]);
    }
    result
}
