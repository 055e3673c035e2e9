//! The attention unit: scores, then mask, then weights, then the context.
//!
//! In the article's notation, with the source states as the columns of `H`
//! and the decoder state `s` as the query:
//!
//! ```text
//! e = score(s, H)          // one score per source position
//! w = normalize(mask(e))   // soft weights: non-negative, sum to one
//! c = H w                  // the context: a weighted average of the values
//! ```
//!
//! [`AttentionUnit`] computes this for every query at once, with keys and
//! values that may differ (`c = V w`).

use burn::module::Module;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AttentionError, Axis, assert_shape, expect_valid};
use crate::mask::Mask;
use crate::normalize::Normalizer;
use crate::score::{Score, ScoreConfig};

/// Configuration of an [`AttentionUnit`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttentionUnitConfig {
    /// The score function.
    pub score: ScoreConfig,
    /// From scores to weights. Default: softmax.
    #[serde(default)]
    pub normalizer: Normalizer,
}

impl AttentionUnitConfig {
    /// A unit with the given score function and a softmax.
    pub fn new(score: ScoreConfig) -> Self {
        Self {
            score,
            normalizer: Normalizer::default(),
        }
    }

    /// Sets the normaliser.
    pub fn with_normalizer(mut self, normalizer: Normalizer) -> Self {
        self.normalizer = normalizer;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// The score's or the normaliser's error.
    pub fn validate(&self) -> Result<(), AttentionError> {
        self.score.validate()?;
        self.normalizer.validate()
    }

    /// The unit.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init(&self, device: &Device) -> AttentionUnit {
        expect_valid(self.validate());
        AttentionUnit {
            score: self.score.init(device),
            normalizer: self.normalizer,
        }
    }
}

/// Scores, mask, weights and context; see the [module docs](self).
#[derive(Module, Debug)]
pub struct AttentionUnit {
    /// The score function.
    pub score: Score,
    /// From scores to weights.
    #[module(skip)]
    pub normalizer: Normalizer,
}

/// The input of [`AttentionUnit::forward`].
#[derive(Clone, Debug)]
pub struct AttentionInput {
    /// `[batch, tgt_len, d_query]`.
    pub query: Tensor<3>,
    /// `[batch, src_len, d_key]`.
    pub keys: Tensor<3>,
    /// `[batch, src_len, d_value]`.
    pub values: Tensor<3>,
    /// Which keys each query may not look at (`true` = masked out).
    pub mask: Option<Mask>,
}

impl AttentionInput {
    /// Queries against keys, averaging the values.
    pub fn new(query: Tensor<3>, keys: Tensor<3>, values: Tensor<3>) -> Self {
        Self {
            query,
            keys,
            values,
            mask: None,
        }
    }

    /// Queries against source states that serve as both keys and values, the
    /// article's `c = H w`.
    pub fn cross_attention(query: Tensor<3>, states: Tensor<3>) -> Self {
        Self::new(query, states.clone(), states)
    }

    /// Every position of `x` against every other: with a dot score, the
    /// article's encoder-only `w_ij = x_i . x_j`.
    pub fn self_attention(x: Tensor<3>) -> Self {
        Self::new(x.clone(), x.clone(), x)
    }

    /// Adds a mask (`true` = masked out).
    pub fn mask(mut self, mask: Mask) -> Self {
        self.mask = Some(mask);
        self
    }
}

/// The output of an attention computation.
#[derive(Clone, Debug)]
pub struct AttentionOutput {
    /// The context vectors, `[batch, tgt_len, d_value]`.
    pub context: Tensor<3>,
    /// The weights, `[batch, tgt_len, src_len]`: each row is non-negative and
    /// sums to one over the unmasked keys (all zero if every key is masked).
    pub weights: Tensor<3>,
}

impl AttentionUnit {
    /// Attends.
    ///
    /// # Shapes
    ///
    /// - `query`: `[batch, tgt_len, d_query]`
    /// - `keys`: `[batch, src_len, d_key]`
    /// - `values`: `[batch, src_len, d_value]`
    /// - `mask`: broadcasts to `[batch, tgt_len, src_len]`
    /// - `context`: `[batch, tgt_len, d_value]`; `weights`: `[batch, tgt_len, src_len]`
    ///
    /// # Panics
    ///
    /// If the shapes disagree; the message names the argument, the expected
    /// and the actual shape.
    ///
    /// # Example
    ///
    /// ```
    /// use attention_core::{AttentionInput, AttentionUnitConfig, ScoreConfig};
    /// use burn::prelude::*;
    /// let device = Device::default();
    /// let unit = AttentionUnitConfig::new(ScoreConfig::dot()).init(&device);
    /// let query = Tensor::<3>::from_floats([[[1.0, 0.0]]], &device);
    /// let states = Tensor::<3>::from_floats([[[1.0, 0.0], [0.0, 1.0]]], &device);
    /// let out = unit.forward(AttentionInput::cross_attention(query, states));
    /// // w = softmax([1, 0]) = [0.731, 0.269]; c = H w
    /// let w = out.weights.into_data().to_vec::<f32>().unwrap();
    /// assert!((w[0] - 0.7310586).abs() < 1e-6 && (w[1] - 0.2689414).abs() < 1e-6);
    /// ```
    pub fn forward(&self, input: AttentionInput) -> AttentionOutput {
        let AttentionInput {
            query,
            keys,
            values,
            mask,
        } = input;
        let context = "AttentionUnit::forward";
        let [batch, tgt_len, _] = query.dims();
        assert_shape(
            context,
            "keys",
            &keys.dims(),
            &[Axis::Is("batch", batch), Axis::Any("src_len"), Axis::Any("d_key")],
        );
        let [_, src_len, _] = keys.dims();
        assert_shape(
            context,
            "values",
            &values.dims(),
            &[
                Axis::Is("batch", batch),
                Axis::Is("src_len", src_len),
                Axis::Any("d_value"),
            ],
        );
        let mask = mask.map(|mask| mask.expand_to(context, [batch, tgt_len, src_len]));

        let scores = self.score.forward(query, keys); // [batch, tgt_len, src_len]
        let weights = self.normalizer.normalize(scores, mask);
        let context = weights.clone().matmul(values); // [batch, tgt_len, d_value]
        AttentionOutput { context, weights }
    }
}
