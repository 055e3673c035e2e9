use burn::prelude::*;
use burn::tensor::Bool;

use super::{HardGradient, live_rows, masked_softmax, positions};

/// One-hot weights at the highest unmasked score of each row (the first on
/// ties); all-zero rows where every key is masked.
///
/// With [`HardGradient::StraightThrough`] the value is
/// `soft + (hard - soft).detach()`: the forward pass is `hard` (to one float
/// rounding), the gradient is the softmax's.
///
/// # Shapes
///
/// - `scores`, `mask`: `[..., src_len]`; output: `[..., src_len]`
pub fn hard_max<const D: usize>(scores: Tensor<D>, mask: Option<Tensor<D, Bool>>, gradient: HardGradient) -> Tensor<D> {
    let dims = scores.dims();
    let device = scores.device();
    let filled = match &mask {
        Some(mask) => scores.clone().mask_fill(mask.clone(), f32::NEG_INFINITY),
        None => scores.clone(),
    };
    let index = filled.detach().argmax(D - 1); // [..., 1]
    let mut hard = positions::<D>(dims[D - 1], &device)
        .expand(dims)
        .equal(index.expand(dims))
        .float(); // [..., src_len]
    if let Some(mask) = &mask {
        hard = hard * live_rows(mask.clone());
    }
    match gradient {
        HardGradient::None => hard,
        HardGradient::StraightThrough => {
            let soft = masked_softmax(scores, mask);
            soft.clone() + (hard - soft).detach()
        }
    }
}
