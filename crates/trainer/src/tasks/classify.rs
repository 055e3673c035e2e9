//! The classify task: which language is this word? A character-level
//! encoder-only transformer ([`models::EncoderTransformer`]) reads
//! `<cls> c_1 .. c_n <eos>` and its sequence head gives one logit per language.
//! The words come from word lists ([`crate::data::wordlists`]), such as those
//! Debian ships in `/usr/share/dict`. See `docs/classify.md`.
//!
//! A run keeps its splits in `splits/{train,valid,test}.tsv` (`word<TAB>language`)
//! and its characters and languages in `vocab.json`, so evaluation and
//! `--resume` read exactly what the run was made with.

use std::fmt;
use std::path::Path;

use attention_core::Weights;
use burn::data::dataloader::batcher::Batcher;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::tensor::activation::softmax;
use burn::tensor::{Int, TensorData};
use burn::train::metric::{AccuracyMetric, LearningRateMetric, LossMetric};
use burn::train::{ClassificationOutput, InferenceStep, TrainOutput, TrainStep};
use models::{EncoderTransformer, EncoderTransformerConfig, NgramHash, Pooling};
use serde::{Deserialize, Serialize};

use super::transformer::{NormName, PositionsName, TransformerOptions};
use crate::TrainError;
use crate::data::wordlists::{LabelledWord, WordList, WordSplits, read_word_lists};
use crate::data::{BOS, EOS, Encoder, PAD, Vocabulary};
use crate::metrics::FiniteLoss;
use crate::report::heatmap::Heatmap;
use crate::run_dir::{RunDir, RunSummary, read_json, write_atomic, write_json};
use crate::session::{CommonConfig, ScheduleName};
use crate::session::{Session, save_model};
use crate::task::{Decoding, Task};

/// The classify task.
pub struct Classify;

/// The classify task's section of the config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
#[group(skip)]
pub struct ClassifyConfig {
    /// A word list, LANG=FILE (repeatable; at least two); Debian's five
    /// lists (wamerican, wfrench, wngerman, wspanish, witalian) by default.
    #[arg(long = "words", value_name = "LANG=FILE")]
    pub words: Vec<WordList>,
    /// At most this many words of each language, drawn with the seed
    /// (balanced classes, bounded time); all if absent.
    #[arg(long)]
    pub per_language: Option<usize>,
    /// The longest word, in characters; longer words are dropped.
    #[arg(long)]
    pub max_len: usize,
    /// Pooling of the word's states.
    #[arg(long)]
    pub pooling: PoolingName,
    /// Longest character n-gram with an embedding of its own, added to the
    /// embedding of its last character; 1 turns them off.
    #[arg(long)]
    pub ngrams: usize,
    /// Rows the character n-grams are hashed into.
    #[arg(long)]
    pub ngram_buckets: usize,
    /// The hash of the n-grams: prime (this release's), or base-257 (that of
    /// releases 0.1 and 0.2, whose runs use it; it collides far more often).
    #[arg(long)]
    pub ngram_hash: NgramHashName,
    /// Put `<eos>` after the characters, so that the model sees where the
    /// word ends and the n-grams ending there are its suffixes (naive Bayes'
    /// `$`). Runs of releases before 0.3.0 read words without it.
    #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set)]
    pub end_marker: bool,
    /// Above 0, add to the transformer's logits a linear classifier over the
    /// bag of the word's character n-grams of 1 to this many characters
    /// (logistic regression on the counts naive Bayes reads); 0 turns it off.
    #[arg(long)]
    pub ngram_logits: usize,
    /// Rows the bag's n-grams are hashed into.
    #[arg(long)]
    pub ngram_logit_buckets: usize,
    /// The encoder's sizes.
    #[serde(flatten)]
    #[command(flatten)]
    pub transformer: TransformerOptions,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        Self {
            words: debian_word_lists(),
            per_language: Some(20_000),
            max_len: 24,
            pooling: PoolingName::Mean,
            ngrams: 4,
            ngram_buckets: 16_384,
            ngram_hash: NgramHashName::Prime,
            end_marker: true,
            ngram_logits: 5,
            ngram_logit_buckets: 262_144,
            transformer: TransformerOptions {
                d_model: 64,
                n_heads: 4,
                n_layers: 3,
                d_ff: 256,
                dropout: 0.2,
                positions: PositionsName::Learned,
                norm: NormName::Pre,
            },
        }
    }
}

