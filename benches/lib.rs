//! The workloads of the workspace's benchmarks, shared by the criterion
//! benches (`attention.rs`, `training.rs`) and the memory bench
//! (`memory.rs`). `docs/performance.md` gives the commands and the tables;
//! `torch_peer.py` runs the same workloads in PyTorch under the same names.
//!
//! | workload | what is timed |
//! |---|---|
//! | W1 `w1_attention_forward` | scaled dot-product attention, forward |
//! | W2 `w2_attention_forward_backward` | the same, forward and backward |
//! | W3 `w3_mha_forward`, `w3_mha_forward_backward` | a multi-head attention module, d_model 768, 12 heads |
//! | W4 `w4_rnn_train_step` | one training step of the PyTorch translation tutorial's model size |
//! | W5 `w5_encoder_train_step` | one training step of an encoder-only transformer |
//! | W6 `w6_attention_memory` | peak memory of attention forward and backward |
//!
//! A name is `workload/implementation/shape`, the shape spelled out with its
//! dtype (`b1_h12_s512_d64_f32`), so that criterion's and PyTorch's results
//! pair up by name.

use attention_core::sdpa;

/// The allocator every bench installs, as the programs do: mimalloc, unless the feature
/// `system-allocator` (glibc's malloc) or `jemalloc` is on, to measure the choice.
#[cfg(not(any(feature = "system-allocator", feature = "jemalloc")))]
pub type ProgramAllocator = mimalloc::MiMalloc;
/// See the mimalloc case.
#[cfg(feature = "system-allocator")]
pub type ProgramAllocator = std::alloc::System;
/// See the mimalloc case.
#[cfg(all(feature = "jemalloc", not(feature = "system-allocator")))]
pub type ProgramAllocator = tikv_jemallocator::Jemalloc;

/// The [`ProgramAllocator`] value (each is a unit struct).
#[cfg(not(any(feature = "system-allocator", feature = "jemalloc")))]
pub const PROGRAM_ALLOCATOR: ProgramAllocator = mimalloc::MiMalloc;
/// See the mimalloc case.
#[cfg(feature = "system-allocator")]
pub const PROGRAM_ALLOCATOR: ProgramAllocator = std::alloc::System;
/// See the mimalloc case.
#[cfg(all(feature = "jemalloc", not(feature = "system-allocator")))]
pub const PROGRAM_ALLOCATOR: ProgramAllocator = tikv_jemallocator::Jemalloc;
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

/// The device the benches run on: `BURN_DEVICE` (`flex`, `wgpu`, ...) if
/// set, else Burn's default for the compiled-in backends. Every bench calls
/// it first, so it also sets the allocator up as the programs do
/// ([`trainer::allocator::keep_freed_memory`]).
///
/// # Panics
///
/// If `BURN_DEVICE` names a backend that is not compiled in.
pub fn bench_device() -> Device {
    trainer::allocator::keep_freed_memory();
    trainer::device::select(None).unwrap_or_else(|e| panic!("{e}"))
}

/// Waits for the device to finish: inside every timed region, so that a
/// lazy or asynchronous backend (wgpu) is timed for the work, not the queueing.
///
/// # Panics
///
/// If the device reports a failed operation.
pub fn sync(device: &Device) {
    device.sync().unwrap_or_else(|e| panic!("device failed: {e:?}"));
}

/// The shape of an attention call: `[batch, n_heads, len, d_head]` queries,
/// keys and values, self-attention (as many keys as queries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttentionShape {
    /// Sequences.
    pub batch: usize,
    /// Heads.
    pub n_heads: usize,
    /// Queries, and keys.
    pub len: usize,
    /// Width of one head.
    pub d_head: usize,
}

impl AttentionShape {
    /// The W1/W2 shape: batch 1, 12 heads, width 64.
    pub fn gpt2_head(len: usize) -> Self {
        Self {
            batch: 1,
            n_heads: 12,
            len,
            d_head: 64,
        }
    }

    /// `b1_h12_s512_d64_f32`.
    pub fn name(&self) -> String {
        format!("b{}_h{}_s{}_d{}_f32", self.batch, self.n_heads, self.len, self.d_head)
    }

