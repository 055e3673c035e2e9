//! The training configuration: every option of `attn train`, settable in a
//! TOML or JSON file, with the command line overriding the file.

use std::path::{Path, PathBuf};

use attention_core::{NormPlacement, PositionKind};
use models::{CellKind, DecoderAttention, Direction, InputFeeding, LuongScore, Pooling};
use serde::{Deserialize, Serialize};

use crate::TrainError;
use crate::data::wordlists::WordList;

/// A task `attn train` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum TaskName {
    /// Reverse a sequence of symbols: a synthetic task that needs attention
    /// off the diagonal, generated from the seed (no data to download).
    Reverse,
    /// Translate English to French: the built-in corpus generated from
    /// French grammar, or a Tatoeba file given as `data`.
    Translate,
    /// Tell the language of a word: a character-level encoder-only
    /// transformer on word lists (`words`), such as Debian's
    /// `/usr/share/dict`.
    Classify,
}

impl TaskName {
    /// The name on the command line and in configs.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskName::Reverse => "reverse",
            TaskName::Translate => "translate",
            TaskName::Classify => "classify",
        }
    }
}

/// The decoder attention, by name.
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

/// Position information of the transformer, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PositionsName {
    /// None: the model sees a bag of characters.
    None,
    /// Fixed sinusoids added to the embeddings.
    Sinusoidal,
    /// A learned vector per position.
    Learned,
    /// Rotary embeddings on each head's queries and keys.
    Rotary,
}

impl PositionsName {
    /// The model's setting.
    pub fn kind(self) -> PositionKind {
        match self {
            PositionsName::None => PositionKind::None,
            PositionsName::Sinusoidal => PositionKind::Sinusoidal,
            PositionsName::Learned => PositionKind::Learned,
            PositionsName::Rotary => PositionKind::Rotary,
        }
    }
}

/// Where the transformer's layer norms go, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum NormName {
    /// Before each sub-layer (PyTorch's `norm_first=True`).
    Pre,
    /// After each residual sum (Vaswani et al.).
    Post,
}

