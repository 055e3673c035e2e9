//! Tier 6: the workspace's `tanh` (a vectorised kernel on flex) against its naive twin,
//! Burn's `Tensor::tanh`: values and gradients, on random inputs drawn fresh, of odd sizes, over
//! a wide range (past the kernel's clamp at ±7.9), and on a transposed view.
//!
//! Tolerance: the kernel's rational approximation is within a few ulp of the exact tangent
//! (`src/vector.rs` tests it against the standard library over [-12, 12]); 1e-6 absolute on
//! values in [-1, 1] leaves a margin of about ten ulp. The gradient `dy (1 - y^2)` inherits it.

mod common;

use attention_core::tanh;
use burn::prelude::*;
use burn::tensor::Distribution;
use common::*;

#[test]
fn tanh_equals_burns_values_and_gradients() {
    let device = test_device().autodiff();
    for shape in [[3, 5, 7], [1, 1, 1], [2, 33, 129]] {
        // Normal with standard deviation 4: about 5% of the values past the clamp.
        let x = Tensor::<3>::random(shape, Distribution::Normal(0.0, 4.0), &device);
        let upstream = Tensor::<3>::random(shape, Distribution::Normal(0.0, 1.0), &device);
        let run = |ours: bool| {
            let x = x.clone().require_grad();
            let y = if ours { tanh(x.clone()) } else { x.clone().tanh() };
            let grads = (y.clone() * upstream.clone()).sum().backward();
            (y.detach(), x.grad(&grads).expect("tracked"))
        };
        let (ours, ours_grad) = run(true);
        let (burns, burns_grad) = run(false);
        assert_close(ours, burns, 1e-6, 0.0);
        assert_close(ours_grad, burns_grad, 1e-6, 1e-6);
    }
}

#[test]
fn tanh_of_a_view_and_without_autodiff() {
    let device = test_device();
    let x = Tensor::<3>::random([4, 9, 6], Distribution::Normal(0.0, 2.0), &device);
    let view = x.clone().swap_dims(0, 2); // [6, 9, 4], strided
    assert_close(tanh(view.clone()), view.tanh(), 1e-6, 0.0);
    // The input is left as it was (the kernel works in place only on a buffer it owns alone).
    let before = to_vec(x.clone());
    let _ = tanh(x.clone());
    assert_eq!(to_vec(x), before);
}
