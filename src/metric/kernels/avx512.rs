//! AVX-512F: 16-lane sums in GCC's `_mm512_reduce_add_ps` order for the exact kernels, four
//! accumulators and masked tails for the build's.

use super::x86::{dots_of_lanes, hamming, tail, Lanes};
use super::{Ahead, Kernels, ABSOLUTE, PRODUCT, SQUARED};
use crate::format::ItemSet;
use std::arch::x86_64::*;

pub(super) static AVX512: Kernels = Kernels {
    key: "avx512",
    name: "avx512f",
    dot: |a, b| avx512::<PRODUCT, 1>(a, [b])[0],
    dot4: avx512::<PRODUCT, 4>,
    dots_of: |q, items, offset, ahead, out| {
        // SAFETY: only reachable through the AVX512 table, chosen after feature detection.
        unsafe { dots_of_avx512(q, items, offset, ahead, out) }
    },
    euclidean: |a, b| avx512::<SQUARED, 1>(a, [b])[0],
    euclidean4: avx512::<SQUARED, 4>,
    manhattan: |a, b| avx512::<ABSOLUTE, 1>(a, [b])[0],
    manhattan4: avx512::<ABSOLUTE, 4>,
    hamming,
    mean_update: |p, x, c, w| {
        // SAFETY: only reachable through the AVX512 table, chosen after feature detection.
        unsafe { mean_update_avx512(p, x, c, w) }
    },
    build_dot: |a, b| wide_avx512::<PRODUCT, 1>(a, [b])[0],
    build_dot2: wide_avx512::<PRODUCT, 2>,
    build_euclidean2: wide_avx512::<SQUARED, 2>,
    build_manhattan2: wide_avx512::<ABSOLUTE, 2>,
    update_then_dot2: update_then_avx512::<PRODUCT>,
    update_then_euclidean2: update_then_avx512::<SQUARED>,
    update_then_manhattan2: update_then_avx512::<ABSOLUTE>,
    widen_f16: |x, out| {
        // SAFETY: only reachable through the AVX512 table, chosen after feature detection.
        unsafe { widen_avx512(x, out) }
    },
};

/// f16 → f32, sixteen values an instruction (`vcvtph2ps` on a zmm register), exact.
#[target_feature(enable = "avx512f")]
unsafe fn widen_avx512(x: &[u16], out: &mut [f32]) {
    let n = x.len().min(out.len());
    let whole = n / 16 * 16;
    for i in (0..whole).step_by(16) {
        // SAFETY: `i + 16 <= n`, within both slices; the loads and stores are unaligned ones.
        unsafe {
            let h = _mm256_loadu_si256(x.as_ptr().add(i).cast());
            _mm512_storeu_ps(out.as_mut_ptr().add(i), _mm512_cvtph_ps(h));
        }
    }
    crate::format::f16::widen_portable(&x[whole..n], &mut out[whole..n]);
}

fn update_then_avx512<const TERM: u8>(
    p: &mut [f32],
    x: &[f32],
    count: f32,
    inv_weight: f32,
    other: &[f32],
    next: &[f32],
) -> [f32; 2] {
    // SAFETY: only reachable through the AVX512 table, chosen after feature detection.
    unsafe { avx512_update_then::<TERM>(p, x, count, inv_weight, other, next) }
}

fn wide_avx512<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
    // SAFETY: only reachable through the AVX512 table, chosen after feature detection.
    unsafe { avx512_wide::<TERM, W>(q, xs) }
}

/// One term of an AVX-512 build sum, added to `acc`. A macro, not a closure or a function:
/// it expands inside each kernel, compiled with that kernel's features.
macro_rules! avx512_term {
    ($term:expr, $x:expr, $y:expr, $acc:expr) => {
        match $term {
            PRODUCT => _mm512_fmadd_ps($x, $y, $acc),
            SQUARED => {
                let d = _mm512_sub_ps($x, $y);
                _mm512_fmadd_ps(d, d, $acc)
            }
            _ => _mm512_add_ps($acc, _mm512_abs_ps(_mm512_sub_ps($x, $y))),
        }
    };
}

