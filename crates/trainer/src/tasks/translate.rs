//! The translate task: English to French, the article's main job. The data
//! is the built-in corpus generated from a French grammar
//! ([`crate::data::french`]) or a Tatoeba file ([`crate::data::tatoeba`]);
//! the model is the article's RNN encoder-decoder with any of its
//! attentions, or the transformer ([`super::seq2seq`]). A trained run
//! translates a sentence and gives the attention matrix that explains the
//! translation ([`Translator`]), which `attn translate` prints and draws
//! ([`crate::report::translation`]) and `attn translate --po` writes into a
//! catalog ([`crate::data::catalog`]).
//!
//! A run keeps its splits in `splits/{train,valid,test}.tsv`, one tokenized
//! pair a line, and its vocabularies in `vocab.json`, so that `attn eval`
//! and `--resume` read exactly the sentences the run was made with.

use std::path::PathBuf;

use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;
use burn::tensor::{Int, TensorData};
use models::{Trainable, TransformerSeq2Seq, Translation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::seq2seq::{
    self, AttentionName, ModelKind, Seq2SeqBatcher, Seq2SeqConfig, Seq2SeqData, Seq2SeqModel, Seq2SeqRun,
};
use crate::TrainError;
use crate::data::corpus::{self, Splits};
use crate::data::gettext;
use crate::data::tatoeba::Filter;
use crate::data::tokenize::tokenize;
use crate::data::{BOS, Pair, Vocabularies};
use crate::report::evaluation::EvalReport;
use crate::report::translation::{Alternative, SentenceTranslation};
use crate::report::weights::per_head;
use crate::run_dir::{RunDir, RunSummary, read_json, write_json};
use crate::session::{CommonConfig, Session};
use crate::task::{Decoding, Task, Trained, Translating};

/// The translate task.
pub struct Translate;

/// The translate task's section of the config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
#[group(skip)]
pub struct TranslateConfig {
    /// Instead of the built-in corpus: `gettext` (the system's French
    /// catalogs), a directory of `.mo`/`.po` catalogs or one of them, or a
    /// Tatoeba-format file (`english<TAB>french[<TAB>...]`); split 80/10/10
    /// by English sentence.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Keep only pairs whose English starts with this (repeatable), as the
    /// PyTorch tutorial does (`trainer::data::tatoeba::Filter`).
    #[arg(long = "english-prefix", value_name = "PREFIX")]
    pub english_prefixes: Vec<String>,
    /// Words seen fewer times in the training split become `<unk>`.
    #[arg(long)]
    pub min_count: usize,
    /// Training pairs of the built-in corpus; validation and test get a
    /// tenth each.
    #[arg(long)]
    pub train_size: usize,
    /// Pairs with more tokens on either side are dropped; also the longest
    /// output decoded.
    #[arg(long)]
    pub max_len: usize,
    /// At most this many English tokens (specials included), the most
    /// frequent; the rest read as `<unk>`. The article's source side: 9000.
    #[arg(long)]
    pub max_source_vocab: Option<usize>,
    /// At most this many French tokens (specials included), the most
    /// frequent; the rest read as `<unk>`. The article's: 10000.
    #[arg(long)]
    pub max_target_vocab: Option<usize>,
    /// Pre-trained English word vectors (GloVe's or word2vec's text format)
    /// for the RNN's source embeddings; their width must be d_embed.
    #[arg(long, value_name = "FILE")]
    pub word_vectors: Option<PathBuf>,
    /// Whether the pre-trained vectors keep training or stay frozen.
    #[arg(long)]
    pub word_vectors_mode: WordVectorsMode,
    /// The model and its decoder training.
    #[serde(flatten)]
    #[command(flatten)]
    pub seq2seq: Seq2SeqConfig,
}

/// Whether pre-trained word vectors keep training.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum WordVectorsMode {
    /// Updated with the rest of the model.
    Trainable,
    /// Kept as read.
    Frozen,
}

impl Default for TranslateConfig {
    fn default() -> Self {
        let mut seq2seq = Seq2SeqConfig::default();
        seq2seq.rnn.d_embed = 64;
        seq2seq.rnn.d_hidden = 128;
        seq2seq.rnn.direction = models::Direction::Bidirectional;
        Self {
            data: None,
            english_prefixes: Vec::new(),
            min_count: 1,
            max_source_vocab: None,
            max_target_vocab: None,
            train_size: 30_000,
            max_len: 16,
            word_vectors: None,
            word_vectors_mode: WordVectorsMode::Trainable,
            seq2seq,
        }
    }
}

