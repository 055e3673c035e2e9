//! Multi-head attention (Vaswani et al. 2017, section 3.2.2):
//!
//! ```text
//! head_h = Attention(x_q W_h^Q, x_k W_h^K, x_v W_h^V)
//! MultiHead(x_q, x_k, x_v) = [head_1; ...; head_H] W^O
//! ```
//!
//! Self-attention when `x_q = x_k = x_v`, cross-attention when the keys and
//! values come from another sequence (an encoder's output). One head is the
//! article's query-key-value attention. Keys and values may have their own
//! input widths (PyTorch's `kdim`, `vdim`), and there may be fewer key/value
//! heads than query heads ([`MultiHeadAttentionConfig::n_kv_heads`]).
//!
//! Parameters are named by role (`query`, `key`, `value`, `output`);
//! [`MultiHeadAttentionConfig::init_from_torch`] maps PyTorch's
//! `in_proj_weight` / `out_proj` names onto them.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig, RotaryEncoding, RotaryEncodingConfig};
use burn::prelude::*;
use burn::tensor::Bool;
use serde::{Deserialize, Serialize};

use crate::cache::{CacheMode, KvCache};
use crate::error::{AttentionError, Axis, assert_shape, expect_valid};
use crate::mask::Mask;
use crate::sdpa;

/// Configuration of [`MultiHeadAttention`].
#[derive(Config, Debug)]
pub struct MultiHeadAttentionConfig {
    /// Width of the queries and of the output.
    pub d_model: usize,
    /// Number of query heads; must divide `d_model`.
    pub n_heads: usize,
    /// Number of key/value heads; must divide `n_heads`. Default: `None`,
    /// meaning `n_heads` (plain multi-head attention); fewer gives grouped-query
    /// attention, 1 multi-query attention.
    #[config(default = "None")]
    pub n_kv_heads: Option<usize>,
    /// Width of the key input (PyTorch's `kdim`). Default: `None`, meaning `d_model`.
    #[config(default = "None")]
    pub d_key: Option<usize>,
    /// Width of the value input (PyTorch's `vdim`). Default: `None`, meaning `d_model`.
    #[config(default = "None")]
    pub d_value: Option<usize>,
    /// Dropout on the attention weights, after the softmax and before they
    /// average the values; active only in training on an autodiff device.
    /// Default: 0.0, as PyTorch's `nn.MultiheadAttention`.
    #[config(default = 0.0)]
    pub dropout: f64,
    /// Whether the four projections have biases. Default: true.
    #[config(default = true)]
    pub bias: bool,
    /// Factor on the scores. Default: `None`, meaning `1/sqrt(d_model / n_heads)`.
    #[config(default = "None")]
    pub scale: Option<f64>,
    /// Initialiser of the projections. Default: PyTorch's `nn.Linear` initialisation.
    #[config(default = "Initializer::KaimingUniform{gain:1.0/3.0f64.sqrt(), fan_out_only:false}")]
    pub initializer: Initializer,
    /// Rotary position embeddings (Su et al. 2021, RoFormer) on the queries
    /// and keys of each head, for positions up to this length (theta 10000);
    /// `d_model / n_heads` must be even. For self-attention only: queries
    /// and keys must come from one sequence. Default: `None`.
    #[config(default = "None")]
    pub rotary_max_len: Option<usize>,
    /// How attention is computed when no weights are asked for
    /// ([`Weights::Skip`]) and no dropout is active. Default: the backend's
    /// fused kernel (the workspace's own on flex).
    #[config(default = "FastPath::Fused")]
    pub fast_path: FastPath,
}

