//! Vectorised loops over f32 slices for the workspace's CPU kernels: the attention kernel's
//! softmax rows ([`crate::flash`]: the row maximum, `exp(s - shift)` fused with its sum, the
//! softmax gradient `p (dp - delta)`) and the hyperbolic tangent ([`crate::tanh`]).
//!
//! `exp` is Cephes' `expf` (Moshier 1992), written branch-free so that the compiler vectorises it:
//!
//! ```text
//! exp(x) = 2^n exp(r),   n = round(x log2 e),   r = x - n ln 2  (ln 2 in two parts, exact in f32)
//! exp(r) ≈ 1 + r + r^2 P(r)  on |r| <= ln(2)/2,  P of degree 5: relative error under 2e-7
//! ```
//!
//! `2^n` is built in the exponent bits, and `x` below `ln(2^-126)` gives 0 (so a masked `-inf`
//! score gives exactly 0, never a denormal or a NaN).
//!
//! Each function is compiled three times, for AVX-512, for AVX2 with FMA and for the baseline,
//! and the first the processor runs is chosen at run time (`is_x86_feature_detected!` caches
//! its answer). Lane accumulators (`[f32; LANES]`) let the maximum and the sum vectorise without
//! reassociating floating-point sums behind the compiler's back.
//!
//! The scalar twin of each is the plain loop in the tests below.

/// Floats a lane accumulator holds: one AVX-512 register.
const LANES: usize = 16;

/// Below this, `exp` underflows f32's normal range: the result is 0.
const EXP_LOW: f32 = -87.336_55; // ln(2^-126)
/// Above this, `exp` overflows; inputs are clamped here (the kernel's inputs are never positive).
const EXP_HIGH: f32 = 88.376_26; // ln(2^127.5)
const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// ln 2 = LN2_HI + LN2_LO, with LN2_HI exact in 9 bits so that `n * LN2_HI` is exact.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5 * 2^23: adding it rounds an f32 of magnitude below 2^22 to an integer, held in the low
/// mantissa bits.
const ROUND: f32 = 12_582_912.0;
const ROUND_BITS: u32 = 0x4B40_0000;

/// `exp(x)` for one lane, branch-free (the selects become blends).
#[inline(always)]
fn exp_lane(x: f32) -> f32 {
    let clamped = x.clamp(EXP_LOW, EXP_HIGH);
    let t = clamped * LOG2_E + ROUND;
    let n = t - ROUND; // round(x log2 e), as a float
    let r = clamped - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5; // Cephes' 5.0000001201e-1, rounded to f32
    let exp_r = p * r * r + r + 1.0;
    // The integer n sits in t's low mantissa bits: move n + 127 into the exponent field.
    let two_n = f32::from_bits(t.to_bits().wrapping_sub(ROUND_BITS).wrapping_add(127) << 23);
    let y = exp_r * two_n;
    if x < EXP_LOW { 0.0 } else { y }
}

/// Beyond this, `tanh` rounds to ±1 in f32 (Eigen's bound for its rational approximation).
const TANH_CLAMP: f32 = 7.905_311;
/// Below this, `tanh(x)` rounds to `x` in f32.
const TANH_LINEAR: f32 = 4e-4;

/// `tanh(x)` for one lane: the rational minimax approximation `x P(x^2) / Q(x^2)` that Eigen uses
/// for f32 (`ptanh_float`; P of degree 6 in `x^2`, Q of degree 3), branch-free; within a few ulp
/// of the exact value, against the standard library's `tanh` in the tests below.
#[inline(always)]
fn tanh_lane(x: f32) -> f32 {
    let clamped = x.clamp(-TANH_CLAMP, TANH_CLAMP);
    let x2 = clamped * clamped;
    let mut p = -2.760_768_5e-16;
    p = p * x2 + 2.000_188e-13;
    p = p * x2 - 8.604_672e-11;
    p = p * x2 + 5.122_297e-8;
    p = p * x2 + 1.485_722_4e-5;
    p = p * x2 + 6.372_619_3e-4;
    p = p * x2 + 4.893_524_6e-3;
    let mut q = 1.198_258_4e-6;
    q = q * x2 + 1.185_347_1e-4;
    q = q * x2 + 2.268_434_6e-3;
    q = q * x2 + 4.893_525e-3;
    let y = clamped * p / q;
    if x.abs() < TANH_LINEAR { x } else { y }
}

#[inline(always)]
fn tanh_impl(values: &mut [f32]) {
    for x in values {
        *x = tanh_lane(*x);
    }
}