/// The mask of the next 16 of `remaining` floats.
fn mask16(remaining: usize) -> __mmask16 {
    if remaining >= 16 {
        !0
    } else {
        (1 << remaining) - 1
    }
}

/// A build sum's four accumulators added up.
#[target_feature(enable = "avx512f")]
fn avx512_total([a, b, c, d]: [__m512; 4]) -> f32 {
    _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d)))
}

/// Four accumulators per sum, 64 floats a step: for sums whose order is free. What is left
/// after the 64-float steps goes 16 floats at a time into the first accumulator, the last
/// ones loaded under a mask (zeros add nothing): no scalar tail, and an order that
/// `avx512_update_then` can follow exactly.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn avx512_wide<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
    let n = q.len();
    assert!(xs.iter().all(|x| x.len() >= n));
    let mut acc = [[_mm512_setzero_ps(); 4]; W];
    let mut i = 0;
    while i + 64 <= n {
        for (lane, at) in (i..i + 64).step_by(16).enumerate() {
            // SAFETY: at + 16 <= n <= every slice's length, so the loads are in bounds.
            let y = unsafe { _mm512_loadu_ps(q.as_ptr().add(at)) };
            for w in 0..W {
                // SAFETY: as above.
                let x = unsafe { _mm512_loadu_ps(xs[w].as_ptr().add(at)) };
                acc[w][lane] = avx512_term!(TERM, x, y, acc[w][lane]);
            }
        }
        i += 64;
    }
    while i < n {
        let mask = mask16(n - i);
        // SAFETY: the mask keeps the loads within i..n, inside every slice.
        let y = unsafe { _mm512_maskz_loadu_ps(mask, q.as_ptr().add(i)) };
        for w in 0..W {
            // SAFETY: as above.
            let x = unsafe { _mm512_maskz_loadu_ps(mask, xs[w].as_ptr().add(i)) };
            acc[w][0] = avx512_term!(TERM, x, y, acc[w][0]);
        }
        i += 16;
    }
    acc.map(|sums| avx512_total(sums))
}

/// `mean_update_lanes` and then `avx512_wide::<TERM, 2>(next, [p, other])`, bit for bit,
/// with each new register of `p` used as soon as it is made.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn avx512_update_then<const TERM: u8>(
    p: &mut [f32],
    x: &[f32],
    count: f32,
    inv_weight: f32,
    other: &[f32],
    next: &[f32],
) -> [f32; 2] {
    let n = p.len();
    assert!(x.len() >= n && other.len() >= n && next.len() >= n);
    let (c, w) = (_mm512_set1_ps(count), _mm512_set1_ps(inv_weight));
    let inv_next = _mm512_set1_ps(1.0 / (count + 1.0));
    macro_rules! mean {
        ($pz:expr, $xz:expr) => {
            _mm512_mul_ps(
                _mm512_add_ps(_mm512_mul_ps($pz, c), _mm512_mul_ps($xz, w)),
                inv_next,
            )
        };
    }
    let mut acc = [[_mm512_setzero_ps(); 4]; 2];
    let mut i = 0;
    while i + 64 <= n {
        for (lane, at) in (i..i + 64).step_by(16).enumerate() {
            // SAFETY: at + 16 <= n <= every slice's length, so the loads and the store are
            // in bounds.
            unsafe {
                let pz = mean!(
                    _mm512_loadu_ps(p.as_ptr().add(at)),
                    _mm512_loadu_ps(x.as_ptr().add(at))
                );
                _mm512_storeu_ps(p.as_mut_ptr().add(at), pz);
                let y = _mm512_loadu_ps(next.as_ptr().add(at));
                acc[0][lane] = avx512_term!(TERM, pz, y, acc[0][lane]);
                let oz = _mm512_loadu_ps(other.as_ptr().add(at));
                acc[1][lane] = avx512_term!(TERM, oz, y, acc[1][lane]);
            }
        }
        i += 64;
    }
    while i < n {
        let mask = mask16(n - i);
        // SAFETY: the mask keeps the loads and the store within i..n, inside every slice.
        unsafe {
            let pz = mean!(
                _mm512_maskz_loadu_ps(mask, p.as_ptr().add(i)),
                _mm512_maskz_loadu_ps(mask, x.as_ptr().add(i))
            );
            _mm512_mask_storeu_ps(p.as_mut_ptr().add(i), mask, pz);
            let y = _mm512_maskz_loadu_ps(mask, next.as_ptr().add(i));
            acc[0][0] = avx512_term!(TERM, pz, y, acc[0][0]);
            let oz = _mm512_maskz_loadu_ps(mask, other.as_ptr().add(i));
            acc[1][0] = avx512_term!(TERM, oz, y, acc[1][0]);
        }
        i += 16;
    }
    acc.map(|sums| avx512_total(sums))
}