    /// FlashAttention's count for the forward pass (Dao et al. 2022):
    /// `4 b h n^2 d`, the two matmuls `Q K^T` and `P V`.
    pub fn forward_flops(&self) -> u64 {
        4 * (self.batch * self.n_heads * self.len * self.len * self.d_head) as u64
    }

    /// Forward and backward: the backward counted as 2.5 forwards (five
    /// matmuls instead of two), as FlashAttention's benchmarks do.
    pub fn forward_backward_flops(&self) -> u64 {
        self.forward_flops() * 7 / 2
    }

    /// Seeded normal queries, keys and values on `device`, tracked for
    /// gradients when `device` is an autodiff device.
    pub fn inputs(&self, device: &Device) -> [Tensor<4>; 3] {
        device.seed(0);
        let dims = [self.batch, self.n_heads, self.len, self.d_head];
        [(); 3].map(|_| {
            let x = Tensor::<4>::random(dims, Distribution::Normal(0.0, 1.0), device);
            if device.is_autodiff() { x.require_grad() } else { x }
        })
    }

    /// `1 / sqrt(d_head)`.
    pub fn scale(&self) -> f64 {
        1.0 / (self.d_head as f64).sqrt()
    }
}

/// The ways the workspace computes scaled dot-product attention
/// ([`attention_core::sdpa`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttentionPath {
    /// [`sdpa::explicit`]: builds and returns the weights.
    Explicit,
    /// [`sdpa::fused`]: the workspace's CPU kernel on flex, Burn's `module::attention` on other
    /// backends; no weights.
    Fused,
    /// [`sdpa::memory_efficient`] with blocks of [`MEMORY_EFFICIENT_BLOCK`].
    MemoryEfficient,
    /// The peer inside the framework: Burn's own `module::attention`, called directly (on flex,
    /// Burn's CPU kernel; under autodiff Burn decomposes it into tensor operations).
    BurnFused,
}

/// The block of the memory-efficient path in the benches: queries and keys a
/// tile (a `[12, 256, 256]` f32 tile is 3 MiB).
pub const MEMORY_EFFICIENT_BLOCK: usize = 256;

impl AttentionPath {
    /// Every path, in table order.
    pub const ALL: [AttentionPath; 4] = [
        AttentionPath::Explicit,
        AttentionPath::Fused,
        AttentionPath::MemoryEfficient,
        AttentionPath::BurnFused,
    ];

    /// The implementation part of a bench name.
    pub fn name(self) -> &'static str {
        match self {
            AttentionPath::Explicit => "explicit",
            AttentionPath::Fused => "fused",
            AttentionPath::MemoryEfficient => "memory_efficient",
            AttentionPath::BurnFused => "burn_fused",
        }
    }

    /// The context `[batch, n_heads, len, d_head]`.
    pub fn forward(self, shape: &AttentionShape, [query, key, value]: [Tensor<4>; 3]) -> Tensor<4> {
        match self {
            AttentionPath::Explicit => sdpa::explicit(query, key, value, None, shape.scale(), |w| w).0,
            AttentionPath::Fused => sdpa::fused(query, key, value, None, shape.scale()),
            AttentionPath::MemoryEfficient => {
                sdpa::memory_efficient(query, key, value, None, shape.scale(), MEMORY_EFFICIENT_BLOCK)
            }
            AttentionPath::BurnFused => {
                let options = AttentionModuleOptions {
                    scale: Some(shape.scale()),
                    softcap: None,
                    is_causal: false,
                };
                attention(query, key, value, None, None, options)
            }
        }
    }
}

/// One forward and backward pass: `sum(context * upstream)` is
/// differentiated, so `upstream` is the gradient that reaches the context,
/// as PyTorch's `context.backward(upstream)`. Returns the gradients of the
/// query, key and value.
///
/// # Panics
///
/// If the inputs are not tracked (not on an autodiff device).
pub fn forward_backward(
    path: AttentionPath,
    shape: &AttentionShape,
    inputs: &[Tensor<4>; 3],
    upstream: &Tensor<4>,
) -> [Tensor<4>; 3] {
    let context = path.forward(shape, inputs.clone());
    let grads = (context * upstream.clone()).sum().backward();
    inputs
        .each_ref()
        .map(|x| x.grad(&grads).expect("inputs tracked for gradients"))
}
