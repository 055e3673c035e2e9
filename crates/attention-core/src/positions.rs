//! Position information for attention, which by itself ignores order
//! (self-attention without positions is permutation-equivariant).
//!
//! | kind | how | paper |
//! |---|---|---|
//! | [`PositionKind::Sinusoidal`] | add fixed sines and cosines to the embeddings | Vaswani et al. 2017, 3.5 |
//! | [`PositionKind::Learned`] | add a learned vector per position | Gehring et al. 2017; BERT |
//! | [`PositionKind::Rotary`] | rotate each head's queries and keys by position | Su et al. 2021 (RoFormer) |
//!
//! Rotary positions live inside [`MultiHeadAttention`](crate::MultiHeadAttention)
//! (`MultiHeadAttentionConfig::rotary_max_len`); the other two are
//! [`AbsolutePositions`], added to the input.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, PositionalEncoding, PositionalEncodingConfig};
use burn::prelude::*;
use burn::tensor::Int;
use serde::{Deserialize, Serialize};

/// Which position information a transformer uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PositionKind {
    /// None: the model sees a bag of tokens.
    None,
    /// Fixed sinusoids added to the embeddings.
    Sinusoidal,
    /// A learned vector per position added to the embeddings.
    Learned,
    /// Rotary embeddings on each head's queries and keys.
    Rotary,
}

/// Positions added to the input: sinusoidal or learned.
#[derive(Module, Debug)]
// One per model: boxing would only add an indirection.
#[allow(clippy::large_enum_variant)]
pub enum AbsolutePositions {
    /// Fixed sinusoids.
    Sinusoidal(PositionalEncoding),
    /// One learned vector per position.
    Learned(Embedding),
}

impl AbsolutePositions {
    /// The added positions of `kind` for sequences up to `max_len`, or `None`
    /// for [`PositionKind::None`] and [`PositionKind::Rotary`].
    pub fn new(kind: PositionKind, max_len: usize, d_model: usize, device: &Device) -> Option<Self> {
        match kind {
            PositionKind::Sinusoidal => Some(AbsolutePositions::Sinusoidal(
                PositionalEncodingConfig::new(d_model)
                    .with_max_sequence_size(max_len)
                    .init(device),
            )),
            PositionKind::Learned => Some(AbsolutePositions::Learned(
                EmbeddingConfig::new(max_len, d_model).init(device),
            )),
            PositionKind::None | PositionKind::Rotary => None,
        }
    }

    /// Adds the positions `start..start + len` to `x`.
    ///
    /// # Shapes
    ///
    /// - `x`: `[batch, len, d_model]`; output: the same
    ///
    /// # Panics
    ///
    /// If `start + len` exceeds the maximum length.
    pub fn forward(&self, x: Tensor<3>, start: usize) -> Tensor<3> {
        let [batch, len, d_model] = x.dims();
        let positions = match self {
            AbsolutePositions::Sinusoidal(encoding) => {
                let [_, max_len, _] = encoding.sinusoids.dims();
                check(start + len, max_len);
                encoding.sinusoids.clone().slice([0..1, start..start + len, 0..d_model]) // [1, len, d_model]
            }
            AbsolutePositions::Learned(embedding) => {
                let [max_len, _] = embedding.weight.dims();
                check(start + len, max_len);
                let index = Tensor::<1, Int>::arange(start as i64..(start + len) as i64, &x.device());
                embedding.forward(index.unsqueeze_dim(0)) // [1, len, d_model]
            }
        };
        x + positions.expand([batch, len, d_model])
    }
}

fn check(end: usize, max_len: usize) {
    assert!(
        end <= max_len,
        "AbsolutePositions::forward: position {} is past the maximum length {max_len}",
        end - 1
    );
}
