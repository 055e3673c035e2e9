//! The fully connected (FC) scorer of the PyTorch translation tutorial's
//! `AttnDecoderRNN`, whose form is Luong et al. 2015's "location" score (the
//! workspace calls it FC everywhere: `FcScore`, `DecoderAttention::Fc`,
//! `attn --attention fc`): the weights come
//! from the query alone, `e_t = W_a q_t + b`, one output per source position
//! up to a fixed `max_len`. Like the tutorial's `nn.Linear`, the layer always
//! has a bias.
//!
//! In the tutorial the query is the concatenation of the decoder input's
//! embedding and the decoder's hidden state; the layer is its `attn`. The keys
//! only give `src_len`: scores past it are cut off.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;

use crate::error::{AttentionError, Axis, assert_shape, expect_valid};
use crate::score::positive;

/// Configuration of [`FcScore`].
#[doc(alias = "location")]
#[derive(Config, Debug)]
pub struct FcScoreConfig {
    /// Width of the queries (tutorial: embedding width + hidden width).
    pub d_query: usize,
    /// The longest source this scorer can attend over (tutorial: `MAX_LENGTH`).
    pub max_len: usize,
    /// Initialiser of the layer. Default: PyTorch's `nn.Linear` initialisation.
    #[config(default = "Initializer::KaimingUniform{gain:1.0/3.0f64.sqrt(), fan_out_only:false}")]
    pub initializer: Initializer,
}

impl FcScoreConfig {
    /// Checks the sizes.
    ///
    /// # Errors
    ///
    /// If a size is zero.
    pub fn validate(&self) -> Result<(), AttentionError> {
        positive("FcScoreConfig", "d_query", self.d_query)?;
        positive("FcScoreConfig", "max_len", self.max_len)
    }

    /// The scorer.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init(&self, device: &Device) -> FcScore {
        expect_valid(self.validate());
        FcScore {
            attn: LinearConfig::new(self.d_query, self.max_len)
                .with_initializer(self.initializer.clone())
                .init(device),
        }
    }
}

/// `e_t = (W_a q_t + b)[..src_len]`.
#[doc(alias = "location")]
#[derive(Module, Debug)]
pub struct FcScore {
    /// The tutorial's `attn` layer, from query width to `max_len`.
    pub attn: Linear,
}

impl FcScore {
    /// Scores every source position from each query.
    ///
    /// # Shapes
    ///
    /// - `query`: `[batch, tgt_len, d_query]`
    /// - `keys`: `[batch, src_len, _]`, used for `src_len` only
    /// - output: `[batch, tgt_len, src_len]`
    ///
    /// # Panics
    ///
    /// If the query width does not match or `src_len > max_len`.
    pub fn forward(&self, query: Tensor<3>, keys: Tensor<3>) -> Tensor<3> {
        let [d_query, max_len] = self.attn.weight.dims();
        let context = "FcScore::forward";
        assert_shape(
            context,
            "query",
            &query.dims(),
            &[Axis::Any("batch"), Axis::Any("tgt_len"), Axis::Is("d_query", d_query)],
        );
        let [batch, tgt_len, _] = query.dims();
        let [key_batch, src_len, _] = keys.dims();
        assert!(
            key_batch == batch && src_len <= max_len,
            "{context}: `keys` has shape {:?}, expected [batch={batch}, src_len<={max_len}, _]",
            keys.dims()
        );
        crate::linear(&self.attn, query).slice([0..batch, 0..tgt_len, 0..src_len]) // [batch, tgt_len, src_len]
    }
}
