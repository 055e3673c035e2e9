//! Tier 6: [`linear`] (the leading axes folded into rows) against its naive twin, Burn's
//! `Linear::forward`, values and the gradients of the input, weight and bias, for ranks 2 to 4,
//! a sequence length that is a multiple of 32 (where Burn keeps the batched product) and one
//! that is not.
//!
//! Tolerance: both sum the same products, in another order for the weight's gradient (one sum
//! over all rows against per-sequence sums added up); 1e-5 relative to the largest magnitude.

mod common;

use attention_core::linear;
use burn::nn::LinearConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use common::*;

fn check<const D: usize>(shape: [usize; D], d_out: usize) {
    let device = test_device().autodiff();
    let d_in = shape[D - 1];
    let layer = LinearConfig::new(d_in, d_out).init(&device);
    let x = Tensor::<D>::random(shape, Distribution::Normal(0.0, 1.0), &device);
    let run = |folded: bool| {
        let x = x.clone().require_grad();
        let y = if folded {
            linear(&layer, x.clone())
        } else {
            layer.forward(x.clone())
        };
        let grads = y.clone().powi_scalar(2).sum().backward();
        let bias = layer.bias.as_ref().expect("a bias");
        (
            y.detach(),
            x.grad(&grads).expect("tracked"),
            layer.weight.val().grad(&grads).expect("tracked"),
            bias.val().grad(&grads).expect("tracked"),
        )
    };
    let (y, dx, dw, db) = run(true);
    let (y0, dx0, dw0, db0) = run(false);
    assert_relative(y, y0, &format!("{shape:?}: y"));
    assert_relative(dx, dx0, &format!("{shape:?}: d x"));
    assert_relative(dw, dw0, &format!("{shape:?}: d weight"));
    assert_relative(db, db0, &format!("{shape:?}: d bias"));
}

#[test]
fn linear_equals_burns_values_and_gradients() {
    check([7, 5], 3);
    check([3, 32, 16], 9);
    check([3, 7, 16], 9);
    check([2, 3, 5, 4], 6);
}
