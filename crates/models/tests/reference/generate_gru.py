"""Reference values for the GRU integration tests of the models crate.

Run from the repository root:

    python3 crates/models/tests/reference/generate_gru.py

It (re)writes ``crates/models/tests/data/torch_gru.safetensors``
deterministically (numpy only; the SafeTensors file is written by hand).
Every input and parameter is drawn with ``rng.standard_normal(shape) * 0.5``
from ``np.random.default_rng(20261125)`` in the order below, rounded to f32,
and stored in the file. All maths is done in float64 on those f32-rounded
values; everything is stored as F32.

Semantics: torch.nn.GRU with batch_first=True, num_layers=1, bias=True,
PyTorch parameter names and layouts. weight_ih_l0 [3H, I] and
weight_hh_l0 [3H, H] stack the gates as row blocks in the order (r, z, n);
bias_ih_l0 / bias_hh_l0 [3H] likewise. For each time step t:

    r  = sigmoid(W_ir x_t + b_ir + W_hr h + b_hr)
    z  = sigmoid(W_iz x_t + b_iz + W_hz h + b_hz)
    n  = tanh(W_in x_t + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h

(note b_hn sits inside the r * (...) product, as in PyTorch). The output at
step t is the hidden state h' after consuming x_t.

Cases (B=3, T=6, input_size I=5, hidden_size H=4):
  gru    unidirectional. Drawn in order: gru.input [3,6,5], gru.h0 [3,4],
         gru.weight_ih_l0 [12,5], gru.weight_hh_l0 [12,4],
         gru.bias_ih_l0 [12], gru.bias_hh_l0 [12].
         Outputs gru.output [3,6,4] (hidden state at every step, starting
         from h0) and gru.h_n [3,4] (= gru.output[:, -1]; PyTorch's h_n is
         [1,3,4], stored here without the layer axis).
  bigru  bidirectional, zero initial state. Drawn in order: bigru.input
         [3,6,5], bigru.weight_ih_l0, bigru.weight_hh_l0, bigru.bias_ih_l0,
         bigru.bias_hh_l0, bigru.weight_ih_l0_reverse,
         bigru.weight_hh_l0_reverse, bigru.bias_ih_l0_reverse,
         bigru.bias_hh_l0_reverse (same shapes as gru). The reverse direction
         runs from the last time step to the first; its outputs are stored
         at their original time index.
         Outputs bigru.output [3,6,8] = concat(forward, reverse) on the last
         axis, and bigru.h_n [2,3,4] = [forward output at t=T-1, reverse
         output at t=0] (PyTorch's h_n ordering: layer-major, direction-minor).
"""
import json
import os
import struct

import numpy as np

B, T, I, H = 3, 6, 5, 4
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "torch_gru.safetensors")

rng = np.random.default_rng(20261125)
tensors = {}


def draw(name, shape):
    """Draw an input/parameter, store it, return its f32-rounded value as f64."""
    x = (rng.standard_normal(shape) * 0.5).astype(np.float32)
    tensors[name] = x
    return x.astype(np.float64)


def put(name, x):
    tensors[name] = np.asarray(x, dtype=np.float64).astype(np.float32)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def draw_params(prefix, suffix):
    return (
        draw(f"{prefix}.weight_ih_l0{suffix}", (3 * H, I)),
        draw(f"{prefix}.weight_hh_l0{suffix}", (3 * H, H)),
        draw(f"{prefix}.bias_ih_l0{suffix}", (3 * H,)),
        draw(f"{prefix}.bias_hh_l0{suffix}", (3 * H,)),
    )


def gru_direction(x, h0, params, reverse=False):
    """Run one GRU direction over x [B, T, I]; returns outputs [B, T, H]
    indexed by original time step."""
    w_ih, w_hh, b_ih, b_hh = params
    h = h0
    out = np.zeros((x.shape[0], x.shape[1], H))
    steps = range(x.shape[1] - 1, -1, -1) if reverse else range(x.shape[1])
    for t in steps:
        gi = x[:, t] @ w_ih.T + b_ih  # [B, 3H], blocks (r, z, n)
        gh = h @ w_hh.T + b_hh
        r = sigmoid(gi[:, :H] + gh[:, :H])
        z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        h = (1.0 - z) * n + z * h
        out[:, t] = h
    return out


def gru():
    x = draw("gru.input", (B, T, I))
    h0 = draw("gru.h0", (B, H))
    params = draw_params("gru", "")
    out = gru_direction(x, h0, params)
    put("gru.output", out)
    put("gru.h_n", out[:, -1])


def bigru():
    x = draw("bigru.input", (B, T, I))
    fwd_params = draw_params("bigru", "")
    rev_params = draw_params("bigru", "_reverse")
    h0 = np.zeros((B, H))
    fwd = gru_direction(x, h0, fwd_params)
    rev = gru_direction(x, h0, rev_params, reverse=True)
    put("bigru.output", np.concatenate([fwd, rev], axis=-1))
    put("bigru.h_n", np.stack([fwd[:, -1], rev[:, 0]]))


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
    gru()
    bigru()
    write_safetensors(os.path.normpath(OUT), tensors)


if __name__ == "__main__":
    main()
