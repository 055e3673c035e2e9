#!/usr/bin/env python3
"""The classify task's baseline: multinomial naive Bayes over each word's character 1- to 5-grams
(the word framed by ^ and $), add-0.1 smoothing, trained on a classify run's training split and
scored on its test split, so the number compares with `attn eval --run RUN_DIR` on the same words.

    python3 examples/classify/naive_bayes.py runs/classify-example

Standard library only; the splits are the run's splits/train.tsv and splits/test.tsv
(word<TAB>language), as `attn train classify` writes them. Prints the test accuracy.
"""

import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

ORDERS = range(1, 6)
ALPHA = 0.1


def grams(word):
    framed = f"^{word}$"
    return [framed[i:i + n] for n in ORDERS for i in range(len(framed) - n + 1)]


def read(path):
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        word, sep, language = line.partition("\t")
        if not sep or not word:
            sys.exit(f"{path}:{number}: expected word<TAB>language")
        pairs.append((word, language))
    return pairs


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    run = Path(sys.argv[1])
    train, test = read(run / "splits" / "train.tsv"), read(run / "splits" / "test.tsv")
    counts = defaultdict(Counter)
    words = Counter()
    for word, language in train:
        counts[language].update(grams(word))
        words[language] += 1
    vocabulary = set().union(*counts.values())
    totals = {language: sum(c.values()) for language, c in counts.items()}
    prior = {language: math.log(n / len(train)) for language, n in words.items()}

    def score(word, language):
        c, total = counts[language], totals[language] + ALPHA * len(vocabulary)
        return prior[language] + sum(math.log((c[g] + ALPHA) / total) for g in grams(word))

    right = sum(max(counts, key=lambda l: score(word, l)) == language for word, language in test)
    print(f"naive Bayes, character 1- to 5-grams: {right}/{len(test)} test words, "
          f"accuracy {100 * right / len(test):.2f}%")


if __name__ == "__main__":
    main()
