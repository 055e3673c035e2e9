//! The weight matrix of every attention variant on one small input: the
//! source "I love you" and three decoder states, as in the article's
//! translator.

use attention_core::*;
use burn::prelude::*;
use burn::tensor::TensorData;
use std::fmt::Write;

/// Source words, across.
pub const SOURCE: [&str; 3] = ["I", "love", "you"];
/// Output words, down.
pub const TARGET: [&str; 3] = ["je", "t'", "aime"];

/// Encoder states `H`, `[1, 3, 4]`: one 4-wide state per source word, made by
/// hand so that "je" resembles "I", "t'" resembles "you" and "aime"
/// resembles "love".
fn encoder_states(device: &Device) -> Tensor<3> {
    let h = [[1.0, 0.2, 0.0, 0.1], [0.0, 0.1, 1.0, 0.3], [0.1, 1.0, 0.2, 0.0]];
    Tensor::from_data(TensorData::new(h.concat(), [1, 3, 4]), device)
}

/// Decoder states `s`, `[1, 3, 4]`, one per output word.
fn decoder_states(device: &Device) -> Tensor<3> {
    let s = [[0.9, 0.1, 0.1, 0.0], [0.2, 0.8, 0.1, 0.1], [0.1, 0.2, 0.9, 0.2]];
    Tensor::from_data(TensorData::new(s.concat(), [1, 3, 4]), device)
}

/// Renders a `[tgt_len, src_len]` weight matrix with words on both axes and
/// two decimals, as the article prints it.
pub fn render(title: &str, rows: &[&str], columns: &[&str], weights: &[f32]) -> String {
    let mut out = format!("{title}\n{:>8}", "");
    for column in columns {
        let _ = write!(out, "{column:>8}");
    }
    out.push('\n');
    for (row, values) in rows.iter().zip(weights.chunks(columns.len())) {
        let _ = write!(out, "{row:>8}");
        for value in values {
            let _ = write!(out, "{value:>8.2}");
        }
        out.push('\n');
    }
    out
}

fn weights_of(weights: Tensor<3>) -> Vec<f32> {
    weights
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 weights")
}

/// Every variant's weight matrix, one after the other. The learned variants
/// are initialised from `seed`, so their weights are untrained: the point is
/// the shape of the computation, not the alignment.
pub fn report(device: &Device, seed: u64) -> String {
    device.seed(seed);
    let h = encoder_states(device);
    let s = decoder_states(device);
    let d = 4;
    let mut out = String::new();
    let mut show = |title: &str, rows: &[&str], weights: Tensor<3>| {
        out.push_str(&render(title, rows, &SOURCE, &weights_of(weights)));
        out.push('\n');
    };

    let scores = [
        (
            "encoder-decoder dot (Luong dot): w = softmax(H^T s)",
            ScoreConfig::dot(),
        ),
        (
            "scaled dot (Vaswani): w = softmax(H^T s / sqrt(d))",
            ScoreConfig::scaled_dot(),
        ),
        (
            "general (Luong): w = softmax(s^T W_a H)",
            ScoreConfig::General(GeneralScoreConfig::new(d, d)),
        ),
        (
            "concat (Luong): e_j = v^T tanh(W [s; h_j])",
            ScoreConfig::Concat(ConcatScoreConfig::new(d, d, 8)),
        ),
        (
            "additive (Bahdanau): e_j = v^T tanh(W s + U h_j)",
            ScoreConfig::Additive(AdditiveScoreConfig::new(d, d, 8)),
        ),
    ];
    for (title, score) in scores {
        let unit = AttentionUnitConfig::new(score).init(device);
        show(
            title,
            &TARGET,
            unit.forward(AttentionInput::cross_attention(s.clone(), h.clone()))
                .weights,
        );
    }

    let dot = AttentionUnitConfig::new(ScoreConfig::dot());
    for (title, normalizer) in [
        (
            "hard attention (one-hot argmax) on the dot scores",
            Normalizer::Hard {
                gradient: HardGradient::StraightThrough,
            },
        ),
        ("sparsemax on the dot scores x 2", Normalizer::Sparsemax),
        (
            "softmax at temperature 0.25 on the dot scores",
            Normalizer::Softmax { temperature: 0.25 },
        ),
    ] {
        let unit = dot.clone().with_normalizer(normalizer).init(device);
        let query = if normalizer == Normalizer::Sparsemax {
            s.clone().mul_scalar(2.0)
        } else {
            s.clone()
        };
        show(
            title,
            &TARGET,
            unit.forward(AttentionInput::cross_attention(query, h.clone())).weights,
        );
    }

    let unit = dot.init(device);
    show(
        "encoder-only dot (self-attention): w_ij = x_i . x_j",
        &SOURCE,
        unit.forward(AttentionInput::self_attention(h.clone())).weights,
    );

    let qkv = MultiHeadAttentionConfig::new(d, 1).init(device);
    let cross = qkv.forward(MhaInput::cross_attention(s.clone(), h.clone()));
    show(
        "encoder-decoder QKV (one head, learned W_Q, W_K, W_V)",
        &TARGET,
        cross.weights_averaged().expect("weights"),
    );
    let own = qkv.forward(MhaInput::self_attention(h.clone()));
    show(
        "encoder-only QKV (self-attention with learned projections)",
        &SOURCE,
        own.weights_averaged().expect("weights"),
    );

    let mha = MultiHeadAttentionConfig::new(d, 2).init(device);
    let causal = mha.forward(MhaInput::self_attention(h.clone()).mask(Mask::causal(3, 3, device)));
    let weights = causal.weights.expect("weights"); // [1, 2, 3, 3]
    for head in 0..2 {
        let title = format!("causal multi-head self-attention, head {head} of 2");
        show(&title, &SOURCE, weights.clone().narrow(1, head, 1).squeeze_dim(1));
    }

    // The tutorial's FC attention: weights from [embedded input; hidden state].
    let fc = AttentionUnitConfig::new(ScoreConfig::Fc(FcScoreConfig::new(2 * d, 10))).init(device);
    let embedded = s.clone().mul_scalar(0.5); // stands in for the decoder input's embedding
    let query = Tensor::cat(vec![embedded, s], 2);
    show(
        "PyTorch tutorial FC (Luong location): w = softmax(W [embedded; hidden])[..3]",
        &TARGET,
        fc.forward(AttentionInput::cross_attention(query, h)).weights,
    );
    out
}
