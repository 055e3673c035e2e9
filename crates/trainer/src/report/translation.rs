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
    /// The output as plain text.
    pub text: String,
    /// How the decoder ranked it: the log-probability, divided by the
    /// length penalty when the run's beam search uses one.
    pub score: f32,
    /// Log-probability of the output, end token included when emitted.
    pub log_prob: f32,
}

/// One sentence and its translation, over words.
///
/// A model with a subword vocabulary reads and writes pieces; its matrix is
/// shown over words, made from the pieces' by [`words_of`]: a source word's
/// weight is the sum of its pieces' (so a row still sums to one), and an
/// output word's row is the mean of its pieces' rows (each of which sums to
/// one). The pieces' own matrix is in [`subwords`](Self::subwords).
#[derive(Clone, Debug, PartialEq)]
pub struct SentenceTranslation {
    /// The source words, as the model's vocabulary splits the text (lower-cased
    /// word tokens for a word vocabulary).
    pub source: Vec<String>,
    /// Source words outside the training vocabulary (read as `<unk>`).
    pub unknown: Vec<String>,
    /// The output words.
    pub output: Vec<String>,
    /// The output as plain text: detokenised, as French is written.
    pub text: String,
    /// `[output.len()][source.len()]`: the weights behind each output word
    /// (the transformer's: the last decoder block's cross-attention,
    /// averaged over heads).
    pub attention: Vec<Vec<f32>>,
    /// `[n_heads][output.len()][source.len()]`: the transformer's
    /// cross-attention per head; empty for the RNN.
    pub heads: Vec<Vec<Vec<f32>>>,
    /// Log-probability of the output, end token included.
    pub log_prob: f32,
    /// The mean log-probability per token, end token included: the score a
    /// suggestion carries (OpenNMT-py's `avg` length normalisation).
    pub score: f32,
    /// The same over the model's pieces, for a subword vocabulary.
    pub subwords: Option<PieceAttention>,
}

/// A translation's attention over the pieces of a subword vocabulary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PieceAttention {
    /// The source pieces (`▁Impossible`, `▁d'`, `ouvrir`).
    pub source: Vec<String>,
    /// The output pieces.
    pub output: Vec<String>,
    /// `[output.len()][source.len()]`.
    pub attention: Vec<Vec<f32>>,
    /// `[n_heads][output.len()][source.len()]`; empty for the RNN.
    pub heads: Vec<Vec<Vec<f32>>>,
}

/// A matrix over pieces (`[rows][columns]`) made a matrix over words: each
/// column of a word summed (`column_word[c]` is column `c`'s word, of
/// `columns` words), each row of a word averaged (`row_word[r]`, of `rows`).
/// Rows that sum to one still do.
///
/// # Example
///
/// ```
/// use trainer::report::translation::words_of;
/// // Two output pieces of one word, over three source pieces of two words.
/// let pieces = vec![vec![0.5, 0.25, 0.25], vec![0.1, 0.1, 0.8]];
/// let words = words_of(&pieces, &[0, 0], 1, &[0, 1, 1], 2);
/// // (0.5 + 0.1) / 2 and (0.5 + 0.9) / 2, to f32's rounding.
/// assert!((words[0][0] - 0.3).abs() < 1e-6 && (words[0][1] - 0.7).abs() < 1e-6);
/// ```
pub fn words_of(
    weights: &[Vec<f32>],
    row_word: &[usize],
    rows: usize,
    column_word: &[usize],
    columns: usize,
) -> Vec<Vec<f32>> {
    let mut words = vec![vec![0.0_f32; columns]; rows];
    let mut pieces = vec![0_usize; rows];
    for (row, &word) in weights.iter().zip(row_word) {
        pieces[word] += 1;
        for (&weight, &column) in row.iter().zip(column_word) {
            words[word][column] += weight;
        }
    }
    for (row, n) in words.iter_mut().zip(pieces) {
        row.iter_mut().for_each(|w| *w /= n.max(1) as f32);
    }
    words
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

    /// The attention matrix over the model's subword pieces as a heatmap.
    ///
    /// # Errors
    ///
    /// If the run's vocabulary is of words, or the output is empty.
    pub fn piece_heatmap(&self) -> Result<Heatmap, TrainError> {
        let Some(pieces) = &self.subwords else {
            return Err(TrainError::Input(
                "this run's vocabulary is of words: its matrix is drawn over words".into(),
            ));
        };
        if pieces.output.is_empty() {
            return self.heatmap();
        }
        Heatmap::new(
            format!("{} -> {}", self.source.join(" "), self.text),
            pieces.output.clone(),
            pieces.source.clone(),
            pieces.attention.clone(),
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
///     text: "je t'aime".into(),
///     attention: vec![vec![0.9, 0.05, 0.05], vec![0.1, 0.1, 0.8], vec![0.0, 1.0, 0.0]],
///     heads: vec![],
///     log_prob: -0.1,
///     score: -0.025,
///     subwords: None,
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
