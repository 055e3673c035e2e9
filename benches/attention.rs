//! W1-W3: attention forward, forward and backward, and the multi-head module
//! against Burn's own `burn::nn::attention::MultiHeadAttention`.
//!
//! ```text
//! RAYON_NUM_THREADS=2 cargo bench -p attention-benches --bench attention
//! ```
//!
//! See `docs/performance.md` for the tables and `torch_peer.py` for PyTorch.

use attention_benches::MEMORY_EFFICIENT_BLOCK;
use attention_benches::{AttentionPath, AttentionShape, bench_device, forward_backward, sync};
use attention_core::{FastPath, MhaInput, MultiHeadAttentionConfig, Weights};
use burn::nn::attention::{MhaInput as BurnMhaInput, MultiHeadAttentionConfig as BurnMhaConfig};
use burn::prelude::*;
use burn::tensor::Distribution;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;

#[global_allocator]
static ALLOCATOR: attention_benches::ProgramAllocator = attention_benches::PROGRAM_ALLOCATOR;

const W1_W2_LENGTHS: [usize; 3] = [128, 512, 2048];

/// Fewer samples for the long sequences, so a run takes minutes, not hours.
fn samples(len: usize) -> usize {
    if len >= 2048 { 10 } else { 20 }
}

fn w1_attention_forward(c: &mut Criterion) {
    let device = bench_device();
    let mut group = c.benchmark_group("w1_attention_forward");
    for len in W1_W2_LENGTHS {
        let shape = AttentionShape::gpt2_head(len);
        let inputs = shape.inputs(&device);
        group.sample_size(samples(len));
        group.throughput(Throughput::Elements(shape.forward_flops()));
        for path in AttentionPath::ALL {
            group.bench_function(BenchmarkId::new(path.name(), shape.name()), |b| {
                b.iter(|| {
                    let context = path.forward(&shape, inputs.clone());
                    sync(&device);
                    context
                })
            });
        }
    }
    group.finish();
}

fn w2_attention_forward_backward(c: &mut Criterion) {
    let device = bench_device().autodiff();
    let mut group = c.benchmark_group("w2_attention_forward_backward");
    for len in W1_W2_LENGTHS {
        let shape = AttentionShape::gpt2_head(len);
        let inputs = shape.inputs(&device);
        let upstream = inputs[0].clone().detach().random_like(Distribution::Normal(0.0, 1.0));
        group.sample_size(samples(len));
        group.throughput(Throughput::Elements(shape.forward_backward_flops()));
        for path in AttentionPath::ALL {
            group.bench_function(BenchmarkId::new(path.name(), shape.name()), |b| {
                b.iter(|| {
                    let grads = forward_backward(path, &shape, &inputs, &upstream);
                    sync(&device);
                    grads
                })
            });
        }
    }
    group.finish();
}

const D_MODEL: usize = 768;
const N_HEADS: usize = 12;
const MHA_BATCH: usize = 4;

/// Projections `4 * 2 b n d_model^2` plus attention `4 b h n^2 d_head`.
fn mha_forward_flops(len: usize) -> u64 {
    let projections = 8 * MHA_BATCH * len * D_MODEL * D_MODEL;
    let attention = 4 * MHA_BATCH * len * len * D_MODEL;
    (projections + attention) as u64
}

/// The backward doubles the projections' work (input and weight gradients)
/// and is 2.5 times the attention's forward.
fn mha_forward_backward_flops(len: usize) -> u64 {
    let projections = 3 * 8 * MHA_BATCH * len * D_MODEL * D_MODEL;
    let attention = 14 * MHA_BATCH * len * len * D_MODEL;
    (projections + attention) as u64
}

/// The project's module on its two weights-free paths, the project's module
/// returning the weights, and Burn's module (which always returns them).
fn w3_mha(c: &mut Criterion) {
    for autodiff in [false, true] {
        let device = if autodiff {
            bench_device().autodiff()
        } else {
            bench_device()
        };
        let group_name = if autodiff {
            "w3_mha_forward_backward"
        } else {
            "w3_mha_forward"
        };
        let mut group = c.benchmark_group(group_name);
        device.seed(0);
        let ours = MultiHeadAttentionConfig::new(D_MODEL, N_HEADS)
            .with_dropout(0.0)
            .init(&device);
        let mut ours_memory_efficient = ours.clone();
        ours_memory_efficient.fast_path = FastPath::MemoryEfficient {
            block: MEMORY_EFFICIENT_BLOCK,
        };
        let burns = BurnMhaConfig::new(D_MODEL, N_HEADS).with_dropout(0.0).init(&device);
        for len in [128, 512] {
            let shape = format!("b{MHA_BATCH}_s{len}_d{D_MODEL}_h{N_HEADS}_f32");
            let x = Tensor::<3>::random([MHA_BATCH, len, D_MODEL], Distribution::Normal(0.0, 1.0), &device);
            let x = if autodiff { x.require_grad() } else { x };
            let upstream = x.clone().detach().random_like(Distribution::Normal(0.0, 1.0));
            group.sample_size(20);
            let flops = if autodiff {
                mha_forward_backward_flops(len)
            } else {
                mha_forward_flops(len)
            };
            group.throughput(Throughput::Elements(flops));
            // Forward only, or forward and backward of `sum(out * upstream)`.
            let finish = |out: Tensor<3>| {
                if autodiff {
                    let grads = (out * upstream.clone()).sum().backward();
                    drop(x.grad(&grads));
                } else {
                    drop(out);
                }
                sync(&device);
            };
            for (name, weights) in [("ours_fused", Weights::Skip), ("ours_weights", Weights::Return)] {
                group.bench_function(BenchmarkId::new(name, &shape), |b| {
                    b.iter(|| {
                        finish(
                            ours.forward(MhaInput::self_attention(x.clone()).weights(weights))
                                .context,
                        )
                    })
                });
            }
            group.bench_function(BenchmarkId::new("ours_memory_efficient", &shape), |b| {
                b.iter(|| {
                    finish(
                        ours_memory_efficient
                            .forward(MhaInput::self_attention(x.clone()).weights(Weights::Skip))
                            .context,
                    )
                })
            });
            group.bench_function(BenchmarkId::new("burn_nn", &shape), |b| {
                b.iter(|| finish(burns.forward(BurnMhaInput::self_attn(x.clone())).context))
            });
        }
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! {
    name = benches;
    config = config();
    targets = w1_attention_forward, w2_attention_forward_backward, w3_mha
}
criterion_main!(benches);
