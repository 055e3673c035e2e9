//! Batched beam search (`beam_search_batch`, `Translate::translate_n_best_batch`) against its
//! naive twin, the one-sentence `beam_search_n_best`: every expected value comes from the
//! reference run on the sentence alone, unpadded.
//!
//! Tolerances: a sentence searched in a padded batch runs the same function as alone, through
//! differently shaped products, so its log-probabilities (sums of a few O(1) terms) agree to
//! ~1e-6; `close` allows 1e-5 + 1e-4 relative. Tokens must be equal: the models are drawn from
//! fixed seeds, for which no two candidates come within that rounding of each other (two that did
//! could rank either way round, as `beam_search_batch` documents).

use std::cell::RefCell;
use std::sync::Mutex;

use attention_core::{NormPlacement, PositionKind};
use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::{Int, TensorData};
use models::decoding::{beam_search_batch, beam_search_n_best};
use models::*;

mod common;
use common::*;

/// Five sentences of different lengths: a padded batch.
const SOURCES: [&[i64]; 5] = [
    &[3, 4, 5, 6, 7, 8, 9],
    &[5, 3, 10],
    &[4, 4, 6, 7, 3],
    &[9],
    &[8, 7, 6, 5, 4, 3],
];

const NORMS: [LengthNorm; 3] = [LengthNorm::None, LengthNorm::Average, LengthNorm::Wu { alpha: 0.6 }];

/// What `raise_end_bias` adds to the end token's logit: from none, where most searches run to
/// `max_len`, to where they all end within a few steps; in between, the sentences of a batch end at
/// different steps (their rows dropped while the others search on).
const END_BIASES: [f32; 3] = [0.0, 0.25, 0.5];

/// The end biases the batched-against-one-sentence twins run through: all three on flex; in a build
/// with `wgpu`, whose device is then Burn's default, only the middle one, whose sentences end at
/// different steps. What the device runs
/// (top-k, gathers, the rows of finished sentences dropped) is the same at every bias; the grid is
/// there for the search's bookkeeping, which flex holds. On lavapipe, `.ci/run`'s GPU, each step of
/// the one-sentence twin costs milliseconds, and the full grid took 130 s of its wgpu tests.
fn end_biases() -> &'static [f32] {
    if cfg!(feature = "wgpu") {
        &END_BIASES[1..2]
    } else {
        &END_BIASES
    }
}

fn lengths() -> Vec<usize> {
    SOURCES.iter().map(|s| s.len()).collect()
}

/// Burn's generator is one for the whole test process, whose tests run in parallel: a model is
/// drawn under this lock, right after seeding, so that it is the same in every run.
static DRAW: Mutex<()> = Mutex::new(());

fn seeded<M>(seed: u64, init: impl FnOnce(&Device) -> M) -> M {
    let _guard = DRAW.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let device = test_device();
    device.seed(seed);
    init(&device)
}

/// Raises the end token's output bias by `raise`.
fn raise_end_bias(generator: &mut Linear, eos: usize, raise: f32) {
    let bias = generator.bias.take().expect("the generator has a bias").val(); // [vocab]
    let [vocab] = bias.dims();
    let mut raised = vec![0.0f32; vocab];
    raised[eos] = raise;
    let raised = Tensor::from_data(TensorData::new(raised, [vocab]), &bias.device());
    generator.bias = Some(Param::from_tensor(bias + raised));
}

/// Bahdanau with a GRU, Luong (general score, input feeding) with a bidirectional LSTM, QKV.
fn rnns() -> Vec<RnnSeq2Seq> {
    let base = || {
        RnnSeq2SeqConfig::new(11, 13)
            .with_d_embed(6)
            .with_d_hidden(8)
            .with_max_len(9)
    };
    let configs = [
        base(),
        base()
            .with_cell(CellKind::Lstm)
            .with_direction(Direction::Bidirectional)
            .with_attention(DecoderAttention::Luong {
                score: LuongScore::General,
                input_feeding: InputFeeding::On,
            }),
        base().with_attention(DecoderAttention::Qkv { n_heads: 2 }),
    ];
    configs
        .iter()
        .enumerate()
        .map(|(i, config)| seeded(20 + i as u64, |device| config.init(device)))
        .collect()
}