impl NormName {
    /// The model's setting.
    pub fn placement(self) -> NormPlacement {
        match self {
            NormName::Pre => NormPlacement::Pre,
            NormName::Post => NormPlacement::Post,
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

/// The learning-rate schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ScheduleName {
    /// The same rate throughout.
    Constant,
    /// Linear warm-up from a hundredth of the rate, then cosine decay to a
    /// hundredth of it.
    WarmupCosine,
    /// Vaswani et al.'s schedule, `d^-0.5 * min(step^-0.5, step * warmup^-1.5)`
    /// (`d` the model width), scaled so that its peak, at the end of the
    /// warm-up, is the learning rate.
    Noam,
}

/// Everything a training run is made of; `config.json` in the run directory
/// holds it resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// The task.
    pub task: TaskName,
    /// Seeds initialisation, data generation, shuffling, dropout and teacher forcing.
    pub seed: u64,
    /// Epochs to train.
    pub epochs: usize,
    /// Sentences per batch.
    pub batch_size: usize,
    /// Peak learning rate of Adam, whatever the schedule.
    pub learning_rate: f64,
    /// The schedule.
    pub schedule: ScheduleName,
    /// Warm-up steps for `warmup-cosine` and `noam`.
    pub warmup_steps: usize,
    /// Clip each parameter's gradient to this L2 norm (Burn clips per
    /// parameter tensor, not over all of them); 0 turns clipping off.
    pub grad_clip: f64,
    /// Label smoothing, in `[0, 1)`.
    pub label_smoothing: f64,
    /// Probability of feeding the gold previous token, per sentence and step,
    /// at the first step of training.
    pub teacher_forcing: f64,
    /// If set, the teacher-forcing probability falls linearly from
    /// `teacher_forcing` to this value over the run's steps (scheduled
    /// sampling, Bengio et al. 2015).
    pub teacher_forcing_end: Option<f64>,
    /// Stop when the validation loss has not improved for this many epochs.
    pub early_stopping: Option<usize>,
    /// Embedding width.
    pub d_embed: usize,
    /// Recurrent state width.
    pub d_hidden: usize,
    /// The recurrent cell.
    pub cell: CellKind,
    /// Encoder direction.
    pub direction: Direction,
    /// The decoder's attention.
    pub attention: AttentionName,
    /// Reverse task: distinct symbols.
    pub symbols: usize,
    /// Reverse: the longest sequence. Translate: pairs with more tokens on
    /// either side are dropped. Both: the longest output decoded.
    pub max_len: usize,
    /// Training pairs of the generated data (reverse, or the built-in
    /// translation corpus); validation and test get a tenth each.
    pub train_size: usize,
    /// Translate: a Tatoeba-format file (`english<TAB>french[<TAB>...]`)
    /// instead of the built-in corpus; split 80/10/10 by English sentence.
    pub data: Option<PathBuf>,
    /// Translate: keep only pairs whose English starts with one of these
    /// (the PyTorch tutorial's filter; see `trainer::data::tatoeba::Filter`).
    pub english_prefixes: Vec<String>,
    /// Translate: words seen fewer times in the training split become
    /// `<unk>`.
    pub min_count: usize,
    /// Classify: the word lists, one per language (`LANG=FILE`).
    pub words: Vec<WordList>,
    /// Classify: at most this many words of each language, drawn with the
    /// seed (balanced classes, bounded time); all if absent.
    pub per_language: Option<usize>,
    /// Classify: encoder blocks.
    pub n_layers: usize,
    /// Classify: attention heads (must divide `d_hidden`, the model width).
    pub n_heads: usize,
    /// Classify: width of the feed-forward layer.
    pub d_ff: usize,
    /// Classify: position information.
    pub positions: PositionsName,
    /// Classify: layer norm placement.
    pub norm: NormName,
    /// Classify: pooling of the word's states.
    pub pooling: PoolingName,
    /// Classify: dropout in the blocks.
    pub dropout: f64,
    /// Classify: longest character n-gram with an embedding of its own,
    /// added to the embedding of its last character; 1 turns them off.
    pub ngrams: usize,
    /// Classify: rows the character n-grams are hashed into.
    pub ngram_buckets: usize,
    /// Backend by name (`flex`, `ndarray`, `wgpu`); Burn's default if absent.
    pub device: Option<String>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            task: TaskName::Reverse,
            seed: 42,
            epochs: 10,
            batch_size: 32,
            learning_rate: 3e-3,
            schedule: ScheduleName::Constant,
            warmup_steps: 100,
            grad_clip: 1.0,
            label_smoothing: 0.0,
            teacher_forcing: 1.0,
            teacher_forcing_end: None,
            early_stopping: None,
            d_embed: 32,
            d_hidden: 64,
            cell: CellKind::Gru,
            direction: Direction::Forward,
            attention: AttentionName::Bahdanau,
            symbols: 10,
            max_len: 8,
            train_size: 2000,
            data: None,
            english_prefixes: Vec::new(),
            min_count: 1,
            words: Vec::new(),
            per_language: None,
            n_layers: 2,
            n_heads: 4,
            d_ff: 256,
            positions: PositionsName::Learned,
            norm: NormName::Pre,
            pooling: PoolingName::Cls,
            dropout: 0.1,
            ngrams: 1,
            ngram_buckets: 16_384,
            device: None,
        }
    }
}

impl TrainConfig {
    /// The defaults of `task`: [`Default`] is the reverse task's; the
    /// translation task trains a bidirectional encoder with wider states on
    /// its larger data.
    pub fn for_task(task: TaskName) -> Self {
        match task {
            TaskName::Reverse => Self::default(),
            TaskName::Translate => Self {
                task,
                epochs: 3,
                batch_size: 64,
                d_embed: 64,
                d_hidden: 128,
                direction: Direction::Bidirectional,
                max_len: 16,
                train_size: 30_000,
                ..Self::default()
            },
            TaskName::Classify => Self {
                task,
                epochs: 6,
                batch_size: 128,
                learning_rate: 3e-3,
                schedule: ScheduleName::WarmupCosine,
                warmup_steps: 200,
                d_hidden: 64,
                max_len: 24,
                words: debian_word_lists(),
                per_language: Some(20_000),
                n_layers: 3,
                pooling: PoolingName::Mean,
                dropout: 0.2,
                ngrams: 4,
                ..Self::default()
            },
        }
    }

