#!/usr/bin/env python3
"""How far `attn translate --po` suggestions can be trusted, by the model's score.

Each suggestion that `attn translate --po` writes carries the model's mean log-probability per
token in a translator comment (`# attn: suggested by the model, mean log-probability per token
S`).  This script blanks the translations of a set of messages whose French is known, asks attn
for suggestions with every score let through (`--min-score -1e9`), and then scores what was
suggested against the known French with sacreBLEU's chrF, by score:

- `--valid`: the run's own validation split (`splits/valid.tsv`), where `--min-score`'s default is
  chosen (docs/translate.md, "Suggestions a translator can trust");
- `--catalog`: gettext catalogs (`.mo` or `.po`, e.g. those a run held out with
  `--hold-out-catalog`), whose translated entries become the references.

For each threshold it prints the coverage (suggestions at or above it, over the messages given)
and the chrF of those suggestions, and for each band between two thresholds the same of the band
alone; `--json FILE` writes the numbers.  Usage, from the repository root::

    /tmp/sbvenv/bin/python benches/suggest_bands.py --attn target/release/attn --run runs/suggest \
        --valid --json target/peer/bands-valid.json
    /tmp/sbvenv/bin/python benches/suggest_bands.py --attn target/release/attn --run runs/suggest \
        --catalog /usr/share/locale/fr/LC_MESSAGES/wget.mo --default-score -0.5

Only sacrebleu is needed (benches/requirements-peer.txt).  A message is counted once (the first
time it is seen), plural entries and entries without a translation are left out, as attn's
gettext reader leaves them out of training.
"""

import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

import sacrebleu

THRESHOLDS = [-1e9, -2.0, -1.5, -1.2, -1.0, -0.8, -0.6, -0.5, -0.4, -0.3, -0.2, -0.1]
SCORE = re.compile(r"mean log-probability per token (-?[0-9.]+|-?inf|NaN)")


