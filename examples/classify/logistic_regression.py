#!/usr/bin/env python3
"""The classify task's second baseline: logistic regression over each word's character 1- to 5-grams
(the word framed by ^ and $, as naive_bayes.py frames it), hashed into 2^18 rows, trained with Adam
on a classify run's training split and scored on its test split after each epoch. It is the kind
of model that `attn train classify --ngram-logits 5` adds to the transformer (there, the n-grams of
the run's character ids are hashed with the model's prime hash; here, their text with CRC-32), on
its own, so that what the transformer adds can be measured.

    python3 examples/classify/logistic_regression.py runs/classify-example [--epochs 4]

Needs PyTorch (pip install -r benches/requirements-peer.txt); one thread, seeded.
"""

import argparse
import random
import zlib
from pathlib import Path

import torch

ORDERS = range(1, 6)


def grams(word, buckets):
    framed = f"^{word}$"
    return [zlib.crc32(f"{n}:{framed[i:i + n]}".encode()) % buckets
            for n in ORDERS for i in range(len(framed) - n + 1)]


def read(path):
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        word, sep, language = line.partition("\t")
        if not sep or not word:
            raise SystemExit(f"{path}:{number}: expected word<TAB>language")
        pairs.append((word, language))
    return pairs


def batch(pairs, classes, buckets):
    ids, offsets = [], []
    for word, _ in pairs:
        offsets.append(len(ids))
        ids += grams(word, buckets)
    labels = [classes[language] for _, language in pairs]
    return torch.tensor(ids), torch.tensor(offsets), torch.tensor(labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--buckets", type=int, default=1 << 18)
    parser.add_argument("--learning-rate", type=float, default=0.003)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(42)
    random.seed(42)
    train = read(args.run / "splits" / "train.tsv")
    test = read(args.run / "splits" / "test.tsv")
    classes = {language: i for i, language in enumerate(sorted({language for _, language in train}))}
    bag = torch.nn.EmbeddingBag(args.buckets, len(classes), mode="sum")
    torch.nn.init.zeros_(bag.weight)
    bias = torch.nn.Parameter(torch.zeros(len(classes)))
    optimizer = torch.optim.Adam([bag.weight, bias], lr=args.learning_rate)
    test_ids, test_offsets, test_labels = batch(test, classes, args.buckets)
    for epoch in range(1, args.epochs + 1):
        random.shuffle(train)
        for start in range(0, len(train), args.batch_size):
            ids, offsets, labels = batch(train[start:start + args.batch_size], classes, args.buckets)
            loss = torch.nn.functional.cross_entropy(bag(ids, offsets) + bias, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            right = int(((bag(test_ids, test_offsets) + bias).argmax(1) == test_labels).sum())
        print(f"logistic regression, character 1- to 5-grams, epoch {epoch}: {right}/{len(test)} test words, "
              f"accuracy {100 * right / len(test):.2f}%", flush=True)


if __name__ == "__main__":
    main()
