//! The CPU attention kernel: FlashAttention-2's algorithm (Dao 2023) on raw f32 buffers, forward
//! and backward, for flex. The tensor-operation version in [`super`] computes the same function
//! on every other backend; `sdpa::explicit` is the naive twin the tests hold it to.
//!
//! ```text
//! forward, per (batch, head, block of queries i), for each block of keys j:
//!     S = scale Q_i K_j^T                          one gemm, into a per-thread scratch tile
//!     S[masked] = -inf;  m' = max(m, rowmax S)     one pass over the tile
//!     P = exp(S - m'),  l = l exp(m - m') + rowsum P    one vectorised pass
//!     O_i = O_i exp(m - m') + P V_j                one gemm, accumulating into the output rows
//! O_i /= l,  L_i = m + ln l   (L = +inf for a query whose keys are all masked: its O row is 0)
//! backward, per (batch, key/value head), over its query heads, blocks i and blocks j:
//!     P = exp(scale Q_i K_j^T - L_i)     dV_j += P^T dO_i     dP = dO_i V_j^T
//!     dS = P (dP - D_i),  D = rowsum(dO O)     dQ_i += scale dS K_j     dK_j += scale dS^T Q_i
//! ```
//!
//! - **Matrix products** go through the `gemm` crate, as flex's own do, with the operands' strides:
//!   a query, key or value that is a transposed or sliced view is read in place, never copied.
//! - **Threads**: the forward splits over batch × heads × query blocks, the backward over batch
//!   × key/value heads (each task then owns its rows of dK and dV, and the dQ rows of the query
//!   heads that read them), on rayon's pool, which flex shares. Every gemm runs on one thread.
//! - **Scratch**: one buffer per thread, grown to the largest tile seen and then reused.
//! - **Grouped key/value heads**: query head `h` reads key/value head `h / (n_heads / n_kv_heads)`
//!   directly; the keys and values are never repeated.
//! - **Masks** (`true`, non-zero, = masked out) are read through their strides, so a padding or
//!   causal mask expanded to `[batch, n_heads, tgt_len, src_len]` costs no memory.

use std::cell::RefCell;

use gemm::Parallelism;
use rayon::prelude::*;

use crate::vector;

/// A 4-d strided view of a flex buffer: element `[a, b, c, d]` sits at
/// `offset + a s0 + b s1 + c s2 + d s3`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View<'a, T> {
    data: &'a [T],
    offset: isize,
    strides: [isize; 4],
    dims: [usize; 4],
}

impl<'a, T> View<'a, T> {
    /// A view over `data`.
    ///
    /// # Panics
    ///
    /// If an element of `dims` would fall outside `data`: the kernel reads through raw pointers,
    /// so a view is checked once, here.
    pub(crate) fn new(data: &'a [T], offset: usize, strides: [isize; 4], dims: [usize; 4]) -> Self {
        let offset = offset as isize;
        if dims.iter().all(|&n| n > 0) {
            let (mut low, mut high) = (offset, offset);
            for (&n, &stride) in dims.iter().zip(&strides) {
                let reach = (n as isize - 1) * stride;
                if reach < 0 {
                    low += reach;
                } else {
                    high += reach;
                }
            }
            assert!(
                low >= 0 && (high as usize) < data.len(),
                "flash::cpu: a view of {dims:?} with strides {strides:?} at offset {offset} leaves its buffer of {}",
                data.len()
            );
        }
        Self {
            data,
            offset,
            strides,
            dims,
        }
    }

    /// Pointer to row `row` of matrix `[a, b]` (the last two axes are the matrix).
    fn row_ptr(&self, a: usize, b: usize, row: usize) -> *const T {
        debug_assert!(a < self.dims[0] && b < self.dims[1] && row < self.dims[2]);
        let [s0, s1, s2, _] = self.strides;
        let at = self.offset + a as isize * s0 + b as isize * s1 + row as isize * s2;
        // SAFETY: `new` checked that every in-range index falls inside `data`.
        unsafe { self.data.as_ptr().offset(at) }
    }

    /// Stride between rows of a matrix.
    fn row_stride(&self) -> isize {
        self.strides[2]
    }

