#!/usr/bin/env python3
"""Write models/README.md, the human-readable model card, from the bundled model.

Usage: python scripts/model_card.py [--real EVAL.csv]

Reads models/default.skops and its card (written by `kpkclassify train`), scores it on
datasets/test.csv and, when --real is given, on that labelled file of real texts (read from
the path only; nothing from it is stored but the scores).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpkclassify import LABELS, load, read_labelled  # noqa: E402


def metrics_table(metrics: dict, extra: dict | None = None) -> str:
    lines = ["| label | precision | recall | F1 |" + (" ECE |" if extra else ""),
             "|---|---|---|---|" + ("---|" if extra else "")]
    for label in (*LABELS, "macro"):
        m = metrics[label]
        ece = f" {extra[label]:.3f} |" if extra and label in extra else (" |" if extra else "")
        lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} |{ece}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", type=Path)
    args = ap.parse_args()
    model = load(ROOT / "models" / "default.skops")
    card = model.card_
    test = read_labelled(ROOT / "datasets" / "test.csv")
    test_eval = model.evaluate(test.texts, test.labels)
    data = card["training_data"]
    out = [
        "# Model card: kpkclassify default model",
        "",
        "`models/default.skops`, loaded by `kpkclassify.load()` and used by the CLI unless `--model` is given.",
        "",
        "## What it does",
        "Three independent decisions per text: `illegal_fee`, `slow_service`, `campaign`; a text with none is",
        "`other`. One logistic regression per label over TF-IDF word uni- and bigrams of the preprocessed terms,",
        "hashed character 3-5-grams of terms outside the vocabulary, and cue features (first person next to a",
        "request or payment, money next to a request, negation scope, durations, imperative and hashtag style,",
        "questions, length). Probabilities are Platt-calibrated on out-of-fold predictions; each label's",
        "threshold maximises its cross-validated F1.",
        "",
        "## Training",
        f"- Command: `kpkclassify train datasets/train.csv -o models/default.skops` (seed {card['options']['seed']}, "
        f"{card['options']['cv']}-fold cross-validation; deterministic).",
        f"- Data: `datasets/train.csv`, {data['rows']} rows, SHA-256 of texts and labels `{data['sha256']}`.",
        "- Rows per label: " + ", ".join(f"{k} {v}" for k, v in data["label_counts"].items()) + ".",
        "- Thresholds: " + ", ".join(f"{k} {v}" for k, v in card["thresholds"].items()) + ".",
        f"- Created {card['created']} with " + ", ".join(f"{k} {v}" for k, v in card["versions"].items()) + ".",
        "",
        "## Scores",
        f"Cross-validated on the training split ({card['options']['cv']} folds):",
        "",
        metrics_table(card["cross_validated"]),
        "",
        f"Held-out `datasets/test.csv` ({test_eval.n} rows; `kpkclassify evaluate datasets/test.csv`):",
        "",
        metrics_table(test_eval.metrics, test_eval.calibration_error),
        "",
    ]
    if args.real:
        real = read_labelled(args.real, validate=False)
        real_eval = model.evaluate(real.texts, real.labels)
        out += [
            f"Real texts ({real_eval.n} labelled posts, tweets, reviews and news leads collected by others, used only",
            f"for evaluation and never for training or tuning; `kpkclassify evaluate {args.real.name}`):",
            "",
            metrics_table(real_eval.metrics, real_eval.calibration_error),
            "",
            "The gap between the two tables is the model's main weakness: our corpus is written, real posts are",
            "noisier and mostly `other`. Expect lower precision on real streams than on `test.csv`; use the",
            "probabilities to rank texts for review rather than as final verdicts.",
            "",
        ]
    out += [
        "## Intended use and limits",
        "- Triage of complaints and posts for analysts: ranking and filtering, with a human reading what is flagged.",
        "- Not for decisions about individuals: a label says what a text *reports*, not that anyone is guilty.",
        "- Trained on Indonesian with regional code-mixing; texts entirely in a regional language or in English",
        "  are out of scope.",
        "- Retrain on your own labelled data with `kpkclassify train YOURS.csv --with-bundled -o MODEL.skops`",
        "  and compare with `kpkclassify compare`.",
        "",
        "The machine-readable card is `default.skops.card.json` (also inside the model: `kpkclassify info`).",
    ]
    (ROOT / "models" / "README.md").write_text("\n".join(out) + "\n", encoding="utf-8")
    print(json.dumps({"test_macro_f1": test_eval.metrics["macro"]["f1"]}))


if __name__ == "__main__":
    main()
