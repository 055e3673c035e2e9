//! The article's translator: an RNN encoder-decoder with attention.
//!
//! ```text
//! source tokens ─ embedding ─ GRU/LSTM (→ and ← if bidirectional) ─ H = [h_1 .. h_S]
//!                                 (optional self-attention over H: H + Attend(H, H))
//! for each output position i:
//!   Bahdanau:  c_i = Attend(s_{i-1}, H);  s_i = RNN([y_{i-1}; c_i], s_{i-1});  p_i = softmax(W_o s_i)
//!   Luong:     s_i = RNN([y_{i-1}; h~_{i-1}], s_{i-1});  c_i = Attend(s_i, H)
//!              h~_i = tanh(W_c [c_i; s_i]);  p_i = softmax(W_o h~_i)      (h~ fed back: input feeding)
//!   QKV:       as Luong, with multi-head attention's learned projections
//!   FC:        w_i = softmax((W_a [y_{i-1}; s_{i-1}] + b)[..S]);  c_i = H w_i    (the PyTorch tutorial)
//!              s_i = RNN(relu(W_comb [y_{i-1}; c_i]), s_{i-1});  p_i = softmax(W_o s_i)
//! ```
//!
//! The decoder is the article's "2-layer decoder": one recurrent layer, then
//! a linear layer (`generator`) to the target vocabulary. Source padding is
//! masked in every attention, and the loss ignores target padding. With
//! [`dropout`](RnnSeq2SeqConfig::dropout) above 0, training drops units of
//! both embeddings and of the generator's input (`s_i`, or `h~_i`). See
//! `docs/models.md`.
//!
//! # Example
//!
//! ```
//! use burn::prelude::*;
//! use models::{DecoderAttention, RnnSeq2SeqConfig, TeacherForcing, Translate};
//! let device = Device::default();
//! // Tiny sizes; `RnnSeq2SeqConfig::article()` has the article's.
//! let model = RnnSeq2SeqConfig::new(20, 20)
//!     .with_d_embed(8)
//!     .with_d_hidden(16)
//!     .with_attention(DecoderAttention::Bahdanau)
//!     .init(&device);
//! let source = Tensor::<2, Int>::from_ints([[4, 5, 6], [7, 8, 0]], &device); // 0 pads
//! let target_input = Tensor::<2, Int>::from_ints([[1, 6, 5, 4], [1, 8, 7, 0]], &device);
//! let out = model.forward(source.clone(), &[3, 2], target_input, TeacherForcing::Always);
//! assert_eq!(out.logits.dims(), [2, 4, 20]); // [batch, tgt_len, tgt_vocab]
//! assert_eq!(out.attention.dims(), [2, 4, 3]); // [batch, tgt_len, src_len]
//! let translations = model.translate_greedy(source, &[3, 2]);
//! assert!(translations.iter().all(|t| t.attention.len() == t.tokens.len()));
//! ```

use attention_core::{
    AdditiveScore, AdditiveScoreConfig, AttentionInput, AttentionUnit, AttentionUnitConfig, ConcatScoreConfig,
    FcScoreConfig, GeneralScoreConfig, Mask, MhaInput, MultiHeadAttention, MultiHeadAttentionConfig, Normalizer,
    ScoreConfig, Weights,
};
use burn::module::{Module, Param};
use burn::nn::{DropoutConfig, Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::{Bool, Distribution, Int};
use serde::{Deserialize, Serialize};

use crate::ModelError;
use crate::decoding::{Special, StepDecoder, Translate};
use crate::recurrent::{CellKind, Recurrent, RnnState, reverse_within_lengths};

/// Whether the encoder reads the source in one or both directions
/// (`"forward"`, `"bidirectional"` in configs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Left to right.
    Forward,
    /// Left to right and right to left, states concatenated (Bahdanau 2014).
    Bidirectional,
}

/// Luong's score functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LuongScore {
    /// `s^T h`: needs the decoder and encoder states to have one width.
    Dot,
    /// `s^T W_a h`.
    General,
    /// `v^T tanh(W_a [s; h])`.
    Concat,
}

/// Whether Luong's attentional state `h~_{i-1}` is fed into the next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputFeeding {
    /// `RNN([y_{i-1}; h~_{i-1}], s_{i-1})` (Luong 2015, section 3.3).
    On,
    /// `RNN(y_{i-1}, s_{i-1})`.
    Off,
}

