//! The article's translator end to end: train the RNN encoder-decoder with
//! attention on the built-in English-French corpus, score it on the test
//! split, and show the attention matrix of "I love you" -> "je t'aime", in
//! which "je" looks at "I", "t'" at "you" and "aime" at "love".

use std::path::{Path, PathBuf};

use trainer::TrainError;
use trainer::config::{CommonConfig, TrainConfig};
use trainer::report::evaluation::EvalReport;
use trainer::report::translation::{SentenceTranslation, format_matrix};
use trainer::task::{Decoding, Task, UnknownWords};
use trainer::tasks::translate::TranslateConfig;

/// The article's sentence.
pub const SENTENCE: &str = "I love you";

/// For each output word of the article's translation, the source word the
/// article says it looks at.
pub const ALIGNMENT: [(&str, &str); 3] = [("je", "i"), ("t'", "you"), ("aime", "love")];

/// What the example does.
#[derive(Clone, Debug)]
pub struct Options {
    /// The run directory; a finished run there is reused, an unfinished one
    /// resumed.
    pub run: PathBuf,
    /// The common fields of the config (the translate task's defaults,
    /// unless changed).
    pub common: CommonConfig,
    /// The translate task's section (its defaults, unless changed).
    pub translate: TranslateConfig,
    /// Data-parallel copies of the device (2: one per core of a 2-core CPU).
    pub devices: usize,
    /// The heatmaps written, one per extension (`.png`, `.svg`).
    pub heatmaps: Vec<PathBuf>,
}

impl Options {
    /// The whole config.
    pub fn config(&self) -> TrainConfig {
        TrainConfig {
            common: self.common.clone(),
            task: self.translate.clone().into(),
        }
    }

    /// The README's main job: the translate task's defaults in `run`, two
    /// devices, heatmaps `i-love-you.png` and `.svg` in the run directory.
    pub fn main_job(run: &Path) -> Self {
        Self {
            run: run.to_path_buf(),
            common: trainer::tasks::translate::Translate::common_defaults(),
            translate: TranslateConfig::default(),
            devices: 2,
            heatmaps: ["png", "svg"].map(|ext| run.join(format!("i-love-you.{ext}"))).to_vec(),
        }
    }
}

/// What the example measured.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Seconds spent training (0 when a finished run was reused).
    pub train_seconds: f64,
    /// The test split, decoded greedily.
    pub test: EvalReport,
    /// The article's sentence, translated.
    pub translation: SentenceTranslation,
}

impl Outcome {
    /// For each word of [`ALIGNMENT`] found in the output: the output word,
    /// the source word with the largest weight, and the one the article
    /// names.
    pub fn alignment(&self) -> Vec<(String, String, &'static str)> {
        let t = &self.translation;
        ALIGNMENT
            .iter()
            .filter_map(|&(word, expected)| {
                let row = t.output.iter().position(|w| w == word)?;
                let weights = &t.attention[row];
                let best = (0..weights.len()).max_by(|&a, &b| weights[a].total_cmp(&weights[b]))?;
                Some((word.to_string(), t.source[best].clone(), expected))
            })
            .collect()
    }
}

/// Trains (or reuses, or resumes) the run, evaluates it, translates the
/// article's sentence and writes its heatmaps.
///
/// # Errors
///
/// Whatever training, evaluation or writing reports.
pub fn run(options: &Options) -> Result<Outcome, TrainError> {
    let device = trainer::device::select(options.common.device.as_deref())?;
    let train_seconds = crate::train_or_reuse(&options.run, &options.config(), options.devices, &device)?;
    let translator = trainer::training::translator(&options.run, &device)?;
    let test = translator.evaluate(Decoding::Greedy, UnknownWords::Replace)?;
    let translation = translator.translate(SENTENCE, Decoding::Greedy, UnknownWords::Replace)?;
    // An undertrained model may end the sentence at once: no matrix to draw.
    if !options.heatmaps.is_empty() && !translation.output.is_empty() {
        let map = translation.heatmap()?;
        for path in &options.heatmaps {
            trainer::report::heatmap::save(path, "attention of the RNN translator", std::slice::from_ref(&map), 1)?;
        }
    }
    Ok(Outcome {
        train_seconds,
        test,
        translation,
    })
}

/// The report the example prints.
pub fn report(options: &Options, outcome: &Outcome) -> String {
    let t = &outcome.translation;
    let mut text = format!(
        "test split: {} sentences, BLEU {:.2}, exact match {:.2}%, token accuracy {:.2}%\n",
        outcome.test.sentences, outcome.test.bleu, outcome.test.exact_match, outcome.test.token_accuracy
    );
    if outcome.train_seconds > 0.0 {
        text.push_str(&format!("trained in {:.0} s\n", outcome.train_seconds));
    }
    text.push_str(&format!("\n{} -> {}\n\n", t.source.join(" "), t.output.join(" ")));
    text.push_str(&format_matrix(&t.source, &t.output, &t.attention));
    text.push('\n');
    for (word, looks_at, expected) in outcome.alignment() {
        let verdict = if looks_at == expected {
            "as the article says"
        } else {
            "the article says"
        };
        let tail = if looks_at == expected {
            String::new()
        } else {
            format!(" `{expected}`")
        };
        text.push_str(&format!("`{word}` looks most at `{looks_at}` ({verdict}{tail})\n"));
    }
    if t.output.is_empty() {
        text.push_str("the translation is empty: no matrix, no heatmap\n");
    } else {
        for path in &options.heatmaps {
            text.push_str(&format!("heatmap: {}\n", path.display()));
        }
    }
    let curves = options.run.join(trainer::report::curves::PNG);
    if curves.is_file() {
        text.push_str(&format!("training curves: {}\n", curves.display()));
    }
    text
}
