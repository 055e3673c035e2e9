#!/usr/bin/env python3
"""PyTorch's side of workload W7: training `attn train translate`'s model.

W7 is the README's main job (``examples/src/translate.rs``,
``Options::main_job``): ``TranslateConfig::default()`` with ``Translate::common_defaults()`` trained
with ``--devices 2``.  This script trains the same model, the same way, in
PyTorch, on a run directory's own saved splits and vocabularies, and times it;
``benches/compare.py`` prints the two times and their ratio.

Usage, from the repository root (PyTorch as for ``benches/torch_peer.py``)::

    # 1. attn trains, timed from its own log; then PyTorch trains on the same run's files
    #    (give both sides the same threads: RAYON_NUM_THREADS for attn, --threads for PyTorch)
    RAYON_NUM_THREADS=2 /tmp/torchenv/bin/python benches/torch_translate.py \\
        --attn target/release/attn --run runs/w7 --threads 2

    # or: a run attn made by hand with this logging (the log must not go inside the run dir)
    RUST_LOG=info,burn_train=warn,burn_train::learner::supervised::strategies=info NO_COLOR=1 \\
        target/release/attn train translate --devices 2 --run-dir runs/w7 2> target/peer/attn_translate.log
    /tmp/torchenv/bin/python benches/torch_translate.py --run runs/w7 --attn-log target/peer/attn_translate.log

    # 2. the table
    python3 benches/compare.py

Options:

--run DIR         the run directory whose ``config.json``, ``vocab.json`` and
                  ``splits/{train,valid}.tsv`` are read (required).
--attn BIN        first run ``BIN train translate --run-dir DIR --devices N``
                  (DIR absent or empty), with the logging above, timing it;
                  its stderr and stdout are kept beside ``--out``, in
                  ``attn_translate.log`` and ``attn_translate.out``.
--attn-args S     more options for that command, one shell-quoted string
                  (``--attn-args "--train-size 300 --epochs 2"``: a smoke test).
--workload NAME   the name the results are filed under (default w7_translate_train).
                  W8, one epoch at the article's size on the gettext corpus:
                  ``--attn target/release/attn --attn-args "--config
                  examples/translate/article.toml --epochs 1" --workload
                  w8_article_epoch --out target/peer/w8_article_epoch.json``.
--attn-log FILE   instead of ``--attn``: the stderr of an attn run of DIR made
                  with the logging above.
--devices N       attn's ``--devices`` (default 2, the main job's).  The run
                  directory does not record it; with a log, the log's count is
                  used and a different ``--devices`` is an error.
--threads N       intra-op threads on the CPU (default 2), as ``torch_peer.py``.
--device D        ``cpu`` (default) or ``cuda``.
--epochs N        train N epochs instead of the run's ``epochs`` (a smoke test;
                  the result is marked partial and compare.py shows no ratio).
--max-steps N     at most N optimiser steps an epoch (a smoke test; partial).
--no-valid        skip the validation passes (then only the training time exists).
--time-budget S   train for S seconds of training time (validation excluded),
                  stopping after the step that reaches it, whatever the run's
                  epochs: the equal-time comparison of docs/translate.md
                  (marked partial: compare.py shows no ratio).
--test            at the end, decode ``splits/test.tsv`` greedily and score it
                  as ``attn eval`` does: corpus BLEU of the output tokens
                  against the reference words, and exact match.
--hypotheses F    with ``--test``, write the outputs to F, one a line, for
                  chrF with sacreBLEU (``sacrebleu REFS -i F -m chrf``).
--out FILE        the JSON written (default ``target/peer/torch_translate.json``).

What the run directory holds, and what is read (``crates/trainer/src/run_dir.rs``,
``translation.rs``, ``data.rs``, ``train.rs``):

- ``config.json``: the resolved ``TrainConfig`` (pretty JSON, snake_case
  fields).  Read: seed, epochs, batch_size, learning_rate, schedule,
  grad_clip, label_smoothing, teacher_forcing, teacher_forcing_end,
  early_stopping, d_embed, d_hidden, cell, direction, attention, max_len.
  The script trains what it mirrors: a GRU cell, Bahdanau attention, the
  constant schedule, teacher forcing 1 without a schedule, no early stopping;
  another config is refused with a message.
- ``vocab.json``: ``{"source": {"tokens": [...]}, "target": {"tokens": [...]}}``,
  the tokens by id, ids 0 to 3 being ``<pad> <bos> <eos> <unk>``
  (``data::Vocabulary``).  A word is encoded as ``Vocabulary::encoder`` does:
  its id among the tokens from id 4 on, ``<unk>`` (3) otherwise.
- ``splits/train.tsv``, ``valid.tsv`` (and ``test.tsv``, read only with ``--test``): one pair a
  line, the English tokens, a tab, the French tokens, tokens separated by
  spaces (``translation::save_splits``/``read_split``), in the order training
  used them.  A pair is source ids = English, target ids = French, with no
  start or end token (``data::Pair``).

The model (``crates/models/src/rnn_seq2seq.rs``, ``recurrent.rs``,
``attention-core/src/score/additive.rs``; ``TrainConfig::model_config`` in
train.rs), at the translate defaults d_embed E=64, d_hidden H=128,
bidirectional encoder, Bahdanau attention:

- source embedding [V_src, E]; a forward and a backward GRU E->H over each
  sentence's own length (``Recurrent::run``, ``reverse_within_lengths``):
  here one bidirectional ``nn.GRU`` over a packed sequence, which computes the
  same states, final states taken at each sentence's length;
- encoder states H_s = [forward; backward] (width 2H); the decoder's first
  state is ``tanh(bridge([final forward; final backward]))``, bridge Linear 2H->H
  (present because 2H != H; a forward encoder has no bridge);
- Bahdanau's additive score ``v^T tanh(W_a s_{i-1} + U_a h_j)`` with W_a Linear
  H->H, U_a Linear 2H->H, v Linear H->1, all with biases, ``U_a H_s`` computed
  once a sentence; source padding masked to -inf before the softmax; context
  ``c_i = w_i H_s``;
- decoder GRU cell on ``[embed(y_{i-1}); c_i]`` (E + 2H -> H), target embedding
  [V_tgt, E]; logits ``generator(s_i)``, Linear H->V_tgt (no softmax in the
  model).  PyTorch applies the generator and the target embedding to all
  positions at once rather than step by step: the same numbers.
- Burn's GRU (``reset_after``, the default) is PyTorch's GRU: gates
  z, r, n with a bias on both the input and the hidden product.

Parameters: 64 V_src + (64 + 128 + 1) V_tgt + 404,225 at the defaults
(2 x 74,496 encoder GRUs, 32,896 bridge, 172,800 decoder GRU, 49,537 attention);
the default run (seed 42, 30,000 pairs) has V_src=154, V_tgt=287: 469,472 on
both sides.  The script prints its own count, the count of that formula for
the run's sizes and, with ``--attn``, the count of Burn's learner summary.

Initialisation as Burn's (only the values differ, drawn from another
generator): embeddings N(0, 1); linear layers uniform(+-1/sqrt(fan_in)) for
weights and biases (Burn's KaimingUniform with gain 1/sqrt(3), PyTorch's
nn.Linear default); GRU weights and biases Xavier-normal per gate
(``GruConfig``'s default): std sqrt(2/(d_in+H)) for the input part and
sqrt(1/H) for the hidden part.

Training (``train.rs``, ``steps.rs``):

- loss: cross-entropy of the logits over every target position ``y_1 .. y_T
  eos``, padding (id 0) left out of the mean, label smoothing as Burn's
  (``(1-a) one_hot + a/V``, the same as PyTorch's ``label_smoothing``)
  (``Seq2SeqLearner::run``: ``CrossEntropyLossConfig::with_pad_tokens([PAD])``,
  whose mean is over the non-pad tokens);
- teacher forcing 1: the decoder reads ``bos y_1 .. y_T`` (``Seq2SeqBatcher``);
- Adam (Burn's defaults: beta 0.9, 0.999, epsilon 1e-5, no weight decay), the
  constant learning rate 0.003 (``adam``, ``learning_rate_scheduler``);
- gradient clipping: each parameter tensor's gradient scaled to L2 norm at most
  ``grad_clip`` = 1, separately (Burn's ``GradientClippingConfig::Norm``:
  ``g * min(1, max / (|g| + f32::MIN_POSITIVE))``), not the global norm of
  ``clip_grad_norm_``;
- batches of ``batch_size`` = 64 pairs a device, each padded to its own longest
  source and target.

Data parallelism, ``--devices N`` (Burn 0.22.1, ``MultiDeviceLearningStrategy``
with ``MultiDeviceOptim::OptimMainDevice``, as ``launch`` in train.rs asks):
the training split, in file order, is cut into N contiguous slices
(``split_dataloader``: ``len/N`` pairs each, the last one takes the rest); each
slice is shuffled every epoch by its own generator and batched by 64; an
optimiser step takes the next batch of every slice, one a device, runs the
training steps in parallel, **sums** the N gradients on the first device
(``GradientsAccumulator``: a sum, not a mean), clips the sum per tensor and
makes one Adam step.  So the global batch is 64 x N pairs (128 for the main
job) and the loss whose gradient is taken is the sum of the N batches' own
means.  PyTorch does exactly that in one process: it draws the same kind of
batches from the same slices, concatenates the N batches of a step into one
padded batch of up to 64 N pairs (extra padding changes no value: padded
source positions are masked, padded targets ignored), weighs each token's
loss by 1 / (non-pad tokens of its own batch) and sums, then clips per tensor
and steps.  An epoch has ceil(len / (64 N)) steps (235 for the main job).  The
shuffles use PyTorch's generator seeded from the run's seed, so the order of
the pairs is not Burn's; the batches' composition is the same in kind.

Validation (not part of the training time): every epoch, in batches of 64 on
one device (Burn validates on the main device), the teacher-forced loss and
token accuracy, and greedy decoding of at most ``max_len + 1`` tokens (until
every sentence has emitted ``eos``) scored by corpus BLEU on token ids
(``InferenceStep for Seq2SeqLearner``, ``bleu.rs``), as attn does.

Time, and the definition compare.py uses: attn records no time at all, in
``metrics.csv``, ``summary.json`` or its logs by default (the example's
"trained in N s" is the wall time of ``train()``, corpus generation, the
validations and the checkpoints included; docs/translate.md's times are the
wall time of the process).  Burn logs the start of every training split
(``Executing training step for epoch E on devices [...]``, from the training
thread) and of every validation split (``Executing validation step for epoch
E``) under the ``burn_train::learner::supervised::strategies`` target, with
the microsecond timestamps of ``tracing``.  So attn's **training time** is the
sum over epochs of (validation start E - training start E): its data loading,
forward and backward passes on the N device threads, gradient sum, clipping
and Adam steps, and the metric events it sends per step; the validations and
the checkpoints (written after each validation) are excluded.  PyTorch's
training time is the sum over epochs of the time from the epoch's start
(shuffling, batching) to its last optimiser step, ``torch.cuda.synchronize``
on a GPU; validation excluded likewise.  This is W7's main figure.  Both
validation times are recorded too (attn's: validation start E to training
start E+1, which includes its checkpoint; the last epoch's to the exit of
the process, which also includes saving ``model.bpk`` and ``metrics.csv``, so
known only with ``--attn``), and compare.py also prints the two sums of
training and validation.  With ``--devices 1`` Burn logs one line per
iteration at that level too (a few microseconds a step).

Output: one line per epoch and split, the parameter counts, and the JSON::

    {"machine": {...torch_peer's...},
     "run": {"dir", "train_pairs", "valid_pairs", "src_vocab", "tgt_vocab",
             "devices", "batch_per_device", "global_batch", "steps_per_epoch", "epochs", "config"},
     "parameters": {"torch", "rust_formula", "attn_summary"},
     "time_definition": "...",
     "torch": {"train_s", "valid_s", "partial", "epochs": [{"epoch", "steps", "train_s", "valid_s",
               "train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "valid_bleu"}]},
     "attn": null | {"source", "devices", "train_s", "valid_s", "wall_s", "epochs": [...]}}

Things that are not the same: the random numbers (initial values, shuffles);
float summation orders; the train loss and accuracy attn logs come from an
asynchronous metric thread, PyTorch's are accumulated on the device; Burn
steps its encoder GRUs one position at a time over the padded batch
(freezing finished sentences), PyTorch runs its packed-sequence GRU kernel.
"""

