//! Bahdanau et al. 2014's additive score: `e_ij = v_a^T tanh(W_a q_i + U_a k_j)`.
//!
//! In Bahdanau's decoder the query is the previous decoder state `s_{i-1}` and
//! the keys are the encoder states `h_j`. The layer names map onto the PyTorch
//! translation tutorial's `BahdanauAttention` as `query` = `Wa`, `key` = `Ua`,
//! `v` = `Va`; like the tutorial, every layer has a bias by default (the paper
//! writes none).

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;

use crate::error::{AttentionError, Axis, assert_shape, expect_valid};
use crate::score::positive;

/// Configuration of [`AdditiveScore`].
#[derive(Config, Debug)]
pub struct AdditiveScoreConfig {
    /// Width of the queries.
    pub d_query: usize,
    /// Width of the keys.
    pub d_key: usize,
    /// Width of the hidden layer.
    pub d_attention: usize,
    /// Whether the three layers have biases. Default: true, as the PyTorch
    /// tutorial.
    #[config(default = true)]
    pub bias: bool,
    /// Initialiser of the layers. Default: PyTorch's `nn.Linear` initialisation.
    #[config(default = "Initializer::KaimingUniform{gain:1.0/3.0f64.sqrt(), fan_out_only:false}")]
    pub initializer: Initializer,
}

impl AdditiveScoreConfig {
    /// Checks the widths.
    ///
    /// # Errors
    ///
    /// If a width is zero.
    pub fn validate(&self) -> Result<(), AttentionError> {
        positive("AdditiveScoreConfig", "d_query", self.d_query)?;
        positive("AdditiveScoreConfig", "d_key", self.d_key)?;
        positive("AdditiveScoreConfig", "d_attention", self.d_attention)
    }

    /// The scorer.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init(&self, device: &Device) -> AdditiveScore {
        expect_valid(self.validate());
        let linear = |d_in, d_out| {
            LinearConfig::new(d_in, d_out)
                .with_bias(self.bias)
                .with_initializer(self.initializer.clone())
                .init(device)
        };
        AdditiveScore {
            query: linear(self.d_query, self.d_attention),
            key: linear(self.d_key, self.d_attention),
            v: linear(self.d_attention, 1),
        }
    }
}

/// `e_ij = v_a^T tanh(W_a q_i + U_a k_j)`.
#[derive(Module, Debug)]
pub struct AdditiveScore {
    /// `W_a` (tutorial: `Wa`), applied to the queries.
    pub query: Linear,
    /// `U_a` (tutorial: `Ua`), applied to the keys.
    pub key: Linear,
    /// `v_a` (tutorial: `Va`), to one score.
    pub v: Linear,
}

impl AdditiveScore {
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
    /// If a width or the batch size does not match.
    pub fn forward(&self, query: Tensor<3>, keys: Tensor<3>) -> Tensor<3> {
        self.forward_projected(query, self.project_keys(keys))
    }

    /// `U_a k_j`, which a decoder computes once per sentence rather than once
    /// per output word.
    ///
    /// # Shapes
    ///
    /// - `keys`: `[batch, src_len, d_key]`
    /// - output: `[batch, src_len, d_attention]`
    ///
    /// # Panics
    ///
    /// If the key width does not match.
    pub fn project_keys(&self, keys: Tensor<3>) -> Tensor<3> {
        let [d_key, _] = self.key.weight.dims();
        assert_shape(
            "AdditiveScore::project_keys",
            "keys",
            &keys.dims(),
            &[Axis::Any("batch"), Axis::Any("src_len"), Axis::Is("d_key", d_key)],
        );
        crate::linear(&self.key, keys)
    }

    /// Scores against keys already passed through [`project_keys`](Self::project_keys).
    ///
    /// # Shapes
    ///
    /// - `query`: `[batch, tgt_len, d_query]`
    /// - `projected_keys`: `[batch, src_len, d_attention]`
    /// - output: `[batch, tgt_len, src_len]`
    ///
    /// # Panics
    ///
    /// If a width or the batch size does not match.
    pub fn forward_projected(&self, query: Tensor<3>, projected_keys: Tensor<3>) -> Tensor<3> {
        let [d_query, d_attention] = self.query.weight.dims();
        let context = "AdditiveScore::forward";
        assert_shape(
            context,
            "query",
            &query.dims(),
            &[Axis::Any("batch"), Axis::Any("tgt_len"), Axis::Is("d_query", d_query)],
        );
        let [batch, _, _] = query.dims();
        assert_shape(
            context,
            "projected keys",
            &projected_keys.dims(),
            &[
                Axis::Is("batch", batch),
                Axis::Any("src_len"),
                Axis::Is("d_attention", d_attention),
            ],
        );
        let query = crate::linear(&self.query, query).unsqueeze_dim::<4>(2); // [batch, tgt_len, 1, d_attention]
        let keys = projected_keys.unsqueeze_dim::<4>(1); // [batch, 1, src_len, d_attention]
        let hidden = crate::tanh(query + keys); // [batch, tgt_len, src_len, d_attention]
        crate::linear(&self.v, hidden).squeeze_dim(3) // [batch, tgt_len, src_len]
    }
}
