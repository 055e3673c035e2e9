//! Encoder-only transformer (Vaswani et al. 2017's encoder; BERT's layout):
//! the article's encoder-only QKV attention, stacked.
//!
//! ```text
//! tokens ─ (embedding (+ n-gram embeddings)) * sqrt(d_model) (+ positions) ─ N x EncoderBlock ─ (final norm if pre-norm) ─ hidden
//!   hidden ─ pool (CLS: position 0; mean: average over real tokens) ─ classifier ─ class logits
//!   hidden ─ token classifier ─ per-token logits
//! ```
//!
//! Padding is masked in every self-attention and ignored by the mean pool.
//!
//! With [`ngrams`](EncoderTransformerConfig::ngrams) above 1, each position
//! also gets a learned vector for every n-gram of tokens that ends there
//! (`2 <= n <= ngrams`), hashed into
//! [`ngram_buckets`](EncoderTransformerConfig::ngram_buckets) rows: the
//! subword vectors of fastText (Bojanowski et al. 2017), here for a model
//! that reads characters. The attention still sees one position per token.
//!
//! # Example
//!
//! ```
//! use attention_core::Weights;
//! use burn::prelude::*;
//! use models::EncoderTransformerConfig;
//! let device = Device::default();
//! // vocab 30, d_model 16, 4 heads, 2 layers, d_ff 32, max_len 12; 5 classes.
//! let model = EncoderTransformerConfig::new(30)
//!     .with_d_model(16)
//!     .with_n_heads(4)
//!     .with_n_layers(2)
//!     .with_d_ff(32)
//!     .with_max_len(12)
//!     .with_n_classes(Some(5))
//!     .init(&device);
//! let tokens = Tensor::<2, Int>::from_ints([[3, 4, 5, 6], [7, 8, 0, 0]], &device);
//! let out = model.forward(tokens, &[4, 2], Weights::Return);
//! assert_eq!(out.class_logits.unwrap().dims(), [2, 5]);
//! assert_eq!(out.attention.len(), 2); // one map per layer
//! assert_eq!(out.attention[0].dims(), [2, 4, 4, 4]); // [batch, n_heads, len, len]
//! ```

use attention_core::{
    AbsolutePositions, EncoderBlock, FastPath, FeedForwardActivation, Mask, NormPlacement, PositionKind,
    TransformerBlockConfig, Weights,
};
use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::{Int, TensorData};
use serde::{Deserialize, Serialize};

/// The epsilon of the final norms: `LayerNormConfig`'s default, which they are built with.
const FINAL_NORM_EPS: f64 = 1e-5;

use crate::ModelError;

/// How a sequence becomes one vector for classification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pooling {
    /// The hidden state of the first token (the caller puts a `[CLS]` token
    /// there, as BERT).
    Cls,
    /// The mean of the hidden states of the real (unpadded) tokens.
    Mean,
}

