//! The classify task: which language is this word? A character-level
//! encoder-only transformer ([`models::EncoderTransformer`]) reads
//! `<cls> c_1 .. c_n <eos>` and its sequence head gives one logit per language.
//! The words come from word lists ([`crate::data::wordlists`]), such as those
//! Debian ships in `/usr/share/dict`. See `docs/classify.md`.
//!
//! A run keeps its splits in `splits/{train,valid,test}.tsv` (`word<TAB>language`)
//! and its characters and languages in `vocab.json`, so evaluation and
//! `--resume` read exactly what the run was made with.

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
use serde_json::{Map, Value, json};

use super::transformer::{NormName, PositionsName, TransformerOptions};
use crate::TrainError;
use crate::data::wordlists::{
    LabelledWord, WordList, WordSplits, debian_word_lists, read_split, read_word_lists, save_splits,
};
use crate::data::{BOS, EOS, Encoder, PAD, Vocabulary};
use crate::metrics::FiniteLoss;
use crate::report::evaluation::ClassifyReport;
use crate::report::prediction::WordPrediction;
use crate::report::weights::per_head;
use crate::run_dir::{RunDir, RunSummary, read_json, write_json};
use crate::session::{CommonConfig, LossWeight, ScheduleName, Session, save_model};
use crate::task::{Classifying, Decoding, Task, Trained, UnknownWords};

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

impl LossWeight for WordBatch {
    /// The loss is a mean over the words.
    fn loss_weight(&self) -> usize {
        self.lengths.len()
    }
}

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
        let (output, bag_logits) = self.run(batch);
        let objective = match bag_logits {
            Some(bag) => output.loss.clone() + self.cross_entropy(bag, output.targets.clone()),
            None => output.loss.clone(),
        };
        TrainOutput::new(self, objective.backward(), output)
    }
}

impl InferenceStep for ClassifierLearner {
    type Input = WordBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: WordBatch) -> ClassificationOutput {
        self.run(batch).0
    }
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
    type Trained = Classifier;
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
        let splits = read_word_lists(&config.words, config.per_language, config.max_len, common.seed)?;
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
        // As translate's: a fresh run's splits have words to train and validate on (`prepare`); a
        // split emptied since would resume to epochs of no step, or to a NaN validation loss.
        for (split, words, purpose) in [("train", &train, "train"), ("valid", &valid, "validate")] {
            if words.is_empty() {
                return Err(TrainError::Input(format!(
                    "{}: no words to {purpose} on; the split was emptied since the run was made",
                    run.split_path(split).display(),
                )));
            }
        }
        Ok(ClassifyData {
            vocab,
            train,
            valid,
            splits: None,
        })
    }

    fn parameters(config: &ClassifyConfig, data: &ClassifyData, device: &Device) -> usize {
        config
            .model_config(data.vocab.characters.len(), data.vocab.languages.len())
            .init(device)
            .num_params()
    }

    fn fit(config: &ClassifyConfig, data: ClassifyData, session: &Session<'_>) -> Result<RunSummary, TrainError> {
        let ClassifyData {
            vocab, train, valid, ..
        } = data;
        let train_items = train.len();
        let model = config
            .model_config(vocab.characters.len(), vocab.languages.len())
            .init(&session.device.clone().autodiff());
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

    fn open(
        run: &RunDir,
        common: &CommonConfig,
        section: &ClassifyConfig,
        device: &Device,
    ) -> Result<Classifier, TrainError> {
        let vocab: ClassVocab = read_json(&run.vocab_path())?;
        let model_config = section.model_config(vocab.characters.len(), vocab.languages.len());
        // The sizes come from the run's vocabulary: a damaged one is refused, not built.
        model_config
            .validate()
            .map_err(|e| TrainError::Input(format!("{}: the run's config or vocabulary: {e}", run.path().display())))?;
        if vocab.languages.is_empty() {
            return Err(TrainError::Input(format!("{}: the run's vocabulary names no language", run.vocab_path().display())));
        }
        let model = run.load_model(model_config.init(device), Classify::NAME)?;
        Ok(Classifier {
            config: section.clone(),
            vocab,
            model,
            batch_size: common.batch_size,
            dir: run.clone(),
            device: device.clone(),
        })
    }
}

/// A finished classify run, opened on a device ([`Task::open`]).
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
    /// The device the model is on.
    pub device: Device,
}

impl Classifier {
    /// Classifies the run's test split and reports.
    ///
    /// # Errors
    ///
    /// A missing or damaged test split.
    pub fn evaluate(&self) -> Result<ClassifyReport, TrainError> {
        let test = read_split(&self.dir, "test", &self.vocab.languages)?;
        let mut pairs = Vec::with_capacity(test.len());
        for chunk in items(&test, &self.vocab, self.config.end_marker).chunks(self.batch_size.max(1)) {
            let batch = WordBatcher.batch(chunk.to_vec(), &self.device);
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

    /// Classifies `word`: the probability of every language, and the
    /// self-attention of every layer and head over its characters.
    ///
    /// # Errors
    ///
    /// If the word is empty or longer than the run's model reads.
    pub fn classify(&self, word: &str) -> Result<WordPrediction, TrainError> {
        let word = word.trim().to_lowercase();
        let chars = word.chars().count();
        if chars == 0 {
            return Err(TrainError::Input("an empty word has no language".into()));
        }
        if chars > self.config.max_len {
            return Err(TrainError::Input(format!(
                "`{word}`: {chars} characters, but this run's model reads at most {}",
                self.config.max_len
            )));
        }
        let characters = self.vocab.characters.encoder();
        let ids = encode_word(&characters, &word, self.config.end_marker);
        let chars: Vec<String> = word.chars().map(String::from).collect();
        let unknown: Vec<String> = characters.unknown(&chars).into_iter().map(String::from).collect();
        let mut tokens = vec!["<cls>".to_string()];
        tokens.extend(chars);
        if self.config.end_marker {
            tokens.push("<eos>".to_string());
        }
        let item = WordItem {
            tokens: ids,
            language: 0,
        };
        let batch = WordBatcher.batch(vec![item], &self.device);
        let out = self.model.forward(batch.tokens, &batch.lengths, Weights::Return);
        let logits = out.class_logits.expect("the classifier has a sequence head");
        let probabilities = softmax(logits, 1)
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .expect("f32 probabilities");
        let mut probabilities: Vec<(String, f32)> = self.vocab.languages.iter().cloned().zip(probabilities).collect();
        probabilities.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(WordPrediction {
            word,
            tokens,
            unknown,
            probabilities,
            attention: out.attention.into_iter().map(per_head).collect(),
        })
    }
}

impl Trained for Classifier {
    fn evaluate(&self, decoding: Decoding, _: UnknownWords) -> Result<String, TrainError> {
        if decoding != Decoding::Greedy {
            return Err(TrainError::Input(
                "--beam decodes sentences; a classify run has none".into(),
            ));
        }
        Ok(Classifier::evaluate(self)?.to_string())
    }

    fn describe(&self) -> Map<String, Value> {
        let t = &self.config.transformer;
        let mut info = Map::new();
        info.insert("model".into(), json!("transformer"));
        info.insert("heads".into(), json!(t.n_heads));
        info.insert("layers".into(), json!(t.n_layers));
        info
    }

    fn classifier(&self) -> Option<&dyn Classifying> {
        Some(self)
    }
}

impl Classifying for Classifier {
    fn classify(&self, word: &str) -> Result<WordPrediction, TrainError> {
        Classifier::classify(self, word)
    }
}
