#!/usr/bin/env python3
"""PyTorch's peers of a real-text ``attn train translate`` run, at equal training time.

On the run directory that attn trained (the same splits, the same vocabulary files), with the same
threads, this script trains a PyTorch model for the same training time, then decodes the run's test
split greedily and with beam search and scores it exactly as ``attn eval`` does, so that attn's and
PyTorch's test chrF can be put side by side.  Two models:

- ``--model rnn``: ``benches/torch_translate.py``'s model (GRU cells, Bahdanau attention, a
  bidirectional or forward encoder as ``config.json`` says), on whatever vocabulary the run has
  (word or subword ids);
- ``--model transformer``: PyTorch's own ``torch.nn.Transformer`` at the run's sizes.

Usage, from the repository root (PyTorch, ``tokenizers`` and ``sacrebleu`` as in
``benches/requirements-peer.txt``)::

    # attn trained runs/real (RAYON_NUM_THREADS=2); its training time, validation excluded,
    # was T seconds (Burn's log, as torch_translate.py reads it).  PyTorch, same threads, same time:
    /tmp/torchenv/bin/python benches/torch_nmt.py --run runs/real --model transformer \\
        --threads 2 --time-budget T --beam 4 --out target/peer/torch_nmt.json \\
        --hypotheses target/peer/torch_real
    target/release/attn eval --run runs/real            # attn's greedy scores
    target/release/attn eval --run runs/real --beam 4   # and beam 4's

    # the tokenizer ports and the schedules against the examples of attn's sources, no run needed
    /tmp/torchenv/bin/python benches/torch_nmt.py --self-test

Options:

--run DIR         the translate run directory (required, except with ``--self-test``).
--model M         ``rnn`` or ``transformer`` (default: the run's ``model``).  The other model's
                  sizes are in ``config.json`` too (its keys are flat), so either can be trained.
--threads N       ``torch.set_num_threads(N)``, ``set_num_interop_threads(1)`` (default 2).
--devices N       attn's ``--devices`` for the run (default 1, attn's default; the run directory
                  does not record it): N batches of ``batch_size`` per optimiser step, their
                  gradients summed (see torch_translate.py).
--time-budget S   train for S seconds of training time (validation excluded), stopping after the
                  step that reaches it, whatever the run's epochs.
--epochs N        stop after N epochs (with ``--time-budget``: whichever comes first).  With
                  neither, the run's ``epochs``.
--beam W          also decode with beam search of width W (default 4; 0: greedy only).
--valid           the teacher-forced validation loss and token accuracy after every epoch
                  (excluded from the training time).
--seed N          instead of the run's seed.
--device D        ``cpu`` (default) or ``cuda``.
--out FILE        the JSON written (default ``target/peer/torch_nmt-MODEL.json``).
--hypotheses P    write each decoding's detokenised outputs to ``P.greedy.txt``, ``P.beamW.txt``,
                  one a line, in the order of ``splits/test.tsv``.
--self-test       check the tokenizer ports, the schedules and the beam search, then exit.

What the run directory holds, and what is read (attn 0.4.0; ``crates/trainer/src/tasks/translate.rs``,
``data/codec.rs``, ``data/corpus.rs``):

- ``config.json``: flat snake_case keys.  Read: task (must be ``translate``), seed, epochs,
  batch_size, learning_rate, schedule, warmup_steps, grad_clip, label_smoothing, tokenizer,
  subword_vocab, max_len, model, teacher_forcing, teacher_forcing_end, word_vectors, d_embed,
  d_hidden, cell, direction, attention, encoder_self_attention, rnn_dropout (absent: 0), d_model,
  n_heads, n_layers, d_ff, dropout, positions, norm, embeddings (absent: ``separate``).  Unknown keys are ignored; a
  missing key, or a value this script does not train (an LSTM, Luong attention, rotary
  positions, ...), is refused with the key named.  ``early_stopping`` is ignored (said on stderr):
  the budget decides when training ends.
- ``splits/{train,valid,test}.tsv``: one pair a line, ``english<TAB>french``, each side as written
  (runs before 0.3.1 wrote word tokens separated by spaces: the same text to this script).  A line
  is read as ``corpus::read_split`` does: Rust's ``str::lines`` (a final ``\\r`` dropped), the
  first tab splits, each side trimmed (Rust's ``trim``); a side without a word token is an error.
- word vocabularies (tokenizer ``word``): ``vocab.json``, ``{"source": {"tokens": [...]},
  "target": {"tokens": [...]}}``, ids 0..3 ``<pad> <bos> <eos> <unk>``.  Text becomes word
  tokens with ``tokenize`` (below); a token not among the tokens from id 4 on is ``<unk>`` (3).
- subword vocabularies (``bpe``, ``unigram``): ``tokenizer.json`` (subword_vocab ``shared``) or
  ``source-tokenizer.json`` and ``target-tokenizer.json`` (``separate``), Hugging Face
  ``tokenizers`` JSON, loaded with ``Tokenizer.from_file``; the special tokens must have ids 0..3
  (``Subwords::ready``), and text that spells one is read as characters
  (``encode_special_tokens = True``, attn's ``set_encode_special_tokens(true)``).  A side's ids are
  ``encode(text, add_special_tokens=False).ids`` with any id in {0, 1, 2} made 3
  (``Subwords::encode``, which attn uses for both sides).  Generated ids are decoded with pad, bos
  and eos left out, ``decode(ids, skip_special_tokens=False)``.
- a pair is source ids = English, target ids = French, no bos or eos.  Training feeds
  ``<bos> y1..yT`` and predicts ``y1..yT <eos>``.  Pairs of more than ``max_tokens`` ids on either
  side are dropped from train and valid, ``max_tokens`` = ``max_len`` (word runs) or
  ``4 max_len`` (subword runs, ``SUBWORDS_PER_WORD``); the models' positions number
  ``max_tokens + 1``.  Test pairs are all kept; their sources are cut to ``max_tokens + 1`` ids for
  the transformer (bounded positions) and not for the RNN.

attn's word tokenizer, ported from ``crates/trainer/src/data/tokenize.rs``:

- ``tokenize(text)``: ``’`` and ``‘`` become ``'``; the text is lower-cased (Python's
  ``str.lower``: the same full Unicode mapping as Rust's ``str::to_lowercase``, ``İ`` -> ``i̇`` and
  the final sigma included; the two can differ only where their Unicode versions do, Python 3.11's
  14.0 against Rust's newer one, for characters new since); split at Rust's whitespace
  (``char::is_whitespace``, the White_Space property: Python's ``str.split()`` would also split at
  U+001C..U+001F); in each chunk, ``. , ! ? ; : " « » ( ) … ¡ ¿`` are tokens of their own, and a
  token ends right after each ``'``.
- ``detokenize(words, capital)``: words joined by spaces, but none after a word ending in ``'``
  or after ``( ¡ ¿``, and none before ``. , … )``; with ``capital``, the first character
  upper-cased (``str.upper``, as ``char::to_uppercase``).  ``capital`` = the English source's first
  character after Rust's ``trim_start`` is upper-case (``str.isupper`` of that character, as
  ``char::is_uppercase``).

The models:

- ``rnn``: torch_translate.py's ``RnnSeq2Seq`` (its docstring has the equations and the Burn-like
  initialisation): GRU cells only (``cell = "gru"``), Bahdanau attention only, no encoder
  self-attention, no pre-trained word vectors, teacher forcing 1 (no scheduled sampling); source
  and target embeddings ``d_embed`` wide, states ``d_hidden``; ``rnn_dropout`` (``nn.Dropout``)
  where attn applies it: the source and target embeddings, and the decoder states before the
  generator.  Decoding steps it one token at a
  time; each step's Bahdanau weights are the attention row of the token it emits.
- ``transformer``: source and target embeddings (``nn.Embedding``, N(0, 1/d_model), d_model wide) scaled
  by ``sqrt(d_model)``, plus positions (``positions``: ``sinusoidal``, Burn's
  ``PositionalEncoding``, ``pe[p, 2i] = sin(p w_i)``, ``pe[p, 2i+1] = cos(p w_i)``,
  ``w_i = exp(-2i ln(10000) / d_model)``; ``learned``, an ``nn.Embedding(max_tokens + 1,
  d_model)``; ``none``), no dropout on the embeddings (attn has none);
  ``nn.Transformer(d_model, nhead=n_heads, num_encoder_layers=n_layers,
  num_decoder_layers=n_layers, dim_feedforward=d_ff, dropout=dropout, batch_first=True,
  norm_first=(norm == "pre"))``, ReLU, PyTorch's initialisation (Xavier-uniform for its
  matrices); the source padding masked in the encoder and the cross-attention, a causal mask
  in the decoder's self-attention (no target padding mask: padding comes last, and the causal mask
  keeps it from every real position); then the generator, ``nn.Linear(d_model, V_tgt)``.  attn's
  post-norm model has no final norms and its pre-norm model has one after each stack, while
  ``nn.Transformer`` builds one after each stack whatever ``norm_first``: for ``norm = "post"``
  the script sets ``encoder.norm`` and ``decoder.norm`` to ``None``, so the two compute the same
  function.  ``embeddings = "shared"`` (one subword vocabulary, ``subword_vocab = "shared"``): one
  matrix for the source and target embeddings and the generator's weight, and the generator has no
  bias (attn's ``x E^T``).  The attention row of an emitted token (for ``<unk>`` replacement) is
  the last decoder layer's cross-attention averaged over heads, as attn's.  ``nn.Transformer`` has no
  key/value cache, so decoding steps its decoder layers by hand (``TransformerPeer._layer_step``,
  the layers' own modules): each layer keeps its inputs at the earlier positions and runs over the
  new one only, as attn's cached steps (the self-test holds them equal to the decoder re-run over
  the whole prefix).

Training (``tasks/seq2seq.rs``, ``session.rs``), both models:

- with ``batching = "by-length"`` (attn's ``--batching by-length``): the pairs shuffled by the
  run's seed, sorted by target then source length, cut into batches once, and the batches shuffled
  each epoch, ``--devices`` of them a step (``length_batches``);
- otherwise the training split, filtered as above, batched as torch_translate.py's ``epoch_steps``: each
  epoch shuffled by the run's seed (a ``torch.Generator`` per device slice, seeded
  ``seed * 1000 + k``), ``batch_size`` pairs a batch, each padded to its longest source and
  target; with ``--devices N``, N batches a step, their gradients summed (each device batch's loss
  a mean over its own non-pad target tokens).  Steps per epoch S = ceil(pairs / (batch_size N)).
- the loss: ``nn.CrossEntropyLoss(ignore_index=0, label_smoothing=label_smoothing)``'s terms, a
  mean over the batch's non-pad target tokens (``y1..yT <eos>``), Burn's pad-masked smoothed
  cross-entropy (``(1-a) one_hot + a/V``).
- Adam as attn's Burn ``AdamConfig::new()``: betas 0.9 and 0.999, epsilon 1e-5 (Burn's default,
  not PyTorch's 1e-8), no weight decay; gradients clipped per parameter tensor to L2 norm
  ``grad_clip`` when it is above 0 (``g min(1, c / (|g| + f32::MIN_POSITIVE))``, Burn's
  ``GradientClippingConfig::Norm``; torch_translate.py's ``clip_per_tensor``).
- the learning rate of step t (t = 1, 2, ...; ``session::schedule`` on Burn 0.22.1's schedulers),
  with T = epochs x S the run's total steps (config ``epochs``, whatever ``--epochs`` or the budget
  say: the schedule attn ran) and W = max(1, min(warmup_steps, T - 1)):

  - ``constant``: rate(t) = lr.
  - ``warmup-cosine``: rate(t) = lr/100 + 0.99 lr (t - 1)/W for t <= W (Burn's linear scheduler,
    computed as ``lr - (0.99 lr / W)(W - t + 1)``); then rate(t) = lr/100 + 0.495 lr (1 + cos(pi
    (t - W - 1)/max(1, T - W))) for W < t <= T (Burn's cosine annealing, computed as ``lr/100 +
    0.5 (lr - lr/100)(1 + cos(...))``).  attn stops at T; a budget that outlasts T trains on at
    lr/100 (the cosine's floor) rather than following the cosine back up.
  - ``noam``: rate(t) = lr sqrt(W) min(t^-0.5, t W^-1.5), peak lr at t = W (Burn's Noam scheduler,
    ``factor d^-0.5 min(...)`` with factor = lr sqrt(d) sqrt(W), d = d_hidden for the RNN,
    d_model for the transformer).

- the time: the training time is the sum over epochs of the time from the epoch's start
  (shuffling, batching) to its last optimiser step (``torch.cuda.synchronize`` on a GPU), as in
  torch_translate.py; with ``--time-budget S`` training stops after the step at which it reaches S.
  Validation (``--valid``) is not counted.

Decoding the test split (``Translator::evaluate``, ``models/src/decoding.rs``), ``batch_size``
sentences at a time in file order, at most ``max_tokens + 1`` steps (the models' ``max_len``,
which attn's ``max_output_len`` and ``BeamConfig::new(width, max_output_len)`` use: an output of
``max_tokens + 1`` tokens is possible, without ``<eos>``).  Both models offer ``start(source,
lengths)`` (the state), ``advance(tokens, state)`` (log-probabilities ``[rows, V]``, attention
``[rows, S]`` or None, the next state) and ``select(state, rows)``, attn's ``StepDecoder``:

- greedy: the argmax of each step's log-softmax (ties to the lower id), until every sentence has
  emitted ``<eos>``;
- beam search of width W (``BeamConfig::new``: no length normalisation), all the batch's sentences
  at once as attn's ``beam_search_batch``: each step extends every live hypothesis by every token,
  the candidates ranked by summed log-probability (ties to the earlier beam, then the lower id),
  taken in order until W are live or W have finished (emitted ``<eos>``); a sentence stops when W
  have finished or none is live; at the end the finished ones and those still live after
  ``max_tokens + 1`` steps are ranked by log-probability (of equal scores the one found last
  first), the best is the output.  Width 1 is greedy decoding.

Scoring (``report/evaluation.rs``, ``bleu.rs``, ``chrf.rs``), per decoding:

- output text: word runs, the output's words (``<pad>``, ``<bos>`` as their literal tokens, as
  ``Vocabulary::decode``), each ``<unk>`` replaced by the source word (the tokenized English) whose
  weight is the largest in that step's attention row (the last of equal ones; attn's default
  ``--unknown replace``), then ``detokenize``d with ``capital`` as above; subword runs, the
  tokenizer's decoding.
- ``bleu`` and ``chrf`` ("tokenised"): hypothesis tokens = the output words (word runs) or
  ``tokenize(output text)`` (subword runs); reference tokens = ``tokenize(reference French)``;
  sacreBLEU's ``corpus_bleu(hyps, [refs], tokenize="none")`` and ``corpus_chrf(hyps, [refs])``
  on the tokens joined by spaces (the script checks that BLEU against torch_translate.py's port of
  attn's ``BleuCounts`` on the token lists).
- ``sacre_bleu`` and ``sacre_chrf`` (detokenised): sacreBLEU's defaults, ``corpus_bleu(hyps,
  [refs])`` (13a, case kept) and ``corpus_chrf(hyps, [refs])``, on the output text against the
  reference French as written (trimmed).
- ``exact_match``: % of sentences whose tokens are the reference's; ``token_accuracy``: % of the
  reference ids plus ``<eos>`` matched position by position by the output ids plus ``<eos>``;
  ``unknown``: % of the (cut) source ids that are ``<unk>``.

Output: one line an epoch, one line a decoding, a one-line summary, and the JSON::

    {"model", "run", "threads", "devices", "device", "time_budget_s", "steps", "total_steps",
     "steps_per_epoch", "epochs_done", "train_s", "tokens_per_s", "parameters",
     "final_train_loss", "last_learning_rate", "train_pairs", "dropped_pairs", "test_sentences",
     "vocab": {"source", "target", "tokenizer"}, "config": {the keys read},
     "epochs": [{"epoch", "steps", "train_s", "train_loss", "valid_loss", "valid_accuracy"}],
     "decodings": {"greedy": {"bleu", "chrf", "sacre_bleu", "sacre_chrf", "exact_match",
                              "token_accuracy", "unknown", "sentences", "decode_s"},
                   "beam4": {...}},
     "machine": {...torch_peer's...}}

``tokens_per_s`` = (source ids + target ids, the end token included, of the pairs trained on) /
``train_s``.  ``final_train_loss`` = the mean, over the last 100 optimiser steps (or fewer), of
each step's mean loss per device batch.  ``epochs_done`` = steps / S (fractional).

Measure on an otherwise idle machine: with ``--threads 2`` on 2 cores and another busy process,
libgomp's spinning threads made the RNN's small steps up to 100 times slower (``OMP_WAIT_POLICY=
PASSIVE`` avoids it, at some cost on an idle machine); attn's rayon pool does not spin that way.

Where PyTorch's side cannot be attn's exactly: the random numbers (initial values, shuffles,
dropout); float summation orders; the transformer's initialisation is PyTorch's (the model is
PyTorch's own), not Burn's; Python's Unicode tables against Rust's for lower-casing and
``isupper`` (different Unicode versions: only characters added since Python 3.11's Unicode 14.0);
sacreBLEU's whitespace (Python's ``str.split`` and ``\\s``) against attn's Rust ``is_whitespace``
where a token holds U+001C..U+001F; the beam's candidates whose scores differ by less than float
rounding may rank the other way round, as in attn between batch sizes.
"""

