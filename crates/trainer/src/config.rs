//! The training configuration: the fields every task shares
//! ([`CommonConfig`]), then one section per task ([`TaskConfig`], a
//! serde-tagged enum whose variants live beside their tasks in
//! [`crate::tasks`]).
//!
//! Each field is written once: its type, its doc (the `--help` text), its
//! serde name (the key in TOML and JSON files) and its clap flag (the
//! command-line override) all come from the one declaration. A config file,
//! the command line and a run directory's `config.json` hold the same flat
//! keys:
//!
//! ```toml
//! task = "translate"     # the section
//! epochs = 2             # a common field
//! attention = "luong-dot" # a field of the translate section
//! ```

use std::path::Path;

use clap::{ArgMatches, FromArgMatches};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::TrainError;
use crate::run_dir::{RELEASE, RELEASE_0_1, RunDir};
use crate::tasks::TaskConfig;

pub use crate::session::{CommonConfig, ScheduleName};

/// Everything a training run is made of; `config.json` in the run directory
/// holds it resolved.
///
/// # Example
///
/// ```
/// use trainer::config::TrainConfig;
/// use trainer::tasks::reverse::ReverseConfig;
/// let config = TrainConfig::of(ReverseConfig { symbols: 6, ..ReverseConfig::default() });
/// assert_eq!(config.task.name(), "reverse");
/// assert_eq!(config.common.epochs, 10); // the reverse task's default
/// config.validate()?;
/// # Ok::<(), trainer::TrainError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The fields every task has.
    #[serde(flatten)]
    pub common: CommonConfig,
    /// The task and its section.
    #[serde(flatten)]
    pub task: TaskConfig,
}

impl TrainConfig {
    /// The config of the task whose section is `task`, with that task's
    /// common defaults (its epochs, batch size, schedule, ...).
    pub fn of(task: impl Into<TaskConfig>) -> Self {
        let task = task.into();
        Self {
            common: task.common_defaults(),
            task,
        }
    }

    /// The defaults of the task named `name`.
    ///
    /// # Errors
    ///
    /// If no task has that name; the message lists the tasks.
    pub fn for_task(name: &str) -> Result<Self, TrainError> {
        TaskConfig::defaults(name).map(Self::of).ok_or_else(|| {
            TrainError::Input(format!(
                "unknown task `{name}`; expected one of {}",
                crate::tasks::NAMES.join(", ")
            ))
        })
    }

    /// The defaults of the task named `name` as earlier releases behaved:
    /// fields added since take the values that reproduce those releases
    /// ([`crate::task::Task::as_in_earlier_releases`]).
    fn for_earlier_release(name: &str) -> Result<Self, TrainError> {
        let mut config = Self::for_task(name)?;
        config.task.as_in_earlier_releases();
        Ok(config)
    }

    /// Checks the values, common and of the task (the model's own checks
    /// included).
    ///
    /// # Errors
    ///
    /// Names the field and the value.
    pub fn validate(&self) -> Result<(), TrainError> {
        self.common.validate()?;
        self.task.validate(&self.common)
    }

