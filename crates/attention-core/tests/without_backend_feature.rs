//! Issue 13's configuration: Burn's `flex` backend on, but this crate built *without* its own
//! `flex` feature, as when a program enables `burn/flex` itself and depends on `attention-core`
//! with its default features. `cargo test -p attention-core --test without_backend_feature`
//! builds exactly that (burn/flex comes from the dev-dependencies only), and `.ci/run` runs it.
//!
//! Then this build has no backend extension for flex: the attention kernel behind both fast
//! paths, [`tanh`] (so [`sigmoid`]) and [`layer_norm`] must compute the same function with
//! Burn's own operations (`src/extension.rs`). Before that fallback, the first forward pass of
//! `FastPath::MemoryEfficient`, and its own rustdoc example, panicked with "Backend not supported
//! for custom op `flash_attention`". Built with `--features flex`, the same tests run the CPU
//! kernels; on another backend (`--features wgpu`), that backend's extensions. Every failure
//! message says which ran ([`configuration`]).
//!
//! Tolerance: the fast paths sum the same f32 products as the explicit path in another order
//! (the CPU kernel's online softmax rescales partial sums, flex's own kernel tiles them), and
//! the vectorised `tanh` is within a few ulp of Burn's: rounding only. Over 20 runs of each
//! here, the largest gap, relative to the largest magnitude of its tensor, was about 1e-6 with
//! `--features flex` (a parameter gradient behind the fused path) and 4e-7 without. 1e-5
//! relative (`common::assert_relative`, the twin tests' bar) leaves a margin of ten; an
//! attention scale off by 0.1% gives 7e-5 and fails.

mod common;

use attention_core::*;
use burn::module::Param;
use burn::nn::LayerNormConfig;
use burn::prelude::*;
use burn::tensor::Distribution;
use common::*;

/// An element-wise function and its twin.
type Unary = fn(Tensor<3>) -> Tensor<3>;

/// What ran, for every message: on flex, the CPU kernels with this crate's `flex` feature,
/// Burn's operations (the fallback) without it.
fn configuration(device: &Device) -> String {
    let flex = if cfg!(feature = "flex") {
        "on (on flex: the CPU kernels)"
    } else {
        "off (on flex: Burn's operations, the fallback)"
    };
    format!("{device:?}, attention-core's `flex` feature {flex}")
}

/// An encoder block (layer norms, linear layers, multi-head attention) with the memory-efficient
/// and the fused fast path against the same block on the explicit path (`Weights::Return`):
/// outputs, and on an autodiff device the gradients of the input and of the parameters that
/// attention and the layer norm feed. Padding plus a causal mask; a length of 37 that blocks
/// of 16 do not divide.
#[test]
fn both_fast_paths_equal_explicit_attention_forward_and_backward() {
    let [batch, len, d_model, n_heads] = [3, 37, 16, 4];
    for device in [test_device(), test_device().autodiff()] {
        let config = TransformerBlockConfig::new(d_model, n_heads, 24)
            .with_dropout(0.0)
            .with_norm(NormPlacement::Pre)
            .with_fast_path(FastPath::MemoryEfficient { block: 16 });
        let memory_efficient = config.init_encoder(&device);
        let mut fused = memory_efficient.clone();
        fused.self_attn.fast_path = FastPath::Fused;
        let x = random([batch, len, d_model], &device);
        let upstream = random([batch, len, d_model], &device);
        let mask = || Mask::padding(&[len, 30, 21], len, &device).or(Mask::causal(len, len, &device));

        let run = |block: &EncoderBlock, weights: Weights| {
            if !device.is_autodiff() {
                let (y, _) = block.forward(x.clone(), Some(mask()), weights);
                return vec![("output", y.reshape([-1]))];
            }
            let x = x.clone().require_grad();
            let (y, _) = block.forward(x.clone(), Some(mask()), weights);
            let grads = (y.clone() * upstream.clone()).sum().backward();
            let grad = |name, tensor: Tensor<2>| (name, tensor.grad(&grads).expect("tracked").reshape([-1]));
            let attention = &block.self_attn;
            vec![
                ("output", y.detach().reshape([-1])),
                ("d input", x.grad(&grads).expect("tracked").reshape([-1])),
                grad("d query weight", attention.query.weight.val()),
                grad("d key weight", attention.key.weight.val()),
                grad("d value weight", attention.value.weight.val()),
                grad("d output weight", attention.output.weight.val()),
                ("d norm1 gamma", block.norm1.gamma.val().grad(&grads).expect("tracked")),
            ]
        };
        let explicit = run(&memory_efficient, Weights::Return);
        for (path, block) in [("MemoryEfficient", &memory_efficient), ("Fused", &fused)] {
            let fast = run(block, Weights::Skip);
            assert_eq!(fast.len(), explicit.len());
            for ((name, a), (_, e)) in fast.into_iter().zip(explicit.clone()) {
                assert_relative(a, e, &format!("{}: FastPath::{path}, {name}", configuration(&device)));
            }
        }
    }
}

/// [`tanh`], [`sigmoid`] and [`layer_norm`] against Burn's `Tensor::tanh`, `sigmoid` and
/// `LayerNorm::forward`, values and gradients, on an autodiff device.
#[test]
fn tanh_sigmoid_and_layer_norm_equal_burns_forward_and_backward() {
    let device = test_device().autodiff();
    let what = |name: &str| format!("{}: {name}", configuration(&device));
    let x = Tensor::<3>::random([3, 5, 7], Distribution::Normal(0.0, 3.0), &device);
    let upstream = random([3, 5, 7], &device);
    // The value and the input's gradient of `f`.
    let run = |f: Unary| {
        let x = x.clone().require_grad();
        let y = f(x.clone());
        let grads = (y.clone() * upstream.clone()).sum().backward();
        [y.detach(), x.grad(&grads).expect("tracked")]
    };
    let pairs: [(&str, Unary, Unary); 2] = [
        ("tanh", tanh, |x| x.tanh()),
        ("sigmoid", sigmoid, burn::tensor::activation::sigmoid),
    ];
    for (name, ours, burns) in pairs {
        for (part, (a, e)) in ["value", "gradient"].iter().zip(run(ours).into_iter().zip(run(burns))) {
            assert_relative(a, e, &what(&format!("{name} {part}")));
        }
    }

    let mut norm = LayerNormConfig::new(7).init(&device);
    norm.gamma = Param::from_tensor(random([7], &device));
    norm.beta = Some(Param::from_tensor(random([7], &device)));
    let run = |ours: bool| {
        let x = x.clone().require_grad();
        let y = if ours {
            layer_norm(&norm, 1e-5, x.clone())
        } else {
            norm.forward(x.clone())
        };
        let grads = (y.clone() * upstream.clone()).sum().backward();
        let beta = norm.beta.as_ref().expect("a bias");
        [
            y.detach().reshape([-1]),
            x.grad(&grads).expect("tracked").reshape([-1]),
            norm.gamma.val().grad(&grads).expect("tracked"),
            beta.val().grad(&grads).expect("tracked"),
        ]
    };
    for (name, (a, e)) in ["value", "d input", "d gamma", "d beta"]
        .iter()
        .zip(run(true).into_iter().zip(run(false)))
    {
        assert_relative(a, e, &what(&format!("layer_norm {name}")));
    }
}