/// How the transformer pools a word into one vector, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PoolingName {
    /// The state of the `<cls>` token put before the characters (BERT).
    Cls,
    /// The mean of the states of the characters and `<cls>`.
    Mean,
}

impl PoolingName {
    /// The model's setting.
    pub fn pooling(self) -> Pooling {
        match self {
            PoolingName::Cls => Pooling::Cls,
            PoolingName::Mean => Pooling::Mean,
        }
    }
}

/// The hash of the character n-grams, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum NgramHashName {
    /// [`NgramHash::Prime`].
    Prime,
    /// [`NgramHash::Base257`], releases 0.1 and 0.2.
    #[value(name = "base-257")]
    #[serde(rename = "base-257")]
    Base257,
}

impl NgramHashName {
    /// The model's setting.
    pub fn hash(self) -> NgramHash {
        match self {
            NgramHashName::Prime => NgramHash::Prime,
            NgramHashName::Base257 => NgramHash::Base257,
        }
    }
}

/// The five word lists of Debian's `wamerican wfrench wngerman wspanish
/// witalian` packages, the classify task's default.
pub fn debian_word_lists() -> Vec<WordList> {
    [
        ("en", "american-english"),
        ("fr", "french"),
        ("de", "ngerman"),
        ("es", "spanish"),
        ("it", "italian"),
    ]
    .into_iter()
    .map(|(language, file)| WordList {
        language: language.to_string(),
        path: Path::new("/usr/share/dict").join(file),
    })
    .collect()
}

/// The metrics a classify run records, as Burn names them.
const METRICS: [&str; 3] = ["Loss", "Accuracy", "Learning Rate"];

/// The characters the model reads and the languages it tells apart:
/// `vocab.json` of a classify run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassVocab {
    /// Characters: `<pad> <bos> <eos> <unk>` at 0 to 3 (`<bos>` serves as
    /// `<cls>`), then every character of the training words.
    pub characters: Vocabulary,
    /// Languages, by class id.
    pub languages: Vec<String>,
}

/// The token ids the model reads for `word`: `<cls>`, one id per
/// character (`<unk>` for a character training never saw), then `<eos>` with
/// `end_marker`. `characters` is the run's [`ClassVocab::characters`]
/// encoder, built once for many words.
///
/// # Example
///
/// ```
/// use trainer::data::Vocabulary;
/// use trainer::tasks::classify::encode_word;
/// // <pad> <bos> <eos> <unk> at 0 to 3, then a and b.
/// let vocab = Vocabulary::new(["a", "b"].map(String::from));
/// let characters = vocab.encoder();
/// assert_eq!(encode_word(&characters, "abz", true), [1, 4, 5, 3, 2]);
/// assert_eq!(encode_word(&characters, "abz", false), [1, 4, 5, 3]);
/// ```
pub fn encode_word(characters: &Encoder<'_>, word: &str, end_marker: bool) -> Vec<usize> {
    let chars: Vec<String> = word.chars().map(String::from).collect();
    let mut ids = vec![BOS];
    ids.extend(characters.encode(&chars));
    if end_marker {
        ids.push(EOS);
    }
    ids
}

impl ClassifyConfig {
    /// The classifier this config trains, for `characters` tokens and
    /// `languages` classes.
    pub fn model_config(&self, characters: usize, languages: usize) -> EncoderTransformerConfig {
        let t = &self.transformer;
        EncoderTransformerConfig::new(characters)
            .with_d_model(t.d_model)
            .with_n_heads(t.n_heads)
            .with_n_layers(t.n_layers)
            .with_d_ff(t.d_ff)
            .with_max_len(self.max_len + 1 + usize::from(self.end_marker))
            .with_positions(t.positions.kind())
            .with_norm(t.norm.placement())
            .with_pooling(self.pooling.pooling())
            .with_dropout(t.dropout)
            .with_ngrams(self.ngrams)
            .with_ngram_buckets(self.ngram_buckets)
            .with_ngram_hash(self.ngram_hash.hash())
            .with_ngram_logits(self.ngram_logits)
            .with_ngram_logit_buckets(self.ngram_logit_buckets)
            .with_n_classes(Some(languages))
    }
}