import argparse
import json
import math
import os
import re
import shlex
import subprocess
import sys
import time
import warnings
from collections import Counter
from datetime import datetime

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_peer import configure_threads, machine_info, sync, write_json  # noqa: E402

PAD, BOS, EOS, UNK = 0, 1, 2, 3
# Burn's clip_by_norm adds f32's smallest normal number to the norm.
F32_MIN_POSITIVE = 1.1754943508222875e-38
# Burn's Adam default.
ADAM_EPSILON = 1e-5
# The log target that names the epochs' splits (burn-train 0.22.1,
# learner/supervised/strategies/{single,multi}/epoch.rs).
ATTN_RUST_LOG = "info,burn_train=warn,burn_train::learner::supervised::strategies=info"
WORKLOAD = "w7_translate_train"


# --- the run directory --------------------------------------------------------


def read_run(run):
    """config, vocabularies, train and valid pairs (as id lists) of a run directory."""
    def load(name):
        path = os.path.join(run, name)
        try:
            with open(path, encoding="utf-8") as f:
                return json.load(f)
        except OSError as e:
            sys.exit(f"{path}: cannot read: {e.strerror} (is {run} a translate run directory?)")

    config = load("config.json")
    if config.get("task") != "translate":
        sys.exit(f"{run}: holds a {config.get('task')!r} run, not a translate one")
    vocab = load("vocab.json")
    source_tokens, target_tokens = vocab["source"]["tokens"], vocab["target"]["tokens"]
    splits = {name: read_split(run, name, source_tokens, target_tokens) for name in ("train", "valid")}
    return config, len(source_tokens), len(target_tokens), splits


