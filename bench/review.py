#!/usr/bin/env python3
"""Macro-F1 against the share of rows a second reader reviews, through the whole product path.

Usage: python bench/review.py EVAL.csv [EVAL.csv ...] [--error 0.05] [--shares 0,0.1,0.2,0.3,0.5]
                              [--model M.skops] [--seed 0]

Each EVAL.csv needs ``text`` and ``labels`` columns. A local server speaking the chat-completions
protocol (kpkclassify.reader.testing.ProtocolServer, 127.0.0.1) plays the reader: it answers each
text it is sent with the file's own labels, except that on ``--error`` of the texts (chosen per
text, with ``--seed``) it toggles one label, chosen at random: adds it or removes it. Each share
runs ``review_file`` as a user would: classification, selection (review_gain), masking, prompt,
HTTP, parsing, cache, output file; macro-F1 is computed from the output file's ``labels``
column. For comparison, the ``suggest order`` column applies the same simulated answers to the
rows of highest ``uncertainty`` (suggest's order, read from the output's column).

``calls`` counts the requests of that share's run: the runs share one answer cache, so a text
answered for a smaller share is not asked again. Macro-F1 averages the labels that have at least
one positive in the file. Only reports:
nothing here chooses a parameter (the selection rule was chosen on datasets/ alone, with
bench/review_selection.py).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
csv.field_size_limit(sys.maxsize)


def read(path: Path) -> tuple[list[str], list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["labels"] for r in rows]


def macro_f1(Y: np.ndarray, P: np.ndarray) -> tuple[float, np.ndarray]:
    tp = (Y & P).sum(0)
    denom = Y.sum(0) + P.sum(0)
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    present = Y.sum(0) > 0
    return float(f1[present].mean()) if present.any() else 0.0, f1


def simulated_answers(texts: list[str], gold: list[str], labels: tuple[str, ...], error: float, seed: int):
    """Masked text -> the labels the simulated reader answers (one label toggled on ``error`` of the texts)."""
    from kpkclassify.labels import parse_labels
    from kpkclassify.text import mask_personal

    answers: dict[str, list[str]] = {}
    toggled = 0
    for text, raw in zip(texts, gold):
        rng = random.Random(hashlib.sha256(f"{seed}\n{text}".encode()).hexdigest())
        chosen = set(parse_labels(raw, labels))
        if rng.random() < error:
            chosen ^= {rng.choice(labels)}
            toggled += 1
        answers.setdefault(mask_personal(text), [label for label in labels if label in chosen])
    return answers, toggled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--error", type=float, default=0.05, help="share of texts on which the reader toggles one label")
    parser.add_argument("--shares", default="0,0.1,0.2,0.3,0.5")
    parser.add_argument("--model", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    shares = [float(s) for s in args.shares.split(",")]

    import kpkclassify
    from kpkclassify.labels import to_indicator
    from kpkclassify.reader.testing import ProtocolServer
    from kpkclassify.text import mask_personal
    from kpkclassify.workflows.review import review_file

    model = kpkclassify.load(args.model)
    labels = tuple(model.labels_)
    for path in args.files:
        texts, gold = read(path)
        Y = to_indicator(gold, labels).astype(bool)
        answers, toggled = simulated_answers(texts, gold, labels, args.error, args.seed)

        def reader(text: str) -> dict:
            return {"labels": answers.get(text, []), "reason": "simulated"}

        print(f"\n{path.name}: {len(texts)} rows; simulated reader toggles one label on {toggled} texts "
              f"({args.error:.0%}); model {args.model or 'bundled'}")
        print(f"{'share':>6} {'sent':>6} {'ok':>6} {'calls':>6} {'macro-F1':>9} "
              + " ".join(f"{label:>13}" for label in labels) + f" {'suggest order':>14} {'s':>6}")
        with tempfile.TemporaryDirectory() as tmp, ProtocolServer(reader) as server:
            src = Path(tmp) / "in.csv"
            with open(src, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["text"])
                writer.writerows([[t] for t in texts])
            def run(share: float):
                out = Path(tmp) / f"out_{share}.csv"
                started = time.perf_counter()
                summary = review_file(src, out, reader_model="simulated", endpoint=server.url, model=model,
                                      share=share, cache=Path(tmp) / "cache.sqlite3", concurrency=8, backoff=0.01)
                seconds = time.perf_counter() - started
                with open(out, newline="", encoding="utf-8") as fh:
                    rows = list(csv.DictReader(fh))
                return summary, rows, seconds

            _, base_rows, _ = run(0.0)  # the model alone: its decisions and uncertainty per row
            model_hits = to_indicator([r["labels"] or "other" for r in base_rows], labels).astype(bool)
            unsure = np.array([float(r["uncertainty"]) if r["uncertainty"] else -1.0 for r in base_rows])
            by_uncertainty = np.argsort(-unsure, kind="stable")
            reader_hits = to_indicator(["|".join(answers.get(mask_personal(t), [])) or "other" for t in texts],
                                       labels).astype(bool)
            for share in shares:
                summary, rows, seconds = run(share)
                final = to_indicator([r["labels"] or "other" for r in rows], labels).astype(bool)
                score, per_label = macro_f1(Y, final)
                simulated = model_hits.copy()  # suggest's order, the same simulated answers
                chosen = by_uncertainty[: summary.selected]
                simulated[chosen] = reader_hits[chosen]
                other_score, _ = macro_f1(Y, simulated)
                print(f"{share:>6.2f} {summary.selected:>6} {summary.ok:>6} {summary.calls:>6} {score:>9.3f} "
                      + " ".join(f"{f:>13.3f}" for f in per_label) + f" {other_score:>14.3f} {seconds:>6.1f}")

if __name__ == "__main__":
    main()
