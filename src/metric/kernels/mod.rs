//! Distance kernels over f32 slices, chosen once at run time for the CPU.
//!
//! The summation order copies what Annoy 1.17.3 compiles to with `-march=native`: 16-lane
//! fused multiply-adds reduced in GCC's `_mm512_reduce_add_ps` order on AVX-512 machines,
//! 8 lanes and Annoy's `hsum256` order on AVX2/FMA machines, then a scalar tail. Matching the
//! order keeps distances bit-identical to Annoy on the same machine (measured on every golden
//! file), so rankings agree even on near-ties. Elsewhere (aarch64, x86 without AVX2) the
//! portable kernels follow the order of Annoy's plain loop.
//!
//! Each kernel also comes in a four-way form that measures one vector against four others at
//! once. Every one of the four sums is computed in exactly the single form's order, so the
//! results are bit-identical; running four independent chains hides the FMA latency that
//! bounds a single sum, and keeps four memory streams in flight.

use crate::format::ItemSet;
use std::sync::OnceLock;

pub(crate) type Kernel = fn(&[f32], &[f32]) -> f32;
pub(crate) type Kernel2 = fn(&[f32], [&[f32]; 2]) -> [f32; 2];
pub(crate) type Kernel4 = fn(&[f32], [&[f32]; 4]) -> [f32; 4];
/// `dot(q, x)` for the vector `x` at byte `offset` of the record of every item of a set,
/// into `out`, asking for the records `Ahead` of use.
pub(crate) type DotsOf = fn(&[f32], ItemSet<'_>, usize, Ahead, &mut [f32]);
/// `mean_update(p, x, count, inv_weight)`, then a build sum of `next` with `[p, other]`.
pub(crate) type UpdateThen2 = fn(&mut [f32], &[f32], f32, f32, &[f32], &[f32]) -> [f32; 2];

/// One implementation of each kernel.
pub(crate) struct Kernels {
    pub name: &'static str,
    /// Σ aᵢbᵢ
    pub dot: Kernel,
    pub dot4: Kernel4,
    /// `dot` of one vector with those of a set of records (a split's margins), in one call:
    /// the loop over the records is compiled with the sums, so consecutive ones overlap.
    pub dots_of: DotsOf,
    /// Σ (aᵢ−bᵢ)²
    pub euclidean: Kernel,
    pub euclidean4: Kernel4,
    /// Σ |aᵢ−bᵢ|
    pub manhattan: Kernel,
    pub manhattan4: Kernel4,
    /// Σ popcount(aᵢ xor bᵢ)
    pub hamming: fn(&[u64], &[u64]) -> u64,
    /// Two-means' running mean: `p = (p·count + x·inv_weight) / (count + 1)`.
    pub mean_update: fn(&mut [f32], &[f32], f32, f32),
    /// The same sums in any order, for the build's two-means, whose results stay inside the
    /// build: many short chains instead of Annoy's one long chain per sum.
    pub build_dot: Kernel,
    pub build_dot2: Kernel2,
    pub build_euclidean2: Kernel2,
    pub build_manhattan2: Kernel2,
    /// `mean_update` and then `build_*2`, with the same results, in one pass: two-means' chain
    /// of dependent steps goes from the new centroid straight into the next distances.
    pub update_then_dot2: UpdateThen2,
    pub update_then_euclidean2: UpdateThen2,
    pub update_then_manhattan2: UpdateThen2,
}

/// The running-mean step, written plainly so each kernel set compiles it for its own vector
/// width. Divisions become multiplications by reciprocals, as GCC compiles Annoy's loop under
/// `-ffast-math`.
#[inline(always)]
fn mean_update_lanes(p: &mut [f32], x: &[f32], count: f32, inv_weight: f32) {
    let inv_next = 1.0 / (count + 1.0);
    for (pz, xz) in p.iter_mut().zip(x) {
        *pz = (*pz * count + *xz * inv_weight) * inv_next;
    }
}

/// Sums in `LANES` independent chains (several registers' worth), then added pairwise: a
/// chain is `LANES` times shorter than a plain loop's, which matters where each step waits for
/// the last (two-means). Written plainly; each kernel set compiles it for its own registers.
#[inline(always)]
fn wide_sums<const TERM: u8, const W: usize, const LANES: usize, const FUSED: bool>(
    q: &[f32],
    xs: [&[f32]; W],
) -> [f32; W] {
    let n = q.len();
    let xs = xs.map(|x| &x[..n]);
    let step = |x: f32, y: f32, acc: f32| match TERM {
        PRODUCT if FUSED => x.mul_add(y, acc),
        PRODUCT => acc + x * y,
        SQUARED if FUSED => (x - y).mul_add(x - y, acc),
        SQUARED => acc + (x - y) * (x - y),
        _ => acc + (x - y).abs(),
    };
    let mut acc = [[0.0f32; LANES]; W];
    let whole = n / LANES * LANES;
    for i in (0..whole).step_by(LANES) {
        let qc = &q[i..i + LANES];
        for w in 0..W {
            let xc = &xs[w][i..i + LANES];
            for l in 0..LANES {
                acc[w][l] = step(qc[l], xc[l], acc[w][l]);
            }
        }
    }
    std::array::from_fn(|w| {
        let lanes = &mut acc[w];
        let mut width = LANES;
        while width > 1 {
            width /= 2;
            for l in 0..width {
                lanes[l] += lanes[l + width];
            }
        }
        (whole..n).fold(lanes[0], |acc, i| step(q[i], xs[w][i], acc))
    })
}

/// The term summed by a kernel, as a const parameter so each loop is compiled for one term.
const PRODUCT: u8 = 0;
const SQUARED: u8 = 1;
const ABSOLUTE: u8 = 2;

static PORTABLE: Kernels = Kernels {
    name: "portable",
    dot: |a, b| portable::sums::<PRODUCT, 1>(a, [b])[0],
    dot4: portable::sums::<PRODUCT, 4>,
    dots_of: portable::dots_of,
    euclidean: |a, b| portable::sums::<SQUARED, 1>(a, [b])[0],
    euclidean4: portable::sums::<SQUARED, 4>,
    manhattan: |a, b| portable::sums::<ABSOLUTE, 1>(a, [b])[0],
    manhattan4: portable::sums::<ABSOLUTE, 4>,
    hamming: portable::hamming,
    mean_update: mean_update_lanes,
    build_dot: |a, b| portable::wide::<PRODUCT, 1>(a, [b])[0],
    build_dot2: portable::wide::<PRODUCT, 2>,
    build_euclidean2: portable::wide::<SQUARED, 2>,
    build_manhattan2: portable::wide::<ABSOLUTE, 2>,
    update_then_dot2: portable::update_then::<PRODUCT>,
    update_then_euclidean2: portable::update_then::<SQUARED>,
    update_then_manhattan2: portable::update_then::<ABSOLUTE>,
};

/// The best kernels this CPU supports.
pub(crate) fn best() -> &'static Kernels {
    static CHOSEN: OnceLock<&'static Kernels> = OnceLock::new();
    CHOSEN.get_or_init(|| *available().last().unwrap())
}

