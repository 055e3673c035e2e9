#!/usr/bin/env python3
"""Prints the workspace's benchmark results beside PyTorch's, as ratios.

Reads what the benches wrote (standard library only, no PyTorch needed):

- criterion's results, ``target/criterion/<workload>/<implementation>/<shape>/new/``
  (``cargo bench -p attention-benches --bench attention --bench training``);
- the memory bench's ``target/tmp/w6-memory.json``
  (``cargo bench -p attention-benches --bench memory``);
- PyTorch's ``target/peer/torch.json`` (``python3 benches/torch_peer.py``), if present.

and prints one Markdown table a workload: for every shape, each
implementation's time (or peak memory), its throughput, and its ratio to
PyTorch's reference implementation of the same workload and shape
(``x torch`` above 1 means slower, or more memory, than PyTorch).

    python3 benches/compare.py [--target DIR] [--torch FILE]
"""

import argparse
import json
import pathlib
import sys

# The PyTorch implementation each workload is compared with.
REFERENCE = {
    "w1_attention_forward": "torch_sdpa",
    "w2_attention_forward_backward": "torch_sdpa",
    "w3_mha_forward": "torch_mha",
    "w3_mha_forward_backward": "torch_mha",
    "w4_rnn_train_step": "torch_tutorial",
    "w5_encoder_train_step": "torch_encoder",
    "w6_attention_memory": "torch_sdpa",
}

# Workloads whose throughput is in tokens, not floating-point operations.
TOKENS = {"w4_rnn_train_step", "w5_encoder_train_step"}


def criterion_results(root):
    """{name: {"mean_s", "flops" | "tokens"}} from criterion's output folder."""
    results = {}
    for bench in root.glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        name = meta["full_id"]
        entry = {"mean_s": estimates["mean"]["point_estimate"] * 1e-9}
        elements = (meta.get("throughput") or {}).get("Elements")
        workload = name.split("/")[0]
        if elements is not None:
            entry["tokens" if workload in TOKENS else "flops"] = elements
        results[name] = entry
    return results


def read_results(path):
    if not path.exists():
        return {}, None
    data = json.loads(path.read_text())
    return data["results"], data.get("machine")


def throughput(workload, entry):
    seconds = entry.get("mean_s")
    if not seconds:
        return ""
    if workload in TOKENS and entry.get("tokens"):
        return f"{entry['tokens'] / seconds:,.0f} tok/s"
    if entry.get("flops"):
        return f"{entry['flops'] / seconds / 1e9:.1f} GFLOP/s"
    return ""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="target", help="cargo's target directory (default: target)")
    parser.add_argument("--torch", help="PyTorch's results (default: TARGET/peer/torch.json)")
    args = parser.parse_args()
    target = pathlib.Path(args.target)
    ours = criterion_results(target / "criterion")
    memory, _ = read_results(target / "tmp" / "w6-memory.json")
    ours.update(memory)
    torch, machine = read_results(pathlib.Path(args.torch) if args.torch else target / "peer" / "torch.json")
    if not ours and not torch:
        sys.exit(f"no results under {target}: run the benches first (see docs/performance.md)")
    if machine:
        print(f"PyTorch {machine.get('torch')}, {machine.get('threads')} threads, {machine.get('device')}")
    else:
        print("no PyTorch results: ratios left out")

    rows = {}
    for source, results in (("ours", ours), ("torch", torch)):
        for name, entry in results.items():
            workload, implementation, shape = name.split("/", 2)
            rows.setdefault(workload, {}).setdefault(shape, {})[implementation] = entry
    for workload in sorted(rows):
        is_memory = workload == "w6_attention_memory"
        print(f"\n### {workload}\n")
        metric = "peak memory" if is_memory else "time"
        print(f"| shape | implementation | {metric} | throughput | x torch |")
        print("|---|---|---:|---:|---:|")
        reference_name = REFERENCE.get(workload)
        for shape in sorted(rows[workload], key=shape_order):
            implementations = rows[workload][shape]
            reference = implementations.get(reference_name)
            for implementation in sorted(implementations, key=lambda i: (i.startswith("torch"), i)):
                entry = implementations[implementation]
                if is_memory:
                    value = entry.get("peak_bytes")
                    shown = f"{value / 2**20:,.1f} MiB" if value is not None else "skipped"
                    base = reference.get("peak_bytes") if reference else None
                    speed = ""
                else:
                    value = entry.get("mean_s")
                    shown = f"{value * 1e3:,.3f} ms" if value is not None else "skipped"
                    base = reference.get("mean_s") if reference else None
                    speed = throughput(workload, entry)
                ratio = f"{value / base:.2f}" if value is not None and base else ""
                print(f"| {shape} | {implementation} | {shown} | {speed} | {ratio} |")


def shape_order(shape):
    """Orders `b1_h12_s512_d64_f32` by its sequence length, then by name."""
    for part in shape.split("_"):
        if part.startswith("s") and part[1:].isdigit():
            return (int(part[1:]), shape)
        if part.startswith("len") and part[3:].isdigit():
            return (int(part[3:]), shape)
    return (0, shape)


if __name__ == "__main__":
    main()
