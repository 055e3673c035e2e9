//! The encoder-only and encoder-decoder transformers.
//!
//! Tolerances: the same function computed two ways in f32 (batched or not,
//! cached or not) over a few layers of O(1) values; 1e-5 leaves ~100 ulps.

use attention_core::{FeedForwardActivation, NormPlacement, PositionKind, Weights};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Int;
use models::*;

mod common;
use common::*;

fn as_rows(v: &[Vec<i64>]) -> Vec<&[i64]> {
    v.iter().map(Vec::as_slice).collect()
}

const SOURCES: [&[i64]; 3] = [&[3, 4, 5, 6, 7, 8, 9], &[5, 3, 10], &[4, 4, 6, 7, 3]];
const LENGTHS: [usize; 3] = [7, 3, 5];

/// The small encoder the tests build on: vocabulary 11, width 8, 2 heads,
/// 2 layers, feed-forward 12, 9 positions.
fn small_encoder() -> EncoderTransformerConfig {
    EncoderTransformerConfig::new(11)
        .with_d_model(8)
        .with_n_heads(2)
        .with_n_layers(2)
        .with_d_ff(12)
        .with_max_len(9)
}

fn encoders() -> Vec<EncoderTransformerConfig> {
    let base = || {
        small_encoder()
            .with_dropout(0.0)
            .with_n_classes(Some(4))
            .with_n_token_classes(Some(3))
    };
    vec![
        base(),
        base()
            .with_positions(PositionKind::Learned)
            .with_norm(NormPlacement::Post)
            .with_pooling(Pooling::Cls),
        base()
            .with_positions(PositionKind::Rotary)
            .with_activation(FeedForwardActivation::Relu),
        base().with_positions(PositionKind::None),
        base().with_ngrams(3).with_ngram_buckets(50),
    ]
}

#[test]
fn ngram_ids_follow_the_documented_hash() {
    let device = test_device();
    // By hand from the rule in `ngram_ids`' docs (h = n, then h = (h * 257 + t) mod 1000
    // over the trigram, token 0 before the start); in Python:
    //   def h(t, n, B):
    //       out = []
    //       for i in range(len(t)):
    //           x = n
    //           for back in range(n - 1, -1, -1):
    //               x = (x * 257 + (t[i - back] if i - back >= 0 else 0)) % B
    //           out.append(x)
    //       return out
    //   h([5, 6, 7], 3, 1000) == [784, 70, 573]
    let ids = encoder_transformer::ngram_ids(tokens(&[&[5, 6, 7]], &device), 3, 1000, NgramHash::Base257);
    assert_eq!(
        ids.into_data().convert::<i64>().try_to_vec::<i64>().unwrap(),
        [784, 70, 573]
    );
    // The prime hash, the same function with 2039, modulo 1048573, then modulo 1000:
    //   h(t, n, 1000) with x = (x * 2039 + ...) % 1048573 and out.append(x % 1000)
    //   == [993, 189, 374]
    let ids = encoder_transformer::ngram_ids(tokens(&[&[5, 6, 7]], &device), 3, 1000, NgramHash::Prime);
    assert_eq!(
        ids.into_data().convert::<i64>().try_to_vec::<i64>().unwrap(),
        [993, 189, 374]
    );
    // The same trigram gets the same bucket wherever it ends.
    let ids = encoder_transformer::ngram_ids(tokens(&[&[5, 6, 7, 5, 6, 7]], &device), 3, 1000, NgramHash::Prime);
    let ids = ids.into_data().convert::<i64>().try_to_vec::<i64>().unwrap();
    assert_eq!(ids[2], ids[5]);
    assert_ne!(ids[2], ids[4]);
}