/// Post-norm with sinusoidal positions, pre-norm with learned ones.
fn transformers() -> Vec<TransformerSeq2Seq> {
    let base = || {
        TransformerSeq2SeqConfig::new(11, 13)
            .with_d_model(8)
            .with_n_heads(2)
            .with_n_encoder_layers(2)
            .with_n_decoder_layers(2)
            .with_d_ff(12)
            .with_max_len(9)
            .with_dropout(0.0)
    };
    let configs = [
        base(),
        base()
            .with_norm(NormPlacement::Pre)
            .with_positions(PositionKind::Learned),
    ];
    configs
        .iter()
        .enumerate()
        .map(|(i, config)| seeded(30 + i as u64, |device| config.init(device)))
        .collect()
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-5 + 1e-4 * b.abs()
}

/// Asserts that `batched` holds the hypotheses of `alone` in the same order, with the same scores,
/// log-probabilities and attention rows up to float rounding.
#[track_caller]
fn assert_same_alternatives(batched: &[(f32, Translation)], alone: &[(f32, Translation)], what: &str) {
    let tokens = |a: &[(f32, Translation)]| a.iter().map(|(_, t)| t.tokens.clone()).collect::<Vec<_>>();
    assert_eq!(tokens(batched), tokens(alone), "{what}: hypotheses");
    for ((score, t), (expected_score, expected)) in batched.iter().zip(alone) {
        assert!(
            close(*score, *expected_score),
            "{what}: score {score} vs {expected_score}"
        );
        assert!(
            close(t.log_prob, expected.log_prob),
            "{what}: log-probability {} vs {}",
            t.log_prob,
            expected.log_prob
        );
        assert_eq!(t.attention.len(), expected.attention.len(), "{what}: attention rows");
        for (row, expected_row) in t.attention.iter().zip(&expected.attention) {
            assert_eq!(row.len(), expected_row.len(), "{what}: attention row width");
            assert!(
                row.iter().zip(expected_row).all(|(&w, &e)| (w - e).abs() <= TOL),
                "{what}: attention {row:?} vs {expected_row:?}"
            );
        }
    }
}

/// The reference: `beam_search_n_best` on sentence `i` encoded alone.
fn one_sentence<M: Translate>(model: &M, i: usize, config: BeamConfig) -> Vec<(f32, Translation)> {
    let device = test_device();
    let state = model.start(tokens(&[SOURCES[i]], &device), &[SOURCES[i].len()]);
    beam_search_n_best(model, state, model.special(), config, &device)
}

fn assert_batched_equals_one_sentence<M: Translate>(model: &M, what: &str) {
    let device = test_device();
    for width in [1, 2, 4] {
        for norm in NORMS {
            let config = BeamConfig::new(width, 9).with_length_norm(norm);
            let batched = model.translate_n_best_batch(tokens(&SOURCES, &device), &lengths(), config);
            assert_eq!(batched.len(), SOURCES.len());
            for (i, alternatives) in batched.iter().enumerate() {
                let what = format!("{what}, width {width}, {norm:?}, sentence {i}");
                assert_same_alternatives(alternatives, &one_sentence(model, i, config), &what);
            }
            // The best of each is `translate_beam`'s translation.
            let best = model.translate_beam(tokens(&SOURCES, &device), &lengths(), config);
            for (translation, alternatives) in best.iter().zip(&batched) {
                assert_eq!(translation, &alternatives[0].1);
            }
        }
    }
}

#[test]
fn batched_beam_equals_one_sentence_beam_for_rnns() {
    for (i, model) in rnns().into_iter().enumerate() {
        for &raise in end_biases() {
            let mut model = model.clone();
            let eos = model.special().eos;
            raise_end_bias(&mut model.generator, eos, raise);
            assert_batched_equals_one_sentence(&model, &format!("rnn {i}, end bias +{raise}"));
        }
    }
}

#[test]
fn batched_beam_equals_one_sentence_beam_for_transformers() {
    for (i, model) in transformers().into_iter().enumerate() {
        for &raise in end_biases() {
            let mut model = model.clone();
            let eos = model.special().eos;
            raise_end_bias(model.generator.as_mut().expect("separate embeddings"), eos, raise);
            assert_batched_equals_one_sentence(&model, &format!("transformer {i}, end bias +{raise}"));
        }
    }
}