/// How [`MultiHeadAttention`] computes attention on its weights-free path;
/// both give the same context (see [`sdpa`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FastPath {
    /// [`sdpa::fused`]: on flex, with this crate's `flex` feature, the
    /// workspace's CPU kernel (forward and backward, training memory linear
    /// in the length); otherwise Burn's `module::attention` (on flex without
    /// that feature, flex's own kernel), whose training memory under
    /// autodiff grows with the square of the length.
    Fused,
    /// [`sdpa::memory_efficient`] with blocks of `block` queries and keys:
    /// memory, forward and backward, grows linearly with the length on every
    /// backend this build of the crate has an extension for (its features
    /// `flex`, `ndarray`, `wgpu`).
    ///
    /// It works whichever way a backend was enabled, and never panics for
    /// want of an extension: on a backend this build has none for (a
    /// program that enables `burn/flex` but not this crate's `flex`), it
    /// computes the same context with plain explicit attention
    /// ([`sdpa::explicit`]), which materialises the `[batch, n_heads,
    /// tgt_len, src_len]` weights: its memory then grows with the square of
    /// the length, with or without autodiff. Enable this crate's feature of
    /// the backend for linear memory.
    MemoryEfficient {
        /// Queries and keys a block (128 to 512 suit a CPU).
        block: usize,
    },
}

impl MultiHeadAttentionConfig {
    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// If `d_model` or `n_heads` is zero, `n_heads` does not divide `d_model`,
    /// `n_kv_heads` does not divide `n_heads`, an input width is zero, the
    /// dropout is outside `[0, 1)` or the scale is not finite.
    pub fn validate(&self) -> Result<(), AttentionError> {
        let error = |field, reason: String| {
            Err(AttentionError::Config {
                config: "MultiHeadAttentionConfig",
                field,
                reason,
            })
        };
        if self.n_heads == 0 {
            return error("n_heads", "must be at least 1, got 0".into());
        }
        if self.d_model == 0 {
            return error("d_model", "must be at least 1, got 0".into());
        }
        if !self.d_model.is_multiple_of(self.n_heads) {
            return error(
                "d_model",
                format!("d_model={} is not divisible by n_heads={}", self.d_model, self.n_heads),
            );
        }
        if let Some(n_kv_heads) = self.n_kv_heads
            && (n_kv_heads == 0 || !self.n_heads.is_multiple_of(n_kv_heads))
        {
            return error(
                "n_kv_heads",
                format!("n_kv_heads={n_kv_heads} must divide n_heads={}", self.n_heads),
            );
        }
        for (field, width) in [("d_key", self.d_key), ("d_value", self.d_value)] {
            if width == Some(0) {
                return error(field, "must be at least 1, got 0".into());
            }
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return error("dropout", format!("must be in [0, 1), got {}", self.dropout));
        }
        if let Some(scale) = self.scale
            && !scale.is_finite()
        {
            return error("scale", format!("must be finite, got {scale}"));
        }
        if let Some(max_len) = self.rotary_max_len {
            let d_head = self.d_model / self.n_heads;
            if max_len == 0 || !d_head.is_multiple_of(2) {
                return error(
                    "rotary_max_len",
                    format!("needs a positive length and an even head width, got {max_len} and d_head={d_head}"),
                );
            }
        }
        if self.fast_path == (FastPath::MemoryEfficient { block: 0 }) {
            return error(
                "fast_path",
                "a memory-efficient block must hold at least 1 position, got 0".into(),
            );
        }
        Ok(())
    }

    /// The module, with freshly initialised projections.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init(&self, device: &Device) -> MultiHeadAttention {
        expect_valid(self.validate());
        let d_head = self.d_model / self.n_heads;
        let n_kv_heads = self.n_kv_heads.unwrap_or(self.n_heads);
        let linear = |d_in, d_out| {
            LinearConfig::new(d_in, d_out)
                .with_bias(self.bias)
                .with_initializer(self.initializer.clone())
                .init(device)
        };
        MultiHeadAttention {
            query: linear(self.d_model, self.d_model),
            key: linear(self.d_key.unwrap_or(self.d_model), n_kv_heads * d_head),
            value: linear(self.d_value.unwrap_or(self.d_model), n_kv_heads * d_head),
            output: linear(self.d_model, self.d_model),
            dropout: DropoutConfig::new(self.dropout).init(),
            n_heads: self.n_heads,
            n_kv_heads,
            d_head,
            scale: self.scale.unwrap_or(1.0 / (d_head as f64).sqrt()),
            rotary: self.rotary(device),
            fast_path: self.fast_path,
        }
    }

    /// The rotary encoding, if configured.
    pub(crate) fn rotary(&self, device: &Device) -> Option<RotaryEncoding> {
        self.rotary_max_len
            .map(|max_len| RotaryEncodingConfig::new(max_len, self.d_model / self.n_heads).init(device))
    }
}

