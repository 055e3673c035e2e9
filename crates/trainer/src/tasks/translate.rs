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
    self, AttentionName, EmbeddingsName, ModelKind, Seq2SeqBatcher, Seq2SeqConfig, Seq2SeqData, Seq2SeqModel, Seq2SeqRun,
};
use crate::TrainError;
use crate::data::codec::{Codec, Codecs, Decoded, TokenizerName, VocabSharing};
use crate::data::corpus::{self, Splits};
use crate::data::gettext::{self, CatalogFile};
use crate::data::tatoeba::Filter;
use crate::data::tokenize::{detokenize, tokenize};
use crate::data::vocab::SPECIALS;
use crate::data::{BOS, Pair, UNK};
use crate::report::evaluation::{EvalCounts, EvalReport, Scored};
use crate::report::translation::{Alternative, PieceAttention, SentenceTranslation, words_of};
use crate::report::weights::per_head;
use crate::run_dir::{RunDir, RunSummary};
use crate::session::{CommonConfig, Session};
use crate::task::{Decoding, Task, Trained, Translating, UnknownWords};

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
    /// Pairs with more word tokens on either side are dropped; the model
    /// reads and writes at most this many tokens (subwords: 4 times as many).
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
    /// What the vocabularies are made of: words, lower-cased (the article's), or subwords trained
    /// on the training split, case kept.
    #[arg(long)]
    pub tokenizer: TokenizerName,
    /// Entries of each subword vocabulary, the 4 special tokens included (bpe, unigram).
    #[arg(long)]
    pub vocab_size: usize,
    /// One subword vocabulary for both languages, or one each (bpe, unigram).
    #[arg(long)]
    pub subword_vocab: VocabSharing,
    /// A catalog left out of the training data, by name (`coreutils` for coreutils.mo;
    /// repeatable): to measure on catalogs the model never saw.
    #[arg(long = "hold-out-catalog", value_name = "NAME")]
    pub hold_out_catalogs: Vec<String>,
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
            tokenizer: TokenizerName::Word,
            vocab_size: 8000,
            subword_vocab: VocabSharing::Shared,
            hold_out_catalogs: Vec::new(),
            seq2seq,
        }
    }
}

/// Subword tokens a subword run allows for each word of `max_len`.
pub const SUBWORDS_PER_WORD: usize = 4;

/// The largest `train_size`: the built-in corpus is generated in memory, all of it, before
/// training starts; the generator draws from a grammar of a few hundred words.
pub const MAX_TRAIN_SIZE: usize = 1_000_000;

/// The longest `max_len`, in words: the article's sentences have up to 100.
pub const MAX_LEN: usize = 1_000;

impl TranslateConfig {
    /// The most tokens the model reads or writes: `max_len` words, or
    /// [`SUBWORDS_PER_WORD`] times as many subwords.
    pub fn max_tokens(&self) -> usize {
        match self.tokenizer {
            TokenizerName::Word => self.max_len,
            TokenizerName::Bpe | TokenizerName::Unigram => SUBWORDS_PER_WORD * self.max_len,
        }
    }
}

/// The translate task's data: ids, the codecs that made them, and the
/// splits as text, which a fresh run saves.
pub struct TranslateData {
    /// Ids.
    pub data: Seq2SeqData,
    /// The vocabularies.
    pub codecs: Codecs,
    /// The splits.
    pub splits: Splits,
    /// The catalogs read, for `catalogs.tsv` (gettext data only).
    pub catalogs: Vec<CatalogFile>,
}

