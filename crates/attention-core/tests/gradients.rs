//! Tier 4: gradients against central finite differences on an autodiff
//! device.
//!
//! For a scalar loss `L(x) = sum(context(x) * R)`, with `R` fixed and random,
//! `dL/dx_i ~ (L(x + h e_i) - L(x - h e_i)) / 2h`, with error `O(h^2)` from
//! truncation and `O(eps_f32 * |L| / h)` from rounding. With `h = 1e-2` and
//! `|L| ~ 10` both are below ~1e-3, hence the tolerance `2e-3 + 1e-2 * |g|`.
//! The inputs come from a seeded generator, so a failure reproduces.

mod common;

use attention_core::*;
use burn::prelude::*;
use common::*;

/// Checks autodiff's gradient of `loss` at `x` against central differences,
/// element by element.
fn check_gradient(name: &str, x: Tensor<3>, h: f32, loss: impl Fn(Tensor<3>) -> Tensor<1>) {
    let grad = {
        let x = x.clone().require_grad();
        let grads = loss(x.clone()).backward();
        to_vec(x.grad(&grads).expect("gradient"))
    };
    let dims = x.dims();
    let base = to_vec(x.clone());
    let device = x.device();
    let eval = |values: &[f32]| {
        let x = Tensor::<3>::from_data(burn::tensor::TensorData::new(values.to_vec(), dims), &device);
        to_vec(loss(x))[0]
    };
    for i in 0..base.len() {
        let mut plus = base.clone();
        plus[i] += h;
        let mut minus = base.clone();
        minus[i] -= h;
        let numeric = (eval(&plus) - eval(&minus)) / (2.0 * h);
        assert!(
            (grad[i] - numeric).abs() <= 2e-3 + 1e-2 * numeric.abs(),
            "{name}: element {i}: autodiff {} vs finite difference {numeric}",
            grad[i]
        );
    }
}

fn check_unit(name: &str, score: ScoreConfig, normalizer: Normalizer) {
    check_unit_with_step(name, score, normalizer, 1e-2);
}

fn check_unit_with_step(name: &str, score: ScoreConfig, normalizer: Normalizer, h: f32) {
    let device = test_device().autodiff();
    device.seed(7);
    let unit = AttentionUnitConfig::new(score)
        .with_normalizer(normalizer)
        .init(&device);
    let query = random([2, 3, 4], &device);
    let keys = random([2, 5, 4], &device);
    let r = random([2, 3, 4], &device);
    let mask = Mask::padding(&[5, 3], 5, &device);
    let loss = |query: Tensor<3>, keys: Tensor<3>| {
        let out = unit.forward(AttentionInput::cross_attention(query, keys).mask(mask.clone()));
        (out.context * r.clone()).sum()
    };
    check_gradient(&format!("{name} d/dquery"), query.clone(), h, |q| loss(q, keys.clone()));
    check_gradient(&format!("{name} d/dkeys"), keys, h, |k| loss(query.clone(), k));
}

#[test]
fn dot_gradient() {
    check_unit("dot", ScoreConfig::dot(), Normalizer::SOFTMAX);
}

#[test]
fn scaled_dot_gradient() {
    check_unit("scaled dot", ScoreConfig::scaled_dot(), Normalizer::SOFTMAX);
}

#[test]
fn general_gradient() {
    check_unit(
        "general",
        ScoreConfig::General(GeneralScoreConfig::new(4, 4)),
        Normalizer::SOFTMAX,
    );
}

#[test]
fn concat_gradient() {
    check_unit(
        "concat",
        ScoreConfig::Concat(ConcatScoreConfig::new(4, 4, 6)),
        Normalizer::SOFTMAX,
    );
}

#[test]
fn additive_gradient() {
    check_unit(
        "additive",
        ScoreConfig::Additive(AdditiveScoreConfig::new(4, 4, 6)),
        Normalizer::SOFTMAX,
    );
}

#[test]
fn fc_gradient() {
    check_unit("fc", ScoreConfig::Fc(FcScoreConfig::new(4, 8)), Normalizer::SOFTMAX);
}

#[test]
fn softmax_with_temperature_gradient() {
    check_unit(
        "softmax T=2",
        ScoreConfig::dot(),
        Normalizer::Softmax { temperature: 2.0 },
    );
}

#[test]
fn sparsemax_gradient() {
    // Sparsemax is piecewise linear: a difference is exact unless x +- h
    // crosses a kink (a key entering or leaving the support). A step of 1e-3
    // makes that unlikely; the rounding error, ~1e-7 * 10 / 1e-3 = 1e-3,
    // stays within the tolerance.
    check_unit_with_step("sparsemax", ScoreConfig::dot(), Normalizer::Sparsemax, 1e-3);
}

#[test]
fn straight_through_hard_attention_has_the_softmax_gradient() {
    // d(hard_st)/dscores is by definition d(softmax)/dscores.
    let device = test_device().autodiff();
    let scores = random([2, 3, 5], &device);
    let r = random([2, 3, 5], &device);
    let grad = |normalizer: Normalizer| {
        let s = scores.clone().require_grad();
        let grads = (normalizer.normalize(s.clone(), None) * r.clone()).sum().backward();
        s.grad(&grads).unwrap()
    };
    let straight_through = grad(Normalizer::Hard {
        gradient: HardGradient::StraightThrough,
    });
    assert_close(straight_through, grad(Normalizer::SOFTMAX), 1e-6, 1e-6);
    // Without the estimator the weights are detached: only the `+ sum(s)`
    // term reaches the scores, with gradient exactly one.
    let s = scores.clone().require_grad();
    let hard = Normalizer::Hard {
        gradient: HardGradient::None,
    }
    .normalize(s.clone(), None);
    let grads = ((hard * r.clone()).sum() + s.clone().sum()).backward();
    assert!(to_vec(s.grad(&grads).unwrap()).iter().all(|&g| g == 1.0));
}

#[test]
fn multi_head_attention_gradient() {
    let device = test_device().autodiff();
    device.seed(11);
    let mha = MultiHeadAttentionConfig::new(6, 2)
        .with_n_kv_heads(Some(1))
        .init(&device);
    let x = random([2, 3, 6], &device);
    let r = random([2, 3, 6], &device);
    let mask = Mask::causal(3, 3, &device);
    check_gradient("mha d/dx", x, 1e-2, |x| {
        (mha.forward(MhaInput::self_attention(x).mask(mask.clone())).context * r.clone()).sum()
    });
}
