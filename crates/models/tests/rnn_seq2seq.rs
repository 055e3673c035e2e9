//! The RNN encoder-decoder: shapes, padding, batching, decoding, training.
//!
//! Tolerances: two f32 computations of the same function on O(1) values
//! through a handful of recurrent steps agree to ~1e-6; 1e-5 leaves margin.

use attention_core::Normalizer;
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::{Int, TensorData};
use models::*;

mod common;
use common::*;

/// Small configs covering every decoder attention, both cells, both
/// directions and both encoder self-attentions.
fn configs() -> Vec<RnnSeq2SeqConfig> {
    let base = || {
        RnnSeq2SeqConfig::new(11, 13)
            .with_d_embed(6)
            .with_d_hidden(8)
            .with_max_len(9)
    };
    let luong = |score, input_feeding| DecoderAttention::Luong { score, input_feeding };
    vec![
        base(),
        base()
            .with_cell(CellKind::Lstm)
            .with_direction(Direction::Bidirectional),
        base().with_attention(luong(LuongScore::Dot, InputFeeding::On)),
        base()
            .with_attention(luong(LuongScore::General, InputFeeding::Off))
            .with_direction(Direction::Bidirectional),
        base()
            .with_attention(luong(LuongScore::Concat, InputFeeding::On))
            .with_cell(CellKind::Lstm),
        base()
            .with_attention(DecoderAttention::Qkv { n_heads: 2 })
            .with_encoder_self_attention(EncoderSelfAttention::Qkv { n_heads: 2 }),
        base()
            .with_attention(DecoderAttention::Fc)
            .with_encoder_self_attention(EncoderSelfAttention::Dot),
        base().with_normalizer(Normalizer::Sparsemax),
    ]
}

const SOURCES: [&[i64]; 3] = [&[3, 4, 5, 6, 7, 8, 9], &[5, 3, 10], &[4, 4, 6, 7, 3]];
const LENGTHS: [usize; 3] = [7, 3, 5];

#[test]
fn shapes_and_weights_for_every_variant() {
    let device = test_device();
    for config in configs() {
        let model = config.init(&device);
        let target = tokens(&[&[1, 3, 4, 5, 6], &[1, 7, 8, 0, 0], &[1, 9, 0, 0, 0]], &device);
        let out = model.forward(tokens(&SOURCES, &device), &LENGTHS, target, TeacherForcing::Always);
        assert_eq!(out.logits.dims(), [3, 5, 13], "{config:?}");
        assert_eq!(out.attention.dims(), [3, 5, 7], "{config:?}");
        // Each row a distribution over the real source words, zero on padding.
        let weights = to_vec(out.attention);
        for (row, chunk) in weights.chunks(7).enumerate() {
            let length = LENGTHS[row / 5];
            assert!(
                chunk[length..].iter().all(|&w| w == 0.0),
                "{config:?} row {row}: {chunk:?}"
            );
            let sum: f32 = chunk.iter().sum();
            assert!(
                (sum - 1.0).abs() < 1e-5 && chunk.iter().all(|&w| w >= 0.0),
                "{config:?} row {row}: {chunk:?}"
            );
        }
    }
}

#[test]
fn batched_and_padded_equals_one_sentence_at_a_time() {
    let device = test_device();
    let target = tokens(&[&[1, 3, 4, 5], &[1, 7, 8, 9], &[1, 9, 3, 4]], &device);
    for config in configs() {
        let model = config.init(&device);
        let batched = model.forward(
            tokens(&SOURCES, &device),
            &LENGTHS,
            target.clone(),
            TeacherForcing::Always,
        );
        for i in 0..3 {
            let single = model.forward(
                tokens(&[SOURCES[i]], &device),
                &[LENGTHS[i]],
                target.clone().narrow(0, i, 1),
                TeacherForcing::Always,
            );
            assert_close(
                batched.logits.clone().narrow(0, i, 1),
                single.logits,
                &format!("{config:?} sentence {i}"),
            );
            let attention = batched.attention.clone().narrow(0, i, 1).narrow(2, 0, LENGTHS[i]);
            assert_close(attention, single.attention, &format!("{config:?} attention {i}"));
        }
    }
}