/// The splits as ids; pairs longer than `max_tokens` on either side are
/// dropped (subword runs: a pair of many short words).
fn encoded(splits: &Splits, codecs: &Codecs, max_tokens: usize) -> Seq2SeqData {
    tracing::info!(
        "{} training, {} validation, {} test pairs; vocabularies of {} English and {} French tokens",
        splits.train.len(),
        splits.valid.len(),
        splits.test.len(),
        codecs.source.len(),
        codecs.target.len()
    );
    let fits = |pair: &Pair| pair.source.len() <= max_tokens && pair.target.len() <= max_tokens;
    let (mut train, _) = codecs.encode(&splits.train);
    let (mut valid, unknown) = codecs.encode(&splits.valid);
    let before = train.len() + valid.len();
    train.retain(fits);
    valid.retain(fits);
    if train.len() + valid.len() < before {
        tracing::info!(
            "{} training and validation pairs of more than {max_tokens} tokens a side dropped",
            before - train.len() - valid.len()
        );
    }
    if unknown > 0 {
        tracing::info!("{unknown} validation tokens are not in the training vocabularies and read as <unk>");
    }
    Seq2SeqData {
        source_vocab: codecs.source.len(),
        target_vocab: codecs.target.len(),
        train,
        valid,
    }
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
        if config.train_size > MAX_TRAIN_SIZE {
            return TrainError::invalid(
                "train_size",
                format!(
                    "must be at most {MAX_TRAIN_SIZE}, the largest built-in corpus generated in memory \
                     (real text comes with `data`), got {}",
                    config.train_size
                ),
            );
        }
        if config.max_len > MAX_LEN {
            return TrainError::invalid("max_len", format!("must be at most {MAX_LEN} words, got {}", config.max_len));
        }
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
        if config.word_vectors.is_some() && config.tokenizer != TokenizerName::Word {
            return TrainError::invalid(
                "word_vectors",
                "pre-trained vectors are of words, and this run's vocabulary is of subwords (tokenizer = \"word\")"
                    .into(),
            );
        }
        if config.seq2seq.embeddings == EmbeddingsName::Shared
            && (config.tokenizer == TokenizerName::Word || config.subword_vocab == VocabSharing::Separate)
        {
            return TrainError::invalid(
                "embeddings",
                "shared embeddings need one vocabulary for both languages (tokenizer = \"bpe\" or \"unigram\", \
                 subword_vocab = \"shared\")"
                    .into(),
            );
        }
        if config.tokenizer != TokenizerName::Word && config.vocab_size < SPECIALS.len() + 1 {
            return TrainError::invalid(
                "vocab_size",
                format!(
                    "must hold the {} special tokens and a piece, got {}",
                    SPECIALS.len(),
                    config.vocab_size
                ),
            );
        }
        config.seq2seq.validate(config.max_tokens())
    }

    fn check_flags(config: &TranslateConfig, given: &[String]) -> Result<(), TrainError> {
        let (others, needs) = match config.tokenizer {
            TokenizerName::Word => (&["vocab_size", "subword_vocab"][..], "bpe or unigram"),
            TokenizerName::Bpe | TokenizerName::Unigram => (
                &["min_count", "max_source_vocab", "max_target_vocab", "word_vectors", "word_vectors_mode"][..],
                "word",
            ),
        };
        if let Some(id) = given.iter().find(|id| others.contains(&id.as_str())) {
            return Err(TrainError::Input(format!(
                "--{} applies to --tokenizer {needs}, and this run's vocabulary is of {}",
                id.replace('_', "-"),
                match config.tokenizer {
                    TokenizerName::Word => "words",
                    TokenizerName::Bpe | TokenizerName::Unigram => "subwords",
                }
            )));
        }
        config.seq2seq.check_flags(given)
    }

    fn prepare(config: &TranslateConfig, common: &CommonConfig) -> Result<TranslateData, TrainError> {
        let mut catalogs = Vec::new();
        let splits = match &config.data {
            Some(source) if gettext::names_catalogs(source) => {
                let (mut pairs, counts, read) = gettext::read_catalogs(source, &config.hold_out_catalogs)?;
                catalogs = read;
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
        let codecs = match config.tokenizer.subwords() {
            None => Codecs::words(corpus::vocabularies(
                &splits.train,
                config.min_count,
                (config.max_source_vocab, config.max_target_vocab),
            )),
            Some(model) => {
                let started = std::time::Instant::now();
                let codecs = Codecs::train_subwords(&splits.train, model, config.vocab_size, config.subword_vocab)?;
                tracing::info!(
                    "{:?} vocabularies trained in {:.1} s",
                    config.tokenizer,
                    started.elapsed().as_secs_f64()
                );
                codecs
            }
        };
        let data = encoded(&splits, &codecs, config.max_tokens());
        // Training on nothing would "succeed" with a NaN loss and an empty model.
        for (split, pairs) in [("training", &data.train), ("validation", &data.valid)] {
            if pairs.is_empty() {
                let source = config.data.as_ref().map_or("the built-in corpus".into(), |p| p.display().to_string());
                return Err(TrainError::Input(format!(
                    "{source}: no {split} pairs of at most `max_len` = {} words ({} train, {} validation, \
                     {} test): raise `max_len` or give more data",
                    config.max_len,
                    splits.train.len(),
                    splits.valid.len(),
                    splits.test.len(),
                )));
            }
        }
        Ok(TranslateData {
            data,
            codecs,
            splits,
            catalogs,
        })
    }

    fn save(data: &TranslateData, run: &RunDir) -> Result<(), TrainError> {
        data.codecs.save(run)?;
        corpus::save_splits(run, &data.splits)?;
        if !data.catalogs.is_empty() {
            gettext::save_catalog_list(run, &data.catalogs)?;
        }
        Ok(())
    }

    fn reload(config: &TranslateConfig, _: &CommonConfig, run: &RunDir) -> Result<TranslateData, TrainError> {
        let splits = corpus::read_splits(run)?;
        let codecs = Codecs::load(run, config.tokenizer, config.subword_vocab)?;
        let data = encoded(&splits, &codecs, config.max_tokens());
        // A fresh run's splits have pairs to train and validate on (`prepare`); a split emptied
        // since would resume to no training step, or to a NaN validation loss.
        for (split, pairs, purpose) in [("train", &data.train, "train"), ("valid", &data.valid, "validate")] {
            if pairs.is_empty() {
                return Err(TrainError::Input(format!(
                    "{}: no pairs of at most `max_len` = {} words to {purpose} on; the split was emptied or \
                     edited since the run was made",
                    run.split_path(split).display(),
                    config.max_len,
                )));
            }
        }
        Ok(TranslateData {
            data,
            codecs,
            splits,
            catalogs: Vec::new(),
        })
    }

    fn parameters(config: &TranslateConfig, data: &TranslateData, device: &Device) -> usize {
        seq2seq::parameters(&config.seq2seq, config.max_tokens(), &data.data, device)
    }

    fn fit(config: &TranslateConfig, data: TranslateData, session: &Session<'_>) -> Result<RunSummary, TrainError> {
        let source_words = match &data.codecs.source {
            Codec::Words(vocab) => vocab.tokens.clone(),
            Codec::Subwords(_) => Vec::new(),
        };
        seq2seq::fit(&config.seq2seq, config.max_tokens(), data.data, session, |model| {
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
        let codecs = Codecs::load(run, section.tokenizer, section.subword_vocab)?;
        Ok(Translator {
            run: seq2seq::load(
                &section.seq2seq,
                section.max_tokens(),
                (codecs.source.len(), codecs.target.len()),
                common.batch_size,
                Translate::NAME,
                run,
                device,
            )?,
            codecs,
            config: section.clone(),
            dir: run.clone(),
        })
    }
}

/// A finished translate run, ready to translate sentences.
pub struct Translator {
    /// Its config.
    pub config: TranslateConfig,
    /// Its vocabularies.
    pub codecs: Codecs,
    /// Its model.
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
    pub fn evaluate(&self, decoding: Decoding, unknown: UnknownWords) -> Result<EvalReport, TrainError> {
        let pairs = corpus::read_split(&self.dir, "test")?;
        let longest = self.config.max_tokens() + 1;
        let sources: Vec<Vec<usize>> = pairs
            .iter()
            .map(|p| {
                let mut ids = self.codecs.source.ids(&p.english, &p.english_text);
                // A model of bounded positions reads no more; the RNN's attention reads any length.
                if self.bounded().is_some() {
                    ids.truncate(longest);
                }
                ids
            })
            .collect();
        let outputs = self.run.decode_all(&sources, decoding);
        let mut counts = EvalCounts::default();
        for ((pair, source), output) in pairs.iter().zip(&sources).zip(&outputs) {
            let decoded = self.render(&pair.english, capitalised(&pair.english_text), output, unknown);
            let words = match &self.codecs.target {
                Codec::Words(_) => decoded.words.clone(),
                Codec::Subwords(_) => tokenize(&decoded.text),
            };
            let reference_ids = self.codecs.target.ids(&pair.french, &pair.french_text);
            counts.add(&Scored {
                words: &words,
                text: &decoded.text,
                reference_words: &pair.french,
                reference_text: &pair.french_text,
                ids: &output.tokens,
                reference_ids: &reference_ids,
                source_ids: source,
            });
        }
        Ok(counts.report())
    }

    /// Translates `text`.
    ///
    /// # Errors
    ///
    /// If the text has no words, or is longer than the run's model can read.
    pub fn translate(
        &self,
        text: &str,
        decoding: Decoding,
        unknown: UnknownWords,
    ) -> Result<SentenceTranslation, TrainError> {
        Ok(self.translate_with_alternatives(text, decoding, unknown)?.0)
    }

    /// What bounds the source's length, if anything: the fully connected
    /// attention has one weight per source position it was built for, the
    /// transformer one position each; the RNN's other attentions read any
    /// length.
    fn bounded(&self) -> Option<&'static str> {
        match self.config.seq2seq.model {
            ModelKind::Rnn => {
                (self.config.seq2seq.rnn.attention == AttentionName::Fc).then_some("fully connected attention")
            }
            ModelKind::Transformer => Some("transformer"),
        }
    }

    /// The output of `translation` as a person reads it. A word-level
    /// output's `<unk>` becomes, with [`UnknownWords::Replace`], the word of
    /// `source` its attention row weighs most.
    fn render(&self, source: &[String], capital: bool, translation: &Translation, unknown: UnknownWords) -> Decoded {
        let mut decoded = self.codecs.target.decode(&translation.tokens, capital);
        if unknown == UnknownWords::Replace
            && !self.codecs.source.is_subwords()
            && translation.tokens.contains(&UNK)
        {
            for (word, (&id, row)) in decoded
                .words
                .iter_mut()
                .zip(translation.tokens.iter().zip(&translation.attention))
            {
                let most = (0..row.len().min(source.len())).max_by(|&a, &b| row[a].total_cmp(&row[b]));
                if let (UNK, Some(most)) = (id, most) {
                    word.clone_from(&source[most]);
                }
            }
            decoded.text = detokenize(&decoded.words, capital);
        }
        decoded
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
        unknown: UnknownWords,
    ) -> Result<(SentenceTranslation, Vec<Alternative>), TrainError> {
        let source = self.codecs.source.encode(text);
        if source.ids.is_empty() {
            return Err(TrainError::Input(format!("`{text}`: no words to translate")));
        }
        let longest = self.config.max_tokens() + 1;
        if let Some(what) = self.bounded()
            && source.ids.len() > longest
        {
            return Err(TrainError::Input(format!(
                "`{text}`: {} tokens, but this run's {what} reads at most {longest}",
                source.ids.len()
            )));
        }
        let pair = Pair {
            source: source.ids.clone(),
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
        let capital = capitalised(text);
        let alternatives = found
            .iter()
            .map(|(score, t)| {
                let decoded = self.render(&source.words, capital, t, unknown);
                Alternative {
                    output: decoded.words,
                    text: decoded.text,
                    score: *score,
                    log_prob: t.log_prob,
                }
            })
            .collect();
        let (_, translation) = found.swap_remove(0);
        let decoded = self.render(&source.words, capital, &translation, unknown);
        let heads = match &self.run.model {
            Seq2SeqModel::Transformer(model) => cross_attention_heads(model, batch.source, &translation.tokens),
            Seq2SeqModel::Rnn(_) => Vec::new(),
        };
        let over_words = |weights: &[Vec<f32>]| {
            words_of(
                weights,
                &decoded.word_of,
                decoded.words.len(),
                &source.word_of,
                source.words.len(),
            )
        };
        let subwords = self.codecs.target.is_subwords().then(|| PieceAttention {
            source: source.tokens.clone(),
            output: decoded.tokens.clone(),
            attention: translation.attention.clone(),
            heads: heads.clone(),
        });
        let sentence = SentenceTranslation {
            attention: over_words(&translation.attention),
            heads: heads.iter().map(|head| over_words(head)).collect(),
            source: source.words,
            unknown: source.unknown,
            output: decoded.words,
            text: decoded.text,
            score: translation.log_prob / (translation.tokens.len() + 1) as f32,
            log_prob: translation.log_prob,
            subwords,
        };
        Ok((sentence, alternatives))
    }
}

/// Whether `text` starts with a capital: a word-level output, lower-cased, is
/// given one then.
fn capitalised(text: &str) -> bool {
    text.trim_start().chars().next().is_some_and(char::is_uppercase)
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
    fn evaluate(&self, decoding: Decoding, unknown: UnknownWords) -> Result<String, TrainError> {
        Ok(Translator::evaluate(self, decoding, unknown)?.to_string())
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
    fn translate(
        &self,
        text: &str,
        decoding: Decoding,
        unknown: UnknownWords,
    ) -> Result<(SentenceTranslation, Vec<Alternative>), TrainError> {
        self.translate_with_alternatives(text, decoding, unknown)
    }

    fn max_words(&self) -> usize {
        self.config.max_len
    }
}