/// Every kernel set usable on this CPU, best last.
pub(crate) fn available() -> Vec<&'static Kernels> {
    #[allow(unused_mut)]
    let mut all = vec![&PORTABLE];
    // NEON is part of every aarch64 CPU.
    #[cfg(target_arch = "aarch64")]
    all.push(&aarch64::NEON);
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx2") && has!("fma") && has!("popcnt") {
            all.push(&x86::AVX2);
            if has!("avx512f") {
                all.push(&x86::AVX512);
            }
        }
    }
    all
}

/// How soon a prefetched line is needed.
#[derive(Clone, Copy)]
pub(crate) enum Soon {
    /// Within the next few hundred cycles: into the first-level cache.
    Next,
    /// Later: into the second-level cache only. Such requests do not hold the few first-level
    /// miss buffers while memory answers, so many more can be in flight (see the query's
    /// `ahead_hint` for what that measured).
    Later,
}

/// Asks the CPU to start loading the cache line at `p`; a hint with no effect on results.
#[inline(always)]
fn prefetch(p: *const u8, soon: Soon) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; it never faults, even on an invalid address.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0, _MM_HINT_T1};
        match soon {
            Soon::Next => _mm_prefetch::<_MM_HINT_T0>(p.cast()),
            Soon::Later => _mm_prefetch::<_MM_HINT_T1>(p.cast()),
        }
    };
    #[cfg(target_arch = "aarch64")]
    // SAFETY: PRFM is a hint; it never faults, reads nothing into registers and writes nothing.
    unsafe {
        match soon {
            Soon::Next => std::arch::asm!("prfm pldl1keep, [{0}]", in(reg) p,
                options(nostack, readonly, preserves_flags)),
            Soon::Later => std::arch::asm!("prfm pldl2keep, [{0}]", in(reg) p,
                options(nostack, readonly, preserves_flags)),
        }
    };
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = (p, soon);
}

