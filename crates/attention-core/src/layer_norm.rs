//! Layer normalisation (Ba et al. 2016) with a fused backward pass on flex.
//!
//! ```text
//! y = (x - mean) rstd γ + β,   rstd = 1 / sqrt(var + ε),   mean and (biased) var over the last axis
//! backward, per row:  x̂ = (x - mean) rstd,   g = dy γ
//!     dx = rstd (g - mean(g) - x̂ mean(g x̂)),   dγ = Σ_rows dy x̂,   dβ = Σ_rows dy
//! ```
//!
//! Why: under autodiff, Burn's `LayerNorm` runs as a dozen tracked tensor operations forward
//! (mean, subtract, square, mean, add, square root, divide, scale, shift) and about twice as many
//! backward, each a pass over the activations. On flex, with this crate's `flex` feature,
//! [`layer_norm`] runs flex's own fused forward and registers one backward step, the loop above
//! over each row (`crate::vector`), which recomputes the mean and `rstd` from the saved input.
//! On every other backend, on flex without that feature, and for dtypes other than f32, it is
//! Burn's `LayerNorm::forward`, its naive twin; the tests hold them equal, values and the
//! gradients of `x`, `γ` and `β`.
//!
//! It is a Burn backend extension, routed like [`crate::sdpa::memory_efficient`]'s kernel.

// Built with no backend feature (the library alone), the generated dispatch reads no argument.
#![cfg_attr(
    not(any(feature = "flex", feature = "ndarray", feature = "wgpu")),
    allow(unused_variables, unused_macros)
)]

use burn::backend::ops::ModuleOps;
use burn::backend::{Backend, Dispatch, backend_extension, tensor::FloatTensor};
use burn::nn::LayerNorm;
use burn::tensor::{DType, Tensor};

/// The backend extension.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    Cube: cfg(feature = "wgpu"),
    NdArray: cfg(feature = "ndarray"),
    Autodiff,
)]
pub trait LayerNormOps: Backend {
    /// `(x - mean) rstd γ + β` over the last axis of `x`; `γ`, `β`: `[d_model]`.
    fn fused_layer_norm(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self>;
}

/// `norm.forward(x)` for a norm built with `epsilon`, with one fused backward step on flex.
///
/// Burn's `LayerNorm` keeps its epsilon private, so the caller passes the one it built the norm
/// with (`LayerNormConfig`'s default is `1e-5`). A norm without a bias runs `norm.forward`.
///
/// # Shapes
///
/// - `x`: `[..., d_model]`; returns the same shape.
///
/// # Example
///
/// ```
/// use attention_core::layer_norm;
/// use burn::nn::LayerNormConfig;
/// use burn::prelude::*;
/// use burn::tensor::Distribution;
/// let device = Device::default();
/// let norm = LayerNormConfig::new(8).init(&device);
/// let x = Tensor::<2>::random([3, 8], Distribution::Normal(0.0, 1.0), &device);
/// let gap: f32 = (layer_norm(&norm, 1e-5, x.clone()) - norm.forward(x)).abs().max().into_scalar();
/// assert!(gap < 1e-5);
/// ```
pub fn layer_norm<const D: usize>(norm: &LayerNorm, epsilon: f64, x: Tensor<D>) -> Tensor<D> {
    let Some(beta) = &norm.beta else {
        return norm.forward(x);
    };
    if !crate::extension::covers(&x.device()) {
        return norm.forward(x);
    }
    let out = <Dispatch as LayerNormOps>::fused_layer_norm(
        x.into_dispatch(),
        norm.gamma.val().into_dispatch(),
        beta.val().into_dispatch(),
        epsilon,
    );
    Tensor::from_dispatch(out)
}

/// What a backend has for the backward pass.
pub trait LayerNormBackward: Backend {
    /// Whether [`layer_norm_backward`](Self::layer_norm_backward) takes tensors of `dtype`.
    fn has_layer_norm_backward(dtype: DType) -> bool;

    /// `[dx, dγ, dβ]`, for a `dtype` that [`has_layer_norm_backward`](Self::has_layer_norm_backward).
    fn layer_norm_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        d_y: FloatTensor<Self>,
        epsilon: f64,
    ) -> [FloatTensor<Self>; 3];
}

/// Burn's own layer norm on the concrete backends (flex's is fused).
macro_rules! impl_concrete {
    ($backend:ty) => {
        impl LayerNormOps for $backend {
            fn fused_layer_norm(
                x: FloatTensor<Self>,
                gamma: FloatTensor<Self>,
                beta: FloatTensor<Self>,
                epsilon: f64,
            ) -> FloatTensor<Self> {
                Self::layer_norm(x, gamma, Some(beta), epsilon)
            }
        }
    };
}

/// No backward kernel: autodiff decomposes the norm as Burn does.
#[allow(unused_macros)] // only flex: no backend uses it
macro_rules! impl_no_backward {
    ($backend:ty) => {
        impl LayerNormBackward for $backend {
            fn has_layer_norm_backward(_: DType) -> bool {
                false
            }

            fn layer_norm_backward(
                _: FloatTensor<Self>,
                _: FloatTensor<Self>,
                _: FloatTensor<Self>,
                _: f64,
            ) -> [FloatTensor<Self>; 3] {
                unreachable!("no layer norm backward kernel on this backend: has_layer_norm_backward said so")
            }
        }
    };
}

