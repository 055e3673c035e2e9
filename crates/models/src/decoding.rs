//! Greedy and beam-search decoding for any model that emits one token at a
//! time, returning the attention matrix of every output sentence.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, TensorData};

/// A model that decodes one position at a time.
pub trait StepDecoder {
    /// Everything carried from one step to the next, for every row of the
    /// batch (or every beam).
    type State: Clone;

    /// One step: the previous tokens `[rows]` give the logits `[rows, vocab]`
    /// of the next, and the attention over the source `[rows, src_len]`.
    fn step(&self, tokens: Tensor<1, Int>, state: Self::State) -> (Tensor<2>, Tensor<2>, Self::State);

    /// Keeps, in order, the rows `rows` of the state (beams are reordered
    /// and replicated this way).
    fn select(&self, state: Self::State, rows: Tensor<1, Int>) -> Self::State;
}

/// An encoder-decoder that decodes step by step; greedy and beam
/// translation come with it.
pub trait Translate: StepDecoder + Sized {
    /// Encodes a padded batch of sources into the first decoding state.
    ///
    /// # Shapes
    ///
    /// - `source`: `[batch, src_len]`; `lengths`: `batch` values in `1..=src_len`
    fn start(&self, source: Tensor<2, Int>, lengths: &[usize]) -> Self::State;

    /// The start and end tokens.
    fn special(&self) -> Special;

    /// The longest output greedy decoding produces.
    fn max_output_len(&self) -> usize;

    /// Greedy translation of a padded batch.
    fn translate_greedy(&self, source: Tensor<2, Int>, lengths: &[usize]) -> Vec<Translation> {
        let device = source.device();
        let [batch, _] = source.dims();
        let state = self.start(source, lengths);
        greedy(self, state, batch, self.special(), self.max_output_len(), &device)
    }

    /// Beam-search translation, one sentence at a time (each encoded alone,
    /// without its padding).
    fn translate_beam(&self, source: Tensor<2, Int>, lengths: &[usize], config: BeamConfig) -> Vec<Translation> {
        let [batch, _] = source.dims();
        (0..batch)
            .map(|i| {
                let sentence = source.clone().narrow(0, i, 1).narrow(1, 0, lengths[i]);
                let (_, best) = self.translate_n_best(sentence, config).swap_remove(0);
                best
            })
            .collect()
    }

    /// Every hypothesis beam search ends with for ONE sentence (`source` is
    /// `[1, src_len]`, unpadded), best first, each with its score; see
    /// [`beam_search_n_best`].
    fn translate_n_best(&self, source: Tensor<2, Int>, config: BeamConfig) -> Vec<(f32, Translation)> {
        let device = source.device();
        let [_, length] = source.dims();
        let state = self.start(source, &[length]);
        beam_search_n_best(self, state, self.special(), config, &device)
    }
}

/// One decoded sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct Translation {
    /// The output tokens, without the start and end tokens.
    pub tokens: Vec<usize>,
    /// `[tokens.len()][src_len]`: the attention weights behind each output
    /// token, the article's matrix (output words down, source words across).
    pub attention: Vec<Vec<f32>>,
    /// Sum of the tokens' log-probabilities, the end token included if emitted.
    pub log_prob: f32,
}

/// Token ids that decoding needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Special {
    /// Start of sentence: the first decoder input.
    pub bos: usize,
    /// End of sentence: decoding stops when it is emitted.
    pub eos: usize,
}

fn rows_of(t: Tensor<2>) -> Vec<Vec<f32>> {
    let [_, width] = t.dims();
    let data = t.into_data().convert::<f32>().try_to_vec::<f32>().expect("f32 data");
    data.chunks(width.max(1)).map(<[f32]>::to_vec).collect()
}

fn ints(values: &[usize], device: &Device) -> Tensor<1, Int> {
    Tensor::from_data(
        TensorData::new(values.iter().map(|&v| v as i64).collect(), [values.len()]),
        device,
    )
}

/// Greedy decoding of a batch: the most probable token at each step, until
/// every sentence has emitted `eos` or `max_len` tokens.
pub fn greedy<D: StepDecoder + ?Sized>(
    decoder: &D,
    state: D::State,
    batch: usize,
    special: Special,
    max_len: usize,
    device: &Device,
) -> Vec<Translation> {
    let mut out = vec![
        Translation {
            tokens: vec![],
            attention: vec![],
            log_prob: 0.0
        };
        batch
    ];
    let mut done = vec![false; batch];
    let mut tokens = vec![special.bos; batch];
    let mut state = state;
    for _ in 0..max_len {
        let (logits, attention, next) = decoder.step(ints(&tokens, device), state);
        state = next;
        let log_probs = rows_of(log_softmax(logits, 1));
        let attention = rows_of(attention);
        for row in 0..batch {
            if done[row] {
                continue;
            }
            let (best, &lp) = log_probs[row]
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
                .expect("non-empty vocabulary");
            out[row].log_prob += lp;
            tokens[row] = best;
            if best == special.eos {
                done[row] = true;
            } else {
                out[row].tokens.push(best);
                out[row].attention.push(attention[row].clone());
            }
        }
        if done.iter().all(|&d| d) {
            break;
        }
    }
    out
}

