"""Reference values for the attention-core integration tests.

Run from the repository root:

    python3 crates/attention-core/tests/reference/generate.py

It (re)writes ``crates/attention-core/tests/data/reference.safetensors``
deterministically (numpy only; the SafeTensors file is written by hand).
Every input and parameter is drawn with ``rng.standard_normal(shape) * 0.5``
from ``np.random.default_rng(20261124)`` in the order below, rounded to f32,
and stored in the file. All maths is done in float64 on those f32-rounded
values; everything is stored as F32.

Conventions: batch B=3, tgt_len T=5, src_len S=7, lengths = [7, 4, 1]
(key positions j >= lengths[b] are masked). Linear layers in Burn layout,
W: [d_in, d_out], y = x @ W + b (except the torch MHA cases, see there).
Masked softmax: masked scores are set to -inf, then softmax over the keys.

Inputs: q4 [3,5,4], k4 [3,7,4], k6 [3,7,6], v3 [3,7,3].

Scorer cases, each storing <case>.scores (raw, unmasked) [3,5,7],
<case>.weights = masked_softmax(scores) [3,5,7], <case>.context =
weights @ v3 [3,5,3]:
  dot         scores = q4 @ k4^T                              (Luong dot)
  scaled_dot  scores = q4 @ k4^T / sqrt(4)
  general     scores[b,t,s] = q4[b,t] . (k6[b,s] @ W)        (Luong general)
              W = general.bilinear.weight [6,4]
  concat      scores[b,t,s] = tanh([q4[b,t], k6[b,s]] @ Wc + bc) @ v
              (Luong concat; query first, key second)
  additive    scores[b,t,s] = tanh(q4[b,t] @ Wq + bq + k6[b,s] @ Wk + bk) @ v + bv
              (Bahdanau; the PyTorch seq2seq tutorial's BahdanauAttention
              with Wa, Ua, Va all biased)
  location    scores = (q4 @ W + b)[..., :7], W [4,9], b [9]
              (Luong location; the PyTorch tutorial's AttnDecoderRNN attn
              layer over max_len 9, truncated to the source length)

Normaliser cases on the dot scores with the same padding mask
(<case>.weights [3,5,7]):
  softmax_t2  masked_softmax(scores / 2)
  hard        one-hot of argmax over the unmasked positions (first on ties)
  sparsemax   sparsemax(z) over the unmasked positions, masked -> 0, with
              z = 0.5 * scores (stored as sparsemax.z). Sort z descending,
              k(z) = max{k : 1 + k z_(k) > sum_{j<=k} z_(j)},
              tau = (sum_{j<=k(z)} z_(j) - 1) / k(z), p = max(z - tau, 0)
              (Martins & Astudillo 2016)

torch.nn.MultiheadAttention cases (batch_first=True, eval, no dropout;
semantics of torch.nn.functional.multi_head_attention_forward). Weights
in PyTorch layout [out, in]: q = query @ Wq^T + bq (Wq, Wk, Wv = row blocks
of in_proj_weight, or q/k/v_proj_weight), heads split as
reshape(B, L, H, E/H), scores = q k^T / sqrt(E/H), key_padding_mask
(True = ignore) and boolean attn_mask (True = not allowed) both -> -inf,
softmax, context = concat_heads(weights @ v) @ out_proj.weight^T + out_proj.bias.
  mha         E=8, H=2, key_padding_mask from lengths plus bottom-right
              causal attn_mask [5,7]: query i sees key j iff j <= i + (7 - 5).
              mha.weights = mean over heads (average_attn_weights=True),
              mha.weights_per_head [3,2,5,7]
  mha_kv      E=8, H=2, kdim=6, vdim=3 (separate q/k/v_proj_weight,
              in_proj_bias split in three), key_padding_mask only.

Grouped-query attention (Burn layout, self-attention on gqa.x):
  gqa         d_model 8, 4 query heads, 2 kv heads, head_dim 2;
              q = x Wq + bq, k = x Wk + bk, v = x Wv + bv; query head h
              uses kv head h // 2 (torch.nn.functional.scaled_dot_product_attention
              with enable_gqa=True, i.e. repeat_interleave); scores / sqrt(2),
              causal mask [5,5] (j <= i), softmax, context =
              concat_heads(weights @ v) @ Wo + bo.
"""
import json
import os
import struct