    /// Reads a TOML (`.toml`) or JSON (any other extension) config file;
    /// fields it does not set take the defaults of `task` (or of the task it
    /// names).
    ///
    /// # Errors
    ///
    /// If the file cannot be read, does not parse, names an unknown field or
    /// gives a field the wrong type; the message names the file and where.
    pub fn from_file(path: &Path, task: TaskName) -> Result<Self, TrainError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TrainError::Input(format!("{}: cannot read: {e}", path.display())))?;
        let is_toml = path.extension().is_some_and(|e| e == "toml");
        // Parsing into the struct first gives the messages with a line and a
        // field name; the fields given then go over the task's defaults.
        let given: Result<serde_json::Value, String> = if is_toml {
            toml::from_str::<Self>(&text)
                .and_then(|_| toml::from_str(&text))
                .map_err(|e| format!("{}: {}", path.display(), e.to_string().trim_end()))
        } else {
            serde_json::from_str::<Self>(&text)
                .and_then(|_| serde_json::from_str(&text))
                .map_err(|e| format!("{}: {e}", path.display()))
        };
        let given = given.map_err(TrainError::Input)?;
        let task = given
            .get("task")
            .and_then(|t| serde_json::from_value(t.clone()).ok())
            .unwrap_or(task);
        let mut merged = serde_json::to_value(Self::for_task(task)).expect("a config serializes");
        if let (Some(merged), Some(given)) = (merged.as_object_mut(), given.as_object()) {
            merged.extend(given.clone());
        }
        serde_json::from_value(merged).map_err(|e| TrainError::Input(format!("{}: {e}", path.display())))
    }

    /// Checks the values.
    ///
    /// # Errors
    ///
    /// Names the field and the value.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |field: &str, reason: String| Err(TrainError::Input(format!("config: invalid `{field}`: {reason}")));
        for (field, value) in [
            ("epochs", self.epochs),
            ("batch_size", self.batch_size),
            ("d_embed", self.d_embed),
            ("d_hidden", self.d_hidden),
            ("train_size", self.train_size),
        ] {
            if value == 0 {
                return bad(field, "must be at least 1, got 0".into());
            }
        }
        if self.task != TaskName::Translate {
            if self.data.is_some() {
                return bad("data", "a data file is read by the translate task only".into());
            }
            if !self.english_prefixes.is_empty() {
                return bad("english_prefixes", "filter the translate task's data only".into());
            }
        }
        if self.task != TaskName::Classify && !self.words.is_empty() {
            return bad("words", "word lists are read by the classify task only".into());
        }
        if self.min_count == 0 {
            return bad("min_count", "must be at least 1, got 0".into());
        }
        if self.symbols < 2 {
            return bad("symbols", format!("must be at least 2, got {}", self.symbols));
        }
        if self.max_len < 2 {
            return bad("max_len", format!("must be at least 2, got {}", self.max_len));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return bad(
                "learning_rate",
                format!("must be in (0, 1], got {}", self.learning_rate),
            );
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return bad(
                "label_smoothing",
                format!("must be in [0, 1), got {}", self.label_smoothing),
            );
        }
        if !(0.0..=1.0).contains(&self.teacher_forcing) {
            return bad(
                "teacher_forcing",
                format!("must be in [0, 1], got {}", self.teacher_forcing),
            );
        }
        if self.grad_clip.is_nan() || self.grad_clip < 0.0 {
            return bad(
                "grad_clip",
                format!("must be 0 (off) or positive, got {}", self.grad_clip),
            );
        }
        if self.task == TaskName::Classify {
            if self.n_heads == 0 || !self.d_hidden.is_multiple_of(self.n_heads) {
                return bad(
                    "n_heads",
                    format!(
                        "must divide d_hidden={} (the model width), got {}",
                        self.d_hidden, self.n_heads
                    ),
                );
            }
            if !(0.0..1.0).contains(&self.dropout) {
                return bad("dropout", format!("must be in [0, 1), got {}", self.dropout));
            }
            if self.per_language == Some(0) {
                return bad("per_language", "must be at least 1, got 0".into());
            }
            return self
                .classifier_config(5, 2)
                .validate()
                .map_err(|e| TrainError::Input(format!("config: {e}")));
        }
        // The model's own checks (Luong's dot score on a bidirectional
        // encoder, say), with vocabularies just large enough to pass.
        self.model_config(5, 5)
            .validate()
            .map_err(|e| TrainError::Input(format!("config: {e}")))
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

/// The run directory's config file.
pub fn config_path(run: &Path) -> PathBuf {
    run.join("config.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_overrides_the_defaults_of_its_task() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(&path, "epochs = 2\nattention = \"luong-dot\"\n").unwrap();
        let config = TrainConfig::from_file(&path, TaskName::Translate).unwrap();
        let expected = TrainConfig {
            epochs: 2,
            attention: AttentionName::LuongDot,
            ..TrainConfig::for_task(TaskName::Translate)
        };
        assert_eq!(config, expected);
        // The task the file names decides the defaults.
        std::fs::write(&path, "task = \"reverse\"\n").unwrap();
        assert_eq!(
            TrainConfig::from_file(&path, TaskName::Translate).unwrap(),
            TrainConfig::default()
        );
    }
}