def encoder(tokens):
    """Vocabulary::encoder: the words from id 4 on; everything else is <unk>."""
    ids = {word: i for i, word in enumerate(tokens) if i >= 4}
    return lambda words: [ids.get(w, UNK) for w in words]


def read_split(run, name, source_tokens, target_tokens, references=None):
    """The split's pairs as id lists; with a list as ``references``, each French side's words are
    appended to it too (the references ``attn eval`` scores against)."""
    path = os.path.join(run, "splits", f"{name}.tsv")
    encode_source, encode_target = encoder(source_tokens), encoder(target_tokens)
    pairs = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        sys.exit(f"{path}: cannot read the run's {name} split: {e.strerror}")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, 1):
        english, tab, french = line.partition("\t")
        english, french = english.split(), french.split()
        if not tab or not english or not french:
            sys.exit(f"{path}:{number}: expected `english tokens<TAB>french tokens`")
        pairs.append((encode_source(english), encode_target(french)))
        if references is not None:
            references.append(french)
    return pairs


def check_supported(config):
    """The settings this script mirrors; anything else would train another model."""
    wanted = {
        "cell": "gru",
        "attention": "bahdanau",
        "schedule": "constant",
        "teacher_forcing": 1.0,
        "teacher_forcing_end": None,
        "early_stopping": None,
    }
    for field, value in wanted.items():
        if config.get(field) != value:
            sys.exit(
                f"config.json: {field} = {config.get(field)!r}; this script mirrors only "
                f"{field} = {value!r} (the translate task's default)"
            )
    if config.get("direction") not in ("forward", "bidirectional"):
        sys.exit(f"config.json: unknown direction {config.get('direction')!r}")


# --- the model ----------------------------------------------------------------