#[test]
fn ngram_settings_are_checked() {
    let base = small_encoder;
    let message = base().with_ngrams(0).validate().unwrap_err().to_string();
    assert!(message.contains("ngrams") && message.contains("got 0"), "{message}");
    let message = base()
        .with_ngrams(2)
        .with_ngram_buckets(0)
        .validate()
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("ngram_buckets") && message.contains("got 0"),
        "{message}"
    );
    // Off, the bucket count is not used.
    assert!(base().with_ngram_buckets(0).validate().is_ok());
    // The bag of n-grams adds to class logits, so it needs classes.
    let message = base().with_ngram_logits(3).validate().unwrap_err().to_string();
    assert!(
        message.contains("ngram_logits") && message.contains("n_classes"),
        "{message}"
    );
    let message = base()
        .with_n_classes(Some(4))
        .with_ngram_logits(3)
        .with_ngram_logit_buckets(0)
        .validate()
        .unwrap_err()
        .to_string();
    assert!(message.contains("ngram_logit_buckets"), "{message}");
}

#[test]
fn ngram_logits_add_the_weights_of_every_ngram() {
    let device = test_device();
    const BUCKETS: usize = 50;
    const CLASSES: usize = 4;
    let config = small_encoder()
        .with_dropout(0.0)
        .with_n_classes(Some(CLASSES))
        .with_ngram_logits(2)
        .with_ngram_logit_buckets(BUCKETS);
    let mut model = config.init(&device);
    let rows: Vec<Vec<i64>> = SOURCES
        .iter()
        .map(|s| {
            let mut row = s.to_vec();
            row.resize(7, 0);
            row
        })
        .collect();
    let logits = |model: &EncoderTransformer| {
        let out = model.forward(tokens(&as_rows(&rows), &device), &LENGTHS, Weights::Skip);
        to_vec(out.class_logits.unwrap())
    };
    let mut without = model.clone();
    without.ngram_logits = None;
    let transformer = logits(&without);
    // Initialised at zero: the bag adds nothing until trained.
    assert_eq!(logits(&model), transformer);
    // Row r, class c of the bag holds r + c / 10.
    let weights: Vec<f32> = (0..BUCKETS * CLASSES)
        .map(|i| (i / CLASSES) as f32 + (i % CLASSES) as f32 / 10.0)
        .collect();
    model.ngram_logits.as_mut().unwrap().weight = burn::module::Param::from_tensor(Tensor::from_data(
        burn::tensor::TensorData::new(weights, [BUCKETS, CLASSES]),
        &device,
    ));
    let with_bag = logits(&model);
    // By hand: the documented prime hash (h = n, then h = (h * 2039 + t) mod 1048573, mod 50 at the end, token
    // 0 before the start) of every unigram and bigram ending at a real position.
    let bucket = |row: &[i64], i: usize, n: usize| {
        let mut h = n as i64;
        for back in (0..n).rev() {
            let t = if i >= back { row[i - back] } else { 0 };
            h = (h * 2039 + t) % 1_048_573;
        }
        (h % BUCKETS as i64) as f32
    };
    for (b, (row, &len)) in SOURCES.iter().zip(&LENGTHS).enumerate() {
        let rows_sum: f32 = (0..len).map(|i| bucket(row, i, 1) + bucket(row, i, 2)).sum();
        for c in 0..CLASSES {
            // Two orders at each position, each adding row + c / 10.
            let bag = rows_sum + 2.0 * len as f32 * c as f32 / 10.0;
            let (got, base) = (with_bag[b * CLASSES + c], transformer[b * CLASSES + c]);
            // The bag's values are below 1,000, where f32's spacing is 6.1e-5.
            assert!(
                (got - base - bag).abs() < 1e-3,
                "sequence {b} class {c}: {got} - {base} != {bag}"
            );
        }
    }
}

