"""Cross-check of reference.safetensors against real PyTorch (optional: the
project does not depend on PyTorch). Run: python3 crates/attention-core/tests/reference/check_with_torch.py
Prints the largest absolute difference for each checked tensor; every one
was below 2e-7 with torch 2.15.0 (CPU) when the reference file was written."""
import json, struct, numpy as np, torch, torch.nn.functional as F
import pathlib
p = pathlib.Path(__file__).resolve().parent.parent / "data" / "reference.safetensors"
buf = open(p, "rb").read(); n = struct.unpack("<Q", buf[:8])[0]; hdr = json.loads(buf[8:8+n]); d = buf[8+n:]
t = {k: torch.from_numpy(np.frombuffer(d[v["data_offsets"][0]:v["data_offsets"][1]], "<f4").reshape(v["shape"]).copy()).double() for k, v in hdr.items()}
L = torch.tensor([7, 4, 1]); kpm = torch.arange(7)[None] >= L[:, None]
def chk(name, x): print(f"{name:24s} maxerr {(x - t[name]).abs().max().item():.2e}")
# scorers
pad = ~kpm[:, None, :]
def sm(s): return torch.softmax(s.masked_fill(~pad, float("-inf")), -1)
q4, k4, k6, v3 = t["q4"], t["k4"], t["k6"], t["v3"]
dot = q4 @ k4.transpose(1, 2); chk("dot.scores", dot); chk("dot.weights", sm(dot)); chk("dot.context", sm(dot) @ v3)
chk("scaled_dot.context", sm(dot / 2) @ v3)
g = torch.einsum("bti,bsj,ji->bts", q4, k6, t["general.bilinear.weight"]); chk("general.scores", g)
qq = q4[:, :, None].expand(3, 5, 7, 4); kk = k6[:, None].expand(3, 5, 7, 6)
c = (torch.tanh(torch.cat([qq, kk], -1) @ t["concat.combine.weight"] + t["concat.combine.bias"]) @ t["concat.v.weight"])[..., 0]; chk("concat.scores", c)
a = torch.tanh((q4 @ t["additive.query.weight"] + t["additive.query.bias"])[:, :, None] + (k6 @ t["additive.key.weight"] + t["additive.key.bias"])[:, None]) @ t["additive.v.weight"] + t["additive.v.bias"]
chk("additive.scores", a[..., 0]); chk("additive.context", sm(a[..., 0]) @ v3)
chk("location.context", sm((q4 @ t["location.attn.weight"] + t["location.attn.bias"])[..., :7]) @ v3)
chk("softmax_t2.weights", sm(dot / 2))
# sparsemax via brute force: projection onto simplex by bisection on tau
z = dot * 0.5; out = torch.zeros_like(z)
for b in range(3):
    for i in range(5):
        zz = z[b, i, :L[b]]; lo, hi = zz.max() - 1, zz.max()
        for _ in range(200):
            mid = (lo + hi) / 2
            if torch.clamp(zz - mid, min=0).sum() > 1: lo = mid
            else: hi = mid
        out[b, i, :L[b]] = torch.clamp(zz - lo, min=0)
chk("sparsemax.weights", out)
# MHA
m = torch.nn.MultiheadAttention(8, 2, batch_first=True).double().eval()
with torch.no_grad():
    m.in_proj_weight.copy_(t["mha.in_proj_weight"]); m.in_proj_bias.copy_(t["mha.in_proj_bias"])
    m.out_proj.weight.copy_(t["mha.out_proj.weight"]); m.out_proj.bias.copy_(t["mha.out_proj.bias"])
    am = ~(torch.arange(7)[None] <= torch.arange(5)[:, None] + 2)
    ctx, w = m(t["mha.query"], t["mha.key"], t["mha.value"], key_padding_mask=kpm, attn_mask=am)
    chk("mha.context", ctx); chk("mha.weights", w)
    _, wh = m(t["mha.query"], t["mha.key"], t["mha.value"], key_padding_mask=kpm, attn_mask=am, average_attn_weights=False)
    chk("mha.weights_per_head", wh)
m = torch.nn.MultiheadAttention(8, 2, batch_first=True, kdim=6, vdim=3).double().eval()
with torch.no_grad():
    for nm in ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias"]: getattr(m, nm).copy_(t["mha_kv." + nm])
    m.out_proj.weight.copy_(t["mha_kv.out_proj.weight"]); m.out_proj.bias.copy_(t["mha_kv.out_proj.bias"])
    ctx, w = m(t["mha_kv.query"], t["mha_kv.key"], t["mha_kv.value"], key_padding_mask=kpm)
    chk("mha_kv.context", ctx); chk("mha_kv.weights", w)
# GQA
x = t["gqa.x"]
q = (x @ t["gqa.query.weight"] + t["gqa.query.bias"]).view(3, 5, 4, 2).transpose(1, 2)
k = (x @ t["gqa.key.weight"] + t["gqa.key.bias"]).view(3, 5, 2, 2).transpose(1, 2)
v = (x @ t["gqa.value.weight"] + t["gqa.value.bias"]).view(3, 5, 2, 2).transpose(1, 2)
o = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True).transpose(1, 2).reshape(3, 5, 8)
chk("gqa.context", o @ t["gqa.output.weight"] + t["gqa.output.bias"])
kr = k.repeat_interleave(2, 1)
chk("gqa.weights_per_head", torch.softmax((q @ kr.transpose(-1, -2) / 2**0.5).masked_fill(torch.ones(5, 5).triu(1).bool(), float("-inf")), -1))
