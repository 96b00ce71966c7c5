//! Distance kernels over f32 slices, chosen once at run time for the CPU.
//!
//! The summation order copies what Annoy 1.17.3 compiles to with `-march=native`: 16-lane
//! fused multiply-adds reduced in GCC's `_mm512_reduce_add_ps` order on AVX-512 machines,
//! 8 lanes and Annoy's `hsum256` order on AVX2/FMA machines, and a scalar tail. Matching the
//! order keeps distances bit-identical to Annoy on the same machine, so rankings agree even on
//! near-ties. Elsewhere a portable 8-lane version without FMA is used.

use std::sync::OnceLock;

pub(crate) type Kernel = fn(&[f32], &[f32]) -> f32;

/// One implementation of each float kernel.
pub(crate) struct Kernels {
    pub name: &'static str,
    /// Σ aᵢbᵢ
    pub dot: Kernel,
    /// Σ (aᵢ−bᵢ)²
    pub euclidean: Kernel,
    /// Σ |aᵢ−bᵢ|
    pub manhattan: Kernel,
    /// Σ popcount(aᵢ xor bᵢ)
    pub hamming: fn(&[u64], &[u64]) -> u64,
}

static PORTABLE: Kernels = Kernels {
    name: "portable",
    dot: portable::dot,
    euclidean: portable::euclidean,
    manhattan: portable::manhattan,
    hamming: portable::hamming,
};

/// The best kernels this CPU supports.
pub(crate) fn best() -> &'static Kernels {
    static CHOSEN: OnceLock<&'static Kernels> = OnceLock::new();
    CHOSEN.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> &'static Kernels {
    if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("fma")
    {
        &x86::AVX512
    } else if std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        &x86::AVX2
    } else {
        &PORTABLE
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> &'static Kernels {
    &PORTABLE
}

/// Every kernel set usable on this CPU, for tests that compare them.
#[cfg(test)]
pub(crate) fn available() -> Vec<&'static Kernels> {
    let mut all = vec![&PORTABLE];
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            all.push(&x86::AVX2);
        }
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("fma")
        {
            all.push(&x86::AVX512);
        }
    }
    all
}

mod portable {
    // Eight independent lanes, like the AVX2 path, so the compiler can vectorise the loop.
    fn lanes8(a: &[f32], b: &[f32], term: impl Fn(f32, f32) -> f32) -> f32 {
        let n = a.len().min(b.len());
        let mut result = 0.0f32;
        let mut i = 0;
        if n > 7 {
            let mut acc = [0.0f32; 8];
            while n - i > 7 {
                for l in 0..8 {
                    acc[l] += term(a[i + l], b[i + l]);
                }
                i += 8;
            }
            let x = [acc[0] + acc[4], acc[1] + acc[5], acc[2] + acc[6], acc[3] + acc[7]];
            result = (x[0] + x[2]) + (x[1] + x[3]);
        }
        while i < n {
            result += term(a[i], b[i]);
            i += 1;
        }
        result
    }

    pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
        lanes8(a, b, |x, y| x * y)
    }

    pub(super) fn euclidean(a: &[f32], b: &[f32]) -> f32 {
        lanes8(a, b, |x, y| (x - y) * (x - y))
    }

    pub(super) fn manhattan(a: &[f32], b: &[f32]) -> f32 {
        lanes8(a, b, |x, y| (x - y).abs())
    }

    pub(super) fn hamming(a: &[u64], b: &[u64]) -> u64 {
        a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones() as u64).sum()
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Kernels;
    use std::arch::x86_64::*;

    pub(super) static AVX2: Kernels = Kernels {
        name: "avx2+fma",
        dot: dot_avx2,
        euclidean: euclidean_avx2,
        manhattan: manhattan_avx2,
        hamming: hamming_popcnt,
    };

    pub(super) static AVX512: Kernels = Kernels {
        name: "avx512f",
        dot: dot_avx512,
        euclidean: euclidean_avx512,
        manhattan: manhattan_avx512,
        hamming: hamming_popcnt,
    };

    // The safe entry points below are only placed in AVX2/AVX512 tables, which `detect` hands
    // out only after checking the CPU has those features.

    fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: only reachable through the AVX2 table, chosen after feature detection.
        unsafe { avx2_sum(a, b, Term::Product) }
    }
    fn euclidean_avx2(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: as above.
        unsafe { avx2_sum(a, b, Term::Squared) }
    }
    fn manhattan_avx2(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: as above.
        unsafe { avx2_sum(a, b, Term::Absolute) }
    }
    fn dot_avx512(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: only reachable through the AVX512 table, chosen after feature detection.
        unsafe { avx512_sum(a, b, Term::Product) }
    }
    fn euclidean_avx512(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: as above.
        unsafe { avx512_sum(a, b, Term::Squared) }
    }
    fn manhattan_avx512(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: as above.
        unsafe { avx512_sum(a, b, Term::Absolute) }
    }
    fn hamming_popcnt(a: &[u64], b: &[u64]) -> u64 {
        // SAFETY: both tables that hold this need AVX2, and every AVX2 CPU has POPCNT.
        unsafe { hamming_popcnt_impl(a, b) }
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Term {
        Product,
        Squared,
        Absolute,
    }

    /// The elements after the last full vector block, summed as GCC compiles Annoy's scalar
    /// loop: groups of four products are computed (rounded) and added one by one, and the last
    /// `len % 4` terms are fused multiply-adds. Measured bit-for-bit against Annoy 1.17.3.
    #[inline(always)]
    fn tail(term: Term, a: &[f32], b: &[f32], mut acc: f32) -> f32 {
        let grouped = a.len() / 4 * 4;
        for (x, y) in a[..grouped].iter().zip(&b[..grouped]) {
            acc += match term {
                Term::Product => x * y,
                Term::Squared => (x - y) * (x - y),
                Term::Absolute => (x - y).abs(),
            };
        }
        for (&x, &y) in a[grouped..].iter().zip(&b[grouped..]) {
            acc = match term {
                Term::Product => x.mul_add(y, acc),
                Term::Squared => (x - y).mul_add(x - y, acc),
                Term::Absolute => acc + (x - y).abs(),
            };
        }
        acc
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn avx2_sum(a: &[f32], b: &[f32], term: Term) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut result = 0.0f32;
        let mut i = 0;
        if n > 7 {
            let mut acc = _mm256_setzero_ps();
            let sign = _mm256_set1_ps(-0.0);
            while n - i > 7 {
                // SAFETY: i + 8 <= n, so both 8-float loads are inside the slices.
                let (x, y) = unsafe { (_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i))) };
                acc = match term {
                    Term::Product => _mm256_fmadd_ps(x, y, acc),
                    Term::Squared => {
                        let d = _mm256_sub_ps(x, y);
                        _mm256_fmadd_ps(d, d, acc)
                    }
                    Term::Absolute => _mm256_add_ps(acc, _mm256_andnot_ps(sign, _mm256_sub_ps(x, y))),
                };
                i += 8;
            }
            // Annoy's hsum256_ps_avx: (hi + lo), then lanes 0+2 and 1+3, then those two.
            let x128 = _mm_add_ps(_mm256_extractf128_ps(acc, 1), _mm256_castps256_ps128(acc));
            let x64 = _mm_add_ps(x128, _mm_movehl_ps(x128, x128));
            let x32 = _mm_add_ss(x64, _mm_shuffle_ps(x64, x64, 0x55));
            result = _mm_cvtss_f32(x32);
        }
        tail(term, &a[i..n], &b[i..n], result)
    }

    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn avx512_sum(a: &[f32], b: &[f32], term: Term) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut result = 0.0f32;
        let mut i = 0;
        if n > 15 {
            let mut acc = _mm512_setzero_ps();
            while n - i > 15 {
                // SAFETY: i + 16 <= n, so both 16-float loads are inside the slices.
                let (x, y) = unsafe { (_mm512_loadu_ps(pa.add(i)), _mm512_loadu_ps(pb.add(i))) };
                acc = match term {
                    Term::Product => _mm512_fmadd_ps(x, y, acc),
                    Term::Squared => {
                        let d = _mm512_sub_ps(x, y);
                        _mm512_fmadd_ps(d, d, acc)
                    }
                    Term::Absolute => _mm512_add_ps(acc, _mm512_abs_ps(_mm512_sub_ps(x, y))),
                };
                i += 16;
            }
            // GCC's _mm512_reduce_add_ps: halves, then quarters, then (0+2)+(1+3).
            let mut l = [0.0f32; 16];
            // SAFETY: `l` has room for exactly 16 floats.
            unsafe { _mm512_storeu_ps(l.as_mut_ptr(), acc) };
            let t3: [f32; 8] = std::array::from_fn(|k| l[k + 8] + l[k]);
            let t6: [f32; 4] = std::array::from_fn(|k| t3[k + 4] + t3[k]);
            result = (t6[0] + t6[2]) + (t6[1] + t6[3]);
        }
        tail(term, &a[i..n], &b[i..n], result)
    }

    #[target_feature(enable = "popcnt")]
    unsafe fn hamming_popcnt_impl(a: &[u64], b: &[u64]) -> u64 {
        a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones() as u64).sum()
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
            let dot: f64 = a.iter().zip(&b).map(|(x, y)| (*x as f64) * (*y as f64)).sum();
            let euc: f64 = a.iter().zip(&b).map(|(x, y)| (*x as f64 - *y as f64).powi(2)).sum();
            let man: f64 = a.iter().zip(&b).map(|(x, y)| (*x as f64 - *y as f64).abs()).sum();
            for k in available() {
                let tol = |v: f64| 1e-4 * v.abs().max(1.0);
                assert!(((k.dot)(&a, &b) as f64 - dot).abs() < tol(dot), "{} dot n={n}", k.name);
                assert!(((k.euclidean)(&a, &b) as f64 - euc).abs() < tol(euc), "{} euc", k.name);
                assert!(((k.manhattan)(&a, &b) as f64 - man).abs() < tol(man), "{} man", k.name);
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