/// The decoder's attention: which state queries, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecoderAttention {
    /// Bahdanau et al. 2014: the previous state queries with the additive
    /// score; the context joins the recurrent input.
    Bahdanau,
    /// Luong et al. 2015: the current state queries; the output comes from
    /// the attentional state `tanh(W_c [c; s])`.
    Luong {
        /// The score.
        score: LuongScore,
        /// Input feeding.
        input_feeding: InputFeeding,
    },
    /// The article's encoder-decoder QKV layout: as Luong with input feeding
    /// (always on), with multi-head attention's learned query, key and value
    /// projections and its softmax.
    Qkv {
        /// Number of heads; must divide `d_hidden`.
        n_heads: usize,
    },
    /// The PyTorch tutorial's `AttnDecoderRNN`: a linear layer computes the
    /// weights from the input embedding and the previous state, over
    /// `max_len` positions.
    Fc,
}

/// Self-attention over the encoder states, the article's encoder-only
/// layouts, added to them: `H' = H + Attend(H, H)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EncoderSelfAttention {
    /// No self-attention.
    None,
    /// `w_ij = softmax_j(h_i . h_j)`.
    Dot,
    /// Multi-head self-attention with learned projections.
    Qkv {
        /// Number of heads; must divide the encoder's output width.
        n_heads: usize,
    },
}

/// How often the decoder is fed the gold previous token in training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum TeacherForcing {
    /// Always the gold token.
    Always,
    /// The gold token with this probability, otherwise the model's own
    /// prediction; drawn independently for every sentence at every step,
    /// from the device's generator (`device.seed`).
    Ratio(f64),
    /// Always the model's prediction (free running).
    Never,
}

/// Configuration of [`RnnSeq2Seq`].
#[derive(Config, Debug)]
pub struct RnnSeq2SeqConfig {
    /// Source vocabulary size.
    pub src_vocab: usize,
    /// Target vocabulary size.
    pub tgt_vocab: usize,
    /// Width of the word embeddings. Default: 300, as the article.
    #[config(default = 300)]
    pub d_embed: usize,
    /// Width of the recurrent states. Default: 500, as the article.
    #[config(default = 500)]
    pub d_hidden: usize,
    /// The recurrent cell. Default: GRU.
    #[config(default = "CellKind::Gru")]
    pub cell: CellKind,
    /// Encoder direction. Default: forward.
    #[config(default = "Direction::Forward")]
    pub direction: Direction,
    /// The decoder's attention. Default: Bahdanau.
    #[config(default = "DecoderAttention::Bahdanau")]
    pub attention: DecoderAttention,
    /// From scores to weights, in the score-based attentions (Bahdanau,
    /// Luong, FC, encoder dot); the QKV ones always use softmax. Default:
    /// softmax.
    #[config(default = "Normalizer::SOFTMAX")]
    pub normalizer: Normalizer,
    /// Self-attention over the encoder states. Default: none.
    #[config(default = "EncoderSelfAttention::None")]
    pub encoder_self_attention: EncoderSelfAttention,
    /// The longest source (the FC attention's width) and the longest output
    /// decoded. Default: 100 words, as the article.
    #[config(default = 100)]
    pub max_len: usize,
    /// Padding token id, in both vocabularies. Default: 0.
    #[config(default = 0)]
    pub pad: usize,
    /// Start-of-sentence token id. Default: 1.
    #[config(default = 1)]
    pub bos: usize,
    /// End-of-sentence token id. Default: 2.
    #[config(default = 2)]
    pub eos: usize,
    /// Dropout probability, in `[0, 1)`, where OpenNMT-py's RNN translator
    /// applies it: on the source and target embeddings, and on the decoder's
    /// output before the generator (for Luong's and QKV's attentions the
    /// attentional state `h~_i`, which input feeding passes on as it is).
    /// Active only in training, on an autodiff device, as Burn's
    /// [`Dropout`](burn::nn::Dropout). Default: 0 (off).
    #[config(default = 0.0)]
    pub dropout: f64,
}

impl RnnSeq2SeqConfig {
    /// The article's sizes: 300-wide embeddings, 500-wide states, sentences
    /// up to 100 words, 10k-word vocabularies (the article gives the
    /// target's; the source's is set to match).
    pub fn article() -> Self {
        Self::new(10_000, 10_000)
    }

