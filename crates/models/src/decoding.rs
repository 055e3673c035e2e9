//! Greedy and beam-search decoding for any model that emits one token at a
//! time, returning the attention matrix of every output sentence.
//!
//! Beam search comes twice: [`beam_search_n_best`] searches for ONE sentence
//! and ranks every candidate on the host, the naive reference;
//! [`beam_search_batch`] searches for every sentence of a padded batch at
//! once (one decoder step for all their hypotheses, the candidates chosen on
//! the device) and returns, sentence by sentence, what the reference returns.
//! `tests/beam.rs` holds them equal. See `docs/models.md`.

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

    /// Beam-search translation of a padded batch, every sentence searched
    /// at once ([`beam_search_batch`]): each sentence's best hypothesis, as
    /// [`translate_n_best_batch`](Self::translate_n_best_batch) ranks them.
    ///
    /// # Shapes
    ///
    /// - `source`: `[batch, src_len]`; `lengths`: `batch` values in `1..=src_len`
    /// - returns `batch` translations; their attention rows have the
    ///   sentence's own length (the padding is cut off)
    ///
    /// # Panics
    ///
    /// If `config.width` is 0 or its Wu `alpha` is not finite.
    fn translate_beam(&self, source: Tensor<2, Int>, lengths: &[usize], config: BeamConfig) -> Vec<Translation> {
        self.translate_n_best_batch(source, lengths, config)
            .into_iter()
            .map(|mut alternatives| alternatives.swap_remove(0).1)
            .collect()
    }

    /// Every hypothesis beam search ends with, for every sentence of a padded
    /// batch, best first, each with its score: for each sentence, what
    /// [`beam_search_n_best`] returns for it encoded alone, without its
    /// padding (to float rounding; see [`beam_search_batch`]).
    ///
    /// # Shapes
    ///
    /// - `source`: `[batch, src_len]`; `lengths`: `batch` values in `1..=src_len`
    /// - returns `batch` lists of 1 to `2 * width - 1` alternatives; their
    ///   attention rows have the sentence's own length (the padding is cut off)
    ///
    /// # Panics
    ///
    /// If `config.width` is 0 or its Wu `alpha` is not finite.
    fn translate_n_best_batch(
        &self,
        source: Tensor<2, Int>,
        lengths: &[usize],
        config: BeamConfig,
    ) -> Vec<Vec<(f32, Translation)>> {
        let device = source.device();
        let [batch, _] = source.dims();
        let state = self.start(source, lengths);
        let mut n_best = beam_search_batch(self, state, batch, self.special(), config, &device);
        // The padding's weights are zero (`start` masks it): cut them off, as if encoded alone.
        for (alternatives, &length) in n_best.iter_mut().zip(lengths) {
            for (_, translation) in alternatives {
                for row in &mut translation.attention {
                    row.truncate(length);
                }
            }
        }
        n_best
    }

    /// Every hypothesis beam search ends with for ONE sentence (`source` is
    /// `[1, src_len]`, unpadded), best first, each with its score; see
    /// [`beam_search_n_best`]. It runs [`translate_n_best_batch`](Self::translate_n_best_batch)
    /// on this batch of one.
    ///
    /// # Panics
    ///
    /// If `config.width` is 0 or its Wu `alpha` is not finite.
    fn translate_n_best(&self, source: Tensor<2, Int>, config: BeamConfig) -> Vec<(f32, Translation)> {
        let [_, length] = source.dims();
        self.translate_n_best_batch(source, &[length], config).swap_remove(0)
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

/// How beam search compares hypotheses of different lengths: the score
/// that ranks them, from the sum of their tokens' log-probabilities
/// `log_prob` and their length `len` (the output tokens, plus the end token
/// when it was emitted, as OpenNMT-py counts decoding steps). Each variant is
/// the ranking of an OpenNMT-py `translate.py` option (`-length_penalty`,
/// `onmt/translate/penalties.py`); OpenNMT-py's coverage penalty (`-beta`)
/// has no counterpart.
///
/// Live hypotheses all have the same length at a given step, so the choice
/// only matters where finished hypotheses (and, at `max_len`, unfinished
/// ones) of different lengths are ranked against each other.
///
/// ```
/// use models::LengthNorm;
/// assert_eq!(LengthNorm::None.score(-3.0, 2), -3.0);
/// assert_eq!(LengthNorm::Average.score(-3.0, 2), -1.5);
/// // ((5 + 7) / 6)^1 = 2
/// assert_eq!(LengthNorm::Wu { alpha: 1.0 }.score(-3.0, 7), -1.5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum LengthNorm {
    /// `score = log_prob`: OpenNMT-py's `-length_penalty none`
    /// (`PenaltyBuilder.length_none`), which favours short outputs.
    #[default]
    None,
    /// `score = log_prob / len`, the mean log-probability per token:
    /// OpenNMT-py's `-length_penalty avg` (`PenaltyBuilder.length_average`,
    /// which divides by the length and ignores `-alpha`).
    /// An empty unfinished hypothesis (only with `max_len` 0) counts as
    /// length 1.
    Average,
    /// GNMT's length penalty (Wu et al. 2016, section 7),
    /// `score = log_prob / ((5 + len) / 6)^alpha`: OpenNMT-py's
    /// `-length_penalty wu -alpha ALPHA` (`PenaltyBuilder.length_wu`).
    /// `alpha = 0` ranks as [`LengthNorm::None`]; larger values favour
    /// longer outputs.
    Wu {
        /// The exponent; finite.
        alpha: f32,
    },
}

