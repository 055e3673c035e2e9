//! Scaled dot-product attention over heads, three ways that compute the same
//! function (Vaswani et al. 2017, eq. 1):
//!
//! ```text
//! Attention(Q, K, V) = softmax(scale * Q K^T) V,   scale = 1/sqrt(d_head) by default
//! ```
//!
//! - [`explicit`] builds the `[batch, n_heads, tgt_len, src_len]` weights and
//!   returns them: the path for looking at attention, for dropout on the
//!   weights, and the reference.
//! - [`fused`] runs the workspace's CPU kernel on flex when this crate's
//!   `flex` feature is on, and otherwise calls `burn::tensor::module::attention`,
//!   which a backend may implement without materialising the weights (flex
//!   and wgpu do); it returns the context only. Under autodiff Burn
//!   decomposes that call, and the backward pass keeps the weights.
//! - [`memory_efficient`] walks over blocks of queries and keys with an
//!   online softmax and recomputes the blocks in its own backward pass
//!   (FlashAttention-2's algorithm, Dao 2023): no weights kept, so training
//!   memory grows linearly with the length, not with its square. On a
//!   backend this build has no extension for, it is [`explicit`] instead.
//!
//! Tests hold the three equal, values and gradients.
//!
//! Both take fewer key/value heads than query heads (grouped-query attention,
//! Ainslie et al. 2023; multi-query with one key/value head, Shazeer 2019):
//! query head `h` reads key/value head `h / (n_heads / n_kv_heads)`, PyTorch's
//! `enable_gqa` layout.

use burn::prelude::*;
use burn::tensor::Bool;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

use crate::error::{Axis, assert_shape};
use crate::normalize::masked_softmax;

/// Checks the shapes shared by both paths; returns `[batch, n_heads, tgt_len,
/// n_kv_heads, src_len]`.
fn check(
    context: &str,
    query: &Tensor<4>,
    key: &Tensor<4>,
    value: &Tensor<4>,
    mask: Option<&Tensor<4, Bool>>,
) -> [usize; 5] {
    let [batch, n_heads, tgt_len, d_head] = query.dims();
    assert_shape(
        context,
        "key",
        &key.dims(),
        &[
            Axis::Is("batch", batch),
            Axis::Any("n_kv_heads"),
            Axis::Any("src_len"),
            Axis::Is("d_head", d_head),
        ],
    );
    let [_, n_kv_heads, src_len, _] = key.dims();
    assert!(
        n_kv_heads > 0 && n_heads.is_multiple_of(n_kv_heads),
        "{context}: `key` has {n_kv_heads} heads, which must divide the query's n_heads={n_heads}"
    );
    assert_shape(
        context,
        "value",
        &value.dims(),
        &[
            Axis::Is("batch", batch),
            Axis::Is("n_kv_heads", n_kv_heads),
            Axis::Is("src_len", src_len),
            Axis::Any("d_value"),
        ],
    );
    if let Some(mask) = mask {
        assert_shape(
            context,
            "mask",
            &mask.dims(),
            &[
                Axis::Is("batch", batch),
                Axis::Is("n_heads", n_heads),
                Axis::Is("tgt_len", tgt_len),
                Axis::Is("src_len", src_len),
            ],
        );
    }
    [batch, n_heads, tgt_len, n_kv_heads, src_len]
}

/// Weights and context, materialising the weights.
///
/// # Shapes
///
/// - `query`: `[batch, n_heads, tgt_len, d_head]`
/// - `key`: `[batch, n_kv_heads, src_len, d_head]`
/// - `value`: `[batch, n_kv_heads, src_len, d_value]`
/// - `mask`: `[batch, n_heads, tgt_len, src_len]`, `true` = masked out
/// - returns (`context` `[batch, n_heads, tgt_len, d_value]`,
///   `weights` `[batch, n_heads, tgt_len, src_len]`)
///
/// `dropout` is applied to the weights after the softmax and before they
/// multiply the values (as in PyTorch and Burn), so under dropout the
/// *returned* weights are the dropped ones and their rows no longer sum to one.
///
/// # Panics
///
/// If the shapes disagree.
pub fn explicit(
    query: Tensor<4>,
    key: Tensor<4>,
    value: Tensor<4>,
    mask: Option<Tensor<4, Bool>>,
    scale: f64,
    dropout: impl FnOnce(Tensor<4>) -> Tensor<4>,
) -> (Tensor<4>, Tensor<4>) {
    let [batch, n_heads, tgt_len, n_kv_heads, src_len] = check("sdpa::explicit", &query, &key, &value, mask.as_ref());
    let [_, _, _, d_head] = query.dims();
    let [_, _, _, d_value] = value.dims();
    let group = n_heads / n_kv_heads;
    // Query heads that share a key/value head are stacked along the query
    // axis, so grouped attention needs no copy of the keys and values.
    let query = query.reshape([batch, n_kv_heads, group * tgt_len, d_head]);
    let scores = query.matmul(key.swap_dims(2, 3)).mul_scalar(scale); // [batch, n_kv_heads, group * tgt_len, src_len]
    let scores = scores.reshape([batch, n_heads, tgt_len, src_len]);
    let weights = dropout(masked_softmax(scores, mask)); // [batch, n_heads, tgt_len, src_len]
    let grouped = weights.clone().reshape([batch, n_kv_heads, group * tgt_len, src_len]);
    let context = grouped.matmul(value); // [batch, n_kv_heads, group * tgt_len, d_value]
    (context.reshape([batch, n_heads, tgt_len, d_value]), weights)
}