#[inline(always)]
fn layer_norm_grad_impl(
    x: &[f32],
    d_y: &[f32],
    gamma: &[f32],
    epsilon: f32,
    d_x: &mut [f32],
    d_gamma: &mut [f32],
    d_beta: &mut [f32],
) {
    let width = gamma.len();
    for ((x, d_y), d_x) in x
        .chunks_exact(width)
        .zip(d_y.chunks_exact(width))
        .zip(d_x.chunks_exact_mut(width))
    {
        let n = width as f32;
        let mean = x.iter().sum::<f32>() / n;
        let variance = x.iter().map(|&v| (v - mean) * (v - mean)).sum::<f32>() / n;
        let rstd = 1.0 / (variance + epsilon).sqrt();
        // a = mean(dy γ), b = mean(dy γ x̂)
        let (mut a, mut b) = (0.0f32, 0.0f32);
        for ((&x, &d_y), &g) in x.iter().zip(d_y).zip(gamma) {
            let x_hat = (x - mean) * rstd;
            a += d_y * g;
            b += d_y * g * x_hat;
        }
        let (a, b) = (a / n, b / n);
        for (((((&x, &d_y), &g), d_x), d_gamma), d_beta) in x
            .iter()
            .zip(d_y)
            .zip(gamma)
            .zip(d_x.iter_mut())
            .zip(d_gamma.iter_mut())
            .zip(d_beta.iter_mut())
        {
            let x_hat = (x - mean) * rstd;
            *d_x = rstd * (d_y * g - a - x_hat * b);
            *d_gamma += d_y * x_hat;
            *d_beta += d_y;
        }
    }
}

/// The largest of `a` and `b` as one `maxps`: NaN handling is not needed here.
#[inline(always)]
fn max_lane(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

#[inline(always)]
fn row_max_impl(row: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane = max_lane(*lane, x);
        }
    }
    let tail = chunks
        .remainder()
        .iter()
        .fold(f32::NEG_INFINITY, |m, &x| max_lane(m, x));
    lanes.iter().fold(tail, |m, &x| max_lane(m, x))
}

#[inline(always)]
fn exp_shifted_sum_impl(row: &mut [f32], shift: f32) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let mut chunks = row.chunks_exact_mut(LANES);
    for chunk in &mut chunks {
        for (lane, x) in lanes.iter_mut().zip(chunk.iter_mut()) {
            *x = exp_lane(*x - shift);
            *lane += *x;
        }
    }
    let mut tail = 0.0;
    for x in chunks.into_remainder() {
        *x = exp_lane(*x - shift);
        tail += *x;
    }
    lanes.iter().sum::<f32>() + tail
}

#[inline(always)]
fn softmax_grad_impl(p: &[f32], dp: &mut [f32], delta: f32) {
    for (d, &p) in dp.iter_mut().zip(p) {
        *d = p * (*d - delta);
    }
}

#[inline(always)]
fn scale_impl(row: &mut [f32], factor: f32) {
    for x in row {
        *x *= factor;
    }
}

#[inline(always)]
fn dot_impl(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let mut a_chunks = a.chunks_exact(LANES);
    let mut b_chunks = b.chunks_exact(LANES);
    for (x, y) in (&mut a_chunks).zip(&mut b_chunks) {
        for ((lane, &x), &y) in lanes.iter_mut().zip(x).zip(y) {
            *lane += x * y;
        }
    }
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    lanes.iter().sum::<f32>() + tail
}

/// The instruction sets the row functions are compiled for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Baseline,
}

fn level() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Level::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            return Level::Avx2;
        }
    }
    Level::Baseline
}

/// Defines `pub(crate) fn $name` that runs `$impl` compiled for the best instruction set present.
macro_rules! multiversion {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? = $impl:ident) => {
        $(#[$doc])*
        pub(crate) fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn avx512($($arg: $ty),*) $(-> $ret)? {
                    $impl($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $impl($($arg),*)
                }
                match level() {
                    // SAFETY: `level` saw the processor report these features.
                    Level::Avx512 => return unsafe { avx512($($arg),*) },
                    Level::Avx2 => return unsafe { avx2($($arg),*) },
                    Level::Baseline => {}
                }
            }
            $impl($($arg),*)
        }
    };
}

