//! Corpus BLEU (Papineni et al. 2002), computed as sacreBLEU 2 computes it
//! on text that is already tokenized (`tokenize="none"`, one reference):
//! clipped n-gram counts for n = 1..4 summed over the corpus, the `exp`
//! smoothing of a zero count (the k-th zero precision becomes
//! `100 / (2^k * total)`), and the brevity penalty `exp(1 - ref/hyp)` when
//! the output is shorter than the reference. A corpus with no matching
//! unigram at all scores 0.
//!
//! On detokenised text, [`tokenize_13a`] splits it as sacreBLEU's default
//! tokenizer does (`13a`, mteval-v13a's), so that BLEU of plain sentences
//! ([`corpus_bleu_13a`]) is sacreBLEU's default score, signature
//! `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.x`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::LazyLock;

use regex::Regex;

/// A corpus BLEU score and its parts.
#[derive(Clone, Debug, PartialEq)]
pub struct Bleu {
    /// BLEU, 0 to 100.
    pub score: f64,
    /// Modified n-gram precisions, n = 1..4, in percent.
    pub precisions: [f64; 4],
    /// The brevity penalty.
    pub brevity_penalty: f64,
    /// Tokens in the hypotheses.
    pub hypothesis_length: usize,
    /// Tokens in the references.
    pub reference_length: usize,
}

fn ngrams<T: Hash + Eq>(tokens: &[T], n: usize) -> HashMap<&[T], usize> {
    let mut counts = HashMap::new();
    for window in tokens.windows(n) {
        *counts.entry(window).or_insert(0) += 1;
    }
    counts
}

/// The sufficient statistics of corpus BLEU, summed sentence by sentence,
/// so a corpus can be scored in pieces (a validation epoch, batch by batch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BleuCounts {
    /// Clipped n-gram matches, n = 1..4.
    pub correct: [usize; 4],
    /// n-grams in the hypotheses, n = 1..4.
    pub totals: [usize; 4],
    /// Tokens in the hypotheses.
    pub hypothesis_length: usize,
    /// Tokens in the references.
    pub reference_length: usize,
}

impl BleuCounts {
    /// Adds one sentence: its hypothesis and its reference, as tokens of any
    /// comparable kind (words, or token ids).
    pub fn add<T: Hash + Eq>(&mut self, hypothesis: &[T], reference: &[T]) {
        self.hypothesis_length += hypothesis.len();
        self.reference_length += reference.len();
        for n in 1..=4 {
            let reference_counts = ngrams(reference, n);
            for (ngram, count) in ngrams(hypothesis, n) {
                self.correct[n - 1] += count.min(reference_counts.get(ngram).copied().unwrap_or(0));
            }
            self.totals[n - 1] += hypothesis.len().saturating_sub(n - 1);
        }
    }

    /// Adds the sentences counted in `other`.
    pub fn merge(&mut self, other: &BleuCounts) {
        for n in 0..4 {
            self.correct[n] += other.correct[n];
            self.totals[n] += other.totals[n];
        }
        self.hypothesis_length += other.hypothesis_length;
        self.reference_length += other.reference_length;
    }

    /// The score of the sentences added so far.
    pub fn bleu(&self) -> Bleu {
        let (correct, totals) = (self.correct, self.totals);
        let (hypothesis_length, reference_length) = (self.hypothesis_length, self.reference_length);
        let mut precisions = [0.0; 4];
        let mut smoothing = 1.0;
        // No match at all scores zero with zero precisions, as sacreBLEU does.
        let any_match = correct.iter().any(|&c| c > 0);
        for n in (0..4).take_while(|_| any_match) {
            if totals[n] == 0 {
                break;
            }
            precisions[n] = if correct[n] == 0 {
                smoothing *= 2.0;
                100.0 / (smoothing * totals[n] as f64)
            } else {
                100.0 * correct[n] as f64 / totals[n] as f64
            };
        }
        let brevity_penalty = if hypothesis_length >= reference_length {
            1.0
        } else if hypothesis_length == 0 {
            0.0
        } else {
            (1.0 - reference_length as f64 / hypothesis_length as f64).exp()
        };
        // A precision of zero (an n-gram order the output is too short to have)
        // makes the score zero, as sacreBLEU's log of zero does.
        let score = if precisions.contains(&0.0) {
            0.0
        } else {
            brevity_penalty * (precisions.iter().map(|p| p.ln()).sum::<f64>() / 4.0).exp()
        };
        Bleu {
            score,
            precisions,
            brevity_penalty,
            hypothesis_length,
            reference_length,
        }
    }
}