    /// Reads a TOML (`.toml`) or JSON (any other extension) config file;
    /// fields it does not set take the defaults of `task` (or of the task it
    /// names).
    ///
    /// # Errors
    ///
    /// If the file cannot be read, does not parse, names an unknown field or
    /// gives a field the wrong type; the message names the file.
    pub fn from_file(path: &Path, task: &str) -> Result<Self, TrainError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TrainError::Input(format!("{}: cannot read: {e}", path.display())))?;
        let given: Value = if path.extension().is_some_and(|e| e == "toml") {
            toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.to_string().trim_end()))
        } else {
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        }
        .map_err(TrainError::Input)?;
        let Value::Object(given) = given else {
            return Err(TrainError::Input(format!(
                "{}: expected a table of fields",
                path.display()
            )));
        };
        let task = match given.get("task") {
            Some(Value::String(name)) => name.as_str(),
            _ => task,
        };
        Self::for_task(task)
            .and_then(|defaults| defaults.merged(given))
            .map_err(|e| TrainError::Input(format!("{}: {e}", path.display())))
    }

    /// This config with `fields` set over it (the keys of a config file).
    ///
    /// # Errors
    ///
    /// A field no section of the task has, or a value of the wrong type.
    pub fn merged(&self, fields: Map<String, Value>) -> Result<Self, TrainError> {
        let mut merged = self.to_map();
        merged.extend(fields.clone());
        Self::from_map(merged)
    }

    /// The config as the flat keys of its files.
    pub fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self).expect("a config serializes") {
            Value::Object(map) => map,
            _ => unreachable!("a struct serializes to a map"),
        }
    }

    /// The config from flat keys, every one of which must be a field of the
    /// common section or of the task's.
    ///
    /// # Errors
    ///
    /// An unknown task or field, or a value of the wrong type (the message names its field).
    pub fn from_map(map: Map<String, Value>) -> Result<Self, TrainError> {
        let config: Self = serde_json::from_value(Value::Object(map.clone()))
            .map_err(|e| TrainError::Input(Self::naming_the_field(&map, &e)))?;
        // Flattened sections cannot deny unknown fields in serde; a key the
        // parsed config does not write back is one no section has.
        let known = config.to_map();
        if let Some(unknown) = map.keys().find(|key| !known.contains_key(*key)) {
            return Err(TrainError::Input(format!(
                "unknown field `{unknown}` for task `{}`; its fields: {}",
                config.task.name(),
                known.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
            )));
        }
        Ok(config)
    }

    /// Serde's `error` on `map`, with the field it is about: the sections are flattened, so serde
    /// reads them as one map and says what a value of the wrong type is (`invalid type: string
    /// "ten", expected usize`) but not whose. The field is the first whose value alone, set over
    /// the defaults of the task `map` names (of any task, for the common fields, if it names none
    /// there is), fails the same way; else a `task` that is not a task's name.
    fn naming_the_field(map: &Map<String, Value>, error: &serde_json::Error) -> String {
        let task = map
            .get("task")
            .and_then(Value::as_str)
            .and_then(|task| Self::for_task(task).ok());
        let defaults = task
            .clone()
            .or_else(|| Self::for_task(crate::tasks::NAMES[0]).ok())
            .map(|config| config.to_map());
        let field = defaults
            .and_then(|defaults| {
                map.iter()
                    .filter(|(field, _)| *field != "task")
                    .find_map(|(field, value)| {
                        let mut alone = defaults.clone();
                        alone.insert(field.clone(), value.clone());
                        let same = serde_json::from_value::<Self>(Value::Object(alone))
                            .is_err_and(|e| e.to_string() == error.to_string());
                        same.then_some(field.as_str())
                    })
            })
            .or_else(|| (task.is_none() && map.contains_key("task")).then_some("task"));
        match field {
            Some(field) => format!("{error} (field `{field}`)"),
            None => error.to_string(),
        }
    }

    /// Sets the fields given on the command line over this config.
    ///
    /// # Errors
    ///
    /// A value clap parsed that does not fit the field (not expected: the
    /// flags are generated from the fields).
    pub fn update_from(&mut self, matches: &ArgMatches) -> Result<(), TrainError> {
        self.common
            .update_from_arg_matches(matches)
            .map_err(|e| TrainError::Input(e.to_string()))?;
        self.task.update_from(matches)
    }
}