multiversion!(
    /// The largest element, `-inf` for an empty row.
    fn row_max(row: &[f32]) -> f32 = row_max_impl
);
multiversion!(
    /// `row[j] = exp(row[j] - shift)`; returns the sum of the new values.
    fn exp_shifted_sum(row: &mut [f32], shift: f32) -> f32 = exp_shifted_sum_impl
);
multiversion!(
    /// The softmax's backward on one row: `dp[j] = p[j] (dp[j] - delta)`.
    fn softmax_grad(p: &[f32], dp: &mut [f32], delta: f32) = softmax_grad_impl
);
multiversion!(
    /// `row[j] *= factor`.
    fn scale(row: &mut [f32], factor: f32) = scale_impl
);
multiversion!(
    /// `values[j] = tanh(values[j])`.
    fn tanh(values: &mut [f32]) = tanh_impl
);
multiversion!(
    /// The layer norm's backward over whole rows of `gamma.len()` values: `d_x` for each row,
    /// and each row's `d_y x̂` and `d_y` added to `d_gamma` and `d_beta`.
    fn layer_norm_grad(
        x: &[f32],
        d_y: &[f32],
        gamma: &[f32],
        epsilon: f32,
        d_x: &mut [f32],
        d_gamma: &mut [f32],
        d_beta: &mut [f32]
    ) = layer_norm_grad_impl
);
multiversion!(
    /// `sum_j a[j] b[j]` over the shorter of the two.
    fn dot(a: &[f32], b: &[f32]) -> f32 = dot_impl
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every f32 in [-88, 0] and a sweep above it, against the standard library's `exp` (the
    /// scalar twin): Cephes' `expf` is within 2 ulp; 4e-7 relative leaves a margin.
    #[test]
    fn exp_matches_std_within_rounding() {
        let mut row: Vec<f32> = (0..200_001).map(|i| -100.0 + i as f32 * 0.000_94).collect();
        row.extend([0.0, -0.0, 1e-30, -1e-30, 88.0, -87.3, -87.4, f32::NEG_INFINITY]);
        let expected: Vec<f32> = row.iter().map(|&x| if x < EXP_LOW { 0.0 } else { x.exp() }).collect();
        let mut actual = row.clone();
        exp_shifted_sum(&mut actual, 0.0);
        for ((x, a), e) in row.iter().zip(&actual).zip(&expected) {
            assert!((a - e).abs() <= 4e-7 * e.abs(), "exp({x}): got {a}, std gives {e}");
        }
    }

    /// The sum of a softmax row's terms (shifted by its max, so all in (0, 1]), against an f64
    /// sum of std's values: f32 accumulation over 4,000 terms stays within 1e-6 relative.
    #[test]
    fn exp_sum_matches_f64_sum() {
        let mut row: Vec<f32> = (0..4_001).map(|i| ((i * 7919) % 4_001) as f32 * -0.005).collect();
        let expected: f64 = row.iter().map(|&x| (x as f64).exp()).sum();
        let sum = exp_shifted_sum(&mut row, 0.0);
        assert!(
            ((sum as f64) - expected).abs() <= 1e-6 * expected,
            "{sum} against {expected}"
        );
    }

    /// A sweep over [-12, 12] (past both clamps), tiny values and the infinities, against the
    /// standard library's `tanh` (the scalar twin): within 2e-7 absolute plus 3e-7 relative, a
    /// few ulp, the accuracy Eigen states for this approximation.
    #[test]
    fn tanh_matches_std_within_rounding() {
        let mut values: Vec<f32> = (0..240_001).map(|i| -12.0 + i as f32 * 1e-4).collect();
        values.extend([
            0.0,
            -0.0,
            1e-30,
            -3e-4,
            5e-4,
            8.0,
            -8.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ]);
        let mut actual = values.clone();
        tanh(&mut actual);
        for (x, a) in values.iter().zip(&actual) {
            let e = x.tanh();
            assert!(
                (a - e).abs() <= 2e-7 + 3e-7 * e.abs(),
                "tanh({x}): got {a}, std gives {e}"
            );
        }
    }

    #[test]
    fn masked_scores_give_exact_zeros() {
        let mut row = vec![f32::NEG_INFINITY; 37];
        row[3] = 2.0;
        let sum = exp_shifted_sum(&mut row, 2.0);
        assert_eq!(sum, 1.0);
        assert!(
            row.iter()
                .enumerate()
                .all(|(j, &p)| p == if j == 3 { 1.0 } else { 0.0 })
        );
    }

    /// Every length from 0 to 40 crosses the lane width and its remainder.
    #[test]
    fn row_functions_match_their_scalar_loops() {
        for len in 0..40 {
            let a: Vec<f32> = (0..len).map(|i| ((i * 7919) % 101) as f32 * 0.37 - 17.0).collect();
            let b: Vec<f32> = (0..len).map(|i| ((i * 104_729) % 97) as f32 * 0.11 - 5.0).collect();
            assert_eq!(row_max(&a), a.iter().copied().fold(f32::NEG_INFINITY, f32::max));
            let expected_dot: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - expected_dot).abs() <= 1e-4 * (1.0 + expected_dot.abs()));
            let mut dp = b.clone();
            softmax_grad(&a, &mut dp, 0.5);
            assert!(dp.iter().zip(&a).zip(&b).all(|((d, p), q)| *d == p * (q - 0.5)));
            let mut scaled = a.clone();
            scale(&mut scaled, 0.25);
            assert!(scaled.iter().zip(&a).all(|(s, x)| *s == x * 0.25));
        }
    }
}
