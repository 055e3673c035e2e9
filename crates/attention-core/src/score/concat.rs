//! Luong et al. 2015's "concat" score: `e_ij = v_a^T tanh(W_a [q_i; k_j])`.
//!
//! The same family as Bahdanau's additive score (splitting `W_a` into a query
//! and a key block gives `W q + U k`), written as Luong wrote it: one layer over
//! the concatenation. [`AdditiveScore`](super::AdditiveScore) computes it
//! without building the `[batch, tgt_len, src_len, d_query + d_key]` tensor.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;

use crate::error::{AttentionError, Axis, assert_shape, expect_valid};
use crate::score::positive;

/// Configuration of [`ConcatScore`].
#[derive(Config, Debug)]
pub struct ConcatScoreConfig {
    /// Width of the queries.
    pub d_query: usize,
    /// Width of the keys.
    pub d_key: usize,
    /// Width of the hidden layer `W_a`.
    pub d_attention: usize,
    /// Whether `W_a` has a bias. Default: true.
    #[config(default = true)]
    pub bias: bool,
    /// Initialiser of the layers. Default: PyTorch's `nn.Linear` initialisation.
    #[config(default = "Initializer::KaimingUniform{gain:1.0/3.0f64.sqrt(), fan_out_only:false}")]
    pub initializer: Initializer,
}

impl ConcatScoreConfig {
    /// Checks the widths.
    ///
    /// # Errors
    ///
    /// If a width is zero.
    pub fn validate(&self) -> Result<(), AttentionError> {
        positive("ConcatScoreConfig", "d_query", self.d_query)?;
        positive("ConcatScoreConfig", "d_key", self.d_key)?;
        positive("ConcatScoreConfig", "d_attention", self.d_attention)
    }

    /// The scorer.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init(&self, device: &Device) -> ConcatScore {
        expect_valid(self.validate());
        let linear = |d_in, d_out, bias| {
            LinearConfig::new(d_in, d_out)
                .with_bias(bias)
                .with_initializer(self.initializer.clone())
                .init(device)
        };
        ConcatScore {
            combine: linear(self.d_query + self.d_key, self.d_attention, self.bias),
            v: linear(self.d_attention, 1, false),
            d_query: self.d_query,
        }
    }
}

/// `e_ij = v_a^T tanh(W_a [q_i; k_j])`, query first in the concatenation.
#[derive(Module, Debug)]
pub struct ConcatScore {
    /// `W_a`, over the concatenated query and key.
    pub combine: Linear,
    /// `v_a`, to one score.
    pub v: Linear,
    /// Width of the queries.
    pub d_query: usize,
}

impl ConcatScore {
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
        let [d_in, _] = self.combine.weight.dims();
        let d_key = d_in - self.d_query;
        let [batch, tgt_len, _] = query.dims();
        let context = "ConcatScore::forward";
        assert_shape(
            context,
            "query",
            &query.dims(),
            &[
                Axis::Any("batch"),
                Axis::Any("tgt_len"),
                Axis::Is("d_query", self.d_query),
            ],
        );
        assert_shape(
            context,
            "keys",
            &keys.dims(),
            &[Axis::Is("batch", batch), Axis::Any("src_len"), Axis::Is("d_key", d_key)],
        );
        let [_, src_len, _] = keys.dims();
        let query = query
            .unsqueeze_dim::<4>(2)
            .expand([batch, tgt_len, src_len, self.d_query]);
        let keys = keys.unsqueeze_dim::<4>(1).expand([batch, tgt_len, src_len, d_key]);
        let pairs = Tensor::cat(vec![query, keys], 3); // [batch, tgt_len, src_len, d_query + d_key]
        let hidden = crate::tanh(crate::linear(&self.combine, pairs)); // [batch, tgt_len, src_len, d_attention]
        crate::linear(&self.v, hidden).squeeze_dim(3) // [batch, tgt_len, src_len]
    }
}
