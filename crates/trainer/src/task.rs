//! The seam every task sits behind, [`Task`]: its config section, its
//! data, its model and learner step, and its trained model opened for use
//! ([`Trained`]). The run's lifecycle around them (run directory, devices,
//! checkpoints, training across processes, summary) is the same for all
//! ([`crate::lifecycle`], [`Session`]); the tasks themselves are in
//! [`crate::tasks`].
//!
//! A finished run is opened once ([`crate::training::open`]): its config
//! read, its vocabularies and model loaded on the device given. What the
//! commands ask of it then goes through [`Trained`]: `attn eval` its
//! report, `attn translate` its [`Translating`] hook, `attn classify` its
//! [`Classifying`] one, `attn serve` both.

use std::fmt;

use burn::prelude::Device;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::TrainError;
use crate::report::prediction::WordPrediction;
use crate::report::translation::{Alternative, SentenceTranslation};
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
    /// A finished run's model, opened for use ([`Task::open`]).
    type Trained: Trained;

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

    /// The number of parameters of the model that `fit` will build for `data`, counted without
    /// allocating them (Burn initialises a parameter when it is first used), so that a model
    /// too large for the machine is refused before its run directory is made
    /// ([`crate::lifecycle::check_fits`]).
    fn parameters(config: &Self::Config, data: &Self::Data, device: &Device) -> usize;

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

    /// Opens the trained model of the finished run `run` on `device`: its
    /// vocabularies and `model.bpk` read once, for every question asked of it
    /// after.
    ///
    /// # Errors
    ///
    /// An unfinished run, or missing or damaged files.
    fn open(
        run: &RunDir,
        common: &CommonConfig,
        section: &Self::Config,
        device: &Device,
    ) -> Result<Self::Trained, TrainError>;
}

/// What a word-level translator does with the `<unk>` it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum UnknownWords {
    /// Each is replaced by the source word its attention row weighs most (Luong et al. 2015,
    /// "Addressing the rare word problem in neural machine translation"): a name, a number, a word
    /// outside the vocabulary is copied across.
    Replace,
    /// Each stays `<unk>`.
    Keep,
}

/// A finished run's model, opened on a device: what `attn eval`,
/// `attn translate`, `attn classify` and `attn serve` ask of it.
pub trait Trained: Send {
    /// Scores the model on the run's test split; returns the report as
    /// `attn eval` prints it. `unknown` applies to word-level translators.
    ///
    /// # Errors
    ///
    /// A decoding the task has no use for, or a missing or damaged split.
    fn evaluate(&self, decoding: Decoding, unknown: UnknownWords) -> Result<String, TrainError>;

    /// What the explorer shows of the model beside its config: `model`,
    /// `heads`, `layers`, as they apply.
    fn describe(&self) -> Map<String, Value> {
        Map::new()
    }

    /// The model as a translator of sentences, if the task translates.
    fn translator(&self) -> Option<&dyn Translating> {
        None
    }

    /// The model as a classifier of words, if the task classifies.
    fn classifier(&self) -> Option<&dyn Classifying> {
        None
    }
}

/// A model that translates a sentence and shows the attention behind it.
pub trait Translating {
    /// Translates `text`, and returns the decoder's alternatives with it,
    /// best first: the one output of greedy decoding, or every hypothesis
    /// beam search ended with. The first alternative is the translation.
    /// `unknown` applies to a word vocabulary's `<unk>`.
    ///
    /// # Errors
    ///
    /// If the text has no words, or is longer than the model can read.
    fn translate(
        &self,
        text: &str,
        decoding: Decoding,
        unknown: UnknownWords,
    ) -> Result<(SentenceTranslation, Vec<Alternative>), TrainError>;

    /// The longest sentence, in words, the run was trained on (and so the
    /// longest it is asked to translate).
    fn max_words(&self) -> usize;
}

/// A model that tells the class of a word and shows the self-attention
/// behind it.
pub trait Classifying {
    /// Classifies `word`.
    ///
    /// # Errors
    ///
    /// If the word is empty or longer than the model reads.
    fn classify(&self, word: &str) -> Result<WordPrediction, TrainError>;
}
