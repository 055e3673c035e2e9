use burn::prelude::*;
use burn::tensor::Bool;
use burn::tensor::activation::relu;

use super::positions;

/// Sparsemax (Martins & Astudillo 2016) over the last axis: the Euclidean
/// projection of the scores onto the probability simplex,
/// `p_i = max(z_i - tau, 0)`, where `tau` makes the row sum to one. Masked
/// keys (`true`) get zero weight; rows with every key masked are all zero.
///
/// The support `S = {i : p_i > 0}` is found on detached, sorted scores
/// (`k(z) = max{k : 1 + k z_(k) > sum_{j<=k} z_(j)}`); `tau` is then recomputed
/// from the unsorted scores, so the gradient is the sparsemax Jacobian
/// `diag(s) - s s^T / |S|` without differentiating through the sort.
///
/// # Shapes
///
/// - `scores`, `mask`: `[..., src_len]`; output: `[..., src_len]`
pub fn sparsemax<const D: usize>(scores: Tensor<D>, mask: Option<Tensor<D, Bool>>) -> Tensor<D> {
    let dims = scores.dims();
    let src_len = dims[D - 1];
    let device = scores.device();
    let last = D - 1;

    let filled = match &mask {
        Some(mask) => scores.clone().mask_fill(mask.clone(), f32::NEG_INFINITY),
        None => scores.clone(),
    }
    .detach();
    let sorted = filled.clone().sort_descending(last); // [..., src_len]
    let cumsum = sorted.clone().cumsum(last);
    let k = positions::<D>(src_len, &device).add_scalar(1).float(); // [1, ..., src_len]
    // Masked keys sort last as -inf and never enter the support.
    let in_support = (sorted * k).add_scalar(1.0).greater(cumsum.clone());
    let support_size = in_support.int().sum_dim(last).clamp_min(1); // [..., 1]
    let tau = cumsum.gather(last, support_size.clone().sub_scalar(1)).sub_scalar(1.0) / support_size.float();
    let support = filled.greater(tau.expand(dims)).float(); // [..., src_len]

    let size = support.clone().sum_dim(last).clamp_min(1.0); // [..., 1]
    let tau = (scores.clone() * support.clone()).sum_dim(last).sub_scalar(1.0) / size;
    relu(scores - tau) * support
}