import argparse
import json
import math
import os
import re
import sys
import time
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
warnings.filterwarnings("ignore", message="enable_nested_tensor is True")
warnings.filterwarnings("ignore", message="The PyTorch API of nested tensors")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_peer import configure_threads, machine_info, sync, write_json  # noqa: E402
from torch_translate import (  # noqa: E402
    ADAM_EPSILON,
    BOS,
    EOS,
    PAD,
    UNK,
    BleuCounts,
    RnnSeq2Seq,
    clip_per_tensor,
    encoder,
    epoch_steps,
    make_batch,
    rust_parameter_count,
)

SPECIALS = ["<pad>", "<bos>", "<eos>", "<unk>"]
# attn's translate::SUBWORDS_PER_WORD.
SUBWORDS_PER_WORD = 4
# Steps over which final_train_loss averages.
FINAL_LOSS_STEPS = 100


def fail(message):
    sys.exit(f"torch_nmt: {message}")


# --- attn's word tokenizer (crates/trainer/src/data/tokenize.rs) -----------------------------

# Rust's char::is_whitespace: the White_Space property.
RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
)
RUST_WHITESPACE_RUN = re.compile("[" + re.escape(RUST_WHITESPACE) + "]+")
PUNCTUATION = set('.,!?;:"«»()…¡¿')


