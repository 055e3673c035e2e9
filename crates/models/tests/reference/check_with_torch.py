"""Cross-check of torch_gru.safetensors and torch_transformer.safetensors against
real torch.nn.GRU and torch.nn.TransformerEncoderLayer (optional: the project
does not depend on PyTorch). Run: python3 crates/models/tests/reference/check_with_torch.py
Every difference was below 1e-6 with torch 2.15.0 (CPU) when the files were written."""
import pathlib
DATA = pathlib.Path(__file__).resolve().parent.parent / "data"

# --- torch.nn.GRU ---
import json, struct, numpy as np, torch
p = DATA / "torch_gru.safetensors"
buf = open(p, "rb").read(); n = struct.unpack("<Q", buf[:8])[0]; hdr = json.loads(buf[8:8+n]); d = buf[8+n:]
t = {k: torch.from_numpy(np.frombuffer(d[v["data_offsets"][0]:v["data_offsets"][1]], "<f4").reshape(v["shape"]).copy()) for k, v in hdr.items()}
worst = 0.0
def chk(name, x):
    global worst
    e = (x - t[name].double()).abs().max().item(); worst = max(worst, e)
    print(f"{name:16s} maxerr {e:.2e}")
for dtype in (torch.float64, torch.float32):
    print("torch dtype", dtype)
    g = torch.nn.GRU(5, 4, batch_first=True).to(dtype)
    with torch.no_grad():
        for k, prm in g.named_parameters(): prm.copy_(t["gru." + k])
        out, hn = g(t["gru.input"].to(dtype), t["gru.h0"][None].to(dtype))
    chk("gru.output", out.double()); chk("gru.h_n", hn[0].double())
    bg = torch.nn.GRU(5, 4, batch_first=True, bidirectional=True).to(dtype)
    with torch.no_grad():
        for k, prm in bg.named_parameters(): prm.copy_(t["bigru." + k])
        out, hn = bg(t["bigru.input"].to(dtype))
    chk("bigru.output", out.double()); chk("bigru.h_n", hn.double())
    print("worst", worst); worst = 0.0
print(torch.__version__)

# --- torch.nn.TransformerEncoderLayer ---
import json, struct, numpy as np, torch
f = DATA / "torch_transformer.safetensors"
b = open(f, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8+n])
T = {k: np.frombuffer(b[8+n+v["data_offsets"][0]:8+n+v["data_offsets"][1]], dtype="<f4").reshape(v["shape"]) for k, v in h.items()}
lengths = torch.tensor([5, 3, 1])
print("torch", torch.__version__)
for p, nf, act, masked in [("post_relu", False, "relu", True), ("pre_gelu", True, "gelu", True), ("post_gelu_nomask", False, "gelu", False)]:
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=act, layer_norm_eps=1e-5, batch_first=True, norm_first=nf)
    sd = {k[len(p)+1:]: torch.from_numpy(v.copy()) for k, v in T.items() if k.startswith(p + ".") and k not in (p+".input", p+".output")}
    layer.load_state_dict(sd, strict=True)
    layer.eval()
    x = torch.from_numpy(T[p + ".input"].copy())
    mask = (torch.arange(5)[None, :] >= lengths[:, None]) if masked else None
    valid = (~mask) if masked else torch.ones(3, 5, dtype=torch.bool)
    ref = torch.from_numpy(T[p + ".output"].copy())
    for mode in ["grad (slow path)", "no_grad (fast path eligible)"]:
        if mode.startswith("no_grad"):
            with torch.no_grad(): y = layer(x, src_key_padding_mask=mask)
        else:
            y = layer(x, src_key_padding_mask=mask).detach()
        d_valid = (y - ref)[valid].abs().max().item()
        d_all = (y - ref).abs().max().item()
        print(f"{p:18s} {mode:30s} max|diff| unpadded={d_valid:.3e} all={d_all:.3e}")
    # float64 check
    l64 = layer.double()
    y64 = l64(x.double(), src_key_padding_mask=mask).detach()
    print(f"{p:18s} float64 grad path: unpadded={(y64.float()-ref)[valid].abs().max().item():.3e} all={(y64.float()-ref).abs().max().item():.3e}")
