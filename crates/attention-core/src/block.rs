//! Transformer blocks (Vaswani et al. 2017, section 3.1): attention and a
//! feed-forward network, each wrapped in a residual connection and a layer
//! norm, placed after (post-norm, the paper and PyTorch's default) or before
//! (pre-norm, Xiong et al. 2020) the sub-layer:
//!
//! ```text
//! post-norm: x = norm1(x + SelfAttention(x));      x = norm2(x + FeedForward(x))
//! pre-norm:  x = x + SelfAttention(norm1(x));      x = x + FeedForward(norm2(x))
//! FeedForward(x) = linear2(dropout(activation(linear1(x))))
//! ```
//!
//! The decoder block adds cross-attention over the encoder's output between
//! the two (`norm2`, then `norm3` on the feed-forward). Parameter names are
//! PyTorch's (`self_attn`, `multihead_attn`, `linear1`, `linear2`, `norm1`..),
//! so [`TransformerBlockConfig::encoder_from_torch`] maps a
//! `torch.nn.TransformerEncoderLayer` one to one.

use std::path::Path;

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{gelu, relu};
use serde::{Deserialize, Serialize};

use crate::cache::KvCache;
use crate::error::{AttentionError, expect_valid};
use crate::interop::TorchFile;
use crate::mask::Mask;
use crate::mha::{FastPath, MhaInput, MultiHeadAttention, MultiHeadAttentionConfig, Weights};

/// Where the layer norms sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NormPlacement {
    /// After each residual sum (Vaswani et al.; PyTorch's `norm_first=False`).
    Post,
    /// Before each sub-layer, inside the residual branch (PyTorch's
    /// `norm_first=True`); trains without warm-up more easily.
    Pre,
}

/// The feed-forward network's activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeedForwardActivation {
    /// `max(0, x)`, the paper's and PyTorch's default.
    Relu,
    /// The exact GELU, `x Phi(x)` (Hendrycks & Gimpel 2016), PyTorch's `"gelu"`.
    Gelu,
}

/// Configuration of [`EncoderBlock`] and [`DecoderBlock`].
#[derive(Config, Debug)]
pub struct TransformerBlockConfig {
    /// Width of the block's input and output.
    pub d_model: usize,
    /// Attention heads.
    pub n_heads: usize,
    /// Width of the feed-forward network's hidden layer.
    pub d_ff: usize,
    /// Dropout on the attention weights and after each sub-layer. Default: 0.1,
    /// as the paper and PyTorch.
    #[config(default = 0.1)]
    pub dropout: f64,
    /// Layer norm placement. Default: post-norm.
    #[config(default = "NormPlacement::Post")]
    pub norm: NormPlacement,
    /// Feed-forward activation. Default: ReLU.
    #[config(default = "FeedForwardActivation::Relu")]
    pub activation: FeedForwardActivation,
    /// The layer norms' epsilon. Default: 1e-5, as PyTorch.
    #[config(default = 1e-5)]
    pub layer_norm_eps: f64,
    /// Key/value heads of the self-attention. Default: `None` (= `n_heads`).
    #[config(default = "None")]
    pub n_kv_heads: Option<usize>,
    /// Rotary positions in the self-attention, up to this length. Default: `None`.
    #[config(default = "None")]
    pub rotary_max_len: Option<usize>,
    /// How the attentions compute when no weights are asked for. Default:
    /// Burn's fused kernel.
    #[config(default = "FastPath::Fused")]
    pub fast_path: FastPath,
}

