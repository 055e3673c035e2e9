//! A linear layer applied to every position at once: `Linear::forward` with the leading axes
//! folded into the rows of one matrix product.
//!
//! ```text
//! y = x W + b,   x: [..., d_in] seen as [rows, d_in],   W: [d_in, d_out]
//! ```
//!
//! Why: Burn 0.22.1's `Linear::forward` on a `[batch, len, d_in]` input keeps the batch axis
//! whenever `len` is a multiple of 32 (its `MatmulTransformPolicy`), and its dispatch layer
//! decomposes the layer into a broadcast matrix product. Under autodiff the backward of that
//! product computes the weight's gradient one sequence at a time, `batch` products whose inner
//! size is only `len`, and then sums them: on the encoder transformer's training step (W5 in
//! docs/performance.md) that was over half the time. Folded into rows, the forward is one
//! `[batch·len, d_in] × [d_in, d_out]` product and the weight's gradient one
//! `[d_in, batch·len] × [batch·len, d_out]` product. The values are the same; the naive twin is
//! `Linear::forward`, and the tests hold them equal, values and gradients.

use burn::nn::Linear;
use burn::prelude::*;

/// `layer.forward(x)`, with every axis but the last folded into rows.
///
/// # Shapes
///
/// - `x`: `[..., d_in]`; returns `[..., d_out]`.
///
/// # Panics
///
/// As `Linear::forward`, if the last axis of `x` is not the layer's `d_in`.
///
/// # Example
///
/// ```
/// use attention_core::linear;
/// use burn::nn::LinearConfig;
/// use burn::prelude::*;
/// let device = Device::default();
/// let layer = LinearConfig::new(4, 3).init(&device);
/// let x = Tensor::<3>::ones([2, 5, 4], &device);
/// let gap: f32 = (linear(&layer, x.clone()) - layer.forward(x)).abs().max().into_scalar();
/// assert!(gap < 1e-6);
/// ```
pub fn linear<const D: usize>(layer: &Linear, x: Tensor<D>) -> Tensor<D> {
    if D <= 2 {
        return layer.forward(x);
    }
    let mut dims = x.dims();
    let d_in = dims[D - 1];
    let rows = dims[..D - 1].iter().product();
    let y = layer.forward(x.reshape([rows, d_in])); // [rows, d_out]
    dims[D - 1] = y.dims()[1];
    y.reshape(dims) // [..., d_out]
}
