#!/usr/bin/env python3
"""Accuracy of one or more models on labelled files, with bootstrap intervals, per label and per source.

Usage: python bench/accuracy.py EVAL.csv [EVAL.csv ...] [--model A.skops --model B.skops] [--boot 1000]

Each EVAL.csv needs ``text`` and ``labels`` columns (a ``source`` column, when present, gives the
per-source table). Every model is scored on the same rows in the same run (default: the bundled
model only); with two or more models the last table gives the paired bootstrap interval of each
model's macro-F1 minus the first model's. Intervals are percentile intervals over rows resampled with
replacement (seed 0); macro-F1 averages the labels that have at least one positive in the file.
Only reports: nothing here chooses a parameter.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
csv.field_size_limit(sys.maxsize)


def read(path: Path) -> tuple[list[str], list[str], list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["labels"] for r in rows], [r.get("source") or "-" for r in rows]


def f1_columns(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Per-label F1 of indicator matrices (0 where a label has neither positives nor predictions)."""
    tp = (Y & P).sum(0)
    denom = Y.sum(0) + P.sum(0)
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def macro(Y: np.ndarray, P: np.ndarray) -> float:
    present = Y.sum(0) > 0
    return float(f1_columns(Y, P)[present].mean()) if present.any() else float("nan")


def bootstrap(Y: np.ndarray, preds: list[np.ndarray], boots: int) -> np.ndarray:
    """(boots, n_models, n_labels + 1) array of per-label F1 and macro-F1 over resampled rows."""
    rng = np.random.default_rng(0)
    out = np.empty((boots, len(preds), Y.shape[1] + 1))
    present = Y.sum(0) > 0
    for b in range(boots):
        idx = rng.integers(0, len(Y), len(Y))
        Yb = Y[idx]
        for m, P in enumerate(preds):
            f1 = f1_columns(Yb, P[idx])
            out[b, m, :-1] = f1
            out[b, m, -1] = f1[present].mean()
    return out


def interval(values: np.ndarray) -> str:
    lo, hi = np.percentile(values, [2.5, 97.5])
    return f"[{lo:.2f}, {hi:.2f}]"


def report(path: Path, models: list, names: list[str], boots: int) -> None:
    from kpkclassify.labels import to_indicator

    texts, labels, sources = read(path)
    Y = to_indicator(labels).astype(bool)
    label_names = list(models[0].labels_)
    preds = [np.asarray(m.predict_proba(texts) >= m.thresholds_, dtype=bool) for m in models]
    boot = bootstrap(Y, preds, boots)
    print(f"\n## {path.name}: {len(texts)} rows, positives " +
          ", ".join(f"{n} {int(Y[:, j].sum())}" for j, n in enumerate(label_names)))
    print("\n| model | " + " | ".join(f"{n} F1 (P/R)" for n in label_names) + " | macro-F1 [95%] |")
    print("|---|" + "---|" * (len(label_names) + 1))
    for m, (name, P) in enumerate(zip(names, preds)):
        cells = []
        for j in range(len(label_names)):
            tp = int((Y[:, j] & P[:, j]).sum())
            prec = tp / max(int(P[:, j].sum()), 1)
            rec = tp / max(int(Y[:, j].sum()), 1)
            cells.append(f"{f1_columns(Y, P)[j]:.2f} {interval(boot[:, m, j])} ({prec:.2f}/{rec:.2f})")
        print(f"| {name} | " + " | ".join(cells) + f" | **{macro(Y, P):.3f}** {interval(boot[:, m, -1])} |")
    if len(models) > 1:
        print("\n| model | macro-F1 minus the first model's [paired 95%] |\n|---|---|")
        for m in range(1, len(models)):
            diff = boot[:, m, -1] - boot[:, 0, -1]
            print(f"| {names[m]} | {macro(Y, preds[m]) - macro(Y, preds[0]):+.3f} {interval(diff)} |")
    distinct = sorted(set(sources))
    if len(distinct) > 1:
        print("\n| source | rows | " + " | ".join(f"{n} macro-F1" for n in names) + " |")
        print("|---|---|" + "---|" * len(names))
        src = np.array(sources)
        for s in distinct:
            rows = src == s
            print(f"| {s} | {int(rows.sum())} | " +
                  " | ".join(f"{macro(Y[rows], P[rows]):.3f}" for P in preds) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("eval", nargs="+", type=Path)
    ap.add_argument("--model", action="append", default=None, help="a model file (repeat; default: bundled)")
    ap.add_argument("--boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    args = ap.parse_args()
    from kpkclassify import load

    paths = args.model or [None]
    models = [load(p) for p in paths]
    names = [Path(p).name if p else "bundled" for p in paths]
    for path in args.eval:
        report(path, models, names, args.boot)


if __name__ == "__main__":
    main()