/// Multi-head attention; see the [module docs](self).
#[derive(Module, Debug)]
pub struct MultiHeadAttention {
    /// `W^Q`, `d_model -> d_model`.
    pub query: Linear,
    /// `W^K`, `d_key -> n_kv_heads * d_head`.
    pub key: Linear,
    /// `W^V`, `d_value -> n_kv_heads * d_head`.
    pub value: Linear,
    /// `W^O`, `d_model -> d_model`.
    pub output: Linear,
    /// Dropout on the weights.
    pub dropout: Dropout,
    /// Number of query heads.
    pub n_heads: usize,
    /// Number of key/value heads.
    pub n_kv_heads: usize,
    /// Width of one head.
    pub d_head: usize,
    /// Factor on the scores.
    pub scale: f64,
    /// Rotary position embeddings on queries and keys, if configured.
    pub rotary: Option<RotaryEncoding>,
    /// The weights-free path.
    #[module(skip)]
    pub fast_path: FastPath,
}

/// Whether a forward pass returns the attention weights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Weights {
    /// Return `[batch, n_heads, tgt_len, src_len]` weights (the explicit path).
    #[default]
    Return,
    /// Return none, which lets the computation take the fused path
    /// (`burn::tensor::module::attention`) when no dropout is active.
    Skip,
}

/// The input of [`MultiHeadAttention::forward`].
#[derive(Clone, Debug)]
pub struct MhaInput {
    /// `[batch, tgt_len, d_model]`.
    pub query: Tensor<3>,
    /// `[batch, src_len, d_key]`.
    pub key: Tensor<3>,
    /// `[batch, src_len, d_value]`.
    pub value: Tensor<3>,
    /// `true` = masked out; broadcasts to `[batch, tgt_len, src_len]`.
    pub mask: Option<Mask>,
    /// Whether to return the weights.
    pub weights: Weights,
}

impl MhaInput {
    /// Separate queries, keys and values.
    pub fn new(query: Tensor<3>, key: Tensor<3>, value: Tensor<3>) -> Self {
        Self {
            query,
            key,
            value,
            mask: None,
            weights: Weights::Return,
        }
    }

    /// Self-attention: every position of `x` attends to every position of `x`.
    pub fn self_attention(x: Tensor<3>) -> Self {
        Self::new(x.clone(), x.clone(), x)
    }

    /// Cross-attention: `x` attends to `memory` (keys and values).
    pub fn cross_attention(x: Tensor<3>, memory: Tensor<3>) -> Self {
        Self::new(x, memory.clone(), memory)
    }

    /// Adds a mask (`true` = masked out).
    pub fn mask(mut self, mask: Mask) -> Self {
        self.mask = Some(mask);
        self
    }

    /// Chooses whether the weights are returned.
    pub fn weights(mut self, weights: Weights) -> Self {
        self.weights = weights;
        self
    }
}

/// The output of [`MultiHeadAttention::forward`].
#[derive(Clone, Debug)]
pub struct MhaOutput {
    /// `[batch, tgt_len, d_model]`.
    pub context: Tensor<3>,
    /// Per head, `[batch, n_heads, tgt_len, src_len]`, when asked for.
    pub weights: Option<Tensor<4>>,
}

impl MhaOutput {
    /// The weights averaged over the heads, `[batch, tgt_len, src_len]`:
    /// PyTorch's `average_attn_weights=True`.
    pub fn weights_averaged(&self) -> Option<Tensor<3>> {
        self.weights.clone().map(|weights| weights.mean_dim(1).squeeze_dim(1))
    }
}