/// One word as ids, and its language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordItem {
    /// `<cls>` and the characters.
    pub tokens: Vec<usize>,
    /// The language's class id.
    pub language: usize,
}

/// A padded batch of words.
#[derive(Clone, Debug)]
pub struct WordBatch {
    /// `[batch, len]`.
    pub tokens: Tensor<2, Int>,
    /// Lengths, `<cls>` included.
    pub lengths: Vec<usize>,
    /// `[batch]`: the language of each word.
    pub languages: Tensor<1, Int>,
}

/// Pads [`WordItem`]s into a [`WordBatch`].
#[derive(Clone, Debug, Default)]
pub struct WordBatcher;

impl Batcher<WordItem, WordBatch> for WordBatcher {
    fn batch(&self, items: Vec<WordItem>, device: &Device) -> WordBatch {
        let width = items.iter().map(|i| i.tokens.len()).max().unwrap_or(1);
        let ids: Vec<i64> = items
            .iter()
            .flat_map(|item| {
                item.tokens
                    .iter()
                    .map(|&t| t as i64)
                    .chain(std::iter::repeat_n(PAD as i64, width - item.tokens.len()))
            })
            .collect();
        let languages: Vec<i64> = items.iter().map(|i| i.language as i64).collect();
        WordBatch {
            tokens: Tensor::from_data(TensorData::new(ids, [items.len(), width]), device),
            lengths: items.iter().map(|i| i.tokens.len()).collect(),
            languages: Tensor::from_data(TensorData::new(languages, [items.len()]), device),
        }
    }
}

/// The classifier in Burn's trainer.
#[derive(Module, Debug)]
pub struct ClassifierLearner {
    /// The model.
    pub model: EncoderTransformer,
    /// Label smoothing of the loss.
    pub label_smoothing: f64,
}

impl ClassifierLearner {
    /// The output, whose loss is the cross-entropy of the class logits, and
    /// the bag of n-grams' own logits, when the model has the bag.
    fn run(&self, batch: WordBatch) -> (ClassificationOutput, Option<Tensor<2>>) {
        let out = self.model.forward(batch.tokens, &batch.lengths, Weights::Skip);
        let logits = out.class_logits.expect("the classifier has a sequence head");
        let loss = self.cross_entropy(logits.clone(), batch.languages.clone());
        (ClassificationOutput::new(loss, logits, batch.languages), out.ngram_class_logits)
    }

    /// The cross-entropy of `logits` against `languages`, with the run's label smoothing.
    fn cross_entropy(&self, logits: Tensor<2>, languages: Tensor<1, Int>) -> Tensor<1> {
        let smoothing = (self.label_smoothing > 0.0).then_some(self.label_smoothing as f32);
        CrossEntropyLossConfig::new()
            .with_smoothing(smoothing)
            .init(&logits.device())
            .forward(logits, languages)
    }
}

impl TrainStep for ClassifierLearner {
    type Input = WordBatch;
    type Output = ClassificationOutput;

    /// Minimises the cross-entropy of the class logits, plus that of the bag
    /// of n-grams alone: the bag learns to classify on its own, as logistic
    /// regression, rather than only what the transformer leaves unexplained
    /// (trained together, the transformer fits the training words first and
    /// the bag learns little; docs/classify.md). The loss reported is the first.
    fn step(&self, batch: WordBatch) -> TrainOutput<ClassificationOutput> {
        let words = batch.lengths.len();
        let (output, bag_logits) = self.run(batch);
        let objective = match bag_logits {
            Some(bag) => output.loss.clone() + self.cross_entropy(bag, output.targets.clone()),
            None => output.loss.clone(),
        };
        let mut out = TrainOutput::new(self, objective.backward(), output);
        if crate::distributed::current().is_some() {
            (out.grads, out.item.loss) = crate::distributed::average(self, out.grads, out.item.loss, words);
        }
        out
    }
}

impl InferenceStep for ClassifierLearner {
    type Input = WordBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: WordBatch) -> ClassificationOutput {
        self.run(batch).0
    }
}

