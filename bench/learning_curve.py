#!/usr/bin/env python3
"""Learning curve: corpus size against F1 on labelled files (e.g. the real-text evaluation sets).

Usage: python bench/learning_curve.py EVAL.csv [EVAL.csv ...] [--fractions 0.25,0.5,0.75,1]
                                      [--augment 0] [--cv 3] [--seeds 0]

Trains the default Classifier (with --augment noisy copies and --cv folds for thresholds) on
seeded random shares of datasets/train.csv, stratified by round so that each share holds
both corpus rounds in their proportion, and on round 1 alone (the corpus before round 2);
scores every model on each EVAL.csv (``text`` and ``labels`` columns, given on the command
line, never read otherwise) and prints per-label and macro-F1 per corpus size. Only
reports: nothing here chooses a parameter.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
csv.field_size_limit(sys.maxsize)


def read(path: Path) -> tuple[list[str], list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["labels"] for r in rows]


def f1s(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    tp = (Y & P).sum(0)
    denom = Y.sum(0) + P.sum(0)
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("eval", nargs="+", type=Path)
    ap.add_argument("--data", default=str(ROOT / "datasets" / "train.csv"))
    ap.add_argument("--fractions", default="0.25,0.5,0.75,1")
    ap.add_argument("--augment", type=int, default=0)
    ap.add_argument("--cv", type=int, default=3)
    ap.add_argument("--seeds", default="0", help="comma-separated seeds of the random shares")
    args = ap.parse_args()

    import pandas as pd

    from kpkclassify.labels import LABELS, to_indicator
    from kpkclassify.model.classifier import Classifier

    frame = pd.read_csv(args.data, dtype=str, keep_default_na=False)
    evals = [(path.name, *read(path)) for path in args.eval]
    truths = {name: to_indicator(labels, LABELS).astype(bool) for name, _, labels in evals}
    plans = [("round 1 only", 0, frame[frame["round"] == "1"])]
    for seed in (int(s) for s in args.seeds.split(",")):
        for fraction in (float(f) for f in args.fractions.split(",")):
            if fraction >= 1:
                if seed == int(args.seeds.split(",")[0]):  # the whole corpus once
                    plans.append(("100%", 0, frame))
                continue
            share = frame.groupby("round", group_keys=False).sample(frac=fraction, random_state=seed)
            plans.append((f"{fraction:.0%} (seed {seed})", seed, share))
    print("| training data | rows | " + " | ".join(f"{name} {lab}" for name, _, _ in evals for lab in LABELS)
          + " | " + " | ".join(f"{name} macro" for name, _, _ in evals) + " |")
    print("|---|---|" + "---|" * (len(evals) * (len(LABELS) + 1)))
    for title, seed, share in plans:
        t = time.time()
        model = Classifier(augment=args.augment, cv=args.cv, random_state=seed)
        model.fit(share["text"].tolist(), share["labels"].tolist())
        cells, macros = [], []
        for name, texts, _ in evals:
            P = np.asarray(model.predict_proba(texts) >= model.thresholds_, dtype=bool)
            f1 = f1s(truths[name], P)
            cells += [f"{v:.3f}" for v in f1]
            macros.append(f"{f1.mean():.3f}")
        print(f"| {title} | {len(share)} | " + " | ".join(cells) + " | " + " | ".join(macros)
              + f" |  <!-- {time.time() - t:.0f} s -->", flush=True)


if __name__ == "__main__":
    sys.exit(main())
