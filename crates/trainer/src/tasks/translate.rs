//! The translate task: English to French, the article's main job. The data
//! is the built-in corpus generated from a French grammar
//! ([`crate::data::french`]) or a Tatoeba file ([`crate::data::tatoeba`]);
//! the model is the article's RNN encoder-decoder with any of its
//! attentions, or the transformer ([`super::seq2seq`]). `attn translate`
//! runs one sentence through a trained run and shows the attention matrix
//! that explains its translation, printed as the article prints it (source
//! words across, output words down) and drawn as a heatmap.
//!
//! A run keeps its splits in `splits/{train,valid,test}.tsv`, one tokenized
//! pair a line, and its vocabularies in `vocab.json`, so that `attn eval`
//! and `--resume` read exactly the sentences the run was made with.

use std::collections::BTreeMap;
use std::path::PathBuf;

use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;
use burn::tensor::{Int, TensorData};
use models::{Trainable, TransformerSeq2Seq, Translation};
use serde::{Deserialize, Serialize};

use super::seq2seq::{
    self, AttentionName, EvalReport, ModelKind, Seq2SeqBatcher, Seq2SeqConfig, Seq2SeqData, Seq2SeqModel, Seq2SeqRun,
};
use crate::TrainError;
use crate::data::corpus::{self, Splits};
use crate::data::gettext;
use crate::data::tatoeba::Filter;
use crate::data::tokenize::{detokenize, tokenize};
use crate::data::{BOS, Pair, Vocabularies};
use crate::report::heatmap::Heatmap;
use crate::run_dir::{RunDir, RunSummary, read_json, write_json};
use crate::session::CommonConfig;
use crate::session::Session;
use crate::task::{Decoding, Task};

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

