//! Tier 6: `Recurrent::step` on a GRU (the workspace's step, with its vectorised `sigmoid` and
//! `tanh`) against its naive twin, Burn's `Gru::forward` over one position: the new state, and
//! the gradients of the input, the old state and every gate's weights and biases, on random
//! inputs drawn fresh.
//!
//! Tolerance: the activations agree within about 1e-7 (attention-core's `src/vector.rs` tests).
//! The rounding of the gradients scales with the values that enter their sums (inputs, states and
//! upstream gradients of order 1), not with each gradient's own size: the reset gate's hidden bias
//! gradient can be 0.04 with a gap of 4e-7 (seen once in 200 runs). So the bar is 1e-5 times the
//! larger of 1 and the tensor's largest magnitude.

mod common;

use burn::nn::GruConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use common::to_vec;
use models::{Recurrent, RnnState};

#[track_caller]
fn assert_relative<const D: usize>(actual: Tensor<D>, expected: Tensor<D>, what: &str) {
    let (a, e) = (to_vec(actual), to_vec(expected));
    let gap = a.iter().zip(&e).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    let size = e.iter().map(|y| y.abs()).fold(1.0f32, f32::max);
    assert!(
        gap <= 1e-5 * size,
        "{what}: max gap {gap} against max(1, magnitude) {size}"
    );
}

#[test]
fn gru_step_equals_burns_gru_values_and_gradients() {
    let device = Device::default().autodiff();
    let gru = GruConfig::new(5, 7, true).init(&device);
    let layer = Recurrent::Gru(gru.clone());
    let random = |shape: [usize; 2], std: f64| Tensor::<2>::random(shape, Distribution::Normal(0.0, std), &device);
    // Wide inputs, so that some gates saturate.
    let (x, hidden, upstream) = (random([3, 5], 3.0), random([3, 7], 1.0), random([3, 7], 1.0));
    let run = |ours: bool| {
        let (x, hidden) = (x.clone().require_grad(), hidden.clone().require_grad());
        let new = if ours {
            match layer.step(x.clone(), RnnState::Gru(hidden.clone())) {
                RnnState::Gru(new) => new,
                RnnState::Lstm { .. } => unreachable!("a GRU's state"),
            }
        } else {
            gru.forward(x.clone().unsqueeze_dim(1), Some(hidden.clone()))
                .squeeze_dim(1)
        };
        let grads = (new.clone() * upstream.clone()).sum().backward();
        let mut out = vec![
            ("state".to_string(), new.detach()),
            ("d x".to_string(), x.grad(&grads).expect("tracked")),
            ("d hidden".to_string(), hidden.grad(&grads).expect("tracked")),
        ];
        for (name, gate) in [
            ("update", &gru.update_gate),
            ("reset", &gru.reset_gate),
            ("new", &gru.new_gate),
        ] {
            for (part, linear) in [("input", &gate.input_transform), ("hidden", &gate.hidden_transform)] {
                let weight = linear.weight.val().grad(&grads).expect("tracked");
                out.push((format!("d {name} {part} weight"), weight));
                let bias = linear
                    .bias
                    .as_ref()
                    .expect("a bias")
                    .val()
                    .grad(&grads)
                    .expect("tracked");
                out.push((format!("d {name} {part} bias"), bias.unsqueeze()));
            }
        }
        out
    };
    for ((name, ours), (_, burns)) in run(true).into_iter().zip(run(false)) {
        assert_relative(ours, burns, &name);
    }
}
