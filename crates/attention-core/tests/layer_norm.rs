//! Tier 6: [`layer_norm`] (one fused backward step on flex) against its naive twin, Burn's
//! `LayerNorm::forward`: values and the gradients of the input, `γ` and `β`, on random inputs
//! drawn fresh, with random `γ` and `β`, odd widths and a transposed input.
//!
//! Tolerance: both compute the same f32 means and variances in another order; the gradients sum
//! over up to 400 rows. 1e-5 relative to the largest magnitude of each tensor leaves a margin over
//! the 1e-6 that rounding gives here.

mod common;

use attention_core::layer_norm;
use burn::module::Param;
use burn::nn::LayerNormConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use common::*;

#[test]
fn layer_norm_equals_burns_values_and_gradients() {
    let device = test_device().autodiff();
    for (shape, epsilon, transposed) in [
        ([3, 5, 7], 1e-5, false),
        ([4, 100, 33], 1e-6, false),
        ([2, 9, 64], 1e-5, true),
    ] {
        let [_, _, width] = shape;
        let mut norm = LayerNormConfig::new(width).with_epsilon(epsilon).init(&device);
        let random = |shape: [usize; 1]| Tensor::<1>::random(shape, Distribution::Normal(0.0, 1.0), &device);
        norm.gamma = Param::from_tensor(random([width]));
        norm.beta = Some(Param::from_tensor(random([width])));
        let x = if transposed {
            Tensor::<3>::random([shape[1], shape[0], width], Distribution::Normal(3.0, 2.0), &device).swap_dims(0, 1)
        } else {
            Tensor::<3>::random(shape, Distribution::Normal(3.0, 2.0), &device)
        };
        let upstream = Tensor::<3>::random(shape, Distribution::Normal(0.0, 1.0), &device);
        let run = |fused: bool| {
            let x = x.clone().require_grad();
            let y = if fused {
                layer_norm(&norm, epsilon, x.clone())
            } else {
                norm.forward(x.clone())
            };
            let grads = (y.clone() * upstream.clone()).sum().backward();
            let beta = norm.beta.as_ref().expect("a bias");
            let flat = |t: Tensor<3>| t.reshape([-1]);
            [
                flat(y.detach()),
                flat(x.grad(&grads).expect("tracked")),
                norm.gamma.val().grad(&grads).expect("tracked"),
                beta.val().grad(&grads).expect("tracked"),
            ]
        };
        let fused = run(true);
        let reference = run(false);
        for (name, (a, e)) in ["y", "d x", "d gamma", "d beta"]
            .iter()
            .zip(fused.into_iter().zip(reference))
        {
            assert_relative(a, e, &format!("{shape:?}, transposed {transposed}: {name}"));
        }
    }
}