def burn_gru_init(module, d_hidden):
    """GruConfig's default: Xavier-normal (gain 1) per gate, biases included.

    Input part: fan_in d_in, fan_out H; hidden part: fan_in = fan_out = H.
    """
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "_ih" in name:
                d_in = p.shape[1] if p.dim() == 2 else (module.input_size)
                std = math.sqrt(2.0 / (d_in + d_hidden))
            else:
                std = math.sqrt(1.0 / d_hidden)
            p.normal_(0.0, std)


class AdditiveScore(nn.Module):
    """attention-core's AdditiveScore: v^T tanh(W_a q + U_a k), every layer with a bias."""

    def __init__(self, d_query, d_key, d_attention):
        super().__init__()
        self.query = nn.Linear(d_query, d_attention)  # W_a (tutorial: Wa)
        self.key = nn.Linear(d_key, d_attention)  # U_a (tutorial: Ua)
        self.v = nn.Linear(d_attention, 1)  # v_a (tutorial: Va)


class RnnSeq2Seq(nn.Module):
    """models::RnnSeq2Seq with DecoderAttention::Bahdanau and a GRU cell."""

    def __init__(self, src_vocab, tgt_vocab, d_embed, d_hidden, bidirectional, max_len, dropout=0.0):
        super().__init__()
        d_encoder = 2 * d_hidden if bidirectional else d_hidden
        self.d_hidden, self.max_len = d_hidden, max_len
        # attn's `rnn_dropout` (models::RnnSeq2SeqConfig::dropout): on the source and target
        # embeddings and on the decoder states before the generator, in training only.
        self.dropout = nn.Dropout(dropout)
        self.source_embedding = nn.Embedding(src_vocab, d_embed)
        self.encoder = nn.GRU(d_embed, d_hidden, batch_first=True, bidirectional=bidirectional)
        self.bridge = nn.Linear(d_encoder, d_hidden) if d_encoder != d_hidden else None
        self.target_embedding = nn.Embedding(tgt_vocab, d_embed)
        self.decoder = nn.GRUCell(d_embed + d_encoder, d_hidden)
        self.attention = AdditiveScore(d_hidden, d_encoder, d_hidden)
        self.generator = nn.Linear(d_hidden, tgt_vocab)
        burn_gru_init(self.encoder, d_hidden)
        burn_gru_init(self.decoder, d_hidden)
        # nn.Embedding (N(0, 1)) and nn.Linear (uniform +-1/sqrt(fan_in)) already
        # initialise as Burn's EmbeddingConfig and LinearConfig defaults.

    def encode(self, source, lengths):
        """States [B, S, d_enc], padding mask [B, S] (True = pad), first state, U_a H."""
        batch, src_len = source.shape
        embedded = self.dropout(self.source_embedding(source))
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        outputs, final = self.encoder(packed)
        states, _ = pad_packed_sequence(outputs, batch_first=True, total_length=src_len)
        last = torch.cat(list(final), dim=1)  # [B, d_enc]: forward, then backward
        hidden = torch.tanh(self.bridge(last)) if self.bridge is not None else last
        mask = torch.arange(src_len, device=source.device)[None, :] >= lengths.to(source.device)[:, None]
        return states, mask, hidden, self.attention.key(states)

    def step(self, embedded, hidden, states, mask, keys):
        """One Bahdanau step: c_i = Attend(s_{i-1}, H); s_i = GRU([y_{i-1}; c_i], s_{i-1})."""
        scores = self.attention.v(torch.tanh(self.attention.query(hidden)[:, None, :] + keys)).squeeze(2)
        weights = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=1)  # [B, S]
        context = torch.bmm(weights[:, None, :], states).squeeze(1)  # [B, d_enc]
        return self.decoder(torch.cat((embedded, context), dim=1), hidden)

    def forward(self, source, lengths, target_input):
        """Teacher-forced logits [B, T, V]."""
        states, mask, hidden, keys = self.encode(source, lengths)
        embedded = self.dropout(self.target_embedding(target_input))  # [B, T, E]
        outputs = []
        for t in range(target_input.shape[1]):
            hidden = self.step(embedded[:, t], hidden, states, mask, keys)
            outputs.append(hidden)
        return self.generator(self.dropout(torch.stack(outputs, dim=1)))

    @torch.no_grad()
    def translate_greedy(self, source, lengths):
        """models::decoding::greedy: argmax tokens, at most max_len, until every row ended."""
        states, mask, hidden, keys = self.encode(source, lengths)
        batch = source.shape[0]
        tokens = torch.full((batch,), BOS, dtype=torch.long, device=source.device)
        done = torch.zeros(batch, dtype=torch.bool, device=source.device)
        produced = []
        for _ in range(self.max_len):
            hidden = self.step(self.target_embedding(tokens), hidden, states, mask, keys)
            tokens = self.generator(hidden).argmax(dim=1)
            produced.append(torch.where(done, torch.full_like(tokens, PAD), tokens))
            done = done | (tokens == EOS)
            if bool(done.all()):
                break
        rows = torch.stack(produced, dim=1).tolist()
        outputs = []
        for row in rows:
            out = []
            for token in row:
                if token in (EOS, PAD):
                    break
                out.append(token)
            outputs.append(out)
        return outputs