    /// Stride between the elements of a row.
    fn col_stride(&self) -> isize {
        self.strides[3]
    }
}

/// The sizes of one attention call and its tiling.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Problem {
    pub batch: usize,
    pub n_heads: usize,
    pub n_kv_heads: usize,
    pub tgt_len: usize,
    pub src_len: usize,
    pub d_head: usize,
    pub d_value: usize,
    /// Factor on the scores.
    pub scale: f32,
    /// Queries a tile.
    pub block_q: usize,
    /// Keys a tile.
    pub block_k: usize,
}

impl Problem {
    fn group(&self) -> usize {
        self.n_heads / self.n_kv_heads
    }

    fn is_empty(&self) -> bool {
        [
            self.batch,
            self.n_heads,
            self.tgt_len,
            self.src_len,
            self.d_head,
            self.d_value,
        ]
        .contains(&0)
    }
}

/// The forward's outputs: the context `[batch, n_heads, tgt_len, d_value]` and the row
/// log-sum-exp `[batch, n_heads, tgt_len]` (`+inf` where every key is masked), both contiguous.
/// The backward reads them back as slices, from the saved tensors.
pub(crate) struct Forward<C = Vec<f32>> {
    pub context: C,
    pub lse: C,
}

/// The backward's outputs, contiguous: `dq` `[batch, n_heads, tgt_len, d_head]`, `dk`
/// `[batch, n_kv_heads, src_len, d_head]`, `dv` `[batch, n_kv_heads, src_len, d_value]`.
pub(crate) struct Backward {
    pub dq: Vec<f32>,
    pub dk: Vec<f32>,
    pub dv: Vec<f32>,
}

/// One thread's reusable tiles.
#[derive(Default)]
struct Scratch {
    /// Scores, then probabilities: `[block_q, block_k]`.
    scores: Vec<f32>,
    /// The backward's `dP`, then `dS`: `[block_q, block_k]`.
    grads: Vec<f32>,
    /// Per query row: the running max (forward) or `D` (backward).
    row_a: Vec<f32>,
    /// Per query row: the running sum.
    row_b: Vec<f32>,
    /// One row of the backward's `dO`, gathered when its elements are strided.
    gathered: Vec<f32>,
}