/// The translate task's data: ids, and the splits as words, which a fresh
/// run saves.
pub struct TranslateData {
    /// Ids and vocabularies.
    pub data: Seq2SeqData,
    /// The splits as words.
    pub splits: Splits,
}

fn encoded(splits: &Splits, vocab: Vocabularies) -> Seq2SeqData {
    tracing::info!(
        "{} training, {} validation, {} test pairs; vocabularies of {} English and {} French tokens",
        splits.train.len(),
        splits.valid.len(),
        splits.test.len(),
        vocab.source.len(),
        vocab.target.len()
    );
    let (train, _) = corpus::encode(&splits.train, &vocab);
    let (valid, unknown) = corpus::encode(&splits.valid, &vocab);
    if unknown > 0 {
        tracing::info!("{unknown} validation tokens are not in the training vocabularies and read as <unk>");
    }
    Seq2SeqData { vocab, train, valid }
}

impl Task for Translate {
    const NAME: &'static str = "translate";
    const ABOUT: &'static str =
        "Translate English to French: the built-in corpus, the machine's gettext catalogs or a Tatoeba file (--data); the article's main job";
    const ACCURACY: &'static str = "token accuracy";
    type Config = TranslateConfig;
    type Data = TranslateData;
    type Trained = Translator;

    fn common_defaults() -> CommonConfig {
        CommonConfig {
            epochs: 3,
            batch_size: 64,
            ..seq2seq::common_defaults()
        }
    }

    fn validate(config: &TranslateConfig, _: &CommonConfig) -> Result<(), TrainError> {
        TrainError::positive("train_size", config.train_size)?;
        TrainError::positive("min_count", config.min_count)?;
        for (field, cap) in [
            ("max_source_vocab", config.max_source_vocab),
            ("max_target_vocab", config.max_target_vocab),
        ] {
            if let Some(cap) = cap
                && cap < 5
            {
                return TrainError::invalid(field, format!("must be at least 5 (4 special tokens and a word), got {cap}"));
            }
        }
        if config.max_len < 2 {
            return TrainError::invalid("max_len", format!("must be at least 2, got {}", config.max_len));
        }
        if config.word_vectors.is_some() && config.seq2seq.model != ModelKind::Rnn {
            return TrainError::invalid(
                "word_vectors",
                "pre-trained vectors initialise the RNN's source embeddings (model = \"rnn\")".into(),
            );
        }
        config.seq2seq.validate(config.max_len)
    }

    fn check_flags(config: &TranslateConfig, given: &[String]) -> Result<(), TrainError> {
        config.seq2seq.check_flags(given)
    }

    fn prepare(config: &TranslateConfig, common: &CommonConfig) -> Result<TranslateData, TrainError> {
        let splits = match &config.data {
            Some(source) if gettext::names_catalogs(source) => {
                let (mut pairs, counts) = gettext::read_catalogs(source)?;
                tracing::info!("{}: {counts}", source.display());
                let filter = Filter {
                    max_len: Some(config.max_len),
                    english_prefixes: config.english_prefixes.clone(),
                };
                let before = pairs.len();
                pairs.retain(|pair| filter.keeps(pair));
                tracing::info!(
                    "{} pairs of more than {} tokens a side dropped",
                    before - pairs.len(),
                    config.max_len
                );
                corpus::split_by_english(pairs, common.seed)
                    .map_err(|e| TrainError::Input(format!("{}: {e}", source.display())))?
            }
            Some(path) => {
                let filter = Filter {
                    max_len: Some(config.max_len),
                    english_prefixes: config.english_prefixes.clone(),
                };
                corpus::from_file(path, &filter, common.seed)?
            }
            None => corpus::builtin(common.seed, config.train_size, config.max_len),
        };
        let vocab = corpus::vocabularies(
            &splits.train,
            config.min_count,
            (config.max_source_vocab, config.max_target_vocab),
        );
        Ok(TranslateData {
            data: encoded(&splits, vocab),
            splits,
        })
    }