def split_whitespace(text):
    """Rust's ``str::split_whitespace``."""
    return [chunk for chunk in RUST_WHITESPACE_RUN.split(text) if chunk]


def rust_trim(text):
    """Rust's ``str::trim``."""
    return text.strip(RUST_WHITESPACE)


def tokenize(text):
    """attn's ``tokenize``: see the module docs."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    tokens = []
    for word in split_whitespace(text):
        current = ""
        for c in word:
            if c in PUNCTUATION:
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(c)
            elif c == "'":
                tokens.append(current + c)
                current = ""
            else:
                current += c
        if current:
            tokens.append(current)
    return tokens


def detokenize(words, capital):
    """attn's ``detokenize``: see the module docs."""
    text = ""
    for word in words:
        glued = text == "" or text.endswith(("'", "(", "¡", "¿")) or word in (".", ",", "…", ")")
        if not glued:
            text += " "
        text += word
    if capital and text:
        text = text[0].upper() + text[1:]
    return text


def capitalised(text):
    """translate.rs's ``capitalised``: the first character after leading whitespace is upper-case."""
    text = text.lstrip(RUST_WHITESPACE)
    return bool(text) and text[0].isupper()


# --- the run directory ----------------------------------------------------------------------


def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        fail(f"{path}: missing ({what})")
    except OSError as e:
        fail(f"{path}: cannot read {what}: {e.strerror}")
    except json.JSONDecodeError as e:
        fail(f"{path}: not JSON ({what}): {e}")


def read_config(run, model):
    """The keys the script uses, checked; ``model`` is the model to train (None: the run's)."""
    path = os.path.join(run, "config.json")
    if not os.path.isdir(run):
        fail(f"{run}: no such run directory")
    config = load_json(path, "the run's config")
    if not isinstance(config, dict):
        fail(f"{path}: not a JSON object")
    if config.get("task") != "translate":
        fail(f"{run}: holds a {config.get('task')!r} run, not a translate one")

    def need(key, kinds, allowed=None):
        """config[key], which must exist, be of ``kinds`` and (if given) one of ``allowed``."""
        if key not in config:
            fail(f"{path}: the key `{key}` is missing (is this a run of attn 0.4.0 or later?)")
        value = config[key]
        if not isinstance(value, kinds) or isinstance(value, bool):
            kind = "string" if kinds is str else "an integer" if kinds is int else "a number"
            fail(f"{path}: `{key}` = {value!r} is not {kind}")
        if allowed is not None and value not in allowed:
            fail(f"{path}: `{key}` = {value!r}: this script supports only {', '.join(map(repr, allowed))}")
        return value

    c = {}
    number = (int, float)
    for key in ("seed", "epochs", "batch_size", "warmup_steps", "max_len"):
        c[key] = need(key, int)
    for key in ("learning_rate", "grad_clip", "label_smoothing", "teacher_forcing"):
        c[key] = float(need(key, number))
    c["schedule"] = need("schedule", str, ("constant", "warmup-cosine", "noam"))
    c["tokenizer"] = need("tokenizer", str, ("word", "bpe", "unigram"))
    c["model"] = model or need("model", str, ("rnn", "transformer"))
    c["embeddings"] = config.get("embeddings", "separate")
    if c["embeddings"] not in ("shared", "separate"):
        fail(f"{path}: `embeddings` = {c['embeddings']!r}: expected \"shared\" or \"separate\"")
    if c["tokenizer"] != "word":
        c["subword_vocab"] = need("subword_vocab", str, ("shared", "separate"))
    if c["epochs"] < 1 or c["batch_size"] < 1 or c["max_len"] < 2:
        fail(f"{path}: `epochs` and `batch_size` must be at least 1, `max_len` at least 2")
    if config.get("early_stopping") is not None:
        print(
            f"torch_nmt: {path}: early_stopping = {config['early_stopping']!r} is ignored: the budget or "
            "the epochs decide when training ends",
            file=sys.stderr,
        )
    if c["model"] == "rnn":
        for key in ("d_embed", "d_hidden"):
            c[key] = need(key, int)
        c["cell"] = need("cell", str, ("gru",))
        c["direction"] = need("direction", str, ("forward", "bidirectional"))
        c["attention"] = need("attention", str, ("bahdanau",))
        c["encoder_self_attention"] = need("encoder_self_attention", str, ("none",))
        c["rnn_dropout"] = float(config.get("rnn_dropout", 0.0))  # absent before it existed: off
        if c["teacher_forcing"] != 1.0 or config.get("teacher_forcing_end") is not None:
            fail(
                f"{path}: `teacher_forcing` = {config['teacher_forcing']!r}, `teacher_forcing_end` = "
                f"{config.get('teacher_forcing_end')!r}: this script trains teacher forcing 1 only"
            )
        if config.get("word_vectors") is not None:
            fail(f"{path}: `word_vectors` = {config['word_vectors']!r}: pre-trained vectors are not supported")
        if c["embeddings"] == "shared":
            print(f'torch_nmt: {path}: embeddings = "shared" is the transformer\'s; the RNN\'s are separate',
                  file=sys.stderr)
            c["embeddings"] = "separate"
    else:
        for key in ("d_model", "n_heads", "n_layers", "d_ff"):
            c[key] = need(key, int)
        c["dropout"] = float(need("dropout", number))
        c["positions"] = need("positions", str, ("sinusoidal", "learned", "none"))
        c["norm"] = need("norm", str, ("pre", "post"))
        if c["n_heads"] < 1 or c["d_model"] % c["n_heads"]:
            fail(f"{path}: `n_heads` = {c['n_heads']} must divide `d_model` = {c['d_model']}")
        if c["positions"] == "sinusoidal" and c["d_model"] % 2:
            fail(f"{path}: `d_model` = {c['d_model']} must be even for sinusoidal positions")
        if c["embeddings"] == "shared" and c.get("subword_vocab") != "shared":
            fail(f'{path}: `embeddings` = "shared" needs one vocabulary for both sides '
                 '(tokenizer "bpe" or "unigram", subword_vocab "shared")')
    c["max_tokens"] = c["max_len"] if c["tokenizer"] == "word" else SUBWORDS_PER_WORD * c["max_len"]
    return c


