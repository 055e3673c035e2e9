//! PyTorch parity: weights saved from `torch.nn.GRU` and
//! `torch.nn.TransformerEncoderLayer`, with inputs and outputs, written by
//! `tests/reference/generate_gru.py` and `generate_transformer.py` (numpy,
//! following PyTorch's formulas, as their docstrings state).
//! `tests/reference/check_with_torch.py` compares those files with real
//! PyTorch where it is installed: below 1e-6 with torch 2.15.0 on CPU.
//!
//! Tolerance 1e-5: the bar; the f32 computations here differ from
//! the f64 references by a few ulps of O(1) values.

use attention_core::interop::TorchFile;
use attention_core::{FeedForwardActivation, Mask, NormPlacement, TransformerBlockConfig, Weights};
use burn::prelude::*;
use models::interop::gru_from_torch;
mod common;
use common::*;
use models::recurrent::{Recurrent, RnnState, reverse_within_lengths};

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn gru_matches_pytorch() {
    let device = test_device();
    let file = TorchFile::open(data("torch_gru.safetensors")).unwrap();
    let gru = Recurrent::Gru(gru_from_torch(&file, "gru.", 0, "", 5, 4, &device).unwrap());
    let input = file.tensor("gru.input", [3, 6, 5], &device).unwrap();
    let h0 = file.tensor("gru.h0", [3, 4], &device).unwrap();
    let (output, last) = gru.run(input, &[6, 6, 6], Some(RnnState::Gru(h0)));
    assert_close(output, file.tensor("gru.output", [3, 6, 4], &device).unwrap(), "output");
    assert_close(last.hidden(), file.tensor("gru.h_n", [3, 4], &device).unwrap(), "h_n");
}

#[test]
fn bidirectional_gru_matches_pytorch() {
    let device = test_device();
    let file = TorchFile::open(data("torch_gru.safetensors")).unwrap();
    let forward = Recurrent::Gru(gru_from_torch(&file, "bigru.", 0, "", 5, 4, &device).unwrap());
    let backward = Recurrent::Gru(gru_from_torch(&file, "bigru.", 0, "_reverse", 5, 4, &device).unwrap());
    let input = file.tensor("bigru.input", [3, 6, 5], &device).unwrap();
    let lengths = [6, 6, 6];
    let (forward_out, forward_last) = forward.run(input.clone(), &lengths, None);
    let (reversed, backward_last) = backward.run(reverse_within_lengths(input, &lengths), &lengths, None);
    let output = Tensor::cat(vec![forward_out, reverse_within_lengths(reversed, &lengths)], 2);
    assert_close(
        output,
        file.tensor("bigru.output", [3, 6, 8], &device).unwrap(),
        "output",
    );
    let h_n = Tensor::stack::<3>(vec![forward_last.hidden(), backward_last.hidden()], 0);
    assert_close(h_n, file.tensor("bigru.h_n", [2, 3, 4], &device).unwrap(), "h_n");
}

#[test]
fn transformer_encoder_layer_matches_pytorch() {
    let device = test_device();
    let path = data("torch_transformer.safetensors");
    let file = TorchFile::open(&path).unwrap();
    for (prefix, norm, activation, lengths) in [
        (
            "post_relu.",
            NormPlacement::Post,
            FeedForwardActivation::Relu,
            Some([5, 3, 1]),
        ),
        (
            "pre_gelu.",
            NormPlacement::Pre,
            FeedForwardActivation::Gelu,
            Some([5, 3, 1]),
        ),
        (
            "post_gelu_nomask.",
            NormPlacement::Post,
            FeedForwardActivation::Gelu,
            None,
        ),
    ] {
        let block = TransformerBlockConfig::new(8, 2, 16)
            .with_dropout(0.0)
            .with_norm(norm)
            .with_activation(activation)
            .encoder_from_torch(&path, prefix, &device)
            .unwrap();
        let input = file.tensor(&format!("{prefix}input"), [3, 5, 8], &device).unwrap();
        let mask = lengths.map(|lengths| Mask::padding(&lengths, 5, &device));
        // Every position, padded ones too: the reference computes them with
        // the plain formulas, as this block does.
        let (output, _) = block.forward(input, mask, Weights::Skip);
        assert_close(
            output,
            file.tensor(&format!("{prefix}output"), [3, 5, 8], &device).unwrap(),
            prefix,
        );
    }
}
