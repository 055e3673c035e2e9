//! The hyperbolic tangent of the additive and concat scores (Bahdanau et al. 2014, Luong et al.
//! 2015) and of the translator's attentional state, with a vectorised kernel on flex.
//!
//! ```text
//! y = tanh(x),   dy/dx = 1 - y^2
//! ```
//!
//! Why: Burn's flex backend computes `tanh` with the C library's scalar `tanhf`, one element at a
//! time; in the translator's training step (W4 in docs/performance.md) that was a quarter of the
//! time. [`tanh`] runs a rational approximation vectorised with AVX-512 or AVX2 on flex when this
//! crate's `flex` feature is on (`crate::vector`, within a few ulp of the exact value) and Burn's
//! own `tanh` everywhere else, flex without that feature included. Its backward pass, `grad (1 - y^2)`, is registered on autodiff devices like the
//! other operations'. The naive twin is `Tensor::tanh`; the tests hold them equal, values and
//! gradients.
//!
//! It is a Burn backend extension, routed like [`crate::sdpa::memory_efficient`]'s kernel.

// Built with no backend feature (the library alone), the generated dispatch reads no argument.
#![cfg_attr(
    not(any(feature = "flex", feature = "ndarray", feature = "wgpu")),
    allow(unused_variables, unused_macros, unused_imports)
)]

use burn::backend::ops::FloatTensorOps;
use burn::backend::{Backend, Dispatch, backend_extension, tensor::FloatTensor};
use burn::tensor::Tensor;

/// The backend extension: one elementwise operation.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    Cube: cfg(feature = "wgpu"),
    NdArray: cfg(feature = "ndarray"),
    Autodiff,
)]
pub trait TanhOps: Backend {
    /// `tanh(x)`, elementwise, any shape.
    fn vectorised_tanh(x: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// `tanh(x)` elementwise: the same values as `x.tanh()` to within a few ulp, and the same
/// gradient, several times faster on flex.
///
/// # Example
///
/// ```
/// use attention_core::tanh;
/// use burn::prelude::*;
/// let device = Device::default();
/// let x = Tensor::<2>::from_floats([[-2.0, 0.0, 0.5]], &device);
/// let gap: f32 = (tanh(x.clone()) - x.tanh()).abs().max().into_scalar();
/// assert!(gap < 1e-6);
/// ```
pub fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if !crate::extension::covers(&x.device()) {
        return x.tanh();
    }
    Tensor::from_dispatch(<Dispatch as TanhOps>::vectorised_tanh(x.into_dispatch()))
}

/// The logistic sigmoid `1 / (1 + exp(-x))`, computed as `(1 + tanh(x / 2)) / 2` through
/// [`tanh`], so that it is vectorised on flex too (flex's own `sigmoid` calls libm's scalar `exp`
/// for each element). Within 1e-7 of the exact value in absolute terms; for `x` below about -17,
/// where the exact value is under 1e-7, it rounds to 0.
///
/// # Example
///
/// ```
/// use attention_core::sigmoid;
/// use burn::prelude::*;
/// let device = Device::default();
/// let x = Tensor::<1>::from_floats([-3.0, 0.0, 2.0], &device);
/// let gap: f32 = (sigmoid(x.clone()) - burn::tensor::activation::sigmoid(x)).abs().max().into_scalar();
/// assert!(gap < 1e-6);
/// ```
pub fn sigmoid<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    tanh(x.mul_scalar(0.5)).mul_scalar(0.5).add_scalar(0.5)
}

#[cfg(feature = "flex")]
impl TanhOps for burn::backend::Flex {
    fn vectorised_tanh(x: FloatTensor<Self>) -> FloatTensor<Self> {
        use burn::tensor::DType;
        if x.dtype() != DType::F32 {
            return Self::float_tanh(x);
        }
        // In place when this is the buffer's only owner and it is laid out densely; otherwise
        // on a dense copy, as Burn's own elementwise operations do.
        let mut y = if x.is_unique() && x.layout().is_dense_unique_storage() {
            x
        } else {
            x.to_contiguous()
        };
        let range = y.layout().contiguous_offsets();
        match (range, y.try_storage_mut::<f32>()) {
            (Some((start, end)), Some(values)) => crate::vector::tanh(&mut values[start..end]),
            // Not reached: a fresh contiguous copy is unique and dense.
            _ => return Self::float_tanh(y),
        }
        y
    }
}

/// Burn's own `tanh` on the backends without a kernel of the workspace's.
#[allow(unused_macros)] // only flex: no backend uses it
macro_rules! impl_with_burn_tanh {
    ($backend:ty) => {
        impl TanhOps for $backend {
            fn vectorised_tanh(x: FloatTensor<Self>) -> FloatTensor<Self> {
                Self::float_tanh(x)
            }
        }
    };
}

#[cfg(feature = "wgpu")]
impl_with_burn_tanh!(burn::backend::Cube);
#[cfg(feature = "ndarray")]
#[allow(deprecated)]
impl_with_burn_tanh!(burn::backend::NdArray);

mod autodiff {
    use super::*;
    use burn::backend::Autodiff;
    use burn::backend::autodiff::{
        checkpoint::{base::Checkpointer, strategy::CheckpointStrategy},
        grads::Gradients,
        ops::{Backward, Ops, OpsKind},
    };

    /// The backward step: `dx = dy (1 - y^2)`, from the saved output.
    #[derive(Debug)]
    struct TanhBackward;

    impl<B: TanhOps> Backward<B, 1> for TanhBackward {
        type State = FloatTensor<B>;

        fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
            let [node] = ops.parents;
            let grad = grads.consume::<B>(&ops.node);
            if let Some(node) = node {
                let y = ops.state;
                let y_squared = B::float_mul(y.clone(), y);
                let slope = B::float_add_scalar(B::float_neg(y_squared), 1.0f32.into()); // 1 - y^2
                grads.register::<B>(node.id, B::float_mul(grad, slope));
            }
        }
    }

    impl<B: TanhOps, C: CheckpointStrategy> TanhOps for Autodiff<B, C> {
        fn vectorised_tanh(x: FloatTensor<Self>) -> FloatTensor<Self> {
            let (x, node) = x.into_parts();
            // `compute_bound`: never recomputed under gradient checkpointing; the output is kept.
            match TanhBackward.prepare::<C>([node]).compute_bound().stateful() {
                OpsKind::Tracked(prep) => {
                    let y = B::vectorised_tanh(x);
                    prep.finish(y.clone(), y)
                }
                OpsKind::UnTracked(prep) => prep.finish(B::vectorised_tanh(x)),
            }
        }
    }
}