impl LengthNorm {
    /// The score that ranks a hypothesis of `len` tokens with the
    /// log-probability `log_prob`.
    pub fn score(self, log_prob: f32, len: usize) -> f32 {
        match self {
            LengthNorm::None => log_prob,
            LengthNorm::Average => log_prob / len.max(1) as f32,
            LengthNorm::Wu { alpha } => log_prob / ((5.0 + len as f32) / 6.0).powf(alpha),
        }
    }
}

/// Beam search settings.
///
/// ```
/// use models::{BeamConfig, LengthNorm};
/// let plain = BeamConfig::new(4, 100); // ranked by log-probability
/// assert_eq!(plain.length_norm, LengthNorm::None);
/// let gnmt = BeamConfig::new(4, 100).with_length_norm(LengthNorm::Wu { alpha: 0.6 });
/// assert_eq!((gnmt.width, gnmt.max_len), (4, 100));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BeamConfig {
    /// Hypotheses kept at each step, for each sentence; at least 1.
    pub width: usize,
    /// How finished hypotheses of different lengths are ranked;
    /// [`LengthNorm::None`] with [`BeamConfig::new`].
    pub length_norm: LengthNorm,
    /// The longest output, in tokens.
    pub max_len: usize,
}

impl BeamConfig {
    /// `width` hypotheses, outputs of at most `max_len` tokens, ranked by
    /// plain log-probability ([`LengthNorm::None`]).
    pub fn new(width: usize, max_len: usize) -> Self {
        Self {
            width,
            length_norm: LengthNorm::None,
            max_len,
        }
    }

    /// The same settings, ranked by `length_norm`.
    pub fn with_length_norm(self, length_norm: LengthNorm) -> Self {
        Self { length_norm, ..self }
    }