    fn save(data: &TranslateData, run: &RunDir) -> Result<(), TrainError> {
        write_json(&run.vocab_path(), &data.data.vocab)?;
        corpus::save_splits(run, &data.splits)
    }

    fn reload(_: &TranslateConfig, _: &CommonConfig, run: &RunDir) -> Result<TranslateData, TrainError> {
        let splits = corpus::read_splits(run)?;
        let vocab = read_json(&run.vocab_path())?;
        Ok(TranslateData {
            data: encoded(&splits, vocab),
            splits,
        })
    }

    fn fit(config: &TranslateConfig, data: TranslateData, session: &Session<'_>) -> Result<RunSummary, TrainError> {
        let source_words = data.data.vocab.source.tokens.clone();
        seq2seq::fit(&config.seq2seq, config.max_len, data.data, session, |model| {
            match (&config.word_vectors, model) {
                (Some(path), Seq2SeqModel::Rnn(rnn)) => {
                    let fresh = rnn.source_embedding.weight.val();
                    let (vectors, found) = models::word_vectors::load_word_vectors(path, &source_words, fresh)
                        .map_err(|e| TrainError::Input(e.to_string()))?;
                    let words = source_words.len() - 4;
                    tracing::info!(
                        "{}: vectors for {found} of the {words} English words ({:.1}%), {}",
                        path.display(),
                        100.0 * found as f64 / words.max(1) as f64,
                        match config.word_vectors_mode {
                            WordVectorsMode::Trainable => "trainable",
                            WordVectorsMode::Frozen => "frozen",
                        }
                    );
                    let trainable = match config.word_vectors_mode {
                        WordVectorsMode::Trainable => Trainable::Yes,
                        WordVectorsMode::Frozen => Trainable::No,
                    };
                    Ok(Seq2SeqModel::Rnn(rnn.with_source_vectors(vectors, trainable)))
                }
                (_, model) => Ok(model),
            }
        })
    }

    fn open(
        run: &RunDir,
        common: &CommonConfig,
        section: &TranslateConfig,
        device: &Device,
    ) -> Result<Translator, TrainError> {
        Ok(Translator {
            run: seq2seq::load(
                &section.seq2seq,
                section.max_len,
                common.batch_size,
                Translate::NAME,
                run,
                device,
            )?,
            config: section.clone(),
            dir: run.clone(),
        })
    }
}

/// A finished translate run, ready to translate sentences.
pub struct Translator {
    /// Its config.
    pub config: TranslateConfig,
    /// Its vocabularies and model.
    pub run: Seq2SeqRun,
    /// Its directory.
    pub dir: RunDir,
}

impl Translator {
    /// Decodes the run's test split and scores it.
    ///
    /// # Errors
    ///
    /// A missing or damaged test split.
    pub fn evaluate(&self, decoding: Decoding) -> Result<EvalReport, TrainError> {
        let pairs = corpus::read_split(&self.dir, "test")?;
        let (test, _) = corpus::encode(&pairs, &self.run.vocab);
        let references: Vec<Vec<String>> = pairs.into_iter().map(|p| p.french).collect();
        Ok(self.run.evaluate(&test, &references, decoding))
    }

    /// Translates `text`.
    ///
    /// # Errors
    ///
    /// If the text has no words, or is longer than the run's model can read.
    pub fn translate(&self, text: &str, decoding: Decoding) -> Result<SentenceTranslation, TrainError> {
        Ok(self.translate_with_alternatives(text, decoding)?.0)
    }

