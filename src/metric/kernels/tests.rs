use super::*;
use crate::format::f16::f16_to_f32;

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

/// `x * y + acc` rounded once, as the kernels' FMA instructions compute it. On x86-64 this
/// runs the instruction itself when the CPU has it (every set that fuses needs it): without
/// the feature, `f32::mul_add` calls the C library's `fmaf`, and MinGW's is not exact.
fn fma(x: f32, y: f32, acc: f32) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        #[target_feature(enable = "fma")]
        fn fused(x: f32, y: f32, acc: f32) -> f32 {
            x.mul_add(y, acc)
        }
        // SAFETY: the CPU has FMA (checked above).
        return unsafe { fused(x, y, acc) };
    }
    x.mul_add(y, acc)
}

/// The exact sums of a set, modelled in scalar code from the order its doc states: lanes of
/// fused chains (element i in lane i mod width), added in the set's reduction order, then
/// Annoy's scalar tail; the portable set is one chain in element order.
fn model(key: &str, term: u8, a: &[f32], b: &[f32]) -> f32 {
    let fused = |x: f32, y: f32, acc: f32| match term {
        PRODUCT => fma(x, y, acc),
        SQUARED => fma(x - y, x - y, acc),
        _ => acc + (x - y).abs(),
    };
    let plain = |x: f32, y: f32| match term {
        PRODUCT => x * y,
        SQUARED => (x - y) * (x - y),
        _ => (x - y).abs(),
    };
    let width = match key {
        "avx2" => 8,
        "avx512" => 16,
        _ => {
            let fma = cfg!(target_arch = "aarch64");
            return a.iter().zip(b).fold(0.0, |acc, (&x, &y)| {
                if fma {
                    fused(x, y, acc)
                } else {
                    acc + plain(x, y)
                }
            });
        }
    };
    let whole = a.len() / width * width;
    let mut l = vec![0.0f32; width];
    for i in 0..whole {
        l[i % width] = fused(a[i], b[i], l[i % width]);
    }
    let mut total = if width == 8 {
        // Annoy's hsum256: (hi + lo), then lanes 0+2 and 1+3, then those two.
        let h: Vec<f32> = (0..4).map(|i| l[i] + l[i + 4]).collect();
        (h[0] + h[2]) + (h[1] + h[3])
    } else {
        // GCC's _mm512_reduce_add_ps: halves, then quarters, then (0+2)+(1+3).
        let m: Vec<f32> = (0..8).map(|i| l[i] + l[i + 8]).collect();
        let n: Vec<f32> = (0..4).map(|i| m[i] + m[i + 4]).collect();
        (n[0] + n[2]) + (n[1] + n[3])
    };
    let grouped = whole + (a.len() - whole) / 4 * 4;
    for i in whole..grouped {
        total += plain(a[i], b[i]);
    }
    for i in grouped..a.len() {
        total = fused(a[i], b[i], total);
    }
    total
}

/// Slices starting `shift` floats into a fresh buffer: no set may assume an alignment.
fn shifted(v: &[f32], shift: usize) -> Vec<f32> {
    let mut buffer = vec![f32::NAN; shift];
    buffer.extend_from_slice(v);
    buffer
}

#[test]
fn exact_sums_follow_each_sets_order_at_any_alignment() {
    for n in [1, 3, 7, 9, 15, 17, 23, 31, 33, 37, 63, 65, 100, 129, 383] {
        let (a, b) = (data(n, 17), data(n, 29));
        for shift in 0..4 {
            let (sa, sb) = (shifted(&a, shift), shifted(&b, (shift * 3) % 5));
            let (a, b) = (&sa[shift..], &sb[(shift * 3) % 5..]);
            for k in available() {
                for (term, single) in [
                    (PRODUCT, k.dot),
                    (SQUARED, k.euclidean),
                    (ABSOLUTE, k.manhattan),
                ] {
                    let want = model(k.key, term, a, b);
                    assert_eq!(
                        single(a, b).to_bits(),
                        want.to_bits(),
                        "{} term {term} n={n} shift={shift}",
                        k.key
                    );
                }
            }
        }
    }
}