class WordCodec:
    """A side of a word run: ``Vocabulary`` and its encoder."""

    subwords = False

    def __init__(self, tokens, path, side):
        if not isinstance(tokens, list) or tokens[:4] != SPECIALS or not all(isinstance(t, str) for t in tokens):
            fail(f"{path}: {side}.tokens must be a list of strings starting with {' '.join(SPECIALS)}")
        self.tokens = tokens
        self.encode_words = encoder(tokens)

    def __len__(self):
        return len(self.tokens)

    def ids(self, text):
        return self.encode_words(tokenize(text))

    def decode(self, ids, capital):
        """(words, text) of generated ids."""
        words = [self.tokens[i] if i < len(self.tokens) else "<unk>" for i in ids]
        return words, detokenize(words, capital)


class SubwordCodec:
    """A side of a subword run: ``Subwords``."""

    subwords = True

    def __init__(self, path):
        from tokenizers import Tokenizer

        if not os.path.isfile(path):
            fail(f"{path}: the run's subword vocabulary is missing")
        try:
            self.tokenizer = Tokenizer.from_file(path)
        except Exception as e:  # the library raises plain Exceptions
            fail(f"{path}: not a subword vocabulary this script can read: {e}")
        for i, token in enumerate(SPECIALS):
            found = self.tokenizer.token_to_id(token)
            if found != i:
                fail(f"{path}: the special token {token} has id {found}, expected {i}")
        self.tokenizer.encode_special_tokens = True
        self.size = self.tokenizer.get_vocab_size(with_added_tokens=True)

    def __len__(self):
        return self.size

    def ids(self, text):
        return self.ids_of([text])[0]

    def ids_of(self, texts):
        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        return [[UNK if i in (PAD, BOS, EOS) else i for i in e.ids] for e in encodings]

    def decode(self, ids, capital):
        """(None, text) of generated ids: the pieces, pad, bos and eos left out."""
        kept = [i for i in ids if i not in (PAD, BOS, EOS)]
        return None, self.tokenizer.decode(kept, skip_special_tokens=False)


def load_codecs(run, c):
    """(source, target) codecs of the run."""
    if c["tokenizer"] == "word":
        path = os.path.join(run, "vocab.json")
        vocab = load_json(path, "the run's word vocabularies")
        try:
            source, target = vocab["source"]["tokens"], vocab["target"]["tokens"]
        except (KeyError, TypeError):
            fail(f'{path}: expected {{"source": {{"tokens": [...]}}, "target": {{"tokens": [...]}}}}')
        return WordCodec(source, path, "source"), WordCodec(target, path, "target")
    if c["subword_vocab"] == "shared":
        shared = SubwordCodec(os.path.join(run, "tokenizer.json"))
        return shared, shared
    return (
        SubwordCodec(os.path.join(run, "source-tokenizer.json")),
        SubwordCodec(os.path.join(run, "target-tokenizer.json")),
    )


def read_split(run, name):
    """``corpus::read_split``: [(english text, french text)], each trimmed."""
    path = os.path.join(run, "splits", f"{name}.tsv")
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except FileNotFoundError:
        fail(f"{path}: missing (the run's {name} split)")
    except (OSError, UnicodeDecodeError) as e:
        fail(f"{path}: cannot read the run's {name} split: {e}")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    pairs = []
    for number, line in enumerate(lines, 1):
        if line.endswith("\r"):
            line = line[:-1]
        english, tab, french = line.partition("\t")
        if not tab or not tokenize(english) or not tokenize(french):
            fail(f"{path}:{number}: expected `english<TAB>french`")
        pairs.append((rust_trim(english), rust_trim(french)))
    return pairs


def encode_side(codec, texts):
    if codec.subwords:
        return codec.ids_of(texts) if texts else []
    return [codec.ids(t) for t in texts]


def encode_pairs(pairs, source, target):
    """[(source ids, target ids)] of text pairs."""
    return list(zip(encode_side(source, [e for e, _ in pairs]), encode_side(target, [f for _, f in pairs])))


# --- learning-rate schedules (session::schedule, Burn 0.22.1) ---------------------------------


def learning_rate(schedule, lr, t, warmup_steps, total, width):
    """The rate of step t (from 1) of a run of ``total`` steps; see the module docs."""
    w = max(1, min(warmup_steps, total - 1))
    if schedule == "constant":
        return lr
    if schedule == "warmup-cosine":
        low = lr / 100.0
        if t <= w:  # LinearLrScheduler(low, lr, w)
            return lr - (lr - low) / w * (w - t + 1)
        if t > total:
            return low
        n = max(total - w, 1)  # CosineAnnealingLrScheduler(lr, n).with_min_lr(low)
        return low + 0.5 * (lr - low) * (1.0 + math.cos((t - w - 1) / n * math.pi))
    if schedule == "noam":
        factor = lr * math.sqrt(width) * math.sqrt(w)
        return factor * width ** -0.5 * min(t ** -0.5, t * w ** -1.5)
    raise ValueError(schedule)


# --- the models -----------------------------------------------------------------------------


class RnnPeer(RnnSeq2Seq):
    """torch_translate.py's RnnSeq2Seq, with the step-by-step decoding interface."""

    def start(self, source, lengths):
        states, mask, hidden, keys = self.encode(source, lengths)
        return hidden, states, mask, keys

    def advance(self, tokens, state):
        """RnnSeq2Seq.step (not overridden: forward uses it) keeping the attention weights:
        (log-probabilities, weights, state)."""
        hidden, states, mask, keys = state
        scores = self.attention.v(torch.tanh(self.attention.query(hidden)[:, None, :] + keys)).squeeze(2)
        weights = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=1)  # [rows, S]
        context = torch.bmm(weights[:, None, :], states).squeeze(1)
        hidden = self.decoder(torch.cat((self.target_embedding(tokens), context), dim=1), hidden)
        return torch.log_softmax(self.generator(hidden), dim=1), weights, (hidden, states, mask, keys)

    @staticmethod
    def select(state, rows):
        return tuple(t.index_select(0, rows) for t in state)


def sinusoids(length, d_model):
    """Burn's ``generate_sinusoids`` (max_timescale 10,000), in f32 as Burn computes it (its ``exp``,
    ``sin`` and ``cos`` are Rust's, these PyTorch's: the same to float rounding)."""
    increment = -torch.tensor(10000.0).log() / d_model  # f32
    k = torch.arange(0, d_model, 2, dtype=torch.float32)
    div = torch.exp(k * increment)  # [d/2]
    angles = torch.arange(length, dtype=torch.float32)[:, None] * div[None, :]
    pe = torch.empty(length, d_model)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(angles), torch.cos(angles)
    return pe


