//! Training, evaluation and data for the attention workspace, on Burn's
//! trainer (`burn::train`), and the `attn` command line. See
//! `docs/training.md`.
//!
//! # Example
//!
//! Train the translator for a moment on the built-in English-French corpus,
//! score it, and translate the article's sentence (`docs/translate.md`):
//!
//! ```
//! use trainer::config::{TaskName, TrainConfig};
//! use trainer::train::{Decoding, Start, evaluate, load_model, train};
//! let dir = tempfile::tempdir().unwrap();
//! let run = dir.path().join("translate");
//! let config = TrainConfig {
//!     epochs: 1,
//!     train_size: 300,
//!     d_embed: 16,
//!     d_hidden: 32,
//!     ..TrainConfig::for_task(TaskName::Translate)
//! };
//! let summary = train(&config, &run, Start::Fresh, 1)?;
//! assert_eq!(summary.epochs, 1);
//! let report = evaluate(&run, None, Decoding::Greedy)?;
//! assert_eq!(report.sentences, 30); // a tenth of the training size
//! let device = burn::prelude::Device::default();
//! let trained = load_model(&run, &device)?;
//! let translation = trainer::translate::translate(&trained, "I love you", Decoding::Greedy, &device)?;
//! assert_eq!(translation.source, ["i", "love", "you"]);
//! assert_eq!(translation.attention.len(), translation.output.len());
//! # Ok::<(), trainer::TrainError>(())
//! ```

#![warn(missing_docs)]

pub mod allocator;
pub mod classify;
pub mod config;
pub mod data;
pub mod device;
pub mod report;
pub mod run_dir;
pub mod steps;
pub mod train;
pub mod translate;

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
