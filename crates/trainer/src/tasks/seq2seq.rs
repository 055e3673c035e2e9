//! What the two sequence-to-sequence tasks ([`super::reverse`],
//! [`super::translate`]) share: their model section (the article's RNN
//! encoder-decoder with any of its attentions, or the transformer), the
//! padded batches, the learner step with teacher forcing, corpus BLEU of
//! greedy decoding as the validation metric, and decoding a test split.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::data::dataloader::batcher::Batcher;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::tensor::{Int, TensorData};
use burn::train::metric::{
    AccuracyInput, AccuracyMetric, Adaptor, ItemLazy, LearningRateMetric, LossInput, LossMetric,
};
use burn::train::{InferenceStep, SequenceOutput, TrainOutput, TrainStep};
use burn_std::ExecutionError;
use models::{
    BeamConfig, CellKind, DecoderAttention, Direction, EmbeddingSharing, EncoderSelfAttention, InputFeeding,
    LengthNorm, LuongScore, RnnSeq2Seq, RnnSeq2SeqConfig, TeacherForcing, TransformerSeq2Seq, TransformerSeq2SeqConfig,
    Translate, Translation,
};
use serde::{Deserialize, Serialize};

use super::transformer::TransformerOptions;
use crate::TrainError;
use crate::data::{BOS, EOS, PAD, Pair};
use crate::metrics::{CorpusBleu, FiniteLoss};
use crate::report::bleu::BleuCounts;
use crate::run_dir::{RunDir, RunSummary};
use crate::session::{Batching, CommonConfig, LossWeight, Session};
use crate::task::Decoding;

/// The metrics every epoch of a sequence task records, as Burn names them.
const METRICS: [&str; 4] = ["Loss", "Accuracy", "BLEU", "Learning Rate"];

/// The model and decoder training of a sequence task: flat keys in config
/// files, flags on the command line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
#[group(skip)]
pub struct Seq2SeqConfig {
    /// The model: the article's RNN encoder-decoder, or the transformer.
    #[arg(long)]
    pub model: ModelKind,
    /// Probability of feeding the gold previous token, per sentence and
    /// step, at the first step of training (RNN).
    #[arg(long)]
    pub teacher_forcing: f64,
    /// If set, the teacher-forcing probability falls linearly from
    /// `teacher_forcing` to this value over the run's steps (scheduled
    /// sampling, Bengio et al. 2015; RNN).
    #[arg(long)]
    pub teacher_forcing_end: Option<f64>,
    /// One matrix for the source and target embeddings and the output layer
    /// (Press & Wolf 2017), or one each: shared needs one vocabulary for both
    /// sides (transformer).
    #[arg(long)]
    pub embeddings: EmbeddingsName,
    /// How the pairs are cut into batches: at random, or by length (pairs of
    /// about the same length together, the batches in random order), which
    /// pads less.
    #[arg(long)]
    #[serde(default)]
    pub batching: Batching,
    /// The RNN's sizes and attention.
    #[serde(flatten)]
    #[command(flatten)]
    pub rnn: RnnOptions,
    /// The transformer's sizes.
    #[serde(flatten)]
    #[command(flatten)]
    pub transformer: TransformerOptions,
}

impl Default for Seq2SeqConfig {
    fn default() -> Self {
        Self {
            model: ModelKind::Rnn,
            teacher_forcing: 1.0,
            teacher_forcing_end: None,
            embeddings: EmbeddingsName::Separate,
            batching: Batching::Random,
            rnn: RnnOptions::default(),
            transformer: TransformerOptions {
                d_model: 64,
                n_heads: 4,
                n_layers: 2,
                d_ff: 256,
                dropout: 0.1,
                positions: super::transformer::PositionsName::Sinusoidal,
                norm: super::transformer::NormName::Pre,
            },
        }
    }
}

