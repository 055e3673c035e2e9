//! The seam every task sits behind, [`Task`]: its config section, its
//! data, its model and learner step, its evaluation and its report. The
//! run's lifecycle around them (run directory, devices, checkpoints,
//! summary) is the same for all ([`crate::lifecycle`], [`Session`]); the
//! tasks themselves are in [`crate::tasks`].

use std::fmt;

use burn::prelude::Device;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::TrainError;
use crate::run_dir::{RunDir, RunSummary};
use crate::session::CommonConfig;
use crate::session::Session;

/// How `attn eval` and `attn translate` decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoding {
    /// The most probable token at each step.
    Greedy,
    /// Beam search with this many beams.
    Beam(usize),
}

/// One task: what `attn train NAME` trains and `attn eval` scores.
pub trait Task {
    /// The name on the command line, in config files and in run directories.
    const NAME: &'static str;
    /// One line for `attn train --help`.
    const ABOUT: &'static str;
    /// What the validation accuracy counts, in `attn train`'s last line.
    const ACCURACY: &'static str;
    /// The task's section of the config: flat keys in files, one flag each.
    type Config: 'static + Clone + fmt::Debug + Default + PartialEq + Serialize + DeserializeOwned + clap::Args;
    /// The data a run trains on: ids, vocabularies, splits.
    type Data;
    /// What `attn eval` prints.
    type Report: fmt::Display;

    /// Fields release 0.1.0 named otherwise in this task's `config.json`:
    /// `(old, new)` pairs (see `TrainConfig::from_release_0_1`).
    const RELEASE_0_1_RENAMES: &'static [(&'static str, &'static str)] = &[];

    /// Sets the fields added to this task's section since release 0.2.0 to
    /// what earlier releases did. A run's `config.json` written by an earlier
    /// release has no key for them, and reads with these values rather than
    /// the defaults, so the run is evaluated as it was trained (see
    /// `TrainConfig::read`).
    fn as_in_earlier_releases(_config: &mut Self::Config) {}

    /// The task's defaults of the common fields (epochs, batch size, ...).
    fn common_defaults() -> CommonConfig;

    /// Checks the section, the model's own checks included.
    ///
    /// # Errors
    ///
    /// Names the field and the value.
    fn validate(config: &Self::Config, common: &CommonConfig) -> Result<(), TrainError>;

    /// Checks the flags given on the command line together (a flag of a
    /// model the config does not train, say). `given` holds their ids.
    ///
    /// # Errors
    ///
    /// Names the flag.
    fn check_flags(config: &Self::Config, given: &[String]) -> Result<(), TrainError> {
        let _ = (config, given);
        Ok(())
    }

    /// The data of a fresh run, read or generated; nothing is written, so
    /// bad data leaves no run behind.
    ///
    /// # Errors
    ///
    /// Unreadable or unusable data, named.
    fn prepare(config: &Self::Config, common: &CommonConfig) -> Result<Self::Data, TrainError>;

    /// Writes what a fresh run keeps of its data (vocabularies, splits) into
    /// its directory, before training.
    ///
    /// # Errors
    ///
    /// A file that cannot be written.
    fn save(data: &Self::Data, run: &RunDir) -> Result<(), TrainError>;

    /// The data of a resumed run, read back from its directory.
    ///
    /// # Errors
    ///
    /// Missing or damaged files, named.
    fn reload(config: &Self::Config, common: &CommonConfig, run: &RunDir) -> Result<Self::Data, TrainError>;

    /// Builds the model and its learner step and trains them through
    /// `session` ([`Session::fit`]).
    ///
    /// # Errors
    ///
    /// As [`Session::fit`].
    fn fit(config: &Self::Config, data: Self::Data, session: &Session<'_>) -> Result<RunSummary, TrainError>;

    /// Scores the trained model of `run` on its test split.
    ///
    /// # Errors
    ///
    /// An unfinished run, or missing or damaged files.
    fn evaluate(
        common: &CommonConfig,
        section: &Self::Config,
        run: &RunDir,
        device: &Device,
        decoding: Decoding,
    ) -> Result<Self::Report, TrainError>;
}
