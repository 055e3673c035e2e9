//! Memory-efficient attention: FlashAttention-2's algorithm (Dao 2023; Dao
//! et al. 2022 for the tiling and the recomputation), written with Burn's
//! tensor operations, with a backward pass of its own.
//!
//! ```text
//! forward, per block of queries:  for each block of keys j:
//!     S = scale Q K_j^T          m' = max(m, rowmax S)        P = exp(S - m')
//!     l = l exp(m - m') + rowsum P        acc = acc exp(m - m') + P V_j
//! O = acc / l,   L = m + ln l   (saved: Q, K, V, O, L; never S or P)
//! backward, per block of keys j and block of queries i:
//!     P = exp(scale Q_i K_j^T - L_i)      dV_j += P^T dO_i      dP = dO_i V_j^T
//!     dS = P (dP - D_i),  D = rowsum(dO O)      dQ_i += scale dS K_j      dK_j += scale dS^T Q_i
//! ```
//!
//! Why: under autodiff, the plain composition `softmax(scale Q K^T) V` (and
//! Burn's `module::attention`, which autodiff decomposes) keeps the
//! `[batch, n_heads, tgt_len, src_len]` weights for the backward pass, so
//! training memory grows with the square of the length. Here nothing larger
//! than one `[batch, n_heads, block, block]` tile is alive at a time, and the
//! backward recomputes the tiles from `L`: memory grows linearly with the
//! length, for about a sixth more arithmetic (one more `Q K^T`).
//!
//! How it reaches every backend: [`FlashAttentionOps`] is a Burn backend
//! extension. Burn's `#[backend_extension]` routes a call to the backend the
//! tensors live on (flex, ndarray or a CubeCL runtime such as wgpu, when this
//! crate's feature of that name is on) or, on an autodiff device, to
//! `Autodiff<B>`, whose implementation here registers the backward step. Each
//! backend says how it computes both passes through [`FlashKernel`]:
//! - flex runs the CPU kernel in [`cpu`]: the same algorithm on raw f32
//!   buffers, with `gemm` products and vectorised row operations, many times
//!   faster than the same steps as tensor operations;
//! - every other backend (and flex for a dtype other than f32) runs
//!   [`forward_tiles`] and [`backward_tiles`], the algorithm written with
//!   ordinary tensor operations.
//!
//! A backend compiled into Burn without this crate's feature of that name has
//! no implementation; [`crate::sdpa`] asks [`crate::extension::covers`] first
//! and computes the same function there with Burn's operations instead.
//!
//! [`crate::sdpa::memory_efficient`] is the entry point, with the shapes
//! checked; `docs/performance.md` has the measurements.

// Built with no backend feature (the library alone), the generated dispatch
// reads no argument and no backend implementation is made.
#![cfg_attr(
    not(any(feature = "flex", feature = "ndarray", feature = "wgpu")),
    allow(unused_variables, unused_macros, dead_code)
)]

#[cfg(feature = "flex")]
mod cpu;
#[cfg(feature = "flex")]
mod flex;

use burn::backend::{
    Backend, Dispatch, DispatchKindConversion, DispatchTensor, ExtensionType, backend_extension,
    tensor::{BoolTensor, FloatTensor},
};
use burn::tensor::{Bool, Tensor};

/// Score given to masked-out keys: finite, so that a query whose keys are
/// all masked gives no NaN (its context is then set to zero, the workspace's
/// convention). Too large for f16.
const MASKED_SCORE: f32 = -1.0e30;

/// A row whose log-sum-exp is below this had every key masked.
const FULLY_MASKED: f32 = MASKED_SCORE * 0.5;

/// Optional attention mask crossing the dispatch boundary (`true` = masked out).
///
/// `Option<BoolTensor<Self>>` is not accepted as an argument of a `#[backend_extension]` method
/// (only bare tensors and `#[extension_type]` structs/enums are mapped), hence this enum.
#[derive(ExtensionType)]
pub enum AttnMask<B: Backend> {
    /// Bool mask `[batch, heads, n_q, n_k]`, `true` = masked out.
    Mask(BoolTensor<B>),
    /// No mask.
    NoMask,
}

