"""Reference values for the Transformer encoder layer tests of the models crate.

Run from the repository root:

    python3 crates/models/tests/reference/generate_transformer.py

It (re)writes ``crates/models/tests/data/torch_transformer.safetensors``
deterministically (numpy only; the SafeTensors file is written by hand).
Every input and parameter is drawn with ``rng.standard_normal(shape) * 0.5``
from ``np.random.default_rng(20261126)`` in the order below (except the
LayerNorm weights, drawn as ``1 + rng.standard_normal(8) * 0.1``), rounded
to f32, and stored in the file. All maths is done in float64 on those
f32-rounded values; everything is stored as F32.

Semantics: torch.nn.TransformerEncoderLayer(d_model=8, nhead=2,
dim_feedforward=16, dropout=0.0, batch_first=True, layer_norm_eps=1e-5) in
eval mode, PyTorch parameter names and layouts, computed with the plain
math path (every position, padded query positions included, is computed
with the formulas below; PyTorch's fast path, which may zero padded
positions, is NOT emulated). Batch B=3, sequence length L=5, E=8, H=2 heads
of head_dim 4, lengths = [5, 3, 1] (key positions j >= lengths[b] are
masked, i.e. src_key_padding_mask[b, j] = True).

  linear(x, W, b) = x @ W^T + b                  (W: [out, in])
  sa(x)  = torch.nn.MultiheadAttention(x, x, x) (semantics of
           torch.nn.functional.multi_head_attention_forward, need_weights
           irrelevant): Wq, Wk, Wv = rows [0:8], [8:16], [16:24] of
           self_attn.in_proj_weight, bq, bk, bv likewise of in_proj_bias;
           q = x Wq^T + bq, k = x Wk^T + bk, v = x Wv^T + bv; heads split as
           reshape(B, L, 2, 4); scores = q k^T / sqrt(4); masked keys
           (key_padding_mask True = ignore) -> -inf; softmax over the keys;
           ctx = concat_heads(weights @ v);
           sa(x) = ctx @ out_proj.weight^T + out_proj.bias
  ff(x)  = linear2(act(linear1(x)))
  relu(x) = max(x, 0)
  gelu(x) = 0.5 x (1 + erf(x / sqrt(2)))         (exact erf form, math.erf)
  LayerNorm(x) = (x - mean) / sqrt(var + 1e-5) * weight + bias over the last
           axis, var biased (mean of squared deviations)
  post-norm (norm_first=False): x = norm1(x + sa(x)); x = norm2(x + ff(x))
  pre-norm  (norm_first=True):  x = x + sa(norm1(x)); x = x + ff(norm2(x))

Cases, each under its prefix <p>, drawn in this order:
  <p>.input [3,5,8], <p>.self_attn.in_proj_weight [24,8],
  <p>.self_attn.in_proj_bias [24], <p>.self_attn.out_proj.weight [8,8],
  <p>.self_attn.out_proj.bias [8], <p>.linear1.weight [16,8],
  <p>.linear1.bias [16], <p>.linear2.weight [8,16], <p>.linear2.bias [8],
  <p>.norm1.weight [8] (1 + 0.1 N), <p>.norm1.bias [8],
  <p>.norm2.weight [8] (1 + 0.1 N), <p>.norm2.bias [8].
  Output <p>.output [3,5,8] (every position).

  post_relu         norm_first=False, activation relu, padding mask from lengths
  pre_gelu          norm_first=True,  activation gelu, padding mask from lengths
  post_gelu_nomask  norm_first=False, activation gelu, no padding mask
                    (every position attends to every position)
"""
import json
import math
import os
import struct

import numpy as np

B, L, E, H, FF = 3, 5, 8, 2, 16
HD = E // H
EPS = 1e-5
LENGTHS = np.array([5, 3, 1])
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "torch_transformer.safetensors")

rng = np.random.default_rng(20261126)
tensors = {}


