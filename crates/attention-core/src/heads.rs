//! Grouped-query attention's key and value heads, for the paths whose kernels take one key/value
//! head per query head: below both the public API ([`crate::sdpa`]) and the kernel
//! ([`crate::flash`]), which both call it.

use burn::prelude::*;

/// Key and value heads repeated up to `n_heads` (grouped-query attention for
/// the paths whose kernels take one key/value head per query head).
pub(crate) fn repeat_kv_heads(key: Tensor<4>, value: Tensor<4>, n_heads: usize) -> (Tensor<4>, Tensor<4>) {
    let [batch, n_kv_heads, src_len, _] = key.dims();
    if n_kv_heads == n_heads {
        return (key, value);
    }
    let group = n_heads / n_kv_heads;
    let repeat = |t: Tensor<4>| {
        let [_, _, _, width] = t.dims();
        t.unsqueeze_dim::<5>(2)
            .expand([batch, n_kv_heads, group, src_len, width])
            .reshape([batch, n_heads, src_len, width]) // [batch, n_heads, src_len, width]
    };
    (repeat(key), repeat(value))
}