/// Whether the transformer's embeddings and output layer share one matrix, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum EmbeddingsName {
    /// One matrix ([`EmbeddingSharing::Shared`]).
    Shared,
    /// One each ([`EmbeddingSharing::Separate`]).
    Separate,
}

/// Which sequence-to-sequence model a run trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// The article's RNN encoder-decoder with attention ([`RnnSeq2Seq`]).
    Rnn,
    /// The encoder-decoder transformer ([`TransformerSeq2Seq`]), decoded
    /// with its key/value cache.
    Transformer,
}

/// The RNN encoder-decoder's options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
#[group(skip)]
pub struct RnnOptions {
    /// Embedding width (RNN).
    #[arg(long)]
    pub d_embed: usize,
    /// Recurrent state width (RNN).
    #[arg(long)]
    pub d_hidden: usize,
    /// Recurrent cell: gru or lstm (RNN).
    #[arg(long, value_parser = parse_cell)]
    pub cell: CellKind,
    /// Encoder direction: forward or bidirectional (RNN).
    #[arg(long, value_parser = parse_direction)]
    pub direction: Direction,
    /// The decoder's attention (RNN).
    #[arg(long)]
    pub attention: AttentionName,
    /// Self-attention over the encoder states, the article's encoder-only
    /// layouts, added to them: none, dot (w_ij = h_i . h_j) or qkv (RNN).
    #[arg(long)]
    pub encoder_self_attention: SelfAttentionName,
    /// Dropout on the embeddings and on the decoder's output before the
    /// generator, in [0, 1); 0 is off (RNN).
    #[arg(long)]
    #[serde(default)]
    pub rnn_dropout: f64,
}

impl Default for RnnOptions {
    fn default() -> Self {
        Self {
            d_embed: 32,
            d_hidden: 64,
            cell: CellKind::Gru,
            direction: Direction::Forward,
            attention: AttentionName::Bahdanau,
            encoder_self_attention: SelfAttentionName::None,
            rnn_dropout: 0.0,
        }
    }
}

fn parse_cell(s: &str) -> Result<CellKind, String> {
    match s {
        "gru" => Ok(CellKind::Gru),
        "lstm" => Ok(CellKind::Lstm),
        _ => Err("expected gru or lstm".into()),
    }
}

fn parse_direction(s: &str) -> Result<Direction, String> {
    match s {
        "forward" => Ok(Direction::Forward),
        "bidirectional" => Ok(Direction::Bidirectional),
        _ => Err("expected forward or bidirectional".into()),
    }
}

/// The RNN decoder's attention, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum AttentionName {
    /// Bahdanau's additive attention, previous state querying.
    Bahdanau,
    /// Luong's dot score, input feeding.
    LuongDot,
    /// Luong's general score, input feeding.
    LuongGeneral,
    /// Luong's concat score, input feeding.
    LuongConcat,
    /// Multi-head QKV attention (2 heads).
    Qkv,
    /// The PyTorch tutorial's fully connected attention.
    Fc,
}

impl AttentionName {
    /// The model's decoder attention.
    pub fn decoder_attention(self) -> DecoderAttention {
        let luong = |score| DecoderAttention::Luong {
            score,
            input_feeding: InputFeeding::On,
        };
        match self {
            AttentionName::Bahdanau => DecoderAttention::Bahdanau,
            AttentionName::LuongDot => luong(LuongScore::Dot),
            AttentionName::LuongGeneral => luong(LuongScore::General),
            AttentionName::LuongConcat => luong(LuongScore::Concat),
            AttentionName::Qkv => DecoderAttention::Qkv { n_heads: 2 },
            AttentionName::Fc => DecoderAttention::Fc,
        }
    }
}

/// The encoder's self-attention, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum SelfAttentionName {
    /// None: the encoder states are the RNN's.
    None,
    /// The article's encoder-only dot layout, `w_ij = softmax_j(h_i . h_j)`.
    Dot,
    /// The article's encoder-only QKV layout: multi-head self-attention with
    /// learned projections (2 heads).
    Qkv,
}

