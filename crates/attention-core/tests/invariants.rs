//! Tier 2 and 6: properties that hold for any input, on inputs drawn fresh.
//!
//! Tolerances: these compare two f32 computations of the same function on
//! O(1) inputs, summing at most a few dozen terms; 1e-5 absolute leaves a
//! margin of ~100 ulps for the different summation orders.

mod common;

use attention_core::*;
use burn::prelude::*;
use burn::tensor::Int;
use common::*;

const TOL: f32 = 1e-5;

fn normalizers() -> [Normalizer; 4] {
    [
        Normalizer::SOFTMAX,
        Normalizer::Softmax { temperature: 0.5 },
        Normalizer::Hard {
            gradient: HardGradient::StraightThrough,
        },
        Normalizer::Sparsemax,
    ]
}

fn score_configs(d: usize) -> Vec<ScoreConfig> {
    vec![
        ScoreConfig::dot(),
        ScoreConfig::scaled_dot(),
        ScoreConfig::General(GeneralScoreConfig::new(d, d)),
        ScoreConfig::Concat(ConcatScoreConfig::new(d, d, 5)),
        ScoreConfig::Additive(AdditiveScoreConfig::new(d, d, 5)),
        ScoreConfig::Fc(FcScoreConfig::new(d, 9)),
    ]
}

#[test]
fn weights_are_non_negative_sum_to_one_and_zero_on_masked_keys() {
    let device = test_device();
    let lengths = [7, 4, 2];
    for score in score_configs(4) {
        for normalizer in normalizers() {
            let unit = AttentionUnitConfig::new(score.clone())
                .with_normalizer(normalizer)
                .init(&device);
            let input = AttentionInput::cross_attention(random([3, 5, 4], &device), random([3, 7, 4], &device))
                .mask(Mask::padding(&lengths, 7, &device));
            let weights = unit.forward(input).weights;
            let values = to_vec(weights.clone());
            for (row, chunk) in values.chunks(7).enumerate() {
                let length = lengths[row / 5];
                assert!(
                    chunk[length..].iter().all(|&w| w == 0.0),
                    "{score:?} {normalizer:?} row {row}: {chunk:?}"
                );
            }
            assert_rows_are_distributions(weights);
        }
    }
}

#[test]
fn fully_masked_rows_give_zero_weights_and_zero_context() {
    let device = test_device();
    let mask = Mask::padding(&[3, 0], 4, &device);
    for normalizer in normalizers() {
        let unit = AttentionUnitConfig::new(ScoreConfig::dot())
            .with_normalizer(normalizer)
            .init(&device);
        let out = unit.forward(
            AttentionInput::cross_attention(random([2, 3, 5], &device), random([2, 4, 5], &device)).mask(mask.clone()),
        );
        let weights = to_vec(out.weights.narrow(0, 1, 1));
        let context = to_vec(out.context.narrow(0, 1, 1));
        assert!(
            weights.iter().chain(&context).all(|&x| x == 0.0),
            "{normalizer:?}: {weights:?} {context:?}"
        );
    }
    let mha = MultiHeadAttentionConfig::new(8, 2).with_bias(false).init(&device);
    for weights in [Weights::Return, Weights::Skip] {
        let input = MhaInput::cross_attention(random([2, 3, 8], &device), random([2, 4, 8], &device))
            .mask(mask.clone())
            .weights(weights);
        // Without biases, a zero context stays zero through the output projection.
        let context = to_vec(mha.forward(input).context.narrow(0, 1, 1));
        assert!(context.iter().all(|&x| x == 0.0), "{weights:?}: {context:?}");
    }
}

