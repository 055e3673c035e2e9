//! Tier 3: values from `tests/reference/generate.py` (numpy, following the
//! formulas and PyTorch semantics stated in its docstring), stored in
//! `tests/data/reference.safetensors` with the inputs and parameters.
//!
//! Tolerance: the script computes in f64 from f32-rounded inputs; these f32
//! computations of at most a few dozen terms of size ~1 agree to a few f32
//! ulps, so 1e-5 absolute plus 1e-5 relative (the 1e-5 bar).

mod common;

use attention_core::interop::TorchFile;
use attention_core::*;
use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use common::*;

const LENGTHS: [usize; 3] = [7, 4, 1];
const TOL: f32 = 1e-5;

fn linear(file: &TorchFile, prefix: &str, d_in: usize, d_out: usize, bias: bool, device: &Device) -> Linear {
    Linear {
        weight: Param::from_tensor(load(file, &format!("{prefix}.weight"), [d_in, d_out], device)),
        bias: bias.then(|| Param::from_tensor(load(file, &format!("{prefix}.bias"), [d_out], device))),
    }
}

/// Checks `<case>.scores`, `.weights` and `.context` for a scorer whose
/// queries are `q4` and keys `key_name`.
fn check_scorer(case: &str, score: Score, key_name: &str, d_key: usize) {
    let device = test_device();
    let file = reference();
    let query = load(&file, "q4", [3, 5, 4], &device);
    let keys = load(&file, key_name, [3, 7, d_key], &device);
    let values = load(&file, "v3", [3, 7, 3], &device);

    let scores = score.forward(query.clone(), keys.clone());
    assert_close(
        scores,
        load(&file, &format!("{case}.scores"), [3, 5, 7], &device),
        TOL,
        TOL,
    );

    let unit = AttentionUnit {
        score,
        normalizer: Normalizer::SOFTMAX,
    };
    let input = AttentionInput::new(query, keys, values).mask(Mask::padding(&LENGTHS, 7, &device));
    let out = unit.forward(input);
    assert_close(
        out.weights,
        load(&file, &format!("{case}.weights"), [3, 5, 7], &device),
        TOL,
        TOL,
    );
    assert_close(
        out.context,
        load(&file, &format!("{case}.context"), [3, 5, 3], &device),
        TOL,
        TOL,
    );
}

#[test]
fn dot_matches_reference() {
    check_scorer("dot", Score::Dot(DotScoreConfig::new().init()), "k4", 4);
}

#[test]
fn scaled_dot_matches_reference() {
    let score = DotScoreConfig::new().with_scaling(Scaling::InverseSqrtDim).init();
    check_scorer("scaled_dot", Score::Dot(score), "k4", 4);
}

#[test]
fn scaled_dot_with_a_given_factor_matches_reference() {
    // 1/sqrt(4) given as a number is the same function.
    let score = DotScoreConfig::new().with_scaling(Scaling::Factor(0.5)).init();
    check_scorer("scaled_dot", Score::Dot(score), "k4", 4);
}

#[test]
fn general_matches_reference() {
    let device = test_device();
    let file = reference();
    let mut score = GeneralScoreConfig::new(4, 6).init(&device);
    score.bilinear = linear(&file, "general.bilinear", 6, 4, false, &device);
    check_scorer("general", Score::General(score), "k6", 6);
}

#[test]
fn concat_matches_reference() {
    let device = test_device();
    let file = reference();
    let mut score = ConcatScoreConfig::new(4, 6, 8).init(&device);
    score.combine = linear(&file, "concat.combine", 10, 8, true, &device);
    score.v = linear(&file, "concat.v", 8, 1, false, &device);
    check_scorer("concat", Score::Concat(score), "k6", 6);
}

#[test]
fn additive_matches_reference() {
    let device = test_device();
    let file = reference();
    let mut score = AdditiveScoreConfig::new(4, 6, 8).init(&device);
    score.query = linear(&file, "additive.query", 4, 8, true, &device);
    score.key = linear(&file, "additive.key", 6, 8, true, &device);
    score.v = linear(&file, "additive.v", 8, 1, true, &device);
    check_scorer("additive", Score::Additive(score), "k6", 6);
}

#[test]
fn fc_matches_reference() {
    // generate.py names this case after the score's form in Luong 2015, "location".
    let device = test_device();
    let file = reference();
    let mut score = FcScoreConfig::new(4, 9).init(&device);
    score.attn = linear(&file, "location.attn", 4, 9, true, &device);
    check_scorer("location", Score::Fc(score), "k6", 6);
}

fn check_normalizer(case: &str, normalizer: Normalizer, input: &str) {
    let device = test_device();
    let file = reference();
    let scores = load(&file, input, [3, 5, 7], &device);
    let mask = Mask::padding(&LENGTHS, 7, &device).expand_to("test", [3, 5, 7]);
    let weights = normalizer.normalize(scores, Some(mask));
    assert_close(
        weights,
        load(&file, &format!("{case}.weights"), [3, 5, 7], &device),
        TOL,
        TOL,
    );
}

#[test]
fn softmax_with_temperature_matches_reference() {
    check_normalizer("softmax_t2", Normalizer::Softmax { temperature: 2.0 }, "dot.scores");
}