/// Corpus BLEU of `hypotheses` against one reference each.
///
/// # Panics
///
/// If the two lists differ in length.
///
/// # Example
///
/// ```
/// use trainer::report::bleu::corpus_bleu;
/// let hypothesis = vec![vec!["il", "l'", "aime", "beaucoup", "."]];
/// let bleu = corpus_bleu(&hypothesis, &hypothesis);
/// assert!((bleu.score - 100.0).abs() < 1e-9);
/// // Three words have no 4-gram: BLEU is 0, as in sacreBLEU.
/// let short = vec![vec!["je", "t'", "aime"]];
/// assert_eq!(corpus_bleu(&short, &short).score, 0.0);
/// ```
pub fn corpus_bleu<T: AsRef<str>, U: AsRef<str>>(hypotheses: &[Vec<T>], references: &[Vec<U>]) -> Bleu {
    assert_eq!(
        hypotheses.len(),
        references.len(),
        "corpus_bleu: {} hypotheses for {} references",
        hypotheses.len(),
        references.len()
    );
    let mut counts = BleuCounts::default();
    for (hypothesis, reference) in hypotheses.iter().zip(references) {
        let hypothesis: Vec<&str> = hypothesis.iter().map(AsRef::as_ref).collect();
        let reference: Vec<&str> = reference.iter().map(AsRef::as_ref).collect();
        counts.add(&hypothesis, &reference);
    }
    counts.bleu()
}

/// sacreBLEU's `13a` steps after the language-independent ones, in order, as
/// `sacrebleu/tokenizers/tokenizer_re.py` has them.
static STEPS_13A: LazyLock<[(Regex, &str); 4]> = LazyLock::new(|| {
    let re = |pattern: &str| Regex::new(pattern).expect("a valid pattern");
    [
        // Punctuation and symbols: ranges { to ~, [ to `, space to &, ( to +, : to @, and /.
        (re(r"([\{-~\[-`\x20-&\(-\+:-@/])"), " $1 "),
        // Period and comma, unless preceded by a digit.
        (re(r"([^0-9])([\.,])"), "$1 $2 "),
        // Period and comma, unless followed by a digit.
        (re(r"([\.,])([^0-9])"), " $1 $2"),
        // A dash preceded by a digit.
        (re(r"([0-9])(-)"), "$1 $2 "),
    ]
});

/// `text` split as sacreBLEU's default tokenizer (`13a`) splits it.
///
/// # Example
///
/// ```
/// use trainer::report::bleu::tokenize_13a;
/// // sacrebleu 2.6.0: Tokenizer13a()("Version 2.0, le 3-4 mai; coût: 1,5€.")
/// assert_eq!(
///     tokenize_13a("Version 2.0, le 3-4 mai; coût: 1,5€.").join(" "),
///     "Version 2.0 , le 3 - 4 mai ; coût : 1,5€ ."
/// );
/// ```
pub fn tokenize_13a(text: &str) -> Vec<String> {
    let mut line = text.replace("<skipped>", "").replace("-\n", "").replace('\n', " ");
    if line.contains('&') {
        line = line
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
    }
    let mut line = format!(" {line} ");
    for (pattern, replacement) in STEPS_13A.iter() {
        line = pattern.replace_all(&line, *replacement).into_owned();
    }
    line.split_whitespace().map(String::from).collect()
}