#[test]
fn padding_keys_does_not_change_the_outputs() {
    let device = test_device();
    let query = random([1, 5, 4], &device);
    let keys = random([1, 4, 4], &device);
    let padded = Tensor::cat(vec![keys.clone(), random([1, 3, 4], &device)], 1);
    let mask = Mask::padding(&[4], 7, &device);
    for score in score_configs(4) {
        for normalizer in normalizers() {
            let unit = AttentionUnitConfig::new(score.clone())
                .with_normalizer(normalizer)
                .init(&device);
            let short = unit.forward(AttentionInput::cross_attention(query.clone(), keys.clone()));
            let long = unit.forward(AttentionInput::cross_attention(query.clone(), padded.clone()).mask(mask.clone()));
            assert_close(long.context, short.context, TOL, TOL);
            assert_close(long.weights.narrow(2, 0, 4), short.weights, TOL, TOL);
        }
    }
    let mha = MultiHeadAttentionConfig::new(8, 2).init(&device);
    let x = random([1, 5, 8], &device);
    let memory = random([1, 4, 8], &device);
    let padded = Tensor::cat(vec![memory.clone(), random([1, 3, 8], &device)], 1);
    let short = mha.forward(MhaInput::cross_attention(x.clone(), memory));
    let long = mha.forward(MhaInput::cross_attention(x, padded).mask(mask));
    assert_close(long.context, short.context, TOL, TOL);
}

#[test]
fn self_attention_without_positions_is_permutation_equivariant() {
    let device = test_device();
    let mha = MultiHeadAttentionConfig::new(8, 2).init(&device);
    let unit = AttentionUnitConfig::new(ScoreConfig::scaled_dot()).init(&device);
    let x = random([2, 5, 8], &device);
    let order = Tensor::<1, Int>::from_ints([3, 0, 4, 1, 2], &device);
    let permuted = x.clone().select(1, order.clone());
    let out = mha
        .forward(MhaInput::self_attention(x.clone()))
        .context
        .select(1, order.clone());
    assert_close(
        mha.forward(MhaInput::self_attention(permuted.clone())).context,
        out,
        TOL,
        TOL,
    );
    let out = unit.forward(AttentionInput::self_attention(x)).context.select(1, order);
    assert_close(
        unit.forward(AttentionInput::self_attention(permuted)).context,
        out,
        TOL,
        TOL,
    );
}

#[test]
fn fused_path_equals_explicit_path() {
    let device = test_device();
    for (n_heads, n_kv_heads) in [(4, 4), (4, 2), (4, 1)] {
        let [batch, tgt_len, src_len, d_head] = [3, 5, 7, 6];
        let query = random([batch, n_heads, tgt_len, d_head], &device);
        let key = random([batch, n_kv_heads, src_len, d_head], &device);
        let value = random([batch, n_kv_heads, src_len, d_head], &device);
        let mask = Mask::padding(&[7, 3, 5], src_len, &device)
            .or(Mask::causal(tgt_len, src_len, &device))
            .expand_to("test", [batch, tgt_len, src_len])
            .unsqueeze_dim::<4>(1)
            .expand([batch, n_heads, tgt_len, src_len]);
        for mask in [None, Some(mask)] {
            let (explicit, _) = sdpa::explicit(query.clone(), key.clone(), value.clone(), mask.clone(), 0.3, |w| w);
            let fused = sdpa::fused(query.clone(), key.clone(), value.clone(), mask, 0.3);
            assert_close(fused, explicit, TOL, TOL);
        }
    }
}

#[test]
fn cached_decoding_equals_full_recomputation() {
    let device = test_device();
    let mha = MultiHeadAttentionConfig::new(8, 4)
        .with_n_kv_heads(Some(2))
        .init(&device);
    let x = random([2, 6, 8], &device);
    let full = mha
        .forward(MhaInput::self_attention(x.clone()).mask(Mask::causal(6, 6, &device)))
        .context;

    // One position at a time: each new query sees every cached key.
    let mut cache = KvCache::self_attention();
    let steps: Vec<Tensor<3>> = (0..6)
        .map(|t| {
            mha.forward_cached(MhaInput::self_attention(x.clone().narrow(1, t, 1)), &mut cache)
                .context
        })
        .collect();
    assert_close(Tensor::cat(steps, 1), full.clone(), TOL, TOL);

    // Chunks of 2 then 4, causal within the chunk (bottom-right aligned).
    let mut cache = KvCache::self_attention();
    let first = mha.forward_cached(
        MhaInput::self_attention(x.clone().narrow(1, 0, 2)).mask(Mask::causal(2, 2, &device)),
        &mut cache,
    );
    let second = mha.forward_cached(
        MhaInput::self_attention(x.narrow(1, 2, 4))
            .mask(Mask::causal(4, 6, &device))
            .weights(Weights::Skip),
        &mut cache,
    );
    assert_close(Tensor::cat(vec![first.context, second.context], 1), full, TOL, TOL);
}

