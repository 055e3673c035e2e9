//! The tasks `attn train` knows, each behind one seam, [`Task`]: its config
//! section, its data, its model and learner step, its evaluation and its
//! report. The run's lifecycle around them (run directory, devices,
//! checkpoints, summary) is [`crate::training`]'s and is the same for all.
//!
//! # Adding a task
//!
//! 1. A file here, `tasks/summarize.rs`, with a `SummarizeConfig` section
//!    (`#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, clap::Args)]`,
//!    each field with its `#[arg(long)]`) and a `Summarize` type implementing
//!    [`Task`].
//! 2. One line in the [`tasks!`] list at the bottom of this file:
//!    `Summarize => summarize::Summarize,`.
//!
//! `attn train summarize`, its `--help`, its config file section, its run
//! directories and `attn eval` then follow from the trait; docs/architecture.md
//! walks through it.

use std::fmt;

use burn::prelude::Device;
use clap::{ArgMatches, Args, FromArgMatches};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::TrainError;
use crate::config::{CommonConfig, TrainConfig};
use crate::run_dir::{RunDir, RunSummary};
use crate::training::Session;

pub mod classify;
pub mod reverse;
pub mod seq2seq;
pub mod transformer;
pub mod translate;

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
    type Config: Clone + fmt::Debug + Default + PartialEq + Serialize + DeserializeOwned + clap::Args;
    /// The data a run trains on: ids, vocabularies, splits.
    type Data;
    /// What `attn eval` prints.
    type Report: fmt::Display;

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
        config: &TrainConfig,
        section: &Self::Config,
        run: &RunDir,
        device: &Device,
        decoding: Decoding,
    ) -> Result<Self::Report, TrainError>;
}

/// Declares the tasks, one line each: the [`TaskConfig`] enum of their
/// sections and the one dispatch from a section to its task.
macro_rules! tasks {
    ($($variant:ident => $task:ty),* $(,)?) => {
        /// The task of a run and its section of the config; `task = "NAME"`
        /// in files.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "task", rename_all = "kebab-case")]
        pub enum TaskConfig {
            $(
                #[doc = concat!("The section of the ", stringify!($variant), " task.")]
                $variant(<$task as Task>::Config),
            )*
        }

        $(
            impl From<<$task as Task>::Config> for TaskConfig {
                fn from(config: <$task as Task>::Config) -> Self {
                    TaskConfig::$variant(config)
                }
            }
        )*

        /// The names of the tasks, in order.
        pub const NAMES: &[&str] = &[$(<$task as Task>::NAME),*];

        impl TaskConfig {
            /// The default section of the task named `name`.
            pub fn defaults(name: &str) -> Option<TaskConfig> {
                $(if name == <$task as Task>::NAME {
                    return Some(TaskConfig::$variant(Default::default()));
                })*
                None
            }

            /// The task's name.
            pub fn name(&self) -> &'static str {
                match self { $(TaskConfig::$variant(_) => <$task as Task>::NAME,)* }
            }

            /// The task's defaults of the common fields.
            pub fn common_defaults(&self) -> CommonConfig {
                match self { $(TaskConfig::$variant(_) => <$task as Task>::common_defaults(),)* }
            }

            /// What the validation accuracy of the task counts.
            pub fn accuracy(&self) -> &'static str {
                match self { $(TaskConfig::$variant(_) => <$task as Task>::ACCURACY,)* }
            }

            /// Checks the section.
            ///
            /// # Errors
            ///
            /// Names the field and the value.
            pub fn validate(&self, common: &CommonConfig) -> Result<(), TrainError> {
                match self { $(TaskConfig::$variant(c) => <$task as Task>::validate(c, common),)* }
            }

            /// Sets the section's fields given on the command line.
            ///
            /// # Errors
            ///
            /// A flag the config cannot take together with the others.
            pub fn update_from(&mut self, matches: &ArgMatches) -> Result<(), TrainError> {
                let given = given_ids(matches);
                match self {
                    $(TaskConfig::$variant(c) => {
                        c.update_from_arg_matches(matches).map_err(|e| TrainError::Input(e.to_string()))?;
                        <$task as Task>::check_flags(c, &given)
                    })*
                }
            }

            /// The `attn train NAME` command of every task: the run's
            /// options, the common fields and the task's, each flag's help
            /// ending with the task's default.
            pub fn commands(run: impl Fn(clap::Command) -> clap::Command) -> Vec<clap::Command> {
                vec![$({
                    let command = <$task as Task>::Config::augment_args_for_update(
                        CommonConfig::augment_args_for_update(run(clap::Command::new(<$task as Task>::NAME))),
                    )
                    .about(<$task as Task>::ABOUT)
                    .long_about(None);
                    with_defaults(command, &TrainConfig::of(<$task as Task>::Config::default()))
                }),*]
            }

            pub(crate) fn train(&self, config: &TrainConfig, session: crate::training::Lifecycle)
                -> Result<RunSummary, TrainError>
            {
                match self { $(TaskConfig::$variant(c) => session.run::<$task>(config, c),)* }
            }

            /// Scores the trained model of `run` on its test split; returns
            /// the report as `attn eval` prints it.
            ///
            /// # Errors
            ///
            /// As [`Task::evaluate`].
            pub fn evaluate(&self, config: &TrainConfig, run: &RunDir, device: &Device, decoding: Decoding)
                -> Result<String, TrainError>
            {
                match self {
                    $(TaskConfig::$variant(c) =>
                        <$task as Task>::evaluate(config, c, run, device, decoding).map(|r| r.to_string()),)*
                }
            }
        }
    };
}

/// The ids of the flags given on the command line.
pub fn given_ids(matches: &ArgMatches) -> Vec<String> {
    matches
        .ids()
        .filter(|id| matches.value_source(id.as_str()) == Some(clap::parser::ValueSource::CommandLine))
        .map(|id| id.to_string())
        .collect()
}

/// Ends each flag's help with its value in `defaults`.
fn with_defaults(mut command: clap::Command, defaults: &TrainConfig) -> clap::Command {
    let defaults = defaults.to_map();
    let ids: Vec<String> = command.get_arguments().map(|a| a.get_id().to_string()).collect();
    for id in ids {
        let shown = match defaults.get(&id) {
            None | Some(serde_json::Value::Null) => continue,
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Array(a)) if a.is_empty() => continue,
            Some(value) => value.to_string(),
        };
        command = command.mut_arg(id, |arg| {
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            arg.help(format!("{help} [default: {shown}]"))
        });
    }
    command
}

tasks! {
    Reverse => reverse::Reverse,
    Translate => translate::Translate,
    Classify => classify::Classify,
}
