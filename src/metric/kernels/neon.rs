//! NEON, for the sums whose order is free (the build's two-means) and for hamming. The exact
//! sums stay the portable ones: Annoy has no NEON code, so on aarch64 its sums are plain loops
//! (fused, one chain per sum), and every chain is as long whatever the registers, so NEON
//! would only change the bits.

use super::{Kernels, ABSOLUTE, PRODUCT, SQUARED};
use std::arch::aarch64::*;

pub(super) static NEON: Kernels = Kernels {
    key: "neon",
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
    ..super::portable::PORTABLE
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
