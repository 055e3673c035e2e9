//! Tier 1: the shape of every output, at odd sizes (batch 3, tgt_len 5,
//! src_len 7, widths that all differ).

mod common;

use attention_core::*;
use burn::prelude::*;
use common::*;

const BATCH: usize = 3;
const TGT: usize = 5;
const SRC: usize = 7;

fn scorers(d_query: usize, d_key: usize, device: &Device) -> Vec<(&'static str, Score)> {
    vec![
        (
            "general",
            ScoreConfig::General(GeneralScoreConfig::new(d_query, d_key)).init(device),
        ),
        (
            "concat",
            ScoreConfig::Concat(ConcatScoreConfig::new(d_query, d_key, 11)).init(device),
        ),
        (
            "additive",
            ScoreConfig::Additive(AdditiveScoreConfig::new(d_query, d_key, 11)).init(device),
        ),
        ("fc", ScoreConfig::Fc(FcScoreConfig::new(d_query, 9)).init(device)),
    ]
}

#[test]
fn every_scorer_gives_batch_tgt_src_scores() {
    let device = test_device();
    let query = random([BATCH, TGT, 4], &device);
    let keys = random([BATCH, SRC, 6], &device);
    for (name, score) in scorers(4, 6, &device) {
        assert_eq!(
            score.forward(query.clone(), keys.clone()).dims(),
            [BATCH, TGT, SRC],
            "{name}"
        );
    }
    for score in [ScoreConfig::dot(), ScoreConfig::scaled_dot()] {
        let score = score.init(&device);
        assert_eq!(
            score.forward(query.clone(), random([BATCH, SRC, 4], &device)).dims(),
            [BATCH, TGT, SRC]
        );
    }
}

#[test]
fn attention_unit_gives_context_of_value_width() {
    let device = test_device();
    for (name, score) in scorers(4, 6, &device) {
        let unit = AttentionUnit {
            score,
            normalizer: Normalizer::Sparsemax,
        };
        let input = AttentionInput::new(
            random([BATCH, TGT, 4], &device),
            random([BATCH, SRC, 6], &device),
            random([BATCH, SRC, 3], &device),
        );
        let out = unit.forward(input);
        assert_eq!(out.context.dims(), [BATCH, TGT, 3], "{name}");
        assert_eq!(out.weights.dims(), [BATCH, TGT, SRC], "{name}");
    }
}

#[test]
fn multi_head_attention_shapes_for_every_head_layout() {
    let device = test_device();
    // (n_heads, n_kv_heads): multi-head, grouped-query, multi-query.
    for (n_heads, n_kv_heads) in [(4, 4), (4, 2), (4, 1)] {
        let mha = MultiHeadAttentionConfig::new(12, n_heads)
            .with_n_kv_heads(Some(n_kv_heads))
            .with_d_key(Some(6))
            .with_d_value(Some(5))
            .init(&device);
        let input = MhaInput::new(
            random([BATCH, TGT, 12], &device),
            random([BATCH, SRC, 6], &device),
            random([BATCH, SRC, 5], &device),
        );
        let out = mha.forward(input.clone());
        assert_eq!(out.context.dims(), [BATCH, TGT, 12]);
        assert_eq!(out.weights.clone().unwrap().dims(), [BATCH, n_heads, TGT, SRC]);
        assert_eq!(out.weights_averaged().unwrap().dims(), [BATCH, TGT, SRC]);
        let fused = mha.forward(input.weights(Weights::Skip));
        assert_eq!(fused.context.dims(), [BATCH, TGT, 12]);
        assert!(fused.weights.is_none());
    }
}

#[test]
fn masks_broadcast_to_batch_tgt_src() {
    let device = test_device();
    let padding = Mask::padding(&[7, 2, 5], SRC, &device);
    assert_eq!(padding.tensor().dims(), [BATCH, 1, SRC]);
    let causal = Mask::causal(TGT, SRC, &device);
    assert_eq!(causal.tensor().dims(), [1, TGT, SRC]);
    assert_eq!(padding.or(causal).tensor().dims(), [BATCH, TGT, SRC]);
}

#[test]
fn cache_grows_by_the_new_positions() {
    let device = test_device();
    let mha = MultiHeadAttentionConfig::new(8, 4)
        .with_n_kv_heads(Some(2))
        .init(&device);
    let mut cache = KvCache::self_attention();
    assert!(cache.is_empty());
    for (step, new) in [2, 1, 3].into_iter().enumerate() {
        let x = random([BATCH, new, 8], &device);
        let out = mha.forward_cached(MhaInput::self_attention(x), &mut cache);
        let total = [2, 3, 6][step];
        assert_eq!(cache.len(), total);
        assert_eq!(out.weights.unwrap().dims(), [BATCH, 4, new, total]);
    }
}