fn save_splits(run: &RunDir, splits: &WordSplits) -> Result<(), TrainError> {
    for (name, words) in [
        ("train", &splits.train),
        ("valid", &splits.valid),
        ("test", &splits.test),
    ] {
        let text: String = words
            .iter()
            .map(|w| format!("{}\t{}\n", w.word, splits.languages[w.language]))
            .collect();
        write_atomic(&run.split_path(name), text.as_bytes())?;
    }
    Ok(())
}

/// Reads one split a classify run saved.
///
/// # Errors
///
/// If the file is missing, or a line is not `word<TAB>language` with a
/// language of the run; the message names the file and the line.
pub fn read_split(run: &RunDir, split: &str, languages: &[String]) -> Result<Vec<LabelledWord>, TrainError> {
    let (path, text) = run.read_split(split)?;
    text.lines()
        .enumerate()
        .map(|(number, line)| {
            let parsed = line.split_once('\t').and_then(|(word, language)| {
                let language = languages.iter().position(|l| l == language)?;
                (!word.is_empty()).then(|| LabelledWord {
                    word: word.to_string(),
                    language,
                })
            });
            parsed.ok_or_else(|| {
                TrainError::Input(format!(
                    "{}:{}: expected `word<TAB>language`, the language one of {}",
                    path.display(),
                    number + 1,
                    languages.join(", ")
                ))
            })
        })
        .collect()
}

fn items(words: &[LabelledWord], vocab: &ClassVocab, end_marker: bool) -> Vec<WordItem> {
    let characters = vocab.characters.encoder();
    words
        .iter()
        .map(|w| WordItem {
            tokens: encode_word(&characters, &w.word, end_marker),
            language: w.language,
        })
        .collect()
}

/// The classify task's data: the vocabulary and the words as ids, and the
/// splits as words for a fresh run to save.
pub struct ClassifyData {
    vocab: ClassVocab,
    train: Vec<WordItem>,
    valid: Vec<WordItem>,
    splits: Option<WordSplits>,
}

impl Task for Classify {
    const NAME: &'static str = "classify";
    const ABOUT: &'static str =
        "Tell the language of a word: a character-level transformer on word lists (--words LANG=FILE)";
    const ACCURACY: &'static str = "accuracy";
    type Config = ClassifyConfig;
    type Data = ClassifyData;
    type Report = ClassifyReport;
    // Release 0.1.0 had one flat config, whose `d_hidden` was the classifier's width.
    const RELEASE_0_1_RENAMES: &'static [(&'static str, &'static str)] = &[("d_hidden", "d_model")];

    // Releases before 0.3.0 read words without `<eos>`, had no n-gram logits
    // and hashed n-grams in base 257.
    fn as_in_earlier_releases(config: &mut ClassifyConfig) {
        config.end_marker = false;
        config.ngram_logits = 0;
        config.ngram_hash = NgramHashName::Base257;
    }

    fn common_defaults() -> CommonConfig {
        CommonConfig {
            epochs: 6,
            batch_size: 128,
            learning_rate: 3e-3,
            schedule: ScheduleName::WarmupCosine,
            warmup_steps: 200,
            ..CommonConfig::default()
        }
    }

    fn validate(config: &ClassifyConfig, _: &CommonConfig) -> Result<(), TrainError> {
        if config.max_len < 2 {
            return TrainError::invalid("max_len", format!("must be at least 2, got {}", config.max_len));
        }
        if config.per_language == Some(0) {
            return TrainError::invalid("per_language", "must be at least 1, got 0".into());
        }
        TrainError::positive("ngrams", config.ngrams)?;
        config.transformer.validate()?;
        config
            .model_config(5, 2)
            .validate()
            .map_err(|e| TrainError::Input(format!("config: {e}")))
    }

