//! chrF (Popović 2015) as sacreBLEU 2 computes it by default: character
//! n-grams of orders 1 to 6, whitespace removed, β = 2 (recall weighs twice
//! precision), case kept, one reference; corpus level, so the n-gram counts
//! of every sentence are summed before the F-score. sacreBLEU's signature:
//! `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no`.
//!
//! ```text
//! P_n = matched n-grams / hypothesis n-grams,  R_n = matched / reference n-grams
//! P, R = means of P_n, R_n over the orders both sides have n-grams of ("eff:yes")
//! chrF = 100 (1 + β²) P R / (β² P + R)
//! ```

use std::collections::HashMap;

/// The largest character n-gram.
pub const ORDER: usize = 6;
/// β: recall weighs β² times as much as precision.
pub const BETA: f64 = 2.0;

/// Summed n-gram counts, per order: hypothesis, reference, matched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChrfCounts {
    counts: [[usize; 3]; ORDER],
}

/// The character n-grams of `text`, counted.
fn grams(text: &[char], n: usize) -> HashMap<&[char], usize> {
    let mut counts = HashMap::new();
    for gram in text.windows(n) {
        *counts.entry(gram).or_insert(0) += 1;
    }
    counts
}

impl ChrfCounts {
    /// Adds one sentence and its reference.
    pub fn add(&mut self, hypothesis: &str, reference: &str) {
        let chars = |text: &str| -> Vec<char> { text.chars().filter(|c| !c.is_whitespace()).collect() };
        let (hyp, refer) = (chars(hypothesis), chars(reference));
        for n in 1..=ORDER {
            let (h, r) = (grams(&hyp, n), grams(&refer, n));
            let matched: usize = h.iter().map(|(g, &c)| c.min(r.get(g).copied().unwrap_or(0))).sum();
            let hyp_total: usize = h.values().sum();
            let ref_total: usize = r.values().sum();
            let order = &mut self.counts[n - 1];
            // As sacreBLEU: hypothesis n-grams count only where the reference has some of that order.
            order[0] += if ref_total > 0 { hyp_total } else { 0 };
            order[1] += ref_total;
            order[2] += matched;
        }
    }

    /// Adds another set of counts (a batch counted apart).
    pub fn merge(&mut self, other: &ChrfCounts) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
    }

    /// The corpus chrF, in [0, 100].
    pub fn score(&self) -> f64 {
        let (mut precision, mut recall, mut orders) = (0.0, 0.0, 0);
        for &[hyp, refer, matched] in &self.counts {
            if hyp > 0 && refer > 0 {
                precision += matched as f64 / hyp as f64;
                recall += matched as f64 / refer as f64;
                orders += 1;
            }
        }
        if orders == 0 {
            return 0.0;
        }
        let (p, r) = (precision / orders as f64, recall / orders as f64);
        let factor = BETA * BETA;
        if p + r == 0.0 {
            return 0.0;
        }
        100.0 * (1.0 + factor) * p * r / (factor * p + r)
    }
}

/// Corpus chrF of `hypotheses` against one reference each.
///
/// # Example
///
/// ```
/// use trainer::report::chrf::corpus_chrf;
/// assert_eq!(corpus_chrf(&["je t' aime ."], &["je t' aime ."]), 100.0);
/// ```
pub fn corpus_chrf<H: AsRef<str>, R: AsRef<str>>(hypotheses: &[H], references: &[R]) -> f64 {
    let mut counts = ChrfCounts::default();
    for (h, r) in hypotheses.iter().zip(references) {
        counts.add(h.as_ref(), r.as_ref());
    }
    counts.score()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from sacreBLEU 2.4.3 (`pip install sacrebleu==2.4.3`):
    ///
    /// ```python
    /// from sacrebleu.metrics import CHRF
    /// CHRF().corpus_score(hypotheses, [references]).score
    /// # signature nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.4.3
    /// ```
    #[test]
    fn matches_sacrebleu() {
        let cases: [(&[&str], &[&str], f64); 5] = [
            (&["je t' aime ."], &["je t' aime ."], 100.0),
            (
                &["je t' aime", "le chat noir dort"],
                &["je t' aime .", "le chat dort"],
                68.94932647773973,
            ),
            (&[""], &["impossible d' ouvrir le fichier"], 0.0),
            (
                &[
                    "impossible d' ouvrir le fichier",
                    "fermer la fenêtre courante",
                    "afficher l' image",
                ],
                &[
                    "impossible d' ouvrir le fichier",
                    "fermer la fenêtre active",
                    "afficher l' image suivante",
                ],
                80.26964593828987,
            ),
            (&["a b", "xyz"], &["ab", "xy"], 93.22033898305085),
        ];
        for (hypotheses, references, expected) in cases {
            let score = corpus_chrf(hypotheses, references);
            // f64 sums in another order than Python's: 1e-9 covers the rounding.
            assert!((score - expected).abs() < 1e-9, "{hypotheses:?}: {score} vs {expected}");
        }
    }

    #[test]
    fn counting_in_pieces_equals_counting_at_once() {
        let (hyp, refer) = (["le chat noir dort", "je t' aime"], ["le chat dort", "je t' aime ."]);
        let mut pieces = ChrfCounts::default();
        for (h, r) in hyp.iter().zip(&refer) {
            let mut one = ChrfCounts::default();
            one.add(h, r);
            pieces.merge(&one);
        }
        assert_eq!(pieces.score(), corpus_chrf(&hyp, &refer));
    }
}
