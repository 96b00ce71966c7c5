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