/// Configuration of [`EncoderTransformer`].
#[derive(Config, Debug)]
pub struct EncoderTransformerConfig {
    /// Vocabulary size.
    pub vocab: usize,
    /// Width of the hidden states. Default: 512, as Vaswani et al.'s base
    /// model and BERT-base's.
    #[config(default = 512)]
    pub d_model: usize,
    /// Attention heads. Default: 8.
    #[config(default = 8)]
    pub n_heads: usize,
    /// Number of encoder blocks. Default: 6.
    #[config(default = 6)]
    pub n_layers: usize,
    /// Width of the feed-forward hidden layer. Default: 2048.
    #[config(default = 2048)]
    pub d_ff: usize,
    /// Longest input. Default: 512 positions.
    #[config(default = 512)]
    pub max_len: usize,
    /// Position information. Default: sinusoidal.
    #[config(default = "PositionKind::Sinusoidal")]
    pub positions: PositionKind,
    /// Norm placement. Default: pre-norm.
    #[config(default = "NormPlacement::Pre")]
    pub norm: NormPlacement,
    /// How attention is computed when no weights are asked for (and no
    /// dropout is active): Burn's fused kernel, or memory-efficient attention
    /// whose training memory grows linearly with the length. Default: fused.
    #[config(default = "FastPath::Fused")]
    pub fast_path: FastPath,
    /// Feed-forward activation. Default: GELU.
    #[config(default = "FeedForwardActivation::Gelu")]
    pub activation: FeedForwardActivation,
    /// Dropout. Default: 0.1.
    #[config(default = 0.1)]
    pub dropout: f64,
    /// Pooling for the sequence head. Default: mean.
    #[config(default = "Pooling::Mean")]
    pub pooling: Pooling,
    /// Classes of the sequence head, if any. Default: `None`.
    #[config(default = "None")]
    pub n_classes: Option<usize>,
    /// Classes of the per-token head, if any. Default: `None`.
    #[config(default = "None")]
    pub n_token_classes: Option<usize>,
    /// Longest token n-gram with an embedding of its own, added to the
    /// embedding of the token that ends it; 1 turns n-grams off. Default: 1.
    #[config(default = 1)]
    pub ngrams: usize,
    /// Rows the n-grams are hashed into (see [`ngram_ids`]). Default: 16384.
    #[config(default = 16384)]
    pub ngram_buckets: usize,
    /// The hash of the n-grams, of the embeddings and of the bag. Default:
    /// prime.
    #[config(default = "NgramHash::Prime")]
    pub ngram_hash: NgramHash,
    /// Above 0, adds to the class logits a linear classifier over the bag
    /// of the sequence's n-grams of 1 to `ngram_logits` tokens (hashed into
    /// [`ngram_logit_buckets`](Self::ngram_logit_buckets) rows of `n_classes`
    /// weights each, summed over the real positions): logistic regression on
    /// the n-gram counts that naive Bayes reads, beside the transformer's
    /// pooled state. Needs a sequence head. Default: 0, off.
    #[config(default = 0)]
    pub ngram_logits: usize,
    /// Rows the bag's n-grams are hashed into (see [`ngram_ids`]); a table of
    /// its own, as it is only `n_classes` wide. Default: 262144.
    #[config(default = 262144)]
    pub ngram_logit_buckets: usize,
}

/// The largest `ngram_buckets` (and `ngram_logit_buckets`): keeps the
/// base-257 hash below 2^31 in 32-bit integers, and is above every value of
/// the prime hash.
pub const MAX_NGRAM_BUCKETS: usize = 1 << 20;

/// The largest token id the prime hash takes: `h * 2039 + t` stays below 2^31.
pub const MAX_NGRAM_TOKEN: usize = (1 << 23) - 1;

/// How n-grams of tokens are hashed into rows ([`ngram_ids`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NgramHash {
    /// `h = n`, then `h = (h * 257 + t_j) mod buckets` over the n-gram's
    /// tokens: releases 0.1 and 0.2 (kept to read their runs). It is weak:
    /// with a power-of-two bucket count its low 8 bits are `n` plus the sum
    /// of the tokens, and n-grams of small ids collide by whole families
    /// (`(a + 4, b, c)` and `(a, b + 8, c - 4)` share a trigram bucket).
    Base257,
    /// `h = n`, then `h = (h * 2039 + t_j) mod 1048573` (a prime), and the
    /// bucket is `h mod buckets`: a polynomial hash modulo a prime, whose
    /// collisions between distinct n-grams are about as rare as random ones.
    Prime,
}

