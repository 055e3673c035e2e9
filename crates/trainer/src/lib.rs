//! Training, evaluation and data for the attention workspace, on Burn's
//! trainer (`burn::train`), and the `attn` command line. See
//! `docs/training.md`.
//!
//! # Example
//!
//! ```
//! use trainer::config::TrainConfig;
//! use trainer::train::{Start, evaluate, train};
//! let dir = tempfile::tempdir().unwrap();
//! let run = dir.path().join("reverse");
//! let config = TrainConfig { epochs: 2, train_size: 200, d_hidden: 16, ..TrainConfig::default() };
//! let summary = train(&config, &run, Start::Fresh, 1)?;
//! assert_eq!(summary.epochs, 2);
//! let report = evaluate(&run, None)?;
//! assert_eq!(report.sentences, 20); // a tenth of the training size
//! # Ok::<(), trainer::TrainError>(())
//! ```

#![warn(missing_docs)]

pub mod bleu;
pub mod config;
pub mod data;
pub mod french;
pub mod heatmap;
pub mod renderer;
pub mod run_dir;
pub mod steps;
pub mod tatoeba;
pub mod train;

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
