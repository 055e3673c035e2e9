//! What `attn eval` prints: a sequence run's scores on its test split
//! ([`EvalReport`]), a classify run's accuracy and confusion matrix
//! ([`ClassifyReport`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::data::{EOS, UNK};
use crate::report::bleu::{BleuCounts, tokenize_13a};
use crate::report::chrf::ChrfCounts;

/// What `attn eval` reports for a sequence run: decoding of the test split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Test sentences.
    pub sentences: usize,
    /// Corpus BLEU of the outputs against the references, as word tokens
    /// ([`crate::data::tokenize`]: lower-cased, punctuation apart; a
    /// reference word outside a word vocabulary never matches).
    pub bleu: f64,
    /// Corpus chrF of the same word tokens, as sacreBLEU computes chrF
    /// (character 6-grams, β = 2; [`crate::report::chrf`]).
    pub chrf: f64,
    /// sacreBLEU's default BLEU of the detokenised outputs against the
    /// references as written: `13a` tokenization, case kept
    /// ([`crate::report::bleu::corpus_bleu_13a`]).
    pub sacre_bleu: f64,
    /// sacreBLEU's default chrF of the detokenised outputs against the
    /// references as written.
    pub sacre_chrf: f64,
    /// Sentences whose word tokens are the reference's (%).
    pub exact_match: f64,
    /// Target tokens decoded at the right position (%), end token included.
    pub token_accuracy: f64,
    /// Source tokens outside the training vocabulary, read as `<unk>` (%).
    pub unknown: f64,
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} test sentences, BLEU {:.2}, chrF {:.2}, exact match {:.2}%, token accuracy {:.2}%, <unk> {:.2}% of \
             source tokens; detokenised (sacreBLEU 13a, case kept): BLEU {:.2}, chrF {:.2}",
            self.sentences,
            self.bleu,
            self.chrf,
            self.exact_match,
            self.token_accuracy,
            self.unknown,
            self.sacre_bleu,
            self.sacre_chrf
        )
    }
}

/// One decoded test sentence, as [`EvalCounts`] scores it.
pub struct Scored<'a> {
    /// The output's word tokens.
    pub words: &'a [String],
    /// The output, detokenised.
    pub text: &'a str,
    /// The reference's word tokens.
    pub reference_words: &'a [String],
    /// The reference as written.
    pub reference_text: &'a str,
    /// The output's token ids, without the end token.
    pub ids: &'a [usize],
    /// The reference's token ids, without the end token.
    pub reference_ids: &'a [usize],
    /// The source's token ids.
    pub source_ids: &'a [usize],
}

/// The counts behind an [`EvalReport`], added sentence by sentence.
#[derive(Clone, Debug, Default)]
pub struct EvalCounts {
    bleu: BleuCounts,
    chrf: ChrfCounts,
    sacre_bleu: BleuCounts,
    sacre_chrf: ChrfCounts,
    sentences: usize,
    exact: usize,
    correct: usize,
    total: usize,
    source_tokens: usize,
    unknown: usize,
}

impl EvalCounts {
    /// Adds one sentence.
    pub fn add(&mut self, s: &Scored<'_>) {
        self.sentences += 1;
        self.bleu.add(s.words, s.reference_words);
        self.chrf.add(&s.words.join(" "), &s.reference_words.join(" "));
        self.sacre_bleu
            .add(&tokenize_13a(s.text), &tokenize_13a(s.reference_text));
        self.sacre_chrf.add(s.text, s.reference_text);
        self.exact += usize::from(s.words == s.reference_words);
        let produced = s.ids.iter().chain([&EOS]);
        let wanted = s.reference_ids.iter().chain([&EOS]);
        self.correct += wanted.zip(produced).filter(|(a, b)| a == b).count();
        self.total += s.reference_ids.len() + 1;
        self.source_tokens += s.source_ids.len();
        self.unknown += s.source_ids.iter().filter(|&&id| id == UNK).count();
    }

    /// The report of the sentences added.
    pub fn report(&self) -> EvalReport {
        let percent = |n: usize, d: usize| 100.0 * n as f64 / d.max(1) as f64;
        EvalReport {
            sentences: self.sentences,
            bleu: self.bleu.bleu().score,
            chrf: self.chrf.score(),
            sacre_bleu: self.sacre_bleu.bleu().score,
            sacre_chrf: self.sacre_chrf.score(),
            exact_match: percent(self.exact, self.sentences),
            token_accuracy: percent(self.correct, self.total),
            unknown: percent(self.unknown, self.source_tokens),
        }
    }
}

/// What `attn eval` reports for a classify run: the test split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassifyReport {
    /// Languages, by class id.
    pub languages: Vec<String>,
    /// Test words.
    pub words: usize,
    /// Words whose language was predicted right (%).
    pub accuracy: f64,
    /// Per language: of the words predicted as it, the share that are (%).
    pub precision: Vec<f64>,
    /// Per language: of its words, the share predicted as it (%).
    pub recall: Vec<f64>,
    /// `confusion[true][predicted]`: word counts.
    pub confusion: Vec<Vec<usize>>,
}

impl ClassifyReport {
    /// The report of `(true, predicted)` class pairs over `languages`.
    ///
    /// # Example
    ///
    /// ```
    /// use trainer::report::evaluation::ClassifyReport;
    /// let report = ClassifyReport::from_pairs(vec!["en".into(), "fr".into()], &[(0, 0), (0, 1), (1, 1)]);
    /// assert_eq!(report.confusion, [[1, 1], [0, 1]]);
    /// assert_eq!(report.precision, [100.0, 50.0]);
    /// assert_eq!(report.recall, [50.0, 100.0]);
    /// ```
    pub fn from_pairs(languages: Vec<String>, pairs: &[(usize, usize)]) -> Self {
        let n = languages.len();
        let mut confusion = vec![vec![0; n]; n];
        for &(truth, predicted) in pairs {
            confusion[truth][predicted] += 1;
        }
        let percent = |a: usize, b: usize| if b == 0 { 0.0 } else { 100.0 * a as f64 / b as f64 };
        let correct: usize = (0..n).map(|i| confusion[i][i]).sum();
        ClassifyReport {
            words: pairs.len(),
            accuracy: percent(correct, pairs.len()),
            precision: (0..n)
                .map(|j| percent(confusion[j][j], (0..n).map(|i| confusion[i][j]).sum()))
                .collect(),
            recall: (0..n)
                .map(|i| percent(confusion[i][i], confusion[i].iter().sum()))
                .collect(),
            confusion,
            languages,
        }
    }
}

impl fmt::Display for ClassifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} test words, accuracy {:.2}%", self.words, self.accuracy)?;
        writeln!(f)?;
        writeln!(f, "language  precision  recall")?;
        for (i, language) in self.languages.iter().enumerate() {
            writeln!(
                f,
                "{language:<8}  {:>8.2}%  {:>5.2}%",
                self.precision[i], self.recall[i]
            )?;
        }
        writeln!(f)?;
        writeln!(f, "confusion (rows: true language, columns: predicted)")?;
        let width = self
            .confusion
            .iter()
            .flatten()
            .map(|c| c.to_string().len())
            .chain(self.languages.iter().map(String::len))
            .max()
            .unwrap_or(1);
        write!(f, "{:<8}", "")?;
        for language in &self.languages {
            write!(f, "  {language:>width$}")?;
        }
        writeln!(f)?;
        for (language, row) in self.languages.iter().zip(&self.confusion) {
            write!(f, "{language:<8}")?;
            for count in row {
                write!(f, "  {count:>width$}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