    /// Panics, naming `search`, on settings no search can use.
    fn check(&self, search: &str) {
        assert!(self.width > 0, "{search}: `width` must be at least 1");
        if let LengthNorm::Wu { alpha } = self.length_norm {
            assert!(
                alpha.is_finite(),
                "{search}: the length penalty's `alpha` must be finite, got {alpha}"
            );
        }
    }
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
/// the best length-normalised score ([`LengthNorm`]) among the finished ones
/// and those still unfinished at `max_len`. With width 1 and no
/// normalisation it equals [`greedy`].
///
/// # Panics
///
/// If `width` is 0, or the Wu penalty's `alpha` is not finite.
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
/// by their length-normalised score, each with that score: the beam's
/// alternatives. The first is [`beam_search`]'s translation; there is at
/// least one, and at most `2 * width - 1` (`width` finished ones when the
/// search ends on them; up to `width - 1` finished and `width` unfinished
/// ones when it runs out of length).
///
/// This is the naive reference of [`beam_search_batch`]: it reads every
/// log-probability back and sorts all `hypotheses * vocab` candidates on the
/// host at each step.
///
/// # Panics
///
/// If `width` is 0, or the Wu penalty's `alpha` is not finite.
pub fn beam_search_n_best<D: StepDecoder + ?Sized>(
    decoder: &D,
    state: D::State,
    special: Special,
    config: BeamConfig,
    device: &Device,
) -> Vec<(f32, Translation)> {
    config.check("beam_search");
    let norm = config.length_norm;
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
                finished.push((norm.score(log_prob, hypothesis.tokens.len() + 1), hypothesis));
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
    finished.extend(alive.into_iter().map(|h| (norm.score(h.log_prob, h.tokens.len()), h)));
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

/// One sentence's search in [`beam_search_batch`]: the state of
/// [`beam_search_n_best`]'s loop.
struct Search {
    /// The unfinished hypotheses, in the order of their state rows.
    alive: Vec<Hypothesis>,
    /// The finished ones, in the order found, with their scores.
    finished: Vec<(f32, Hypothesis)>,
}

impl Search {
    /// The alternatives, ranked as [`beam_search_n_best`] ranks them.
    fn into_alternatives(self, norm: LengthNorm) -> Vec<(f32, Translation)> {
        let Search { alive, mut finished } = self;
        finished.extend(alive.into_iter().map(|h| (norm.score(h.log_prob, h.tokens.len()), h)));
        // Of equal scores the one found last ranks first: reversed, then a stable sort.
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
}

/// Beam search for every sentence of a batch at once: for each sentence,
/// the alternatives that [`beam_search_n_best`] returns for that sentence
/// alone (the same hypotheses in the same order, the same tie-breaking).
///
/// The state's rows are `sentence × beam`, sentence by sentence. Each step
/// runs one [`StepDecoder::step`] on the rows of every sentence still
/// searching. On the device it adds each row's running log-probability to
/// its log-softmax, lays the result out as `[sentences, beams * vocab]` and
/// takes each sentence's `2 * width` best candidates with
/// `topk_with_indices` (long rows first narrowed to their `2 * width`
/// chunks of highest maximum, as a backend's top-k may sort the whole row):
/// a sentence consumes at most `2 * width - 1` of them before it has `width`
/// live or `width` finished hypotheses. Only those scores and indices, and
/// the step's attention rows `[rows, src_len]`, are read back, never the
/// `[rows, vocab]` log-probabilities; except for beams wider than 16, whose
/// scores are read back and selected on the host, as Burn 0.22.1's wgpu
/// top-k is wrong for large `k` (see `DEVICE_TOP_K_MAX`). A sentence is done when `width` of its
/// hypotheses have finished or none is left alive; its rows are then dropped
/// from the state with [`StepDecoder::select`], so finished sentences cost
/// nothing. The first step has one row per sentence.
///
/// Ties: candidates of equal score go to the earlier beam, then the lower
/// token, as in the reference. A backend's top-k need not keep that order,
/// so the `2 * width` are re-sorted on the host; when the last of them ties
/// with the one before it (the backend may have chosen among equal
/// candidates beyond the cut), that sentence's candidates are read back
/// whole and sorted on the host, as the reference does. Exact ties are
/// therefore broken as in the reference.
///
/// Each sentence's rows compute what that sentence alone would, but not
/// always to the last bit (the padding of a batch changes the shapes of the
/// matrix products): scores and log-probabilities agree with the
/// reference's to float rounding, and two candidates whose scores differ by
/// less than that rounding may rank the other way round.
///
/// # Shapes
///
/// - `state`: `batch` rows, one for each sentence, as [`Translate::start`]
///   encodes them
/// - returns `batch` lists of 1 to `2 * width - 1` alternatives, best first;
///   each attention row has the state's `src_len` weights
///
/// # Panics
///
/// If `width` is 0, or the Wu penalty's `alpha` is not finite.
pub fn beam_search_batch<D: StepDecoder + ?Sized>(
    decoder: &D,
    state: D::State,
    batch: usize,
    special: Special,
    config: BeamConfig,
    device: &Device,
) -> Vec<Vec<(f32, Translation)>> {
    config.check("beam_search_batch");
    let width = config.width;
    let mut searches: Vec<Search> = (0..batch)
        .map(|_| Search {
            alive: vec![Hypothesis {
                tokens: vec![],
                attention: vec![],
                log_prob: 0.0,
            }],
            finished: vec![],
        })
        .collect();
    // The sentences that the state's rows belong to, in row order, each with `beams` rows.
    let mut searching: Vec<usize> = (0..batch).collect();
    let mut beams = 1;
    let mut state = state;
    let mut last = vec![special.bos; batch];
    let mut running = vec![0.0f32; batch]; // each row's log-probability so far
    for _ in 0..config.max_len {
        if searching.is_empty() {
            break;
        }
        let (logits, attention, next) = decoder.step(ints(&last, device), state);
        let [rows, vocab] = logits.dims();
        let so_far = Tensor::<1>::from_data(TensorData::new(running.clone(), [rows]), device); // [rows]
        let scores = log_softmax(logits, 1) + so_far.unsqueeze_dim(1); // [rows, vocab]
        let scores = scores.reshape([searching.len(), beams * vocab]); // [sentences, beams * vocab]
        let candidates = best_candidates(scores, (2 * width).min(beams * vocab));
        let attention = rows_of(attention); // [rows][src_len]
        let mut parents = vec![];
        let mut still_searching = vec![];
        for (slot, (&sentence, candidates)) in searching.iter().zip(candidates).enumerate() {
            let search = &mut searches[sentence];
            let mut next_alive = vec![];
            let mut kept_rows = vec![];
            // The loop of `beam_search_n_best`, on this sentence's best candidates.
            for (log_prob, index) in candidates {
                if next_alive.len() == width || search.finished.len() == width {
                    break;
                }
                let (beam, token) = (index / vocab, index % vocab);
                let parent = &search.alive[beam];
                if token == special.eos {
                    let hypothesis = Hypothesis {
                        log_prob,
                        ..parent.clone()
                    };
                    let score = config.length_norm.score(log_prob, hypothesis.tokens.len() + 1);
                    search.finished.push((score, hypothesis));
                } else {
                    let mut hypothesis = parent.clone();
                    hypothesis.tokens.push(token);
                    hypothesis.attention.push(attention[slot * beams + beam].clone());
                    hypothesis.log_prob = log_prob;
                    next_alive.push(hypothesis);
                    kept_rows.push(slot * beams + beam);
                }
            }
            if search.finished.len() >= width || next_alive.is_empty() {
                search.alive.clear();
            } else {
                search.alive = next_alive;
                parents.extend(kept_rows);
                still_searching.push(sentence);
            }
        }
        let Some(&first) = still_searching.first() else {
            break;
        };
        // Every sentence still searching keeps min(width, beams * (vocab - 1)) hypotheses: it
        // stops taking candidates at `width` live ones, or when it has taken them all.
        beams = searches[first].alive.len();
        assert!(
            still_searching.iter().all(|&s| searches[s].alive.len() == beams),
            "beam_search_batch: the sentences still searching keep different numbers of hypotheses"
        );
        state = decoder.select(next, ints(&parents, device));
        let alive = still_searching.iter().flat_map(|&s| &searches[s].alive);
        (last, running) = alive.map(|h| (*h.tokens.last().expect("extended"), h.log_prob)).unzip();
        searching = still_searching;
    }
    searches
        .into_iter()
        .map(|search| search.into_alternatives(config.length_norm))
        .collect()
}

/// The `k` best entries of each row of `scores` `[sentences, n]`, as
/// `(score, index)`, best first; ties go to the lower index, the order of
/// the reference's sort, whatever order the backend's top-k leaves them in.
fn best_candidates(scores: Tensor<2>, k: usize) -> Vec<Vec<(f32, usize)>> {
    let [_, n] = scores.dims();
    let top = top_k(scores.clone(), k);
    top.chunks(k)
        .enumerate()
        .map(|(sentence, top)| {
            let mut best = top.to_vec();
            best.sort_by(best_first);
            // When the last entry ties with the one before, entries of that score beyond the cut may
            // have a lower index than the ones kept: sort the whole row, as the reference does. Else
            // the first k - 1 are exactly the entries above the last, and the search consumes at most
            // 2 * width - 1 = k - 1 of them.
            if k < n && k >= 2 && best[k - 2].0.total_cmp(&best[k - 1].0).is_eq() {
                let row = scores.clone().narrow(0, sentence, 1); // [1, n]
                let row = row.into_data().try_into_vec_as::<f32>().expect("f32 scores");
                best = row
                    .into_iter()
                    .enumerate()
                    .map(|(index, score)| (score, index))
                    .collect();
                best.sort_by(best_first);
                best.truncate(k);
            }
            best
        })
        .collect()
}

/// Best first: the higher score, then the lower index.
fn best_first(a: &(f32, usize), b: &(f32, usize)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// The largest `k` that [`top_k`] asks of the device's top-k. Burn 0.22.1's
/// wgpu top-k returned wrong entries for `k = 64` on rows of 5,000 (Mesa's
/// lavapipe driver) and right ones up to 32; beams wider than 16 are rare.
const DEVICE_TOP_K_MAX: usize = 32;

/// The `k` largest entries of each row of `scores` `[sentences, n]`, in no
/// particular order: `sentences * k` pairs `(score, index)`. Of entries equal
/// to the k-th largest, any may be returned.
///
/// On the device, unless every entry is wanted (`k = n`: the rows are that
/// short) or `k` exceeds [`DEVICE_TOP_K_MAX`] (width above 16): then the
/// rows are read back and the host selects.
///
/// A backend's top-k may sort the whole row (flex does), which costs more
/// than the decoder step itself for a large vocabulary. Long rows are
/// therefore cut into chunks of about `sqrt(n / k)` entries: the `k` chunks
/// of highest maximum hold `k` entries as large as the row's `k` largest (a
/// chunk with an entry above the k-th largest has a maximum above it, and at
/// most `k - 1` chunks do), so the top-k of those `k` chunks is the row's.
fn top_k(scores: Tensor<2>, k: usize) -> Vec<(f32, usize)> {
    let [sentences, n] = scores.dims();
    if k == n || k > DEVICE_TOP_K_MAX {
        let scores = scores.into_data().try_into_vec_as::<f32>().expect("f32 scores");
        return scores
            .chunks(n)
            .flat_map(|row| {
                let mut row: Vec<(f32, usize)> = row.iter().copied().zip(0..).collect();
                if k < n {
                    row.select_nth_unstable_by(k - 1, best_first);
                    row.truncate(k);
                }
                row
            })
            .collect();
    }
    let chunk = (n as f64 / k as f64).sqrt().ceil() as usize;
    let chunks = n.div_ceil(chunk.max(1));
    if chunk < 2 || chunks <= k {
        let (values, indices) = scores.topk_with_indices(k, 1); // [sentences, k]
        let values = values.into_data().try_into_vec_as::<f32>().expect("f32 scores");
        let indices = indices.into_data().try_into_vec_as::<i64>().expect("integer indices");
        return values
            .into_iter()
            .zip(indices.into_iter().map(|i| i as usize))
            .collect();
    }
    let device = scores.device();
    // Padding of -inf, at indices n and beyond: never above the k-th largest. Should it reach the
    // first k - 1 entries, the k-th is -inf too, and `best_candidates`'s tie check reads the row.
    let padded = match chunks * chunk - n {
        0 => scores,
        pad => Tensor::cat(
            vec![scores, Tensor::full([sentences, pad], f32::NEG_INFINITY, &device)],
            1,
        ),
    };
    let padded = padded.reshape([sentences, chunks, chunk]); // [sentences, chunks, chunk]
    let maxima = padded.clone().max_dim(2).squeeze_dim::<2>(2); // [sentences, chunks]
    let (_, best_chunks) = maxima.topk_with_indices(k, 1); // [sentences, k]
    let spread = best_chunks.clone().unsqueeze_dim::<3>(2).expand([sentences, k, chunk]);
    let candidates = padded.gather(1, spread).reshape([sentences, k * chunk]); // [sentences, k * chunk]
    let (values, positions) = candidates.topk_with_indices(k, 1); // [sentences, k]
    let values = values.into_data().try_into_vec_as::<f32>().expect("f32 scores");
    let positions = positions.into_data().try_into_vec_as::<i64>().expect("integer indices");
    let best_chunks = best_chunks
        .into_data()
        .try_into_vec_as::<i64>()
        .expect("integer indices");
    values
        .into_iter()
        .zip(positions)
        .enumerate()
        .map(|(i, (value, position))| {
            let position = position as usize; // in the sentence's k gathered chunks
            let chunk_index = best_chunks[(i / k) * k + position / chunk] as usize;
            (value, chunk_index * chunk + position % chunk)
        })
        .collect()
}