#[test]
fn a_beam_wider_than_the_devices_top_k_equals_the_one_sentence_beam() {
    // Width 20 asks for 40 candidates a sentence, more than the device's top-k is given.
    let device = test_device();
    let mut rnn = rnns().swap_remove(0);
    let eos = rnn.special().eos;
    raise_end_bias(&mut rnn.generator, eos, END_BIASES[1]);
    let mut transformer = transformers().swap_remove(0);
    let eos = transformer.special().eos;
    raise_end_bias(
        transformer.generator.as_mut().expect("separate embeddings"),
        eos,
        END_BIASES[1],
    );
    let config = BeamConfig::new(20, 9).with_length_norm(LengthNorm::Average);
    let rnn_batched = rnn.translate_n_best_batch(tokens(&SOURCES, &device), &lengths(), config);
    let transformer_batched = transformer.translate_n_best_batch(tokens(&SOURCES, &device), &lengths(), config);
    for i in 0..SOURCES.len() {
        let what = format!("rnn sentence {i}");
        assert_same_alternatives(&rnn_batched[i], &one_sentence(&rnn, i, config), &what);
        let what = format!("transformer sentence {i}");
        assert_same_alternatives(&transformer_batched[i], &one_sentence(&transformer, i, config), &what);
    }
}

#[test]
fn batched_beam_of_width_one_equals_greedy() {
    let device = test_device();
    let config = BeamConfig::new(1, 9);
    for model in rnns() {
        let greedy = model.translate_greedy(tokens(&SOURCES, &device), &lengths());
        let beam = model.translate_beam(tokens(&SOURCES, &device), &lengths(), config);
        assert_beam_one_equals_greedy(&greedy, &beam, &lengths());
    }
    for model in transformers() {
        let greedy = model.translate_greedy(tokens(&SOURCES, &device), &lengths());
        let beam = model.translate_beam(tokens(&SOURCES, &device), &lengths(), config);
        assert_beam_one_equals_greedy(&greedy, &beam, &lengths());
    }
}

/// The best of every output of up to `max_len` tokens for sentence `i` alone, scored as beam search
/// scores them (`norm` of the log-probability and the length, the end token counted when emitted),
/// found by enumerating them all: `(score, tokens)`.
fn best_by_enumeration<M: Translate>(model: &M, i: usize, max_len: usize, norm: LengthNorm) -> (f32, Vec<usize>) {
    let device = test_device();
    let Special { bos, eos } = model.special();
    let mut best = (f32::NEG_INFINITY, vec![]);
    let start = model.start(tokens(&[SOURCES[i]], &device), &[SOURCES[i].len()]);
    let mut frontier = vec![(start, 0.0f32, Vec::<usize>::new())];
    for step in 0..max_len {
        let mut next = vec![];
        for (state, log_prob, prefix) in frontier {
            let last = prefix.last().copied().unwrap_or(bos);
            let (logits, _, state) = model.step(Tensor::<1, Int>::from_ints([last as i32], &device), state);
            let log_probs = to_vec(burn::tensor::activation::log_softmax(logits, 1));
            for (token, lp) in log_probs.iter().enumerate() {
                let log_prob = log_prob + lp;
                let output = if token == eos {
                    prefix.clone()
                } else {
                    [prefix.clone(), vec![token]].concat()
                };
                if token == eos || step + 1 == max_len {
                    // Finished, or unfinished at `max_len`: prefix.len() + 1 tokens either way.
                    let score = norm.score(log_prob, prefix.len() + 1);
                    if score > best.0 {
                        best = (score, output);
                    }
                } else {
                    next.push((state.clone(), log_prob, output));
                }
            }
        }
        frontier = next;
    }
    best
}

#[test]
fn an_exhaustive_batched_beam_finds_each_sentences_best_scored_output() {
    // 7 tokens and 3 steps: at most 6^3 = 216 live hypotheses, fewer than the width.
    let (max_len, width) = (3, 400);
    let rnn = seeded(40, |device| {
        RnnSeq2SeqConfig::new(11, 7)
            .with_d_embed(6)
            .with_d_hidden(8)
            .with_max_len(9)
            .init(device)
    });
    let transformer = seeded(41, |device| {
        TransformerSeq2SeqConfig::new(11, 7)
            .with_d_model(8)
            .with_n_heads(2)
            .with_n_encoder_layers(1)
            .with_n_decoder_layers(1)
            .with_d_ff(12)
            .with_max_len(9)
            .with_dropout(0.0)
            .init(device)
    });
    let device = test_device();
    for norm in [LengthNorm::Average, LengthNorm::Wu { alpha: 0.6 }] {
        let config = BeamConfig::new(width, max_len).with_length_norm(norm);
        let rnn_best = rnn.translate_n_best_batch(tokens(&SOURCES, &device), &lengths(), config);
        let transformer_best = transformer.translate_n_best_batch(tokens(&SOURCES, &device), &lengths(), config);
        for i in 0..SOURCES.len() {
            let (score, output) = best_by_enumeration(&rnn, i, max_len, norm);
            assert_eq!(rnn_best[i][0].1.tokens, output, "rnn {norm:?} sentence {i}");
            assert!(close(rnn_best[i][0].0, score), "rnn {norm:?} sentence {i}");
            let (score, output) = best_by_enumeration(&transformer, i, max_len, norm);
            assert_eq!(
                transformer_best[i][0].1.tokens, output,
                "transformer {norm:?} sentence {i}"
            );
            assert!(
                close(transformer_best[i][0].0, score),
                "transformer {norm:?} sentence {i}"
            );
        }
    }
}

