//! W4-W5: one training step (forward, loss, backward, Adam) of the two kinds
//! of model the workspace trains, in target tokens a second.
//!
//! ```text
//! RAYON_NUM_THREADS=2 cargo bench -p attention-benches --bench training
//! ```
//!
//! See `docs/performance.md` for the tables and `torch_peer.py` for PyTorch.

use attention_benches::{bench_device, sync};
use attention_core::{FeedForwardActivation, PositionKind, Weights};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::{Distribution, Int};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use models::{
    CellKind, DecoderAttention, Direction, EncoderTransformerConfig, Pooling, RnnSeq2SeqConfig, TeacherForcing,
};
use std::time::Duration;

#[global_allocator]
static ALLOCATOR: attention_benches::ProgramAllocator = attention_benches::PROGRAM_ALLOCATOR;

const LEARNING_RATE: f64 = 1e-3;

/// Token ids in `[4, vocab)`: clear of padding and the special tokens.
fn tokens(batch: usize, len: usize, vocab: usize, device: &Device) -> Tensor<2, Int> {
    Tensor::<2>::random([batch, len], Distribution::Uniform(4.0, vocab as f64), device).int()
}

/// The PyTorch translation tutorial's sizes ("NLP From Scratch: Translation
/// with a Sequence to Sequence Network and Attention"): GRU encoder and
/// decoder of width 128, Bahdanau attention, source and target vocabularies
/// of 4,601 and 2,991 words (rounded here to 4,600 and 3,000), batch 32,
/// sentences of 10 words, teacher forcing.
fn w4_rnn_train_step(c: &mut Criterion) {
    let (batch, len, src_vocab, tgt_vocab, d) = (32, 10, 4600, 3000, 128);
    let device = bench_device().autodiff();
    device.seed(0);
    let model = RnnSeq2SeqConfig::new(src_vocab, tgt_vocab)
        .with_d_embed(d)
        .with_d_hidden(d)
        .with_cell(CellKind::Gru)
        .with_direction(Direction::Forward)
        .with_attention(DecoderAttention::Bahdanau)
        .with_max_len(len)
        .init(&device);
    let source = tokens(batch, len, src_vocab, &device);
    let target = tokens(batch, len + 1, tgt_vocab, &device);
    let target_input = target.clone().narrow(1, 0, len);
    let target_output = target.narrow(1, 1, len);
    let lengths = vec![len; batch];
    let mut optimizer = AdamConfig::new().init();
    let mut model = Some(model);
    let mut group = c.benchmark_group("w4_rnn_train_step");
    group.sample_size(20);
    group.throughput(Throughput::Elements((batch * len) as u64));
    let name = format!("b{batch}_len{len}_h{d}_v{src_vocab}x{tgt_vocab}_f32");
    group.bench_function(BenchmarkId::new("ours_bahdanau_gru", name), |b| {
        b.iter(|| {
            let current = model.take().expect("the model is put back after every step");
            let out = current.forward(source.clone(), &lengths, target_input.clone(), TeacherForcing::Always);
            let loss = current.loss(out.logits, target_output.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &current);
            model = Some(optimizer.step(LEARNING_RATE, current, grads));
            sync(&device);
        })
    });
    group.finish();
}

/// An encoder-only transformer classifying sequences: width 256, 4 heads, 3
/// pre-norm layers, ReLU feed-forward of 1,024, learned positions, mean
/// pooling, 10 classes; batch 32 of 32 tokens from a vocabulary of 1,000.
fn w5_encoder_train_step(c: &mut Criterion) {
    let (batch, len, vocab, classes) = (32, 32, 1000, 10);
    let device = bench_device().autodiff();
    device.seed(0);
    let model = EncoderTransformerConfig::new(vocab)
        .with_d_model(256)
        .with_n_heads(4)
        .with_n_layers(3)
        .with_d_ff(1024)
        .with_max_len(len)
        .with_positions(PositionKind::Learned)
        .with_activation(FeedForwardActivation::Relu)
        .with_pooling(Pooling::Mean)
        .with_dropout(0.0)
        .with_n_classes(Some(classes))
        .init(&device);
    let input = tokens(batch, len, vocab, &device);
    let labels = Tensor::<1>::random([batch], Distribution::Uniform(0.0, classes as f64), &device).int();
    let lengths = vec![len; batch];
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let mut optimizer = AdamConfig::new().init();
    let mut model = Some(model);
    let mut group = c.benchmark_group("w5_encoder_train_step");
    group.sample_size(20);
    group.throughput(Throughput::Elements((batch * len) as u64));
    group.bench_function(BenchmarkId::new("ours", "b32_s32_d256_h4_l3_ff1024_f32"), |b| {
        b.iter(|| {
            let current = model.take().expect("the model is put back after every step");
            let out = current.forward(input.clone(), &lengths, Weights::Skip);
            let logits = out.class_logits.expect("the model has a class head");
            let loss = loss_fn.forward(logits, labels.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &current);
            model = Some(optimizer.step(LEARNING_RATE, current, grads));
            sync(&device);
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6))
}

criterion_group! {
    name = benches;
    config = config();
    targets = w4_rnn_train_step, w5_encoder_train_step
}
criterion_main!(benches);
