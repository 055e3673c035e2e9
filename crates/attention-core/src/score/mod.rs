//! Score functions: how well each query matches each key, `e_ij = score(q_i, k_j)`.
//!
//! | type | `e_ij` | paper |
//! |---|---|---|
//! | [`DotScore`] | `q_i . k_j`, times an optional [`Scaling`] | Luong 2015 "dot"; Vaswani 2017 with `1/sqrt(d)` |
//! | [`GeneralScore`] | `q_i^T W_a k_j` | Luong 2015 "general" |
//! | [`ConcatScore`] | `v_a^T tanh(W_a [q_i; k_j])` | Luong 2015 "concat" |
//! | [`AdditiveScore`] | `v_a^T tanh(W_a q_i + U_a k_j)` | Bahdanau 2014 |
//! | [`FcScore`] | `(W_a q_i + b)_j` | Luong 2015 "location"; the PyTorch tutorial's FC attention |
//!
//! [`Score`] and [`ScoreConfig`] hold any one of them, for models whose
//! attention is chosen by configuration. See `docs/attention.md#scores`.

mod additive;
mod concat;
mod dot;
mod fc;
mod general;

use burn::module::Module;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

pub use additive::{AdditiveScore, AdditiveScoreConfig};
pub use concat::{ConcatScore, ConcatScoreConfig};
pub use dot::{DotScore, DotScoreConfig, Scaling};
pub use fc::{FcScore, FcScoreConfig};
pub use general::{GeneralScore, GeneralScoreConfig};

use crate::error::AttentionError;

/// Any score function; see the [module docs](self).
#[derive(Module, Debug)]
pub enum Score {
    /// Dot product, optionally scaled.
    Dot(DotScore),
    /// Luong's general (bilinear).
    General(GeneralScore),
    /// Luong's concat.
    Concat(ConcatScore),
    /// Bahdanau's additive.
    Additive(AdditiveScore),
    /// The PyTorch tutorial's fully connected (FC) attention, whose form is
    /// Luong's location-based score.
    #[doc(alias = "location")]
    Fc(FcScore),
}

impl Score {
    /// Scores every query against every key.
    ///
    /// # Shapes
    ///
    /// - `query`: `[batch, tgt_len, d_query]`
    /// - `keys`: `[batch, src_len, d_key]`
    /// - output: `[batch, tgt_len, src_len]`
    ///
    /// # Panics
    ///
    /// If a width or the batch size does not match the scorer.
    pub fn forward(&self, query: Tensor<3>, keys: Tensor<3>) -> Tensor<3> {
        match self {
            Score::Dot(score) => score.forward(query, keys),
            Score::General(score) => score.forward(query, keys),
            Score::Concat(score) => score.forward(query, keys),
            Score::Additive(score) => score.forward(query, keys),
            Score::Fc(score) => score.forward(query, keys),
        }
    }
}

/// The configuration of any [`Score`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ScoreConfig {
    /// See [`DotScoreConfig`].
    Dot(DotScoreConfig),
    /// See [`GeneralScoreConfig`].
    General(GeneralScoreConfig),
    /// See [`ConcatScoreConfig`].
    Concat(ConcatScoreConfig),
    /// See [`AdditiveScoreConfig`].
    Additive(AdditiveScoreConfig),
    /// See [`FcScoreConfig`].
    Fc(FcScoreConfig),
}

impl ScoreConfig {
    /// Luong's dot score, unscaled.
    pub fn dot() -> Self {
        ScoreConfig::Dot(DotScoreConfig::new())
    }

    /// Vaswani's scaled dot score, `1/sqrt(d)`.
    pub fn scaled_dot() -> Self {
        ScoreConfig::Dot(DotScoreConfig::new().with_scaling(Scaling::InverseSqrtDim))
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// The wrapped configuration's error.
    pub fn validate(&self) -> Result<(), AttentionError> {
        match self {
            ScoreConfig::Dot(_) => Ok(()),
            ScoreConfig::General(config) => config.validate(),
            ScoreConfig::Concat(config) => config.validate(),
            ScoreConfig::Additive(config) => config.validate(),
            ScoreConfig::Fc(config) => config.validate(),
        }
    }

    /// The scorer.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init(&self, device: &Device) -> Score {
        match self {
            ScoreConfig::Dot(config) => Score::Dot(config.init()),
            ScoreConfig::General(config) => Score::General(config.init(device)),
            ScoreConfig::Concat(config) => Score::Concat(config.init(device)),
            ScoreConfig::Additive(config) => Score::Additive(config.init(device)),
            ScoreConfig::Fc(config) => Score::Fc(config.init(device)),
        }
    }
}

/// A width or size that must not be zero.
pub(crate) fn positive(config: &'static str, field: &'static str, value: usize) -> Result<(), AttentionError> {
    if value == 0 {
        return Err(AttentionError::Config {
            config,
            field,
            reason: "must be at least 1, got 0".to_string(),
        });
    }
    Ok(())
}