/// `model`, with the end token's logit raised by `boost[s]` in the rows of sentence `s` (so that
/// chosen sentences finish early), counting the rows of every step.
struct EndEarly<'a, M> {
    model: &'a M,
    /// `[batch, vocab]`: zero but in the end token's column.
    boost: Tensor<2>,
    rows: RefCell<Vec<usize>>,
}

impl<'a, M: Translate> EndEarly<'a, M> {
    /// Sentence `early`'s end token gets +20: it finishes as soon as it can.
    fn new(model: &'a M, batch: usize, vocab: usize, early: usize) -> Self {
        let mut boost = vec![0.0f32; batch * vocab];
        boost[early * vocab + model.special().eos] = 20.0;
        let boost = Tensor::from_data(TensorData::new(boost, [batch, vocab]), &test_device());
        Self {
            model,
            boost,
            rows: RefCell::new(vec![]),
        }
    }

    /// The first state of the sentences `sentences`, encoded as one padded batch.
    fn start(&self, sentences: &[usize]) -> (M::State, Tensor<1, Int>) {
        let device = test_device();
        let sources: Vec<&[i64]> = sentences.iter().map(|&i| SOURCES[i]).collect();
        let lengths: Vec<usize> = sources.iter().map(|s| s.len()).collect();
        let ids: Vec<i64> = sentences.iter().map(|&i| i as i64).collect();
        let ids = Tensor::from_data(TensorData::new(ids, [sentences.len()]), &device);
        (self.model.start(tokens(&sources, &device), &lengths), ids)
    }
}

impl<M: Translate> StepDecoder for EndEarly<'_, M> {
    /// The model's state, and the sentence of each row.
    type State = (M::State, Tensor<1, Int>);

    fn step(&self, tokens: Tensor<1, Int>, (state, sentences): Self::State) -> (Tensor<2>, Tensor<2>, Self::State) {
        self.rows.borrow_mut().push(tokens.dims()[0]);
        let (logits, attention, state) = self.model.step(tokens, state);
        let logits = logits + self.boost.clone().select(0, sentences.clone()); // [rows, vocab]
        (logits, attention, (state, sentences))
    }

    fn select(&self, (state, sentences): Self::State, rows: Tensor<1, Int>) -> Self::State {
        (self.model.select(state, rows.clone()), sentences.select(0, rows))
    }
}

fn assert_an_early_sentence_is_dropped<M: Translate>(model: &M, vocab: usize, what: &str) {
    let device = test_device();
    let (batch, early, width) = (SOURCES.len(), 2, 4);
    let special = model.special();
    for norm in NORMS {
        let config = BeamConfig::new(width, 9).with_length_norm(norm);
        let decoder = EndEarly::new(model, batch, vocab, early);
        let all: Vec<usize> = (0..batch).collect();
        let batched = beam_search_batch(&decoder, decoder.start(&all), batch, special, config, &device);
        // Sentence 2 ends at the first step, then its 4 live hypotheses all end at the second, and
        // the third step decodes 4 rows for each of the 4 other sentences at most.
        let rows = decoder.rows.borrow().clone();
        assert_eq!(rows[..2], [batch, batch * width], "{what} {norm:?}: rows {rows:?}");
        assert!(
            rows.len() > 2 && rows[2] <= (batch - 1) * width,
            "{what} {norm:?}: rows {rows:?}"
        );
        assert_eq!(batched[early].len(), width, "{what} {norm:?}: {:?}", batched[early]);
        let plain = model.translate_n_best_batch(tokens(&SOURCES, &device), &lengths(), config);
        for i in 0..batch {
            let what = format!("{what} {norm:?} sentence {i}");
            let state = decoder.start(&[i]);
            let alone = beam_search_n_best(&decoder, state, special, config, &device);
            // `beam_search_batch` keeps the padding's (zero) weights; the sentence alone has none.
            let mut from_batch = batched[i].clone();
            for (_, t) in &mut from_batch {
                for row in &mut t.attention {
                    row.truncate(SOURCES[i].len());
                }
            }
            assert_same_alternatives(&from_batch, &alone, &what);
            if i != early {
                // Without the early sentence's boost: the same.
                assert_same_alternatives(&plain[i], &alone, &what);
            }
        }
    }
}

