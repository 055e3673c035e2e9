//! Weights from PyTorch: `torch.nn.GRU` layers, from SafeTensors files of
//! their `state_dict`. (Multi-head attention and `TransformerEncoderLayer`
//! are read by `attention_core`: `MultiHeadAttentionConfig::init_from_torch`,
//! `TransformerBlockConfig::encoder_from_torch`.)
//!
//! PyTorch stacks a GRU's three gates in the order (r, z, n):
//! `weight_ih_l{k}` is `[3 d_hidden, d_input]`, `weight_hh_l{k}` is
//! `[3 d_hidden, d_hidden]`, and the biases `[3 d_hidden]`; the reverse
//! direction of a bidirectional layer has the suffix `_reverse`. Burn's `Gru`
//! with `reset_after` (its default) computes PyTorch's
//! `n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`, so the blocks map one to
//! one onto its `reset_gate`, `update_gate` and `new_gate`.

use attention_core::AttentionError;
use attention_core::interop::{TorchFile, linear_from_torch};
use burn::nn::{Gru, GruConfig};
use burn::prelude::*;

/// The GRU stored under `prefix` for layer `layer` (`suffix` is `""`, or
/// `"_reverse"` for the reverse direction), e.g. `gru_from_torch(&file,
/// "encoder.rnn.", 0, "", 5, 4, &device)` reads `encoder.rnn.weight_ih_l0`...
///
/// # Errors
///
/// If a tensor is missing or has a shape other than the widths imply.
pub fn gru_from_torch(
    file: &TorchFile,
    prefix: &str,
    layer: usize,
    suffix: &str,
    d_input: usize,
    d_hidden: usize,
    device: &Device,
) -> Result<Gru, AttentionError> {
    let name = |kind: &str| format!("{prefix}{kind}_l{layer}{suffix}");
    let w_ih = file.tensor(&name("weight_ih"), [3 * d_hidden, d_input], device)?;
    let w_hh = file.tensor(&name("weight_hh"), [3 * d_hidden, d_hidden], device)?;
    let bias = |kind: &str| -> Result<Option<Tensor<1>>, AttentionError> {
        let name = name(kind);
        file.contains(&name)
            .then(|| file.tensor(&name, [3 * d_hidden], device))
            .transpose()
    };
    let (b_ih, b_hh) = (bias("bias_ih")?, bias("bias_hh")?);
    let block2 = |t: &Tensor<2>, gate: usize| t.clone().narrow(0, gate * d_hidden, d_hidden);
    let block1 =
        |t: &Option<Tensor<1>>, gate: usize| t.as_ref().map(|t| t.clone().narrow(0, gate * d_hidden, d_hidden));
    let mut gru = GruConfig::new(d_input, d_hidden, b_ih.is_some()).init(device);
    for (gate, controller) in [
        (0, &mut gru.reset_gate),
        (1, &mut gru.update_gate),
        (2, &mut gru.new_gate),
    ] {
        controller.input_transform = linear_from_torch(block2(&w_ih, gate), block1(&b_ih, gate));
        controller.hidden_transform = linear_from_torch(block2(&w_hh, gate), block1(&b_hh, gate));
    }
    Ok(gru)
}