#[test]
fn encoder_shapes_and_attention_maps() {
    let device = test_device();
    for config in encoders() {
        let model = config.init(&device);
        let out = model.forward(tokens(&SOURCES, &device), &LENGTHS, Weights::Return);
        assert_eq!(out.hidden.dims(), [3, 7, 8]);
        assert_eq!(out.class_logits.unwrap().dims(), [3, 4]);
        assert_eq!(out.token_logits.unwrap().dims(), [3, 7, 3]);
        assert_eq!(out.attention.len(), 2, "one map per layer");
        for map in out.attention {
            assert_eq!(map.dims(), [3, 2, 7, 7]);
        }
        let quiet = model.forward(tokens(&SOURCES, &device), &LENGTHS, Weights::Skip);
        assert!(quiet.attention.is_empty());
    }
}

#[test]
fn encoder_batched_and_padded_equals_one_sentence_at_a_time() {
    let device = test_device();
    for config in encoders() {
        let model = config.init(&device);
        let batched = model.forward(tokens(&SOURCES, &device), &LENGTHS, Weights::Skip);
        for i in 0..3 {
            let single = model.forward(tokens(&[SOURCES[i]], &device), &[LENGTHS[i]], Weights::Skip);
            let hidden = batched.hidden.clone().narrow(0, i, 1).narrow(1, 0, LENGTHS[i]);
            assert_close(hidden, single.hidden, &format!("{config:?} hidden {i}"));
            let logits = batched.class_logits.clone().unwrap().narrow(0, i, 1);
            assert_close(logits, single.class_logits.unwrap(), &format!("{config:?} class {i}"));
        }
    }
}

#[test]
fn encoder_without_positions_is_permutation_equivariant_and_with_them_is_not() {
    let device = test_device();
    let sentence: &[i64] = &[3, 4, 5, 6];
    let permuted: &[i64] = &[6, 3, 5, 4];
    let order = Tensor::<1, Int>::from_ints([3, 0, 2, 1], &device);
    for (positions, equivariant) in [
        (PositionKind::None, true),
        (PositionKind::Sinusoidal, false),
        (PositionKind::Rotary, false),
    ] {
        let model = EncoderTransformerConfig::new(11)
            .with_d_model(8)
            .with_n_heads(2)
            .with_n_layers(2)
            .with_d_ff(12)
            .with_max_len(9)
            .with_dropout(0.0)
            .with_positions(positions)
            .init(&device);
        let a = model
            .forward(tokens(&[sentence], &device), &[4], Weights::Skip)
            .hidden
            .select(1, order.clone());
        let b = model.forward(tokens(&[permuted], &device), &[4], Weights::Skip).hidden;
        let difference = to_vec((a - b).abs().max())[0];
        assert_eq!(
            difference < TOL,
            equivariant,
            "{positions:?}: max difference {difference}"
        );
    }
}

fn seq2seqs() -> Vec<TransformerSeq2SeqConfig> {
    let base = || {
        TransformerSeq2SeqConfig::new(13, 13)
            .with_d_model(8)
            .with_n_heads(2)
            .with_n_encoder_layers(2)
            .with_n_decoder_layers(2)
            .with_d_ff(12)
            .with_max_len(9)
            .with_dropout(0.0)
    };
    vec![
        base(),
        base()
            .with_norm(NormPlacement::Pre)
            .with_positions(PositionKind::Learned)
            .with_embeddings(EmbeddingSharing::Shared),
        base()
            .with_positions(PositionKind::Rotary)
            .with_activation(FeedForwardActivation::Gelu),
    ]
}

#[test]
fn seq2seq_shapes_and_batched_equals_one_by_one() {
    let device = test_device();
    let target = tokens(&[&[1, 3, 4, 5, 6], &[1, 7, 8, 0, 0], &[1, 9, 3, 4, 5]], &device);
    for config in seq2seqs() {
        let model = config.init(&device);
        let batched = model.forward(tokens(&SOURCES, &device), &LENGTHS, target.clone());
        assert_eq!(batched.logits.dims(), [3, 5, 13]);
        assert_eq!(batched.attention.dims(), [3, 5, 7]);
        for i in 0..3 {
            let single = model.forward(
                tokens(&[SOURCES[i]], &device),
                &[LENGTHS[i]],
                target.clone().narrow(0, i, 1),
            );
            assert_close(
                batched.logits.clone().narrow(0, i, 1),
                single.logits,
                &format!("{config:?} logits {i}"),
            );
            let attention = batched.attention.clone().narrow(0, i, 1).narrow(2, 0, LENGTHS[i]);
            assert_close(attention, single.attention, &format!("{config:?} attention {i}"));
        }
    }
}