struct Avx512Lanes;

impl Lanes for Avx512Lanes {
    const WIDTH: usize = 16;
    type V = __m512;
    #[inline(always)]
    unsafe fn zero() -> __m512 {
        // SAFETY: the caller's CPU has AVX-512F (trait contract).
        unsafe { _mm512_setzero_ps() }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        // SAFETY: the caller passes 16 readable floats (trait contract).
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn mul_add(x: __m512, y: __m512, acc: __m512) -> __m512 {
        // SAFETY: the caller's CPU has AVX-512F (trait contract).
        unsafe { _mm512_fmadd_ps(x, y, acc) }
    }
    /// GCC's _mm512_reduce_add_ps: halves, then quarters, then (0+2)+(1+3).
    #[inline(always)]
    unsafe fn total(a: __m512) -> f32 {
        // SAFETY: the caller's CPU has AVX-512F (trait contract).
        unsafe {
            let lo = _mm512_castps512_ps256(a);
            let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1));
            let t3 = _mm256_add_ps(hi, lo);
            let t6 = _mm_add_ps(_mm256_extractf128_ps(t3, 1), _mm256_castps256_ps128(t3));
            let t8 = _mm_add_ps(t6, _mm_shuffle_ps(t6, t6, 0b01_00_11_10));
            _mm_cvtss_f32(_mm_add_ss(t8, _mm_shuffle_ps(t8, t8, 1)))
        }
    }
}

#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn dots_of_avx512(
    q: &[f32],
    items: ItemSet<'_>,
    offset: usize,
    ahead: Ahead,
    out: &mut [f32],
) {
    // SAFETY: this function's callers checked the CPU for AVX-512F, AVX2 and FMA.
    unsafe { dots_of_lanes::<Avx512Lanes>(q, items, offset, ahead, out) }
}

#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn mean_update_avx512(p: &mut [f32], x: &[f32], count: f32, inv_weight: f32) {
    super::mean_update_lanes(p, x, count, inv_weight)
}

// The safe entry points below are placed only in the AVX2/AVX512 tables, which
// `available` hands out after checking that the CPU has those features.

fn avx512<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
    // SAFETY: only reachable through the AVX512 table, chosen after feature detection.
    unsafe { avx512_sums::<TERM, W>(q, xs) }
}

#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn avx512_sums<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
    let n = q.len();
    assert!(xs.iter().all(|x| x.len() >= n));
    let mut result = [0.0f32; W];
    let mut i = 0;
    if n > 15 {
        let mut acc = [_mm512_setzero_ps(); W];
        while n - i > 15 {
            // SAFETY: i + 16 <= n <= every slice's length, so the loads are in bounds.
            let y = unsafe { _mm512_loadu_ps(q.as_ptr().add(i)) };
            for w in 0..W {
                // SAFETY: as above.
                let x = unsafe { _mm512_loadu_ps(xs[w].as_ptr().add(i)) };
                acc[w] = match TERM {
                    PRODUCT => _mm512_fmadd_ps(x, y, acc[w]),
                    SQUARED => {
                        let d = _mm512_sub_ps(x, y);
                        _mm512_fmadd_ps(d, d, acc[w])
                    }
                    _ => _mm512_add_ps(acc[w], _mm512_abs_ps(_mm512_sub_ps(x, y))),
                };
            }
            i += 16;
        }
        for w in 0..W {
            // SAFETY: this function's callers checked the CPU for AVX-512F.
            result[w] = unsafe { Avx512Lanes::total(acc[w]) };
        }
    }
    for w in 0..W {
        result[w] = tail::<TERM>(&q[i..], &xs[w][i..n], result[w]);
    }
    result
}