class TransformerPeer(nn.Module):
    """torch.nn.Transformer with attn's embeddings, positions and generator (module docs)."""

    def __init__(self, src_vocab, tgt_vocab, c, positions):
        super().__init__()
        d = c["d_model"]
        self.d_model, self.positions = d, positions
        shared = c["embeddings"] == "shared"
        self.source_embedding = nn.Embedding(src_vocab, d)
        self.target_embedding = None if shared else nn.Embedding(tgt_vocab, d)
        # attn's init (models::seq2seq_transformer): N(0, 1/d), as fairseq's.
        for embedding in (self.source_embedding, self.target_embedding):
            if embedding is not None:
                nn.init.normal_(embedding.weight, mean=0.0, std=d**-0.5)
        self.learned = nn.Embedding(positions, d) if c["positions"] == "learned" else None
        pe = sinusoids(positions, d) if c["positions"] == "sinusoidal" else None
        self.register_buffer("pe", pe, persistent=False)
        self.transformer = nn.Transformer(
            d_model=d,
            nhead=c["n_heads"],
            num_encoder_layers=c["n_layers"],
            num_decoder_layers=c["n_layers"],
            dim_feedforward=c["d_ff"],
            dropout=c["dropout"],
            batch_first=True,
            norm_first=c["norm"] == "pre",
        )
        if c["norm"] == "post":  # attn's post-norm model has no final norms
            self.transformer.encoder.norm = None
            self.transformer.decoder.norm = None
        self.generator = nn.Linear(d, tgt_vocab, bias=not shared)
        if shared:
            self.generator.weight = self.source_embedding.weight
        # The last decoder layer's cross-attention weights, averaged over heads, when asked for.
        self.capture, self.captured = False, None
        cross = self.transformer.decoder.layers[-1].multihead_attn
        cross.register_forward_pre_hook(self._ask_weights, with_kwargs=True)
        cross.register_forward_hook(self._keep_weights)

    def _ask_weights(self, module, args, kwargs):
        if self.capture:
            kwargs = dict(kwargs, need_weights=True, average_attn_weights=True)
        return args, kwargs

    def _keep_weights(self, module, args, output):
        if self.capture:
            self.captured = output[1]

    def embed(self, embedding, tokens):
        length = tokens.shape[1]
        if length > self.positions:
            raise ValueError(f"{length} positions, but the model has {self.positions}")
        x = embedding(tokens) * math.sqrt(self.d_model)
        if self.pe is not None:
            x = x + self.pe[:length]
        elif self.learned is not None:
            x = x + self.learned(torch.arange(length, device=tokens.device))
        return x

    def encode(self, source, lengths):
        """(memory, padding mask): True at the source's padding."""
        mask = torch.arange(source.shape[1], device=source.device)[None, :] >= lengths.to(source.device)[:, None]
        memory = self.transformer.encoder(self.embed(self.source_embedding, source), src_key_padding_mask=mask)
        return memory, mask

    def decode(self, target_input, memory, mask):
        length = target_input.shape[1]
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool, device=target_input.device), diagonal=1)
        embedding = self.source_embedding if self.target_embedding is None else self.target_embedding
        x = self.embed(embedding, target_input)
        x = self.transformer.decoder(x, memory, tgt_mask=causal, memory_key_padding_mask=mask, tgt_is_causal=True)
        return self.generator(x)

    def forward(self, source, lengths, target_input):
        """Teacher-forced logits [B, T, V]."""
        memory, mask = self.encode(source, lengths)
        return self.decode(target_input, memory, mask)

    def start(self, source, lengths):
        """(memory, padding mask, each decoder layer's inputs so far [rows, t, d])."""
        memory, mask = self.encode(source, lengths)
        empty = memory.new_zeros(source.shape[0], 0, self.d_model)
        return (memory, mask) + tuple(empty for _ in self.transformer.decoder.layers)

    def advance(self, tokens, state):
        """The next position of every row, with a key/value cache: each decoder layer keeps its
        inputs at the earlier positions (what its self-attention's keys and values are computed
        from), so that a step runs the layers over the new position only; ``decode`` over the
        whole prefix gives the same logits (the self-test holds them equal)."""
        memory, mask, *inputs = state
        t = inputs[0].shape[1]
        if t >= self.positions:
            raise ValueError(f"{t + 1} positions, but the model has {self.positions}")
        embedding = self.source_embedding if self.target_embedding is None else self.target_embedding
        x = embedding(tokens[:, None]) * math.sqrt(self.d_model)
        if self.pe is not None:
            x = x + self.pe[t : t + 1]
        elif self.learned is not None:
            x = x + self.learned(torch.tensor([t], device=tokens.device))
        seen = []
        for layer, before in zip(self.transformer.decoder.layers, inputs):
            keys = torch.cat((before, x), dim=1)
            seen.append(keys)
            x = self._layer_step(layer, x, keys, memory, mask)
        if self.transformer.decoder.norm is not None:
            x = self.transformer.decoder.norm(x)
        logits = self.generator(x)[:, 0]
        weights = self.captured[:, -1] if self.capture else None
        return torch.log_softmax(logits, dim=1), weights, (memory, mask, *seen)

    @staticmethod
    def _layer_step(layer, x, keys, memory, mask):
        """``nn.TransformerDecoderLayer.forward`` (evaluation: no dropout) at the last position
        ``x`` [rows, 1, d], its self-attention over ``keys`` (the layer's inputs at every position
        up to this one: the causal mask is implied)."""

        def feed_forward(h):
            return layer.linear2(layer.activation(layer.linear1(h)))

        def cross(h):
            return layer.multihead_attn(h, memory, memory, key_padding_mask=mask, need_weights=False)[0]

        if layer.norm_first:
            normed = layer.norm1(keys)
            x = x + layer.self_attn(normed[:, -1:], normed, normed, need_weights=False)[0]
            x = x + cross(layer.norm2(x))
            return x + feed_forward(layer.norm3(x))
        x = layer.norm1(x + layer.self_attn(x, keys, keys, need_weights=False)[0])
        x = layer.norm2(x + cross(x))
        return layer.norm3(x + feed_forward(x))

    @staticmethod
    def select(state, rows):
        return tuple(t.index_select(0, rows) for t in state)


def build_model(c, src_vocab, tgt_vocab, device):
    positions = c["max_tokens"] + 1
    if c["model"] == "rnn":
        model = RnnPeer(
            src_vocab, tgt_vocab, c["d_embed"], c["d_hidden"], c["direction"] == "bidirectional", positions,
            c["rnn_dropout"],
        )
        width = c["d_hidden"]
    else:
        if c["embeddings"] == "shared" and src_vocab != tgt_vocab:
            fail(f"shared embeddings need one vocabulary, got {src_vocab} source and {tgt_vocab} target ids")
        model = TransformerPeer(src_vocab, tgt_vocab, c, positions)
        width = c["d_model"]
    return model.to(device), width


# --- training -------------------------------------------------------------------------------


def step_loss(model, step, device, smoothing, vocab):
    """The loss of one optimiser step (the sum of its device batches' means), and its tokens."""
    pairs = [p for batch in step for p in batch]
    source, lengths, target_input, target_output = make_batch(pairs, device)
    weight = torch.empty(target_output.shape, device=device)
    row = 0
    for batch in step:
        weight[row : row + len(batch)] = 1.0 / sum(len(t) + 1 for _, t in batch)
        row += len(batch)
    logits = model(source, lengths, target_input)
    token_loss = F.cross_entropy(
        logits.reshape(-1, vocab),
        target_output.reshape(-1),
        ignore_index=PAD,
        reduction="none",
        label_smoothing=smoothing,
    )
    tokens = sum(len(s) + len(t) + 1 for s, t in pairs)
    return (token_loss * weight.reshape(-1)).sum(), tokens


def length_batches(pairs, batch_size, seed):
    """attn's ``batching = "by-length"`` (``session::by_length``): the pairs shuffled by the seed,
    sorted (stably) by target then source length, cut into batches of ``batch_size``; returns the
    batches, fixed for the run, and the generator that orders them anew each epoch."""
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(pairs), generator=generator).tolist()
    order.sort(key=lambda i: (len(pairs[i][1]), len(pairs[i][0])))
    return [[pairs[i] for i in order[j : j + batch_size]] for j in range(0, len(order), batch_size)], generator