#[test]
fn a_sentence_that_finishes_early_is_dropped_without_changing_the_others() {
    for (i, model) in rnns().iter().enumerate() {
        assert_an_early_sentence_is_dropped(model, 13, &format!("rnn {i}"));
    }
    for (i, model) in transformers().iter().enumerate() {
        assert_an_early_sentence_is_dropped(model, 13, &format!("transformer {i}"));
    }
}

/// A decoder whose 40 logits take `levels` values, `((7 t + 3 last + sentence) mod levels) / 2`
/// for token `t` after the token `last`, in the rows of sentence `sentence`. With 5 levels every
/// candidate ties with many others, across the cut of the device's top-k too; with 37, three pairs
/// of tokens tie, and hypotheses that tie give rows that tie. Its attention row is the previous
/// token.
struct Plateau {
    levels: usize,
}

impl Plateau {
    const VOCAB: usize = 40;
    const SPECIAL: Special = Special { bos: 0, eos: 1 };
}

impl StepDecoder for Plateau {
    /// The sentence of each row.
    type State = Vec<usize>;

    fn step(&self, tokens: Tensor<1, Int>, sentences: Vec<usize>) -> (Tensor<2>, Tensor<2>, Vec<usize>) {
        let device = tokens.device();
        let last = tokens.into_data().try_into_vec_as::<i64>().unwrap();
        let logits: Vec<f32> = last
            .iter()
            .zip(&sentences)
            .flat_map(|(&last, &sentence)| {
                let levels = self.levels;
                (0..Self::VOCAB).map(move |t| ((7 * t + 3 * last as usize + sentence) % levels) as f32 / 2.0)
            })
            .collect();
        let rows = sentences.len();
        let logits = Tensor::<2>::from_data(TensorData::new(logits, [rows, Self::VOCAB]), &device);
        let attention: Vec<f32> = last.iter().map(|&t| t as f32).collect();
        let attention = Tensor::<2>::from_data(TensorData::new(attention, [rows, 1]), &device);
        (logits, attention, sentences)
    }

    fn select(&self, sentences: Vec<usize>, rows: Tensor<1, Int>) -> Vec<usize> {
        let rows = rows.into_data().try_into_vec_as::<i64>().unwrap();
        rows.iter().map(|&row| sentences[row as usize]).collect()
    }
}

#[test]
fn exact_ties_are_broken_as_the_one_sentence_beam_breaks_them() {
    // The batched search must keep the earlier beam, then the lower token, and rank the last found
    // first, whatever order the backend's top-k leaves equal candidates in.
    let device = test_device();
    let special = Plateau::SPECIAL;
    for decoder in [Plateau { levels: 5 }, Plateau { levels: 37 }] {
        // Width 20 asks for more candidates than the device's top-k is given: the host selects.
        for width in [1, 2, 3, 5, 20] {
            for max_len in [1, 2, 4] {
                for norm in NORMS {
                    let config = BeamConfig::new(width, max_len).with_length_norm(norm);
                    let batched = beam_search_batch(&decoder, vec![0, 1, 2], 3, special, config, &device);
                    for (sentence, alternatives) in batched.iter().enumerate() {
                        let alone = beam_search_n_best(&decoder, vec![sentence], special, config, &device);
                        let what = format!("{} levels, width {width}, max_len {max_len}, {norm:?}", decoder.levels);
                        assert_eq!(alternatives, &alone, "{what}");
                    }
                }
            }
        }
    }
}

#[test]
#[should_panic(expected = "beam_search_batch: `width` must be at least 1")]
fn a_beam_of_width_zero_is_refused() {
    let device = test_device();
    beam_search_batch(
        &Plateau { levels: 5 },
        vec![0, 1],
        2,
        Plateau::SPECIAL,
        BeamConfig::new(0, 3),
        &device,
    );
}