impl MultiHeadAttention {
    /// Attends.
    ///
    /// # Shapes
    ///
    /// - `query`: `[batch, tgt_len, d_model]`
    /// - `key`: `[batch, src_len, d_key]`
    /// - `value`: `[batch, src_len, d_value]`
    /// - `mask`: broadcasts to `[batch, tgt_len, src_len]`
    /// - `context`: `[batch, tgt_len, d_model]`;
    ///   `weights`: `[batch, n_heads, tgt_len, src_len]`
    ///
    /// # Panics
    ///
    /// If the shapes disagree; the message names the argument, the expected
    /// and the actual shape.
    ///
    /// # Example
    ///
    /// ```
    /// use attention_core::{Mask, MhaInput, MultiHeadAttentionConfig};
    /// use burn::prelude::*;
    /// let device = Device::default();
    /// let mha = MultiHeadAttentionConfig::new(8, 2).init(&device);
    /// let x = Tensor::<3>::ones([1, 3, 8], &device);
    /// let out = mha.forward(MhaInput::self_attention(x).mask(Mask::causal(3, 3, &device)));
    /// assert_eq!(out.context.dims(), [1, 3, 8]);
    /// assert_eq!(out.weights.unwrap().dims(), [1, 2, 3, 3]);
    /// ```
    pub fn forward(&self, input: MhaInput) -> MhaOutput {
        let context = "MultiHeadAttention::forward";
        let [batch, _, _] = self.check_query(context, &input.query);
        let (key, value) = self.project_memory(context, batch, input.key, input.value);
        let key = self.rotate(key, 0);
        self.attend(context, input.query, 0, key, value, input.mask, input.weights)
    }

    /// Rotates queries or keys `[batch, heads, len, d_head]` whose first
    /// position is `start`.
    fn rotate(&self, x: Tensor<4>, start: usize) -> Tensor<4> {
        match &self.rotary {
            Some(rotary) => rotary.apply(x, start),
            None => x,
        }
    }

    /// Attends with the keys and values of earlier calls kept in `cache`:
    /// incremental decoding, one or a few new positions at a time.
    ///
    /// With a [`KvCache::self_attention`] cache, `key` and `value` are the
    /// new positions, appended to the cache; a mask, if given, must cover all
    /// keys so far (`[batch | 1, tgt_len | 1, cache_len + new_len]`), e.g.
    /// `Mask::causal(new_len, cache_len + new_len)`. With a
    /// [`KvCache::cross_attention`] cache, the memory is projected on the
    /// first call and reused after.
    ///
    /// # Shapes
    ///
    /// As [`forward`](Self::forward), with `src_len` the cached length.
    ///
    /// # Panics
    ///
    /// If the shapes disagree with each other or with the cache.
    pub fn forward_cached(&self, input: MhaInput, cache: &mut KvCache) -> MhaOutput {
        let context = "MultiHeadAttention::forward_cached";
        let [batch, _, _] = self.check_query(context, &input.query);
        let start = if cache.mode == CacheMode::Append {
            cache.len()
        } else {
            0
        };
        let (key, value) = match (cache.mode, cache.key.take(), cache.value.take()) {
            (CacheMode::Fixed, Some(key), Some(value)) => (key, value),
            (mode, cached_key, cached_value) => {
                let (key, value) = self.project_memory(context, batch, input.key, input.value);
                let key = self.rotate(key, start);
                match (mode, cached_key, cached_value) {
                    (CacheMode::Append, Some(cached_key), Some(cached_value)) => {
                        assert_shape(
                            context,
                            "cache",
                            &cached_key.dims(),
                            &[
                                Axis::Is("batch", batch),
                                Axis::Is("n_kv_heads", self.n_kv_heads),
                                Axis::Any("cache_len"),
                                Axis::Is("d_head", self.d_head),
                            ],
                        );
                        (
                            Tensor::cat(vec![cached_key, key], 2),
                            Tensor::cat(vec![cached_value, value], 2),
                        )
                    }
                    _ => (key, value),
                }
            }
        };
        cache.key = Some(key.clone());
        cache.value = Some(value.clone());
        self.attend(context, input.query, start, key, value, input.mask, input.weights)
    }