impl SelfAttentionName {
    /// The model's setting.
    pub fn encoder_self_attention(self) -> EncoderSelfAttention {
        match self {
            SelfAttentionName::None => EncoderSelfAttention::None,
            SelfAttentionName::Dot => EncoderSelfAttention::Dot,
            SelfAttentionName::Qkv => EncoderSelfAttention::Qkv { n_heads: 2 },
        }
    }
}

/// The model a [`Seq2SeqConfig`] builds, for given vocabularies.
#[derive(Debug)]
pub enum Seq2SeqModelConfig {
    /// The RNN encoder-decoder.
    Rnn(RnnSeq2SeqConfig),
    /// The transformer.
    Transformer(TransformerSeq2SeqConfig),
}

impl Seq2SeqModelConfig {
    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// The model's own message, after `config: `.
    pub fn validate(&self) -> Result<(), TrainError> {
        match self {
            Seq2SeqModelConfig::Rnn(config) => config.validate(),
            Seq2SeqModelConfig::Transformer(config) => config.validate(),
        }
        .map_err(|e| TrainError::Input(format!("config: {e}")))
    }

    /// The model, freshly initialised.
    pub fn init(&self, device: &Device) -> Seq2SeqModel {
        match self {
            Seq2SeqModelConfig::Rnn(config) => Seq2SeqModel::Rnn(config.init(device)),
            Seq2SeqModelConfig::Transformer(config) => Seq2SeqModel::Transformer(config.init(device)),
        }
    }
}

impl Seq2SeqConfig {
    /// The model this config trains, for vocabularies of these sizes and
    /// sequences of at most `max_len` tokens (`max_len + 1` positions, the
    /// end token included).
    pub fn model_config(&self, src_vocab: usize, tgt_vocab: usize, max_len: usize) -> Seq2SeqModelConfig {
        match self.model {
            ModelKind::Rnn => {
                let rnn = &self.rnn;
                Seq2SeqModelConfig::Rnn(
                    RnnSeq2SeqConfig::new(src_vocab, tgt_vocab)
                        .with_d_embed(rnn.d_embed)
                        .with_d_hidden(rnn.d_hidden)
                        .with_cell(rnn.cell)
                        .with_direction(rnn.direction)
                        .with_attention(rnn.attention.decoder_attention())
                        .with_encoder_self_attention(rnn.encoder_self_attention.encoder_self_attention())
                        .with_max_len(max_len + 1)
                        .with_dropout(rnn.rnn_dropout),
                )
            }
            ModelKind::Transformer => {
                let t = &self.transformer;
                Seq2SeqModelConfig::Transformer(
                    TransformerSeq2SeqConfig::new(src_vocab, tgt_vocab)
                        .with_d_model(t.d_model)
                        .with_n_heads(t.n_heads)
                        .with_n_encoder_layers(t.n_layers)
                        .with_n_decoder_layers(t.n_layers)
                        .with_d_ff(t.d_ff)
                        .with_max_len(max_len + 1)
                        .with_positions(t.positions.kind())
                        .with_norm(t.norm.placement())
                        .with_dropout(t.dropout)
                        .with_embeddings(match self.embeddings {
                            EmbeddingsName::Shared => EmbeddingSharing::Shared,
                            EmbeddingsName::Separate => EmbeddingSharing::Separate,
                        }),
                )
            }
        }
    }

    /// The model width the Noam schedule scales by.
    pub fn width(&self) -> usize {
        match self.model {
            ModelKind::Rnn => self.rnn.d_hidden,
            ModelKind::Transformer => self.transformer.d_model,
        }
    }