/// Beam search settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BeamConfig {
    /// Hypotheses kept at each step.
    pub width: usize,
    /// GNMT's length penalty exponent `alpha` (Wu et al. 2016): finished
    /// hypotheses are ranked by `log_prob / ((5 + len) / 6)^alpha`; 0 ranks
    /// by plain log-probability.
    pub length_penalty: f32,
    /// The longest output, in tokens.
    pub max_len: usize,
}

#[derive(Clone)]
struct Hypothesis {
    tokens: Vec<usize>,
    attention: Vec<Vec<f32>>,
    log_prob: f32,
}

/// Beam search for ONE sentence (`state` has one row). Each step extends
/// every hypothesis by every token, keeps the `width` best unfinished ones,
/// and sets aside those that emit `eos`; it stops when `width` hypotheses
/// have finished or after `max_len` steps, and returns the hypothesis with
/// the best length-penalised score among the finished ones and those still
/// unfinished at `max_len`. With width 1 and no penalty it equals [`greedy`].
///
/// # Panics
///
/// If `width` is 0.
pub fn beam_search<D: StepDecoder + ?Sized>(
    decoder: &D,
    state: D::State,
    special: Special,
    config: BeamConfig,
    device: &Device,
) -> Translation {
    let (_, best) = beam_search_n_best(decoder, state, special, config, device).swap_remove(0);
    best
}

/// The search of [`beam_search`], returning every hypothesis it ends with
/// (the finished ones, and those still unfinished at `max_len`), best first
/// by their length-penalised score, each with that score: the beam's
/// alternatives. The first is [`beam_search`]'s translation; there is at
/// least one, and at most `2 * width - 1` (`width` finished ones when the
/// search ends on them; up to `width - 1` finished and `width` unfinished
/// ones when it runs out of length).
///
/// # Panics
///
/// If `width` is 0.
pub fn beam_search_n_best<D: StepDecoder + ?Sized>(
    decoder: &D,
    state: D::State,
    special: Special,
    config: BeamConfig,
    device: &Device,
) -> Vec<(f32, Translation)> {
    assert!(config.width > 0, "beam_search: `width` must be at least 1");
    let penalty = |len: usize| ((5.0 + len as f32) / 6.0).powf(config.length_penalty);
    let mut alive = vec![Hypothesis {
        tokens: vec![],
        attention: vec![],
        log_prob: 0.0,
    }];
    let mut finished: Vec<(f32, Hypothesis)> = vec![];
    let mut state = state;
    let mut last = vec![special.bos];
    for _ in 0..config.max_len {
        let (logits, attention, next) = decoder.step(ints(&last, device), state);
        let log_probs = rows_of(log_softmax(logits, 1));
        let attention = rows_of(attention);
        let mut candidates: Vec<(f32, usize, usize)> = log_probs
            .iter()
            .enumerate()
            .flat_map(|(beam, row)| {
                let base = alive[beam].log_prob;
                row.iter().enumerate().map(move |(token, &lp)| (base + lp, beam, token))
            })
            .collect();
        // Best first; ties go to the earlier beam, then the lower token, as greedy's argmax.
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut parents = vec![];
        let mut next_alive = vec![];
        for (log_prob, beam, token) in candidates {
            if next_alive.len() == config.width || finished.len() == config.width {
                break;
            }
            let parent = &alive[beam];
            if token == special.eos {
                let hypothesis = Hypothesis {
                    log_prob,
                    ..parent.clone()
                };
                finished.push((log_prob / penalty(hypothesis.tokens.len() + 1), hypothesis));
            } else {
                let mut hypothesis = parent.clone();
                hypothesis.tokens.push(token);
                hypothesis.attention.push(attention[beam].clone());
                hypothesis.log_prob = log_prob;
                next_alive.push(hypothesis);
                parents.push(beam);
            }
        }
        if finished.len() >= config.width || next_alive.is_empty() {
            alive.clear();
            break;
        }
        state = decoder.select(next, ints(&parents, device));
        last = next_alive.iter().map(|h| *h.tokens.last().expect("extended")).collect();
        alive = next_alive;
    }
    finished.extend(alive.into_iter().map(|h| (h.log_prob / penalty(h.tokens.len()), h)));
    // Best first. Of equal scores the one found last ranks first (reversed, then a stable sort), as
    // `Iterator::max_by` chose it before the alternatives were returned.
    finished.reverse();
    finished.sort_by(|a, b| b.0.total_cmp(&a.0));
    finished
        .into_iter()
        .map(|(score, h)| {
            let translation = Translation {
                tokens: h.tokens,
                attention: h.attention,
                log_prob: h.log_prob,
            };
            (score, translation)
        })
        .collect()
}
