//! The key/value cache for incremental decoding.
//!
//! A decoder that emits one token at a time would otherwise project the keys
//! and values of every earlier position again at every step. The cache keeps
//! them, already split into heads; see [`MultiHeadAttention::forward_cached`](crate::MultiHeadAttention::forward_cached).
//! A test holds step-by-step decoding with the cache equal to full
//! recomputation under a causal mask.

use burn::prelude::*;

/// How a [`KvCache`] grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CacheMode {
    /// Self-attention: each call appends its new keys and values.
    Append,
    /// Cross-attention: the memory is projected once and reused.
    Fixed,
}

/// Projected keys and values of earlier decoding steps,
/// `[batch, n_kv_heads, cache_len, d_head]` each.
#[derive(Clone, Debug)]
pub struct KvCache {
    pub(crate) mode: CacheMode,
    pub(crate) key: Option<Tensor<4>>,
    pub(crate) value: Option<Tensor<4>>,
}

impl KvCache {
    /// An empty cache for self-attention: each call appends.
    pub fn self_attention() -> Self {
        Self {
            mode: CacheMode::Append,
            key: None,
            value: None,
        }
    }

    /// An empty cache for cross-attention: filled from the memory on the
    /// first call, reused after.
    pub fn cross_attention() -> Self {
        Self {
            mode: CacheMode::Fixed,
            key: None,
            value: None,
        }
    }

    /// Number of cached key positions.
    pub fn len(&self) -> usize {
        self.key.as_ref().map_or(0, |key| key.dims()[2])
    }

    /// Whether nothing is cached yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps only the given batch rows (beam search reorders hypotheses).
    pub fn select(&mut self, rows: Tensor<1, Int>) {
        self.key = self.key.take().map(|key| key.select(0, rows.clone()));
        self.value = self.value.take().map(|value| value.select(0, rows));
    }
}
