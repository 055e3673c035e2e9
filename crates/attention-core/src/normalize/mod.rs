//! Normalisers: from scores to weights.
//!
//! Each turns scores `[..., src_len]` into weights over the last axis that are
//! non-negative and sum to one over the keys that are not masked (or are all
//! zero when every key is masked):
//!
//! | variant | weights | paper |
//! |---|---|---|
//! | [`Normalizer::Softmax`] | `softmax(e / T)` | soft attention (Bahdanau 2014) |
//! | [`Normalizer::Hard`] | one-hot at `argmax e` | hard attention (Xu et al. 2015) |
//! | [`Normalizer::Sparsemax`] | Euclidean projection onto the simplex | Martins & Astudillo 2016 |
//!
//! See `docs/attention.md#normalisers`.

mod hard;
mod softmax;
mod sparsemax;

use burn::prelude::*;
use burn::tensor::Bool;
use serde::{Deserialize, Serialize};

use crate::error::AttentionError;

pub use hard::hard_max;
pub use softmax::masked_softmax;
pub use sparsemax::sparsemax;

/// How hard attention passes gradients back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HardGradient {
    /// No gradient reaches the scores: argmax is piecewise constant.
    None,
    /// Straight-through estimator (Bengio et al. 2013): the forward pass is
    /// the one-hot argmax, the backward pass is that of the softmax, so a
    /// model with hard attention can train with plain backpropagation.
    StraightThrough,
}

/// From scores to weights; see the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Normalizer {
    /// Soft attention: `softmax(scores / temperature)`. A temperature below 1
    /// sharpens the weights, above 1 flattens them.
    Softmax {
        /// Divides the scores before the softmax; must be positive.
        temperature: f64,
    },
    /// Hard attention: all the weight on the highest score (the first one on
    /// ties).
    Hard {
        /// How the gradient flows.
        gradient: HardGradient,
    },
    /// Sparsemax: like softmax, but low scores get exactly zero weight.
    Sparsemax,
}

impl Default for Normalizer {
    /// Soft attention at temperature 1.
    fn default() -> Self {
        Self::Softmax { temperature: 1.0 }
    }
}

impl Normalizer {
    /// Plain softmax, the normaliser of almost every attention model.
    pub const SOFTMAX: Normalizer = Normalizer::Softmax { temperature: 1.0 };

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// If a softmax temperature is not a positive finite number.
    pub fn validate(&self) -> Result<(), AttentionError> {
        match *self {
            Normalizer::Softmax { temperature } if !(temperature > 0.0 && temperature.is_finite()) => {
                Err(AttentionError::Config {
                    config: "Normalizer::Softmax",
                    field: "temperature",
                    reason: format!("must be a positive finite number, got {temperature}"),
                })
            }
            _ => Ok(()),
        }
    }

    /// Normalises `scores` over the last axis; `mask` has the scores' shape,
    /// `true` = masked out (zero weight).
    ///
    /// # Shapes
    ///
    /// - `scores`: `[..., src_len]`
    /// - `mask`: `[..., src_len]`, the same shape
    /// - output: `[..., src_len]`
    ///
    /// # Panics
    ///
    /// If the temperature is invalid (see [`Normalizer::validate`]).
    ///
    /// # Example
    ///
    /// ```
    /// # use attention_core::Normalizer;
    /// # use burn::prelude::*;
    /// # let device = Device::default();
    /// let scores = Tensor::<2>::from_floats([[1.0, 3.0, 2.0]], &device);
    /// let hard = Normalizer::Hard { gradient: Default::default() }.normalize(scores, None);
    /// hard.into_data().assert_eq(&[[0.0, 1.0, 0.0]].into(), false);
    /// ```
    pub fn normalize<const D: usize>(&self, scores: Tensor<D>, mask: Option<Tensor<D, Bool>>) -> Tensor<D> {
        crate::error::expect_valid(self.validate());
        match *self {
            Normalizer::Softmax { temperature } => {
                let scores = if temperature == 1.0 {
                    scores
                } else {
                    scores.div_scalar(temperature)
                };
                masked_softmax(scores, mask)
            }
            Normalizer::Hard { gradient } => hard_max(scores, mask, gradient),
            Normalizer::Sparsemax => sparsemax(scores, mask),
        }
    }
}

impl Default for HardGradient {
    /// [`HardGradient::StraightThrough`], so that hard attention trains.
    fn default() -> Self {
        Self::StraightThrough
    }
}

/// `[1, ..., 1, n]`: the positions `0..n` laid along the last of `D` axes.
pub(crate) fn positions<const D: usize>(n: usize, device: &Device) -> Tensor<D, Int> {
    let mut shape = [1; D];
    shape[D - 1] = n;
    Tensor::<1, Int>::arange(0..n as i64, device).reshape(shape)
}

/// `[..., 1]`: `1.0` where the row has at least one key that is not masked.
pub(crate) fn live_rows<const D: usize>(mask: Tensor<D, Bool>) -> Tensor<D> {
    mask.bool_not().any_dim(D - 1).float()
}
