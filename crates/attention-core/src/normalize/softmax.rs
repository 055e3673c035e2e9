use burn::prelude::*;
use burn::tensor::Bool;
use burn::tensor::activation::softmax;

/// Softmax over the last axis that gives masked keys (`true`) zero weight and
/// rows with every key masked all-zero weights, never NaN.
///
/// Masked scores become `-inf`; the row maximum is clamped to the lowest
/// finite float and the row sum to the smallest positive one, the same
/// NaN-safe form as `burn::tensor::module::attention`'s reference path.
///
/// # Shapes
///
/// - `scores`, `mask`: `[..., src_len]`; output: `[..., src_len]`
pub fn masked_softmax<const D: usize>(scores: Tensor<D>, mask: Option<Tensor<D, Bool>>) -> Tensor<D> {
    let Some(mask) = mask else {
        return softmax(scores, D - 1);
    };
    let scores = scores.mask_fill(mask, f32::NEG_INFINITY);
    // Softmax is shift-invariant, so the shift needs no gradient.
    let max = scores.clone().max_dim(D - 1).clamp_min(f32::MIN).detach(); // [..., 1]
    let exp = (scores - max).exp();
    let sum = exp.clone().sum_dim(D - 1).clamp_min(f32::MIN_POSITIVE); // [..., 1]
    exp / sum
}