#[test]
fn hard_matches_reference() {
    check_normalizer(
        "hard",
        Normalizer::Hard {
            gradient: HardGradient::None,
        },
        "dot.scores",
    );
    // The straight-through value equals the hard one up to one rounding.
    check_normalizer(
        "hard",
        Normalizer::Hard {
            gradient: HardGradient::StraightThrough,
        },
        "dot.scores",
    );
}

#[test]
fn sparsemax_matches_reference() {
    check_normalizer("sparsemax", Normalizer::Sparsemax, "sparsemax.z");
}

fn path() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/reference.safetensors")
}

#[test]
fn torch_multihead_attention_import_matches_pytorch() {
    let device = test_device();
    let file = reference();
    let mha = MultiHeadAttentionConfig::new(8, 2)
        .init_from_torch(path(), "mha.", &device)
        .unwrap();
    let query = load(&file, "mha.query", [3, 5, 8], &device);
    let key = load(&file, "mha.key", [3, 7, 8], &device);
    let value = load(&file, "mha.value", [3, 7, 8], &device);
    let mask = Mask::padding(&LENGTHS, 7, &device).or(Mask::causal(5, 7, &device));
    let out = mha.forward(MhaInput::new(query.clone(), key.clone(), value.clone()).mask(mask.clone()));
    assert_close(
        out.context.clone(),
        load(&file, "mha.context", [3, 5, 8], &device),
        TOL,
        TOL,
    );
    assert_close(
        out.weights_averaged().unwrap(),
        load(&file, "mha.weights", [3, 5, 7], &device),
        TOL,
        TOL,
    );
    assert_close(
        out.weights.unwrap(),
        load(&file, "mha.weights_per_head", [3, 2, 5, 7], &device),
        TOL,
        TOL,
    );

    // The fused path gives the same context.
    let fused = mha.forward(
        MhaInput::new(query.clone(), key.clone(), value.clone())
            .mask(mask.clone())
            .weights(Weights::Skip),
    );
    assert!(fused.weights.is_none());
    assert_close(fused.context, load(&file, "mha.context", [3, 5, 8], &device), TOL, TOL);

    // So does the memory-efficient path, chosen in the config the weights are loaded with
    // (blocks of 2, so that 5 queries and 7 keys span several blocks).
    let blocked = MultiHeadAttentionConfig::new(8, 2)
        .with_fast_path(FastPath::MemoryEfficient { block: 2 })
        .init_from_torch(path(), "mha.", &device)
        .unwrap();
    assert_eq!(blocked.fast_path, FastPath::MemoryEfficient { block: 2 });
    let out = blocked.forward(MhaInput::new(query, key, value).mask(mask).weights(Weights::Skip));
    assert_close(out.context, load(&file, "mha.context", [3, 5, 8], &device), TOL, TOL);
}

#[test]
fn torch_multihead_attention_with_kdim_vdim_matches_pytorch() {
    let device = test_device();
    let file = reference();
    let mha = MultiHeadAttentionConfig::new(8, 2)
        .with_d_key(Some(6))
        .with_d_value(Some(3))
        .init_from_torch(path(), "mha_kv.", &device)
        .unwrap();
    let query = load(&file, "mha_kv.query", [3, 5, 8], &device);
    let key = load(&file, "mha_kv.key", [3, 7, 6], &device);
    let value = load(&file, "mha_kv.value", [3, 7, 3], &device);
    let out = mha.forward(MhaInput::new(query, key, value).mask(Mask::padding(&LENGTHS, 7, &device)));
    assert_close(
        out.context.clone(),
        load(&file, "mha_kv.context", [3, 5, 8], &device),
        TOL,
        TOL,
    );
    assert_close(
        out.weights_averaged().unwrap(),
        load(&file, "mha_kv.weights", [3, 5, 7], &device),
        TOL,
        TOL,
    );
}

#[test]
fn grouped_query_attention_matches_reference() {
    let device = test_device();
    let file = reference();
    let mut mha = MultiHeadAttentionConfig::new(8, 4)
        .with_n_kv_heads(Some(2))
        .init(&device);
    mha.query = linear(&file, "gqa.query", 8, 8, true, &device);
    mha.key = linear(&file, "gqa.key", 8, 4, true, &device);
    mha.value = linear(&file, "gqa.value", 8, 4, true, &device);
    mha.output = linear(&file, "gqa.output", 8, 8, true, &device);
    let x = load(&file, "gqa.x", [3, 5, 8], &device);
    let causal = Mask::causal(5, 5, &device);
    let out = mha.forward(MhaInput::self_attention(x.clone()).mask(causal.clone()));
    assert_close(out.context, load(&file, "gqa.context", [3, 5, 8], &device), TOL, TOL);
    assert_close(
        out.weights.unwrap(),
        load(&file, "gqa.weights_per_head", [3, 4, 5, 5], &device),
        TOL,
        TOL,
    );
    let fused = mha.forward(MhaInput::self_attention(x).mask(causal).weights(Weights::Skip));
    assert_close(fused.context, load(&file, "gqa.context", [3, 5, 8], &device), TOL, TOL);
}