/// The bucket of the n-gram of `n` tokens that ends at each position, by
/// `hash` ([`NgramHash`]) over `t_j` for `j = i - n + 1 ..= i`, with token
/// id 0 before the start. Computed on the device with integer tensor ops.
///
/// # Shapes
///
/// - `tokens`: `[batch, len]`; returns `[batch, len]`
///
/// # Example
///
/// ```
/// use burn::prelude::*;
/// use models::encoder_transformer::{NgramHash, ngram_ids};
/// let device = Device::default();
/// let tokens = Tensor::<2, Int>::from_ints([[5, 6]], &device);
/// // Bigram at position 1, base 257: ((2 * 257 + 5) * 257 + 6) mod 1000 = 389.
/// let ids = ngram_ids(tokens.clone(), 2, 1000, NgramHash::Base257);
/// assert_eq!(ids.into_data().convert::<i64>().to_vec::<i64>().unwrap()[1], 389);
/// // Prime: ((2 * 2039 + 5) * 2039 + 6) mod 1048573 = 985232, mod 1000 = 232.
/// let ids = ngram_ids(tokens, 2, 1000, NgramHash::Prime);
/// assert_eq!(ids.into_data().convert::<i64>().to_vec::<i64>().unwrap()[1], 232);
/// ```
pub fn ngram_ids(tokens: Tensor<2, Int>, n: usize, buckets: usize, hash: NgramHash) -> Tensor<2, Int> {
    let (base, modulus) = match hash {
        NgramHash::Base257 => (257, buckets as i64),
        NgramHash::Prime => (2039, 1_048_573),
    };
    let [batch, len] = tokens.dims();
    let device = tokens.device();
    let mut h = Tensor::<2, Int>::full([batch, len], n as i64, &device);
    for back in (0..n).rev() {
        // t_{i - back}, token 0 before the start.
        let earlier = if back == 0 {
            tokens.clone()
        } else if back >= len {
            Tensor::zeros([batch, len], &device)
        } else {
            Tensor::cat(
                vec![
                    Tensor::zeros([batch, back], &device),
                    tokens.clone().narrow(1, 0, len - back),
                ],
                1,
            )
        };
        h = (h.mul_scalar(base) + earlier).remainder_scalar(modulus);
    }
    match hash {
        NgramHash::Base257 => h,
        NgramHash::Prime => h.remainder_scalar(buckets as i64),
    }
}

impl EncoderTransformerConfig {
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
    /// A size is zero, or the blocks' settings are invalid.
    pub fn validate(&self) -> Result<(), ModelError> {
        for (field, value) in [
            ("vocab", self.vocab),
            ("n_layers", self.n_layers),
            ("max_len", self.max_len),
            ("ngrams", self.ngrams),
        ] {
            if value == 0 {
                return Err(ModelError::Config {
                    config: "EncoderTransformerConfig",
                    field,
                    reason: "must be at least 1, got 0".into(),
                });
            }
        }
        if self.ngram_logits > 0 && self.n_classes.is_none() {
            return Err(ModelError::Config {
                config: "EncoderTransformerConfig",
                field: "ngram_logits",
                reason: "adds to the class logits, so it needs n_classes".into(),
            });
        }
        let hashes = self.ngrams > 1 || self.ngram_logits > 0;
        if hashes && self.ngram_hash == NgramHash::Prime && self.vocab > MAX_NGRAM_TOKEN + 1 {
            return Err(ModelError::Config {
                config: "EncoderTransformerConfig",
                field: "vocab",
                reason: format!(
                    "the prime n-gram hash takes token ids up to {MAX_NGRAM_TOKEN}, got a vocabulary of {}",
                    self.vocab
                ),
            });
        }
        for (field, used, buckets) in [
            ("ngram_buckets", self.ngrams > 1, self.ngram_buckets),
            ("ngram_logit_buckets", self.ngram_logits > 0, self.ngram_logit_buckets),
        ] {
            if used && !(1..=MAX_NGRAM_BUCKETS).contains(&buckets) {
                return Err(ModelError::Config {
                    config: "EncoderTransformerConfig",
                    field,
                    reason: format!("must be in 1..={MAX_NGRAM_BUCKETS}, got {buckets}"),
                });
            }
        }
        Ok(self.block().validate()?)
    }