def rust_parameter_count(src_vocab, tgt_vocab, d_embed, d_hidden, bidirectional):
    """RnnSeq2SeqConfig::init's parameters, for the Bahdanau GRU model, counted from the Rust code."""
    e, h = d_embed, d_hidden
    d_enc = 2 * h if bidirectional else h

    def gru(d_in):  # three GateControllers, each Linear(d_in, h) + Linear(h, h), biases on
        return 3 * ((d_in * h + h) + (h * h + h))

    def linear(d_in, d_out):
        return d_in * d_out + d_out

    return (
        src_vocab * e  # source_embedding
        + gru(e) * (2 if bidirectional else 1)  # encoder_forward, encoder_backward
        + (linear(d_enc, h) if d_enc != h else 0)  # bridge
        + tgt_vocab * e  # target_embedding
        + gru(e + d_enc)  # decoder
        + linear(h, h) + linear(d_enc, h) + linear(h, 1)  # AdditiveScore query, key, v
        + linear(h, tgt_vocab)  # generator
    )


# --- batches ------------------------------------------------------------------


def padded(rows, device):
    width = max(len(r) for r in rows)
    return torch.tensor([r + [PAD] * (width - len(r)) for r in rows], dtype=torch.long, device=device)


def make_batch(pairs, device):
    """Seq2SeqBatcher: source, lengths, bos y_1..y_T, y_1..y_T eos (each padded)."""
    sources = [s for s, _ in pairs]
    return (
        padded(sources, device),
        torch.tensor([len(s) for s in sources], dtype=torch.long),  # on the CPU, for packing
        padded([[BOS] + t for _, t in pairs], device),
        padded([t + [EOS] for _, t in pairs], device),
    )


def slices(n, devices):
    """burn's split_dataloader: n // devices items a slice, the last takes the rest."""
    step, bounds, start = n // devices, [], 0
    for i in range(devices):
        end = n if i == devices - 1 else start + step
        bounds.append((start, end))
        start = end
    return bounds


def epoch_steps(train, devices, batch_size, generators):
    """The pairs of each optimiser step: one shuffled batch of every slice (fewer at the end)."""
    per_slice = []
    for (start, end), generator in zip(slices(len(train), devices), generators):
        order = torch.randperm(end - start, generator=generator).tolist()
        per_slice.append([[train[start + i] for i in order[j : j + batch_size]] for j in range(0, end - start, batch_size)])
    steps = max(len(b) for b in per_slice)
    return [[b[k] for b in per_slice if k < len(b)] for k in range(steps)]


# --- training -----------------------------------------------------------------