impl<B: Backend> AttnMask<B> {
    fn into_option(self) -> Option<BoolTensor<B>> {
        match self {
            AttnMask::Mask(mask) => Some(mask),
            AttnMask::NoMask => None,
        }
    }
}

/// The backend extension. The cfg conditions are evaluated in *this* crate: each needs a
/// feature of this crate that also enables the backend in `burn` (see Cargo.toml).
#[backend_extension(
    Flex: cfg(feature = "flex"),
    Cube: cfg(feature = "wgpu"),
    NdArray: cfg(feature = "ndarray"),
    Autodiff,
)]
pub trait FlashAttentionOps: Backend {
    /// Attention output `o = softmax(scale · q kᵀ [masked]) v`.
    ///
    /// `q: [b, h, n_q, d]`, `k: [b, h_kv, n_k, d]`, `v: [b, h_kv, n_k, d_v]` → `[b, h, n_q, d_v]`,
    /// where `h_kv` divides `h` and query head `i` reads key/value head `i / (h / h_kv)`.
    fn flash_attention(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        #[extension_type] mask: AttnMask<Self>,
        scale: f64,
        block: usize,
    ) -> FloatTensor<Self>;
}

/// The tiling: the largest temporary is `[batch, n_heads, block, block]` for the tensor
/// operations, one `[QUERY_BLOCK, block]` tile per thread for the CPU kernel.
#[derive(Debug, Clone, Copy)]
pub struct FlashConfig {
    /// Factor on the scores.
    pub scale: f64,
    /// Keys a tile (and queries, on the tensor-operation path).
    pub block: usize,
}

/// Key block of the CPU kernel when the caller did not choose one ([`crate::sdpa::fused`] on
/// flex): measured on the W1 and W2 benchmarks (docs/performance.md).
pub(crate) const DEFAULT_BLOCK: usize = 256;

/// Memory-efficient attention on any device, plain or autodiff: the context
/// of [`crate::sdpa::explicit`] without its weights, computed `block`
/// queries by `block` keys at a time. Shapes are not checked here; see
/// [`crate::sdpa::memory_efficient`].
///
/// - `query`: `[batch, n_heads, tgt_len, d_head]`; `key`: `[batch, n_kv_heads, src_len, d_head]`;
///   `value`: `[batch, n_kv_heads, src_len, d_value]`
/// - `mask`: `[batch, n_heads, tgt_len, src_len]`, `true` = masked out
/// - returns `[batch, n_heads, tgt_len, d_value]`
pub(crate) fn attention(
    query: Tensor<4>,
    key: Tensor<4>,
    value: Tensor<4>,
    mask: Option<Tensor<4, Bool>>,
    scale: f64,
    block: usize,
) -> Tensor<4> {
    let mask = match mask {
        Some(mask) => AttnMask::Mask(mask.into_dispatch()),
        None => AttnMask::NoMask,
    };
    let out = <Dispatch as FlashAttentionOps>::flash_attention(
        query.into_dispatch(),
        key.into_dispatch(),
        value.into_dispatch(),
        mask,
        scale,
        block,
    );
    Tensor::from_dispatch(out)
}

/// What the backward step keeps alive: O(n·d) tensors only, never an n_q × n_k matrix.
#[derive(Debug, Clone)]
pub struct FlashState<B: Backend> {
    q: FloatTensor<B>,
    k: FloatTensor<B>,
    v: FloatTensor<B>,
    o: FloatTensor<B>,
    lse: FloatTensor<B>,
    mask: Option<BoolTensor<B>>,
    config: FlashConfig,
}

/// How one backend computes both passes, on its own primitives (shapes as in
/// [`FlashAttentionOps::flash_attention`]).
pub trait FlashKernel: Backend {
    /// The context `o` and the row log-sum-exp that the backward reads back.
    fn flash_forward(
        q: FloatTensor<Self>,
        k: FloatTensor<Self>,
        v: FloatTensor<Self>,
        mask: Option<BoolTensor<Self>>,
        config: FlashConfig,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);