    /// Checks the values and the model's own constraints (with vocabularies
    /// just large enough to pass).
    ///
    /// # Errors
    ///
    /// Names the field and the value.
    pub fn validate(&self, max_len: usize) -> Result<(), TrainError> {
        if !(0.0..=1.0).contains(&self.teacher_forcing) {
            return TrainError::invalid(
                "teacher_forcing",
                format!("must be in [0, 1], got {}", self.teacher_forcing),
            );
        }
        if let Some(end) = self.teacher_forcing_end
            && !(0.0..=1.0).contains(&end)
        {
            return TrainError::invalid("teacher_forcing_end", format!("must be in [0, 1], got {end}"));
        }
        match self.model {
            ModelKind::Rnn => {
                TrainError::width("d_embed", self.rnn.d_embed)?;
                TrainError::width("d_hidden", self.rnn.d_hidden)?;
                if !(0.0..1.0).contains(&self.rnn.rnn_dropout) {
                    return TrainError::invalid(
                        "rnn_dropout",
                        format!("must be in [0, 1), got {}", self.rnn.rnn_dropout),
                    );
                }
                if self.embeddings == EmbeddingsName::Shared {
                    return TrainError::invalid(
                        "embeddings",
                        "shared embeddings are the transformer's (model = \"transformer\")".into(),
                    );
                }
            }
            ModelKind::Transformer => {
                if self.teacher_forcing != 1.0 || self.teacher_forcing_end.is_some() {
                    return TrainError::invalid(
                        "teacher_forcing",
                        "the transformer trains on every position at once, always teacher-forced; \
                         scheduled sampling is for the RNN (model = \"rnn\")"
                            .into(),
                    );
                }
                self.transformer.validate()?;
            }
        }
        self.model_config(5, 5, max_len).validate()
    }

    /// Refuses flags of the model the config does not train.
    ///
    /// # Errors
    ///
    /// Names the flag and the model it belongs to.
    pub fn check_flags(&self, given: &[String]) -> Result<(), TrainError> {
        let ids = |command: clap::Command| -> Vec<String> {
            command.get_arguments().map(|a| a.get_id().to_string()).collect()
        };
        let (other, other_name) = match self.model {
            ModelKind::Rnn => (
                ids(<TransformerOptions as clap::Args>::augment_args(clap::Command::new(
                    "t",
                ))),
                "transformer",
            ),
            ModelKind::Transformer => (
                ids(<RnnOptions as clap::Args>::augment_args(clap::Command::new("r"))),
                "rnn",
            ),
        };
        match given.iter().find(|id| other.contains(id)) {
            Some(id) => Err(TrainError::Input(format!(
                "--{} applies to --model {other_name}, and this run trains --model {}",
                id.replace('_', "-"),
                match self.model {
                    ModelKind::Rnn => "rnn",
                    ModelKind::Transformer => "transformer",
                }
            ))),
            None => Ok(()),
        }
    }
}

/// A sequence-to-sequence model in training or decoding.
#[derive(Module, Debug)]
// One value per run: boxing would only add an indirection.
#[allow(clippy::large_enum_variant)]
pub enum Seq2SeqModel {
    /// The RNN encoder-decoder.
    Rnn(RnnSeq2Seq),
    /// The transformer.
    Transformer(TransformerSeq2Seq),
}

impl Seq2SeqModel {
    /// Training logits of a batch, `[batch, tgt_len, tgt_vocab]`; the
    /// transformer is always teacher-forced.
    pub fn logits(
        &self,
        source: Tensor<2, Int>,
        lengths: &[usize],
        target_input: Tensor<2, Int>,
        teacher_forcing: TeacherForcing,
    ) -> Tensor<3> {
        match self {
            Seq2SeqModel::Rnn(model) => model.forward(source, lengths, target_input, teacher_forcing).logits,
            Seq2SeqModel::Transformer(model) => model.forward(source, lengths, target_input).logits,
        }
    }