    /// Width of the encoder states `H`.
    pub fn d_encoder(&self) -> usize {
        match self.direction {
            Direction::Forward => self.d_hidden,
            Direction::Bidirectional => 2 * self.d_hidden,
        }
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// A size is zero, a special token is outside a vocabulary, a head count
    /// does not divide its width, Luong's dot score is asked of states of
    /// different widths, or the dropout is outside `[0, 1)`.
    pub fn validate(&self) -> Result<(), ModelError> {
        let error = |field: &'static str, reason: String| {
            Err(ModelError::Config {
                config: "RnnSeq2SeqConfig",
                field,
                reason,
            })
        };
        for (field, value) in [
            ("src_vocab", self.src_vocab),
            ("tgt_vocab", self.tgt_vocab),
            ("d_embed", self.d_embed),
            ("d_hidden", self.d_hidden),
            ("max_len", self.max_len),
        ] {
            if value == 0 {
                return error(field, "must be at least 1, got 0".into());
            }
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return error("dropout", format!("must be in [0, 1), got {}", self.dropout));
        }
        for (field, id) in [("pad", self.pad), ("bos", self.bos), ("eos", self.eos)] {
            if id >= self.src_vocab.min(self.tgt_vocab) {
                return error(
                    field,
                    format!(
                        "token id {id} is outside the vocabularies ({} source, {} target)",
                        self.src_vocab, self.tgt_vocab
                    ),
                );
            }
        }
        match self.attention {
            DecoderAttention::Luong {
                score: LuongScore::Dot, ..
            } if self.d_encoder() != self.d_hidden => {
                return error(
                    "attention",
                    format!(
                        "Luong's dot score needs encoder states as wide as the decoder's ({} vs {}); use General or a forward encoder",
                        self.d_encoder(),
                        self.d_hidden
                    ),
                );
            }
            DecoderAttention::Qkv { n_heads } if n_heads == 0 || !self.d_hidden.is_multiple_of(n_heads) => {
                return error(
                    "attention",
                    format!("n_heads={n_heads} must divide d_hidden={}", self.d_hidden),
                );
            }
            _ => {}
        }
        if let EncoderSelfAttention::Qkv { n_heads } = self.encoder_self_attention
            && (n_heads == 0 || !self.d_encoder().is_multiple_of(n_heads))
        {
            return error(
                "encoder_self_attention",
                format!("n_heads={n_heads} must divide the encoder width {}", self.d_encoder()),
            );
        }
        self.normalizer.validate().map_err(ModelError::from)
    }

    /// The model, freshly initialised.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init(&self, device: &Device) -> RnnSeq2Seq {
        if let Err(error) = self.validate() {
            panic!("{error}");
        }
        let (d_enc, d_hid, d_emb) = (self.d_encoder(), self.d_hidden, self.d_embed);
        let linear = |d_in, d_out| LinearConfig::new(d_in, d_out).init(device);
        let unit = |score: ScoreConfig| {
            AttentionUnitConfig::new(score)
                .with_normalizer(self.normalizer)
                .init(device)
        };
        let (attention, d_rnn_input) = match self.attention {
            DecoderAttention::Bahdanau => (
                DecoderAttentionModule::Bahdanau(BahdanauAttention {
                    score: AdditiveScoreConfig::new(d_hid, d_enc, d_hid).init(device),
                    normalizer: self.normalizer,
                }),
                d_emb + d_enc,
            ),
            DecoderAttention::Luong { score, input_feeding } => {
                let score = match score {
                    LuongScore::Dot => ScoreConfig::dot(),
                    LuongScore::General => ScoreConfig::General(GeneralScoreConfig::new(d_hid, d_enc)),
                    LuongScore::Concat => ScoreConfig::Concat(ConcatScoreConfig::new(d_hid, d_enc, d_hid)),
                };
                let d_input = match input_feeding {
                    InputFeeding::On => d_emb + d_hid,
                    InputFeeding::Off => d_emb,
                };
                (
                    DecoderAttentionModule::Luong(LuongAttention {
                        unit: unit(score),
                        combine: linear(d_enc + d_hid, d_hid),
                        input_feeding,
                    }),
                    d_input,
                )
            }
            DecoderAttention::Qkv { n_heads } => (
                DecoderAttentionModule::Qkv(QkvAttention {
                    mha: MultiHeadAttentionConfig::new(d_hid, n_heads)
                        .with_d_key(Some(d_enc))
                        .with_d_value(Some(d_enc))
                        .init(device),
                    combine: linear(2 * d_hid, d_hid),
                }),
                d_emb + d_hid,
            ),
            DecoderAttention::Fc => (
                DecoderAttentionModule::Fc(FcAttention {
                    unit: unit(ScoreConfig::Fc(FcScoreConfig::new(d_emb + d_hid, self.max_len))),
                    combine: linear(d_emb + d_enc, d_emb),
                }),
                d_emb,
            ),
        };
        let self_attention = match self.encoder_self_attention {
            EncoderSelfAttention::None => None,
            EncoderSelfAttention::Dot => Some(EncoderSelfAttentionModule::Dot(unit(ScoreConfig::dot()))),
            EncoderSelfAttention::Qkv { n_heads } => Some(EncoderSelfAttentionModule::Qkv(
                MultiHeadAttentionConfig::new(d_enc, n_heads).init(device),
            )),
        };
        RnnSeq2Seq {
            source_embedding: EmbeddingConfig::new(self.src_vocab, d_emb).init(device),
            encoder_forward: Recurrent::new(self.cell, d_emb, d_hid, device),
            encoder_backward: (self.direction == Direction::Bidirectional)
                .then(|| Recurrent::new(self.cell, d_emb, d_hid, device)),
            self_attention,
            bridge: (d_enc != d_hid).then(|| linear(d_enc, d_hid)),
            target_embedding: EmbeddingConfig::new(self.tgt_vocab, d_emb).init(device),
            decoder: Recurrent::new(self.cell, d_rnn_input, d_hid, device),
            attention,
            generator: linear(d_hid, self.tgt_vocab),
            max_len: self.max_len,
            pad: self.pad,
            bos: self.bos,
            eos: self.eos,
            dropout: self.dropout,
        }
    }
}