    /// `(dq, dk, dv)` from the forward's state and the gradient of `o`.
    fn flash_backward(state: FlashState<Self>, d_o: FloatTensor<Self>) -> [FloatTensor<Self>; 3];
}

// ---------------------------------------------------------------------------------------------
// The algorithm, written once with the ordinary tensor API (plain, non-autodiff tensors)
// ---------------------------------------------------------------------------------------------

/// Tiled forward. Returns `o: [b, h, n_q, d_v]` and the row log-sum-exp
/// `lse: [b, h, n_q, 1]` (kept with a trailing 1 so it broadcasts against score tiles).
fn forward_tiles(
    q: Tensor<4>,
    k: Tensor<4>,
    v: Tensor<4>,
    mask: Option<Tensor<4, Bool>>,
    config: FlashConfig,
) -> (Tensor<4>, Tensor<4>) {
    let [b, h, _, _] = q.dims();
    let d_v = v.dims()[3];
    let device = q.device();

    // Views (no copies) of the key/value tiles and of the mask tiles.
    let k_tiles = k.split(config.block, 2);
    let v_tiles = v.split(config.block, 2);
    let mask_tiles = mask.map(|mask| tile_mask(mask, config));

    let mut o_tiles = Vec::new();
    let mut lse_tiles = Vec::new();
    for (i, q_tile) in q.split(config.block, 2).into_iter().enumerate() {
        let rows = q_tile.dims()[2];
        // Fold the scale into q once per tile instead of scaling every score tile.
        let q_tile = q_tile * config.scale;

        // Online-softmax state of these rows: running max m, running sum l = Σ exp(s - m),
        // and the unnormalised accumulator acc = Σ exp(s - m) v.
        let mut m = Tensor::<4>::full([b, h, rows, 1], f32::NEG_INFINITY, &device);
        let mut l = Tensor::<4>::zeros([b, h, rows, 1], &device);
        let mut acc = Tensor::<4>::zeros([b, h, rows, d_v], &device);

        for (j, (k_tile, v_tile)) in k_tiles.iter().zip(&v_tiles).enumerate() {
            // Scores of this tile: [b, h, rows, cols].
            let mut s = q_tile.clone().matmul(k_tile.clone().transpose());
            if let Some(tiles) = &mask_tiles {
                s = s.mask_fill(tiles[i][j].clone(), MASKED_SCORE);
            }
            // New running max; rescale what was accumulated under the old max by
            // alpha = exp(m_old - m_new) (= 0 on the first tile, where m_old = -inf).
            let m_new = m.clone().max_pair(s.clone().max_dim(3));
            let p = (s - m_new.clone()).exp();
            let alpha = (m - m_new.clone()).exp();
            l = l * alpha.clone() + p.clone().sum_dim(3);
            acc = acc * alpha + p.matmul(v_tile.clone());
            m = m_new;
        }

        // o = acc / l, and L = m + ln(l) is all the backward needs to rebuild P.
        let lse = m + l.clone().log();
        let mut o = acc / l;
        if mask_tiles.is_some() {
            // A query with every key masked attends to nothing: zero context.
            let fully_masked = lse.clone().lower_elem(FULLY_MASKED).expand([b, h, rows, d_v]);
            o = o.mask_fill(fully_masked, 0.0);
        }
        o_tiles.push(o);
        lse_tiles.push(lse);
    }
    (Tensor::cat(o_tiles, 2), Tensor::cat(lse_tiles, 2))
}