/// sacreBLEU's default corpus BLEU of detokenised `hypotheses` against one
/// reference each: both tokenized by [`tokenize_13a`], case kept.
///
/// # Panics
///
/// If the two lists differ in length.
pub fn corpus_bleu_13a<H: AsRef<str>, R: AsRef<str>>(hypotheses: &[H], references: &[R]) -> Bleu {
    let hypotheses: Vec<Vec<String>> = hypotheses.iter().map(|h| tokenize_13a(h.as_ref())).collect();
    let references: Vec<Vec<String>> = references.iter().map(|r| tokenize_13a(r.as_ref())).collect();
    corpus_bleu(&hypotheses, &references)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(sentences: &[&str]) -> Vec<Vec<String>> {
        sentences
            .iter()
            .map(|s| s.split_whitespace().map(String::from).collect())
            .collect()
    }

    /// Hypotheses, references, BLEU, precisions, brevity penalty.
    type Case<'a> = (&'a [&'a str], &'a [&'a str], f64, [f64; 4], f64);

    /// Expected values from sacreBLEU 2.6.0:
    /// `sacrebleu.corpus_bleu(hyp, [ref], tokenize="none")` -> score, precisions, bp.
    /// Tolerance 1e-9: the same double-precision arithmetic in another order.
    #[test]
    fn matches_sacrebleu() {
        let cases: [Case; 5] = [
            (
                &["je t' aime", "il l' aime beaucoup ."],
                &["je t' aime", "il l' aime beaucoup ."],
                100.0,
                [100.0; 4],
                1.0,
            ),
            (
                &["je t' aime"],
                &["je t' aime beaucoup ."],
                0.0,
                [100.0, 100.0, 100.0, 0.0],
                0.513417119032592,
            ),
            (
                &["le chat noir mange la souris"],
                &["le chat noir a mangé une souris"],
                27.482545710800192,
                [66.6666666667, 40.0, 25.0, 16.6666666667],
                0.846481724890614,
            ),
            (
                &["elle nous voit .", "nous ne mangeons pas de pommes ."],
                &["elle nous voit .", "nous ne mangeons pas les pommes rouges ."],
                55.7061549792339,
                [90.9090909091, 66.6666666667, 57.1428571429, 40.0],
                0.9131007162822624,
            ),
            (&["a b c d"], &["e f g h"], 0.0, [0.0; 4], 1.0),
        ];
        for (hypotheses, references, score, precisions, brevity_penalty) in cases {
            let bleu = corpus_bleu(&words(hypotheses), &words(references));
            assert!(
                (bleu.score - score).abs() < 1e-9,
                "{hypotheses:?}: {} vs {score}",
                bleu.score
            );
            assert!((bleu.brevity_penalty - brevity_penalty).abs() < 1e-9, "{hypotheses:?}");
            for (got, want) in bleu.precisions.iter().zip(precisions) {
                // sacreBLEU's precisions were printed to 10 decimals.
                assert!(
                    (got - want).abs() < 1e-8,
                    "{hypotheses:?}: {:?} vs {precisions:?}",
                    bleu.precisions
                );
            }
        }
    }

    #[test]
    fn counting_in_pieces_equals_counting_at_once() {
        // The fourth sacreBLEU case above, added one sentence at a time and
        // as token ids instead of words.
        let hypotheses = words(&["elle nous voit .", "nous ne mangeons pas de pommes ."]);
        let references = words(&["elle nous voit .", "nous ne mangeons pas les pommes rouges ."]);
        let mut ids = std::collections::HashMap::new();
        let mut id = |w: &String| {
            let next = ids.len();
            *ids.entry(w.clone()).or_insert(next)
        };
        let mut counts = BleuCounts::default();
        for (h, r) in hypotheses.iter().zip(&references) {
            let (h, r): (Vec<usize>, Vec<usize>) = (h.iter().map(&mut id).collect(), r.iter().map(&mut id).collect());
            counts.add(&h, &r);
        }
        assert!((counts.bleu().score - 55.7061549792339).abs() < 1e-9);
        assert_eq!(counts.bleu(), corpus_bleu(&hypotheses, &references));
    }

    #[test]
    fn detokenised_text_scores_as_sacrebleu_scores_it() {
        // The expected values are sacreBLEU 2.6.0's, from:
        //   from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a; t = Tokenizer13a()
        //   [t(s) for s in CASES]
        //   b = sacrebleu.corpus_bleu(HYPS, [REFS]); b.score, b.precisions, b.bp
        //   sacrebleu.corpus_chrf(HYPS, [REFS]).score
        let cases = [
            (
                "Impossible d'ouvrir le fichier « test.txt » !",
                "Impossible d'ouvrir le fichier « test . txt » !",
            ),
            (
                "Version 2.0, le 3-4 mai; coût: 1,5€.",
                "Version 2.0 , le 3 - 4 mai ; coût : 1,5€ .",
            ),
            (
                "L'image (PNG) a été enregistrée.",
                "L'image ( PNG ) a été enregistrée .",
            ),
            ("a&amp;b &lt;tag&gt; --x-- 12-3", "a & b < tag > --x-- 12 - 3"),
        ];
        for (text, tokens) in cases {
            assert_eq!(tokenize_13a(text).join(" "), tokens, "{text}");
        }
        let hyps = [
            "Impossible d'ouvrir le fichier.",
            "Enregistrer l'image sous…",
            "Fermer la fenêtre",
            "Version 2.0 du 3-4 mai",
        ];
        let refs = [
            "Impossible d'ouvrir le fichier.",
            "Enregistrer l'image sous...",
            "Fermer la fenêtre courante",
            "Version 2.0, le 3-4 mai",
        ];
        let bleu = corpus_bleu_13a(&hyps, &refs);
        // Printed to 15 digits by Python; f64 sums in another order agree to 1e-9.
        assert!((bleu.score - 51.24730001571332).abs() < 1e-9, "{bleu:?}");
        let expected = [88.88888888888889, 78.57142857142857, 60.0, 50.0];
        for (p, e) in bleu.precisions.iter().zip(expected) {
            assert!((p - e).abs() < 1e-9, "{bleu:?}");
        }
        assert!((bleu.brevity_penalty - 0.7574651283969664).abs() < 1e-12, "{bleu:?}");
        assert_eq!((bleu.hypothesis_length, bleu.reference_length), (18, 23));
        let chrf = crate::report::chrf::corpus_chrf(&hyps, &refs);
        assert!((chrf - 82.44006635198396).abs() < 1e-9, "{chrf}");
    }
}
