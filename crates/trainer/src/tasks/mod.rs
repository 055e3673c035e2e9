//! The tasks `attn train` knows, each behind the one seam
//! [`crate::task::Task`], and the one place that lists them: the
//! `tasks!` invocation at the bottom of this file, which makes the
//! [`TaskConfig`] enum of their config sections and dispatches from a
//! section to its task.
//!
//! # Adding a task
//!
//! 1. A file here, `tasks/summarize.rs`, with a `SummarizeConfig` section
//!    (`#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, clap::Args)]`,
//!    each field with its `#[arg(long)]`) and a `Summarize` type implementing
//!    [`Task`].
//! 2. One line in the `tasks!` list at the bottom of this file, which also
//!    declares the module:
//!    `Summarize => summarize::Summarize,`.
//!
//! `attn train summarize`, its `--help`, its config file section, its run
//! directories, `--resume` and `attn eval` then follow from the trait, and
//! training across processes from the session it trains in;
//! docs/architecture.md walks through it.

use burn::prelude::Device;
use clap::{ArgMatches, Args, FromArgMatches};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::TrainError;
use crate::lifecycle::Lifecycle;
use crate::run_dir::{RunDir, RunSummary};
use crate::session::CommonConfig;
use crate::task::{Task, Trained};

// Shared by several tasks; the tasks' own modules are declared by `tasks!`.
pub mod seq2seq;
pub mod transformer;

/// Declares the tasks, one line each, `Variant => module::Task`: the task's
/// module, the [`TaskConfig`] enum of their sections and the one dispatch
/// from a section to its task.
macro_rules! tasks {
    ($($variant:ident => $module:ident :: $task_type:ident),* $(,)?) => {
        $(pub mod $module;)*
        tasks!(@dispatch $($variant => $module::$task_type),*);
    };
    (@dispatch $($variant:ident => $task:ty),*) => {
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

            /// The fields release 0.1.0 named otherwise for the task named
            /// `name`: `(old, new)` pairs.
            pub fn release_0_1_renames(name: &str) -> &'static [(&'static str, &'static str)] {
                $(if name == <$task as Task>::NAME {
                    return <$task as Task>::RELEASE_0_1_RENAMES;
                })*
                &[]
            }

            /// Sets the fields earlier releases did not write to what those
            /// releases did ([`Task::as_in_earlier_releases`]).
            pub fn as_in_earlier_releases(&mut self) {
                match self { $(TaskConfig::$variant(c) => <$task as Task>::as_in_earlier_releases(c),)* }
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
                    let mut defaults = serde_json::to_value(<$task as Task>::common_defaults())
                        .expect("a config serializes");
                    if let (Some(all), Value::Object(section)) = (
                        defaults.as_object_mut(),
                        serde_json::to_value(<$task as Task>::Config::default()).expect("a config serializes"),
                    ) {
                        all.extend(section);
                    }
                    with_defaults(command, &defaults)
                }),*]
            }

            /// Runs `lifecycle` for the task; `fields` are the whole config's.
            ///
            /// # Errors
            ///
            /// As [`crate::training::train`].
            pub fn train(&self, common: &CommonConfig, fields: &Map<String, Value>, lifecycle: Lifecycle)
                -> Result<RunSummary, TrainError>
            {
                match self { $(TaskConfig::$variant(c) => lifecycle.run::<$task>(common, c, fields),)* }
            }

            /// Opens the trained model of the finished run `run`, whose
            /// config this is, on `device` ([`Task::open`]).
            ///
            /// # Errors
            ///
            /// As [`Task::open`].
            pub fn open(&self, common: &CommonConfig, run: &RunDir, device: &Device)
                -> Result<Box<dyn Trained>, TrainError>
            {
                match self {
                    $(TaskConfig::$variant(c) =>
                        Ok(Box::new(<$task as Task>::open(run, common, c, device)?)),)*
                }
            }

            /// The command-line flag of the field `id` of this task's config
            /// (`--seed` for `seed`, `--english-prefix` for `english_prefixes`).
            pub fn flag(&self, id: &str) -> String {
                let command = match self {
                    $(TaskConfig::$variant(_) => <$task as Task>::Config::augment_args_for_update(
                        CommonConfig::augment_args_for_update(clap::Command::new(<$task as Task>::NAME)),
                    ),)*
                };
                let long = command
                    .get_arguments()
                    .find(|a| a.get_id() == id)
                    .and_then(|a| a.get_long())
                    .map(String::from);
                format!("--{}", long.unwrap_or_else(|| id.replace('_', "-")))
            }
        }

        $(
            impl Registered for $task {
                fn section(config: &TaskConfig) -> Option<&<$task as Task>::Config> {
                    match config {
                        TaskConfig::$variant(section) => Some(section),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }
            }
        )*
    };
}

/// A task of the `tasks!` list: its section found in a [`TaskConfig`], by
/// the variant's pattern (what `trainer::training::open_task` opens a run of
/// one task with).
pub trait Registered: Task {
    /// The section of `config`, if `config` is of this task.
    fn section(config: &TaskConfig) -> Option<&Self::Config>;
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
fn with_defaults(mut command: clap::Command, defaults: &Value) -> clap::Command {
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