impl TransformerBlockConfig {
    fn self_attention(&self) -> MultiHeadAttentionConfig {
        MultiHeadAttentionConfig::new(self.d_model, self.n_heads)
            .with_n_kv_heads(self.n_kv_heads)
            .with_dropout(self.dropout)
            .with_rotary_max_len(self.rotary_max_len)
            .with_fast_path(self.fast_path)
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// The attention's errors, or a zero `d_ff`.
    pub fn validate(&self) -> Result<(), AttentionError> {
        self.self_attention().validate()?;
        crate::score::positive("TransformerBlockConfig", "d_ff", self.d_ff)
    }

    fn parts(&self, device: &Device) -> (Linear, Linear, [LayerNorm; 3], Dropout) {
        expect_valid(self.validate());
        let norm = || {
            LayerNormConfig::new(self.d_model)
                .with_epsilon(self.layer_norm_eps)
                .init(device)
        };
        (
            LinearConfig::new(self.d_model, self.d_ff).init(device),
            LinearConfig::new(self.d_ff, self.d_model).init(device),
            [norm(), norm(), norm()],
            DropoutConfig::new(self.dropout).init(),
        )
    }

    /// An encoder block: self-attention and feed-forward.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init_encoder(&self, device: &Device) -> EncoderBlock {
        let (linear1, linear2, [norm1, norm2, _], dropout) = self.parts(device);
        EncoderBlock {
            self_attn: self.self_attention().init(device),
            linear1,
            linear2,
            norm1,
            norm2,
            dropout,
            norm: self.norm,
            activation: self.activation,
            layer_norm_eps: self.layer_norm_eps,
        }
    }

    /// A decoder block: masked self-attention, cross-attention, feed-forward.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init_decoder(&self, device: &Device) -> DecoderBlock {
        let (linear1, linear2, [norm1, norm2, norm3], dropout) = self.parts(device);
        DecoderBlock {
            self_attn: self.self_attention().init(device),
            multihead_attn: MultiHeadAttentionConfig::new(self.d_model, self.n_heads)
                .with_dropout(self.dropout)
                .with_fast_path(self.fast_path)
                .init(device),
            linear1,
            linear2,
            norm1,
            norm2,
            norm3,
            dropout,
            norm: self.norm,
            activation: self.activation,
            layer_norm_eps: self.layer_norm_eps,
        }
    }

    /// An encoder block with the weights of a `torch.nn.TransformerEncoderLayer`
    /// (its `state_dict` saved as SafeTensors), read under `prefix`, e.g.
    /// `"encoder.layers.0."`. The config must match the PyTorch layer's
    /// `d_model`, `nhead`, `dim_feedforward`, `norm_first`, `activation` and
    /// `layer_norm_eps`; the file cannot tell them all.
    ///
    /// # Errors
    ///
    /// As [`MultiHeadAttentionConfig::init_from_torch`], for every tensor.
    pub fn encoder_from_torch(
        &self,
        path: impl AsRef<Path>,
        prefix: &str,
        device: &Device,
    ) -> Result<EncoderBlock, AttentionError> {
        self.validate()?;
        let path = path.as_ref();
        let self_attn = self
            .self_attention()
            .init_from_torch(path, &format!("{prefix}self_attn."), device)?;
        let file = TorchFile::open(path)?;
        let norm = |name: &str| -> Result<LayerNorm, AttentionError> {
            let mut norm = LayerNormConfig::new(self.d_model)
                .with_epsilon(self.layer_norm_eps)
                .init(device);
            norm.gamma = Param::from_tensor(file.tensor(&format!("{prefix}{name}.weight"), [self.d_model], device)?);
            norm.beta = Some(Param::from_tensor(file.tensor(
                &format!("{prefix}{name}.bias"),
                [self.d_model],
                device,
            )?));
            Ok(norm)
        };
        Ok(EncoderBlock {
            self_attn,
            linear1: file.linear(&format!("{prefix}linear1."), self.d_model, self.d_ff, device)?,
            linear2: file.linear(&format!("{prefix}linear2."), self.d_ff, self.d_model, device)?,
            norm1: norm("norm1")?,
            norm2: norm("norm2")?,
            dropout: DropoutConfig::new(self.dropout).init(),
            norm: self.norm,
            activation: self.activation,
            layer_norm_eps: self.layer_norm_eps,
        })
    }
}