impl Scratch {
    fn reserve(&mut self, tile: usize, rows: usize) {
        for buffer in [&mut self.scores, &mut self.grads] {
            if buffer.len() < tile {
                buffer.resize(tile, 0.0);
            }
        }
        for buffer in [&mut self.row_a, &mut self.row_b] {
            if buffer.len() < rows {
                buffer.resize(rows, 0.0);
            }
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// `dst = (if accumulate { dst } else { 0 }) + factor * lhs rhs` for an `[m, k]` lhs and a
/// `[k, n]` rhs given by pointers and (row, column) strides; `dst` is row-major with row stride
/// `dst_rs`.
///
/// # Safety
///
/// Every element addressed must be inside a live allocation, and `dst`'s must not overlap the
/// operands'.
#[allow(clippy::too_many_arguments)]
unsafe fn matmul(
    [m, n, k]: [usize; 3],
    dst: *mut f32,
    dst_rs: usize,
    accumulate: bool,
    (lhs, lhs_rs, lhs_cs): (*const f32, isize, isize),
    (rhs, rhs_rs, rhs_cs): (*const f32, isize, isize),
    factor: f32,
) {
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: forwarded from the caller; gemm reads k > 0 products only.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            dst_rs as isize,
            accumulate,
            lhs,
            lhs_cs,
            lhs_rs,
            rhs,
            rhs_cs,
            rhs_rs,
            1.0,
            factor,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

/// Sets the masked scores of a tile to `-inf`: tile rows are queries `i0..`, columns keys `j0..`.
fn apply_mask(
    scores: &mut [f32],
    tile_stride: usize,
    [rows, cols]: [usize; 2],
    mask: &View<u8>,
    [batch, head, i0, j0]: [usize; 4],
) {
    let col_stride = mask.col_stride();
    for r in 0..rows {
        let row = mask.row_ptr(batch, head, i0 + r);
        let scores = &mut scores[r * tile_stride..r * tile_stride + cols];
        for (c, score) in scores.iter_mut().enumerate() {
            // SAFETY: `View::new` checked every in-range element; j0 + c < src_len.
            if unsafe { *row.offset((j0 + c) as isize * col_stride) } != 0 {
                *score = f32::NEG_INFINITY;
            }
        }
    }
}

/// `Q_i K_j^T * scale` for head `head` (reading key/value head `kv_head`) into `tile`.
#[allow(clippy::too_many_arguments)]
fn scores(
    p: &Problem,
    tile: &mut [f32],
    tile_stride: usize,
    q: &View<f32>,
    k: &View<f32>,
    [batch, head, kv_head]: [usize; 3],
    [i0, rows]: [usize; 2],
    [j0, cols]: [usize; 2],
) {
    // SAFETY: the views were checked; the tile holds rows × tile_stride floats.
    unsafe {
        matmul(
            [rows, cols, p.d_head],
            tile.as_mut_ptr(),
            tile_stride,
            false,
            (q.row_ptr(batch, head, i0), q.row_stride(), q.col_stride()),
            // K_j^T: element (d, c) is K[j0 + c, d].
            (k.row_ptr(batch, kv_head, j0), k.col_stride(), k.row_stride()),
            p.scale,
        );
    }
}

/// Runs `task` with this thread's scratch, grown to `tile` floats a tile and `rows` a row buffer.
fn with_scratch<R>(tile: usize, rows: usize, task: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        scratch.reserve(tile, rows);
        task(&mut scratch)
    })
}

/// The forward pass. `q`: `[batch, n_heads, tgt_len, d_head]`, `k`: `[batch, n_kv_heads,
/// src_len, d_head]`, `v`: `[batch, n_kv_heads, src_len, d_value]`, `mask`: `[batch, n_heads,
/// tgt_len, src_len]`.
pub(crate) fn forward(p: &Problem, q: View<f32>, k: View<f32>, v: View<f32>, mask: Option<View<u8>>) -> Forward {
    let mut context = vec![0.0f32; p.batch * p.n_heads * p.tgt_len * p.d_value];
    let mut lse = vec![f32::INFINITY; p.batch * p.n_heads * p.tgt_len];
    if p.is_empty() {
        return Forward { context, lse };
    }
    let (bq, bk) = (p.block_q, p.block_k);
    let head_len = p.tgt_len * p.d_value;
    context
        .par_chunks_mut(head_len)
        .zip(lse.par_chunks_mut(p.tgt_len))
        .enumerate()
        .for_each(|(batch_head, (context, lse))| {
            let (batch, head) = (batch_head / p.n_heads, batch_head % p.n_heads);
            context
                .par_chunks_mut(bq * p.d_value)
                .zip(lse.par_chunks_mut(bq))
                .enumerate()
                .for_each(|(block, (out, lse))| {
                    with_scratch(bq * bk, bq, |scratch| {
                        forward_block(
                            p,
                            &q,
                            &k,
                            &v,
                            mask.as_ref(),
                            [batch, head, block * bq],
                            out,
                            lse,
                            scratch,
                        )
                    })
                });
        });
    Forward { context, lse }
}

/// One block of queries against every block of keys. `out` (`[rows, d_value]`, zeroed) doubles
/// as the accumulator.
#[allow(clippy::too_many_arguments)]
fn forward_block(
    p: &Problem,
    q: &View<f32>,
    k: &View<f32>,
    v: &View<f32>,
    mask: Option<&View<u8>>,
    [batch, head, i0]: [usize; 3],
    out: &mut [f32],
    lse: &mut [f32],
    scratch: &mut Scratch,
) {
    let rows = lse.len();
    let (bk, d_value) = (p.block_k, p.d_value);
    let kv_head = head / p.group();
    let Scratch {
        scores: tile,
        row_a: max,
        row_b: sum,
        ..
    } = scratch;
    let (max, sum) = (&mut max[..rows], &mut sum[..rows]);
    max.fill(f32::NEG_INFINITY);
    sum.fill(0.0);

    for j0 in (0..p.src_len).step_by(bk) {
        let cols = bk.min(p.src_len - j0);
        scores(p, tile, bk, q, k, [batch, head, kv_head], [i0, rows], [j0, cols]);
        if let Some(mask) = mask {
            apply_mask(tile, bk, [rows, cols], mask, [batch, head, i0, j0]);
        }
        for r in 0..rows {
            let row = &mut tile[r * bk..r * bk + cols];
            let new_max = max[r].max(vector::row_max(row));
            if new_max == f32::NEG_INFINITY {
                // Every key so far masked: no weight, nothing to add.
                row.fill(0.0);
                continue;
            }
            let row_sum = vector::exp_shifted_sum(row, new_max);
            // exp(-inf) = 0 on the first unmasked block, where nothing was accumulated.
            let rescale = (max[r] - new_max).exp();
            sum[r] = sum[r] * rescale + row_sum;
            max[r] = new_max;
            if rescale != 1.0 {
                vector::scale(&mut out[r * d_value..(r + 1) * d_value], rescale);
            }
        }
        // SAFETY: the tile holds rows × bk floats, `out` rows × d_value; v was checked.
        unsafe {
            matmul(
                [rows, d_value, cols],
                out.as_mut_ptr(),
                d_value,
                true,
                (tile.as_ptr(), bk as isize, 1),
                (v.row_ptr(batch, kv_head, j0), v.row_stride(), v.col_stride()),
                1.0,
            );
        }
    }

    for r in 0..rows {
        let out = &mut out[r * d_value..(r + 1) * d_value];
        if sum[r] == 0.0 {
            // Every key masked: zero context (the workspace's convention), and an infinite L
            // makes the backward's P = exp(S - L) zero.
            out.fill(0.0);
            lse[r] = f32::INFINITY;
        } else {
            vector::scale(out, 1.0 / sum[r]);
            lse[r] = max[r] + sum[r].ln();
        }
    }
}

/// The backward pass, from the forward's inputs, its outputs and `d_o` (`[batch, n_heads,
/// tgt_len, d_value]`, any strides).
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward(
    p: &Problem,
    q: View<f32>,
    k: View<f32>,
    v: View<f32>,
    mask: Option<View<u8>>,
    forward: Forward<&[f32]>,
    d_o: View<f32>,
) -> Backward {
    let group = p.group();
    let mut dq = vec![0.0f32; p.batch * p.n_heads * p.tgt_len * p.d_head];
    let mut dk = vec![0.0f32; p.batch * p.n_kv_heads * p.src_len * p.d_head];
    let mut dv = vec![0.0f32; p.batch * p.n_kv_heads * p.src_len * p.d_value];
    if p.is_empty() {
        return Backward { dq, dk, dv };
    }
    let (bq, bk) = (p.block_q, p.block_k);
    dq.par_chunks_mut(group * p.tgt_len * p.d_head)
        .zip(dk.par_chunks_mut(p.src_len * p.d_head))
        .zip(dv.par_chunks_mut(p.src_len * p.d_value))
        .enumerate()
        .for_each(|(batch_kv, ((dq, dk), dv))| {
            let (batch, kv_head) = (batch_kv / p.n_kv_heads, batch_kv % p.n_kv_heads);
            with_scratch(bq * bk, bq, |scratch| {
                for g in 0..group {
                    let head = kv_head * group + g;
                    let dq = &mut dq[g * p.tgt_len * p.d_head..(g + 1) * p.tgt_len * p.d_head];
                    for i0 in (0..p.tgt_len).step_by(bq) {
                        let rows = bq.min(p.tgt_len - i0);
                        let grads = Grads {
                            dq: &mut *dq,
                            dk: &mut *dk,
                            dv: &mut *dv,
                        };
                        let at = [batch, head, kv_head, i0, rows];
                        backward_block(p, [&q, &k, &v, &d_o], mask.as_ref(), &forward, at, grads, scratch);
                    }
                }
            })
        });
    Backward { dq, dk, dv }
}

/// The gradient buffers one backward task owns: its query heads' dQ, its key/value head's dK, dV.
struct Grads<'a> {
    dq: &'a mut [f32],
    dk: &'a mut [f32],
    dv: &'a mut [f32],
}

/// One block of queries of one head against every block of keys.
fn backward_block(
    p: &Problem,
    [q, k, v, d_o]: [&View<f32>; 4],
    mask: Option<&View<u8>>,
    forward: &Forward<&[f32]>,
    [batch, head, kv_head, i0, rows]: [usize; 5],
    grads: Grads,
    scratch: &mut Scratch,
) {
    let (bk, d_head, d_value) = (p.block_k, p.d_head, p.d_value);
    let Scratch {
        scores: probs,
        grads: tile,
        row_a: delta,
        gathered,
        ..
    } = scratch;
    let first_row = (batch * p.n_heads + head) * p.tgt_len + i0;
    let lse = &forward.lse[first_row..first_row + rows];
    // D_r = rowsum(dO ∘ O) = Σ_j P_rj dP_rj: the softmax Jacobian's correction term.
    gathered.resize(d_value, 0.0);
    for (r, delta) in delta[..rows].iter_mut().enumerate() {
        let o = &forward.context[(first_row + r) * d_value..(first_row + r + 1) * d_value];
        let row = d_o.row_ptr(batch, head, i0 + r);
        for (c, x) in gathered.iter_mut().enumerate() {
            // SAFETY: `View::new` checked every in-range element.
            *x = unsafe { *row.offset(c as isize * d_o.col_stride()) };
        }
        *delta = vector::dot(gathered, o);
    }
    let dq = grads.dq[i0 * d_head..].as_mut_ptr();
    let d_o_rows = (d_o.row_ptr(batch, head, i0), d_o.row_stride(), d_o.col_stride());

    for j0 in (0..p.src_len).step_by(bk) {
        let cols = bk.min(p.src_len - j0);
        scores(p, probs, bk, q, k, [batch, head, kv_head], [i0, rows], [j0, cols]);
        if let Some(mask) = mask {
            apply_mask(probs, bk, [rows, cols], mask, [batch, head, i0, j0]);
        }
        for (r, &lse) in lse.iter().enumerate() {
            // P = exp(S - L): exact probabilities again; zero for masked keys and for a query
            // whose keys are all masked (L = +inf).
            vector::exp_shifted_sum(&mut probs[r * bk..r * bk + cols], lse);
        }
        let k_rows = (k.row_ptr(batch, kv_head, j0), k.row_stride(), k.col_stride());
        let q_rows = (q.row_ptr(batch, head, i0), q.row_stride(), q.col_stride());
        let p_transposed = (probs.as_ptr(), 1, bk as isize);
        // SAFETY (each product): the tiles hold rows × bk floats; dq, dk and dv are this task's
        // own buffers, sized for the rows and columns addressed; the views were checked.
        unsafe {
            // dV_j += P^T dO_i
            let dv = grads.dv[j0 * d_value..].as_mut_ptr();
            matmul([cols, d_value, rows], dv, d_value, true, p_transposed, d_o_rows, 1.0);
            // dP = dO_i V_j^T
            let v_transposed = (v.row_ptr(batch, kv_head, j0), v.col_stride(), v.row_stride());
            matmul(
                [rows, cols, d_value],
                tile.as_mut_ptr(),
                bk,
                false,
                d_o_rows,
                v_transposed,
                1.0,
            );
        }
        for (r, &delta) in delta[..rows].iter().enumerate() {
            let range = r * bk..r * bk + cols;
            vector::softmax_grad(&probs[range.clone()], &mut tile[range], delta);
        }
        unsafe {
            // dQ_i += scale dS K_j
            matmul(
                [rows, d_head, cols],
                dq,
                d_head,
                true,
                (tile.as_ptr(), bk as isize, 1),
                k_rows,
                p.scale,
            );
            // dK_j += scale dS^T Q_i
            let dk = grads.dk[j0 * d_head..].as_mut_ptr();
            matmul(
                [cols, d_head, rows],
                dk,
                d_head,
                true,
                (tile.as_ptr(), 1, bk as isize),
                q_rows,
                p.scale,
            );
        }
    }
}