    /// The model.
    ///
    /// # Panics
    ///
    /// If [`validate`](Self::validate) fails.
    pub fn init(&self, device: &Device) -> EncoderTransformer {
        if let Err(error) = self.validate() {
            panic!("{error}");
        }
        let block = self.block();
        EncoderTransformer {
            embedding: EmbeddingConfig::new(self.vocab, self.d_model).init(device),
            ngram_embedding: (self.ngrams > 1)
                .then(|| EmbeddingConfig::new(self.ngram_buckets, self.d_model).init(device)),
            ngram_logits: self.n_classes.filter(|_| self.ngram_logits > 0).map(|n| {
                // From zero, as logistic regression: it starts adding nothing.
                EmbeddingConfig::new(self.ngram_logit_buckets, n)
                    .with_initializer(Initializer::Zeros)
                    .init(device)
            }),
            longest_logit_ngram: self.ngram_logits,
            ngram_hash: self.ngram_hash,
            ngrams: self.ngrams,
            positions: AbsolutePositions::new(self.positions, self.max_len, self.d_model, device),
            blocks: (0..self.n_layers).map(|_| block.init_encoder(device)).collect(),
            final_norm: (self.norm == NormPlacement::Pre).then(|| LayerNormConfig::new(self.d_model).init(device)),
            classifier: self.n_classes.map(|n| LinearConfig::new(self.d_model, n).init(device)),
            token_classifier: self
                .n_token_classes
                .map(|n| LinearConfig::new(self.d_model, n).init(device)),
            pooling: self.pooling,
            d_model: self.d_model,
            max_len: self.max_len,
        }
    }
}

/// The encoder-only transformer; see the [module docs](self).
#[derive(Module, Debug)]
pub struct EncoderTransformer {
    /// Token embeddings.
    pub embedding: Embedding,
    /// Hashed n-gram embeddings, `[ngram_buckets, d_model]`, with n-grams on.
    pub ngram_embedding: Option<Embedding>,
    /// The weights of the linear classifier over the bag of hashed n-grams
    /// of 1 to `longest_logit_ngram` tokens, `[ngram_logit_buckets,
    /// n_classes]`, when on.
    pub ngram_logits: Option<Embedding>,
    /// Longest n-gram of the bag (0: none).
    pub longest_logit_ngram: usize,
    /// The hash of the n-grams.
    #[module(skip)]
    pub ngram_hash: NgramHash,
    /// Longest n-gram embedded (1: none).
    pub ngrams: usize,
    /// Added positions (none with rotary positions, which act in attention).
    pub positions: Option<AbsolutePositions>,
    /// The encoder blocks.
    pub blocks: Vec<EncoderBlock>,
    /// The last norm of a pre-norm stack.
    pub final_norm: Option<LayerNorm>,
    /// The sequence head.
    pub classifier: Option<Linear>,
    /// The per-token head.
    pub token_classifier: Option<Linear>,
    /// Pooling for the sequence head.
    #[module(skip)]
    pub pooling: Pooling,
    /// Width of the hidden states.
    pub d_model: usize,
    /// Longest input.
    pub max_len: usize,
}

/// The output of [`EncoderTransformer::forward`].
#[derive(Clone, Debug)]
pub struct EncoderOutput {
    /// `[batch, len, d_model]`.
    pub hidden: Tensor<3>,
    /// `[batch, n_classes]`, with a sequence head (the bag of n-grams'
    /// logits included, with [`ngram_logits`](EncoderTransformerConfig::ngram_logits)).
    pub class_logits: Option<Tensor<2>>,
    /// `[batch, n_classes]`: the bag of n-grams' logits alone, with
    /// `ngram_logits`; a trainer can give them a loss of their own.
    pub ngram_class_logits: Option<Tensor<2>>,
    /// `[batch, len, n_token_classes]`, with a per-token head.
    pub token_logits: Option<Tensor<3>>,
    /// Per layer, `[batch, n_heads, len, len]`, when asked for.
    pub attention: Vec<Tensor<4>>,
}