    fn check_query(&self, context: &str, query: &Tensor<3>) -> [usize; 3] {
        let d_model = self.n_heads * self.d_head;
        assert_shape(
            context,
            "query",
            &query.dims(),
            &[Axis::Any("batch"), Axis::Any("tgt_len"), Axis::Is("d_model", d_model)],
        );
        query.dims()
    }

    /// Projects keys and values into heads: `[batch, n_kv_heads, src_len, d_head]` each.
    fn project_memory(&self, context: &str, batch: usize, key: Tensor<3>, value: Tensor<3>) -> (Tensor<4>, Tensor<4>) {
        let [d_key, _] = self.key.weight.dims();
        let [d_value, _] = self.value.weight.dims();
        assert_shape(
            context,
            "key",
            &key.dims(),
            &[Axis::Is("batch", batch), Axis::Any("src_len"), Axis::Is("d_key", d_key)],
        );
        let [_, src_len, _] = key.dims();
        assert_shape(
            context,
            "value",
            &value.dims(),
            &[
                Axis::Is("batch", batch),
                Axis::Is("src_len", src_len),
                Axis::Is("d_value", d_value),
            ],
        );
        let key = self.split_heads(crate::linear(&self.key, key), self.n_kv_heads);
        let value = self.split_heads(crate::linear(&self.value, value), self.n_kv_heads);
        (key, value)
    }

    /// `[batch, len, heads * d_head]` to `[batch, heads, len, d_head]`.
    fn split_heads(&self, x: Tensor<3>, heads: usize) -> Tensor<4> {
        let [batch, len, _] = x.dims();
        x.reshape([batch, len, heads, self.d_head]).swap_dims(1, 2)
    }

    /// Projects the queries (the first at position `query_start`) and attends
    /// over keys and values already split into heads.
    #[allow(clippy::too_many_arguments)] // private: one call per public entry point
    fn attend(
        &self,
        context: &str,
        query: Tensor<3>,
        query_start: usize,
        key: Tensor<4>,
        value: Tensor<4>,
        mask: Option<Mask>,
        weights: Weights,
    ) -> MhaOutput {
        let [batch, tgt_len, d_model] = query.dims();
        let [_, _, src_len, _] = key.dims();
        let query = self.split_heads(crate::linear(&self.query, query), self.n_heads); // [batch, n_heads, tgt_len, d_head]
        let query = self.rotate(query, query_start);
        let mask: Option<Tensor<4, Bool>> = mask.map(|mask| {
            mask.expand_to(context, [batch, tgt_len, src_len])
                .unsqueeze_dim::<4>(1)
                .expand([batch, self.n_heads, tgt_len, src_len])
        });
        let dropout_active =
            self.dropout.prob > 0.0 && self.dropout.training.is_enabled() && query.device().is_autodiff();
        let (heads, weights) = if weights == Weights::Skip && !dropout_active {
            let heads = match self.fast_path {
                FastPath::Fused => sdpa::fused(query, key, value, mask, self.scale),
                FastPath::MemoryEfficient { block } => {
                    sdpa::memory_efficient(query, key, value, mask, self.scale, block)
                }
            };
            (heads, None)
        } else {
            let (heads, weights) = sdpa::explicit(query, key, value, mask, self.scale, |w| self.dropout.forward(w));
            (heads, Some(weights))
        };
        let heads = heads.swap_dims(1, 2).reshape([batch, tgt_len, d_model]); // [batch, tgt_len, d_model]
        MhaOutput {
            context: crate::linear(&self.output, heads),
            weights,
        }
    }
}