    /// Translates a padded batch of sources.
    pub fn decode(&self, source: Tensor<2, Int>, lengths: &[usize], decoding: Decoding) -> Vec<Translation> {
        fn run<M: Translate>(
            model: &M,
            source: Tensor<2, Int>,
            lengths: &[usize],
            decoding: Decoding,
        ) -> Vec<Translation> {
            match decoding {
                Decoding::Greedy => model.translate_greedy(source, lengths),
                Decoding::Beam(width) => {
                    model.translate_beam(source, lengths, beam_config(width, model.max_output_len()))
                }
            }
        }
        match self {
            Seq2SeqModel::Rnn(model) => run(model, source, lengths, decoding),
            Seq2SeqModel::Transformer(model) => run(model, source, lengths, decoding),
        }
    }

    /// Beam search's hypotheses for ONE sentence (`source` is `[1, len]`),
    /// best first with their scores, as [`decode`](Self::decode) searches
    /// with `Decoding::Beam(width)`.
    pub fn n_best(&self, source: Tensor<2, Int>, width: usize) -> Vec<(f32, Translation)> {
        fn run<M: Translate>(model: &M, source: Tensor<2, Int>, width: usize) -> Vec<(f32, Translation)> {
            model.translate_n_best(source, beam_config(width, model.max_output_len()))
        }
        match self {
            Seq2SeqModel::Rnn(model) => run(model, source, width),
            Seq2SeqModel::Transformer(model) => run(model, source, width),
        }
    }

    /// Saves the model itself (not this enum), as `model.bpk` holds it.
    fn save(self, path: &std::path::Path) -> Result<(), TrainError> {
        let saved = match self {
            Seq2SeqModel::Rnn(model) => model.save_file(path),
            Seq2SeqModel::Transformer(model) => model.save_file(path),
        };
        saved.map_err(|e| TrainError::Io(format!("{}: cannot save the model: {e:?}", path.display())))
    }
}

/// A sequence task's data as token ids.
pub struct Seq2SeqData {
    /// Source ids, the special tokens included.
    pub source_vocab: usize,
    /// Target ids, the special tokens included.
    pub target_vocab: usize,
    /// Training pairs.
    pub train: Vec<Pair>,
    /// Validation pairs.
    pub valid: Vec<Pair>,
}

/// The common defaults of the sequence tasks before their own changes.
pub fn common_defaults() -> CommonConfig {
    CommonConfig::default()
}

/// The beam search of `attn eval`, `translate` and `serve`: `width` hypotheses a sentence, ranked by
/// their mean log-probability per token (OpenNMT-py's `-length_penalty avg`), the score a `.po`
/// suggestion carries, so that the best hypothesis is the one whose score is shown.
pub fn beam_config(width: usize, max_len: usize) -> BeamConfig {
    BeamConfig::new(width, max_len).with_length_norm(LengthNorm::Average)
}

/// The parameters of the model [`fit`] builds for `data`, counted without allocating them.
pub fn parameters(config: &Seq2SeqConfig, max_len: usize, data: &Seq2SeqData, device: &Device) -> usize {
    match config
        .model_config(data.source_vocab, data.target_vocab, max_len)
        .init(device)
    {
        Seq2SeqModel::Rnn(model) => model.num_params(),
        Seq2SeqModel::Transformer(model) => model.num_params(),
    }
}