/// Requests the first `bytes` of a record from memory ahead of use.
#[inline(always)]
pub(crate) fn prefetch_record(record: &[u8], bytes: usize, soon: Soon) {
    for line in (0..record.len().min(bytes)).step_by(64) {
        prefetch(record[line..].as_ptr(), soon);
    }
}

/// How a pass over a set of records asks for them ahead of use.
#[derive(Clone, Copy)]
pub(crate) struct Ahead {
    /// How many items ahead of the ones being measured.
    pub items: usize,
    /// How much of each record, from the part measured on.
    pub bytes: usize,
    pub soon: Soon,
}

mod portable {
    use super::{mean_update_lanes, prefetch_record, wide_sums, Ahead, ABSOLUTE, PRODUCT, SQUARED};
    use crate::format::ItemSet;

    /// `sums::<PRODUCT, 4>` over the records four at a time (the last ones padded with
    /// repeats).
    pub(super) fn dots_of(
        q: &[f32],
        items: ItemSet<'_>,
        offset: usize,
        ahead: Ahead,
        out: &mut [f32],
    ) {
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
}

/// NEON, for the sums whose order is free (the build's two-means) and for hamming. The exact
/// sums stay the portable ones: Annoy has no NEON code, so on aarch64 its sums are plain loops
/// (fused, one chain per sum), and every chain is as long whatever the registers, so NEON
/// would only change the bits.
#[cfg(target_arch = "aarch64")]
mod aarch64 {
    use super::{Kernels, ABSOLUTE, PRODUCT, SQUARED};
    use std::arch::aarch64::*;

    pub(super) static NEON: Kernels = Kernels {
        name: "neon",
        hamming,
        build_dot: |a, b| wide::<PRODUCT, 1>(a, [b])[0],
        build_dot2: wide::<PRODUCT, 2>,
        build_euclidean2: wide::<SQUARED, 2>,
        build_manhattan2: wide::<ABSOLUTE, 2>,
        update_then_dot2: update_then::<PRODUCT>,
        update_then_euclidean2: update_then::<SQUARED>,
        update_then_manhattan2: update_then::<ABSOLUTE>,
        // The exact sums and the mean update (which the compiler vectorises).
        ..super::PORTABLE
    };

    /// `mean_update` and then `wide::<TERM, 2>(next, [p, other])`.
    fn update_then<const TERM: u8>(
        p: &mut [f32],
        x: &[f32],
        count: f32,
        inv_weight: f32,
        other: &[f32],
        next: &[f32],
    ) -> [f32; 2] {
        super::mean_update_lanes(p, x, count, inv_weight);
        wide::<TERM, 2>(next, [p, other])
    }

    /// Four accumulators of four lanes per sum, 16 floats a step.
    fn wide<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
        let n = q.len();
        assert!(xs.iter().all(|x| x.len() >= n));
        // SAFETY: NEON is part of every aarch64 CPU; every load reads 4 floats at `at`, with
        // at + 4 <= i + 16 <= n, within `q` and every `xs[w]` (checked above).
        unsafe {
            let mut acc = [[vdupq_n_f32(0.0); 4]; W];
            let mut i = 0;
            while i + 16 <= n {
                for (lane, at) in (i..i + 16).step_by(4).enumerate() {
                    let y = vld1q_f32(q.as_ptr().add(at));
                    for w in 0..W {
                        let x = vld1q_f32(xs[w].as_ptr().add(at));
                        let a = acc[w][lane];
                        acc[w][lane] = match TERM {
                            PRODUCT => vfmaq_f32(a, x, y),
                            SQUARED => {
                                let d = vsubq_f32(x, y);
                                vfmaq_f32(a, d, d)
                            }
                            _ => vaddq_f32(a, vabdq_f32(x, y)),
                        };
                    }
                }
                i += 16;
            }
            let mut result = [0.0f32; W];
            for w in 0..W {
                let [a, b, c, d] = acc[w];
                let sum = vaddvq_f32(vaddq_f32(vaddq_f32(a, b), vaddq_f32(c, d)));
                result[w] = (i..n).fold(sum, |acc, k| {
                    let (x, y) = (xs[w][k], q[k]);
                    match TERM {
                        PRODUCT => x.mul_add(y, acc),
                        SQUARED => (x - y).mul_add(x - y, acc),
                        _ => acc + (x - y).abs(),
                    }
                });
            }
            result
        }
    }

