//! Encoder-decoder transformer (Vaswani et al. 2017): the article's QKV
//! attention in all three places.
//!
//! ```text
//! source ─ embedding * sqrt(d) (+ positions) ─ N x [self-attention, feed-forward] ─ memory
//! target ─ embedding * sqrt(d) (+ positions) ─ N x [causal self-attention,
//!                                                   cross-attention over memory,
//!                                                   feed-forward] ─ generator ─ logits
//! ```
//!
//! Decoding runs one position at a time with a key/value cache per layer
//! (self-attention keys grow by one per step; the cross-attention's
//! projected memory is computed once), greedy or with beam search.
//!
//! # Example
//!
//! ```
//! use burn::prelude::*;
//! use models::{BeamConfig, LengthNorm, Translate, TransformerSeq2SeqConfig};
//! let device = Device::default();
//! let model = TransformerSeq2SeqConfig::new(20, 20) // source and target vocabularies
//!     .with_d_model(16)
//!     .with_n_heads(4)
//!     .with_n_encoder_layers(2)
//!     .with_n_decoder_layers(2)
//!     .with_d_ff(32)
//!     .with_max_len(10)
//!     .init(&device);
//! let source = Tensor::<2, Int>::from_ints([[4, 5, 6]], &device);
//! let beam = BeamConfig::new(3, 10).with_length_norm(LengthNorm::Wu { alpha: 0.6 });
//! let best = &model.translate_beam(source, &[3], beam)[0];
//! assert_eq!(best.attention.len(), best.tokens.len()); // [tokens][src_len]
//! ```

use attention_core::{
    AbsolutePositions, DecoderBlock, DecoderBlockCache, EncoderBlock, FastPath, FeedForwardActivation, Mask,
    NormPlacement, PositionKind, TransformerBlockConfig, Weights,
};
use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::Int;
use serde::{Deserialize, Serialize};

/// The epsilon of the final norms: `LayerNormConfig`'s default, which they are built with.
const FINAL_NORM_EPS: f64 = 1e-5;

use crate::ModelError;
use crate::decoding::{Special, StepDecoder, Translate};

/// Whether source, target and output share one embedding matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmbeddingSharing {
    /// One matrix for source and target embeddings and, transposed, the
    /// generator (Press & Wolf 2017; Vaswani et al. 3.4). Needs one vocabulary.
    Shared,
    /// Separate source and target embeddings and generator.
    Separate,
}

/// Configuration of [`TransformerSeq2Seq`].
#[derive(Config, Debug)]
pub struct TransformerSeq2SeqConfig {
    /// Source vocabulary size.
    pub src_vocab: usize,
    /// Target vocabulary size.
    pub tgt_vocab: usize,
    /// Width of the hidden states. Default: 512, Vaswani et al.'s base model.
    #[config(default = 512)]
    pub d_model: usize,
    /// Attention heads. Default: 8.
    #[config(default = 8)]
    pub n_heads: usize,
    /// Encoder blocks. Default: 6.
    #[config(default = 6)]
    pub n_encoder_layers: usize,
    /// Decoder blocks. Default: 6.
    #[config(default = 6)]
    pub n_decoder_layers: usize,
    /// Width of the feed-forward hidden layer. Default: 2048.
    #[config(default = 2048)]
    pub d_ff: usize,
    /// Longest source or output. Default: 100 tokens, as the article's
    /// sentences.
    #[config(default = 100)]
    pub max_len: usize,
    /// Position information. Default: sinusoidal.
    #[config(default = "PositionKind::Sinusoidal")]
    pub positions: PositionKind,
    /// Norm placement. Default: post-norm, as the paper.
    #[config(default = "NormPlacement::Post")]
    pub norm: NormPlacement,
    /// How attention is computed when no weights are asked for (and no
    /// dropout is active): Burn's fused kernel, or memory-efficient attention
    /// whose training memory grows linearly with the length. Default: fused.
    #[config(default = "FastPath::Fused")]
    pub fast_path: FastPath,
    /// Feed-forward activation. Default: ReLU.
    #[config(default = "FeedForwardActivation::Relu")]
    pub activation: FeedForwardActivation,
    /// Dropout. Default: 0.1.
    #[config(default = 0.1)]
    pub dropout: f64,
    /// Embedding sharing. Default: separate.
    #[config(default = "EmbeddingSharing::Separate")]
    pub embeddings: EmbeddingSharing,
    /// Padding id. Default: 0.
    #[config(default = 0)]
    pub pad: usize,
    /// Start id. Default: 1.
    #[config(default = 1)]
    pub bos: usize,
    /// End id. Default: 2.
    #[config(default = 2)]
    pub eos: usize,
}

