//! The demo's data: gaussian blobs from a tiny deterministic generator (splitmix64 and
//! Box-Muller), so every run on every machine sees the same points without a data file.

/// Points stored row after row.
pub struct Points {
    pub dim: usize,
    pub values: Vec<f32>,
}

impl Points {
    pub fn len(&self) -> usize {
        self.values.len() / self.dim
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }
}

/// A source of points in `n_clusters` gaussian blobs: centres drawn from N(0, 1) per
/// coordinate, points spread around them with standard deviation `spread`.
pub struct Blobs {
    dim: usize,
    centres: Vec<f32>,
    spread: f32,
    binary: bool,
    rng: SplitMix64,
}

impl Blobs {
    /// `binary`: each value becomes a bit (1 where the gaussian value is positive), for hamming.
    pub fn new(dim: usize, n_clusters: usize, spread: f32, binary: bool, seed: u64) -> Blobs {
        let mut rng = SplitMix64(seed);
        let centres = (0..n_clusters * dim).map(|_| rng.gaussian()).collect();
        Blobs {
            dim,
            centres,
            spread,
            binary,
            rng,
        }
    }

    /// `n` points, each from a blob chosen uniformly.
    pub fn sample(&mut self, n: usize) -> Points {
        let n_clusters = self.centres.len() / self.dim;
        let mut values = Vec::with_capacity(n * self.dim);
        for _ in 0..n {
            let c = (self.rng.next_u64() % n_clusters as u64) as usize;
            for j in 0..self.dim {
                let x = self.centres[c * self.dim + j] + self.spread * self.rng.gaussian();
                values.push(if self.binary {
                    f32::from(u8::from(x > 0.0))
                } else {
                    x
                });
            }
        }
        Points {
            dim: self.dim,
            values,
        }
    }
}

/// Sebastiano Vigna's splitmix64: tiny, fast, good enough for test data.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1]: never 0, so the logarithm below is finite.
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal value (Box-Muller; the second value of each pair is dropped).
    fn gaussian(&mut self) -> f32 {
        let (u, v) = (self.unit(), self.unit());
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_roughly_normal() {
        let a = Blobs::new(8, 3, 0.5, false, 7).sample(2000);
        let b = Blobs::new(8, 3, 0.5, false, 7).sample(2000);
        assert_eq!(a.values, b.values);
        let mut rng = SplitMix64(1);
        let xs: Vec<f64> = (0..100_000).map(|_| rng.gaussian() as f64).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64;
        assert!(
            mean.abs() < 0.02 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
    }
}