/// The decoder's attention: one variant per [`DecoderAttention`], each holding
/// exactly the layers it uses.
#[derive(Module, Debug)]
// One value per model: boxing would only add an indirection.
#[allow(clippy::large_enum_variant)]
pub enum DecoderAttentionModule {
    /// Bahdanau's additive attention, queried by the previous state.
    Bahdanau(BahdanauAttention),
    /// Luong's attention, queried by the current state, and its `W_c`.
    Luong(LuongAttention),
    /// Multi-head QKV attention, queried by the current state, and its `W_c`.
    Qkv(QkvAttention),
    /// The PyTorch tutorial's fully connected attention and its `attn_combine`.
    Fc(FcAttention),
}

/// Bahdanau et al. 2014: `e_ij = v^T tanh(W_a s_{i-1} + U_a h_j)`.
#[derive(Module, Debug)]
pub struct BahdanauAttention {
    /// The additive score; `U_a H` is computed once per sentence ([`Memory`]).
    pub score: AdditiveScore,
    /// From scores to weights.
    #[module(skip)]
    pub normalizer: Normalizer,
}

/// Luong et al. 2015: `c_i = Attend(s_i, H)`, `h~_i = tanh(W_c [c_i; s_i])`.
#[derive(Module, Debug)]
pub struct LuongAttention {
    /// The score (dot, general or concat) and its normalizer.
    pub unit: AttentionUnit,
    /// `W_c`, from `[c_i; s_i]` to the attentional state.
    pub combine: Linear,
    /// Whether `h~_{i-1}` joins the next step's input; the decoder's
    /// recurrent layer was built for that input width.
    #[module(skip)]
    pub input_feeding: InputFeeding,
}

/// The article's encoder-decoder QKV layout: as Luong, with multi-head
/// attention's projections.
#[derive(Module, Debug)]
pub struct QkvAttention {
    /// Multi-head attention, the decoder state querying the encoder states.
    pub mha: MultiHeadAttention,
    /// `W_c`, from `[c_i; s_i]` to the attentional state.
    pub combine: Linear,
}

/// The PyTorch tutorial's `AttnDecoderRNN`: `w_i = softmax(attn([y_{i-1}; s_{i-1}]))`,
/// `c_i = H w_i`, the recurrent input `relu(attn_combine([y_{i-1}; c_i]))`.
#[derive(Module, Debug)]
pub struct FcAttention {
    /// The tutorial's `attn`, as a fully connected score over `max_len` positions.
    pub unit: AttentionUnit,
    /// The tutorial's `attn_combine`.
    pub combine: Linear,
}

/// Self-attention over the encoder states, the article's encoder-only
/// layouts: `H' = H + Attend(H, H)`.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum EncoderSelfAttentionModule {
    /// `w_ij = softmax_j(h_i . h_j)`.
    Dot(AttentionUnit),
    /// Multi-head self-attention with learned projections.
    Qkv(MultiHeadAttention),
}

impl DecoderAttentionModule {
    /// Whether the attentional state `h~_{i-1}` joins the next step's input:
    /// Luong with input feeding, and QKV, which always feeds it.
    fn feeds_back(&self) -> bool {
        matches!(
            self,
            DecoderAttentionModule::Luong(LuongAttention {
                input_feeding: InputFeeding::On,
                ..
            }) | DecoderAttentionModule::Qkv(_)
        )
    }
}