    fn prepare(config: &ClassifyConfig, common: &CommonConfig) -> Result<ClassifyData, TrainError> {
        let splits =
            read_word_lists(&config.words, config.per_language, config.max_len, common.seed).map_err(|e| match e {
                TrainError::Input(message)
                    if message.contains("/usr/share/dict/") && message.contains("cannot read") =>
                {
                    TrainError::Input(format!(
                        "{message} (the default word lists come from Debian's packages: \
                         apt-get install wamerican wfrench wngerman wspanish witalian; or give --words LANG=FILE)"
                    ))
                }
                other => other,
            })?;
        tracing::info!(
            "{} words; dropped: {} in several lists, {} malformed or of the wrong length\n{}",
            splits.train.len() + splits.valid.len() + splits.test.len(),
            splits.dropped_shared,
            splits.dropped_malformed,
            splits.balance()
        );
        let chars: Vec<Vec<String>> = splits
            .train
            .iter()
            .map(|w| w.word.chars().map(String::from).collect())
            .collect();
        let vocab = ClassVocab {
            characters: Vocabulary::from_sentences(&chars, 1),
            languages: splits.languages.clone(),
        };
        Ok(ClassifyData {
            train: items(&splits.train, &vocab, config.end_marker),
            valid: items(&splits.valid, &vocab, config.end_marker),
            vocab,
            splits: Some(splits),
        })
    }

    fn save(data: &ClassifyData, run: &RunDir) -> Result<(), TrainError> {
        write_json(&run.vocab_path(), &data.vocab)?;
        match &data.splits {
            Some(splits) => save_splits(run, splits),
            None => Ok(()),
        }
    }

    fn reload(config: &ClassifyConfig, _: &CommonConfig, run: &RunDir) -> Result<ClassifyData, TrainError> {
        let vocab: ClassVocab = read_json(&run.vocab_path())?;
        let train = items(&read_split(run, "train", &vocab.languages)?, &vocab, config.end_marker);
        let valid = items(&read_split(run, "valid", &vocab.languages)?, &vocab, config.end_marker);
        Ok(ClassifyData {
            vocab,
            train,
            valid,
            splits: None,
        })
    }

    fn fit(config: &ClassifyConfig, data: ClassifyData, session: &Session<'_>) -> Result<RunSummary, TrainError> {
        let ClassifyData {
            vocab, train, valid, ..
        } = data;
        let train_items = train.len();
        let model = config
            .model_config(vocab.characters.len(), vocab.languages.len())
            .init(&session.device.clone().autodiff());
        // Under `--distributed mpi` every rank starts from rank 0's weights.
        let model = match crate::distributed::current() {
            Some(_) => crate::distributed::broadcast_model(model),
            None => model,
        };
        let training = session
            .training(session.train_loader(WordBatcher, train)?, session.loader(WordBatcher, valid))
            .metrics((LossMetric::new(), AccuracyMetric::new()))
            .metric_train_numeric(LearningRateMetric::new())
            .metric_train(FiniteLoss::default());
        let classifier = ClassifierLearner {
            model,
            label_smoothing: session.common.label_smoothing,
        };
        let learner = session.learner(classifier, train_items, config.transformer.d_model)?;
        session.fit(training, learner, &METRICS, |trained: ClassifierLearner, path| {
            save_model(trained.model, path)
        })
    }

    fn evaluate(
        common: &CommonConfig,
        section: &ClassifyConfig,
        run: &RunDir,
        device: &Device,
        decoding: Decoding,
    ) -> Result<ClassifyReport, TrainError> {
        if decoding != Decoding::Greedy {
            return Err(TrainError::Input(
                "--beam decodes sentences; a classify run has none".into(),
            ));
        }
        Classifier::from_run(run, section.clone(), common.batch_size, device)?.evaluate(device)
    }
}

/// A trained classify run.
pub struct Classifier {
    /// Its section of the config.
    pub config: ClassifyConfig,
    /// Its characters and languages.
    pub vocab: ClassVocab,
    /// The model.
    pub model: EncoderTransformer,
    /// Words per batch when classifying a split.
    pub batch_size: usize,
    /// Its directory.
    pub dir: RunDir,
}

impl Classifier {
    /// The classifier of the run in `dir`, whose config is `common` and
    /// `section` (`trainer::training::classifier` reads them from the run).
    ///
    /// # Errors
    ///
    /// An unfinished run, or damaged files.
    pub fn open(
        dir: &RunDir,
        common: &CommonConfig,
        section: &ClassifyConfig,
        device: &Device,
    ) -> Result<Self, TrainError> {
        Self::from_run(dir, section.clone(), common.batch_size, device)
    }