#[test]
fn beam_width_one_equals_greedy() {
    let device = test_device();
    for config in configs() {
        let model = config.init(&device);
        let greedy = model.translate_greedy(tokens(&SOURCES, &device), &LENGTHS);
        let beam = model.translate_beam(tokens(&SOURCES, &device), &LENGTHS, BeamConfig::new(1, 9));
        assert_beam_one_equals_greedy(&greedy, &beam, &LENGTHS);
    }
}

#[test]
fn teacher_forcing_ratio_one_is_always_and_zero_is_never() {
    let device = test_device();
    let model = RnnSeq2SeqConfig::new(11, 13)
        .with_d_embed(6)
        .with_d_hidden(8)
        .init(&device);
    let target = tokens(&[&[1, 3, 4, 5], &[1, 7, 8, 9], &[1, 9, 3, 4]], &device);
    let run = |tf| {
        model
            .forward(tokens(&SOURCES, &device), &LENGTHS, target.clone(), tf)
            .logits
    };
    assert_close(run(TeacherForcing::Ratio(1.0)), run(TeacherForcing::Always), "ratio 1");
    assert_close(run(TeacherForcing::Ratio(0.0)), run(TeacherForcing::Never), "ratio 0");
}

#[test]
fn teacher_forced_training_equals_its_step_by_step_twin_values_and_gradients() {
    // `TeacherForcing::Always` runs the generator once over every step's input; `Ratio(1.0)` feeds
    // the same gold tokens through `decode_step`, the generator once a step (the naive twin).
    let device = test_device().autodiff();
    let target = tokens(&[&[1, 3, 4, 5, 6], &[1, 7, 8, 0, 0], &[1, 9, 0, 0, 0]], &device);
    let output = tokens(&[&[3, 4, 5, 6, 2], &[7, 8, 2, 0, 0], &[9, 2, 0, 0, 0]], &device);
    for config in configs() {
        let model = config.init(&device);
        let run = |teacher_forcing| {
            let out = model.forward(tokens(&SOURCES, &device), &LENGTHS, target.clone(), teacher_forcing);
            let grads = model.loss(out.logits.clone(), output.clone()).backward();
            let grad = |weight: Tensor<2>| weight.grad(&grads).expect("tracked");
            [
                out.logits.clone().flatten::<1>(0, 2),
                out.attention.flatten::<1>(0, 2),
                grad(model.generator.weight.val()).flatten::<1>(0, 1),
                model
                    .generator
                    .bias
                    .as_ref()
                    .unwrap()
                    .val()
                    .grad(&grads)
                    .expect("tracked"),
                grad(model.source_embedding.weight.val()).flatten::<1>(0, 1),
                grad(model.target_embedding.weight.val()).flatten::<1>(0, 1),
            ]
        };
        let names = [
            "logits",
            "attention",
            "d generator",
            "d generator bias",
            "d source",
            "d target",
        ];
        for ((name, fast), naive) in names
            .iter()
            .zip(run(TeacherForcing::Always))
            .zip(run(TeacherForcing::Ratio(1.0)))
        {
            assert_close(fast, naive, &format!("{config:?}: {name}"));
        }
    }
}

/// Reversal: `a b c` -> `c b a`, which needs attention off the diagonal.
fn reversal_batch(device: &Device) -> (Tensor<2, Int>, Vec<usize>, Tensor<2, Int>, Tensor<2, Int>) {
    let sources: [&[i64]; 4] = [&[3, 4, 5, 6], &[7, 8, 9, 0], &[5, 3, 8, 4], &[9, 6, 0, 0]];
    let lengths = vec![4, 3, 4, 2];
    let mut inputs = vec![];
    let mut outputs = vec![];
    for (source, &length) in sources.iter().zip(&lengths) {
        let reversed: Vec<i64> = source[..length].iter().rev().copied().collect();
        let mut input = vec![1];
        input.extend(&reversed);
        input.resize(5, 0);
        let mut output = reversed;
        output.push(2);
        output.resize(5, 0);
        inputs.push(input);
        outputs.push(output);
    }
    let rows = |v: &Vec<Vec<i64>>| Tensor::from_data(TensorData::new(v.concat(), [4, 5]), device);
    (tokens(&sources, device), lengths, rows(&inputs), rows(&outputs))
}

