#!/usr/bin/env python3
"""PyTorch's side of the workspace's benchmarks (W1 to W6).

Runs the same workloads as the Rust benches (``benches/attention.rs``,
``benches/training.rs``, ``benches/memory.rs``) in PyTorch, under the same
names, and writes the results where ``benches/compare.py`` reads them.

Usage, from the repository root (PyTorch is not a dependency of the
workspace; install it in a virtual environment, see
``benches/requirements-peer.txt``)::

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install -r benches/requirements-peer.txt \\
        --index-url https://download.pytorch.org/whl/cpu
    /tmp/torchenv/bin/python benches/torch_peer.py [--threads N] [--device cpu|cuda]
        [--out FILE] [--filter SUBSTRING] [--quick]

Options:

--threads N     intra-op threads (default 2); on the CPU the script calls
                ``torch.set_num_threads(N)`` and ``torch.set_num_interop_threads(1)``.
--device D      ``cpu`` (default) or ``cuda``.
--out FILE      the JSON written (default ``target/peer/torch.json``, relative
                to the working directory); its folder is created, and the file
                is replaced atomically.  With ``--filter`` it holds only the
                workloads that ran.
--filter S      runs only the workloads whose name contains S.
--quick         about 0.3 s of samples a workload instead of about 2 s: to check
                that everything runs, not to compare.

Every workload is in float32.  One line a workload is printed, and the JSON is::

    {"machine": {"python", "torch", "threads", "interop_threads", "device",
                 "cpu", "gpu", ...},
     "results": {NAME: {"mean_s", "median_s", "samples", "flops", "tokens",
                        "peak_bytes"}}}

(a skipped or failed workload has null times and a "skipped" or "error" text).

Timing: a workload is warmed up (a few runs, about 0.5 s at most), then run
and timed one iteration a sample with ``time.perf_counter`` until at least
10 samples and about 2 s have been taken; a slow workload stops after about
10 s with at least 3 samples (``--quick``: 3 samples and 0.3 s, or 1.5 s
with at least 1).  On CUDA, ``torch.cuda.synchronize()`` is called inside
the timed region before the clock stops.  mean_s and median_s are seconds an
iteration.

Workloads (``{n}`` is the sequence length; flops follow FlashAttention's
count, as the Rust benches do):

W1  ``w1_attention_forward/{torch_sdpa,torch_explicit}/b1_h12_s{n}_d64_f32``,
    n in 128, 512, 2048: ``F.scaled_dot_product_attention(q, k, v)``, or
    ``softmax(q @ k^T * 64**-0.5) @ v`` with the weights materialised, for q,
    k, v of shape [1, 12, n, 64], under ``torch.no_grad()``.
    flops = 4 b h n^2 d (the two matmuls).
W2  ``w2_attention_forward_backward/{torch_sdpa,torch_explicit}/b1_h12_s{n}_d64_f32``:
    the same with q, k, v requiring gradients, and ``out.backward(grad)`` for
    a fixed random ``grad``; the gradients are cleared (set to None) each
    iteration.  flops = 3.5 * 4 b h n^2 d (the backward counted as 2.5
    forwards).
W3  ``w3_mha_forward/torch_mha/b4_s{n}_d768_h12_f32``, n in 128, 512:
    ``nn.MultiheadAttention(768, 12, batch_first=True, dropout=0.0)`` in eval
    mode, self-attention ``mha(x, x, x, need_weights=False)`` under no_grad.
    ``w3_mha_forward_backward/torch_mha/...``: train mode, x requiring
    gradients, ``out.backward(grad)`` for a fixed random ``grad``.
    flops, forward:  projections 4 * 2 b n d_model^2  (Q, K, V and output)
                   + attention   4 b h n^2 d_head;
    forward+backward: 3 * projections + 3.5 * attention.
W4  ``w4_rnn_train_step/torch_tutorial/b32_len10_h128_v4600x3000_f32``: one
    training step (zero_grad, forward, loss, backward, Adam step, lr 1e-3) of
    the model of PyTorch's tutorial "NLP From Scratch: Translation with a
    Sequence to Sequence Network and Attention", at its size: a GRU encoder
    (embedding 4600 -> 128, GRU 128) and a GRU decoder with Bahdanau
    attention (Wa, Ua: 128 -> 128, Va: 128 -> 1; embedding 3000 -> 128; GRU
    on [embedded; context], 256 -> 128; output 128 -> 3000; log_softmax),
    10 decoding steps with teacher forcing, batch 32, source and target
    length 10, NLLLoss, dropout 0.  tokens = 32 * 10 (target tokens a step).
    The tutorial's two Adam optimisers (encoder, decoder) are one here, which
    computes the same update.
W5  ``w5_encoder_train_step/torch_encoder/b32_s32_d256_h4_l3_ff1024_f32``: one
    training step of ``nn.TransformerEncoder`` of 3
    ``TransformerEncoderLayer(256, 4, 1024, dropout=0.0, batch_first=True,
    norm_first=True)`` with a final LayerNorm (as a pre-norm stack has, and
    as the workspace's encoder does), over token embeddings (vocabulary
    1000) plus learned positions (32), mean pooling, a linear head to 10
    classes, cross entropy, Adam lr 1e-3.  tokens = 32 * 32; printed as
    tokens/s.
W6  ``w6_attention_memory/{torch_sdpa,torch_explicit}/b1_h12_s{n}_d64_f32``,
    n in 1024, 2048, 4096, 8192: the peak memory of one forward and backward
    (as W2, inputs and upstream gradient included).  mean_s is the time of
    that one run.  On the CPU each case runs in a fresh process (this script
    re-invoked with a hidden option), which first runs the same path once at
    a tiny length (so that libraries and thread pools are loaded), then reads
    its peak resident set size before allocating the inputs and again after
    the backward; peak_bytes is the difference.  That is resident memory
    (RSS), an upper bound of what the tensors themselves use (allocator
    slack, the autograd graph and workspace buffers count too); the Rust
    bench counts allocated bytes instead.  The peak read is the process's
    own ``VmHWM`` from ``/proc/self/status``, restarted at the current RSS
    just before (``echo 5 > /proc/self/clear_refs``), not
    ``resource.getrusage(...).ru_maxrss``: Linux carries ru_maxrss over
    fork and exec, so a child of a large parent (this script after W1 to
    W5) would start at the parent's peak and show no growth.  Where /proc is
    missing, ru_maxrss is the fallback.  On CUDA,
    ``torch.cuda.reset_peak_memory_stats`` and ``max_memory_allocated`` are
    used, in this process.  A case predicted to need more than 16 GiB (or
    more than the memory available now, less 1 GiB) is skipped, and the
    reason printed and recorded: the prediction is the larger of the
    previous length's measured peak times the square of the length ratio,
    and an estimate of the live score-sized matrices (4 for the explicit
    path: 12 * 8192^2 * 4 bytes = 3 GiB each at n = 8192).
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

# The CPU wheel warns at import when NumPy is missing; nothing here uses it.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

GIB = 1 << 30
MEMORY_BUDGET = 16 * GIB

# Attention shapes: GPT-2's head (batch 1, 12 heads of 64).
BATCH, HEADS, D_HEAD = 1, 12, 64
W1_LENGTHS = (128, 512, 2048)
W6_LENGTHS = (1024, 2048, 4096, 8192)
# Score-sized matrices live at the explicit path's peak (scores, scaled
# scores, softmax, their gradients, not all at once).
EXPLICIT_LIVE_SCORES = 4

# MultiheadAttention: batch 4, width 768, 12 heads.
MHA_BATCH, D_MODEL, MHA_HEADS = 4, 768, 12
W3_LENGTHS = (128, 512)

PATHS = ("torch_sdpa", "torch_explicit")


def attention_shape(n):
    return f"b{BATCH}_h{HEADS}_s{n}_d{D_HEAD}_f32"


def attention_flops(n):
    """FlashAttention's count for the forward: 4 b h n^2 d."""
    return 4 * BATCH * HEADS * n * n * D_HEAD


