//! Models built on `attention-core`: the article's RNN encoder-decoder
//! translator with every decoder attention it describes.
//!
//! Shapes use the vocabulary of `attention_core` (`batch`, `src_len`,
//! `tgt_len`, `d_model`, `vocab`, ...) and its mask polarity (`true` =
//! masked out). See `docs/models.md`.

#![warn(missing_docs)]

pub mod decoding;
pub mod recurrent;
pub mod rnn_seq2seq;
pub mod word_vectors;

pub use decoding::{BeamConfig, Special, StepDecoder, Translation};
pub use recurrent::{CellKind, Recurrent, RnnState};
pub use rnn_seq2seq::{
    DecoderAttention, Direction, EncoderSelfAttention, InputFeeding, LuongScore, RnnSeq2Seq, RnnSeq2SeqConfig,
    Seq2SeqOutput, TeacherForcing,
};

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