#[cfg(feature = "flex")]
impl_concrete!(burn::backend::Flex);
#[cfg(feature = "wgpu")]
impl_concrete!(burn::backend::Cube);
#[cfg(feature = "wgpu")]
impl_no_backward!(burn::backend::Cube);
#[cfg(feature = "ndarray")]
#[allow(deprecated)]
impl_concrete!(burn::backend::NdArray);
#[cfg(feature = "ndarray")]
#[allow(deprecated)]
impl_no_backward!(burn::backend::NdArray);

#[cfg(feature = "flex")]
mod flex {
    use super::*;
    use burn::backend::Flex;
    use burn::backend::flex::FlexTensor;
    use burn::tensor::TensorData;
    use rayon::prelude::*;

    /// Rows a task: enough work per task to amortise rayon's scheduling.
    const ROWS_PER_TASK: usize = 64;

    impl LayerNormBackward for Flex {
        fn has_layer_norm_backward(dtype: DType) -> bool {
            dtype == DType::F32
        }

        fn layer_norm_backward(x: FlexTensor, gamma: FlexTensor, d_y: FlexTensor, epsilon: f64) -> [FlexTensor; 3] {
            let shape = x.layout().shape().clone();
            let (x, gamma, d_y) = (x.to_contiguous(), gamma.to_contiguous(), d_y.to_contiguous());
            let (x_values, gamma_values, d_y_values) = (
                x.as_slice::<f32>().expect("contiguous f32"),
                gamma.as_slice::<f32>().expect("contiguous f32"),
                d_y.as_slice::<f32>().expect("contiguous f32"),
            );
            let width = gamma_values.len();
            let mut d_x = vec![0.0f32; x_values.len()];
            let zeros = || (vec![0.0f32; width], vec![0.0f32; width]);
            let (d_gamma, d_beta) = if width == 0 {
                zeros()
            } else {
                let chunk = ROWS_PER_TASK * width;
                d_x.par_chunks_mut(chunk)
                    .zip(x_values.par_chunks(chunk).zip(d_y_values.par_chunks(chunk)))
                    .fold(zeros, |(mut d_gamma, mut d_beta), (d_x, (x, d_y))| {
                        let epsilon = epsilon as f32;
                        crate::vector::layer_norm_grad(x, d_y, gamma_values, epsilon, d_x, &mut d_gamma, &mut d_beta);
                        (d_gamma, d_beta)
                    })
                    .reduce(zeros, |(mut g1, mut b1), (g2, b2)| {
                        g1.iter_mut().zip(g2).for_each(|(a, b)| *a += b);
                        b1.iter_mut().zip(b2).for_each(|(a, b)| *a += b);
                        (g1, b1)
                    })
            };
            [
                FlexTensor::from_data(TensorData::new(d_x, shape)),
                FlexTensor::from_data(TensorData::new(d_gamma, [width])),
                FlexTensor::from_data(TensorData::new(d_beta, [width])),
            ]
        }
    }
}

mod autodiff {
    use super::*;
    use burn::backend::Autodiff;
    use burn::backend::TensorMetadata;
    use burn::backend::autodiff::{
        checkpoint::{base::Checkpointer, strategy::CheckpointStrategy},
        grads::Gradients,
        ops::{Backward, Ops, OpsKind},
    };

    /// The backward step: reads back the input and `γ`.
    #[derive(Debug)]
    struct LayerNormStep;

    impl<B: LayerNormBackward> Backward<B, 3> for LayerNormStep {
        type State = (FloatTensor<B>, FloatTensor<B>, f64);

        fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
            let d_y = grads.consume::<B>(&ops.node);
            let (x, gamma, epsilon) = ops.state;
            let gradients = B::layer_norm_backward(x, gamma, d_y, epsilon);
            for (node, gradient) in ops.parents.into_iter().zip(gradients) {
                if let Some(node) = node {
                    grads.register::<B>(node.id, gradient);
                }
            }
        }
    }

    impl<B: LayerNormBackward, C: CheckpointStrategy> LayerNormOps for Autodiff<B, C> {
        fn fused_layer_norm(
            x: FloatTensor<Self>,
            gamma: FloatTensor<Self>,
            beta: FloatTensor<Self>,
            epsilon: f64,
        ) -> FloatTensor<Self> {
            if !B::has_layer_norm_backward(x.dtype()) {
                // Autodiff's own decomposition, as `LayerNorm::forward` would run.
                return <Self as ModuleOps<Self>>::layer_norm(x, gamma, Some(beta), epsilon);
            }
            let (x, x_node) = x.into_parts();
            let (gamma, gamma_node) = gamma.into_parts();
            let (beta, beta_node) = beta.into_parts();
            // `compute_bound`: never recomputed under gradient checkpointing; the input is kept.
            match LayerNormStep
                .prepare::<C>([x_node, gamma_node, beta_node])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    let y = B::layer_norm(x.clone(), gamma.clone(), Some(beta), epsilon);
                    prep.finish((x, gamma, epsilon), y)
                }
                OpsKind::UnTracked(prep) => prep.finish(B::layer_norm(x, gamma, Some(beta), epsilon)),
            }
        }
    }
}
