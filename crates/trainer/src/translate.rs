//! `attn translate`: one sentence through a trained run, and the attention
//! matrix that explains its translation, printed as the article prints it
//! (source words across, output words down) and drawn as a heatmap.

use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;
use models::DecoderAttention;

use crate::TrainError;
use crate::data::Pair;
use crate::data::tokenize::tokenize;
use crate::report::heatmap::Heatmap;
use crate::steps::Seq2SeqBatcher;
use crate::train::{Decoding, TrainedRun};

/// One sentence and its translation.
#[derive(Clone, Debug, PartialEq)]
pub struct SentenceTranslation {
    /// The source tokens, as the user wrote them (normalised).
    pub source: Vec<String>,
    /// Source words outside the training vocabulary (read as `<unk>`).
    pub unknown: Vec<String>,
    /// The output tokens.
    pub output: Vec<String>,
    /// `[output.len()][source.len()]`: the weights behind each output token.
    pub attention: Vec<Vec<f32>>,
    /// Log-probability of the output, end token included.
    pub log_prob: f32,
}

impl SentenceTranslation {
    /// The attention matrix as a heatmap, output words down, source words
    /// across.
    ///
    /// # Errors
    ///
    /// If the output is empty (a model that emits the end token at once has
    /// no matrix to draw).
    pub fn heatmap(&self) -> Result<Heatmap, TrainError> {
        if self.output.is_empty() {
            return Err(TrainError::Input(format!(
                "`{}`: the translation is empty, there is no attention matrix to draw",
                self.source.join(" ")
            )));
        }
        Heatmap::new(
            format!("{} -> {}", self.source.join(" "), self.output.join(" ")),
            self.output.clone(),
            self.source.clone(),
            self.attention.clone(),
        )
    }
}

/// Translates `text` with a trained run.
///
/// # Errors
///
/// If the text has no words, or is longer than the run's model can read.
pub fn translate(
    trained: &TrainedRun,
    text: &str,
    decoding: Decoding,
    device: &Device,
) -> Result<SentenceTranslation, TrainError> {
    let source = tokenize(text);
    if source.is_empty() {
        return Err(TrainError::Input(format!("`{text}`: no words to translate")));
    }
    // The fully connected attention has one weight per source position
    // that it was built for; the others read any length.
    let longest = trained.config.max_len + 1;
    if trained.model.variant == DecoderAttention::Fc && source.len() > longest {
        return Err(TrainError::Input(format!(
            "`{text}`: {} tokens, but this run's fully connected attention reads at most {longest}",
            source.len()
        )));
    }
    let encoder = trained.vocab.source.encoder();
    let unknown = encoder.unknown(&source).into_iter().map(String::from).collect();
    let pair = Pair {
        source: encoder.encode(&source),
        target: Vec::new(),
    };
    let batch = Seq2SeqBatcher.batch(vec![pair], device);
    let translation = trained
        .decode(batch, decoding)
        .pop()
        .expect("one translation per sentence");
    Ok(SentenceTranslation {
        output: trained
            .vocab
            .target
            .decode(&translation.tokens)
            .into_iter()
            .map(String::from)
            .collect(),
        source,
        unknown,
        attention: translation.attention,
        log_prob: translation.log_prob,
    })
}

/// The attention matrix as text: source words across, output words down,
/// weights to two decimals.
///
/// # Example
///
/// ```
/// use trainer::translate::{SentenceTranslation, format_matrix};
/// let t = SentenceTranslation {
///     source: vec!["i".into(), "love".into(), "you".into()],
///     unknown: vec![],
///     output: vec!["je".into(), "t'".into(), "aime".into()],
///     attention: vec![vec![0.9, 0.05, 0.05], vec![0.1, 0.1, 0.8], vec![0.0, 1.0, 0.0]],
///     log_prob: -0.1,
/// };
/// assert_eq!(
///     format_matrix(&t),
///     "         i  love   you\n\
///      je    0.90  0.05  0.05\n\
///      t'    0.10  0.10  0.80\n\
///      aime  0.00  1.00  0.00\n"
/// );
/// ```
pub fn format_matrix(translation: &SentenceTranslation) -> String {
    let label = translation.output.iter().map(|w| w.chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = translation.source.iter().map(|w| w.chars().count().max(4)).collect();
    let mut text = " ".repeat(label);
    for (word, width) in translation.source.iter().zip(&widths) {
        text.push_str(&format!("  {word:>width$}"));
    }
    text.push('\n');
    for (word, row) in translation.output.iter().zip(&translation.attention) {
        text.push_str(&format!("{word:<label$}"));
        for (weight, width) in row.iter().zip(&widths) {
            text.push_str(&format!("  {weight:>width$.2}"));
        }
        text.push('\n');
    }
    text
}