impl EncoderSelfAttentionModule {
    /// `Attend(H, H)`, `[batch, src_len, d_encoder]`.
    fn attend(&self, states: Tensor<3>, mask: &Mask) -> Tensor<3> {
        match self {
            EncoderSelfAttentionModule::Dot(unit) => {
                unit.forward(AttentionInput::self_attention(states).mask(mask.clone()))
                    .context
            }
            EncoderSelfAttentionModule::Qkv(mha) => {
                mha.forward(MhaInput::self_attention(states).mask(mask.clone())).context
            }
        }
    }
}

/// How release 0.1.0 named the parameters that this release moved, for a
/// model of this `attention` and `self_attention`: `(old prefix, new prefix)`
/// pairs of record paths. That release kept the decoder's attention as an
/// `AttentionUnit` or `MultiHeadAttention` (`attention.Unit.`,
/// `attention.Mha.`) beside an optional `combine` layer, and the fully
/// connected score as `Location`; this one keeps each variant's layers
/// together ([`DecoderAttentionModule`]). The weights are the same.
///
/// # Example
///
/// ```
/// use models::{DecoderAttention, EncoderSelfAttention};
/// use models::rnn_seq2seq::release_0_1_paths;
/// let paths = release_0_1_paths(DecoderAttention::Bahdanau, EncoderSelfAttention::None);
/// assert_eq!(paths, [("attention.Unit.score.Additive.", "attention.Bahdanau.score.")]);
/// ```
pub fn release_0_1_paths(
    attention: DecoderAttention,
    self_attention: EncoderSelfAttention,
) -> Vec<(&'static str, &'static str)> {
    let mut paths = match attention {
        DecoderAttention::Bahdanau => vec![("attention.Unit.score.Additive.", "attention.Bahdanau.score.")],
        DecoderAttention::Luong { .. } => vec![
            ("attention.Unit.", "attention.Luong.unit."),
            ("combine.", "attention.Luong.combine."),
        ],
        DecoderAttention::Qkv { .. } => vec![
            ("attention.Mha.", "attention.Qkv.mha."),
            ("combine.", "attention.Qkv.combine."),
        ],
        DecoderAttention::Fc => vec![
            ("attention.Unit.score.Location.", "attention.Fc.unit.score.Fc."),
            ("combine.", "attention.Fc.combine."),
        ],
    };
    match self_attention {
        EncoderSelfAttention::None => {}
        EncoderSelfAttention::Dot => paths.push(("self_attention.Unit.", "self_attention.Dot.")),
        EncoderSelfAttention::Qkv { .. } => paths.push(("self_attention.Mha.", "self_attention.Qkv.")),
    }
    paths
}

/// The RNN encoder-decoder with attention; see the [module docs](self).
#[derive(Module, Debug)]
pub struct RnnSeq2Seq {
    /// Source word embeddings.
    pub source_embedding: Embedding,
    /// The encoder, left to right.
    pub encoder_forward: Recurrent,
    /// The encoder, right to left (bidirectional only).
    pub encoder_backward: Option<Recurrent>,
    /// Self-attention over the encoder states, if any.
    pub self_attention: Option<EncoderSelfAttentionModule>,
    /// From the encoder's final state to the decoder's first, when widths differ: `tanh(W h)`.
    pub bridge: Option<Linear>,
    /// Target word embeddings.
    pub target_embedding: Embedding,
    /// The decoder's recurrent layer.
    pub decoder: Recurrent,
    /// The decoder's attention, each variant with the layers and settings
    /// it uses. Which attention a model has is its variant:
    /// `matches!(model.attention, DecoderAttentionModule::Fc(_))`.
    pub attention: DecoderAttentionModule,
    /// To the target vocabulary.
    pub generator: Linear,
    /// Longest source and output.
    pub max_len: usize,
    /// Padding id.
    pub pad: usize,
    /// Start id.
    pub bos: usize,
    /// End id.
    pub eos: usize,
    /// Dropout probability in training ([`RnnSeq2SeqConfig::dropout`]).
    #[module(skip)]
    pub dropout: f64,
}

/// The encoded source, carried through decoding.
#[derive(Clone, Debug)]
pub struct Memory {
    /// `H`, `[batch, src_len, d_encoder]`.
    pub states: Tensor<3>,
    /// Padding, `[batch, 1, src_len]`, `true` = padding.
    pub mask: Mask,
    /// What the decoder's score reads: Bahdanau's `U_a H`, computed once,
    /// `[batch, src_len, d_hidden]`; `H` itself for the other attentions.
    pub keys: Tensor<3>,
}