def clip_per_tensor(parameters, max_norm):
    """Burn's GradientClipping::Norm on every parameter tensor separately."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    norms = torch._foreach_norm(grads)
    coefficients = [torch.clamp(max_norm / (n + F32_MIN_POSITIVE), max=1.0) for n in norms]
    torch._foreach_mul_(grads, coefficients)


def train_epoch(model, optimizer, steps, config, device, vocab, deadline=None):
    """One epoch; returns (optimiser steps, mean loss of the device batches, token accuracy %).
    With a ``deadline`` (a ``time.perf_counter()`` value), it stops after the step that reaches it."""
    model.train()
    parameters = [p for p in model.parameters()]
    smoothing, clip = float(config["label_smoothing"]), float(config["grad_clip"])
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    counted, batches, done = 0, 0, 0
    for step in steps:
        # The batches of the step, one a device, as one padded batch.
        pairs = [p for batch in step for p in batch]
        source, lengths, target_input, target_output = make_batch(pairs, device)
        # Each device's loss is the mean over its own non-pad tokens; Burn sums their gradients.
        weight = torch.empty(target_output.shape, device=device)
        row = 0
        for batch in step:
            tokens = sum(len(t) + 1 for _, t in batch)
            weight[row : row + len(batch)] = 1.0 / tokens
            row += len(batch)
        optimizer.zero_grad(set_to_none=True)
        logits = model(source, lengths, target_input)
        token_loss = F.cross_entropy(
            logits.reshape(-1, vocab),
            target_output.reshape(-1),
            ignore_index=PAD,
            reduction="none",
            label_smoothing=smoothing,
        )
        loss = (token_loss * weight.reshape(-1)).sum()
        loss.backward()
        if clip > 0:
            clip_per_tensor(parameters, clip)
        optimizer.step()
        with torch.no_grad():
            valid = target_output != PAD
            correct += ((logits.argmax(dim=2) == target_output) & valid).sum()
            loss_sum += loss.detach()
        counted += sum(len(t) + 1 for _, t in pairs)
        batches += len(step)
        done += 1
        if deadline is not None:
            sync(device)
            if time.perf_counter() >= deadline:
                break
    sync(device)
    return done, loss_sum.item() / max(batches, 1), 100.0 * correct.item() / max(counted, 1)


class BleuCounts:
    """trainer::report::bleu::BleuCounts, on token ids."""

    def __init__(self):
        self.correct, self.totals, self.hyp, self.ref = [0] * 4, [0] * 4, 0, 0

    def add(self, hypothesis, reference):
        self.hyp += len(hypothesis)
        self.ref += len(reference)
        for n in range(1, 5):
            ref = Counter(tuple(reference[i : i + n]) for i in range(len(reference) - n + 1))
            hyp = Counter(tuple(hypothesis[i : i + n]) for i in range(len(hypothesis) - n + 1))
            self.correct[n - 1] += sum(min(c, ref[g]) for g, c in hyp.items())
            self.totals[n - 1] += max(len(hypothesis) - (n - 1), 0)

    def score(self):
        precisions, smoothing = [0.0] * 4, 1.0
        if any(self.correct):
            for n in range(4):
                if self.totals[n] == 0:
                    break
                if self.correct[n] == 0:
                    smoothing *= 2.0
                    precisions[n] = 100.0 / (smoothing * self.totals[n])
                else:
                    precisions[n] = 100.0 * self.correct[n] / self.totals[n]
        if self.hyp >= self.ref:
            penalty = 1.0
        elif self.hyp == 0:
            penalty = 0.0
        else:
            penalty = math.exp(1.0 - self.ref / self.hyp)
        if 0.0 in precisions:
            return 0.0
        return penalty * math.exp(sum(math.log(p) for p in precisions) / 4.0)


@torch.no_grad()
def validate(model, valid, batch_size, config, device, vocab):
    """InferenceStep: greedy BLEU, then teacher-forced loss and token accuracy."""
    model.eval()
    smoothing = float(config["label_smoothing"])
    bleu = BleuCounts()
    loss_sum, batches, correct, counted = 0.0, 0, 0, 0
    for j in range(0, len(valid), batch_size):
        pairs = valid[j : j + batch_size]
        source, lengths, target_input, target_output = make_batch(pairs, device)
        for output, (_, reference) in zip(model.translate_greedy(source, lengths), pairs):
            bleu.add(output, reference)
        logits = model(source, lengths, target_input)
        loss = F.cross_entropy(
            logits.reshape(-1, vocab), target_output.reshape(-1), ignore_index=PAD, label_smoothing=smoothing
        )
        valid_tokens = target_output != PAD
        correct += ((logits.argmax(dim=2) == target_output) & valid_tokens).sum().item()
        counted += valid_tokens.sum().item()
        loss_sum += loss.item()
        batches += 1
    sync(device)
    return loss_sum / max(batches, 1), 100.0 * correct / max(counted, 1), bleu.score()


@torch.no_grad()
def score_test(model, run, batch_size, device, hypotheses_path=None):
    """`attn eval`'s greedy scores on the run's test split: corpus BLEU of the output tokens against
    the reference words (a reference word outside the vocabulary never matches; ``Seq2SeqScores``),
    and exact match.  With ``hypotheses_path``, the outputs are written one a line, words joined by
    spaces, for chrF with sacreBLEU (``sacrebleu REFS -i HYPS -m chrf``)."""
    model.eval()
    with open(os.path.join(run, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    source_tokens, target_tokens = vocab["source"]["tokens"], vocab["target"]["tokens"]
    references = []
    pairs = read_split(run, "test", source_tokens, target_tokens, references)
    bleu, exact, outputs = BleuCounts(), 0, []
    for j in range(0, len(pairs), batch_size):
        chunk = pairs[j : j + batch_size]
        source, lengths, _, _ = make_batch(chunk, device)
        for ids in model.translate_greedy(source, lengths):
            outputs.append([target_tokens[i] for i in ids])
    for output, reference in zip(outputs, references):
        bleu.add(output, reference)
        exact += output == reference
    if hypotheses_path:
        with open(hypotheses_path, "w", encoding="utf-8") as f:
            f.writelines(" ".join(output) + "\n" for output in outputs)
    return {"sentences": len(outputs), "bleu": bleu.score(), "exact_match": 100.0 * exact / max(len(outputs), 1)}


# --- attn's side --------------------------------------------------------------

LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?)\s+\w+\s+(\S+?):\s(.*)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def parse_time(stamp):
    stamp = stamp.rstrip("Z")
    if "." in stamp:  # fromisoformat takes at most 6 fractional digits before 3.11
        head, frac = stamp.split(".")
        stamp = f"{head}.{frac[:6]}"
    return datetime.fromisoformat(stamp + "+00:00").timestamp()


def attn_times(log_text, exit_time=None):
    """Per-epoch training and validation times from attn's log (see the module docs)."""
    train_start, valid_start, devices = {}, {}, None
    for raw in log_text.splitlines():
        match = LOG_LINE.match(ANSI.sub("", raw))
        if not match:
            continue
        stamp, message = parse_time(match.group(1)), match.group(3)
        started = re.match(r"Executing training step for epoch (\d+)(?: on devices \[(.*)\])?", message)
        if started:
            epoch = int(started.group(1))
            train_start.setdefault(epoch, stamp)  # a resumed run would log its epochs again
            count = started.group(2).count("Device<") if started.group(2) else 1
            devices = count if devices is None else devices
            continue
        validating = re.match(r"Executing validation step for epoch (\d+)", message)
        if validating:
            valid_start.setdefault(int(validating.group(1)), stamp)
    epochs = sorted(e for e in train_start if e in valid_start)
    if not epochs:
        return None
    rows = []
    for e in epochs:
        following = train_start.get(e + 1)
        if following is None and e == epochs[-1]:
            following = exit_time
        rows.append(
            {
                "epoch": e,
                "train_s": valid_start[e] - train_start[e],
                "valid_s": (following - valid_start[e]) if following is not None else None,
            }
        )
    valid = [r["valid_s"] for r in rows]
    return {
        "devices": devices,
        "train_s": sum(r["train_s"] for r in rows),
        "valid_s": sum(valid) if None not in valid else None,
        "epochs": rows,
    }