    fn from_run(run: &RunDir, config: ClassifyConfig, batch_size: usize, device: &Device) -> Result<Self, TrainError> {
        let vocab: ClassVocab = read_json(&run.vocab_path())?;
        let model = run.load_model(
            config
                .model_config(vocab.characters.len(), vocab.languages.len())
                .init(device),
            Classify::NAME,
        )?;
        Ok(Self {
            config,
            vocab,
            model,
            batch_size,
            dir: run.clone(),
        })
    }

    /// Classifies the run's test split and reports.
    ///
    /// # Errors
    ///
    /// A missing or damaged test split.
    pub fn evaluate(&self, device: &Device) -> Result<ClassifyReport, TrainError> {
        let test = read_split(&self.dir, "test", &self.vocab.languages)?;
        let mut pairs = Vec::with_capacity(test.len());
        for chunk in items(&test, &self.vocab, self.config.end_marker).chunks(self.batch_size.max(1)) {
            let batch = WordBatcher.batch(chunk.to_vec(), device);
            let logits = self
                .model
                .forward(batch.tokens, &batch.lengths, Weights::Skip)
                .class_logits
                .expect("the classifier has a sequence head");
            let predicted = logits
                .argmax(1)
                .into_data()
                .convert::<i64>()
                .try_to_vec::<i64>()
                .expect("class ids");
            pairs.extend(chunk.iter().zip(predicted).map(|(item, p)| (item.language, p as usize)));
        }
        Ok(ClassifyReport::from_pairs(self.vocab.languages.clone(), &pairs))
    }
}

/// One word, classified.
#[derive(Clone, Debug, PartialEq)]
pub struct WordPrediction {
    /// The word, lower-cased.
    pub word: String,
    /// The tokens the model read: `<cls>` and the characters.
    pub tokens: Vec<String>,
    /// Characters training never saw (read as `<unk>`).
    pub unknown: Vec<String>,
    /// Every language with its probability, most probable first.
    pub probabilities: Vec<(String, f32)>,
    /// `[layer][head][query][key]`: the self-attention weights over the
    /// tokens.
    pub attention: Vec<Vec<Vec<Vec<f32>>>>,
}

impl WordPrediction {
    /// The self-attention maps, one per layer and head (layers in order,
    /// heads within a layer), the tokens on both axes: a query per row, the
    /// keys it reads across.
    ///
    /// # Errors
    ///
    /// Never for a prediction [`classify`] made; a map whose shape was
    /// changed is refused by [`Heatmap::new`].
    pub fn attention_maps(&self) -> Result<Vec<Heatmap>, TrainError> {
        let mut maps = Vec::new();
        for (layer, heads) in self.attention.iter().enumerate() {
            for (head, weights) in heads.iter().enumerate() {
                maps.push(Heatmap::new(
                    format!("{}: layer {} head {}", self.word, layer + 1, head + 1),
                    self.tokens.clone(),
                    self.tokens.clone(),
                    weights.clone(),
                )?);
            }
        }
        Ok(maps)
    }
}