/// The context only, through the backend's fused kernel: on flex with this
/// crate's `flex` feature, the workspace's CPU kernel (the one
/// [`memory_efficient`] runs, with blocks of 256 keys); otherwise, flex
/// without that feature included, `burn::tensor::module::attention`.
///
/// Same shapes and result as [`explicit`] without dropout; `d_value` must
/// equal `d_head`. Rows whose every key is masked give a zero context.
///
/// # Panics
///
/// If the shapes disagree or `d_value != d_head`.
pub fn fused(
    query: Tensor<4>,
    key: Tensor<4>,
    value: Tensor<4>,
    mask: Option<Tensor<4, Bool>>,
    scale: f64,
) -> Tensor<4> {
    let [_, n_heads, ..] = check("sdpa::fused", &query, &key, &value, mask.as_ref());
    let [_, _, _, d_head] = query.dims();
    assert_shape(
        "sdpa::fused",
        "value",
        &value.dims(),
        &[
            Axis::Any("batch"),
            Axis::Any("n_kv_heads"),
            Axis::Any("src_len"),
            Axis::Is("d_head", d_head),
        ],
    );
    if crate::extension::runs_cpu_kernel(&query.device()) {
        return crate::flash::attention(query, key, value, mask, scale, crate::flash::DEFAULT_BLOCK);
    }
    let (key, value) = crate::heads::repeat_kv_heads(key, value, n_heads);
    let options = AttentionModuleOptions {
        scale: Some(scale),
        softcap: None,
        is_causal: false,
    };
    attention(query, key, value, mask, None, options) // [batch, n_heads, tgt_len, d_head]
}

/// The context only, `block` queries by `block` keys at a time, with a
/// backward pass that recomputes each block instead of keeping the weights.
///
/// Same shapes and result as [`explicit`] without dropout (`d_value` may
/// differ from `d_head`); rows whose every key is masked give a zero context
/// and zero gradients.
///
/// It runs as a backend extension, which this crate implements for the
/// backends of its features (`flex`, `wgpu`, `ndarray`); on flex it is the
/// CPU kernel of `src/flash/cpu.rs`. Peak memory, forward and backward,
/// then grows linearly with the length: the largest temporary is one
/// `[batch, n_heads, block, block]` tile (in the CPU kernel, one
/// `[64, block]` tile a thread). On a backend this build has no
/// extension for (Burn's `flex` enabled by a program without this crate's
/// `flex`, say) it does not panic: it computes the same context through
/// [`explicit`], which materialises the weights, so its memory grows with
/// the square of the length.
///
/// # Panics
///
/// If the shapes disagree or `block` is zero.
///
/// # Example
///
/// ```
/// use attention_core::sdpa;
/// use burn::prelude::*;
/// use burn::tensor::Distribution;
/// let device = Device::default();
/// let x = || Tensor::<4>::random([1, 2, 300, 16], Distribution::Normal(0.0, 1.0), &device);
/// let (q, k, v) = (x(), x(), x());
/// let blocked = sdpa::memory_efficient(q.clone(), k.clone(), v.clone(), None, 0.25, 128);
/// let (reference, _) = sdpa::explicit(q, k, v, None, 0.25, |w| w);
/// let gap: f32 = (blocked - reference).abs().max().into_scalar();
/// assert!(gap < 1e-5);
/// ```
pub fn memory_efficient(
    query: Tensor<4>,
    key: Tensor<4>,
    value: Tensor<4>,
    mask: Option<Tensor<4, Bool>>,
    scale: f64,
    block: usize,
) -> Tensor<4> {
    check("sdpa::memory_efficient", &query, &key, &value, mask.as_ref());
    assert!(block > 0, "sdpa::memory_efficient: `block` must be at least 1, got 0");
    if !crate::extension::covers(&query.device()) {
        // A backend this build has no extension for: the same function, keeping the weights.
        return explicit(query, key, value, mask, scale, |w| w).0;
    }
    crate::flash::attention(query, key, value, mask, scale, block) // [batch, n_heads, tgt_len, d_value]
}
