#!/usr/bin/env bash
# The README's main job as a user meets it, beside the same job in release and PyTorch's, one after
# the other on this machine, each training from scratch with the same threads:
#
#   1. `cargo run -p attention-examples --example translate`: the README's command, the dev profile;
#   2. the same example built with `--release`;
#   3. benches/torch_translate.py: PyTorch's same model on the same run's config, vocabularies and
#      splits, validating every epoch as attn does.
#
# The times compared are wall times of training with its validation passes: the examples' "trained
# in N s" (crates/trainer's train_or_reuse, start of training to the saved model) and PyTorch's
# training plus validation seconds. Output: the three times and their ratios, and
# $OUT/readme_job.json.
#
#   benches/readme_job.sh                       # THREADS=2, PYTHON=python3, OUT=target/peer/readme_job
#                                               # (CARGO_TARGET_DIR is honoured)
#   PYTHON=/tmp/torchenv/bin/python benches/readme_job.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
threads=${THREADS:-2}
target=${CARGO_TARGET_DIR:-target}
out=${OUT:-$target/peer/readme_job}
mkdir -p "$out"

cargo build -p attention-examples --example translate
cargo build --release -p attention-examples --example translate

export RAYON_NUM_THREADS=$threads OMP_WAIT_POLICY=PASSIVE
trained() { sed -n 's/^trained in \([0-9.]*\) s$/\1/p' "$1"; }
declare -A seconds
for profile in debug release; do
  rm -rf "$out/run-$profile"
  echo "== the example, $profile build" >&2
  "$target/$profile/examples/translate" "$out/run-$profile" >"$out/$profile.out" 2>"$out/$profile.log"
  seconds[$profile]=$(trained "$out/$profile.out")
  if [ -z "${seconds[$profile]}" ]; then
    echo "no 'trained in N s' line in $out/$profile.out" >&2
    exit 1
  fi
done

echo "== PyTorch" >&2
"$python" benches/torch_translate.py --run "$out/run-release" --threads "$threads" \
  --out "$out/torch_translate.json" >"$out/torch.out" 2>&1

"$python" - "$out" "${seconds[debug]}" "${seconds[release]}" <<'PY'
import json, os, sys
out, dev, release = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
torch = json.load(open(os.path.join(out, "torch_translate.json")))["torch"]
peer = torch["train_s"] + (torch["valid_s"] or 0.0)
table = {
    "dev_s": dev,
    "release_s": release,
    "torch_s": peer,
    "dev_over_release": dev / release,
    "dev_over_torch": dev / peer,
    "release_over_torch": release / peer,
}
json.dump(table, open(os.path.join(out, "readme_job.json"), "w"), indent=1)
print(f"the README's command (dev profile): {dev:.1f} s")
print(f"the same, release build:           {release:.1f} s   dev/release {dev / release:.2f}")
print(f"PyTorch (train + validation):      {peer:.1f} s   dev/PyTorch {dev / peer:.2f}, release/PyTorch {release / peer:.2f}")
PY
