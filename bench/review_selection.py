#!/usr/bin/env python3
"""How review's selection rule and its parameters were chosen: on our own corpus only.

Usage: python bench/review_selection.py [--reps 8]

Reads datasets/test.csv and datasets/test_round2.csv (never an evaluation file), classifies them
with the bundled model, and compares selection rules by the macro-F1 reached when a simulated
reader (the corpus' labels, one label toggled on 5% of the rows) decides the chosen 10%, 20%
and 30% of rows. Scenarios: all rows; the hard rows; and resamples with 85% ``other`` rows (as
in real streams), from all rows and from the hard ones. ``uncertainty`` is suggest's order; the
others are kpkclassify.workflows.review.review_gain with the parameters shown.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RULES = {
    "uncertainty": None,
    "gain shrink=1 power=1": {"positive_shrink": 1.0},
    "gain shrink=2 power=1": {"positive_shrink": 2.0},
    "gain shrink=3 power=1": {"positive_shrink": 3.0},
    "gain shrink=4 power=1": {"positive_shrink": 4.0},
    "gain shrink=6 power=1": {"positive_shrink": 6.0},
    "gain shrink=3 power=0": {"positive_shrink": 3.0, "power": 0.0},
    "gain shrink=3 power=.5": {"positive_shrink": 3.0, "power": 0.5},
    "gain shrink=1 power=2": {"positive_shrink": 1.0, "power": 2.0},
}


def macro_f1(Y: np.ndarray, P: np.ndarray) -> float:
    tp = (Y & P).sum(0)
    denom = Y.sum(0) + P.sum(0)
    present = Y.sum(0) > 0
    return float(np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)[present].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=8)
    args = parser.parse_args()
    import kpkclassify
    from kpkclassify.labels import decide, to_indicator
    from kpkclassify.workflows.review import review_gain
    from kpkclassify.workflows.suggest import uncertainty

    model = kpkclassify.load()
    labels, thresholds = tuple(model.labels_), np.asarray(model.thresholds_)
    texts, gold, hard = [], [], []
    for name in ("test.csv", "test_round2.csv"):
        with open(ROOT / "datasets" / name, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                texts.append(row["text"])
                gold.append(row["labels"])
                hard.append(row["hard"] == "1")
    Y_all = to_indicator(gold, labels).astype(bool)
    P_all = model.predict_proba(texts)
    hard_all = np.array(hard)
    rng = np.random.default_rng(0)
    other, positive = np.flatnonzero(~Y_all.any(1)), np.flatnonzero(Y_all.any(1))
    hard_other, hard_positive = np.flatnonzero(~Y_all.any(1) & hard_all), np.flatnonzero(Y_all.any(1) & hard_all)
    scenarios = {"all rows": np.arange(len(texts)), "hard rows": np.flatnonzero(hard_all),
                 "85% other": np.concatenate([rng.choice(other, 4000), rng.choice(positive, 700)]),
                 "85% hard other": np.concatenate([rng.choice(hard_other, 4000), rng.choice(positive, 700)]),
                 "85% other, all hard": np.concatenate([rng.choice(hard_other, 4000), rng.choice(hard_positive, 700)])}
    shares = (0.1, 0.2, 0.3)
    for name, index in scenarios.items():
        Y, P = Y_all[index], P_all[index]
        D = decide(P, thresholds)
        scores: dict[str, list[list[float]]] = {rule: [[] for _ in shares] for rule in RULES}
        for _ in range(args.reps):
            R = Y.copy()
            for i in np.flatnonzero(rng.random(len(Y)) < 0.05):
                j = rng.integers(len(labels))
                R[i, j] = ~R[i, j]
            for rule, params in RULES.items():
                gain = uncertainty(P, thresholds) if params is None else review_gain(P, thresholds, **params)
                order = np.argsort(-gain, kind="stable")
                for s, share in enumerate(shares):
                    k = int(round(share * len(Y)))
                    F = D.copy()
                    F[order[:k]] = R[order[:k]]
                    scores[rule][s].append(macro_f1(Y, F))
        print(f"\n{name}: {len(index)} rows, model alone macro-F1 {macro_f1(Y, D):.3f}; share " + " ".join(f"{s:>6}" for s in shares))
        for rule, values in scores.items():
            print(f"  {rule:26s} " + " ".join(f"{np.mean(v):6.3f}" for v in values))


if __name__ == "__main__":
    main()