/// The decoder's state between steps.
#[derive(Clone, Debug)]
pub struct DecoderState {
    /// The recurrent state.
    pub rnn: RnnState,
    /// Luong's attentional state `h~_{i-1}`, fed back with input feeding.
    pub feed: Option<Tensor<2>>,
    /// The encoded source.
    pub memory: Memory,
}

/// The output of [`RnnSeq2Seq::forward`].
#[derive(Clone, Debug)]
pub struct Seq2SeqOutput {
    /// `[batch, tgt_len, tgt_vocab]`.
    pub logits: Tensor<3>,
    /// `[batch, tgt_len, src_len]`.
    pub attention: Tensor<3>,
}

impl RnnSeq2Seq {
    /// Replaces the source embeddings with pre-trained vectors (see
    /// [`load_word_vectors`](crate::word_vectors::load_word_vectors)), frozen
    /// or trainable.
    ///
    /// # Panics
    ///
    /// If `vectors` is not `[src_vocab, d_embed]`.
    pub fn with_source_vectors(mut self, vectors: Tensor<2>, trainable: crate::Trainable) -> Self {
        let expected = self.source_embedding.weight.dims();
        assert_eq!(
            vectors.dims(),
            expected,
            "RnnSeq2Seq::with_source_vectors: `vectors` has shape {:?}, expected {expected:?}",
            vectors.dims()
        );
        let param = Param::from_tensor(vectors);
        self.source_embedding.weight = match trainable {
            crate::Trainable::Yes => param,
            crate::Trainable::No => param.set_require_grad(false),
        };
        self
    }

    /// Encodes a padded batch of sources.
    ///
    /// # Shapes
    ///
    /// - `source`: `[batch, src_len]`; `lengths`: `batch` values in `1..=src_len`
    ///
    /// # Panics
    ///
    /// If a length is 0 or exceeds `src_len`, or `src_len` exceeds `max_len`
    /// with the FC attention.
    pub fn encode(&self, source: Tensor<2, Int>, lengths: &[usize]) -> DecoderState {
        let [batch, src_len] = source.dims();
        assert_eq!(
            lengths.len(),
            batch,
            "RnnSeq2Seq::encode: {} lengths for a batch of {batch}",
            lengths.len()
        );
        assert!(
            lengths.iter().all(|&l| (1..=src_len).contains(&l)),
            "RnnSeq2Seq::encode: lengths {lengths:?} must be in 1..={src_len}"
        );
        if let DecoderAttentionModule::Fc(_) = self.attention {
            assert!(
                src_len <= self.max_len,
                "RnnSeq2Seq::encode: src_len={src_len} exceeds the FC attention's max_len={}",
                self.max_len
            );
        }
        let device = source.device();
        let embedded = self.drop(self.source_embedding.forward(source)); // [batch, src_len, d_embed]
        let (forward, final_forward) = self.encoder_forward.run(embedded.clone(), lengths, None);
        let (mut states, last) = match &self.encoder_backward {
            None => (forward, final_forward.hidden()),
            Some(backward) => {
                let (reversed, final_backward) = backward.run(reverse_within_lengths(embedded, lengths), lengths, None);
                let backward_states = reverse_within_lengths(reversed, lengths);
                (
                    Tensor::cat(vec![forward, backward_states], 2),
                    Tensor::cat(vec![final_forward.hidden(), final_backward.hidden()], 1),
                )
            }
        }; // states: [batch, src_len, d_encoder]
        let mask = Mask::padding(lengths, src_len, &device);
        if let Some(attention) = &self.self_attention {
            states = states.clone() + attention.attend(states, &mask);
        }
        let hidden = match &self.bridge {
            Some(bridge) => attention_core::tanh(bridge.forward(last)),
            None => last,
        };
        let keys = match &self.attention {
            DecoderAttentionModule::Bahdanau(attention) => attention.score.project_keys(states.clone()),
            _ => states.clone(),
        };
        let feed = self.attention.feeds_back().then(|| hidden.zeros_like());
        DecoderState {
            rnn: self.decoder.state_from_hidden(hidden),
            feed,
            memory: Memory { states, mask, keys },
        }
    }

    /// One decoder step from the previous tokens.
    ///
    /// # Shapes
    ///
    /// - `tokens`: `[batch]`; returns logits `[batch, tgt_vocab]` and weights `[batch, src_len]`
    pub fn decode_step(&self, tokens: Tensor<1, Int>, state: DecoderState) -> (Tensor<2>, Tensor<2>, DecoderState) {
        let (output, weights, state) = self.output_step(tokens, state);
        (self.generator.forward(output), weights, state)
    }