/// Tiled backward (FlashAttention-2, Algorithm 2). Returns `(dq, dk, dv)`.
///
/// Outer loop over key tiles, so `dk_j, dv_j` are finished one tile at a time; the inner loop
/// over query tiles accumulates into per-tile `dq_i`. Per tile:
/// `P = exp(scale·q kᵀ - L)`, `dV += Pᵀ dO`, `dP = dO vᵀ`, `dS = P ∘ (dP - D)`,
/// `dQ += scale · dS k`, `dK += scale · dSᵀ q`, with `D = rowsum(dO ∘ o)`.
#[allow(clippy::too_many_arguments)]
fn backward_tiles(
    q: Tensor<4>,
    k: Tensor<4>,
    v: Tensor<4>,
    o: Tensor<4>,
    lse: Tensor<4>,
    d_o: Tensor<4>,
    mask: Option<Tensor<4, Bool>>,
    config: FlashConfig,
) -> (Tensor<4>, Tensor<4>, Tensor<4>) {
    let [b, h, _, d] = q.dims();
    let d_v = v.dims()[3];
    let device = q.device();

    // D_i = rowsum(dO_i ∘ o_i) = Σ_j P_ij dP_ij: the softmax-Jacobian correction term.
    let delta = (d_o.clone() * o).sum_dim(3);

    // Per-query-tile views. q is pre-scaled so that s = qs kᵀ and dK = dSᵀ qs directly.
    let qs_tiles = (q * config.scale).split(config.block, 2);
    let do_tiles = d_o.split(config.block, 2);
    let lse_tiles = lse.clone().split(config.block, 2);
    let delta_tiles = delta.split(config.block, 2);
    // A query whose keys are all masked got a zero context: its P is zero.
    // (Its L = MASKED_SCORE + ln(src_len) rounds to MASKED_SCORE in f32, so
    // exp(S - L) would give ones.)
    let full_rows = mask
        .is_some()
        .then(|| lse.clone().lower_elem(FULLY_MASKED).split(config.block, 2));
    let mask_tiles = mask.map(|mask| tile_mask(mask, config));

    let mut dq_tiles: Vec<Tensor<4>> = qs_tiles
        .iter()
        .map(|tile| Tensor::zeros([b, h, tile.dims()[2], d], &device))
        .collect();
    let mut dk_tiles = Vec::new();
    let mut dv_tiles = Vec::new();

    let k_tiles = k.split(config.block, 2);
    let v_tiles = v.split(config.block, 2);
    for (j, (k_tile, v_tile)) in k_tiles.into_iter().zip(v_tiles).enumerate() {
        let cols = k_tile.dims()[2];
        let mut dk = Tensor::<4>::zeros([b, h, cols, d], &device);
        let mut dv = Tensor::<4>::zeros([b, h, cols, d_v], &device);

        for (i, qs) in qs_tiles.iter().enumerate() {
            // Recompute the exact probabilities of this tile from the saved log-sum-exp.
            let mut s = qs.clone().matmul(k_tile.clone().transpose());
            if let Some(tiles) = &mask_tiles {
                s = s.mask_fill(tiles[i][j].clone(), MASKED_SCORE);
            }
            let shape = s.dims();
            let mut p = (s - lse_tiles[i].clone()).exp();
            if let Some(full_rows) = &full_rows {
                p = p.mask_fill(full_rows[i].clone().expand(shape), 0.0);
            }

            dv = dv + p.clone().transpose().matmul(do_tiles[i].clone());
            let dp = do_tiles[i].clone().matmul(v_tile.clone().transpose());
            let mut ds = p * (dp - delta_tiles[i].clone());
            if let Some(tiles) = &mask_tiles {
                // Masked scores are constants: no gradient flows through them.
                ds = ds.mask_fill(tiles[i][j].clone(), 0.0);
            }
            dq_tiles[i] = dq_tiles[i].clone() + ds.clone().matmul(k_tile.clone());
            dk = dk + ds.transpose().matmul(qs.clone());
        }
        dk_tiles.push(dk);
        dv_tiles.push(dv);
    }

    // dQ = scale · Σ_j dS_ij k_j (the scale was left out of the accumulation).
    let dq = Tensor::cat(dq_tiles, 2) * config.scale;
    (dq, Tensor::cat(dk_tiles, 2), Tensor::cat(dv_tiles, 2))
}

