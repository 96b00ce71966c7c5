//! IEEE 754 binary16 ("half", f16) values, the item vectors of native files of value type 1:
//! conversion from f32 when a file is written (round to nearest, ties to even) and back to
//! f32 when one is read. The reading side runs in queries, so it is also a kernel
//! (`Kernels::widen_f16`, F16C or AVX-512 where the CPU has them); the scalar forms here are
//! the portable kernel and the reference the others are tested against.

use super::{cast_slice, cast_slice_mut, Layout};

/// The largest finite f16, 65504: larger magnitudes do not survive the conversion.
pub(crate) const F16_MAX: f32 = 65504.0;

/// The f32 of the f16 `h`, exactly (every f16 is an f32). Branch-free, so that loops over it
/// vectorise (the portable and NEON kernels): the exponent and mantissa bits, moved into an
/// f32's places, read as `2⁻¹¹² × value` (subnormals included: they become f32 subnormals,
/// which the multiplication by 2¹¹² scales back exactly); infinities and NaNs (exponent 31)
/// then get the f32 exponent 255, keeping their mantissa bits.
#[inline]
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = (h as u32 & 0x8000) << 16;
    let magnitude = h as u32 & 0x7fff;
    let scaled = f32::from_bits(magnitude << 13) * f32::from_bits(0x7780_0000); // 2¹¹²
    let special = if magnitude >= 0x7c00 { 0x7f80_0000 } else { 0 };
    f32::from_bits(scaled.to_bits() | special | sign)
}

/// The f16 nearest `x` (ties to even), as F16C's `vcvtps2ph` rounds: magnitudes from 65520
/// on become infinity, NaN stays NaN.
pub(crate) fn f32_to_f16(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = (bits >> 16 & 0x8000) as u16;
    let exponent = (bits >> 23 & 0xff) as i32;
    let mantissa = bits & 0x7f_ffff;
    if exponent == 0xff {
        let nan = if mantissa != 0 {
            0x200 | (mantissa >> 13) as u16
        } else {
            0
        };
        return sign | 0x7c00 | nan;
    }
    // The exponent in f16's bias.
    let e = exponent - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    // Keeps `value >> shift` of a value, rounding the bits shifted out to nearest, ties even.
    let round = |value: u32, shift: u32| -> u32 {
        let kept = value >> shift;
        let rest = value & ((1 << shift) - 1);
        let half = 1 << (shift - 1);
        kept + u32::from(rest > half || (rest == half && kept & 1 == 1))
    };
    if e <= 0 {
        // A subnormal f16 (or zero): units of 2⁻²⁴. Below 2⁻²⁵ everything rounds to zero.
        if e < -10 {
            return sign;
        }
        let full = mantissa | 0x80_0000;
        return sign | round(full, (14 - e) as u32) as u16;
    }
    // A carry out of the mantissa moves to the next exponent (to infinity past 65504).
    sign | round((e as u32) << 23 | mantissa, 13) as u16
}

/// Widens `x` into `out` (the shorter's length), one value at a time.
pub(crate) fn widen_portable(x: &[u16], out: &mut [f32]) {
    for (o, &h) in out.iter_mut().zip(x) {
        *o = f16_to_f32(h);
    }
}

/// Bytes of an item record whose vector is f16: the f32 record's fields before the vector,
/// then `dim` f16 values, zero-padded to a multiple of 4 (so every record, and the f32
/// fields at its start, stay 4-byte aligned).
pub(crate) fn f16_record_size(layout: &Layout) -> usize {
    (layout.vector + 2 * layout.n_elems).next_multiple_of(4)
}

/// Rounds the vector of the f32 record `record` to f16 precision in place. Fails with the
/// position of the first value too large for f16 (magnitude beyond [`F16_MAX`] once rounded).
pub(crate) fn round_vector(layout: &Layout, record: &mut [u8]) -> Result<(), usize> {
    let v = cast_slice_mut::<f32>(&mut record[layout.vector..layout.node_size()]);
    for (position, x) in v.iter_mut().enumerate() {
        let h = f32_to_f16(*x);
        if h & 0x7c00 == 0x7c00 {
            return Err(position);
        }
        *x = f16_to_f32(h);
    }
    Ok(())
}

/// Writes the f32 item record `record` as an f16 record into `out` (`f16_record_size`
/// bytes): the fields before the vector as they are, the vector rounded, zero padding.
pub(crate) fn narrow_record(layout: &Layout, record: &[u8], out: &mut [u8]) {
    let head = layout.vector;
    out[..head].copy_from_slice(&record[..head]);
    let v = cast_slice::<f32>(&record[head..layout.node_size()]);
    let (h, padding) = out[head..].split_at_mut(2 * layout.n_elems);
    for (slot, &x) in h.chunks_exact_mut(2).zip(v) {
        slot.copy_from_slice(&f32_to_f16(x).to_le_bytes());
    }
    padding.fill(0);
}

/// Writes the f16 item record `record` as an f32 record into `out` (`node_size` bytes),
/// widening the vector with `widen` (a `Kernels::widen_f16`).
#[inline]
pub(crate) fn widen_record(
    layout: &Layout,
    record: &[u8],
    out: &mut [u8],
    widen: fn(&[u16], &mut [f32]),
) {
    let head = layout.vector;
    out[..head].copy_from_slice(&record[..head]);
    let h = cast_slice::<u16>(&record[head..head + 2 * layout.n_elems]);
    widen(h, cast_slice_mut::<f32>(&mut out[head..layout.node_size()]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_f16() {
        for h in 0..=u16::MAX {
            let x = f16_to_f32(h);
            if x.is_nan() {
                assert!(f32_to_f16(x) & 0x7c00 == 0x7c00 && f32_to_f16(x) & 0x3ff != 0);
            } else {
                assert_eq!(f32_to_f16(x), h, "{h:#06x} = {x}");
            }
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), F16_MAX);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f32_to_f16(65519.0), 0x7bff);
        assert_eq!(f32_to_f16(65520.0), 0x7c00);
        // 1 + 2⁻¹¹ lies halfway between 1 and the next f16: ties go to the even mantissa.
        assert_eq!(f32_to_f16(1.0 + 2f32.powi(-11)), 0x3c00);
        assert_eq!(f32_to_f16(1.0 + 3.0 * 2f32.powi(-11)), 0x3c02);
        assert_eq!(f32_to_f16(2f32.powi(-25)), 0);
        assert_eq!(f32_to_f16(2f32.powi(-25) * 1.5), 1);
        assert_eq!(f32_to_f16(-0.0), 0x8000);
    }

    /// The scalar conversions agree with the CPU's F16C instructions over a sweep of f32 bit
    /// patterns (every exponent, many mantissas, both signs).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn agrees_with_f16c() {
        if !std::arch::is_x86_feature_detected!("f16c") {
            return;
        }
        #[target_feature(enable = "f16c")]
        unsafe fn hardware(x: f32) -> u16 {
            use std::arch::x86_64::*;
            _mm_extract_epi16::<0>(_mm_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(_mm_set1_ps(x))) as u16
        }
        for bits in (0..=u32::MAX).step_by(4099) {
            let x = f32::from_bits(bits);
            // SAFETY: F16C was detected above.
            let want = unsafe { hardware(x) };
            assert_eq!(f32_to_f16(x), want, "{bits:#010x} = {x}");
        }
    }
}