#[test]
fn cached_decoding_equals_full_decoding() {
    let device = test_device();
    let target = tokens(&[&[1, 3, 4, 5, 6], &[1, 7, 8, 9, 3], &[1, 9, 3, 4, 5]], &device);
    for config in seq2seqs() {
        let model = config.init(&device);
        let full = model.forward(tokens(&SOURCES, &device), &LENGTHS, target.clone());
        let mut state = model.encode(tokens(&SOURCES, &device), &LENGTHS);
        for t in 0..5 {
            let gold = target.clone().narrow(1, t, 1).squeeze_dim::<1>(1);
            let (logits, attention, next) = model.step(gold, state);
            state = next;
            assert_close(
                logits,
                full.logits.clone().narrow(1, t, 1).squeeze_dim(1),
                &format!("{config:?} step {t}"),
            );
            assert_close(
                attention,
                full.attention.clone().narrow(1, t, 1).squeeze_dim(1),
                &format!("{config:?} attention {t}"),
            );
        }
    }
}

#[test]
fn seq2seq_beam_width_one_equals_greedy() {
    let device = test_device();
    for config in seq2seqs() {
        let model = config.init(&device);
        let greedy = model.translate_greedy(tokens(&SOURCES, &device), &LENGTHS);
        let beam = model.translate_beam(tokens(&SOURCES, &device), &LENGTHS, BeamConfig::new(1, 9));
        assert_beam_one_equals_greedy(&greedy, &beam, &LENGTHS);
    }
}

