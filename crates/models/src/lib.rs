//! Models built on `attention-core`: the article's RNN encoder-decoder
//! translator with every decoder attention it describes, the encoder-only
//! transformer and the encoder-decoder transformer.
//!
//! Shapes use the vocabulary of `attention_core` (`batch`, `src_len`,
//! `tgt_len`, `d_model`, `vocab`, ...) and its mask polarity (`true` =
//! masked out). See `docs/models.md`.

#![warn(missing_docs)]

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::tensor::Int;

pub mod decoding;
pub mod encoder_transformer;
pub mod interop;
pub mod recurrent;
pub mod rnn_seq2seq;
pub mod seq2seq_transformer;
pub mod word_vectors;

pub use decoding::{BeamConfig, LengthNorm, Special, StepDecoder, Translate, Translation};
pub use encoder_transformer::{EncoderOutput, EncoderTransformer, EncoderTransformerConfig, NgramHash, Pooling};
pub use recurrent::{CellKind, Recurrent, RnnState};
pub use rnn_seq2seq::{
    DecoderAttention, Direction, EncoderSelfAttention, InputFeeding, LuongScore, RnnSeq2Seq, RnnSeq2SeqConfig,
    Seq2SeqOutput, TeacherForcing,
};
pub use seq2seq_transformer::{
    EmbeddingSharing, TransformerOutput, TransformerSeq2Seq, TransformerSeq2SeqConfig, TransformerState,
};

/// Mean cross-entropy over the target tokens that are not `pad`.
///
/// # Shapes
///
/// - `logits`: `[batch, tgt_len, vocab]`; `targets`: `[batch, tgt_len]`
pub fn sequence_loss(logits: Tensor<3>, targets: Tensor<2, Int>, pad: usize) -> Tensor<1> {
    let [batch, tgt_len, vocab] = logits.dims();
    let loss = CrossEntropyLossConfig::new()
        .with_pad_tokens(Some(vec![pad]))
        .init(&logits.device());
    loss.forward(
        logits.reshape([batch * tgt_len, vocab]),
        targets.reshape([batch * tgt_len]),
    )
}

/// Whether pre-trained parameters keep training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trainable {
    /// They are updated with the rest.
    Yes,
    /// They are frozen.
    No,
}

/// What went wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A configuration value is invalid.
    #[error("{config}: invalid `{field}`: {reason}")]
    Config {
        /// The configuration type.
        config: &'static str,
        /// The offending field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A file could not be read or parsed.
    #[error("{path}{}: {reason}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    File {
        /// The file.
        path: String,
        /// The 1-based line, where one is to blame.
        line: Option<usize>,
        /// What was wrong.
        reason: String,
    },
    /// An error from `attention-core`.
    #[error(transparent)]
    Attention(#[from] attention_core::AttentionError),
}