impl TransformerSeq2SeqConfig {
    fn block(&self) -> TransformerBlockConfig {
        TransformerBlockConfig::new(self.d_model, self.n_heads, self.d_ff)
            .with_dropout(self.dropout)
            .with_norm(self.norm)
            .with_activation(self.activation)
            .with_rotary_max_len((self.positions == PositionKind::Rotary).then_some(self.max_len))
            .with_fast_path(self.fast_path)
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// A size is zero, a special token is outside a vocabulary, shared
    /// embeddings with two vocabulary sizes, or invalid block settings.
    pub fn validate(&self) -> Result<(), ModelError> {
        let error = |field: &'static str, reason: String| {
            Err(ModelError::Config {
                config: "TransformerSeq2SeqConfig",
                field,
                reason,
            })
        };
        for (field, value) in [
            ("src_vocab", self.src_vocab),
            ("tgt_vocab", self.tgt_vocab),
            ("n_encoder_layers", self.n_encoder_layers),
            ("n_decoder_layers", self.n_decoder_layers),
            ("max_len", self.max_len),
        ] {
            if value == 0 {
                return error(field, "must be at least 1, got 0".into());
            }
        }
        if self.embeddings == EmbeddingSharing::Shared && self.src_vocab != self.tgt_vocab {
            return error(
                "embeddings",
                format!(
                    "shared embeddings need one vocabulary, got {} source and {} target",
                    self.src_vocab, self.tgt_vocab
                ),
            );
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
        Ok(self.block().validate()?)
    }

    /// The model.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init(&self, device: &Device) -> TransformerSeq2Seq {
        if let Err(error) = self.validate() {
            panic!("{error}");
        }
        let block = self.block();
        let pre_norm = || (self.norm == NormPlacement::Pre).then(|| LayerNormConfig::new(self.d_model).init(device));
        // Embeddings drawn from N(0, 1/d), as fairseq and Vaswani et al.'s tensor2tensor draw them:
        // scaled by sqrt(d) they enter at unit variance, beside the positions' unit-sized
        // sinusoids, and a shared matrix as the output layer gives logits of unit scale. Burn's
        // default N(0, 1) gave inputs 16 times the positions at width 256 and, shared, a mean
        // loss of 156 over the first epoch on the gettext corpus with label smoothing 0.1, where
        // uniform predictions score 9.
        let embedding = |vocab: usize| {
            EmbeddingConfig::new(vocab, self.d_model).with_initializer(Initializer::Normal {
                mean: 0.0,
                std: (self.d_model as f64).powf(-0.5),
            })
        };
        let separate = self.embeddings == EmbeddingSharing::Separate;
        TransformerSeq2Seq {
            source_embedding: embedding(self.src_vocab).init(device),
            target_embedding: separate.then(|| embedding(self.tgt_vocab).init(device)),
            positions: AbsolutePositions::new(self.positions, self.max_len, self.d_model, device),
            encoder: (0..self.n_encoder_layers).map(|_| block.init_encoder(device)).collect(),
            decoder: (0..self.n_decoder_layers).map(|_| block.init_decoder(device)).collect(),
            encoder_norm: pre_norm(),
            decoder_norm: pre_norm(),
            generator: separate.then(|| LinearConfig::new(self.d_model, self.tgt_vocab).init(device)),
            d_model: self.d_model,
            max_len: self.max_len,
            pad: self.pad,
            bos: self.bos,
            eos: self.eos,
        }
    }
}

