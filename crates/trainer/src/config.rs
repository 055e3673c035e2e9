//! The training configuration: every option of `attn train`, settable in a
//! TOML or JSON file, with the command line overriding the file.

use std::path::{Path, PathBuf};

use models::{CellKind, DecoderAttention, Direction, InputFeeding, LuongScore};
use serde::{Deserialize, Serialize};

use crate::TrainError;

/// A task `attn train` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum TaskName {
    /// Reverse a sequence of symbols: a synthetic task that needs attention
    /// off the diagonal, generated from the seed (no data to download).
    Reverse,
}

impl TaskName {
    /// The name on the command line and in configs.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskName::Reverse => "reverse",
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
    /// Synthetic task: distinct symbols.
    pub symbols: usize,
    /// Synthetic task: longest sequence.
    pub max_len: usize,
    /// Synthetic task: training sequences (validation gets a tenth).
    pub train_size: usize,
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
            device: None,
        }
    }
}

impl TrainConfig {
    /// Reads a TOML (`.toml`) or JSON (any other extension) config file.
    ///
    /// # Errors
    ///
    /// If the file cannot be read, does not parse, names an unknown field or
    /// gives a field the wrong type; the message names the file and where.
    pub fn from_file(path: &Path) -> Result<Self, TrainError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TrainError::Input(format!("{}: cannot read: {e}", path.display())))?;
        let parsed = if path.extension().is_some_and(|e| e == "toml") {
            toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.to_string().trim_end()))
        } else {
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        };
        parsed.map_err(TrainError::Input)
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
        Ok(())
    }
}

/// The run directory's config file.
pub fn config_path(run: &Path) -> PathBuf {
    run.join("config.json")
}