def mha_flops(n, backward):
    """Projections (Q, K, V, output: 4 * 2 b n d^2) and attention (4 b h n^2 d_head);
    with the backward, 3x the projections and 3.5x the attention."""
    projections = 4 * 2 * MHA_BATCH * n * D_MODEL * D_MODEL
    attention = 4 * MHA_BATCH * MHA_HEADS * n * n * (D_MODEL // MHA_HEADS)
    if backward:
        return 3 * projections + 3.5 * attention
    return projections + attention


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def attend(path, q, k, v):
    if path == "torch_sdpa":
        return F.scaled_dot_product_attention(q, k, v)
    scores = q @ k.transpose(-2, -1) * q.shape[-1] ** -0.5
    return torch.softmax(scores, dim=-1) @ v


def attention_inputs(n, device, requires_grad):
    generator = torch.Generator(device="cpu").manual_seed(0)
    shape = (BATCH, HEADS, n, D_HEAD)
    tensors = [torch.randn(shape, generator=generator).to(device) for _ in range(4)]
    q, k, v, grad = tensors
    if requires_grad:
        for t in (q, k, v):
            t.requires_grad_(True)
    return q, k, v, grad


# --- W1, W2: attention ------------------------------------------------------


def w1_setup(path, n):
    def setup(device):
        q, k, v, _ = attention_inputs(n, device, requires_grad=False)

        def step():
            with torch.no_grad():
                return attend(path, q, k, v)

        return step

    return setup


def w2_setup(path, n):
    def setup(device):
        q, k, v, grad = attention_inputs(n, device, requires_grad=True)

        def step():
            q.grad = k.grad = v.grad = None
            attend(path, q, k, v).backward(grad)

        return step

    return setup


# --- W3: nn.MultiheadAttention ----------------------------------------------


def w3_setup(n, backward):
    def setup(device):
        torch.manual_seed(0)
        mha = nn.MultiheadAttention(D_MODEL, MHA_HEADS, dropout=0.0, batch_first=True).to(device)
        x = torch.randn(MHA_BATCH, n, D_MODEL, device=device)
        if not backward:
            mha.eval()

            def step():
                with torch.no_grad():
                    return mha(x, x, x, need_weights=False)[0]

            return step
        mha.train()
        x.requires_grad_(True)
        grad = torch.randn(MHA_BATCH, n, D_MODEL, device=device)

        def step():
            mha.zero_grad(set_to_none=True)
            x.grad = None
            out, _ = mha(x, x, x, need_weights=False)
            out.backward(grad)

        return step

    return setup


# --- W4: the seq2seq tutorial's GRU encoder and Bahdanau-attention decoder --


class EncoderRNN(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)

    def forward(self, source):
        return self.gru(self.embedding(source))


class BahdanauAttention(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.Wa = nn.Linear(hidden, hidden)
        self.Ua = nn.Linear(hidden, hidden)
        self.Va = nn.Linear(hidden, 1)

    def forward(self, query, keys):
        # query [B, 1, H], keys [B, S, H] -> context [B, 1, H], weights [B, 1, S]
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        weights = torch.softmax(scores.squeeze(2).unsqueeze(1), dim=-1)
        return torch.bmm(weights, keys), weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden, vocab):
        super().__init__()
        self.embedding = nn.Embedding(vocab, hidden)
        self.attention = BahdanauAttention(hidden)
        self.gru = nn.GRU(2 * hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, encoder_outputs, encoder_hidden, decoder_inputs):
        """Teacher forcing: step i reads decoder_inputs[:, i]; log-probabilities [B, L, V]."""
        hidden = encoder_hidden
        outputs = []
        for i in range(decoder_inputs.shape[1]):
            embedded = self.embedding(decoder_inputs[:, i : i + 1])
            context, _ = self.attention(hidden.permute(1, 0, 2), encoder_outputs)
            output, hidden = self.gru(torch.cat((embedded, context), dim=2), hidden)
            outputs.append(self.out(output))
        return F.log_softmax(torch.cat(outputs, dim=1), dim=-1)


W4_BATCH, W4_LEN, W4_HIDDEN, W4_SRC_VOCAB, W4_TGT_VOCAB = 32, 10, 128, 4600, 3000


def w4_setup(device):
    torch.manual_seed(0)
    encoder = EncoderRNN(W4_SRC_VOCAB, W4_HIDDEN).to(device)
    decoder = AttnDecoderRNN(W4_HIDDEN, W4_TGT_VOCAB).to(device)
    parameters = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    loss_fn = nn.NLLLoss()
    source = torch.randint(0, W4_SRC_VOCAB, (W4_BATCH, W4_LEN), device=device)
    # Target of len + 1: the first token plays the tutorial's SOS.
    target = torch.randint(0, W4_TGT_VOCAB, (W4_BATCH, W4_LEN + 1), device=device)
    target_input, target_output = target[:, :-1], target[:, 1:]

    def step():
        optimizer.zero_grad(set_to_none=True)
        encoder_outputs, encoder_hidden = encoder(source)
        log_probs = decoder(encoder_outputs, encoder_hidden, target_input)
        loss = loss_fn(log_probs.reshape(-1, W4_TGT_VOCAB), target_output.reshape(-1))
        loss.backward()
        optimizer.step()

    return step


# --- W5: a pre-norm TransformerEncoder classifier -----------------------------


class EncoderClassifier(nn.Module):
    def __init__(self, vocab, d_model, heads, layers, ff, max_len, classes):
        super().__init__()
        self.tokens = nn.Embedding(vocab, d_model)
        self.positions = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, heads, dim_feedforward=ff, dropout=0.0, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(
            layer, layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False
        )
        self.head = nn.Linear(d_model, classes)

    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        hidden = self.encoder(self.tokens(tokens) + self.positions(positions))
        return self.head(hidden.mean(dim=1))


W5_BATCH, W5_LEN, W5_VOCAB, W5_CLASSES = 32, 32, 1000, 10


def w5_setup(device):
    torch.manual_seed(0)
    model = EncoderClassifier(W5_VOCAB, 256, 4, 3, 1024, W5_LEN, W5_CLASSES).to(device)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    tokens = torch.randint(0, W5_VOCAB, (W5_BATCH, W5_LEN), device=device)
    labels = torch.randint(0, W5_CLASSES, (W5_BATCH,), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(tokens), labels)
        loss.backward()
        optimizer.step()

    return step


# --- the list of workloads --------------------------------------------------


class Workload:
    """A timed workload: setup(device) returns the step to time."""

    def __init__(self, name, setup, flops=None, tokens=None):
        self.name, self.setup, self.flops, self.tokens = name, setup, flops, tokens


def timed_workloads():
    workloads = []
    for n in W1_LENGTHS:
        for path in PATHS:
            workloads.append(
                Workload(f"w1_attention_forward/{path}/{attention_shape(n)}", w1_setup(path, n), flops=attention_flops(n))
            )
    for n in W1_LENGTHS:
        for path in PATHS:
            workloads.append(
                Workload(
                    f"w2_attention_forward_backward/{path}/{attention_shape(n)}",
                    w2_setup(path, n),
                    flops=3.5 * attention_flops(n),
                )
            )
    for backward in (False, True):
        group = "w3_mha_forward_backward" if backward else "w3_mha_forward"
        for n in W3_LENGTHS:
            workloads.append(
                Workload(
                    f"{group}/torch_mha/b{MHA_BATCH}_s{n}_d{D_MODEL}_h{MHA_HEADS}_f32",
                    w3_setup(n, backward),
                    flops=mha_flops(n, backward),
                )
            )
    workloads.append(
        Workload(
            f"w4_rnn_train_step/torch_tutorial/b{W4_BATCH}_len{W4_LEN}_h{W4_HIDDEN}"
            f"_v{W4_SRC_VOCAB}x{W4_TGT_VOCAB}_f32",
            w4_setup,
            tokens=W4_BATCH * W4_LEN,
        )
    )
    workloads.append(
        Workload(
            "w5_encoder_train_step/torch_encoder/b32_s32_d256_h4_l3_ff1024_f32",
            w5_setup,
            tokens=W5_BATCH * W5_LEN,
        )
    )
    return workloads


def memory_cases():
    """(name, path, n) for W6, in the order the skip prediction needs."""
    return [
        (f"w6_attention_memory/{path}/{attention_shape(n)}", path, n) for path in PATHS for n in W6_LENGTHS
    ]


# --- timing ---------------------------------------------------------------


def measure(step, device, quick):
    """Seconds an iteration: warm-up, then samples until enough time and count."""
    warmup_time, warmup_runs = (0.1, 1) if quick else (0.5, 3)
    target_time, min_samples = (0.3, 3) if quick else (2.0, 10)
    max_time, floor_samples = (1.5, 1) if quick else (10.0, 3)
    start = time.perf_counter()
    for _ in range(warmup_runs):
        step()
        sync(device)
        if time.perf_counter() - start >= warmup_time:
            break
    samples = []
    total = 0.0
    while True:
        t0 = time.perf_counter()
        step()
        sync(device)
        elapsed = time.perf_counter() - t0
        samples.append(elapsed)
        total += elapsed
        if len(samples) >= min_samples and total >= target_time:
            break
        if len(samples) >= floor_samples and total >= max_time:
            break
    return samples


def result(mean_s=None, median_s=None, samples=0, flops=None, tokens=None, peak_bytes=None, **extra):
    entry = {
        "mean_s": mean_s,
        "median_s": median_s,
        "samples": samples,
        "flops": flops,
        "tokens": tokens,
        "peak_bytes": peak_bytes,
    }
    entry.update(extra)
    return entry


def report(name, entry):
    if entry.get("skipped") or entry.get("error"):
        print(f"{name:<78} {'skipped: ' + entry['skipped'] if entry.get('skipped') else 'error: ' + entry['error']}")
        return
    line = f"{name:<78} mean {entry['mean_s'] * 1e3:10.3f} ms  median {entry['median_s'] * 1e3:10.3f} ms  n={entry['samples']:<5}"
    if entry["peak_bytes"] is not None:
        line += f" peak {entry['peak_bytes'] / 2**20:10.1f} MiB"
    elif entry["tokens"]:
        line += f" {entry['tokens'] / entry['mean_s']:12,.0f} tok/s"
    elif entry["flops"]:
        line += f" {entry['flops'] / entry['mean_s'] / 1e9:8.1f} GFLOP/s"
    print(line, flush=True)


def run_timed(workload, device, quick):
    step = workload.setup(device)
    samples = measure(step, device, quick)
    del step
    return result(
        statistics.fmean(samples),
        statistics.median(samples),
        len(samples),
        workload.flops,
        workload.tokens,
    )


# --- W6: memory -------------------------------------------------------------


def forward_backward(path, n, device):
    q, k, v, grad = attention_inputs(n, device, requires_grad=True)
    attend(path, q, k, v).backward(grad)
    sync(device)
    return q.grad, k.grad, v.grad


def resident_peak():
    """This process's peak resident bytes: its own VmHWM on Linux, else ru_maxrss.

    Not ru_maxrss on Linux: the kernel keeps it across fork and exec, so a
    process started by a large one begins at its parent's peak.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def reset_resident_peak():
    """Restarts VmHWM at the current RSS (Linux 4.0 and later); a no-op elsewhere."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def memory_child(path, n, threads):
    """In a fresh process: one forward+backward; prints {"peak_bytes", "seconds"}."""
    configure_threads(threads)
    device = torch.device("cpu")
    forward_backward(path, 64, device)  # loads kernels and thread pools first
    reset_resident_peak()
    before = resident_peak()
    start = time.perf_counter()
    grads = forward_backward(path, n, device)
    seconds = time.perf_counter() - start
    after = resident_peak()
    del grads
    print(json.dumps({"peak_bytes": after - before, "seconds": seconds}))


def memory_cuda(path, n, device):
    torch.cuda.empty_cache()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    start = time.perf_counter()
    grads = forward_backward(path, n, device)
    seconds = time.perf_counter() - start
    peak = torch.cuda.max_memory_allocated() - before
    del grads
    torch.cuda.empty_cache()
    return peak, seconds


def available_bytes(device):
    if device.type == "cuda":
        return torch.cuda.mem_get_info()[0]
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def predicted_bytes(path, n, previous):
    """The larger of the previous length's peak grown as n^2 and the score matrices' estimate."""
    inputs = 7 * BATCH * HEADS * n * D_HEAD * 4  # q, k, v, grad, out, 3 gradients, roughly
    scores = EXPLICIT_LIVE_SCORES * BATCH * HEADS * n * n * 4 if path == "torch_explicit" else 0
    estimate = inputs + scores
    if previous is not None:
        prev_n, prev_peak = previous
        estimate = max(estimate, prev_peak * (n / prev_n) ** 2)
    return estimate


def run_memory(path, n, device, threads, previous):
    flops = 3.5 * attention_flops(n)
    predicted = predicted_bytes(path, n, previous)
    budget = MEMORY_BUDGET
    available = available_bytes(device)
    if available is not None:
        budget = min(budget, available - GIB)
    if predicted > budget:
        reason = (
            f"{predicted / GIB:.1f} GiB predicted, over the {budget / GIB:.1f} GiB budget "
            f"(16 GiB, or what is available now less 1 GiB)"
        )
        return result(flops=flops, skipped=reason)
    if device.type == "cuda":
        peak, seconds = memory_cuda(path, n, device)
    else:
        command = [sys.executable, os.path.abspath(__file__), "--threads", str(threads), "--_memory-case", f"{path}:{n}"]
        child = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        if child.returncode != 0:
            tail = (child.stderr.strip().splitlines() or [f"exit status {child.returncode}"])[-1]
            return result(flops=flops, error=f"child process failed ({child.returncode}): {tail}")
        measured = json.loads(child.stdout.strip().splitlines()[-1])
        peak, seconds = measured["peak_bytes"], measured["seconds"]
    return result(seconds, seconds, 1, flops, None, int(peak))


# --- the machine, the file --------------------------------------------------


def configure_threads(threads):
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work already started
        pass


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def machine_info(device, quick):
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "device": device.type,
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "quick": quick,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if device.type == "cuda":
        info["cuda"] = torch.version.cuda
    return info


def write_json(path, data):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".torch-peer-", suffix=".json.tmp", dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's file is private; give it a plain file's mode
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2, sort_keys=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads on the CPU (default 2)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="default cpu")
    parser.add_argument("--out", default=os.path.join("target", "peer", "torch.json"), help="default target/peer/torch.json")
    parser.add_argument("--filter", help="run only the workloads whose name contains this")
    parser.add_argument("--quick", action="store_true", help="about 0.3 s a workload instead of 2 s")
    parser.add_argument("--_memory-case", dest="memory_case", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.memory_case:
        path, n = args.memory_case.split(":")
        memory_child(path, int(n), args.threads)
        return 0

    device = torch.device(args.device)
    if device.type == "cpu":
        configure_threads(args.threads)
    else:
        if not torch.cuda.is_available():
            sys.exit("--device cuda: CUDA is not available to this PyTorch")
        # float32 means float32: no TF32 in matmuls or cuDNN (the GRUs).
        torch.set_float32_matmul_precision("highest")
        torch.backends.cudnn.allow_tf32 = False

    def selected(name):
        return args.filter is None or args.filter in name

    names = [w.name for w in timed_workloads()] + [name for name, _, _ in memory_cases()]
    if not any(selected(name) for name in names):
        sys.exit(f"no workload matches --filter {args.filter!r}")

    machine = machine_info(device, args.quick)
    print(
        f"PyTorch {machine['torch']}, Python {machine['python']}, {device.type}"
        f" ({machine['gpu'] or machine['cpu']}), {machine['threads']} threads"
        f"{', quick' if args.quick else ''}",
        flush=True,
    )
    started = time.perf_counter()
    results = {}
    failed = False
    for workload in timed_workloads():
        if not selected(workload.name):
            continue
        try:
            entry = run_timed(workload, device, args.quick)
        except Exception as e:  # noqa: BLE001 - recorded, and the run goes on
            entry = result(flops=workload.flops, tokens=workload.tokens, error=f"{type(e).__name__}: {e}")
            failed = True
        results[workload.name] = entry
        report(workload.name, entry)
        if device.type == "cuda":
            torch.cuda.empty_cache()

    previous = {}
    for name, path, n in memory_cases():
        if not selected(name):
            continue
        try:
            entry = run_memory(path, n, device, args.threads, previous.get(path))
        except Exception as e:  # noqa: BLE001
            entry = result(flops=3.5 * attention_flops(n), error=f"{type(e).__name__}: {e}")
            failed = True
        if entry["peak_bytes"] is not None:
            previous[path] = (n, entry["peak_bytes"])
        elif entry.get("error"):
            failed = True
        results[name] = entry
        report(name, entry)

    machine["wall_s"] = round(time.perf_counter() - started, 3)
    write_json(args.out, {"machine": machine, "results": results})
    print(f"{len(results)} results written to {args.out} in {machine['wall_s']:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
