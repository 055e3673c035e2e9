//! Tier 6: the memory-efficient path ([`sdpa::memory_efficient`]) and the
//! fused one ([`sdpa::fused`]) against their naive sibling
//! ([`sdpa::explicit`]): the context and the gradients of the query, key and
//! value, on random inputs drawn fresh, for odd sizes, blocks that do not
//! divide the lengths, masks with fully masked rows, masks expanded from
//! fewer axes, grouped key/value heads, a value width unlike the key width,
//! and inputs that are transposed views rather than contiguous buffers.
//!
//! On flex both fast paths run the workspace's CPU kernel
//! (`attention-core/src/flash/cpu.rs`): these tests are its twin tests. On
//! other backends they test the tensor-operation version and Burn's kernel.
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
    path: Path,
    layout: Layout,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Path {
    MemoryEfficient,
    /// Needs `d_value == d_head`; ignores `block`.
    Fused,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    /// `[batch, heads, len, width]` buffers.
    Contiguous,
    /// `[batch, len, heads, width]` buffers seen through `swap_dims(1, 2)`, as multi-head
    /// attention hands them over.
    Transposed,
}

/// A random `[batch, heads, len, width]` input, laid out as `layout` says.
fn input([batch, heads, len, width]: [usize; 4], layout: Layout, device: &Device) -> Tensor<4> {
    match layout {
        Layout::Contiguous => random([batch, heads, len, width], device),
        Layout::Transposed => random([batch, len, heads, width], device).swap_dims(1, 2),
    }
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
    let query = input(
        [case.batch, case.n_heads, case.tgt_len, case.d_head],
        case.layout,
        &device,
    );
    let key = input(
        [case.batch, case.n_kv_heads, case.src_len, case.d_head],
        case.layout,
        &device,
    );
    let value = input(
        [case.batch, case.n_kv_heads, case.src_len, case.d_value],
        case.layout,
        &device,
    );
    // A random upstream gradient, so that dO is not uniform.
    let upstream = random([case.batch, case.n_heads, case.tgt_len, case.d_value], &device);
    let mask = case.masked.then(|| mask(&case, &device));
    let scale = 1.0 / (case.d_head as f64).sqrt();
    let run = |path: Option<Path>| {
        let [q, k, v] = [&query, &key, &value].map(|x| x.clone().require_grad());
        let context = match path {
            Some(Path::MemoryEfficient) => {
                sdpa::memory_efficient(q.clone(), k.clone(), v.clone(), mask.clone(), scale, case.block)
            }
            Some(Path::Fused) => sdpa::fused(q.clone(), k.clone(), v.clone(), mask.clone(), scale),
            None => sdpa::explicit(q.clone(), k.clone(), v.clone(), mask.clone(), scale, |w| w).0,
        };
        let grads = (context.clone() * upstream.clone()).sum().backward();
        let grad = |x: &Tensor<4>| x.grad(&grads).expect("tracked");
        [context.detach(), grad(&q), grad(&k), grad(&v)]
    };
    let blocked = run(Some(case.path));
    let reference = run(None);
    for (name, (b, r)) in ["context", "d query", "d key", "d value"]
        .iter()
        .zip(blocked.into_iter().zip(reference))
    {
        let what = format!("{:?} {:?} block {}: {name}", case.path, case.layout, case.block);
        assert_relative(b, r, &what);
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
        path: Path::MemoryEfficient,
        layout: Layout::Contiguous,
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
    // Several query blocks of the CPU kernel (64 queries each) and key blocks of 128, over
    // transposed views; one key/value head for six query heads.
    check(Case {
        n_heads: 6,
        n_kv_heads: 1,
        tgt_len: 150,
        src_len: 301,
        block: 128,
        masked: true,
        layout: Layout::Transposed,
        ..base
    });
    // One query, blocks of one. (Not one key: its softmax is constant, the query's gradient is
    // exactly zero on the explicit path and rounding noise on a blocked one.)
    check(Case {
        tgt_len: 1,
        src_len: 3,
        block: 1,
        ..base
    });
}

#[test]
fn fused_equals_explicit_values_and_gradients() {
    let base = Case {
        batch: 3,
        n_heads: 4,
        n_kv_heads: 4,
        tgt_len: 71,
        src_len: 290,
        d_head: 16,
        d_value: 16,
        block: 0,
        masked: false,
        path: Path::Fused,
        layout: Layout::Contiguous,
    };
    check(Case { ..base });
    check(Case { masked: true, ..base });
    check(Case {
        n_kv_heads: 2,
        masked: true,
        layout: Layout::Transposed,
        ..base
    });
}

/// A padding mask and a causal mask reach the kernel as `[batch, n_heads, tgt_len, src_len]`
/// views expanded from fewer axes (strides of zero), as multi-head attention builds them.
#[test]
fn expanded_masks_equal_explicit() {
    let device = test_device().autodiff();
    let [batch, n_heads, tgt_len, d_head] = [2, 3, 19, 8];
    let [query, key, value] = [0, 1, 2].map(|_| random([batch, n_heads, tgt_len, d_head], &device));
    // The second sequence's last 7 keys are padding.
    let expand = |mask: Mask| {
        mask.expand_to("test", [batch, tgt_len, tgt_len])
            .unsqueeze_dim::<4>(1)
            .expand([batch, n_heads, tgt_len, tgt_len])
    };
    let padding = expand(Mask::padding(&[tgt_len, 12], tgt_len, &device));
    let causal = expand(Mask::causal(tgt_len, tgt_len, &device));
    for mask in [padding, causal] {
        let run = |path: Option<Path>| {
            let [q, k, v] = [&query, &key, &value].map(|x| x.clone().require_grad());
            let m = Some(mask.clone());
            let context = match path {
                Some(Path::MemoryEfficient) => sdpa::memory_efficient(q.clone(), k.clone(), v.clone(), m, 0.3, 8),
                Some(Path::Fused) => sdpa::fused(q.clone(), k.clone(), v.clone(), m, 0.3),
                None => sdpa::explicit(q.clone(), k.clone(), v.clone(), m, 0.3, |w| w).0,
            };
            let grads = context.clone().powi_scalar(2).sum().backward();
            [
                context.detach(),
                q.grad(&grads).unwrap(),
                k.grad(&grads).unwrap(),
                v.grad(&grads).unwrap(),
            ]
        };
        let reference = run(None);
        for path in [Path::MemoryEfficient, Path::Fused] {
            for (name, (a, e)) in ["context", "d query", "d key", "d value"]
                .iter()
                .zip(run(Some(path)).into_iter().zip(reference.clone()))
            {
                assert_relative(a, e, &format!("{path:?}, expanded mask: {name}"));
            }
        }
    }
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