def run_attn(binary, run, devices, extra, folder):
    """Runs attn on a fresh run directory, logging the epochs' splits; returns its record."""
    if os.path.exists(run) and os.listdir(run):
        sys.exit(f"--attn: {run} exists and is not empty; attn needs an absent or empty run directory")
    os.makedirs(folder, exist_ok=True)
    log_path, out_path = os.path.join(folder, "attn_translate.log"), os.path.join(folder, "attn_translate.out")
    command = [binary, "train", "translate", "--run-dir", run, "--devices", str(devices)] + extra
    env = dict(os.environ, RUST_LOG=ATTN_RUST_LOG, NO_COLOR="1")
    print("attn:", " ".join(shlex.quote(c) for c in command), flush=True)
    started = time.perf_counter()
    with open(log_path, "w") as log, open(out_path, "w") as out:
        status = subprocess.run(command, stdout=out, stderr=log, env=env).returncode
    wall = time.perf_counter() - started
    exit_time = time.time()
    with open(log_path) as f:
        log_text = f.read()
    with open(out_path) as f:
        out_text = f.read()
    if status != 0:
        sys.exit(f"attn exited with status {status}; see {log_path} and {out_path}:\n{log_text[-2000:]}")
    record = attn_times(log_text, exit_time)
    if record is None:
        sys.exit(f"{log_path}: no epoch lines; was RUST_LOG honoured?")
    record.update(
        {
            "source": f"--attn {binary}",
            "wall_s": wall,
            "command": command,
            "rayon_threads": os.environ.get("RAYON_NUM_THREADS"),
        }
    )
    # Burn's learner summary ends with the learner's total: "  params: N\n}\nTotal Epochs".
    counts = re.findall(r"params: (\d+)\s*\}\s*Total Epochs", out_text)
    record["parameters"] = int(counts[-1]) if counts else None
    return record