#[test]
fn every_decoder_overfits_a_tiny_batch() {
    // Measured on a 2-core CPU: each variant gets below 0.05 in 21 to 30
    // Adam steps (under a second in all); 300 leaves a wide margin.
    let device = test_device().autodiff();
    for attention in [
        DecoderAttention::Bahdanau,
        DecoderAttention::Luong {
            score: LuongScore::General,
            input_feeding: InputFeeding::On,
        },
        DecoderAttention::Qkv { n_heads: 2 },
        DecoderAttention::Fc,
    ] {
        device.seed(1);
        let mut model = RnnSeq2SeqConfig::new(12, 12)
            .with_d_embed(16)
            .with_d_hidden(32)
            .with_max_len(6)
            .with_attention(attention)
            .init(&device);
        let mut optim = AdamConfig::new().init();
        let (source, lengths, input, output) = reversal_batch(&device);
        let mut loss_value = f32::INFINITY;
        for _ in 0..300 {
            let out = model.forward(source.clone(), &lengths, input.clone(), TeacherForcing::Always);
            let loss = model.loss(out.logits, output.clone());
            loss_value = to_vec(loss.clone())[0];
            if loss_value < 0.05 {
                break;
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-2, model, grads);
        }
        assert!(loss_value < 0.05, "{attention:?}: loss {loss_value} after 300 steps");
        // The trained model translates the batch back exactly.
        let model = model.valid();
        let translations = model.translate_greedy(source.clone().without_autodiff(), &lengths);
        let expected = to_vec(output.clone().float());
        for (i, translation) in translations.iter().enumerate() {
            let want: Vec<usize> = expected[i * 5..i * 5 + lengths[i]]
                .iter()
                .map(|&x| x as usize)
                .collect();
            assert_eq!(translation.tokens, want, "{attention:?} sentence {i}");
        }
    }
}

#[test]
fn frozen_source_vectors_do_not_train() {
    let device = test_device().autodiff();
    let config = RnnSeq2SeqConfig::new(12, 12).with_d_embed(4).with_d_hidden(8);
    let vectors = Tensor::<2>::ones([12, 4], &device);
    let mut model = config.init(&device).with_source_vectors(vectors, Trainable::No);
    let mut optim = AdamConfig::new().init();
    let (source, lengths, input, output) = reversal_batch(&device);
    let before = to_vec(model.source_embedding.weight.val());
    let out = model.forward(source, &lengths, input, TeacherForcing::Always);
    let grads = GradientsParams::from_grads(model.loss(out.logits, output).backward(), &model);
    model = optim.step(1e-2, model, grads);
    assert_eq!(to_vec(model.source_embedding.weight.val()), before);
}

#[test]
fn dropout_drops_the_generators_input_in_training_only() {
    let target = |device: &Device| tokens(&[&[1, 3, 4, 5, 6], &[1, 7, 8, 0, 0], &[1, 9, 0, 0, 0]], device);
    for config in configs() {
        // p = 0.99 drops all 8 of a row's generator inputs with probability 0.99^8 = 0.92, and
        // then that row's logits are the generator's bias exactly (W 0 + b).
        let config = config.with_dropout(0.99);
        let device = test_device().autodiff();
        let mut model = config.init(&device);
        let bias = to_vec(model.generator.bias.as_ref().unwrap().val());
        let logits = |model: &RnnSeq2Seq, device: &Device| {
            let out = model.forward(
                tokens(&SOURCES, device),
                &LENGTHS,
                target(device),
                TeacherForcing::Always,
            );
            to_vec(out.logits)
        };
        let trained = logits(&model, &device);
        let at_bias = trained.chunks(13).filter(|row| *row == bias.as_slice()).count();
        assert!(at_bias >= 8, "{config:?}: {at_bias} of 15 rows are the bias");

        // Outside training (a device without autodiff, or the model's valid copy) it is the
        // identity: the same logits as without dropout.
        let valid = model.valid();
        let inference = test_device();
        let evaluated = logits(&valid, &inference);
        assert!(evaluated.chunks(13).all(|row| row != bias.as_slice()), "{config:?}");
        let mut undropped = valid.clone();
        undropped.dropout = 0.0;
        assert_eq!(evaluated, logits(&undropped, &inference), "{config:?}");
        model.dropout = 0.0;
        assert_close(
            Tensor::<1>::from_floats(evaluated.as_slice(), &inference),
            Tensor::<1>::from_floats(logits(&model, &device).as_slice(), &inference),
            &format!("{config:?}: no dropout, with and without autodiff"),
        );
    }
}