    /// [`decode_step`](Self::decode_step) up to the generator: the generator's input (`s_i`, or
    /// `h~_i`, dropout applied), the weights `[batch, src_len]` and the next state.
    fn output_step(&self, tokens: Tensor<1, Int>, state: DecoderState) -> (Tensor<2>, Tensor<2>, DecoderState) {
        let DecoderState { rnn, feed, memory } = state;
        let embedded = self.drop(
            self.target_embedding
                .forward(tokens.unsqueeze_dim::<2>(1))
                .squeeze_dim::<2>(1),
        ); // [batch, d_embed]
        let states = memory.states.clone();
        let (output, weights, rnn, feed) = match &self.attention {
            DecoderAttentionModule::Bahdanau(attention) => {
                let query = rnn.hidden().unsqueeze_dim::<3>(1); // [batch, 1, d_hidden]: s_{i-1}
                let scores = attention.score.forward_projected(query, memory.keys.clone()); // [batch, 1, src_len]
                let [batch, _, src_len] = scores.dims();
                let weights = attention
                    .normalizer
                    .normalize(scores, Some(memory.mask.expand_to("decode_step", [batch, 1, src_len])));
                let context = weights.clone().matmul(states).squeeze_dim::<2>(1); // [batch, d_encoder]
                let rnn = self.decoder.step(Tensor::cat(vec![embedded, context], 1), rnn);
                (self.drop(rnn.hidden()), weights, rnn, None)
            }
            DecoderAttentionModule::Luong(attention) => {
                self.attentional_step(embedded, feed, rnn, &attention.combine, |query| {
                    let out = attention
                        .unit
                        .forward(AttentionInput::cross_attention(query, states).mask(memory.mask.clone()));
                    (out.context, out.weights)
                })
            }
            DecoderAttentionModule::Qkv(attention) => {
                self.attentional_step(embedded, feed, rnn, &attention.combine, |query| {
                    let input = MhaInput::cross_attention(query, states)
                        .mask(memory.mask.clone())
                        .weights(Weights::Return);
                    let out = attention.mha.forward(input);
                    // `MultiHeadAttention` returns weights whenever they are asked for.
                    let weights = out.weights_averaged().expect("Weights::Return gives the weights");
                    (out.context, weights)
                })
            }
            DecoderAttentionModule::Fc(attention) => {
                let query = Tensor::cat(vec![embedded.clone(), rnn.hidden()], 1).unsqueeze_dim::<3>(1);
                let out = attention
                    .unit
                    .forward(AttentionInput::cross_attention(query, states).mask(memory.mask.clone()));
                let input = relu(
                    attention
                        .combine
                        .forward(Tensor::cat(vec![embedded, out.context.squeeze_dim::<2>(1)], 1)),
                );
                let rnn = self.decoder.step(input, rnn);
                (self.drop(rnn.hidden()), out.weights, rnn, None)
            }
        };
        (output, weights.squeeze_dim::<2>(1), DecoderState { rnn, feed, memory })
    }