/// Split a `[b, h, n_q, n_k]` mask into `[q tile][k tile]` views.
fn tile_mask(mask: Tensor<4, Bool>, config: FlashConfig) -> Vec<Vec<Tensor<4, Bool>>> {
    mask.split(config.block, 2)
        .into_iter()
        .map(|rows| rows.split(config.block, 3))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Primitive <-> high-level tensor bridge for a concrete (inner) backend B
// ---------------------------------------------------------------------------------------------

/// View an inner-backend float primitive as a high-level tensor on B's plain device.
fn wrap<B: Backend, const D: usize>(primitive: FloatTensor<B>) -> Tensor<D>
where
    DispatchTensor: DispatchKindConversion<B>,
{
    Tensor::from_primitive::<B>(primitive)
}

/// View an inner-backend bool primitive as a high-level bool tensor.
fn wrap_bool<B: Backend, const D: usize>(primitive: BoolTensor<B>) -> Tensor<D, Bool>
where
    DispatchTensor: DispatchKindConversion<B>,
{
    Tensor::from_primitive::<B>(primitive)
}

/// Back to the inner-backend primitive. Cannot fail for tensors computed from `wrap`ped ones.
fn unwrap<B: Backend, const D: usize>(tensor: Tensor<D>) -> FloatTensor<B>
where
    DispatchTensor: DispatchKindConversion<B>,
{
    tensor
        .try_into_primitive::<B>()
        .expect("tensor computed from B primitives stays on B")
}

/// The tensor-operation forward on primitives of a concrete backend: `(o, lse)`.
fn forward_primitives<B: Backend>(
    q: FloatTensor<B>,
    k: FloatTensor<B>,
    v: FloatTensor<B>,
    mask: Option<BoolTensor<B>>,
    config: FlashConfig,
) -> (FloatTensor<B>, FloatTensor<B>)
where
    DispatchTensor: DispatchKindConversion<B>,
{
    let q = wrap::<B, 4>(q);
    let n_heads = q.dims()[1];
    let (k, v) = crate::heads::repeat_kv_heads(wrap::<B, 4>(k), wrap::<B, 4>(v), n_heads);
    let (o, lse) = forward_tiles(q, k, v, mask.map(wrap_bool::<B, 4>), config);
    (unwrap::<B, 4>(o), unwrap::<B, 4>(lse))
}

/// The tensor-operation backward on primitives of a concrete backend: `[dq, dk, dv]`, with the
/// key and value gradients summed over the query heads that share them.
fn backward_primitives<B: Backend>(state: FlashState<B>, d_o: FloatTensor<B>) -> [FloatTensor<B>; 3]
where
    DispatchTensor: DispatchKindConversion<B>,
{
    let q = wrap::<B, 4>(state.q);
    let [batch, n_heads, _, _] = q.dims();
    let (k, v) = (wrap::<B, 4>(state.k), wrap::<B, 4>(state.v));
    let n_kv_heads = k.dims()[1];
    let (k, v) = crate::heads::repeat_kv_heads(k, v, n_heads);
    let (dq, dk, dv) = backward_tiles(
        q,
        k,
        v,
        wrap::<B, 4>(state.o),
        wrap::<B, 4>(state.lse),
        wrap::<B, 4>(d_o),
        state.mask.map(wrap_bool::<B, 4>),
        state.config,
    );
    let fold = |grad: Tensor<4>| {
        let [_, _, len, width] = grad.dims();
        grad.reshape([batch, n_kv_heads, n_heads / n_kv_heads, len, width])
            .sum_dim(2)
            .reshape([batch, n_kv_heads, len, width]) // [batch, n_kv_heads, src_len, width]
    };
    [unwrap::<B, 4>(dq), unwrap::<B, 4>(fold(dk)), unwrap::<B, 4>(fold(dv))]
}

/// Implements [`FlashKernel`] for a backend with the tensor operations.
#[allow(unused_macros)] // only flex: no backend uses it
macro_rules! impl_tiles_kernel {
    ($backend:ty) => {
        impl FlashKernel for $backend {
            fn flash_forward(
                q: FloatTensor<Self>,
                k: FloatTensor<Self>,
                v: FloatTensor<Self>,
                mask: Option<BoolTensor<Self>>,
                config: FlashConfig,
            ) -> (FloatTensor<Self>, FloatTensor<Self>) {
                forward_primitives::<Self>(q, k, v, mask, config)
            }

            fn flash_backward(state: FlashState<Self>, d_o: FloatTensor<Self>) -> [FloatTensor<Self>; 3] {
                backward_primitives::<Self>(state, d_o)
            }
        }
    };
}

// `Cube` is every CubeCL runtime (wgpu, vulkan, ...); it is `Fusion<CubeBackend>` when burn's
// `fusion` feature is on. The tiled algorithm only uses ordinary tensor ops, so both work.
#[cfg(feature = "wgpu")]
impl_tiles_kernel!(burn::backend::Cube);
#[cfg(feature = "ndarray")]
#[allow(deprecated)]
impl_tiles_kernel!(burn::backend::NdArray);

// ---------------------------------------------------------------------------------------------
// Concrete backends: forward only
// ---------------------------------------------------------------------------------------------

/// Implements the extension for a concrete backend type by running its forward.
macro_rules! impl_concrete {
    ($backend:ty) => {
        impl FlashAttentionOps for $backend {
            fn flash_attention(
                q: FloatTensor<Self>,
                k: FloatTensor<Self>,
                v: FloatTensor<Self>,
                mask: AttnMask<Self>,
                scale: f64,
                block: usize,
            ) -> FloatTensor<Self> {
                let config = FlashConfig { scale, block };
                <Self as FlashKernel>::flash_forward(q, k, v, mask.into_option(), config).0
            }
        }
    };
}

#[cfg(feature = "flex")]
impl_concrete!(burn::backend::Flex);
#[cfg(feature = "wgpu")]
impl_concrete!(burn::backend::Cube);
#[cfg(feature = "ndarray")]
#[allow(deprecated)]
impl_concrete!(burn::backend::NdArray);

// ---------------------------------------------------------------------------------------------
// Autodiff: forward on the inner backend + handwritten backward step
// ---------------------------------------------------------------------------------------------

mod autodiff {
    use super::*;
    use burn::backend::Autodiff;
    use burn::backend::autodiff::{
        checkpoint::{base::Checkpointer, strategy::CheckpointStrategy},
        grads::Gradients,
        ops::{Backward, Ops, OpsKind},
    };

    /// The backward step of one `flash_attention` call, with 3 differentiable parents (q, k, v).
    #[derive(Debug)]
    struct FlashAttentionBackward;

    impl<B: FlashKernel> Backward<B, 3> for FlashAttentionBackward {
        type State = FlashState<B>;

        fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
            // Parents are `None` when that input does not require a gradient.
            let d_o = grads.consume::<B>(&ops.node);
            let gradients = B::flash_backward(ops.state, d_o);
            for (node, gradient) in ops.parents.into_iter().zip(gradients) {
                if let Some(node) = node {
                    grads.register::<B>(node.id, gradient);
                }
            }
        }
    }

    impl<B: FlashKernel, C: CheckpointStrategy> FlashAttentionOps for Autodiff<B, C> {
        fn flash_attention(
            q: FloatTensor<Self>,
            k: FloatTensor<Self>,
            v: FloatTensor<Self>,
            mask: AttnMask<Self>,
            scale: f64,
            block: usize,
        ) -> FloatTensor<Self> {
            let config = FlashConfig { scale, block };
            // Split each autodiff tensor into its inner primitive and a guard that keeps the
            // input's graph node alive until the step is registered.
            let (q, q_node) = q.into_parts();
            let (k, k_node) = k.into_parts();
            let (v, v_node) = v.into_parts();
            // Bool tensors are not tracked: on Autodiff<B> they already are B's primitives.
            let mask = mask.into_option();

            // `compute_bound`: never recompute this op under gradient checkpointing; its
            // inputs are kept in the state instead.
            match FlashAttentionBackward
                .prepare::<C>([q_node, k_node, v_node])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    let (o, lse) = B::flash_forward(q.clone(), k.clone(), v.clone(), mask.clone(), config);
                    // Primitive clones are cheap (reference-counted storage on Flex/Cube).
                    let state = FlashState {
                        q,
                        k,
                        v,
                        o: o.clone(),
                        lse,
                        mask,
                        config,
                    };
                    prep.finish(state, o)
                }
                // No input requires a gradient: plain forward, nothing saved.
                OpsKind::UnTracked(prep) => prep.finish(B::flash_forward(q, k, v, mask, config).0),
            }
        }
    }
}