#[test]
fn config_errors_name_the_field() {
    let error = RnnSeq2SeqConfig::new(10, 10)
        .with_direction(Direction::Bidirectional)
        .with_attention(DecoderAttention::Luong {
            score: LuongScore::Dot,
            input_feeding: InputFeeding::On,
        })
        .validate()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "RnnSeq2SeqConfig: invalid `attention`: Luong's dot score needs encoder states as wide as the decoder's (1000 vs 500); use General or a forward encoder"
    );
    let error = RnnSeq2SeqConfig::new(2, 10).validate().unwrap_err();
    assert_eq!(
        error.to_string(),
        "RnnSeq2SeqConfig: invalid `eos`: token id 2 is outside the vocabularies (2 source, 10 target)"
    );
    let error = RnnSeq2SeqConfig::new(10, 10)
        .with_attention(DecoderAttention::Qkv { n_heads: 3 })
        .validate()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "RnnSeq2SeqConfig: invalid `attention`: n_heads=3 must divide d_hidden=500"
    );
    for dropout in [1.0, -0.1, f64::NAN] {
        let error = RnnSeq2SeqConfig::new(10, 10)
            .with_dropout(dropout)
            .validate()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("RnnSeq2SeqConfig: invalid `dropout`: must be in [0, 1), got {dropout}")
        );
    }
}

#[test]
fn the_article_preset_has_the_article_sizes() {
    let config = RnnSeq2SeqConfig::article();
    assert_eq!(
        (config.d_embed, config.d_hidden, config.max_len, config.tgt_vocab),
        (300, 500, 100, 10_000)
    );
    assert!(config.validate().is_ok());
}

#[test]
fn an_exhaustive_beam_finds_the_best_scored_hypothesis() {
    // With a beam wider than the number of hypotheses (7 tokens, 3 steps:
    // at most 7^3), beam search is exhaustive, so it must return the
    // hypothesis with the best length-penalised score, found here by
    // enumerating every output (here [4, 4, 4], unfinished at max_len):
    // finished ones score log p / ((5 + len) / 6)^a
    // with len counting the end token, unfinished ones at max_len without it.
    let device = test_device();
    device.seed(9);
    let mut model = RnnSeq2SeqConfig::new(7, 7)
        .with_d_embed(6)
        .with_d_hidden(8)
        .with_max_len(5)
        .init(&device);
    // Make the end token unlikely, so that the best output is not the empty one.
    let bias = Tensor::<1>::from_floats([0.3, -0.2, -2.0, 0.1, 0.4, -0.1, 0.2], &device);
    model.generator.bias = Some(burn::module::Param::from_tensor(bias));
    let (max_len, alpha) = (3, 0.6f32);
    let penalty = |len: usize| ((5.0 + len as f32) / 6.0).powf(alpha);
    let source = tokens(&[&[4, 5, 6]], &device);
    let mut best = (f32::NEG_INFINITY, vec![]);
    let mut frontier = vec![(model.start(source.clone(), &[3]), 0.0f32, Vec::<usize>::new())];
    for step in 0..max_len {
        let mut next = vec![];
        for (state, log_prob, prefix) in frontier {
            let last = prefix.last().copied().unwrap_or(1);
            let token = Tensor::<1, Int>::from_ints([last as i32], &device);
            let (logits, _, state) = model.step(token, state);
            let log_probs = to_vec(burn::tensor::activation::log_softmax(logits, 1));
            for (token, lp) in log_probs.iter().enumerate() {
                let score = log_prob + lp;
                if token == 2 {
                    let normalised = score / penalty(prefix.len() + 1);
                    if normalised > best.0 {
                        best = (normalised, prefix.clone());
                    }
                } else if step + 1 == max_len {
                    let normalised = score / penalty(prefix.len() + 1);
                    if normalised > best.0 {
                        best = (normalised, [prefix.clone(), vec![token]].concat());
                    }
                } else {
                    next.push((state.clone(), score, [prefix.clone(), vec![token]].concat()));
                }
            }
        }
        frontier = next;
    }
    let beam = model.translate_beam(
        source,
        &[3],
        BeamConfig::new(400, max_len).with_length_norm(LengthNorm::Wu { alpha }),
    );
    assert_eq!(beam[0].tokens, best.1);
}