#[test]
fn seq2seq_overfits_a_tiny_batch() {
    // Reversal, which needs cross-attention off the diagonal. Measured on a
    // 2-core CPU: below 0.05 after 54 Adam steps; 300 leaves a wide margin.
    let device = test_device().autodiff();
    device.seed(2);
    let mut model = TransformerSeq2SeqConfig::new(12, 12)
        .with_d_model(32)
        .with_n_heads(4)
        .with_n_encoder_layers(1)
        .with_n_decoder_layers(1)
        .with_d_ff(64)
        .with_max_len(8)
        .with_dropout(0.0)
        .with_norm(NormPlacement::Pre)
        .init(&device);
    let sources: [&[i64]; 4] = [&[3, 4, 5, 6], &[7, 8, 9], &[5, 3, 8, 4], &[9, 6]];
    let lengths = [4, 3, 4, 2];
    let reversed: Vec<Vec<i64>> = sources.iter().map(|s| s.iter().rev().copied().collect()).collect();
    let input: Vec<Vec<i64>> = reversed.iter().map(|r| [vec![1], r.clone()].concat()).collect();
    let output: Vec<Vec<i64>> = reversed.iter().map(|r| [r.clone(), vec![2]].concat()).collect();
    let (source, input, output) = (
        tokens(&sources, &device),
        tokens(&as_rows(&input), &device),
        tokens(&as_rows(&output), &device),
    );
    let mut optim = AdamConfig::new().init();
    let mut loss_value = f32::INFINITY;
    for _ in 0..300 {
        let out = model.forward(source.clone(), &lengths, input.clone());
        let loss = sequence_loss(out.logits, output.clone(), 0);
        loss_value = to_vec(loss.clone())[0];
        if loss_value < 0.05 {
            break;
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(3e-3, model, grads);
    }
    assert!(loss_value < 0.05, "loss {loss_value} after 300 steps");
    let model = model.valid();
    for (i, translation) in model
        .translate_greedy(source.without_autodiff(), &lengths)
        .iter()
        .enumerate()
    {
        let want: Vec<usize> = reversed[i].iter().map(|&t| t as usize).collect();
        assert_eq!(translation.tokens, want, "sentence {i}");
    }
}

#[test]
fn encoder_classifier_overfits_a_tiny_batch() {
    // Label = the position of token 3 in the sentence: needs positions.
    // Measured on a 2-core CPU: below 0.05 after 223 Adam steps; the budget
    // is 600.
    let device = test_device().autodiff();
    device.seed(4);
    let mut model = EncoderTransformerConfig::new(8)
        .with_d_model(16)
        .with_n_heads(2)
        .with_n_layers(2)
        .with_d_ff(32)
        .with_max_len(6)
        .with_dropout(0.0)
        .with_n_classes(Some(4))
        .init(&device);
    let sentences: [&[i64]; 4] = [&[3, 4, 5, 6], &[4, 3, 5, 6], &[4, 5, 3, 6], &[4, 5, 6, 3]];
    let labels = Tensor::<1, Int>::from_ints([0, 1, 2, 3], &device);
    let source = tokens(&sentences, &device);
    let mut optim = AdamConfig::new().init();
    let loss_fn = burn::nn::loss::CrossEntropyLossConfig::new().init(&device);
    let mut loss_value = f32::INFINITY;
    for _ in 0..600 {
        let logits = model
            .forward(source.clone(), &[4; 4], Weights::Skip)
            .class_logits
            .unwrap();
        let loss = loss_fn.forward(logits, labels.clone());
        loss_value = to_vec(loss.clone())[0];
        if loss_value < 0.05 {
            break;
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(3e-3, model, grads);
    }
    assert!(loss_value < 0.05, "loss {loss_value} after 600 steps");
}

#[test]
fn cross_attention_per_head_matches_step_decoding_and_averages_to_attention() {
    // The trainer's per-head heatmaps: decode, then run `forward` with the decoded tokens
    // teacher-forced. The greedy loop below does not stop at eos, so every sentence has
    // 5 positions whatever the untrained model emits; the function compared is the same.
    let device = test_device();
    let source = tokens(&SOURCES, &device);
    let (n_heads, tgt_len, src_len) = (2, 5, 7);
    for config in seq2seqs() {
        let model = config.init(&device);
        let mut state = model.encode(source.clone(), &LENGTHS);
        let mut previous = Tensor::<1, Int>::full([3], model.bos as i64, &device);
        let (mut inputs, mut steps) = (vec![], vec![]);
        for _ in 0..tgt_len {
            inputs.push(previous.clone().unsqueeze_dim::<2>(1)); // [3, 1]
            let (logits, cross_attention, next) = model.decode_step(previous, state);
            state = next;
            previous = logits.argmax(1).squeeze_dim(1);
            steps.push(cross_attention.unsqueeze_dim::<4>(2)); // [3, n_heads, 1, src_len]
        }
        let out = model.forward(source.clone(), &LENGTHS, Tensor::cat(inputs, 1));
        assert_eq!(out.cross_attention.dims(), [3, n_heads, tgt_len, src_len]);
        assert_close(
            Tensor::cat(steps, 2),
            out.cross_attention.clone(),
            &format!("{config:?}: step decoding vs forward, per head"),
        );
        // Every head's row: non-negative, zero on the source's padding, summing to one.
        let heads = to_vec(out.cross_attention.clone());
        for (r, row) in heads.chunks(src_len).enumerate() {
            let length = LENGTHS[r / (n_heads * tgt_len)];
            assert!(row.iter().all(|&w| w >= 0.0), "{config:?}: {row:?}");
            assert!(row[length..].iter().all(|&w| w == 0.0), "{config:?}: {row:?}");
            assert!((row.iter().sum::<f32>() - 1.0).abs() < TOL, "{config:?}: {row:?}");
        }
        assert_close(
            out.cross_attention.mean_dim(1).squeeze_dim(1),
            out.attention,
            &format!("{config:?}: mean over heads vs attention"),
        );
    }
}