#[test]
fn every_kernel_agrees_at_odd_lengths_and_alignments() {
    let exact = |term: u8, a: &[f32], b: &[f32]| -> f64 {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| {
                let (x, y) = (x as f64, y as f64);
                match term {
                    PRODUCT => x * y,
                    SQUARED => (x - y) * (x - y),
                    _ => (x - y).abs(),
                }
            })
            .sum()
    };
    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    for n in [1, 2, 5, 11, 19, 33, 47, 63, 65, 79, 97, 130, 257] {
        for shift in 0..4 {
            let vs: Vec<Vec<f32>> = (0..6).map(|s| shifted(&data(n, 40 + s), shift)).collect();
            let v = |i: usize| &vs[i][shift..];
            for k in available() {
                let name = format!("{} n={n} shift={shift}", k.key);
                for (term, four, build2, update2) in [
                    (PRODUCT, k.dot4, k.build_dot2, k.update_then_dot2),
                    (
                        SQUARED,
                        k.euclidean4,
                        k.build_euclidean2,
                        k.update_then_euclidean2,
                    ),
                    (
                        ABSOLUTE,
                        k.manhattan4,
                        k.build_manhattan2,
                        k.update_then_manhattan2,
                    ),
                ] {
                    let single = [k.dot, k.euclidean, k.manhattan][term as usize];
                    let got = four(v(0), [v(1), v(2), v(3), v(4)]);
                    for (w, got) in got.iter().enumerate() {
                        assert_eq!(got.to_bits(), single(v(0), v(w + 1)).to_bits(), "{name}");
                    }
                    let [x, y] = build2(v(0), [v(1), v(2)]);
                    for (got, other) in [(x, v(1)), (y, v(2))] {
                        // Within a few rounding steps of the total of the terms' sizes.
                        let want = exact(term, v(0), other);
                        let size: f64 = v(0)
                            .iter()
                            .zip(other)
                            .map(|(&x, &y)| exact(term, &[x], &[y]).abs())
                            .sum();
                        let tol = 1e-5 * size.max(1.0);
                        assert!((got as f64 - want).abs() <= tol, "{name} build {term}");
                    }
                    // The fused update writes the same centroid and sums as the two steps.
                    let mut fused_p = shifted(v(3), 1);
                    let mut p = v(3).to_vec();
                    let sums = update2(&mut fused_p[1..], v(4), 2.0, 1.0, v(5), v(0));
                    (k.mean_update)(&mut p, v(4), 2.0, 1.0);
                    assert_eq!(bits(&fused_p[1..]), bits(&p), "{name}");
                    assert_eq!(bits(&sums), bits(&build2(v(0), [&p, v(5)])), "{name}");
                }
            }
        }
    }
    for k in available() {
        for words in [1, 2, 3, 5, 8, 13] {
            let a: Vec<u64> = (0..words as u64)
                .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
                .collect();
            let b: Vec<u64> = (0..words as u64).map(|i| !i << (i % 7)).collect();
            let want: u32 = a.iter().zip(&b).map(|(x, y)| (x ^ y).count_ones()).sum();
            assert_eq!(
                (k.hamming)(&a[..], &b[..]),
                want as u64,
                "{} hamming",
                k.key
            );
            let tail: u32 = a[1..]
                .iter()
                .zip(&b[1..])
                .map(|(x, y)| (x ^ y).count_ones())
                .sum();
            assert_eq!(
                (k.hamming)(&a[1..], &b[1..]),
                tail as u64,
                "{} hamming",
                k.key
            );
        }
    }
}

#[test]
fn every_set_widens_f16_exactly() {
    let all: Vec<u16> = (0..=u16::MAX).collect();
    let want: Vec<f32> = all.iter().map(|&h| f16_to_f32(h)).collect();
    for k in available() {
        // Every length up to a few vector widths, at every start (unaligned loads), and all.
        for start in 0..16 {
            for len in 0..70 {
                let mut out = vec![0.5f32; len];
                (k.widen_f16)(&all[start * 977..start * 977 + len], &mut out);
                for (got, want) in out.iter().zip(&want[start * 977..]) {
                    same(*got, *want, k.name);
                }
            }
        }
        let mut out = vec![0.0f32; all.len()];
        (k.widen_f16)(&all, &mut out);
        for (got, want) in out.iter().zip(&want) {
            same(*got, *want, k.name);
        }
    }
}

/// Equal bits, or both NaN (hardware may quieten a signalling NaN's payload).
fn same(got: f32, want: f32, set: &str) {
    if want.is_nan() {
        assert!(got.is_nan(), "{set}");
    } else {
        assert_eq!(got.to_bits(), want.to_bits(), "{set}: {want}");
    }
}