/// Classifies `word` with a trained run.
///
/// # Errors
///
/// If the word is empty or longer than the run's model reads.
pub fn classify(trained: &Classifier, word: &str, device: &Device) -> Result<WordPrediction, TrainError> {
    let word = word.trim().to_lowercase();
    let chars = word.chars().count();
    if chars == 0 {
        return Err(TrainError::Input("an empty word has no language".into()));
    }
    if chars > trained.config.max_len {
        return Err(TrainError::Input(format!(
            "`{word}`: {chars} characters, but this run's model reads at most {}",
            trained.config.max_len
        )));
    }
    let characters = trained.vocab.characters.encoder();
    let ids = encode_word(&characters, &word, trained.config.end_marker);
    let chars: Vec<String> = word.chars().map(String::from).collect();
    let unknown: Vec<String> = characters.unknown(&chars).into_iter().map(String::from).collect();
    let mut tokens = vec!["<cls>".to_string()];
    tokens.extend(chars);
    if trained.config.end_marker {
        tokens.push("<eos>".to_string());
    }
    let batch = WordBatcher.batch(
        vec![WordItem {
            tokens: ids,
            language: 0,
        }],
        device,
    );
    let out = trained.model.forward(batch.tokens, &batch.lengths, Weights::Return);
    let logits = out.class_logits.expect("the classifier has a sequence head");
    let probabilities = softmax(logits, 1)
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 probabilities");
    let mut probabilities: Vec<(String, f32)> = trained.vocab.languages.iter().cloned().zip(probabilities).collect();
    probabilities.sort_by(|a, b| b.1.total_cmp(&a.1));
    let attention = out
        .attention
        .into_iter()
        .map(|layer| {
            let [_, heads, len, _] = layer.dims();
            let values = layer
                .into_data()
                .convert::<f32>()
                .try_to_vec::<f32>()
                .expect("f32 weights");
            (0..heads)
                .map(|h| {
                    (0..len)
                        .map(|q| values[(h * len + q) * len..(h * len + q + 1) * len].to_vec())
                        .collect()
                })
                .collect()
        })
        .collect();
    Ok(WordPrediction {
        word,
        tokens,
        unknown,
        probabilities,
        attention,
    })
}

/// What `attn eval` reports for a classify run: the test split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassifyReport {
    /// Languages, by class id.
    pub languages: Vec<String>,
    /// Test words.
    pub words: usize,
    /// Words whose language was predicted right (%).
    pub accuracy: f64,
    /// Per language: of the words predicted as it, the share that are (%).
    pub precision: Vec<f64>,
    /// Per language: of its words, the share predicted as it (%).
    pub recall: Vec<f64>,
    /// `confusion[true][predicted]`: word counts.
    pub confusion: Vec<Vec<usize>>,
}

impl ClassifyReport {
    /// The report of `(true, predicted)` class pairs over `languages`.
    ///
    /// # Example
    ///
    /// ```
    /// use trainer::tasks::classify::ClassifyReport;
    /// let report = ClassifyReport::from_pairs(vec!["en".into(), "fr".into()], &[(0, 0), (0, 1), (1, 1)]);
    /// assert_eq!(report.confusion, [[1, 1], [0, 1]]);
    /// assert_eq!(report.precision, [100.0, 50.0]);
    /// assert_eq!(report.recall, [50.0, 100.0]);
    /// ```
    pub fn from_pairs(languages: Vec<String>, pairs: &[(usize, usize)]) -> Self {
        let n = languages.len();
        let mut confusion = vec![vec![0; n]; n];
        for &(truth, predicted) in pairs {
            confusion[truth][predicted] += 1;
        }
        let percent = |a: usize, b: usize| if b == 0 { 0.0 } else { 100.0 * a as f64 / b as f64 };
        let correct: usize = (0..n).map(|i| confusion[i][i]).sum();
        ClassifyReport {
            words: pairs.len(),
            accuracy: percent(correct, pairs.len()),
            precision: (0..n)
                .map(|j| percent(confusion[j][j], (0..n).map(|i| confusion[i][j]).sum()))
                .collect(),
            recall: (0..n)
                .map(|i| percent(confusion[i][i], confusion[i].iter().sum()))
                .collect(),
            confusion,
            languages,
        }
    }
}

impl fmt::Display for ClassifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} test words, accuracy {:.2}%", self.words, self.accuracy)?;
        writeln!(f)?;
        writeln!(f, "language  precision  recall")?;
        for (i, language) in self.languages.iter().enumerate() {
            writeln!(
                f,
                "{language:<8}  {:>8.2}%  {:>5.2}%",
                self.precision[i], self.recall[i]
            )?;
        }
        writeln!(f)?;
        writeln!(f, "confusion (rows: true language, columns: predicted)")?;
        let width = self
            .confusion
            .iter()
            .flatten()
            .map(|c| c.to_string().len())
            .chain(self.languages.iter().map(String::len))
            .max()
            .unwrap_or(1);
        write!(f, "{:<8}", "")?;
        for language in &self.languages {
            write!(f, "  {language:>width$}")?;
        }
        writeln!(f)?;
        for (language, row) in self.languages.iter().zip(&self.confusion) {
            write!(f, "{language:<8}")?;
            for count in row {
                write!(f, "  {count:>width$}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