def train(model, train_pairs, c, args, device, width, tgt_vocab, valid_pairs):
    """Trains until the budget, the epochs or (neither given) the run's epochs; returns the record."""
    devices, batch_size = args.devices, c["batch_size"]
    steps_per_epoch = math.ceil(len(train_pairs) / (batch_size * devices))
    total = c["epochs"] * steps_per_epoch
    max_epochs = args.epochs if args.epochs else (None if args.time_budget else c["epochs"])
    optimizer = torch.optim.Adam(
        model.parameters(), lr=c["learning_rate"], betas=(0.9, 0.999), eps=ADAM_EPSILON, weight_decay=0.0
    )
    parameters = list(model.parameters())
    generators = [torch.Generator().manual_seed(c["seed"] * 1000 + k) for k in range(devices)]
    by_length = c.get("batching", "random") == "by-length"
    if by_length:
        fixed, order_generator = length_batches(train_pairs, batch_size, c["seed"])
    clip, smoothing = c["grad_clip"], c["label_smoothing"]
    losses, rows, spent, t, tokens, rate, stop = [], [], 0.0, 0, 0, c["learning_rate"], False
    while not stop and (max_epochs is None or len(rows) < max_epochs):
        model.train()
        started = time.perf_counter()
        epoch_losses = []
        if by_length:
            order = torch.randperm(len(fixed), generator=order_generator).tolist()
            batches = [fixed[i] for i in order]
            steps = [batches[k : k + devices] for k in range(0, len(batches), devices)]
        else:
            steps = epoch_steps(train_pairs, devices, batch_size, generators)
        for step in steps:
            t += 1
            rate = learning_rate(c["schedule"], c["learning_rate"], t, c["warmup_steps"], total, width)
            for group in optimizer.param_groups:
                group["lr"] = rate
            optimizer.zero_grad(set_to_none=True)
            loss, step_tokens = step_loss(model, step, device, smoothing, tgt_vocab)
            loss.backward()
            if clip > 0:
                clip_per_tensor(parameters, clip)
            optimizer.step()
            epoch_losses.append(loss.item() / len(step))
            tokens += step_tokens
            if args.time_budget is not None:
                sync(device)
                if spent + time.perf_counter() - started >= args.time_budget:
                    stop = True
                    break
        sync(device)
        train_s = time.perf_counter() - started
        spent += train_s
        losses.extend(epoch_losses)
        row = {
            "epoch": len(rows) + 1,
            "steps": len(epoch_losses),
            "train_s": train_s,
            "train_loss": sum(epoch_losses) / max(len(epoch_losses), 1),
            "learning_rate": rate,
        }
        line = (
            f"torch epoch {row['epoch']}: {row['steps']} steps in {train_s:.2f} s, loss {row['train_loss']:.4f}, "
            f"rate {rate:.3g}"
        )
        if args.valid:
            loss, accuracy, valid_s = validate(model, valid_pairs, c, device, tgt_vocab)
            row.update({"valid_loss": loss, "valid_accuracy": accuracy, "valid_s": valid_s})
            line += f" | valid loss {loss:.4f}, accuracy {accuracy:.2f}% ({valid_s:.1f} s)"
        print(line, flush=True)
        rows.append(row)
        if not epoch_losses:
            break
    last = losses[-FINAL_LOSS_STEPS:]
    return {
        "steps": t,
        "total_steps": total,
        "steps_per_epoch": steps_per_epoch,
        "epochs_done": t / steps_per_epoch,
        "train_s": spent,
        "tokens_per_s": tokens / spent if spent > 0 else None,
        "final_train_loss": sum(last) / len(last) if last else None,
        "last_learning_rate": rate,
        "epochs": rows,
    }


@torch.no_grad()
def validate(model, pairs, c, device, vocab):
    """Teacher-forced loss (mean over batches of their token means) and token accuracy."""
    started = time.perf_counter()
    model.eval()
    losses, correct, counted = [], 0, 0
    for j in range(0, len(pairs), c["batch_size"]):
        source, lengths, target_input, target_output = make_batch(pairs[j : j + c["batch_size"]], device)
        logits = model(source, lengths, target_input)
        loss = F.cross_entropy(
            logits.reshape(-1, vocab), target_output.reshape(-1), ignore_index=PAD, label_smoothing=c["label_smoothing"]
        )
        real = target_output != PAD
        correct += ((logits.argmax(dim=2) == target_output) & real).sum().item()
        counted += real.sum().item()
        losses.append(loss.item())
    sync(device)
    return sum(losses) / max(len(losses), 1), 100.0 * correct / max(counted, 1), time.perf_counter() - started


# --- decoding (models/src/decoding.rs) ------------------------------------------------------


class Hypothesis:
    __slots__ = ("tokens", "attention", "log_prob")

    def __init__(self, tokens, attention, log_prob):
        self.tokens, self.attention, self.log_prob = tokens, attention, log_prob


def rows_of(attention):
    return attention.tolist() if attention is not None else None


def greedy(model, source, lengths, max_len):
    """``decoding::greedy``: [(tokens, attention rows)] of a padded batch."""
    batch = source.shape[0]
    state = model.start(source, lengths)
    out = [Hypothesis([], [], 0.0) for _ in range(batch)]
    done = [False] * batch
    tokens = torch.full((batch,), BOS, dtype=torch.long, device=source.device)
    for _ in range(max_len):
        log_probs, attention, state = model.advance(tokens, state)
        best = log_probs.argmax(dim=1)  # the first of equal maxima: the lower id
        chosen = log_probs.gather(1, best[:, None]).squeeze(1).tolist()
        attention = rows_of(attention)
        for row, token in enumerate(best.tolist()):
            if done[row]:
                continue
            out[row].log_prob += chosen[row]
            if token == EOS:
                done[row] = True
            else:
                out[row].tokens.append(token)
                out[row].attention.append(attention[row] if attention else None)
        if all(done):
            break
        tokens = best
    return out


def best_candidates(scores, k):
    """``decoding::best_candidates``: each row's k best (score, index), best first, ties to the lower index."""
    n = scores.shape[1]
    values, indices = torch.topk(scores, k, dim=1)
    result = []
    for sentence, (vals, idx) in enumerate(zip(values.tolist(), indices.tolist())):
        best = sorted(zip(vals, idx), key=lambda e: (-e[0], e[1]))
        if k < n and k >= 2 and best[k - 2][0] == best[k - 1][0]:
            ordered, order = torch.sort(scores[sentence], descending=True, stable=True)
            best = list(zip(ordered[:k].tolist(), order[:k].tolist()))
        result.append(best)
    return result


def beam_search(model, source, lengths, width, max_len):
    """``decoding::beam_search_batch`` with ``LengthNorm::None``: each sentence's best hypothesis."""
    batch, device = source.shape[0], source.device
    state = model.start(source, lengths)
    alive = [[Hypothesis([], [], 0.0)] for _ in range(batch)]
    finished = [[] for _ in range(batch)]
    searching, beams = list(range(batch)), 1
    last, running = [BOS] * batch, [0.0] * batch
    for _ in range(max_len):
        if not searching:
            break
        tokens = torch.tensor(last, dtype=torch.long, device=device)
        log_probs, attention, following = model.advance(tokens, state)
        vocab = log_probs.shape[1]
        scores = log_probs + torch.tensor(running, dtype=log_probs.dtype, device=device)[:, None]
        scores = scores.reshape(len(searching), beams * vocab)
        candidates = best_candidates(scores, min(2 * width, beams * vocab))
        attention = rows_of(attention)
        parents, still = [], []
        for slot, sentence in enumerate(searching):
            next_alive, kept = [], []
            for log_prob, index in candidates[slot]:
                if len(next_alive) == width or len(finished[sentence]) == width:
                    break
                beam, token = divmod(index, vocab)
                parent = alive[sentence][beam]
                if token == EOS:
                    finished[sentence].append((log_prob, Hypothesis(parent.tokens, parent.attention, log_prob)))
                else:
                    row = slot * beams + beam
                    seen = attention[row] if attention else None
                    next_alive.append(Hypothesis(parent.tokens + [token], parent.attention + [seen], log_prob))
                    kept.append(row)
            if len(finished[sentence]) >= width or not next_alive:
                alive[sentence] = []
            else:
                alive[sentence] = next_alive
                parents.extend(kept)
                still.append(sentence)
        if not still:
            break
        beams = len(alive[still[0]])
        assert all(len(alive[s]) == beams for s in still), "sentences keep different numbers of hypotheses"
        state = model.select(following, torch.tensor(parents, dtype=torch.long, device=device))
        last = [h.tokens[-1] for s in still for h in alive[s]]
        running = [h.log_prob for s in still for h in alive[s]]
        searching = still
    best = []
    for sentence in range(batch):
        ranked = finished[sentence] + [(h.log_prob, h) for h in alive[sentence]]
        ranked.reverse()  # of equal scores the one found last ranks first
        ranked.sort(key=lambda e: -e[0])
        best.append(ranked[0][1])
    return best


