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
//!
//! This module holds the table type ([`Kernels`]), the choice of a table for the CPU and what
//! every set shares (prefetching, the plainly written loops each set compiles for its own
//! registers). Each instruction set has its own file: `portable`, `avx2`, `avx512` and `neon`;
//! `x86` holds what the two x86 sets share.

use crate::format::ItemSet;
use std::sync::OnceLock;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;
mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

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
    /// What `ANNOY_KERNELS` calls the set: "portable", "avx2", "avx512" or "neon".
    pub key: &'static str,
    /// What `simd_kernels` reports: "portable", "avx2+fma", "avx512f" or "neon".
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
    /// f16 → f32 of `min(x.len(), out.len())` values, exactly: items stored as f16 are
    /// widened with it before the f32 kernels measure them.
    pub widen_f16: fn(&[u16], &mut [f32]),
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

/// The environment variable that forces a kernel set, read once, when the first index is
/// created: `portable`, `avx2`, `avx512` or `neon`.
pub(crate) const FORCE_VARIABLE: &str = "ANNOY_KERNELS";

/// The set of this process, or why the requested one was refused. Chosen once: either by
/// [`choose`] or, at the first index, from [`FORCE_VARIABLE`] or else the CPU's best set.
static CHOSEN: OnceLock<Result<&'static Kernels, String>> = OnceLock::new();

/// The kernel set this process uses: [`FORCE_VARIABLE`]'s, or the best this CPU has. When the
/// variable names a set this CPU cannot run, that is an error here and at every index creation
/// (see [`chosen`]); nothing runs those kernels.
pub(crate) fn chosen() -> Result<&'static Kernels, String> {
    CHOSEN
        .get_or_init(|| match std::env::var(FORCE_VARIABLE) {
            Ok(name) if !name.is_empty() => {
                find(&name).map_err(|why| format!("{FORCE_VARIABLE}={name}: {why}"))
            }
            _ => Ok(best_available()),
        })
        .clone()
}

/// The kernels for a new index: [`chosen`]'s, or (after a refused request, where `Index::new`
/// has failed and no index exists to use them) the best this CPU has.
pub(crate) fn best() -> &'static Kernels {
    chosen().unwrap_or_else(|_| best_available())
}

/// Makes `name` this process's set, before any index is created; afterwards, succeeds only
/// if `name` is the set already chosen. Returns the set's full name.
pub(crate) fn choose(name: &str) -> Result<&'static str, String> {
    let wanted = find(name)?;
    match CHOSEN.get_or_init(|| Ok(wanted)) {
        Ok(k) if std::ptr::eq(*k, wanted) => Ok(k.name),
        Ok(k) => Err(format!(
            "the kernel set is chosen once per process and is already {}",
            k.key
        )),
        Err(why) => Err(why.clone()),
    }
}

/// The set called `name` (its key or its full name), if this CPU can run it.
fn find(name: &str) -> Result<&'static Kernels, String> {
    let usable = available();
    if let Some(k) = usable.iter().find(|k| k.key == name || k.name == name) {
        return Ok(k);
    }
    let keys: Vec<&str> = usable.iter().map(|k| k.key).collect();
    let known = ["portable", "avx2", "avx512", "neon"];
    Err(if known.contains(&name) {
        format!(
            "this CPU cannot run the {name} kernels (it can run: {})",
            keys.join(", ")
        )
    } else {
        format!(
            "unknown kernel set (expected one of: {}; this CPU can run: {})",
            known.join(", "),
            keys.join(", ")
        )
    })
}

fn best_available() -> &'static Kernels {
    available().last().copied().unwrap_or(&portable::PORTABLE)
}

/// Every kernel set usable on this CPU, best last.
pub(crate) fn available() -> Vec<&'static Kernels> {
    #[allow(unused_mut)]
    let mut all = vec![&portable::PORTABLE];
    // NEON is part of every aarch64 CPU.
    #[cfg(target_arch = "aarch64")]
    all.push(&neon::NEON);
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        // Every CPU with AVX2 and FMA has F16C too; the AVX2 set uses it for f16 items.
        if has!("avx2") && has!("fma") && has!("popcnt") && has!("f16c") {
            all.push(&avx2::AVX2);
            if has!("avx512f") {
                all.push(&avx512::AVX512);
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

#[cfg(test)]
mod tests;
