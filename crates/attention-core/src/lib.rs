//! Every variant of the attention mechanism, on Burn, for any backend.
//!
//! Attention computes, for each query, **soft weights** over a set of keys
//! (non-negative, summing to one, computed at run time) and returns the
//! weighted average of the values, the **context**. Library code here takes a
//! [`Device`](burn::prelude::Device) and tensors and never names a backend;
//! programs pick one (the `attn` program's `trainer::device`, by name).
//!
//! # Vocabulary
//!
//! Shapes use these axis names everywhere in the workspace:
//!
//! | name | meaning |
//! |---|---|
//! | `batch` | sequences processed together |
//! | `tgt_len` | number of queries (the decoder side, the output words) |
//! | `src_len` | number of keys and values (the encoder side, the input words) |
//! | `d_model` | width of a model's hidden vectors |
//! | `d_query`, `d_key`, `d_value` | widths of query, key and value vectors |
//! | `n_heads`, `n_kv_heads` | query heads; key/value heads |
//! | `d_head` | width of one head, `d_model / n_heads` |
//! | `vocab` | vocabulary size |
//!
//! The article's legend: `H` is the matrix of source (encoder) states, one
//! per column; `s` is the decoder state that queries them; `w` is the weight
//! vector, `c = H w` the context. Here `H` is `keys` (and `values`)
//! `[batch, src_len, d]`, `s` is `query` `[batch, tgt_len, d]`, `w` is
//! `weights` `[batch, tgt_len, src_len]` and `c` is `context`.
//!
//! # Mask polarity
//!
//! **`true` = masked out**: the query may not attend to that key. This is
//! Burn's and `torch.nn.MultiheadAttention`'s polarity, used by every mask in
//! the workspace (see [`Mask`]). A query with every key masked gets zero
//! weights and a zero context, never NaN.
//!
//! # Pieces
//!
//! - [`score`]: dot, scaled dot, general, concat, additive, fully connected
//!   (FC, the PyTorch tutorial's; Luong's location form).
//! - [`normalize`]: soft (softmax with temperature), hard (one-hot, with a
//!   straight-through gradient), sparsemax.
//! - [`AttentionUnit`]: score, mask, normalise, `c = V w`.
//! - [`MultiHeadAttention`]: query-key-value attention with learned
//!   projections, several heads, grouped key/value heads, self or cross,
//!   with fast paths ([`sdpa`]: Burn's fused kernel, or memory-efficient
//!   attention whose training memory grows linearly with the length) and a
//!   [`KvCache`].
//! - [`positions`]: sinusoidal, learned and rotary positions.
//! - [`block`]: transformer encoder and decoder blocks (pre- or post-norm).
//! - [`interop`]: weights from `torch.nn.MultiheadAttention` and
//!   `torch.nn.TransformerEncoderLayer`.
//!
//! # Features
//!
//! None by default: programs pick a backend. Each feature (`flex`, `wgpu`, `ndarray`) turns on
//! that Burn backend and builds this crate's backend extensions for it: on flex the CPU kernels
//! (the attention kernel behind both of [`FastPath`]'s variants, [`tanh()`] and [`sigmoid()`]
//! vectorised, [`layer_norm()`]'s fused backward), on wgpu and ndarray memory-efficient attention
//! written with tensor operations. On a backend that Burn has but this build of the crate has
//! no feature for (a program that enables `burn/flex` itself, say), nothing panics: each
//! extension computes the same function with Burn's own operations, and
//! [`FastPath::MemoryEfficient`] runs explicit attention, whose memory then grows with the
//! square of the length. See `docs/attention.md`, "Choosing a device".
//!
//! # The article's five layouts
//!
//! Each in a few lines. `H` holds the encoder's states, `s` the decoder's.
//!
//! ```
//! use attention_core::*;
//! use burn::prelude::*;
//! let device = Device::default();
//! let [batch, src_len, tgt_len, d] = [2, 5, 3, 8];
//! let h = Tensor::<3>::ones([batch, src_len, d], &device); // encoder states H
//! let s = Tensor::<3>::ones([batch, tgt_len, d], &device); // decoder states s
//!
//! // 1. Encoder-decoder dot: w = softmax(H^T s), c = H w.
//! let unit = AttentionUnitConfig::new(ScoreConfig::dot()).init(&device);
//! let out = unit.forward(AttentionInput::cross_attention(s.clone(), h.clone()));
//! assert_eq!(out.weights.dims(), [batch, tgt_len, src_len]);
//!
//! // 2. Encoder-decoder QKV: learned W_Q on s, W_K and W_V on H.
//! let qkv = MultiHeadAttentionConfig::new(d, 1).init(&device);
//! let out = qkv.forward(MhaInput::cross_attention(s.clone(), h.clone()));
//! assert_eq!(out.context.dims(), [batch, tgt_len, d]);
//!
//! // 3. Encoder-only dot: w_ij = x_i . x_j.
//! let out = unit.forward(AttentionInput::self_attention(h.clone()));
//! assert_eq!(out.weights.dims(), [batch, src_len, src_len]);
//!
//! // 4. Encoder-only QKV: self-attention with learned projections.
//! let out = qkv.forward(MhaInput::self_attention(h.clone()));
//! assert_eq!(out.weights.unwrap().dims(), [batch, 1, src_len, src_len]);
//!
//! // 5. The PyTorch tutorial's FC attention: a linear layer computes the
//! //    weights from [embedded input; hidden state], over max_len positions.
//! let (d_embed, max_len) = (4, 10);
//! let fc = AttentionUnitConfig::new(ScoreConfig::Fc(FcScoreConfig::new(d_embed + d, max_len)))
//!     .init(&device);
//! let embedded = Tensor::<3>::ones([batch, 1, d_embed], &device);
//! let query = Tensor::cat(vec![embedded, s.clone().narrow(1, 0, 1)], 2);
//! let out = fc.forward(AttentionInput::cross_attention(query, h));
//! assert_eq!(out.context.dims(), [batch, 1, d]);
//! ```
//!
//! Bahdanau's and Luong's decoders differ in which state queries (the
//! previous one or the current one) and in the score; the `models` crate
//! builds both from these pieces. See `docs/attention.md` for each variant's
//! equation.

#![warn(missing_docs)]

pub mod block;
pub mod cache;
pub mod error;
mod extension;
mod flash;
mod heads;
pub mod interop;
mod layer_norm;
mod linear;
pub mod mask;
pub mod mha;
pub mod normalize;
pub mod positions;
pub mod score;
pub mod sdpa;
mod tanh;
pub mod unit;
#[cfg(feature = "flex")]
mod vector;

pub use block::{
    DecoderBlock, DecoderBlockCache, EncoderBlock, FeedForwardActivation, NormPlacement, TransformerBlockConfig,
};
pub use cache::KvCache;
pub use error::AttentionError;
pub use layer_norm::layer_norm;
pub use linear::linear;
pub use mask::Mask;
pub use mha::{FastPath, MhaInput, MhaOutput, MultiHeadAttention, MultiHeadAttentionConfig, Weights};
pub use normalize::{HardGradient, Normalizer};
pub use positions::{AbsolutePositions, PositionKind};
pub use score::{
    AdditiveScore, AdditiveScoreConfig, ConcatScore, ConcatScoreConfig, DotScore, DotScoreConfig, FcScore,
    FcScoreConfig, GeneralScore, GeneralScoreConfig, Scaling, Score, ScoreConfig,
};
pub use tanh::{sigmoid, tanh};
pub use unit::{AttentionInput, AttentionOutput, AttentionUnit, AttentionUnitConfig};
