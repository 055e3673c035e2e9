//! One translated sentence as a person reads it: the output, the attention
//! matrix behind it printed as the article prints it (source words across,
//! output words down) or drawn as a heatmap, the transformer's heads, and
//! the decoder's alternatives.

use serde::Serialize;

use crate::TrainError;
use crate::report::heatmap::Heatmap;

/// One output the decoder considered for a sentence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alternative {
    /// The output words.
    pub output: Vec<String>,
    /// How the decoder ranked it: the log-probability, divided by the
    /// length penalty when the run's beam search uses one.
    pub score: f32,
    /// Log-probability of the output, end token included when emitted.
    pub log_prob: f32,
}

/// One sentence and its translation.
#[derive(Clone, Debug, PartialEq)]
pub struct SentenceTranslation {
    /// The source tokens, as the user wrote them (normalised).
    pub source: Vec<String>,
    /// Source words outside the training vocabulary (read as `<unk>`).
    pub unknown: Vec<String>,
    /// The output tokens.
    pub output: Vec<String>,
    /// `[output.len()][source.len()]`: the weights behind each output token
    /// (the transformer's: the last decoder block's cross-attention,
    /// averaged over heads).
    pub attention: Vec<Vec<f32>>,
    /// `[n_heads][output.len()][source.len()]`: the transformer's
    /// cross-attention per head; empty for the RNN.
    pub heads: Vec<Vec<Vec<f32>>>,
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

    /// The heatmaps of the transformer's heads, one per head, titled
    /// `head 1`, `head 2`, ...; none for the RNN.
    ///
    /// # Errors
    ///
    /// As [`heatmap`](Self::heatmap).
    pub fn head_heatmaps(&self) -> Result<Vec<Heatmap>, TrainError> {
        self.heads
            .iter()
            .enumerate()
            .map(|(h, weights)| {
                Heatmap::new(
                    format!("head {}", h + 1),
                    self.output.clone(),
                    self.source.clone(),
                    weights.clone(),
                )
            })
            .collect()
    }
}

/// The attention matrix as text: source words across, output words down,
/// weights to two decimals.
///
/// # Example
///
/// ```
/// use trainer::report::translation::{SentenceTranslation, format_matrix};
/// let t = SentenceTranslation {
///     source: vec!["i".into(), "love".into(), "you".into()],
///     unknown: vec![],
///     output: vec!["je".into(), "t'".into(), "aime".into()],
///     attention: vec![vec![0.9, 0.05, 0.05], vec![0.1, 0.1, 0.8], vec![0.0, 1.0, 0.0]],
///     heads: vec![],
///     log_prob: -0.1,
/// };
/// assert_eq!(
///     format_matrix(&t.source, &t.output, &t.attention),
///     "         i  love   you\n\
///      je    0.90  0.05  0.05\n\
///      t'    0.10  0.10  0.80\n\
///      aime  0.00  1.00  0.00\n"
/// );
/// ```
pub fn format_matrix(source: &[String], output: &[String], attention: &[Vec<f32>]) -> String {
    let label = output.iter().map(|w| w.chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = source.iter().map(|w| w.chars().count().max(4)).collect();
    let mut text = " ".repeat(label);
    for (word, width) in source.iter().zip(&widths) {
        text.push_str(&format!("  {word:>width$}"));
    }
    text.push('\n');
    for (word, row) in output.iter().zip(attention) {
        text.push_str(&format!("{word:<label$}"));
        for (weight, width) in row.iter().zip(&widths) {
            text.push_str(&format!("  {weight:>width$.2}"));
        }
        text.push('\n');
    }
    text
}