    /// [`dropout`](Self::dropout) as Burn's [`Dropout`](burn::nn::Dropout) applies it: in
    /// training on an autodiff device, the identity otherwise.
    fn drop<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        if self.dropout == 0.0 {
            return x;
        }
        DropoutConfig::new(self.dropout).init().forward(x)
    }

    /// Luong's step, with its score or QKV's: the recurrent step (with the
    /// fed-back attentional state), then `attend(s_i)` gives the context and
    /// the weights, and `h~_i = tanh(W_c [c_i; s_i])` the generator's input.
    fn attentional_step(
        &self,
        embedded: Tensor<2>,
        feed: Option<Tensor<2>>,
        rnn: RnnState,
        combine: &Linear,
        attend: impl FnOnce(Tensor<3>) -> (Tensor<3>, Tensor<3>),
    ) -> (Tensor<2>, Tensor<3>, RnnState, Option<Tensor<2>>) {
        let input = match feed {
            Some(feed) => Tensor::cat(vec![embedded, feed], 1),
            None => embedded,
        };
        let rnn = self.decoder.step(input, rnn);
        let hidden = rnn.hidden();
        let (context, weights) = attend(hidden.clone().unsqueeze_dim::<3>(1)); // [batch, 1, d_encoder], [batch, 1, src_len]
        let attentional = self.drop(attention_core::tanh(
            combine.forward(Tensor::cat(vec![context.squeeze_dim::<2>(1), hidden], 1)),
        )); // h~_i
        let feed = self.attention.feeds_back().then(|| attentional.clone());
        (attentional, weights, rnn, feed)
    }

    /// Training forward pass over a whole target.
    ///
    /// # Shapes
    ///
    /// - `source`: `[batch, src_len]`, `lengths`: `batch` values
    /// - `target_input`: `[batch, tgt_len]`, the target shifted right
    ///   (`bos y_1 .. y_{T-1}`)
    /// - output: logits `[batch, tgt_len, tgt_vocab]`, attention `[batch, tgt_len, src_len]`
    pub fn forward(
        &self,
        source: Tensor<2, Int>,
        lengths: &[usize],
        target_input: Tensor<2, Int>,
        teacher_forcing: TeacherForcing,
    ) -> Seq2SeqOutput {
        let [batch, tgt_len] = target_input.dims();
        let device = target_input.device();
        let mut state = self.encode(source, lengths);
        let mut weights = Vec::with_capacity(tgt_len);
        if teacher_forcing == TeacherForcing::Always {
            // Every step's input is known, so the generator (the largest product of a step: 500
            // by 10,000 at the article's sizes) runs once over all of them, its weight read and
            // packed once, not once a step. `TeacherForcing::Ratio(1.0)` takes the step-by-step
            // path below with the same values: the twin the tests hold this equal to.
            let mut outputs = Vec::with_capacity(tgt_len);
            for t in 0..tgt_len {
                let tokens = target_input.clone().narrow(1, t, 1).squeeze_dim::<1>(1);
                let (output, step_weights, next) = self.output_step(tokens, state);
                state = next;
                outputs.push(output.unsqueeze_dim::<3>(1));
                weights.push(step_weights.unsqueeze_dim::<3>(1));
            }
            return Seq2SeqOutput {
                logits: self.generator.forward(Tensor::cat(outputs, 1)),
                attention: Tensor::cat(weights, 1),
            };
        }
        let mut logits = Vec::with_capacity(tgt_len);
        let mut tokens = target_input.clone().narrow(1, 0, 1).squeeze_dim::<1>(1);
        for t in 0..tgt_len {
            let (step_logits, step_weights, next) = self.decode_step(tokens.clone(), state);
            state = next;
            if t + 1 < tgt_len {
                let gold = target_input.clone().narrow(1, t + 1, 1).squeeze_dim::<1>(1);
                tokens = match teacher_forcing {
                    TeacherForcing::Always => gold,
                    TeacherForcing::Never => step_logits.clone().detach().argmax(1).squeeze_dim(1),
                    TeacherForcing::Ratio(ratio) => {
                        let predicted = step_logits.clone().detach().argmax(1).squeeze_dim::<1>(1);
                        let use_gold: Tensor<1, Bool> =
                            Tensor::<1>::random([batch], Distribution::Bernoulli(ratio), &device).equal_elem(1.0);
                        predicted.mask_where(use_gold, gold)
                    }
                };
            }
            logits.push(step_logits.unsqueeze_dim::<3>(1));
            weights.push(step_weights.unsqueeze_dim::<3>(1));
        }
        Seq2SeqOutput {
            logits: Tensor::cat(logits, 1),
            attention: Tensor::cat(weights, 1),
        }
    }

    /// Mean cross-entropy over the target tokens that are not padding.
    ///
    /// # Shapes
    ///
    /// - `logits`: `[batch, tgt_len, tgt_vocab]`; `targets`: `[batch, tgt_len]`
    pub fn loss(&self, logits: Tensor<3>, targets: Tensor<2, Int>) -> Tensor<1> {
        crate::sequence_loss(logits, targets, self.pad)
    }
}

impl Translate for RnnSeq2Seq {
    fn start(&self, source: Tensor<2, Int>, lengths: &[usize]) -> DecoderState {
        self.encode(source, lengths)
    }

    fn special(&self) -> Special {
        Special {
            bos: self.bos,
            eos: self.eos,
        }
    }

    fn max_output_len(&self) -> usize {
        self.max_len
    }
}

impl StepDecoder for RnnSeq2Seq {
    type State = DecoderState;

    fn step(&self, tokens: Tensor<1, Int>, state: DecoderState) -> (Tensor<2>, Tensor<2>, DecoderState) {
        self.decode_step(tokens, state)
    }

    fn select(&self, state: DecoderState, rows: Tensor<1, Int>) -> DecoderState {
        let pick2 = |t: Tensor<2>| t.select(0, rows.clone());
        let pick3 = |t: Tensor<3>| t.select(0, rows.clone());
        let memory = state.memory;
        DecoderState {
            rnn: state.rnn.map(pick2),
            feed: state.feed.map(pick2),
            memory: Memory {
                states: pick3(memory.states),
                mask: Mask::new(memory.mask.tensor().select(0, rows.clone())),
                keys: pick3(memory.keys),
            },
        }
    }
}