#[test]
fn cross_attention_cache_projects_the_memory_once() {
    let device = test_device();
    let mha = MultiHeadAttentionConfig::new(8, 2).init(&device);
    let memory = random([2, 7, 8], &device);
    let queries = random([2, 3, 8], &device);
    let full = mha
        .forward(MhaInput::cross_attention(queries.clone(), memory.clone()))
        .context;
    let mut cache = KvCache::cross_attention();
    let first = mha.forward_cached(
        MhaInput::cross_attention(queries.clone().narrow(1, 0, 1), memory.clone()),
        &mut cache,
    );
    // Later calls ignore the memory argument: the cache already holds it.
    let rest = mha.forward_cached(
        MhaInput::cross_attention(queries.narrow(1, 1, 2), memory.zeros_like()),
        &mut cache,
    );
    assert_eq!(cache.len(), 7);
    assert_close(Tensor::cat(vec![first.context, rest.context], 1), full, TOL, TOL);
}

#[test]
fn batched_equals_one_by_one() {
    let device = test_device();
    let mha = MultiHeadAttentionConfig::new(8, 2).init(&device);
    let x = random([3, 5, 8], &device);
    let memory = random([3, 7, 8], &device);
    let lengths = [7, 2, 5];
    let batched = mha
        .forward(MhaInput::cross_attention(x.clone(), memory.clone()).mask(Mask::padding(&lengths, 7, &device)))
        .context;
    for (i, &length) in lengths.iter().enumerate() {
        let single = mha.forward(MhaInput::cross_attention(
            x.clone().narrow(0, i, 1),
            memory.clone().narrow(0, i, 1).narrow(1, 0, length),
        ));
        assert_close(batched.clone().narrow(0, i, 1), single.context, TOL, TOL);
    }
}

#[test]
fn dropout_is_off_outside_training() {
    let device = test_device();
    let mha = MultiHeadAttentionConfig::new(8, 2).with_dropout(0.5).init(&device);
    let x = random([2, 5, 8], &device);
    let out = mha.forward(MhaInput::self_attention(x));
    // On a device without autodiff, dropout never applies: rows still sum to one.
    assert_rows_are_distributions(out.weights.unwrap());
}

#[test]
fn dropout_acts_on_the_weights_in_training_only() {
    let device = test_device().autodiff();
    device.seed(5);
    let mha = MultiHeadAttentionConfig::new(8, 2).with_dropout(0.5).init(&device);
    let x = random([2, 6, 8], &device);
    let weights = mha.forward(MhaInput::self_attention(x.clone())).weights.unwrap();
    let values = to_vec(weights);
    // Dropped weights are exactly zero; kept ones are scaled by 1 / (1 - p) = 2,
    // so rows no longer sum to one, as documented.
    assert!(values.contains(&0.0), "some weights are dropped");
    let sums: Vec<f32> = values.chunks(6).map(|row| row.iter().sum()).collect();
    assert!(sums.iter().any(|s| (s - 1.0).abs() > 1e-3), "{sums:?}");
    // Skipping the weights still applies dropout (the explicit path runs).
    let skipped = mha
        .forward(MhaInput::self_attention(x.clone()).weights(Weights::Skip))
        .context;
    let plain = mha
        .clone()
        .valid()
        .forward(MhaInput::self_attention(x.without_autodiff()).weights(Weights::Skip))
        .context;
    assert!(to_vec((skipped.without_autodiff() - plain).abs().max())[0] > 1e-4);
}

#[test]
fn temperature_below_one_sharpens_the_weights() {
    let device = test_device();
    let scores = Tensor::<2>::from_floats([[1.0, 2.0, 3.0]], &device);
    let max = |t: f64| to_vec(Normalizer::Softmax { temperature: t }.normalize(scores.clone(), None))[2];
    assert!(max(0.5) > max(1.0) && max(1.0) > max(2.0));
}