def draw(name, shape):
    """Draw an input/parameter, store it, return its f32-rounded value as f64."""
    x = (rng.standard_normal(shape) * 0.5).astype(np.float32)
    tensors[name] = x
    return x.astype(np.float64)


def draw_norm_weight(name, shape):
    """LayerNorm weight: 1 + 0.1 N, f32-rounded, stored, returned as f64."""
    x = (1 + rng.standard_normal(shape) * 0.1).astype(np.float32)
    tensors[name] = x
    return x.astype(np.float64)


def put(name, x):
    tensors[name] = np.asarray(x, dtype=np.float64).astype(np.float32)


def masked_softmax(scores, allowed):
    s = np.where(allowed, scores, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# allowed[b, 1, 1, j] (broadcasts over heads and queries)
PAD = (np.arange(L)[None, :] < LENGTHS[:, None])[:, None, None, :]
NOPAD = np.ones((B, 1, 1, L), dtype=bool)

_erf = np.vectorize(math.erf)


def relu(x):
    return np.maximum(x, 0.0)


def gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def linear(x, w, b):
    return x @ w.T + b


def layer_norm(x, w, b):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * w + b


def self_attention(x, p, allowed):
    """torch.nn.functional.multi_head_attention_forward with q = k = v = x."""
    w_in, b_in = p["self_attn.in_proj_weight"], p["self_attn.in_proj_bias"]

    def heads(y):  # [B, L, E] -> [B, H, L, HD]
        return y.reshape(B, L, H, HD).transpose(0, 2, 1, 3)

    q = heads(linear(x, w_in[:E], b_in[:E]))
    k = heads(linear(x, w_in[E:2 * E], b_in[E:2 * E]))
    v = heads(linear(x, w_in[2 * E:], b_in[2 * E:]))
    w = masked_softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(HD), allowed)
    ctx = (w @ v).transpose(0, 2, 1, 3).reshape(B, L, E)
    return linear(ctx, p["self_attn.out_proj.weight"], p["self_attn.out_proj.bias"])


def feed_forward(x, p, act):
    h = act(linear(x, p["linear1.weight"], p["linear1.bias"]))
    return linear(h, p["linear2.weight"], p["linear2.bias"])


def encoder_layer_case(prefix, norm_first, act, allowed):
    x = draw(prefix + ".input", (B, L, E))
    p = {}
    for name, shape in [("self_attn.in_proj_weight", (3 * E, E)),
                        ("self_attn.in_proj_bias", (3 * E,)),
                        ("self_attn.out_proj.weight", (E, E)),
                        ("self_attn.out_proj.bias", (E,)),
                        ("linear1.weight", (FF, E)), ("linear1.bias", (FF,)),
                        ("linear2.weight", (E, FF)), ("linear2.bias", (E,)),
                        ("norm1.weight", (E,)), ("norm1.bias", (E,)),
                        ("norm2.weight", (E,)), ("norm2.bias", (E,))]:
        if name.startswith("norm") and name.endswith(".weight"):
            p[name] = draw_norm_weight(prefix + "." + name, shape)
        else:
            p[name] = draw(prefix + "." + name, shape)

    def norm1(y):
        return layer_norm(y, p["norm1.weight"], p["norm1.bias"])

    def norm2(y):
        return layer_norm(y, p["norm2.weight"], p["norm2.bias"])

    if norm_first:
        x = x + self_attention(norm1(x), p, allowed)
        x = x + feed_forward(norm2(x), p, act)
    else:
        x = norm1(x + self_attention(x, p, allowed))
        x = norm2(x + feed_forward(x, p, act))
    put(prefix + ".output", x)


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
    encoder_layer_case("post_relu", False, relu, PAD)
    encoder_layer_case("pre_gelu", True, gelu, PAD)
    encoder_layer_case("post_gelu_nomask", False, gelu, NOPAD)
    write_safetensors(os.path.normpath(OUT), tensors)


if __name__ == "__main__":
    main()