fn feed_forward(
    linear1: &Linear,
    linear2: &Linear,
    dropout: &Dropout,
    activation: FeedForwardActivation,
    x: Tensor<3>,
) -> Tensor<3> {
    let hidden = crate::linear(linear1, x); // [batch, len, d_ff]
    let hidden = match activation {
        FeedForwardActivation::Relu => relu(hidden),
        FeedForwardActivation::Gelu => gelu(hidden),
    };
    crate::linear(linear2, dropout.forward(hidden)) // [batch, len, d_model]
}

/// Wraps a sub-layer in its residual connection and layer norm.
fn residual(
    (norm, epsilon): (&LayerNorm, f64),
    placement: NormPlacement,
    dropout: &Dropout,
    x: Tensor<3>,
    sublayer: impl FnOnce(Tensor<3>) -> Tensor<3>,
) -> Tensor<3> {
    match placement {
        NormPlacement::Post => crate::layer_norm(norm, epsilon, x.clone() + dropout.forward(sublayer(x))),
        NormPlacement::Pre => x.clone() + dropout.forward(sublayer(crate::layer_norm(norm, epsilon, x))),
    }
}

/// Self-attention and feed-forward; see the [module docs](self).
#[derive(Module, Debug)]
pub struct EncoderBlock {
    /// Self-attention.
    pub self_attn: MultiHeadAttention,
    /// Feed-forward, `d_model -> d_ff`.
    pub linear1: Linear,
    /// Feed-forward, `d_ff -> d_model`.
    pub linear2: Linear,
    /// Around the self-attention.
    pub norm1: LayerNorm,
    /// Around the feed-forward.
    pub norm2: LayerNorm,
    /// After each sub-layer and inside the feed-forward.
    pub dropout: Dropout,
    /// Norm placement.
    #[module(skip)]
    pub norm: NormPlacement,
    /// Feed-forward activation.
    #[module(skip)]
    pub activation: FeedForwardActivation,
    /// The norms' epsilon, which [`crate::layer_norm`] needs (Burn's `LayerNorm` keeps its own
    /// private).
    #[module(skip)]
    pub layer_norm_eps: f64,
}

impl EncoderBlock {
    /// Applies the block; returns the output and, if asked, the attention
    /// weights `[batch, n_heads, len, len]`.
    ///
    /// # Shapes
    ///
    /// - `x`: `[batch, len, d_model]`; `mask`: broadcasts to `[batch, len, len]`
    pub fn forward(&self, x: Tensor<3>, mask: Option<Mask>, weights: Weights) -> (Tensor<3>, Option<Tensor<4>>) {
        let mut attention = None;
        let x = residual((&self.norm1, self.layer_norm_eps), self.norm, &self.dropout, x, |x| {
            let mut input = MhaInput::self_attention(x).weights(weights);
            input.mask = mask;
            let out = self.self_attn.forward(input);
            attention = out.weights;
            out.context
        });
        let x = residual((&self.norm2, self.layer_norm_eps), self.norm, &self.dropout, x, |x| {
            feed_forward(&self.linear1, &self.linear2, &self.dropout, self.activation, x)
        });
        (x, attention)
    }
}

/// Masked self-attention, cross-attention and feed-forward; see the [module docs](self).
#[derive(Module, Debug)]
pub struct DecoderBlock {
    /// Masked self-attention.
    pub self_attn: MultiHeadAttention,
    /// Cross-attention over the encoder's output.
    pub multihead_attn: MultiHeadAttention,
    /// Feed-forward, `d_model -> d_ff`.
    pub linear1: Linear,
    /// Feed-forward, `d_ff -> d_model`.
    pub linear2: Linear,
    /// Around the self-attention.
    pub norm1: LayerNorm,
    /// Around the cross-attention.
    pub norm2: LayerNorm,
    /// Around the feed-forward.
    pub norm3: LayerNorm,
    /// After each sub-layer and inside the feed-forward.
    pub dropout: Dropout,
    /// Norm placement.
    #[module(skip)]
    pub norm: NormPlacement,
    /// Feed-forward activation.
    #[module(skip)]
    pub activation: FeedForwardActivation,
    /// The norms' epsilon, which [`crate::layer_norm`] needs (Burn's `LayerNorm` keeps its own
    /// private).
    #[module(skip)]
    pub layer_norm_eps: f64,
}