/// The translate task's data: ids, and the splits as words for a fresh run
/// to save.
pub struct TranslateData {
    /// Ids and vocabularies.
    pub data: Seq2SeqData,
    /// The splits as words (a fresh run only).
    pub splits: Option<Splits>,
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
    type Report = EvalReport;

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
            splits: Some(splits),
        })
    }

    fn save(data: &TranslateData, run: &RunDir) -> Result<(), TrainError> {
        write_json(&run.vocab_path(), &data.data.vocab)?;
        match &data.splits {
            Some(splits) => corpus::save_splits(run, splits),
            None => Ok(()),
        }
    }

    fn reload(_: &TranslateConfig, _: &CommonConfig, run: &RunDir) -> Result<TranslateData, TrainError> {
        let splits = corpus::read_splits(run)?;
        let vocab = read_json(&run.vocab_path())?;
        Ok(TranslateData {
            data: encoded(&splits, vocab),
            splits: None,
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

    fn evaluate(
        common: &CommonConfig,
        section: &TranslateConfig,
        run: &RunDir,
        device: &Device,
        decoding: Decoding,
    ) -> Result<EvalReport, TrainError> {
        Translator::open(run, common, section, device)?.evaluate(decoding, device)
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
    /// The translator of the run in `dir`, whose config is `common` and
    /// `section` (`trainer::training::translator` reads them from the run).
    ///
    /// # Errors
    ///
    /// An unfinished run, or damaged files.
    pub fn open(
        dir: &RunDir,
        common: &CommonConfig,
        section: &TranslateConfig,
        device: &Device,
    ) -> Result<Self, TrainError> {
        Ok(Self {
            run: seq2seq::load(
                &section.seq2seq,
                section.max_len,
                common.batch_size,
                Translate::NAME,
                dir,
                device,
            )?,
            config: section.clone(),
            dir: dir.clone(),
        })
    }

    /// Decodes the run's test split and scores it.
    ///
    /// # Errors
    ///
    /// A missing or damaged test split.
    pub fn evaluate(&self, decoding: Decoding, device: &Device) -> Result<EvalReport, TrainError> {
        let pairs = corpus::read_split(&self.dir, "test")?;
        let (test, _) = corpus::encode(&pairs, &self.run.vocab);
        let references: Vec<Vec<String>> = pairs.into_iter().map(|p| p.french).collect();
        Ok(self.run.evaluate(&test, &references, decoding, device))
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
        device: &Device,
    ) -> Result<SentenceTranslation, TrainError> {
        Ok(self.translate_with_alternatives(text, decoding, device)?.0)
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
        device: &Device,
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
        let batch = Seq2SeqBatcher.batch(vec![pair], device);
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

/// One output the decoder considered for a sentence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alternative {
    /// The output words.
    pub output: Vec<String>,
    /// How the decoder ranked it: the log-probability, divided by the
    /// length penalty when the run's beam search uses one.
    pub score: f32,
    /// Log-probability of the output, end token included when emitted.
    pub log_prob: f32,
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
    let heads = model.forward(source, &[src_len], input).cross_attention; // [1, n_heads, tokens, src_len]
    let [_, n_heads, steps, _] = heads.dims();
    let values = heads.into_data().convert::<f32>().try_to_vec::<f32>().expect("f32 weights");
    (0..n_heads)
        .map(|h| {
            (0..steps)
                .map(|i| values[(h * steps + i) * src_len..(h * steps + i + 1) * src_len].to_vec())
                .collect()
        })
        .collect()
}

/// What [`Translator::translate_catalog`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogSummary {
    /// Entries in the catalog (the header not counted).
    pub entries: usize,
    /// Untranslated entries.
    pub untranslated: usize,
    /// Untranslated entries that got a suggestion, marked `fuzzy`.
    pub suggested: usize,
    /// Untranslated entries left as they were, by reason.
    pub skipped: Vec<(String, usize)>,
}

impl std::fmt::Display for CatalogSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let skipped: usize = self.skipped.iter().map(|(_, n)| n).sum();
        write!(
            f,
            "{} entries, {} untranslated: {} suggested (marked fuzzy), {skipped} skipped",
            self.entries, self.untranslated, self.suggested
        )?;
        if !self.skipped.is_empty() {
            let reasons: Vec<String> = self.skipped.iter().map(|(why, n)| format!("{n} {why}")).collect();
            write!(f, " ({})", reasons.join(", "))?;
        }
        Ok(())
    }
}

impl Translator {
    /// Writes to `output` a copy of the gettext catalog `input` in which every
    /// untranslated entry the model can handle has the model's translation,
    /// marked `fuzzy` for a translator to review. Plurals, entries with a
    /// context, and messages with placeholders, markup, accelerators or
    /// several lines, or too long for the model, stay untranslated. The
    /// entries keep their comments and order.
    ///
    /// # Errors
    ///
    /// If `output` is `input` (it is never overwritten), `input` cannot be
    /// read or parsed (the message names the line), or `output` cannot be
    /// written (it is written whole or not at all).
    pub fn translate_catalog(
        &self,
        input: &std::path::Path,
        output: &std::path::Path,
        decoding: Decoding,
        device: &Device,
    ) -> Result<CatalogSummary, TrainError> {
        let same = match (input.canonicalize(), output.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => input == output,
        };
        if same {
            return Err(TrainError::Input(format!(
                "{}: --out names the input catalog, which is never written over; choose another file",
                output.display()
            )));
        }
        let text = std::fs::read_to_string(input)
            .map_err(|e| TrainError::Input(format!("{}: cannot read: {e}", input.display())))?;
        let mut catalog = rspolib::pofile(text.as_str())
            .map_err(|e| TrainError::Input(format!("{}: {e}", input.display())))?;
        let mut summary = CatalogSummary::default();
        let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in catalog.entries.iter_mut().filter(|e| !e.obsolete) {
            summary.entries += 1;
            let translated = entry.msgstr.as_deref().is_some_and(|s| !s.is_empty())
                || entry.msgstr_plural.iter().any(|s| !s.is_empty());
            if translated {
                continue;
            }
            summary.untranslated += 1;
            let words = tokenize(&entry.msgid).len();
            let reason = if entry.msgid_plural.is_some() {
                Some("plural")
            } else if entry.msgctxt.is_some() {
                Some("with a context")
            } else if let Some(why) = gettext::unsuitable(&entry.msgid) {
                Some(why)
            } else if words == 0 || words > self.config.max_len {
                Some("of no words or too many")
            } else {
                None
            };
            if let Some(reason) = reason {
                *skipped.entry(reason).or_insert(0) += 1;
                continue;
            }
            let translation = self.translate(&gettext::normalise(&entry.msgid), decoding, device)?;
            if translation.output.is_empty() {
                *skipped.entry("that the model left empty").or_insert(0) += 1;
                continue;
            }
            let capital = entry.msgid.chars().next().is_some_and(char::is_uppercase);
            entry.msgstr = Some(detokenize(&translation.output, capital));
            if !entry.flags.iter().any(|f| f == "fuzzy") {
                entry.flags.push("fuzzy".into());
            }
            summary.suggested += 1;
        }
        summary.skipped = skipped.into_iter().map(|(why, n)| (why.to_string(), n)).collect();
        crate::run_dir::write_atomic(output, catalog.to_string().as_bytes())?;
        Ok(summary)
    }
}

/// One sentence and its translation.
#[derive(Clone, Debug, PartialEq)]
pub struct SentenceTranslation {
    /// The source tokens, as the user wrote them (normalised).
    pub source: Vec<String>,
    /// Source words outside the training vocabulary (read as `<unk>`).
    pub unknown: Vec<String>,
    /// The output tokens.
    pub output: Vec<String>,
    /// `[output.len()][source.len()]`: the weights behind each output token
    /// (the transformer's: the last decoder block's cross-attention,
    /// averaged over heads).
    pub attention: Vec<Vec<f32>>,
    /// `[n_heads][output.len()][source.len()]`: the transformer's
    /// cross-attention per head; empty for the RNN.
    pub heads: Vec<Vec<Vec<f32>>>,
    /// Log-probability of the output, end token included.
    pub log_prob: f32,
}

impl SentenceTranslation {
    /// The attention matrix as a heatmap, output words down, source words
    /// across.
    ///
    /// # Errors
    ///
    /// If the output is empty (a model that emits the end token at once has
    /// no matrix to draw).
    pub fn heatmap(&self) -> Result<Heatmap, TrainError> {
        if self.output.is_empty() {
            return Err(TrainError::Input(format!(
                "`{}`: the translation is empty, there is no attention matrix to draw",
                self.source.join(" ")
            )));
        }
        Heatmap::new(
            format!("{} -> {}", self.source.join(" "), self.output.join(" ")),
            self.output.clone(),
            self.source.clone(),
            self.attention.clone(),
        )
    }

    /// The heatmaps of the transformer's heads, one per head, titled
    /// `head 1`, `head 2`, ...; none for the RNN.
    ///
    /// # Errors
    ///
    /// As [`heatmap`](Self::heatmap).
    pub fn head_heatmaps(&self) -> Result<Vec<Heatmap>, TrainError> {
        self.heads
            .iter()
            .enumerate()
            .map(|(h, weights)| {
                Heatmap::new(
                    format!("head {}", h + 1),
                    self.output.clone(),
                    self.source.clone(),
                    weights.clone(),
                )
            })
            .collect()
    }
}

/// The attention matrix as text: source words across, output words down,
/// weights to two decimals.
///
/// # Example
///
/// ```
/// use trainer::tasks::translate::{SentenceTranslation, format_matrix};
/// let t = SentenceTranslation {
///     source: vec!["i".into(), "love".into(), "you".into()],
///     unknown: vec![],
///     output: vec!["je".into(), "t'".into(), "aime".into()],
///     attention: vec![vec![0.9, 0.05, 0.05], vec![0.1, 0.1, 0.8], vec![0.0, 1.0, 0.0]],
///     heads: vec![],
///     log_prob: -0.1,
/// };
/// assert_eq!(
///     format_matrix(&t.source, &t.output, &t.attention),
///     "         i  love   you\n\
///      je    0.90  0.05  0.05\n\
///      t'    0.10  0.10  0.80\n\
///      aime  0.00  1.00  0.00\n"
/// );
/// ```
pub fn format_matrix(source: &[String], output: &[String], attention: &[Vec<f32>]) -> String {
    let label = output.iter().map(|w| w.chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = source.iter().map(|w| w.chars().count().max(4)).collect();
    let mut text = " ".repeat(label);
    for (word, width) in source.iter().zip(&widths) {
        text.push_str(&format!("  {word:>width$}"));
    }
    text.push('\n');
    for (word, row) in output.iter().zip(attention) {
        text.push_str(&format!("{word:<label$}"));
        for (weight, width) in row.iter().zip(&widths) {
            text.push_str(&format!("  {weight:>width$.2}"));
        }
        text.push('\n');
    }
    text
}