/// Trains a sequence model on `data`: what [`super::Task::fit`] of both
/// sequence tasks does. `prepare` may change the fresh model (pre-trained
/// embeddings, say).
///
/// # Errors
///
/// As [`Session::fit`].
pub fn fit(
    config: &Seq2SeqConfig,
    max_len: usize,
    data: Seq2SeqData,
    session: &Session<'_>,
    prepare: impl FnOnce(Seq2SeqModel) -> Result<Seq2SeqModel, TrainError>,
) -> Result<RunSummary, TrainError> {
    let Seq2SeqData {
        source_vocab,
        target_vocab,
        train,
        valid,
    } = data;
    let train_items = train.len();
    let model = prepare(
        config
            .model_config(source_vocab, target_vocab, max_len)
            .init(&session.device.clone().autodiff()),
    )?;
    let steps_per_epoch = session.steps_per_epoch(train_items);
    // Every device's copy of the learner counts the batches it trains on.
    let batches_per_epoch = steps_per_epoch * session.devices;
    let teacher_forcing = TeacherForcingSchedule {
        start: config.teacher_forcing,
        end: config.teacher_forcing_end.unwrap_or(config.teacher_forcing),
        steps: batches_per_epoch * session.common.epochs,
        taken: Arc::new(AtomicUsize::new(session.resume_from.unwrap_or(0) * batches_per_epoch)),
    };
    let learner = Seq2SeqLearner {
        model,
        label_smoothing: session.common.label_smoothing,
        teacher_forcing,
    };
    let training = session
        .training(
            session.train_loader_by(Seq2SeqBatcher, train, config.batching, pair_length)?,
            session.loader_by(Seq2SeqBatcher, valid, config.batching, pair_length),
        )
        .metrics((LossMetric::new(), AccuracyMetric::new().with_pad_token(PAD)))
        .metric_train_numeric(LearningRateMetric::new())
        .metric_train(FiniteLoss::default())
        .metric_valid_numeric(CorpusBleu::default());
    let learner = session.learner(learner, train_items, config.width())?;
    session.fit(training, learner, &METRICS, |trained: Seq2SeqLearner, path| {
        trained.model.save(path)
    })
}

/// A finished sequence run's model, ready to decode.
pub struct Seq2SeqRun {
    /// The trained model.
    pub model: Seq2SeqModel,
    /// Sentences per batch when decoding a split.
    pub batch_size: usize,
    /// The device the model is on.
    pub device: Device,
}

/// Loads the trained model of a sequence run, for vocabularies of `sizes` (source, target).
///
/// # Errors
///
/// An unfinished run, or damaged files.
pub fn load(
    config: &Seq2SeqConfig,
    max_len: usize,
    sizes: (usize, usize),
    batch_size: usize,
    task: &str,
    run: &RunDir,
    device: &Device,
) -> Result<Seq2SeqRun, TrainError> {
    let model_config = config.model_config(sizes.0, sizes.1, max_len);
    // The sizes come from the run's vocabularies: a damaged one is refused, not built.
    model_config.validate().map_err(|e| {
        TrainError::Input(format!(
            "{}: the run's config or vocabularies: {e}",
            run.path().display()
        ))
    })?;
    let model = match model_config {
        // Release 0.1.0 named the RNN decoder's attention layers otherwise.
        Seq2SeqModelConfig::Rnn(c) if run.release() == crate::run_dir::RELEASE_0_1 => {
            let paths = models::rnn_seq2seq::release_0_1_paths(c.attention, c.encoder_self_attention);
            Seq2SeqModel::Rnn(run.load_model_renamed(c.init(device), task, &paths)?)
        }
        Seq2SeqModelConfig::Rnn(c) => Seq2SeqModel::Rnn(run.load_model(c.init(device), task)?),
        Seq2SeqModelConfig::Transformer(c) => Seq2SeqModel::Transformer(run.load_model(c.init(device), task)?),
    };
    Ok(Seq2SeqRun {
        model,
        batch_size,
        device: device.clone(),
    })
}

impl Seq2SeqRun {
    /// Decodes `sources` (ids), [`batch_size`](Self::batch_size) at a time, in order.
    pub fn decode_all(&self, sources: &[Vec<usize>], decoding: Decoding) -> Vec<Translation> {
        let mut translations = Vec::with_capacity(sources.len());
        for chunk in sources.chunks(self.batch_size.max(1)) {
            let pairs: Vec<Pair> = chunk
                .iter()
                .map(|source| Pair {
                    source: source.clone(),
                    target: Vec::new(),
                })
                .collect();
            let batch = Seq2SeqBatcher.batch(pairs, &self.device);
            translations.extend(self.model.decode(batch.source, &batch.lengths, decoding));
        }
        translations
    }
}

