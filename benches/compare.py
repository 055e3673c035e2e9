#!/usr/bin/env python3
"""Prints the workspace's benchmark results beside PyTorch's, as ratios.

Reads what the benches wrote (standard library only, no PyTorch needed):

- criterion's results, ``target/criterion/<workload>/<implementation>/<shape>/new/``
  (``cargo bench -p attention-benches --bench attention --bench training``);
- the memory bench's ``target/tmp/w6-memory.json``
  (``cargo bench -p attention-benches --bench memory``);
- PyTorch's ``target/peer/torch.json`` (``python3 benches/torch_peer.py``), if present;
- W7's ``target/peer/torch_translate.json`` (``benches/torch_translate.py``), if
  present: attn's and PyTorch's training times of `attn train translate`'s model
  on the same run directory.

and prints one Markdown table a workload: for every shape, each
implementation's time (or peak memory), its throughput, and its ratio to
PyTorch's reference implementation of the same workload and shape
(``x torch`` above 1 means slower, or more memory, than PyTorch).

W7 is the training time of the whole run: attn's and PyTorch's, and
attn/PyTorch, with validation excluded on both sides (attn's from Burn's log
lines that open each epoch's training and validation, PyTorch's from its own
clock around its training epochs; see benches/torch_translate.py); a second
line gives both times with validation included.

W8 is W7 at the article's size for one epoch (``examples/translate/article.toml``
on the gettext corpus), the same table from its own file.

    python3 benches/compare.py [--target DIR] [--torch FILE] [--translate FILE] [--article FILE]
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
    parser.add_argument(
        "--translate", help="W7's results, from torch_translate.py (default: TARGET/peer/torch_translate.json)"
    )
    parser.add_argument(
        "--article",
        help="W8's results, torch_translate.py --workload w8_article_epoch (default: TARGET/peer/w8_article_epoch.json)",
    )
    args = parser.parse_args()
    target = pathlib.Path(args.target)
    ours = criterion_results(target / "criterion")
    memory, _ = read_results(target / "tmp" / "w6-memory.json")
    ours.update(memory)
    torch, machine = read_results(pathlib.Path(args.torch) if args.torch else target / "peer" / "torch.json")
    translate_path = pathlib.Path(args.translate) if args.translate else target / "peer" / "torch_translate.json"
    translate = json.loads(translate_path.read_text()) if translate_path.exists() else None
    article_path = pathlib.Path(args.article) if args.article else target / "peer" / "w8_article_epoch.json"
    article = json.loads(article_path.read_text()) if article_path.exists() else None
    if not ours and not torch and not translate and not article:
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
    if translate:
        print_w7(translate, translate_path)
    if article:
        print_w7(article, article_path)


def seconds(value):
    return f"{value:,.1f} s" if value is not None else "-"


def print_w7(data, path):
    """W7: `attn train translate` and PyTorch on one run directory, training time."""
    run, params, ours, theirs = data["run"], data["parameters"], data.get("attn"), data["torch"]
    machine = data.get("machine") or {}
    epochs = run["epochs"]
    print(f"\n### {data.get('workload', 'w7_translate_train')}\n")
    counts = {params.get("torch"), params.get("rust_formula")} | (
        {params["attn_summary"]} if params.get("attn_summary") is not None else set()
    )
    same = (
        f"{params['torch']:,} parameters on both sides"
        if len(counts) == 1
        else f"parameters differ: PyTorch {params.get('torch')}, Rust {params.get('rust_formula')}, "
        f"attn's summary {params.get('attn_summary')}"
    )
    print(
        f"The model of `attn train translate` on the run {run['dir']}: {run['train_pairs']:,} training pairs, "
        f"vocabularies {run['src_vocab']} and {run['tgt_vocab']}, {epochs} epochs of {run['steps_per_epoch']} "
        f"steps of {run['batch_per_device']} pairs x {run['devices']} devices = {run['global_batch']} a step; {same}. "
        f"PyTorch {machine.get('torch')}, {machine.get('threads')} threads, {machine.get('device')} "
        f"({path})."
    )
    print(
        "\nTime: training only, validation excluded on both sides. attn: the sum over epochs of Burn's log "
        "times from `Executing training step for epoch E` to `Executing validation step for epoch E`; "
        "PyTorch: the sum of its training epochs (shuffling, batching, steps).\n"
    )
    print("| implementation | training time | per epoch | x torch |")
    print("|---|---:|---:|---:|")
    base = theirs.get("train_s")
    same_epochs = ours is not None and len(ours.get("epochs", [])) == len(theirs.get("epochs", []))
    comparable = ours is not None and same_epochs and not theirs.get("partial") and base
    if ours is not None:
        ratio = f"{ours['train_s'] / base:.2f}" if comparable else ""
        name = f"attn ({ours.get('devices')} devices)"
        print(f"| {name} | {seconds(ours['train_s'])} | {seconds(ours['train_s'] / epochs)} | {ratio} |")
    name = f"torch ({machine.get('device')}, {machine.get('threads')} threads)"
    per_epoch = base / len(theirs["epochs"]) if theirs.get("epochs") else None
    print(f"| {name} | {seconds(base)} | {seconds(per_epoch)} | {'1.00' if comparable else ''} |")
    if theirs.get("partial"):
        print("\nPyTorch's run is partial (--epochs or --max-steps): no ratio")
    if ours is None:
        print("\nno attn time: run benches/torch_translate.py with --attn BIN or --attn-log FILE")
    elif not same_epochs:
        print(f"\nattn's log has {len(ours.get('epochs', []))} epochs, PyTorch trained {len(theirs['epochs'])}: no ratio")
    if ours is not None and comparable:
        ours_all = ours["train_s"] + ours["valid_s"] if ours.get("valid_s") is not None else None
        theirs_all = base + theirs["valid_s"] if theirs.get("valid_s") is not None else None
        if ours_all is not None and theirs_all is not None:
            print(
                f"\nWith validation on both sides (attn's also includes its per-epoch checkpoints and, last, "
                f"saving the model): attn {seconds(ours_all)}, torch {seconds(theirs_all)}, "
                f"x torch {ours_all / theirs_all:.2f}."
            )
        if ours.get("wall_s") is not None:
            print(f"attn's whole process (corpus generation included): {seconds(ours['wall_s'])}.")


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