    /// Bits counted a byte at a time, sixteen bytes a step.
    fn hamming(a: &[u64], b: &[u64]) -> u64 {
        let n = a.len().min(b.len());
        let whole = n / 2 * 2;
        let mut total = 0u64;
        // SAFETY: NEON is part of every aarch64 CPU; each load reads words i and i + 1 < n.
        unsafe {
            let mut i = 0;
            while i < whole {
                let x = veorq_u64(vld1q_u64(a.as_ptr().add(i)), vld1q_u64(b.as_ptr().add(i)));
                total += vaddlvq_u8(vcntq_u8(vreinterpretq_u8_u64(x))) as u64;
                i += 2;
            }
        }
        total
            + (whole..n)
                .map(|i| (a[i] ^ b[i]).count_ones() as u64)
                .sum::<u64>()
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{prefetch, Ahead, Kernels, ABSOLUTE, PRODUCT, SQUARED};
    use crate::format::ItemSet;
    use std::arch::x86_64::*;

    /// The elements after the last full vector block, summed as GCC compiles Annoy's scalar
    /// loop: groups of four terms are computed (rounded) and added one by one, and the last
    /// `len % 4` terms are fused multiply-adds. Measured bit-for-bit against Annoy 1.17.3.
    #[inline(always)]
    fn tail<const TERM: u8>(a: &[f32], b: &[f32], mut acc: f32) -> f32 {
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

    pub(super) static AVX2: Kernels = Kernels {
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
    };

    pub(super) static AVX512: Kernels = Kernels {
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
    };

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

    fn wide_avx2<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
        // SAFETY: only reachable through the AVX2 table, chosen after feature detection.
        unsafe { avx2_wide::<TERM, W>(q, xs) }
    }

    fn wide_avx512<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
        // SAFETY: only reachable through the AVX512 table, chosen after feature detection.
        unsafe { avx512_wide::<TERM, W>(q, xs) }
    }