@torch.no_grad()
def decode_split(model, sources, c, device, width):
    """Hypotheses for every source (ids), ``batch_size`` at a time; width 0 = greedy."""
    model.eval()
    max_len = c["max_tokens"] + 1
    outputs = []
    for j in range(0, len(sources), c["batch_size"]):
        chunk = sources[j : j + c["batch_size"]]
        source, lengths, _, _ = make_batch([(s, []) for s in chunk], device)
        if width:
            outputs.extend(beam_search(model, source, lengths, width, max_len))
        else:
            outputs.extend(greedy(model, source, lengths, max_len))
    sync(device)
    return outputs


# --- scoring (report/evaluation.rs) ---------------------------------------------------------


def render(hypothesis, english, target, replace_unknown):
    """(output tokens for BLEU, output text): ``Translator::render`` and ``evaluate``."""
    capital = capitalised(english)
    words, text = target.decode(hypothesis.tokens, capital)
    if target.subwords:
        return tokenize(text), text
    if replace_unknown and UNK in hypothesis.tokens:
        source_words = tokenize(english)
        for k, (token, row) in enumerate(zip(hypothesis.tokens, hypothesis.attention)):
            n = min(len(row), len(source_words)) if row is not None else 0
            if token == UNK and n:
                top = max(row[:n])
                words[k] = source_words[max(i for i in range(n) if row[i] == top)]  # the last of equal maxima
        text = detokenize(words, capital)
    return words, text


def score(hypotheses, test, sources, reference_ids, source_codec, target_codec):
    """attn eval's scores of the hypotheses; returns (scores, output texts)."""
    import sacrebleu

    replace = not source_codec.subwords
    words, texts, references, reference_texts = [], [], [], []
    exact = correct = total = 0
    counts = BleuCounts()
    for hypothesis, (english, french), wanted in zip(hypotheses, test, reference_ids):
        output, text = render(hypothesis, english, target_codec, replace)
        reference = tokenize(french)
        words.append(output)
        texts.append(text)
        references.append(reference)
        reference_texts.append(french)
        counts.add(output, reference)
        exact += output == reference
        produced, expected = hypothesis.tokens + [EOS], wanted + [EOS]
        correct += sum(a == b for a, b in zip(expected, produced))
        total += len(expected)
    source_tokens = sum(len(s) for s in sources)
    unknown = sum(s.count(UNK) for s in sources)
    joined_hyps, joined_refs = [" ".join(w) for w in words], [" ".join(r) for r in references]
    bleu = sacrebleu.corpus_bleu(joined_hyps, [joined_refs], tokenize="none").score
    if abs(bleu - counts.score()) > 1e-6:
        print(f"warning: sacreBLEU's BLEU {bleu} differs from attn's count {counts.score()}", file=sys.stderr)
    n = max(len(hypotheses), 1)
    return {
        "sentences": len(hypotheses),
        "bleu": bleu,
        "chrf": sacrebleu.corpus_chrf(joined_hyps, [joined_refs]).score,
        "sacre_bleu": sacrebleu.corpus_bleu(texts, [reference_texts]).score,
        "sacre_chrf": sacrebleu.corpus_chrf(texts, [reference_texts]).score,
        "exact_match": 100.0 * exact / n,
        "token_accuracy": 100.0 * correct / max(total, 1),
        "unknown": 100.0 * unknown / max(source_tokens, 1),
    }, texts


# --- self-test ------------------------------------------------------------------------------


def self_test():
    """The examples of attn's tokenize.rs, session.rs and decoding.rs, and a few more."""
    cases = [
        ("Je t’aime, Élise !", ["je", "t'", "aime", ",", "élise", "!"]),
        ("I love you.", ["i", "love", "you", "."]),
        ("Je t'aime.", ["je", "t'", "aime", "."]),
        ("Est-ce que tu m'aimes ?", ["est-ce", "que", "tu", "m'", "aimes", "?"]),
        ("Elles sont FRANÇAISES.", ["elles", "sont", "françaises", "."]),
        ("«Bonjour»\u00a0(dit-il)…¡¿", ["«", "bonjour", "»", "(", "dit-il", ")", "…", "¡", "¿"]),
        ("aujourd'hui l''x", ["aujourd'", "hui", "l'", "'", "x"]),
        ("a\x1cb", ["a\x1cb"]),
    ]
    for text, expected in cases:
        assert tokenize(text) == expected, (text, tokenize(text), expected)
    words = ["impossible", "d'", "ouvrir", "le", "fichier", "."]
    assert detokenize(words, True) == "Impossible d'ouvrir le fichier.", detokenize(words, True)
    assert detokenize(["«", "a", "»", "(", "b", ")", "?", "¿", "c", "…"], False) == "« a » (b) ? ¿c…"
    assert detokenize([], True) == ""
    assert capitalised("  Open") and not capitalised("open") and not capitalised("")
    # session.rs's doctest: Noam at 7e-4, warm-up 400, width 256, 10,000 steps.
    rates = [learning_rate("noam", 7e-4, t, 400, 10_000, 256) for t in range(1, 2001)]
    assert abs(rates[399] - 7e-4) < 1e-12 and abs(rates[0] - 7e-4 / 400) < 1e-12
    assert abs(rates[1599] - 7e-4 * math.sqrt(400 / 1600)) < 1e-12
    cosine = [learning_rate("warmup-cosine", 1e-3, t, 3, 10, 64) for t in range(1, 12)]
    expected = [1e-5, 1e-5 + 0.99e-3 / 3, 1e-5 + 2 * 0.99e-3 / 3, 1e-3]
    assert all(abs(a - b) < 1e-15 for a, b in zip(cosine, expected)), cosine
    assert abs(cosine[9] - (1e-5 + 0.495e-3 * (1 + math.cos(math.pi * 6 / 7)))) < 1e-15 and cosine[10] == 1e-5
    # Beam search of width 1 is greedy decoding; beams of a batch are each sentence's alone.
    torch.manual_seed(0)
    c = {"d_model": 16, "n_heads": 2, "n_layers": 1, "d_ff": 32, "dropout": 0.0, "positions": "sinusoidal",
         "norm": "pre", "embeddings": "separate"}
    for model in (RnnPeer(12, 9, 8, 16, True, 7), TransformerPeer(12, 9, c, 7)):
        loss, tokens = step_loss(model, [[([4, 5, 6], [5, 6]), ([7], [8])]], torch.device("cpu"), 0.1, 9)
        loss.backward()
        assert tokens == 9 and math.isfinite(loss.item())
        model.eval()
        if isinstance(model, TransformerPeer):
            model.capture = True
        with torch.no_grad():
            source = torch.tensor([[4, 5, 6, 7], [8, 9, 0, 0], [10, 0, 0, 0]])
            lengths = torch.tensor([4, 2, 1])
            g = greedy(model, source, lengths, 6)
            b1 = beam_search(model, source, lengths, 1, 6)
            assert [h.tokens for h in g] == [h.tokens for h in b1], ([h.tokens for h in g], [h.tokens for h in b1])
            b3 = beam_search(model, source, lengths, 3, 6)
            alone = [beam_search(model, source[i : i + 1, : lengths[i]], lengths[i : i + 1], 3, 6)[0] for i in range(3)]
            assert [h.tokens for h in b3] == [h.tokens for h in alone]
            assert all(abs(a.log_prob - b.log_prob) < 1e-4 for a, b in zip(b3, alone))
            if isinstance(model, TransformerPeer):
                # The cached steps give decode's logits over the whole prefix, position by position.
                prefix = torch.tensor([[BOS, 5, 6, 7, 8], [BOS, 4, 4, 3, 2], [BOS, 8, 8, 8, 8]])
                full = torch.log_softmax(model.decode(prefix, *model.encode(source, lengths)), dim=2)
                state = model.start(source, lengths)
                for t in range(prefix.shape[1]):
                    step, _, state = model.advance(prefix[:, t], state)
                    assert torch.allclose(step, full[:, t], atol=1e-5), (t, (step - full[:, t]).abs().max())
    # <unk> replacement: the source word of the row's largest weight, the last of equal ones.
    target = WordCodec(SPECIALS + ["je", "aime", "."], "self-test", "target")
    h = Hypothesis([4, UNK, 6], [[0.1, 0.9, 0.0], [0.2, 0.4, 0.4], [0.0, 0.0, 1.0]], 0.0)
    assert render(h, " I love you.", target, True) == (["je", "you", "."], "Je you.")
    assert render(h, "i love you.", target, False) == (["je", "<unk>", "."], "je <unk>.")
    print(
        "torch_nmt self-test: tokenize, detokenize, schedules, <unk> replacement, a training step, "
        "greedy = beam 1, batched beam = alone, cached transformer steps = full re-run: ok"
    )
    return 0