#[test]
fn the_beams_alternatives_come_best_first_after_its_translation() {
    let device = test_device();
    device.seed(11);
    let model = RnnSeq2SeqConfig::new(9, 9)
        .with_d_embed(6)
        .with_d_hidden(8)
        .with_max_len(6)
        .init(&device);
    let source = tokens(&[&[4, 5, 6, 7]], &device);
    for width in [1, 3, 5] {
        let config = BeamConfig::new(width, 6).with_length_norm(LengthNorm::Wu { alpha: 0.6 });
        let n_best = model.translate_n_best(source.clone(), config);
        let beam = model.translate_beam(source.clone(), &[4], config);
        // The first alternative is the translation itself; there are at most 2 * width - 1 of them
        // (beam_search_n_best's contract: up to width - 1 finished and width unfinished ones).
        assert_eq!(n_best[0].1, beam[0], "width {width}");
        assert!(
            (1..2 * width).contains(&n_best.len()),
            "width {width}: {}",
            n_best.len()
        );
        assert!(
            n_best.windows(2).all(|w| w[0].0 >= w[1].0),
            "width {width}: not best first"
        );
        // A score is the log-probability divided by GNMT's length penalty ((5 + len) / 6)^0.6, with len
        // the output's tokens, plus the end token for a finished hypothesis.
        for (score, t) in &n_best {
            let penalty = |len: usize| ((5.0 + len as f32) / 6.0).powf(0.6);
            let finished = t.log_prob / penalty(t.tokens.len() + 1);
            let unfinished = t.log_prob / penalty(t.tokens.len());
            assert!(
                (score - finished).abs() < 1e-5 || (score - unfinished).abs() < 1e-5,
                "width {width}: {score} for {t:?}"
            );
        }
    }
}

/// A decoder that finds `a` (2) and `b` (3) equally likely at every step and
/// never `<bos>` (0) or `<eos>` (1): every hypothesis of a length ties.
struct Even;

impl StepDecoder for Even {
    /// The number of rows.
    type State = usize;

    fn step(&self, tokens: Tensor<1, Int>, _: usize) -> (Tensor<2>, Tensor<2>, usize) {
        let [rows] = tokens.dims();
        let device = tokens.device();
        let logits: Vec<f32> = (0..rows).flat_map(|_| [-1e9, -1e9, 0.0, 0.0]).collect();
        let logits = Tensor::<2>::from_data(TensorData::new(logits, [rows, 4]), &device);
        (logits, Tensor::<2>::ones([rows, 1], &device), rows)
    }

    fn select(&self, _: usize, rows: Tensor<1, Int>) -> usize {
        rows.dims()[0]
    }
}

#[test]
fn of_equal_scores_the_beam_returns_the_one_it_found_last() {
    // One step, width 2: the beam ends with `a` and `b`, unfinished, of equal score ln 0.5. Before
    // beam_search_n_best, beam_search took `Iterator::max_by`, which returns the last of equal
    // maxima: `b`, found second. The alternatives keep that choice first.
    let device = test_device();
    let special = Special { bos: 0, eos: 1 };
    let config = BeamConfig::new(2, 1);
    let n_best = models::decoding::beam_search_n_best(&Even, 1, special, config, &device);
    let tokens: Vec<Vec<usize>> = n_best.iter().map(|(_, t)| t.tokens.clone()).collect();
    assert_eq!(tokens, [vec![3], vec![2]]);
    assert!((n_best[0].0 - 0.5f32.ln()).abs() < 1e-6 && n_best[0].0 == n_best[1].0);
    assert_eq!(
        models::decoding::beam_search(&Even, 1, special, config, &device).tokens,
        [3]
    );
}
