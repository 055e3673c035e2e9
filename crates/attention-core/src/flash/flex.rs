//! [`FlashKernel`] for flex: its tensors' buffers handed to the CPU kernel ([`super::cpu`]) as
//! strided views, and its results wrapped back as flex tensors. A float dtype other than f32, or
//! a mask stored as `u32`, goes to the tensor-operation path instead.

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::tensor::{BoolStore, DType, TensorData};

use super::cpu::{self, Forward, Problem, View};
use super::{FlashConfig, FlashKernel, FlashState, backward_primitives, forward_primitives};

/// Queries a tile of the CPU kernel: a `[64, block]` tile of scores per thread stays in the
/// second-level cache for the key blocks that suit a CPU (128 to 512).
const QUERY_BLOCK: usize = 64;

fn dims(tensor: &FlexTensor) -> [usize; 4] {
    let shape = tensor.layout().shape();
    [shape[0], shape[1], shape[2], shape[3]]
}

/// A strided view of a 4-d flex tensor whose buffer is `data`.
fn view<'a, E>(tensor: &'a FlexTensor, data: &'a [E]) -> View<'a, E> {
    let layout = tensor.layout();
    let strides = layout.strides();
    View::new(
        data,
        layout.start_offset(),
        [strides[0], strides[1], strides[2], strides[3]],
        dims(tensor),
    )
}

fn float_view(tensor: &FlexTensor) -> Option<View<'_, f32>> {
    (tensor.dtype() == DType::F32).then(|| view(tensor, tensor.storage::<f32>()))
}

fn mask_view(mask: Option<&FlexTensor>) -> Option<Option<View<'_, u8>>> {
    match mask {
        None => Some(None),
        // Some flex operations (seen in cached beam decoding) hand back a bool tensor whose dtype
        // reads `U8`: the same bytes, one per element.
        Some(mask) => matches!(mask.dtype(), DType::Bool(BoolStore::Native | BoolStore::U8) | DType::U8)
            .then(|| Some(view(mask, mask.storage::<u8>()))),
    }
}

/// The kernel's sizes.
fn problem(q: &FlexTensor, k: &FlexTensor, v: &FlexTensor, config: FlashConfig) -> Problem {
    let [batch, n_heads, tgt_len, d_head] = dims(q);
    let [_, n_kv_heads, src_len, _] = dims(k);
    let d_value = dims(v)[3];
    Problem {
        batch,
        n_heads,
        n_kv_heads,
        tgt_len,
        src_len,
        d_head,
        d_value,
        scale: config.scale as f32,
        block_q: QUERY_BLOCK.min(config.block),
        block_k: config.block,
    }
}

fn tensor(values: Vec<f32>, shape: [usize; 4]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

impl FlashKernel for Flex {
    fn flash_forward(
        q: FlexTensor,
        k: FlexTensor,
        v: FlexTensor,
        mask: Option<FlexTensor>,
        config: FlashConfig,
    ) -> (FlexTensor, FlexTensor) {
        let views = (float_view(&q), float_view(&k), float_view(&v), mask_view(mask.as_ref()));
        let (Some(q_view), Some(k_view), Some(v_view), Some(mask_view)) = views else {
            return forward_primitives::<Flex>(q, k, v, mask, config);
        };
        let p = problem(&q, &k, &v, config);
        let Forward { context, lse } = cpu::forward(&p, q_view, k_view, v_view, mask_view);
        (
            tensor(context, [p.batch, p.n_heads, p.tgt_len, p.d_value]),
            tensor(lse, [p.batch, p.n_heads, p.tgt_len, 1]),
        )
    }

    fn flash_backward(state: FlashState<Flex>, d_o: FlexTensor) -> [FlexTensor; 3] {
        let FlashState {
            q,
            k,
            v,
            o,
            lse,
            mask,
            config,
        } = &state;
        let views = (float_view(q), float_view(k), float_view(v), mask_view(mask.as_ref()));
        let saved = (o.as_slice::<f32>(), lse.as_slice::<f32>(), float_view(&d_o));
        // The forward took the kernel exactly when these views exist, and then wrote `o` and
        // `lse` contiguous.
        let ((Some(q_view), Some(k_view), Some(v_view), Some(mask_view)), (Some(context), Some(lse), Some(d_o_view))) =
            (views, saved)
        else {
            return backward_primitives::<Flex>(state, d_o);
        };
        let p = problem(q, k, v, *config);
        let forward = Forward { context, lse };
        let grads = cpu::backward(&p, q_view, k_view, v_view, mask_view, forward, d_o_view);
        [
            tensor(grads.dq, [p.batch, p.n_heads, p.tgt_len, p.d_head]),
            tensor(grads.dk, [p.batch, p.n_kv_heads, p.src_len, p.d_head]),
            tensor(grads.dv, [p.batch, p.n_kv_heads, p.src_len, p.d_value]),
        ]
    }
}
