//! The encoder-only transformer on real data: train a character-level
//! classifier to tell which language a word is, on the word lists Debian
//! ships in `/usr/share/dict`, score it on the test split, and draw what its
//! self-attention looks at.

use std::path::{Path, PathBuf};

use trainer::TrainError;
use trainer::config::{CommonConfig, TrainConfig};
use trainer::report::evaluation::ClassifyReport;
use trainer::report::prediction::WordPrediction;
use trainer::task::Task;
use trainer::tasks::classify::ClassifyConfig;

/// Words the example classifies, one per language of the default lists.
pub const WORDS: [&str; 5] = ["schmetterling", "weather", "fromage", "mariposa", "farfalla"];

/// What the example does.
#[derive(Clone, Debug)]
pub struct Options {
    /// The run directory; a finished run there is reused, an unfinished one
    /// resumed.
    pub run: PathBuf,
    /// The common fields of the config (the classify task's defaults,
    /// unless changed).
    pub common: CommonConfig,
    /// The classify task's section (its defaults, unless changed).
    pub classify: ClassifyConfig,
    /// Data-parallel copies of the device.
    pub devices: usize,
    /// The words to classify.
    pub words: Vec<String>,
    /// Where the attention maps of the first word go.
    pub attention: PathBuf,
}

impl Options {
    /// The whole config.
    pub fn config(&self) -> TrainConfig {
        TrainConfig {
            common: self.common.clone(),
            task: self.classify.clone().into(),
        }
    }

    /// The defaults: five Debian word lists, two devices, the maps of
    /// "schmetterling" in `attention.png` in the run directory.
    pub fn main_job(run: &Path) -> Self {
        Self {
            run: run.to_path_buf(),
            common: trainer::tasks::classify::Classify::common_defaults(),
            classify: ClassifyConfig::default(),
            devices: 2,
            words: WORDS.iter().map(|w| w.to_string()).collect(),
            attention: run.join("attention.png"),
        }
    }
}

/// What the example measured.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Seconds spent training (0 when a finished run was reused).
    pub train_seconds: f64,
    /// The test split.
    pub test: ClassifyReport,
    /// The words, classified.
    pub predictions: Vec<WordPrediction>,
}

/// Trains (or reuses, or resumes) the run, evaluates it, classifies the
/// words and draws the attention maps of the first.
///
/// # Errors
///
/// Whatever training, evaluation or writing reports.
pub fn run(options: &Options) -> Result<Outcome, TrainError> {
    let device = trainer::device::select(options.common.device.as_deref())?;
    let train_seconds = crate::train_or_reuse(&options.run, &options.config(), options.devices, &device)?;
    let trained = trainer::training::classifier(&options.run, &device)?;
    let test = trained.evaluate()?;
    let predictions = options
        .words
        .iter()
        .map(|w| trained.classify(w))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(first) = predictions.first() {
        let heads = first.attention.first().map_or(1, Vec::len);
        let title = format!("self-attention on `{}`", first.word);
        trainer::report::heatmap::save(&options.attention, &title, &first.attention_maps()?, heads)?;
    }
    Ok(Outcome {
        train_seconds,
        test,
        predictions,
    })
}

/// The report the example prints.
pub fn report(options: &Options, outcome: &Outcome) -> String {
    let mut text = format!("test split: {}", outcome.test);
    if outcome.train_seconds > 0.0 {
        text.push_str(&format!("\ntrained in {:.0} s\n", outcome.train_seconds));
    }
    text.push('\n');
    for prediction in &outcome.predictions {
        let top: Vec<String> = prediction
            .probabilities
            .iter()
            .take(3)
            .map(|(language, p)| format!("{language} {p:.2}"))
            .collect();
        text.push_str(&format!("{:<14} {}\n", prediction.word, top.join(", ")));
    }
    if !outcome.predictions.is_empty() {
        text.push_str(&format!("attention maps: {}\n", options.attention.display()));
    }
    text
}
