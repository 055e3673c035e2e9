//! Masks: which keys each query may not look at.
//!
//! **Polarity, used everywhere in this workspace: `true` means masked out**
//! (the query may *not* attend to that key). This is the polarity of Burn's
//! `MhaInput::mask_pad` and of the boolean `attn_mask` / `key_padding_mask` of
//! `torch.nn.MultiheadAttention`; note that it is the opposite of
//! `torch.nn.functional.scaled_dot_product_attention`'s boolean mask.
//!
//! A [`Mask`] holds a boolean tensor `[batch | 1, tgt_len | 1, src_len]`; axes
//! of size one broadcast, so a padding mask (`[batch, 1, src_len]`) and a
//! causal mask (`[1, tgt_len, src_len]`) combine with [`Mask::or`] into
//! `[batch, tgt_len, src_len]`. A query whose every key is masked gets zero
//! weights and a zero context, never NaN.

use burn::prelude::*;
use burn::tensor::{Bool, TensorData};

use crate::error::{Axis, assert_shape};

/// A boolean attention mask, `true` = masked out. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct Mask {
    /// `[batch | 1, tgt_len | 1, src_len]`.
    tensor: Tensor<3, Bool>,
}

impl Mask {
    /// Wraps a boolean tensor `[batch | 1, tgt_len | 1, src_len]`, `true` =
    /// masked out.
    pub fn new(tensor: Tensor<3, Bool>) -> Self {
        Self { tensor }
    }

    /// A padding mask `[batch, src_len]` (`true` = padding), as Burn's
    /// `mask_pad` and PyTorch's `key_padding_mask` take it.
    pub fn from_padding(padding: Tensor<2, Bool>) -> Self {
        Self::new(padding.unsqueeze_dim(1))
    }

    /// Masks the keys at and after each sequence's length.
    ///
    /// # Panics
    ///
    /// If a length exceeds `src_len`.
    ///
    /// # Example
    ///
    /// ```
    /// # use attention_core::Mask;
    /// # let device = burn::prelude::Device::default();
    /// let mask = Mask::padding(&[3, 1], 3, &device);
    /// let expected = [[[false, false, false]], [[false, true, true]]];
    /// mask.tensor().into_data().assert_eq(&expected.into(), false);
    /// ```
    pub fn padding(lengths: &[usize], src_len: usize, device: &Device) -> Self {
        let mut data = Vec::with_capacity(lengths.len() * src_len);
        for (sequence, &length) in lengths.iter().enumerate() {
            assert!(
                length <= src_len,
                "Mask::padding: `lengths[{sequence}]` is {length}, longer than src_len={src_len}"
            );
            data.extend((0..src_len).map(|position| position >= length));
        }
        let data = TensorData::new(data, [lengths.len(), 1, src_len]);
        Self::new(Tensor::from_data(data, device))
    }

    /// The causal mask: query `i` may look at key `j` only if
    /// `j <= i + (src_len - tgt_len)`.
    ///
    /// Aligned bottom-right, so that when `tgt_len < src_len` (the last
    /// `tgt_len` tokens of a sequence whose first keys are cached) the last
    /// query sees every key. This is the alignment of
    /// `burn::tensor::module::attention`'s `is_causal` and of FlashAttention 2.
    ///
    /// # Example
    ///
    /// ```
    /// # use attention_core::Mask;
    /// # let device = burn::prelude::Device::default();
    /// let mask = Mask::causal(2, 3, &device); // [1, tgt_len, src_len]
    /// let expected = [[[false, false, true], [false, false, false]]];
    /// mask.tensor().into_data().assert_eq(&expected.into(), false);
    /// ```
    pub fn causal(tgt_len: usize, src_len: usize, device: &Device) -> Self {
        let offset = src_len as i64 - tgt_len as i64;
        // tril_mask is false on and below diagonal `offset` (j <= i + offset),
        // true above it: exactly the future keys.
        let mask = Tensor::<2, Bool>::tril_mask([tgt_len, src_len], offset, device);
        Self::new(mask.unsqueeze_dim(0))
    }

    /// The union of two masks: a key is masked out if either masks it.
    ///
    /// # Panics
    ///
    /// If the shapes do not broadcast.
    pub fn or(self, other: Mask) -> Self {
        let [b1, t1, s1] = self.tensor.dims();
        let [b2, t2, s2] = other.tensor.dims();
        let broadcast = |a: usize, b: usize, name: &str| {
            if a == b || b == 1 {
                a
            } else if a == 1 {
                b
            } else {
                panic!(
                    "Mask::or: shapes {:?} and {:?} do not broadcast along {name}",
                    [b1, t1, s1],
                    [b2, t2, s2]
                )
            }
        };
        let shape = [
            broadcast(b1, b2, "batch"),
            broadcast(t1, t2, "tgt_len"),
            broadcast(s1, s2, "src_len"),
        ];
        Self::new(self.tensor.expand(shape).bool_or(other.tensor.expand(shape)))
    }

    /// The mask as given, `[batch | 1, tgt_len | 1, src_len]`.
    pub fn tensor(&self) -> Tensor<3, Bool> {
        self.tensor.clone()
    }

    /// The mask broadcast to `[batch, tgt_len, src_len]`.
    ///
    /// # Panics
    ///
    /// If the mask does not broadcast to that shape; the message names
    /// `context`, the expected and the actual shape.
    pub fn expand_to(&self, context: &str, shape: [usize; 3]) -> Tensor<3, Bool> {
        let [batch, tgt_len, src_len] = shape;
        let dims = self.tensor.dims();
        let ok = |size: usize, want: usize| size == want || size == 1;
        if !(ok(dims[0], batch) && ok(dims[1], tgt_len) && dims[2] == src_len) {
            assert_shape(
                context,
                "mask",
                &dims,
                &[
                    Axis::Is("batch|1", batch),
                    Axis::Is("tgt_len|1", tgt_len),
                    Axis::Is("src_len", src_len),
                ],
            );
        }
        self.tensor.clone().expand(shape)
    }
}