import numpy as np

B, T, S = 3, 5, 7
LENGTHS = np.array([7, 4, 1])
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "reference.safetensors")

rng = np.random.default_rng(20261124)
tensors = {}


def draw(name, shape):
    """Draw an input/parameter, store it, return its f32-rounded value as f64."""
    x = (rng.standard_normal(shape) * 0.5).astype(np.float32)
    tensors[name] = x
    return x.astype(np.float64)


def put(name, x):
    tensors[name] = np.asarray(x, dtype=np.float64).astype(np.float32)


def masked_softmax(scores, allowed):
    s = np.where(allowed, scores, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# allowed[b, 1, s] (broadcasts over the query axis)
PAD = (np.arange(S)[None, :] < LENGTHS[:, None])[:, None, :]


def scorer_case(name, scores, v3):
    w = masked_softmax(scores, PAD)
    put(name + ".scores", scores)
    put(name + ".weights", w)
    put(name + ".context", w @ v3)


def general(q4, k6):
    w = draw("general.bilinear.weight", (6, 4))
    return q4 @ (k6 @ w).transpose(0, 2, 1)


def concat(q4, k6):
    wc = draw("concat.combine.weight", (10, 8))
    bc = draw("concat.combine.bias", (8,))
    v = draw("concat.v.weight", (8, 1))
    qq = np.broadcast_to(q4[:, :, None, :], (B, T, S, 4))
    kk = np.broadcast_to(k6[:, None, :, :], (B, T, S, 6))
    return (np.tanh(np.concatenate([qq, kk], axis=-1) @ wc + bc) @ v)[..., 0]


def additive(q4, k6):
    wq = draw("additive.query.weight", (4, 8))
    bq = draw("additive.query.bias", (8,))
    wk = draw("additive.key.weight", (6, 8))
    bk = draw("additive.key.bias", (8,))
    v = draw("additive.v.weight", (8, 1))
    bv = draw("additive.v.bias", (1,))
    h = (q4 @ wq + bq)[:, :, None, :] + (k6 @ wk + bk)[:, None, :, :]
    return (np.tanh(h) @ v + bv)[..., 0]


def location(q4):
    w = draw("location.attn.weight", (4, 9))
    b = draw("location.attn.bias", (9,))
    return (q4 @ w + b)[..., :S]


def hard(scores, allowed):
    idx = np.argmax(np.where(allowed, scores, -np.inf), axis=-1)
    return (np.arange(scores.shape[-1]) == idx[..., None]).astype(np.float64)


def sparsemax_row(z):
    zs = np.sort(z)[::-1]
    cs = np.cumsum(zs)
    k = np.arange(1, len(z) + 1)
    kz = k[1 + k * zs > cs].max()
    tau = (cs[kz - 1] - 1) / kz
    return np.maximum(z - tau, 0)


def sparsemax(z):
    p = np.zeros_like(z)
    for b in range(B):
        for t in range(T):
            n = LENGTHS[b]
            p[b, t, :n] = sparsemax_row(z[b, t, :n])
    return p


def torch_mha(q, k, v, wq, wk, wv, bias, wo, bo, n_heads, allowed):
    """torch.nn.functional.multi_head_attention_forward (batch-first, eval)."""
    e = wq.shape[0]
    hd = e // n_heads
    bq, bk, bv = bias[:e], bias[e:2 * e], bias[2 * e:]

    def heads(x):  # [B, L, E] -> [B, H, L, hd]
        return x.reshape(x.shape[0], x.shape[1], n_heads, hd).transpose(0, 2, 1, 3)

    qh, kh, vh = heads(q @ wq.T + bq), heads(k @ wk.T + bk), heads(v @ wv.T + bv)
    w = masked_softmax(qh @ kh.transpose(0, 1, 3, 2) / np.sqrt(hd), allowed[:, None])
    ctx = (w @ vh).transpose(0, 2, 1, 3).reshape(q.shape[0], q.shape[1], e)
    return ctx @ wo.T + bo, w


def mha():
    q = draw("mha.query", (B, T, 8))
    k = draw("mha.key", (B, S, 8))
    v = draw("mha.value", (B, S, 8))
    w_in = draw("mha.in_proj_weight", (24, 8))
    b_in = draw("mha.in_proj_bias", (24,))
    wo = draw("mha.out_proj.weight", (8, 8))
    bo = draw("mha.out_proj.bias", (8,))
    causal = np.arange(S)[None, :] <= np.arange(T)[:, None] + (S - T)
    ctx, w = torch_mha(q, k, v, w_in[:8], w_in[8:16], w_in[16:], b_in, wo, bo, 2, PAD & causal)
    put("mha.context", ctx)
    put("mha.weights", w.mean(axis=1))
    put("mha.weights_per_head", w)


def mha_kv():
    q = draw("mha_kv.query", (B, T, 8))
    k = draw("mha_kv.key", (B, S, 6))
    v = draw("mha_kv.value", (B, S, 3))
    wq = draw("mha_kv.q_proj_weight", (8, 8))
    wk = draw("mha_kv.k_proj_weight", (8, 6))
    wv = draw("mha_kv.v_proj_weight", (8, 3))
    b_in = draw("mha_kv.in_proj_bias", (24,))
    wo = draw("mha_kv.out_proj.weight", (8, 8))
    bo = draw("mha_kv.out_proj.bias", (8,))
    ctx, w = torch_mha(q, k, v, wq, wk, wv, b_in, wo, bo, 2, PAD)
    put("mha_kv.context", ctx)
    put("mha_kv.weights", w.mean(axis=1))


def gqa():
    n_heads, n_kv, hd = 4, 2, 2
    x = draw("gqa.x", (B, T, 8))
    p = {}
    for name, shape in [("query.weight", (8, 8)), ("query.bias", (8,)),
                        ("key.weight", (8, 4)), ("key.bias", (4,)),
                        ("value.weight", (8, 4)), ("value.bias", (4,)),
                        ("output.weight", (8, 8)), ("output.bias", (8,))]:
        p[name] = draw("gqa." + name, shape)

    def heads(y, h):  # [B, L, h*hd] -> [B, h, L, hd]
        return y.reshape(B, T, h, hd).transpose(0, 2, 1, 3)

    q = heads(x @ p["query.weight"] + p["query.bias"], n_heads)
    k = heads(x @ p["key.weight"] + p["key.bias"], n_kv)
    v = heads(x @ p["value.weight"] + p["value.bias"], n_kv)
    rep = n_heads // n_kv
    k, v = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)  # repeat_interleave
    causal = np.arange(T)[None, :] <= np.arange(T)[:, None]
    w = masked_softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd), causal)
    ctx = (w @ v).transpose(0, 2, 1, 3).reshape(B, T, n_heads * hd)
    put("gqa.context", ctx @ p["output.weight"] + p["output.bias"])
    put("gqa.weights_per_head", w)