impl EncoderTransformer {
    /// Encodes a padded batch.
    ///
    /// # Shapes
    ///
    /// - `tokens`: `[batch, len]`; `lengths`: `batch` values in `1..=len`
    ///
    /// # Panics
    ///
    /// If a length is out of range or `len` exceeds `max_len`.
    pub fn forward(&self, tokens: Tensor<2, Int>, lengths: &[usize], weights: Weights) -> EncoderOutput {
        let [batch, len] = tokens.dims();
        assert_eq!(
            lengths.len(),
            batch,
            "EncoderTransformer::forward: {} lengths for a batch of {batch}",
            lengths.len()
        );
        assert!(
            lengths.iter().all(|&l| (1..=len).contains(&l)),
            "EncoderTransformer::forward: lengths {lengths:?} must be in 1..={len}"
        );
        let device = tokens.device();
        let mut x = self.embedding.forward(tokens.clone()); // [batch, len, d_model]
        if let Some(ngram_embedding) = &self.ngram_embedding {
            let [buckets, _] = ngram_embedding.weight.dims();
            for n in 2..=self.ngrams {
                x = x + ngram_embedding.forward(ngram_ids(tokens.clone(), n, buckets, self.ngram_hash));
            }
        }
        let mut x = x.mul_scalar((self.d_model as f64).sqrt());
        if let Some(positions) = &self.positions {
            x = positions.forward(x, 0);
        }
        let mask = Mask::padding(lengths, len, &device);
        let mut attention = vec![];
        for block in &self.blocks {
            let (next, block_weights) = block.forward(x, Some(mask.clone()), weights);
            x = next;
            attention.extend(block_weights);
        }
        let hidden = match &self.final_norm {
            Some(norm) => attention_core::layer_norm(norm, FINAL_NORM_EPS, x),
            None => x,
        };
        let ngram_class_logits = self
            .ngram_logits
            .as_ref()
            .map(|bag| self.bag_of_ngrams_logits(bag, tokens, lengths));
        let class_logits = self.classifier.as_ref().map(|classifier| {
            let logits = classifier.forward(self.pool(hidden.clone(), lengths));
            match &ngram_class_logits {
                Some(bag) => logits + bag.clone(),
                None => logits,
            }
        });
        let token_logits = self
            .token_classifier
            .as_ref()
            .map(|classifier| attention_core::linear(classifier, hidden.clone()));
        EncoderOutput {
            hidden,
            class_logits,
            ngram_class_logits,
            token_logits,
            attention,
        }
    }

    /// One vector per sequence, `[batch, d_model]`.
    pub fn pool(&self, hidden: Tensor<3>, lengths: &[usize]) -> Tensor<2> {
        match self.pooling {
            Pooling::Cls => hidden.narrow(1, 0, 1).squeeze_dim(1),
            Pooling::Mean => weighted_over_real_positions(hidden, lengths, |length| 1.0 / length as f32),
        }
    }

    /// The bag-of-n-grams classifier's logits, `[batch, n_classes]`: the
    /// sum of the weights of every n-gram of 1 to `longest_logit_ngram`
    /// tokens that ends at a real position.
    fn bag_of_ngrams_logits(&self, bag: &Embedding, tokens: Tensor<2, Int>, lengths: &[usize]) -> Tensor<2> {
        let [buckets, _] = bag.weight.dims();
        let per_position = (1..=self.longest_logit_ngram)
            .map(|n| bag.forward(ngram_ids(tokens.clone(), n, buckets, self.ngram_hash)))
            .reduce(|sum, logits| sum + logits)
            .expect("the bag exists only for orders from 1"); // [batch, len, n_classes]
        weighted_over_real_positions(per_position, lengths, |_| 1.0)
    }
}

/// The sum of `x`, `[batch, len, d]`, over the first `lengths[b]` positions
/// of each sequence, each weighted by `weight(lengths[b])` (`1 / length`: the
/// mean): `[batch, d]`.
fn weighted_over_real_positions(x: Tensor<3>, lengths: &[usize], weight: impl Fn(usize) -> f32) -> Tensor<2> {
    let [batch, len, _] = x.dims();
    let weights: Vec<f32> = lengths
        .iter()
        .flat_map(|&l| {
            let w = weight(l);
            (0..len).map(move |t| if t < l { w } else { 0.0 })
        })
        .collect();
    let weights = Tensor::<3>::from_data(TensorData::new(weights, [batch, 1, len]), &x.device());
    weights.matmul(x).squeeze_dim(1)
}