/// A padded batch of pairs.
#[derive(Clone, Debug)]
pub struct Seq2SeqBatch {
    /// `[batch, src_len]`.
    pub source: Tensor<2, Int>,
    /// Source lengths.
    pub lengths: Vec<usize>,
    /// `[batch, tgt_len]`: `bos y_1 .. y_T`.
    pub target_input: Tensor<2, Int>,
    /// `[batch, tgt_len]`: `y_1 .. y_T eos`.
    pub target_output: Tensor<2, Int>,
    /// The targets `y_1 .. y_T`, unpadded: the references of BLEU.
    pub references: Vec<Vec<usize>>,
}

impl LossWeight for Seq2SeqBatch {
    /// The loss is a mean over the target tokens: y_1 .. y_T and the end token of each row.
    fn loss_weight(&self) -> usize {
        self.references.iter().map(|r| r.len() + 1).sum()
    }
}

/// Pads pairs into a [`Seq2SeqBatch`].
#[derive(Clone, Debug, Default)]
pub struct Seq2SeqBatcher;

/// What [`Batching::ByLength`] sorts pairs by: the target's length (the decoder's steps), then the
/// source's.
fn pair_length(pair: &Pair) -> (usize, usize) {
    (pair.target.len(), pair.source.len())
}

fn padded(rows: &[Vec<usize>], device: &Device) -> Tensor<2, Int> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(1);
    let data: Vec<i64> = rows
        .iter()
        .flat_map(|row| {
            row.iter()
                .map(|&t| t as i64)
                .chain(std::iter::repeat_n(PAD as i64, width - row.len()))
        })
        .collect();
    Tensor::from_data(TensorData::new(data, [rows.len(), width]), device)
}

impl Batcher<Pair, Seq2SeqBatch> for Seq2SeqBatcher {
    fn batch(&self, items: Vec<Pair>, device: &Device) -> Seq2SeqBatch {
        let sources: Vec<Vec<usize>> = items.iter().map(|p| p.source.clone()).collect();
        let inputs: Vec<Vec<usize>> = items.iter().map(|p| [vec![BOS], p.target.clone()].concat()).collect();
        let outputs: Vec<Vec<usize>> = items.iter().map(|p| [p.target.clone(), vec![EOS]].concat()).collect();
        Seq2SeqBatch {
            lengths: sources.iter().map(Vec::len).collect(),
            source: padded(&sources, device),
            target_input: padded(&inputs, device),
            target_output: padded(&outputs, device),
            references: items.into_iter().map(|p| p.target).collect(),
        }
    }
}

/// The teacher-forcing probability over training: linear from `start` to
/// `end` over `steps` training batches, then `end`. Burn's trainer has no
/// such schedule, so the learner counts its own batches, in a counter shared
/// by the copies that multi-device training makes (each device's batch
/// counts once, so `steps` is the batches of all devices).
#[derive(Clone, Debug)]
pub struct TeacherForcingSchedule {
    /// At the first step.
    pub start: f64,
    /// From `steps` on.
    pub end: f64,
    /// Length of the decay, in batches over all devices.
    pub steps: usize,
    /// Steps taken so far (starts at the resumed step).
    pub taken: Arc<AtomicUsize>,
}

impl TeacherForcingSchedule {
    /// The probability at the next step, counting it.
    pub fn next(&self) -> f64 {
        let step = self.taken.fetch_add(1, Ordering::Relaxed);
        let progress = (step as f64 / self.steps.max(1) as f64).min(1.0);
        self.start + (self.end - self.start) * progress
    }
}