/// The caches of one [`DecoderBlock`] for incremental decoding.
#[derive(Clone, Debug)]
pub struct DecoderBlockCache {
    /// Keys and values of the earlier target positions.
    pub self_attn: KvCache,
    /// The projected encoder output.
    pub cross_attn: KvCache,
}

impl Default for DecoderBlockCache {
    fn default() -> Self {
        Self {
            self_attn: KvCache::self_attention(),
            cross_attn: KvCache::cross_attention(),
        }
    }
}

impl DecoderBlock {
    /// Applies the block to a whole target; returns the output and the
    /// cross-attention weights `[batch, n_heads, tgt_len, src_len]` if asked.
    ///
    /// # Shapes
    ///
    /// - `x`: `[batch, tgt_len, d_model]`; `memory`: `[batch, src_len, d_model]`
    /// - `self_mask`: broadcasts to `[batch, tgt_len, tgt_len]` (usually causal)
    /// - `memory_mask`: broadcasts to `[batch, tgt_len, src_len]` (source padding)
    pub fn forward(
        &self,
        x: Tensor<3>,
        memory: Tensor<3>,
        self_mask: Option<Mask>,
        memory_mask: Option<Mask>,
        weights: Weights,
    ) -> (Tensor<3>, Option<Tensor<4>>) {
        self.run(x, memory, self_mask, memory_mask, weights, None)
    }

    /// As [`forward`](Self::forward) for new target positions only, with the
    /// keys and values of earlier ones in `cache`; `self_mask` covers all
    /// target positions so far.
    pub fn forward_cached(
        &self,
        x: Tensor<3>,
        memory: Tensor<3>,
        self_mask: Option<Mask>,
        memory_mask: Option<Mask>,
        weights: Weights,
        cache: &mut DecoderBlockCache,
    ) -> (Tensor<3>, Option<Tensor<4>>) {
        self.run(x, memory, self_mask, memory_mask, weights, Some(cache))
    }

    fn run(
        &self,
        x: Tensor<3>,
        memory: Tensor<3>,
        self_mask: Option<Mask>,
        memory_mask: Option<Mask>,
        weights: Weights,
        mut cache: Option<&mut DecoderBlockCache>,
    ) -> (Tensor<3>, Option<Tensor<4>>) {
        let attend = |mha: &MultiHeadAttention, input: MhaInput, cache: Option<&mut KvCache>| match cache {
            Some(cache) => mha.forward_cached(input, cache),
            None => mha.forward(input),
        };
        let x = residual((&self.norm1, self.layer_norm_eps), self.norm, &self.dropout, x, |x| {
            let mut input = MhaInput::self_attention(x).weights(Weights::Skip);
            input.mask = self_mask;
            attend(&self.self_attn, input, cache.as_deref_mut().map(|c| &mut c.self_attn)).context
        });
        let mut cross_weights = None;
        let x = residual((&self.norm2, self.layer_norm_eps), self.norm, &self.dropout, x, |x| {
            let mut input = MhaInput::cross_attention(x, memory).weights(weights);
            input.mask = memory_mask;
            let out = attend(&self.multihead_attn, input, cache.map(|c| &mut c.cross_attn));
            cross_weights = out.weights;
            out.context
        });
        let x = residual((&self.norm3, self.layer_norm_eps), self.norm, &self.dropout, x, |x| {
            feed_forward(&self.linear1, &self.linear2, &self.dropout, self.activation, x)
        });
        (x, cross_weights)
    }
}