# --- main ---------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", required=True, help="the translate run directory to read")
    parser.add_argument("--attn", help="train with this attn binary first, timed (the run dir must be absent or empty)")
    parser.add_argument("--attn-args", default="", help="more options for attn, one shell-quoted string")
    parser.add_argument("--attn-log", help="the stderr of an attn run of --run, with the logging of the docs")
    parser.add_argument("--devices", type=int, default=2, help="attn's --devices (default 2, the main job's)")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads on the CPU (default 2)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="default cpu")
    parser.add_argument("--epochs", type=int, help="instead of the run's epochs (a smoke test)")
    parser.add_argument("--max-steps", type=int, help="at most this many steps an epoch (a smoke test)")
    parser.add_argument("--no-valid", action="store_true", help="skip the validation passes")
    parser.add_argument(
        "--time-budget",
        type=float,
        help="train for this many seconds of training time (validation excluded), whatever the epochs: "
        "the equal-time comparison",
    )
    parser.add_argument("--test", action="store_true", help="score the test split greedily at the end, as attn eval")
    parser.add_argument("--hypotheses", help="with --test, write the test outputs here, one a line")
    parser.add_argument("--out", default=os.path.join("target", "peer", "torch_translate.json"))
    parser.add_argument(
        "--workload",
        default=WORKLOAD,
        help=f"the name the results are filed under (default {WORKLOAD}; W8: w8_article_epoch, with "
        '--attn-args "--config examples/translate/article.toml --epochs 1")',
    )
    args = parser.parse_args()
    if args.attn and args.attn_log:
        sys.exit("--attn and --attn-log are exclusive")
    if args.devices < 1:
        sys.exit("--devices must be at least 1")

    device = torch.device(args.device)
    if device.type == "cpu":
        configure_threads(args.threads)
    else:
        if not torch.cuda.is_available():
            sys.exit("--device cuda: CUDA is not available to this PyTorch")
        torch.set_float32_matmul_precision("highest")
        torch.backends.cudnn.allow_tf32 = False

    attn = None
    if args.attn:
        folder = os.path.dirname(os.path.abspath(args.out))
        attn = run_attn(args.attn, args.run, args.devices, shlex.split(args.attn_args), folder)
    elif args.attn_log:
        with open(args.attn_log, errors="replace") as f:
            attn = attn_times(f.read())
        if attn is None:
            sys.exit(f"{args.attn_log}: no epoch lines; run attn with RUST_LOG={ATTN_RUST_LOG}")
        attn.update({"source": f"--attn-log {args.attn_log}", "wall_s": None, "parameters": None})
    if attn is not None:
        if args.devices != attn["devices"]:
            if "--devices" in sys.argv:
                sys.exit(f"--devices {args.devices}, but attn trained on {attn['devices']} devices")
            args.devices = attn["devices"]
        for row in attn["epochs"]:
            valid = f"{row['valid_s']:8.2f} s" if row["valid_s"] is not None else "       ?"
            print(f"attn  epoch {row['epoch']}: train {row['train_s']:8.2f} s   valid (+ checkpoint) {valid}")

    config, src_vocab, tgt_vocab, splits = read_run(args.run)
    check_supported(config)
    train, valid = splits["train"], splits["valid"]
    epochs = args.epochs or int(config["epochs"])
    batch_size, devices = int(config["batch_size"]), args.devices
    bidirectional = config["direction"] == "bidirectional"
    d_embed, d_hidden = int(config["d_embed"]), int(config["d_hidden"])

    torch.manual_seed(int(config["seed"]))
    model = RnnSeq2Seq(
        src_vocab, tgt_vocab, d_embed, d_hidden, bidirectional, int(config["max_len"]) + 1,
        float(config.get("rnn_dropout", 0.0)),
    ).to(device)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=float(config["learning_rate"]), betas=(0.9, 0.999), eps=ADAM_EPSILON, weight_decay=0.0
    )
    torch_params = sum(p.numel() for p in model.parameters())
    rust_params = rust_parameter_count(src_vocab, tgt_vocab, d_embed, d_hidden, bidirectional)
    attn_params = attn.get("parameters") if attn else None
    steps_per_epoch = math.ceil(len(train) / (batch_size * devices))
    machine = machine_info(device, False)
    print(
        f"PyTorch {machine['torch']}, {device.type} ({machine['gpu'] or machine['cpu']}), {machine['threads']} threads; "
        f"run {args.run}: {len(train)} training and {len(valid)} validation pairs, vocabularies "
        f"{src_vocab} and {tgt_vocab}; {epochs} epochs of {steps_per_epoch} steps of {batch_size} x {devices} pairs"
    )
    print(
        f"parameters: PyTorch {torch_params:,}; Rust RnnSeq2Seq (from the code) {rust_params:,}"
        + (f"; attn's learner summary {attn_params:,}" if attn_params is not None else ""),
        flush=True,
    )
    if torch_params != rust_params or (attn_params is not None and attn_params != torch_params):
        print("warning: the parameter counts differ", file=sys.stderr)

    generators = [torch.Generator().manual_seed(int(config["seed"]) * 1000 + k) for k in range(devices)]
    rows = []
    partial = bool(args.epochs and args.epochs != int(config["epochs"])) or bool(args.max_steps) or bool(args.time_budget)
    budget_left = args.time_budget
    epoch = 0
    while (budget_left is not None and budget_left > 0) or (budget_left is None and epoch < epochs):
        epoch += 1
        started = time.perf_counter()
        steps = epoch_steps(train, devices, batch_size, generators)
        if args.max_steps:
            steps = steps[: args.max_steps]
        deadline = started + budget_left if budget_left is not None else None
        n_steps, train_loss, train_accuracy = train_epoch(model, optimizer, steps, config, device, tgt_vocab, deadline)
        train_s = time.perf_counter() - started
        if budget_left is not None:
            budget_left -= train_s
        print(
            f"torch epoch {epoch}/{epochs} train: {train_s:8.2f} s, {n_steps} steps | Accuracy {train_accuracy:.4f} | Loss {train_loss:.4f}",
            flush=True,
        )
        row = {"epoch": epoch, "steps": n_steps, "train_s": train_s, "train_loss": train_loss, "train_accuracy": train_accuracy}
        if not args.no_valid:
            started = time.perf_counter()
            valid_loss, valid_accuracy, valid_bleu = validate(model, valid, batch_size, config, device, tgt_vocab)
            row["valid_s"] = time.perf_counter() - started
            row.update({"valid_loss": valid_loss, "valid_accuracy": valid_accuracy, "valid_bleu": valid_bleu})
            print(
                f"torch epoch {epoch}/{epochs} valid: {row['valid_s']:8.2f} s | Accuracy {valid_accuracy:.4f} "
                f"| BLEU {valid_bleu:.4f} | Loss {valid_loss:.4f}",
                flush=True,
            )
        rows.append(row)

    test = None
    if args.test:
        started = time.perf_counter()
        test = score_test(model, args.run, batch_size, device, args.hypotheses)
        test["test_s"] = time.perf_counter() - started
        print(
            f"torch test split: {test['sentences']} sentences, greedy BLEU {test['bleu']:.2f}, "
            f"exact match {test['exact_match']:.2f}% ({test['test_s']:.1f} s)",
            flush=True,
        )
    torch_train = sum(r["train_s"] for r in rows)
    torch_valid = None if args.no_valid else sum(r["valid_s"] for r in rows)
    definition = (
        "training only, validation excluded on both sides: attn = sum over epochs of (Burn's 'Executing "
        "validation step for epoch E' - 'Executing training step for epoch E' log times); PyTorch = sum over "
        "epochs of shuffling, batching and optimiser steps"
    )
    data = {
        "machine": machine,
        "workload": args.workload,
        "run": {
            "dir": os.path.abspath(args.run),
            "train_pairs": len(train),
            "valid_pairs": len(valid),
            "src_vocab": src_vocab,
            "tgt_vocab": tgt_vocab,
            "devices": devices,
            "batch_per_device": batch_size,
            "global_batch": batch_size * devices,
            "steps_per_epoch": steps_per_epoch,
            "epochs": epochs,
            "config": config,
        },
        "parameters": {"torch": torch_params, "rust_formula": rust_params, "attn_summary": attn_params},
        "time_definition": definition,
        "torch": {
            "train_s": torch_train,
            "valid_s": torch_valid,
            "partial": partial,
            "time_budget_s": args.time_budget,
            "epochs": rows,
            "test": test,
        },
        "attn": attn,
    }
    write_json(args.out, data)
    line = f"W7 training time (validation excluded): PyTorch {torch_train:.2f} s"
    if attn is not None:
        line += f", attn {attn['train_s']:.2f} s, attn/PyTorch {attn['train_s'] / torch_train:.2f}"
        if partial:
            line += " (PyTorch partial: not comparable)"
    print(line)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