# --- main -----------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run", help="the translate run directory")
    parser.add_argument("--model", choices=("rnn", "transformer"), help="default: the run's model")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads on the CPU (default 2)")
    parser.add_argument("--devices", type=int, default=1, help="attn's --devices for the run (default 1)")
    parser.add_argument("--time-budget", type=float, help="seconds of training time (validation excluded)")
    parser.add_argument("--epochs", type=int, help="stop after this many epochs")
    parser.add_argument("--beam", type=int, default=4, help="beam width (default 4; 0: greedy only)")
    parser.add_argument("--valid", action="store_true", help="validation loss after every epoch (not timed)")
    parser.add_argument("--seed", type=int, help="instead of the run's seed")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="default cpu")
    parser.add_argument("--out", help="the JSON written (default target/peer/torch_nmt-MODEL.json)")
    parser.add_argument("--hypotheses", metavar="PREFIX", help="write PREFIX.greedy.txt, PREFIX.beamW.txt")
    parser.add_argument("--self-test", action="store_true", help="check the ports, then exit")
    args = parser.parse_args()
    if args.self_test:
        configure_threads(args.threads)
        return self_test()
    if not args.run:
        parser.error("--run is required")
    for name in ("threads", "devices"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.beam < 0 or (args.epochs is not None and args.epochs < 1):
        parser.error("--beam must be at least 0 and --epochs at least 1")
    if args.time_budget is not None and not args.time_budget > 0:
        parser.error("--time-budget must be positive")

    device = torch.device(args.device)
    if device.type == "cpu":
        configure_threads(args.threads)
    elif not torch.cuda.is_available():
        fail("--device cuda: CUDA is not available to this PyTorch")
    else:
        torch.set_float32_matmul_precision("highest")

    c = read_config(args.run, args.model)
    if args.seed is not None:
        c["seed"] = args.seed
    source_codec, target_codec = load_codecs(args.run, c)
    splits = {name: read_split(args.run, name) for name in ("train", "valid", "test")}
    max_tokens = c["max_tokens"]

    def fits(pair):
        return len(pair[0]) <= max_tokens and len(pair[1]) <= max_tokens

    encoded = {name: encode_pairs(splits[name], source_codec, target_codec) for name in ("train", "valid")}
    train_pairs = [p for p in encoded["train"] if fits(p)]
    valid_pairs = [p for p in encoded["valid"] if fits(p)]
    dropped = len(encoded["train"]) + len(encoded["valid"]) - len(train_pairs) - len(valid_pairs)
    if not train_pairs:
        fail(f"{args.run}: no training pair of at most {max_tokens} tokens a side")
    test = splits["test"]
    test_ids = encode_pairs(test, source_codec, target_codec)
    sources = [s[: max_tokens + 1] if c["model"] == "transformer" else s for s, _ in test_ids]
    reference_ids = [t for _, t in test_ids]

    torch.manual_seed(c["seed"])
    model, width = build_model(c, len(source_codec), len(target_codec), device)
    parameters = sum(p.numel() for p in model.parameters())
    machine = machine_info(device, False)
    print(
        f"PyTorch {machine['torch']}, {device.type}, {machine['threads']} threads; run {args.run}: "
        f"{c['tokenizer']} vocabularies of {len(source_codec)} and {len(target_codec)} ids; {len(train_pairs)} "
        f"training pairs ({dropped} train/valid pairs over {max_tokens} tokens dropped), {len(test)} test pairs; "
        f"{c['model']}, {parameters:,} parameters",
        flush=True,
    )
    if c["model"] == "rnn":
        expected = rust_parameter_count(
            len(source_codec), len(target_codec), c["d_embed"], c["d_hidden"], c["direction"] == "bidirectional"
        )
        if expected != parameters:
            print(f"warning: attn's RnnSeq2Seq has {expected:,} parameters", file=sys.stderr)

    record = train(model, train_pairs, c, args, device, width, len(target_codec), valid_pairs)

    if c["model"] == "transformer":
        model.capture = not target_codec.subwords and not source_codec.subwords
    decodings = {}
    for name, beam in [("greedy", 0)] + ([(f"beam{args.beam}", args.beam)] if args.beam else []):
        started = time.perf_counter()
        hypotheses = decode_split(model, sources, c, device, beam)
        decode_s = time.perf_counter() - started
        scores, texts = score(hypotheses, test, sources, reference_ids, source_codec, target_codec)
        scores["decode_s"] = decode_s
        decodings[name] = scores
        print(
            f"torch {name}: {scores['sentences']} test sentences, BLEU {scores['bleu']:.2f}, "
            f"chrF {scores['chrf']:.2f}, "
            f"exact match {scores['exact_match']:.2f}%, token accuracy {scores['token_accuracy']:.2f}%, <unk> "
            f"{scores['unknown']:.2f}% of source tokens; detokenised: BLEU {scores['sacre_bleu']:.2f}, "
            f"chrF {scores['sacre_chrf']:.2f} ({decode_s:.1f} s)",
            flush=True,
        )
        if args.hypotheses:
            path = f"{args.hypotheses}.{name}.txt"
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.writelines(text.replace("\n", " ") + "\n" for text in texts)

    out = args.out or os.path.join("target", "peer", f"torch_nmt-{c['model']}.json")
    data = {
        "model": c["model"],
        "run": os.path.abspath(args.run),
        "threads": args.threads if device.type == "cpu" else None,
        "devices": args.devices,
        "device": device.type,
        "time_budget_s": args.time_budget,
        **{k: record[k] for k in ("steps", "total_steps", "steps_per_epoch", "epochs_done", "train_s", "tokens_per_s")},
        "parameters": parameters,
        "final_train_loss": record["final_train_loss"],
        "last_learning_rate": record["last_learning_rate"],
        "train_pairs": len(train_pairs),
        "dropped_pairs": dropped,
        "test_sentences": len(test),
        "vocab": {"tokenizer": c["tokenizer"], "source": len(source_codec), "target": len(target_codec)},
        "config": c,
        "epochs": record["epochs"],
        "decodings": decodings,
        "machine": machine,
    }
    write_json(out, data)
    summary = " | ".join(
        f"{name} chrF {s['chrf']:.2f} BLEU {s['bleu']:.2f} sacre chrF {s['sacre_chrf']:.2f}"
        for name, s in decodings.items()
    )
    print(
        f"torch_nmt {c['model']} on {args.run}: {record['steps']} steps ({record['epochs_done']:.2f} epochs) in "
        f"{record['train_s']:.1f} s, {record['tokens_per_s'] or 0:,.0f} tokens/s, final loss "
        f"{record['final_train_loss'] or float('nan'):.4f} | {summary} -> {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