def write_safetensors(path, named):
    header, offset = {}, 0
    for name in sorted(named):
        a = named[name]
        n = a.size * 4
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + n]}
        offset += n
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for name in sorted(named):
            f.write(np.ascontiguousarray(named[name], dtype="<f4").tobytes())


def main():
    q4 = draw("q4", (B, T, 4))
    k4 = draw("k4", (B, S, 4))
    k6 = draw("k6", (B, S, 6))
    v3 = draw("v3", (B, S, 3))

    dot = q4 @ k4.transpose(0, 2, 1)
    scorer_case("dot", dot, v3)
    scorer_case("scaled_dot", dot / np.sqrt(4), v3)
    scorer_case("general", general(q4, k6), v3)
    scorer_case("concat", concat(q4, k6), v3)
    scorer_case("additive", additive(q4, k6), v3)
    scorer_case("location", location(q4), v3)

    put("softmax_t2.weights", masked_softmax(dot / 2.0, PAD))
    put("hard.weights", hard(dot, PAD))
    put("sparsemax.z", dot * 0.5)
    put("sparsemax.weights", sparsemax(dot * 0.5))

    mha()
    mha_kv()
    gqa()
    write_safetensors(os.path.normpath(OUT), tensors)


if __name__ == "__main__":
    main()
