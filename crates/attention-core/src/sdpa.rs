//! Scaled dot-product attention over heads, two ways that compute the same
//! function (Vaswani et al. 2017, eq. 1):
//!
//! ```text
//! Attention(Q, K, V) = softmax(scale * Q K^T) V,   scale = 1/sqrt(d_head) by default
//! ```
//!
//! - [`explicit`] builds the `[batch, n_heads, tgt_len, src_len]` weights and
//!   returns them: the path for looking at attention, for dropout on the
//!   weights, and the reference.
//! - [`fused`] calls `burn::tensor::module::attention`, which a backend may
//!   implement without materialising the weights (flex and wgpu do); it
//!   returns the context only. A test holds the two equal.
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

/// The context only, through `burn::tensor::module::attention`.
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
    let [batch, n_heads, _, n_kv_heads, src_len] = check("sdpa::fused", &query, &key, &value, mask.as_ref());
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
    let (key, value) = if n_kv_heads == n_heads {
        (key, value)
    } else {
        // Not every backend's kernel takes grouped heads: repeat them.
        let group = n_heads / n_kv_heads;
        let repeat = |t: Tensor<4>| {
            t.unsqueeze_dim::<5>(2)
                .expand([batch, n_kv_heads, group, src_len, d_head])
                .reshape([batch, n_heads, src_len, d_head])
        };
        (repeat(key), repeat(value))
    };
    let options = AttentionModuleOptions {
        scale: Some(scale),
        softcap: None,
        is_causal: false,
    };
    attention(query, key, value, mask, None, options) // [batch, n_heads, tgt_len, d_head]
}