/// The encoder-decoder transformer; see the [module docs](self).
#[derive(Module, Debug)]
pub struct TransformerSeq2Seq {
    /// Source embeddings (and target and generator when shared).
    pub source_embedding: Embedding,
    /// Target embeddings, when separate.
    pub target_embedding: Option<Embedding>,
    /// Added positions (none with rotary positions).
    pub positions: Option<AbsolutePositions>,
    /// Encoder blocks.
    pub encoder: Vec<EncoderBlock>,
    /// Decoder blocks.
    pub decoder: Vec<DecoderBlock>,
    /// The encoder's last norm, pre-norm only.
    pub encoder_norm: Option<LayerNorm>,
    /// The decoder's last norm, pre-norm only.
    pub decoder_norm: Option<LayerNorm>,
    /// To the target vocabulary, when embeddings are separate.
    pub generator: Option<Linear>,
    /// Width of the hidden states.
    pub d_model: usize,
    /// Longest source or output.
    pub max_len: usize,
    /// Padding id.
    pub pad: usize,
    /// Start id.
    pub bos: usize,
    /// End id.
    pub eos: usize,
}

/// The encoded source and the decoder's caches.
#[derive(Clone, Debug)]
pub struct TransformerState {
    /// The encoder's output, `[batch, src_len, d_model]`.
    pub memory: Tensor<3>,
    /// Source padding, `true` = padding.
    pub mask: Mask,
    /// One cache per decoder block.
    pub caches: Vec<DecoderBlockCache>,
    /// Target positions decoded so far.
    pub position: usize,
}

/// The output of [`TransformerSeq2Seq::forward`].
#[derive(Clone, Debug)]
pub struct TransformerOutput {
    /// `[batch, tgt_len, tgt_vocab]`.
    pub logits: Tensor<3>,
    /// The last decoder block's cross-attention averaged over heads,
    /// `[batch, tgt_len, src_len]`.
    pub attention: Tensor<3>,
    /// The last decoder block's cross-attention, head by head,
    /// `[batch, n_heads, tgt_len, src_len]`: what each head of the output
    /// position looks at in the source.
    pub cross_attention: Tensor<4>,
}

impl TransformerSeq2Seq {
    fn embed(&self, embedding: &Embedding, tokens: Tensor<2, Int>, start: usize) -> Tensor<3> {
        let x = embedding.forward(tokens).mul_scalar((self.d_model as f64).sqrt()); // [batch, len, d_model]
        match &self.positions {
            Some(positions) => positions.forward(x, start),
            None => x,
        }
    }

    fn logits(&self, x: Tensor<3>) -> Tensor<3> {
        let x = match &self.decoder_norm {
            Some(norm) => attention_core::layer_norm(norm, FINAL_NORM_EPS, x),
            None => x,
        };
        match &self.generator {
            Some(generator) => attention_core::linear(generator, x),
            None => x.matmul(self.source_embedding.weight.val().transpose().unsqueeze()), // [batch, len, vocab]
        }
    }

    /// Encodes a padded batch of sources.
    ///
    /// # Shapes
    ///
    /// - `source`: `[batch, src_len]`; `lengths`: `batch` values in `1..=src_len`
    pub fn encode(&self, source: Tensor<2, Int>, lengths: &[usize]) -> TransformerState {
        let [batch, src_len] = source.dims();
        assert_eq!(
            lengths.len(),
            batch,
            "TransformerSeq2Seq::encode: {} lengths for a batch of {batch}",
            lengths.len()
        );
        assert!(
            lengths.iter().all(|&l| (1..=src_len).contains(&l)),
            "TransformerSeq2Seq::encode: lengths {lengths:?} must be in 1..={src_len}"
        );
        let mask = Mask::padding(lengths, src_len, &source.device());
        let mut x = self.embed(&self.source_embedding, source, 0);
        for block in &self.encoder {
            x = block.forward(x, Some(mask.clone()), Weights::Skip).0;
        }
        let memory = match &self.encoder_norm {
            Some(norm) => attention_core::layer_norm(norm, FINAL_NORM_EPS, x),
            None => x,
        };
        TransformerState {
            memory,
            mask,
            caches: vec![DecoderBlockCache::default(); self.decoder.len()],
            position: 0,
        }
    }