/// A run directory's `config.json` as release 0.1.0 wrote it: one flat list
/// of every task's fields. [`TrainConfig::from_release_0_1`] reads it.
const RELEASE_0_1_FIELDS: [&str; 35] = [
    "task",
    "seed",
    "epochs",
    "batch_size",
    "learning_rate",
    "schedule",
    "warmup_steps",
    "grad_clip",
    "label_smoothing",
    "teacher_forcing",
    "teacher_forcing_end",
    "early_stopping",
    "d_embed",
    "d_hidden",
    "cell",
    "direction",
    "attention",
    "symbols",
    "max_len",
    "train_size",
    "data",
    "english_prefixes",
    "min_count",
    "words",
    "per_language",
    "n_layers",
    "n_heads",
    "d_ff",
    "positions",
    "norm",
    "pooling",
    "dropout",
    "ngrams",
    "ngram_buckets",
    "device",
];

impl TrainConfig {
    /// Opens the run in `path` ([`RunDir::open`], the one read of its `config.json`) and reads
    /// its config ([`from_run`](Self::from_run)).
    ///
    /// # Errors
    ///
    /// As [`RunDir::open`] and [`from_run`](Self::from_run).
    pub fn open(path: &Path, task: Option<&str>) -> Result<(RunDir, Self), TrainError> {
        let (run, fields) = RunDir::open(path)?;
        let config = Self::from_run(&run, fields, task)?;
        Ok((run, config))
    }

    /// The config of the run `run`, from the `fields` of its `config.json`, checking that it holds
    /// a run of `task` when one is given. A `config.json` without a `release` was written by
    /// release 0.1.0 and is read as that release wrote it.
    ///
    /// # Errors
    ///
    /// A config another release wrote that this one cannot read (the message names that
    /// release), or a run of another task.
    pub fn from_run(run: &RunDir, fields: Map<String, Value>, task: Option<&str>) -> Result<Self, TrainError> {
        let path = run.config_path();
        let config = match run.release() {
            RELEASE_0_1 => Self::from_release_0_1(fields)
                .map_err(|e| TrainError::Input(format!("{}: written by release 0.1.0: {e}", path.display()))),
            RELEASE => Self::from_map(fields).map_err(|e| TrainError::Input(format!("{}: {e}", path.display()))),
            // An earlier release wrote no key for the fields added since; they
            // take the values that release ran with.
            release => Self::task_named_in(&fields)
                .and_then(|task| Self::for_earlier_release(&task))
                .and_then(|defaults| defaults.merged(fields))
                .map_err(|e| {
                    TrainError::Input(format!(
                        "{}: written by attn {release}, which this release ({RELEASE}) cannot read: {e}",
                        path.display(),
                    ))
                }),
        }?;
        if let Some(task) = task
            && config.task.name() != task
        {
            return Err(TrainError::Input(format!(
                "{}: holds a `{}` run, not `{task}`",
                run.path().display(),
                config.task.name(),
            )));
        }
        // A damaged or hand-edited config (a zero width, an attention its encoder cannot take)
        // is refused here, before any model is built from it.
        config
            .validate()
            .map_err(|e| TrainError::Input(format!("{}: {e}", path.display())))?;
        Ok(config)
    }

    /// The config of a run directory written by release 0.1.0, whose
    /// `config.json` lists every task's fields in one flat table and has no
    /// `release` key. The fields of the run's task keep their values (the
    /// classify task's `d_hidden` is now `d_model`); the others, which that
    /// release wrote with their defaults and never read, are dropped.
    ///
    /// # Errors
    ///
    /// If the table is not what release 0.1.0 wrote.
    pub fn from_release_0_1(mut old: Map<String, Value>) -> Result<Self, TrainError> {
        if let Some(unknown) = old.keys().find(|k| !RELEASE_0_1_FIELDS.contains(&k.as_str())) {
            return Err(TrainError::Input(format!(
                "unknown field `{unknown}` (a config.json without `release` is read as release 0.1.0's)"
            )));
        }
        let task = Self::task_named_in(&old).map_err(|e| {
            TrainError::Input(format!(
                "{e} (a config.json without `release` is read as release 0.1.0's)"
            ))
        })?;
        for (from, to) in TaskConfig::release_0_1_renames(&task) {
            if let Some(value) = old.remove(*from) {
                old.insert((*to).into(), value);
            }
        }
        let known = Self::for_task(&task)?.to_map();
        old.retain(|key, _| known.contains_key(key));
        Self::for_earlier_release(&task)?.merged(old)
    }