/// The model with the training options its steps need.
#[derive(Module, Debug)]
pub struct Seq2SeqLearner {
    /// The model.
    pub model: Seq2SeqModel,
    /// Label smoothing of the loss.
    pub label_smoothing: f64,
    /// Probability of the gold previous token in training.
    #[module(skip)]
    pub teacher_forcing: TeacherForcingSchedule,
}

impl Seq2SeqLearner {
    fn run(&self, batch: Seq2SeqBatch, teacher_forcing: TeacherForcing) -> SequenceOutput {
        let logits = self
            .model
            .logits(batch.source, &batch.lengths, batch.target_input, teacher_forcing);
        let [rows, len, vocab] = logits.dims();
        let smoothing = (self.label_smoothing > 0.0).then_some(self.label_smoothing as f32);
        let loss = CrossEntropyLossConfig::new()
            .with_pad_tokens(Some(vec![PAD]))
            .with_smoothing(smoothing)
            .init(&logits.device())
            .forward(
                logits.clone().reshape([rows * len, vocab]),
                batch.target_output.clone().reshape([rows * len]),
            );
        SequenceOutput::new(loss, logits, None, batch.target_output)
    }
}

impl TrainStep for Seq2SeqLearner {
    type Input = Seq2SeqBatch;
    type Output = SequenceOutput;

    fn step(&self, batch: Seq2SeqBatch) -> TrainOutput<SequenceOutput> {
        let ratio = self.teacher_forcing.next();
        let teacher_forcing = if ratio >= 1.0 {
            TeacherForcing::Always
        } else {
            TeacherForcing::Ratio(ratio)
        };
        let output = self.run(batch, teacher_forcing);
        TrainOutput::new(self, output.loss.backward(), output)
    }
}

impl InferenceStep for Seq2SeqLearner {
    type Input = Seq2SeqBatch;
    type Output = ValidOutput;

    /// Validation feeds the gold previous tokens for the loss and the token
    /// accuracy, so they are comparable across runs whatever their teacher
    /// forcing; BLEU scores the model's own greedy translations.
    fn step(&self, batch: Seq2SeqBatch) -> ValidOutput {
        let translations = self
            .model
            .decode(batch.source.clone(), &batch.lengths, Decoding::Greedy);
        let mut bleu = BleuCounts::default();
        for (translation, reference) in translations.iter().zip(&batch.references) {
            bleu.add(&translation.tokens, reference);
        }
        ValidOutput {
            sequence: self.run(batch, TeacherForcing::Always),
            bleu,
        }
    }
}

/// A validation step's output: the teacher-forced logits and loss, and the
/// BLEU counts of greedy decoding.
pub struct ValidOutput {
    /// Loss, logits and targets.
    pub sequence: SequenceOutput,
    /// BLEU counts of the batch.
    pub bleu: BleuCounts,
}

impl ItemLazy for ValidOutput {
    fn sync(self) -> Result<Self, ExecutionError> {
        Ok(Self {
            sequence: self.sequence.sync()?,
            bleu: self.bleu,
        })
    }
}

impl Adaptor<LossInput> for ValidOutput {
    fn adapt(&self) -> LossInput {
        self.sequence.adapt()
    }
}

impl Adaptor<AccuracyInput> for ValidOutput {
    fn adapt(&self) -> AccuracyInput {
        self.sequence.adapt()
    }
}

impl Adaptor<BleuCounts> for ValidOutput {
    fn adapt(&self) -> BleuCounts {
        self.bleu
    }
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    #[test]
    fn teacher_forcing_falls_linearly_then_stays() {
        let schedule = TeacherForcingSchedule {
            start: 1.0,
            end: 0.5,
            steps: 4,
            taken: Arc::new(AtomicUsize::new(0)),
        };
        let ratios: Vec<f64> = (0..6).map(|_| schedule.next()).collect();
        assert_eq!(ratios, [1.0, 0.875, 0.75, 0.625, 0.5, 0.5]);
    }
}
