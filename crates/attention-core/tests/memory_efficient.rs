//! Tier 6: the memory-efficient path ([`sdpa::memory_efficient`]) against
//! its naive sibling ([`sdpa::explicit`]): the context and the gradients of
//! the query, key and value, on random inputs drawn fresh, for odd sizes,
//! blocks that do not divide the lengths, masks with fully masked rows,
//! grouped key/value heads and a value width unlike the key width.
//!
//! Tolerance: both sides sum the same f32 products in another order (the
//! online softmax rescales partial sums), so they differ by rounding, a few
//! 1e-7 relative to the largest value here; 1e-5 relative to the largest
//! magnitude of each tensor is the bar and leaves a margin.

mod common;

use attention_core::*;
use burn::prelude::*;
use burn::tensor::{Bool, Distribution};
use common::*;

/// `max |a - b| <= 1e-5 * max |b|`.
#[track_caller]
fn assert_relative<const D: usize>(actual: Tensor<D>, expected: Tensor<D>, what: &str) {
    assert_eq!(actual.dims(), expected.dims(), "{what}: shapes differ");
    let (a, e) = (to_vec(actual), to_vec(expected));
    assert!(a.iter().all(|x| x.is_finite()), "{what}: non-finite values");
    let gap = a.iter().zip(&e).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    let size = e.iter().map(|y| y.abs()).fold(0.0f32, f32::max);
    assert!(
        gap <= 1e-5 * size.max(1e-30),
        "{what}: max gap {gap} against max magnitude {size}"
    );
}

struct Case {
    batch: usize,
    n_heads: usize,
    n_kv_heads: usize,
    tgt_len: usize,
    src_len: usize,
    d_head: usize,
    d_value: usize,
    block: usize,
    masked: bool,
}

/// About a third of the keys masked, and query 1 with every key masked.
fn mask(case: &Case, device: &Device) -> Tensor<4, Bool> {
    let shape = [case.batch, case.n_heads, case.tgt_len, case.src_len];
    let draw = Tensor::<4>::random(shape, Distribution::Uniform(0.0, 1.0), device);
    let row = Tensor::zeros([case.batch, case.n_heads, 1, case.src_len], device);
    draw.slice_assign([0..case.batch, 0..case.n_heads, 1..2, 0..case.src_len], row)
        .lower_elem(0.3)
}

fn check(case: Case) {
    let device = test_device().autodiff();
    let query = random([case.batch, case.n_heads, case.tgt_len, case.d_head], &device);
    let key = random([case.batch, case.n_kv_heads, case.src_len, case.d_head], &device);
    let value = random([case.batch, case.n_kv_heads, case.src_len, case.d_value], &device);
    // A random upstream gradient, so that dO is not uniform.
    let upstream = random([case.batch, case.n_heads, case.tgt_len, case.d_value], &device);
    let mask = case.masked.then(|| mask(&case, &device));
    let scale = 1.0 / (case.d_head as f64).sqrt();
    let run = |memory_efficient: bool| {
        let [q, k, v] = [&query, &key, &value].map(|x| x.clone().require_grad());
        let context = if memory_efficient {
            sdpa::memory_efficient(q.clone(), k.clone(), v.clone(), mask.clone(), scale, case.block)
        } else {
            sdpa::explicit(q.clone(), k.clone(), v.clone(), mask.clone(), scale, |w| w).0
        };
        let grads = (context.clone() * upstream.clone()).sum().backward();
        let grad = |x: &Tensor<4>| x.grad(&grads).expect("tracked");
        [context.detach(), grad(&q), grad(&k), grad(&v)]
    };
    let blocked = run(true);
    let reference = run(false);
    for (name, (b, r)) in ["context", "d query", "d key", "d value"]
        .iter()
        .zip(blocked.into_iter().zip(reference))
    {
        assert_relative(b, r, &format!("block {}: {name}", case.block));
    }
}

#[test]
fn memory_efficient_equals_explicit_values_and_gradients() {
    let base = Case {
        batch: 2,
        n_heads: 3,
        n_kv_heads: 3,
        tgt_len: 37,
        src_len: 53,
        d_head: 8,
        d_value: 12,
        block: 16,
        masked: false,
    };
    check(Case { ..base });
    // A block larger than both lengths: one tile.
    check(Case { block: 64, ..base });
    // Blocks that divide the lengths exactly.
    check(Case {
        tgt_len: 32,
        src_len: 48,
        block: 16,
        ..base
    });
    // Masks, with a fully masked query: zero context, zero gradients, as explicit.
    check(Case { masked: true, ..base });
    // Grouped key/value heads.
    check(Case {
        n_heads: 4,
        n_kv_heads: 2,
        masked: true,
        ..base
    });
}

#[test]
fn memory_efficient_without_autodiff_equals_explicit() {
    let device = test_device();
    let [query, key, value] = [[2, 3, 9, 8], [2, 3, 21, 8], [2, 3, 21, 8]].map(|shape| random(shape, &device));
    let (explicit, _) = sdpa::explicit(query.clone(), key.clone(), value.clone(), None, 0.3, |w| w);
    assert_relative(
        sdpa::memory_efficient(query, key, value, None, 0.3, 4),
        explicit,
        "context",
    );
}

#[test]
fn multi_head_attention_switches_path_with_one_field() {
    let device = test_device();
    let fused = MultiHeadAttentionConfig::new(16, 4).init(&device);
    let mut blocked = fused.clone();
    blocked.fast_path = FastPath::MemoryEfficient { block: 3 };
    let x = random([2, 7, 16], &device);
    let input = || {
        MhaInput::self_attention(x.clone())
            .mask(Mask::causal(7, 7, &device))
            .weights(Weights::Skip)
    };
    assert_relative(
        blocked.forward(input()).context,
        fused.forward(input()).context,
        "context",
    );
    let config = MultiHeadAttentionConfig::new(16, 4).with_fast_path(FastPath::MemoryEfficient { block: 0 });
    let message = config.validate().unwrap_err().to_string();
    assert!(message.contains("fast_path") && message.contains("got 0"), "{message}");
}

#[test]
#[should_panic(expected = "sdpa::memory_efficient: `block` must be at least 1, got 0")]
fn a_zero_block_is_refused() {
    let device = test_device();
    let x = random([1, 1, 4, 8], &device);
    sdpa::memory_efficient(x.clone(), x.clone(), x, None, 1.0, 0);
}