    /// The task a config file of another release names.
    fn task_named_in(fields: &Map<String, Value>) -> Result<String, TrainError> {
        match fields.get("task") {
            Some(Value::String(task)) => Ok(task.clone()),
            _ => Err(TrainError::Input("no `task`".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::Registered;
    use crate::tasks::classify::Classify;
    use crate::tasks::seq2seq::AttentionName;
    use crate::tasks::translate::Translate;

    #[test]
    fn a_file_overrides_the_defaults_of_its_task() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(&path, "epochs = 2\nattention = \"luong-dot\"\n").unwrap();
        let config = TrainConfig::from_file(&path, "translate").unwrap();
        let mut expected = TrainConfig::for_task("translate").unwrap();
        expected.common.epochs = 2;
        let Some(TaskConfig::Translate(section)) = Some(&mut expected.task) else {
            panic!("a translate config")
        };
        section.seq2seq.rnn.attention = AttentionName::LuongDot;
        assert_eq!(config, expected);
        // The task the file names decides the defaults.
        std::fs::write(&path, "task = \"reverse\"\n").unwrap();
        assert_eq!(
            TrainConfig::from_file(&path, "translate").unwrap(),
            TrainConfig::for_task("reverse").unwrap()
        );
    }

    #[test]
    fn a_field_of_another_task_is_unknown_to_this_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        std::fs::write(&path, r#"{"task": "reverse", "ngrams": 3}"#).unwrap();
        let error = TrainConfig::from_file(&path, "reverse").unwrap_err().to_string();
        assert!(
            error.starts_with(&format!(
                "{}: unknown field `ngrams` for task `reverse`; its fields: ",
                path.display()
            )),
            "{error}"
        );
    }

    #[test]
    fn every_field_round_trips_through_the_flat_keys() {
        for name in crate::tasks::NAMES {
            let config = TrainConfig::for_task(name).unwrap();
            // The serde tag of the section is the task's name, as files and flags spell it.
            assert_eq!(config.to_map()["task"], serde_json::Value::String(name.to_string()));
            assert_eq!(config.task.name(), *name);
            assert_eq!(TrainConfig::from_map(config.to_map()).unwrap(), config, "{name}");
        }
    }

    #[test]
    fn a_translate_config_without_rnn_dropout_trains_without_it() {
        // Runs of this release written before the key existed have no `rnn_dropout`: their RNN
        // trained without dropout, and resumes so.
        let mut fields = TrainConfig::for_task("translate").unwrap().to_map();
        assert_eq!(fields.remove("rnn_dropout"), Some(serde_json::json!(0.0)));
        let config = TrainConfig::from_map(fields).unwrap();
        let section = Translate::section(&config.task).unwrap();
        assert_eq!(section.seq2seq.rnn.rnn_dropout, 0.0);
    }

    #[test]
    fn a_classify_config_of_release_0_1_keeps_its_width() {
        // The keys release 0.1.0 wrote for every run, with a classify run's values.
        let old = serde_json::json!({
            "task": "classify", "seed": 7, "epochs": 6, "batch_size": 128, "learning_rate": 0.003,
            "schedule": "warmup-cosine", "warmup_steps": 200, "grad_clip": 1.0, "label_smoothing": 0.0,
            "teacher_forcing": 1.0, "teacher_forcing_end": null, "early_stopping": null, "d_embed": 32,
            "d_hidden": 96, "cell": "gru", "direction": "forward", "attention": "bahdanau", "symbols": 10,
            "max_len": 24, "train_size": 2000, "data": null, "english_prefixes": [], "min_count": 1,
            "words": [], "per_language": 100, "n_layers": 3, "n_heads": 4, "d_ff": 256,
            "positions": "learned", "norm": "pre", "pooling": "mean", "dropout": 0.2, "ngrams": 4,
            "ngram_buckets": 16384, "device": null
        });
        let serde_json::Value::Object(old) = old else {
            unreachable!()
        };
        let config = TrainConfig::from_release_0_1(old).unwrap();
        assert_eq!(config.common.seed, 7);
        let section = Classify::section(&config.task).unwrap();
        assert_eq!(
            section.transformer.d_model, 96,
            "0.1.0's d_hidden was the classifier's width"
        );
        assert_eq!(section.per_language, Some(100));
        assert!(section.words.is_empty());
        assert!(Translate::section(&config.task).is_none());
        // Release 0.1.0 read words without `<eos>`, with no bag of n-grams and
        // the base-257 hash; its runs keep reading them so.
        assert!(!section.end_marker);
        assert_eq!(section.ngram_logits, 0);
        assert_eq!(section.ngram_hash, crate::tasks::classify::NgramHashName::Base257);
    }

    #[test]
    fn the_shipped_translate_configs_read_with_their_stated_sizes() {
        // examples/translate/*.toml, as docs/translate.md describes them.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/translate");
        for (file, d_embed, d_hidden, epochs) in [
            ("article.toml", 300, 500, 8),
            ("smaller.toml", 192, 384, 4),
            ("words.toml", 300, 500, 5),
        ] {
            let config = TrainConfig::from_file(&dir.join(file), "translate").unwrap();
            config.validate().unwrap();
            assert_eq!(config.common.epochs, epochs, "{file}");
            let section = Translate::section(&config.task).unwrap();
            assert_eq!(
                (section.seq2seq.rnn.d_embed, section.seq2seq.rnn.d_hidden),
                (d_embed, d_hidden),
                "{file}"
            );
            assert_eq!(
                (section.max_source_vocab, section.max_target_vocab),
                (Some(9000), Some(10000)),
                "{file}"
            );
        }
    }

    /// A classify run's `config.json` as release 0.2.0 wrote it: every field
    /// of this release but those 0.2.0 did not have.
    fn classify_run_of_release_0_2() -> (tempfile::TempDir, RunDir) {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::new(dir.path());
        let mut fields = TrainConfig::for_task("classify").unwrap().to_map();
        assert_eq!(
            fields.remove("end_marker"),
            Some(Value::Bool(true)),
            "this release's default"
        );
        for added in ["ngram_logits", "ngram_logit_buckets", "ngram_hash"] {
            assert!(fields.remove(added).is_some(), "{added}");
        }
        fields.insert("release".into(), Value::String("0.2.0".into()));
        std::fs::write(run.config_path(), serde_json::to_string(&fields).unwrap()).unwrap();
        (dir, run)
    }

    #[test]
    fn a_classify_run_of_release_0_2_reads_its_words_as_that_release_did() {
        let (_dir, run) = classify_run_of_release_0_2();
        let (_, config) = TrainConfig::open(run.path(), Some("classify")).unwrap();
        let section = Classify::section(&config.task).unwrap();
        assert!(!section.end_marker);
        assert_eq!(section.ngram_logits, 0);
        assert_eq!(section.ngram_hash, crate::tasks::classify::NgramHashName::Base257);
    }

    #[test]
    fn this_release_requires_every_field() {
        let (_dir, run) = classify_run_of_release_0_2();
        let (_, mut fields) = RunDir::open(run.path()).unwrap();
        fields.insert("release".into(), Value::String(RELEASE.into()));
        std::fs::write(run.config_path(), serde_json::to_string(&fields).unwrap()).unwrap();
        let error = TrainConfig::open(run.path(), Some("classify")).unwrap_err().to_string();
        // Serde names the first of the missing fields, in declaration order.
        assert!(error.contains("missing field `ngram_hash`"), "{error}");
    }
}
