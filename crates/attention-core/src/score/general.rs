//! Luong et al. 2015's "general" (bilinear) score: `e_ij = q_i^T W_a k_j`.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;

use crate::error::{AttentionError, Axis, assert_shape, expect_valid};
use crate::score::positive;

/// Configuration of [`GeneralScore`].
#[derive(Config, Debug)]
pub struct GeneralScoreConfig {
    /// Width of the queries (Luong: the decoder state `h_t`).
    pub d_query: usize,
    /// Width of the keys (Luong: the encoder states `h_s`).
    pub d_key: usize,
    /// Whether `W_a` has a bias. Default: false, as in Luong et al.
    #[config(default = false)]
    pub bias: bool,
    /// Initialiser of `W_a`. Default: PyTorch's `nn.Linear` initialisation.
    #[config(default = "Initializer::KaimingUniform{gain:1.0/3.0f64.sqrt(), fan_out_only:false}")]
    pub initializer: Initializer,
}

impl GeneralScoreConfig {
    /// Checks the widths.
    ///
    /// # Errors
    ///
    /// If a width is zero.
    pub fn validate(&self) -> Result<(), AttentionError> {
        positive("GeneralScoreConfig", "d_query", self.d_query)?;
        positive("GeneralScoreConfig", "d_key", self.d_key)
    }

    /// The scorer.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init(&self, device: &Device) -> GeneralScore {
        expect_valid(self.validate());
        GeneralScore {
            bilinear: LinearConfig::new(self.d_key, self.d_query)
                .with_bias(self.bias)
                .with_initializer(self.initializer.clone())
                .init(device),
        }
    }
}

/// `e_ij = q_i . (W_a k_j)`.
#[derive(Module, Debug)]
pub struct GeneralScore {
    /// `W_a`, from key width to query width.
    pub bilinear: Linear,
}

impl GeneralScore {
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
        let [d_key, d_query] = self.bilinear.weight.dims();
        let [batch, _, _] = query.dims();
        let context = "GeneralScore::forward";
        assert_shape(
            context,
            "query",
            &query.dims(),
            &[Axis::Any("batch"), Axis::Any("tgt_len"), Axis::Is("d_query", d_query)],
        );
        assert_shape(
            context,
            "keys",
            &keys.dims(),
            &[Axis::Is("batch", batch), Axis::Any("src_len"), Axis::Is("d_key", d_key)],
        );
        let projected = crate::linear(&self.bilinear, keys); // [batch, src_len, d_query]
        query.matmul(projected.swap_dims(1, 2)) // [batch, tgt_len, src_len]
    }
}