    /// Four accumulators per sum, 32 floats a step: for sums whose order is free.
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
        while i + 8 <= n {
            let lane = (i / 8) % 4;
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

    /// A register of lanes and the few operations the record loops need, so that a loop is
    /// written once and compiled inside each kernel set's `target_feature` function. `total`
    /// is also how `avx2_sums` / `avx512_sums` add up their lanes, so the loops' sums are
    /// theirs bit for bit.
    trait Lanes {
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

    /// `avx*_sums::<PRODUCT, 4>` over the records four at a time, written as one loop with the
    /// sums inlined (a call per four records measured a quarter slower: 9.7 against 7.3 ns a
    /// record on a cached 128-d node). The ids are checked once up front instead of at every
    /// record.
    ///
    /// # Safety
    /// The CPU must have `L`'s features.
    #[inline(always)]
    unsafe fn dots_of_lanes<L: Lanes>(
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

    #[target_feature(enable = "avx2,fma")]
    unsafe fn mean_update_avx2(p: &mut [f32], x: &[f32], count: f32, inv_weight: f32) {
        super::mean_update_lanes(p, x, count, inv_weight)
    }

    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn mean_update_avx512(p: &mut [f32], x: &[f32], count: f32, inv_weight: f32) {
        super::mean_update_lanes(p, x, count, inv_weight)
    }

    // The safe entry points below are placed only in the AVX2/AVX512 tables, which
    // `available` hands out after checking that the CPU has those features.

    fn avx2<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
        // SAFETY: only reachable through the AVX2 tables, chosen after feature detection.
        unsafe { avx2_sums::<TERM, W>(q, xs) }
    }

    fn avx512<const TERM: u8, const W: usize>(q: &[f32], xs: [&[f32]; W]) -> [f32; W] {
        // SAFETY: only reachable through the AVX512 table, chosen after feature detection.
        unsafe { avx512_sums::<TERM, W>(q, xs) }
    }

    fn hamming(a: &[u64], b: &[u64]) -> u64 {
        // SAFETY: only in tables chosen after detecting POPCNT.
        unsafe { hamming_popcnt(a, b) }
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

    #[target_feature(enable = "popcnt")]
    unsafe fn hamming_popcnt(a: &[u64], b: &[u64]) -> u64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x ^ y).count_ones() as u64)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| (((i as u32).wrapping_mul(2654435761) ^ seed) % 1000) as f32 / 100.0 - 5.0)
            .collect()
    }

    #[test]
    fn every_kernel_set_agrees_with_plain_sums() {
        for n in [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 40, 64, 100, 384] {
            let (a, b) = (data(n, 1), data(n, 7));
            let dot: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (*x as f64) * (*y as f64))
                .sum();
            let euc: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
                .sum();
            let man: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (*x as f64 - *y as f64).abs())
                .sum();
            for k in available() {
                let tol = |v: f64| 1e-4 * v.abs().max(1.0);
                assert!(
                    ((k.dot)(&a, &b) as f64 - dot).abs() < tol(dot),
                    "{} dot n={n}",
                    k.name
                );
                assert!(
                    ((k.euclidean)(&a, &b) as f64 - euc).abs() < tol(euc),
                    "{} euc",
                    k.name
                );
                assert!(
                    ((k.manhattan)(&a, &b) as f64 - man).abs() < tol(man),
                    "{} man",
                    k.name
                );
                // The build's kernels sum in their own order: close, not bit-identical.
                let c = data(n, 13);
                assert!(
                    ((k.build_dot)(&a, &b) as f64 - dot).abs() < tol(dot),
                    "{} build dot",
                    k.name
                );
                for (kernel, want) in [
                    (k.build_dot2, dot),
                    (k.build_euclidean2, euc),
                    (k.build_manhattan2, man),
                ] {
                    let [ab, cb] = kernel(&b, [&a, &c]);
                    assert!(
                        (ab as f64 - want).abs() < tol(want),
                        "{} build n={n}",
                        k.name
                    );
                    assert_eq!(
                        cb.to_bits(),
                        kernel(&b, [&c, &a])[0].to_bits(),
                        "{}",
                        k.name
                    );
                }
            }
        }
    }

    #[test]
    fn four_way_kernels_are_bit_identical_to_single_ones() {
        for n in [1, 5, 8, 13, 16, 23, 40, 64, 100, 384] {
            let q = data(n, 3);
            let xs: Vec<Vec<f32>> = (0..4).map(|s| data(n, 11 + s)).collect();
            let four = [&xs[0][..], &xs[1][..], &xs[2][..], &xs[3][..]];
            for k in available() {
                for (single, batched) in [
                    (k.dot, k.dot4),
                    (k.euclidean, k.euclidean4),
                    (k.manhattan, k.manhattan4),
                ] {
                    let got = batched(&q, four);
                    for w in 0..4 {
                        assert_eq!(
                            got[w].to_bits(),
                            single(&q, four[w]).to_bits(),
                            "{} n={n}",
                            k.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn fused_updates_are_bit_identical_to_update_then_sums() {
        for n in [1, 5, 16, 23, 40, 64, 100, 128, 200, 384] {
            let (x, other, next) = (data(n, 5), data(n, 9), data(n, 21));
            for k in available() {
                for (fused, sums) in [
                    (k.update_then_dot2, k.build_dot2),
                    (k.update_then_euclidean2, k.build_euclidean2),
                    (k.update_then_manhattan2, k.build_manhattan2),
                ] {
                    let (mut fused_p, mut p) = (data(n, 2), data(n, 2));
                    let got = fused(&mut fused_p, &x, 3.0, 0.5, &other, &next);
                    (k.mean_update)(&mut p, &x, 3.0, 0.5);
                    let want = sums(&next, [&p, &other]);
                    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&fused_p), bits(&p), "{} n={n}", k.name);
                    assert_eq!(bits(&got), bits(&want), "{} n={n}", k.name);
                }
            }
        }
    }

    #[test]
    fn hamming_counts_differing_bits() {
        for k in available() {
            assert_eq!((k.hamming)(&[0b1011, u64::MAX], &[0b0001, 0]), 2 + 64);
        }
    }
}
