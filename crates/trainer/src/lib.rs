//! Training, evaluation and data for the attention workspace, on Burn's
//! trainer (`burn::train`), and the `attn` command line. See
//! `docs/training.md`.
//!
//! # The house
//!
//! - [`task`]: the seam, [`task::Task`]: a task's config section, data,
//!   model and learner step; and [`task::Trained`], a finished run's model
//!   opened for use.
//! - [`tasks`]: one file per task, and the one list of them.
//! - [`lifecycle`] and [`session`]: a run's lifecycle and what a task trains
//!   in, the same for every task.
//! - [`training`]: `attn train` and `attn eval` as functions, and a finished
//!   run opened once.
//! - [`run_dir`]: the run directory and every file name in it.
//! - [`files`]: the one way a file is written: atomically, mode 0644, never
//!   over what is not a regular file.
//! - [`config`]: the common fields and the task's section, from files and
//!   flags.
//! - [`data`]: where sentences and words come from, the tokenizer,
//!   vocabularies and splits.
//! - [`report`]: heatmaps, BLEU, progress lines, translated sentences and
//!   classified words as people read them.
//! - [`device`]: the backend, chosen by name once, in the program.
//! - [`distributed`]: the MPI calls of `--distributed mpi`, which the
//!   session makes for every task.
//!
//! `docs/architecture.md` says what goes where.
//!
//! # Example
//!
//! Train the translator for a moment on the built-in English-French corpus,
//! score it, and translate the article's sentence (`docs/translate.md`):
//!
//! ```
//! use trainer::config::TrainConfig;
//! use trainer::task::{Decoding, UnknownWords};
//! use trainer::tasks::translate::TranslateConfig;
//! let dir = tempfile::tempdir().unwrap();
//! let run = dir.path().join("translate");
//! let mut section = TranslateConfig { train_size: 300, ..TranslateConfig::default() };
//! section.seq2seq.rnn.d_embed = 16;
//! section.seq2seq.rnn.d_hidden = 32;
//! let mut config = TrainConfig::of(section);
//! config.common.epochs = 1;
//! let device = trainer::device::select(None)?;
//! let summary = trainer::training::train(&config, &run, 1, &device)?;
//! assert_eq!(summary.epochs, 1);
//! let translator = trainer::training::translator(&run, &device)?;
//! let report = translator.evaluate(Decoding::Greedy, UnknownWords::Replace)?;
//! assert_eq!(report.sentences, 30); // a tenth of the training size
//! let translation = translator.translate("I love you", Decoding::Greedy, UnknownWords::Replace)?;
//! assert_eq!(translation.source, ["i", "love", "you"]);
//! assert_eq!(translation.attention.len(), translation.output.len());
//! # Ok::<(), trainer::TrainError>(())
//! ```

#![warn(missing_docs)]

pub mod allocator;
pub mod config;
pub mod data;
pub mod device;
pub mod distributed;
pub mod files;
pub mod lifecycle;
pub mod metrics;
pub mod report;
pub mod run_dir;
pub mod serve;
pub mod session;
pub mod task;
pub mod tasks;
pub mod training;

/// What can go wrong, each with a message that says what and where.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Bad input: a config, a file, a run directory, a device name.
    #[error("{0}")]
    Input(String),
    /// Reading or writing a file failed.
    #[error("{0}")]
    Io(String),
    /// Training stopped on an error (a non-finite loss, say).
    #[error("training failed: {0}")]
    Training(String),
}

impl TrainError {
    /// The error of a config field with a bad value: "config: invalid
    /// `field`: reason".
    pub fn invalid<T>(field: &str, reason: String) -> Result<T, TrainError> {
        Err(TrainError::Input(format!("config: invalid `{field}`: {reason}")))
    }

    /// [`TrainError::invalid`] unless `value` is at least 1.
    pub fn positive(field: &str, value: usize) -> Result<(), TrainError> {
        if value == 0 {
            return Self::invalid(field, "must be at least 1, got 0".into());
        }
        Ok(())
    }

    /// [`TrainError::invalid`] unless `value` is a width from 1 to [`MAX_WIDTH`].
    pub fn width(field: &str, value: usize) -> Result<(), TrainError> {
        Self::positive(field, value)?;
        if value > MAX_WIDTH {
            return Self::invalid(field, format!("must be at most {MAX_WIDTH}, got {value}"));
        }
        Ok(())
    }
}

/// The largest width (`d_model`, `d_hidden`, `d_embed`, `d_ff`) a config may ask for: 16 times
/// the widest layer of the models this workspace is written for (the article's 500-wide states,
/// a transformer's 4096-wide feed-forward layer). A width past it is a typo, and building it would
/// only end in an allocation failure; models that fit under it are still checked against the
/// memory the machine has ([`lifecycle::check_fits`]).
pub const MAX_WIDTH: usize = 65_536;