def read_mo(path):
    """(msgid, msgstr) of a .mo file, header and plural entries left out."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    pairs = []
    for i in range(count):
        length, offset = struct.unpack(order + "2I", data[originals + 8 * i : originals + 8 * i + 8])
        msgid = data[offset : offset + length].decode("utf-8", "replace")
        length, offset = struct.unpack(order + "2I", data[translations + 8 * i : translations + 8 * i + 8])
        msgstr = data[offset : offset + length].decode("utf-8", "replace")
        if not msgid or "\0" in msgid or "\x04" in msgid or not msgstr:
            continue
        pairs.append((msgid, msgstr))
    return pairs


def unquote(text):
    return bytes(text, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def read_po(path):
    """Entries of a .po file as dicts: msgid, msgstr, comments (the `#` lines), flags."""
    entries, entry, field = [], None, None

    def close():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            close()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"comments": [], "flags": []}
        if line.startswith("#,"):
            entry["flags"] += [f.strip() for f in line[2:].split(",")]
        elif line.startswith("#"):
            entry["comments"].append(line)
        elif line.startswith('"'):
            entry[field] += unquote(line.strip()[1:-1])
        else:
            keyword, _, rest = line.partition(" ")
            field = keyword
            entry[field] = unquote(rest.strip()[1:-1])
    close()
    return entries


def write_po(pairs, path):
    def quote(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'

    with open(path, "w", encoding="utf-8") as out:
        out.write('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n')
        for msgid, _ in pairs:
            out.write(f"msgid {quote(msgid)}\nmsgstr \"\"\n\n")


def suggestions(attn, run, pairs, extra):
    """{msgid: (score, suggestion)} of attn's suggestions for `pairs`' messages."""
    with tempfile.TemporaryDirectory() as tmp:
        blank, out = os.path.join(tmp, "in.po"), os.path.join(tmp, "out.po")
        write_po(pairs, blank)
        command = [attn, "translate", "--run", run, "--po", blank, "--out", out, "--min-score", "-1e9"] + extra
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)}: {done.stderr.strip()}")
        print(done.stdout.strip(), file=sys.stderr)
        found = {}
        for entry in read_po(out):
            if entry.get("msgstr") and "fuzzy" in entry["flags"]:
                scores = [SCORE.search(c) for c in entry["comments"]]
                scores = [float(m.group(1)) for m in scores if m]
                if scores:
                    found[entry["msgid"]] = (scores[-1], entry["msgstr"])
        return found


def chrf(hypotheses, references):
    if not hypotheses:
        return None
    return sacrebleu.corpus_chrf(hypotheses, [references]).score


def bands(pairs, found):
    table = {"messages": len(pairs), "suggested": len(found), "thresholds": [], "bands": []}
    scored = [(found[m][0], found[m][1], ref) for m, ref in pairs if m in found]
    for low in THRESHOLDS:
        kept = [(h, r) for s, h, r in scored if s >= low]
        table["thresholds"].append(
            {
                "min_score": low,
                "suggested": len(kept),
                "coverage": len(kept) / max(1, len(pairs)),
                "chrf": chrf([h for h, _ in kept], [r for _, r in kept]),
            }
        )
    for low, high in zip(THRESHOLDS, THRESHOLDS[1:] + [float("inf")]):
        band = [(h, r) for s, h, r in scored if low <= s < high]
        table["bands"].append(
            {
                "from": low,
                "to": high,
                "suggested": len(band),
                "share": len(band) / max(1, len(pairs)),
                "chrf": chrf([h for h, _ in band], [r for _, r in band]),
            }
        )
    return table


def show(name, table, default):
    print(f"\n{name}: {table['messages']} messages, {table['suggested']} suggested at any score")
    print(f"{'min score':>10} {'suggested':>9} {'coverage':>9} {'chrF':>6}")
    for row in table["thresholds"]:
        low = "any" if row["min_score"] < -1e8 else f"{row['min_score']:.2f}"
        value = "-" if row["chrf"] is None else f"{row['chrf']:.1f}"
        print(f"{low:>10} {row['suggested']:>9} {100 * row['coverage']:>8.1f}% {value:>6}")
    print(f"{'band':>14} {'suggested':>9} {'share':>7} {'chrF':>6}")
    for row in table["bands"]:
        low = "" if row["from"] < -1e8 else f"{row['from']:.2f}"
        high = "" if row["to"] == float("inf") else f"{row['to']:.2f}"
        value = "-" if row["chrf"] is None else f"{row['chrf']:.1f}"
        print(f"{low + '..' + high:>14} {row['suggested']:>9} {100 * row['share']:>6.1f}% {value:>6}")
    if default is not None:
        everything = table["thresholds"][0]
        at = [r for r in table["thresholds"] if abs(r["min_score"] - default) < 1e-9]
        if at:
            at = at[0]
            print(
                f"at the default {default}: coverage {100 * at['coverage']:.1f}%, chrF {at['chrf']}; "
                f"all suggestions: coverage {100 * everything['coverage']:.1f}%, chrF {everything['chrf']}"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attn", default="target/release/attn")
    parser.add_argument("--run", required=True)
    parser.add_argument("--valid", action="store_true", help="the run's validation split")
    parser.add_argument("--catalog", action="append", default=[], help=".mo or .po catalogs with translations")
    parser.add_argument("--beam", type=int, help="attn translate --beam")
    parser.add_argument("--default-score", type=float, help="report this threshold against all suggestions")
    parser.add_argument("--json", help="write the tables here")
    args = parser.parse_args()
    extra = ["--beam", str(args.beam)] if args.beam else []
    if args.default_score is not None and args.default_score not in THRESHOLDS:
        THRESHOLDS.append(args.default_score)
        THRESHOLDS.sort()
    sets = {}
    if args.valid:
        pairs = []
        for line in open(os.path.join(args.run, "splits", "valid.tsv"), encoding="utf-8"):
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 2:
                pairs.append((fields[0], fields[1]))
        sets["valid"] = pairs
    if args.catalog:
        pairs = []
        for path in args.catalog:
            if path.endswith(".mo"):
                pairs += read_mo(path)
            else:
                pairs += [(e["msgid"], e["msgstr"]) for e in read_po(path) if e["msgid"] and e.get("msgstr")]
        sets["catalogs"] = pairs
    if not sets:
        sys.exit("give --valid or --catalog")
    tables = {}
    for name, pairs in sets.items():
        seen, unique = set(), []
        for msgid, msgstr in pairs:
            if msgid not in seen:
                seen.add(msgid)
                unique.append((msgid, msgstr))
        tables[name] = bands(unique, suggestions(args.attn, args.run, unique, extra))
        show(name, tables[name], args.default_score)
    if args.json:
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w") as out:
            json.dump(tables, out, indent=1)


if __name__ == "__main__":
    main()