    /// Translates `text`, and returns the decoder's alternatives with it,
    /// best first: the one output of greedy decoding (scored by its
    /// log-probability), or every hypothesis beam search ended with (scored
    /// as it ranks them; `models::decoding::beam_search_n_best`). The first
    /// alternative is the translation.
    ///
    /// # Errors
    ///
    /// If the text has no words, or is longer than the run's model can read.
    pub fn translate_with_alternatives(
        &self,
        text: &str,
        decoding: Decoding,
    ) -> Result<(SentenceTranslation, Vec<Alternative>), TrainError> {
        let source = tokenize(text);
        if source.is_empty() {
            return Err(TrainError::Input(format!("`{text}`: no words to translate")));
        }
        // The fully connected attention has one weight per source position
        // it was built for, the transformer one position each; the RNN's
        // other attentions read any length.
        let longest = self.config.max_len + 1;
        let bounded = match self.config.seq2seq.model {
            ModelKind::Rnn => {
                (self.config.seq2seq.rnn.attention == AttentionName::Fc).then_some("fully connected attention")
            }
            ModelKind::Transformer => Some("transformer"),
        };
        if let Some(what) = bounded
            && source.len() > longest
        {
            return Err(TrainError::Input(format!(
                "`{text}`: {} tokens, but this run's {what} reads at most {longest}",
                source.len()
            )));
        }
        let encoder = self.run.vocab.source.encoder();
        let unknown = encoder.unknown(&source).into_iter().map(String::from).collect();
        let pair = Pair {
            source: encoder.encode(&source),
            target: Vec::new(),
        };
        let batch = Seq2SeqBatcher.batch(vec![pair], &self.run.device);
        let mut found: Vec<(f32, Translation)> = match decoding {
            Decoding::Greedy => self
                .run
                .model
                .decode(batch.source.clone(), &batch.lengths, decoding)
                .into_iter()
                .map(|t| (t.log_prob, t))
                .collect(),
            Decoding::Beam(width) => self.run.model.n_best(batch.source.clone(), width),
        };
        let words = |tokens: &[usize]| -> Vec<String> {
            self.run.vocab.target.decode(tokens).into_iter().map(String::from).collect()
        };
        let alternatives = found
            .iter()
            .map(|(score, t)| Alternative {
                output: words(&t.tokens),
                score: *score,
                log_prob: t.log_prob,
            })
            .collect();
        let (_, translation) = found.swap_remove(0);
        let heads = match &self.run.model {
            Seq2SeqModel::Transformer(model) => cross_attention_heads(model, batch.source, &translation.tokens),
            Seq2SeqModel::Rnn(_) => Vec::new(),
        };
        let sentence = SentenceTranslation {
            output: words(&translation.tokens),
            source,
            unknown,
            attention: translation.attention,
            heads,
            log_prob: translation.log_prob,
        };
        Ok((sentence, alternatives))
    }
}

/// The transformer's cross-attention head by head for the `tokens` it
/// decoded from `source` (`[1, src_len]`): `[n_heads][tokens][src_len]`.
/// Decoding keeps the average only; teacher-forcing the same tokens gives
/// every head's weights, the same as at each decoding step (the weights of a
/// position depend only on the tokens before it).
fn cross_attention_heads(model: &TransformerSeq2Seq, source: Tensor<2, Int>, tokens: &[usize]) -> Vec<Vec<Vec<f32>>> {
    let Some((_, fed)) = tokens.split_last() else {
        return Vec::new();
    };
    let device = source.device();
    let [_, src_len] = source.dims();
    // Step i reads token i - 1, `<bos>` first, and emits token i.
    let input: Vec<i64> = std::iter::once(BOS).chain(fed.iter().copied()).map(|t| t as i64).collect();
    let input = Tensor::<2, Int>::from_data(TensorData::new(input, [1, tokens.len()]), &device);
    per_head(model.forward(source, &[src_len], input).cross_attention) // [1, n_heads, tokens, src_len]
}

impl Trained for Translator {
    fn evaluate(&self, decoding: Decoding) -> Result<String, TrainError> {
        Ok(Translator::evaluate(self, decoding)?.to_string())
    }

    fn describe(&self) -> Map<String, Value> {
        let (model, heads) = match self.config.seq2seq.model {
            ModelKind::Rnn => ("rnn", 0),
            ModelKind::Transformer => ("transformer", self.config.seq2seq.transformer.n_heads),
        };
        let mut info = Map::new();
        info.insert("model".into(), json!(model));
        info.insert("heads".into(), json!(heads));
        info
    }

    fn translator(&self) -> Option<&dyn Translating> {
        Some(self)
    }
}

impl Translating for Translator {
    fn translate(&self, text: &str, decoding: Decoding) -> Result<(SentenceTranslation, Vec<Alternative>), TrainError> {
        self.translate_with_alternatives(text, decoding)
    }

    fn max_words(&self) -> usize {
        self.config.max_len
    }
}