    /// Training forward pass, every target position at once under a causal mask.
    ///
    /// # Shapes
    ///
    /// - `source`: `[batch, src_len]`; `target_input`: `[batch, tgt_len]` (`bos y_1 .. y_{T-1}`)
    /// - output: `logits` `[batch, tgt_len, tgt_vocab]`, `attention`
    ///   `[batch, tgt_len, src_len]`, `cross_attention` `[batch, n_heads, tgt_len, src_len]`
    pub fn forward(
        &self,
        source: Tensor<2, Int>,
        lengths: &[usize],
        target_input: Tensor<2, Int>,
    ) -> TransformerOutput {
        let [_, tgt_len] = target_input.dims();
        let device = target_input.device();
        let state = self.encode(source, lengths);
        let embedding = self.target_embedding.as_ref().unwrap_or(&self.source_embedding);
        let mut x = self.embed(embedding, target_input, 0);
        let causal = Mask::causal(tgt_len, tgt_len, &device);
        let mut cross_attention = None;
        for (i, block) in self.decoder.iter().enumerate() {
            let last = i + 1 == self.decoder.len();
            let weights = if last { Weights::Return } else { Weights::Skip };
            let (next, cross) = block.forward(
                x,
                state.memory.clone(),
                Some(causal.clone()),
                Some(state.mask.clone()),
                weights,
            );
            x = next;
            if last {
                cross_attention = cross; // [batch, n_heads, tgt_len, src_len]
            }
        }
        let cross_attention = cross_attention.expect("the last block returns its weights");
        TransformerOutput {
            logits: self.logits(x),
            attention: cross_attention.clone().mean_dim(1).squeeze_dim(1), // [batch, tgt_len, src_len]
            cross_attention,
        }
    }
}

impl Translate for TransformerSeq2Seq {
    fn start(&self, source: Tensor<2, Int>, lengths: &[usize]) -> TransformerState {
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

impl TransformerSeq2Seq {
    /// One decoding step with the caches: the next position of every row.
    /// [`StepDecoder::step`] is this step with the weights averaged over heads.
    ///
    /// # Shapes
    ///
    /// - `tokens`: `[batch]`, the previous tokens (`bos` first)
    /// - returns logits `[batch, tgt_vocab]` and the last block's
    ///   cross-attention head by head, `[batch, n_heads, src_len]`: the row
    ///   that [`forward`](Self::forward)'s `cross_attention` has at this position
    pub fn decode_step(
        &self,
        tokens: Tensor<1, Int>,
        mut state: TransformerState,
    ) -> (Tensor<2>, Tensor<3>, TransformerState) {
        let embedding = self.target_embedding.as_ref().unwrap_or(&self.source_embedding);
        let mut x = self.embed(embedding, tokens.unsqueeze_dim(1), state.position); // [batch, 1, d_model]
        let mut cross_attention = None;
        let n_blocks = self.decoder.len();
        for (i, (block, cache)) in self.decoder.iter().zip(&mut state.caches).enumerate() {
            let weights = if i + 1 == n_blocks {
                Weights::Return
            } else {
                Weights::Skip
            };
            // One new position sees every cached one: no self-attention mask.
            let (next, cross) =
                block.forward_cached(x, state.memory.clone(), None, Some(state.mask.clone()), weights, cache);
            x = next;
            if let Some(cross) = cross {
                cross_attention = Some(cross.squeeze_dim::<3>(2)); // [batch, n_heads, src_len]
            }
        }
        state.position += 1;
        let logits = self.logits(x).squeeze_dim(1); // [batch, vocab]
        (logits, cross_attention.expect("at least one decoder block"), state)
    }
}

impl StepDecoder for TransformerSeq2Seq {
    type State = TransformerState;

    fn step(&self, tokens: Tensor<1, Int>, state: TransformerState) -> (Tensor<2>, Tensor<2>, TransformerState) {
        let (logits, cross_attention, state) = self.decode_step(tokens, state);
        (logits, cross_attention.mean_dim(1).squeeze_dim(1), state) // [rows, src_len]
    }

    fn select(&self, state: TransformerState, rows: Tensor<1, Int>) -> TransformerState {
        let mut caches = state.caches;
        for cache in &mut caches {
            cache.self_attn.select(rows.clone());
            cache.cross_attn.select(rows.clone());
        }
        TransformerState {
            memory: state.memory.select(0, rows.clone()),
            mask: Mask::new(state.mask.tensor().select(0, rows)),
            caches,
            position: state.position,
        }
    }
}
