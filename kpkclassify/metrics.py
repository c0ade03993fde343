"""Metrics for multi-label predictions: per label, macro, recall at a precision, calibration.

A leaf module: NumPy only, so that every layer can use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kpkclassify.labels import LABELS, decide, from_indicator, to_indicator


def label_metrics(Y_true: np.ndarray, Y_pred: np.ndarray, label_names: Sequence[str] = LABELS) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support of each label (columns named by ``label_names``),
    plus their macro average."""
    result: dict[str, dict[str, float]] = {}
    for j, label in enumerate(label_names):
        t, p = Y_true[:, j].astype(bool), Y_pred[:, j].astype(bool)
        tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[label] = {
            "precision": precision, "recall": recall, "f1": f1, "support": int(t.sum()),
            "tp": tp, "fp": fp, "fn": fn, "tn": int((~t & ~p).sum()),
        }
    result["macro"] = {
        key: float(np.mean([result[label][key] for label in label_names])) for key in ("precision", "recall", "f1")
    }
    return result


def recall_at_precision(y: np.ndarray, scores: np.ndarray, precision: float = 0.9) -> float:
    """The highest recall reachable with at least ``precision``, over all thresholds."""
    order = np.argsort(-scores, kind="stable")
    y = y[order].astype(bool)
    tp = np.cumsum(y)
    predicted = np.arange(1, len(y) + 1)
    ok = tp / predicted >= precision
    total = y.sum()
    return float(tp[ok].max() / total) if total and ok.any() else 0.0


def expected_calibration_error(y: np.ndarray, proba: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of one label's probabilities over equal-width bins."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(proba, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.mean() * abs(proba[mask].mean() - y[mask].mean())
    return float(error)


@dataclass
class Evaluation:
    """Metrics of one model on one labelled data set.

    Attributes
    ----------
    metrics : dict
        Per label (and ``"macro"``): precision, recall, F1, support and the confusion counts.
    exact_match : float
        Share of texts whose whole label set is right.
    recall_at_90_precision : dict of str to float
    calibration_error : dict of str to float
        Expected calibration error per label.
    errors : list of dict
        The most confident errors, most confident first.
    n : int
        Number of texts.
    label_names : tuple of str
        The labels the metrics are of (the model's ``labels_``); when not given, the
        labels ``metrics`` holds, in its order.
    """

    metrics: dict
    exact_match: float
    recall_at_90_precision: dict
    calibration_error: dict
    errors: list = field(default_factory=list)
    n: int = 0
    label_names: tuple = ()

    def __post_init__(self) -> None:
        self.label_names = tuple(self.label_names) or tuple(k for k in self.metrics if k != "macro")

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "labels": list(self.label_names),
            "metrics": self.metrics,
            "exact_match": self.exact_match,
            "recall_at_90_precision": self.recall_at_90_precision,
            "calibration_error": self.calibration_error,
            "errors": self.errors,
        }

    def table(self) -> str:
        """A Markdown table of the per-label metrics."""
        lines = [
            "| label | precision | recall | F1 | support | recall@90%P | ECE |",
            "|---|---|---|---|---|---|---|",
        ]
        for label in self.label_names:
            m = self.metrics[label]
            lines.append(
                f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} | "
                f"{self.recall_at_90_precision[label]:.3f} | {self.calibration_error[label]:.3f} |"
            )
        macro = self.metrics["macro"]
        lines.append(f"| **macro** | {macro['precision']:.3f} | {macro['recall']:.3f} | {macro['f1']:.3f} | {self.n} | | |")
        lines.append("")
        lines.append(f"exact-match accuracy: {self.exact_match:.3f}")
        return "\n".join(lines)


def evaluate_predictions(
    labels: Sequence,
    proba: np.ndarray,
    thresholds: np.ndarray,
    texts: Sequence[str] | None = None,
    *,
    n_errors: int = 10,
    label_names: Sequence[str] = LABELS,
) -> Evaluation:
    """Score probabilities against true labels (any form :func:`parse_labels` takes).

    ``label_names`` are the labels of the probability columns (a model's ``labels_``)."""
    label_names = tuple(label_names)
    proba = np.asarray(proba)
    if proba.ndim != 2 or proba.shape[1] != len(label_names):
        raise ValueError(f"proba has shape {proba.shape}, not one column per label of {label_names}")
    Y = to_indicator(labels, label_names)
    pred = decide(proba, thresholds).astype(np.int8)
    errors = []
    if texts is not None:
        wrong = np.flatnonzero((pred != Y).any(axis=1))
        confidence = np.abs(proba - thresholds)[wrong].max(axis=1) if len(wrong) else np.array([])
        for i in wrong[np.argsort(-confidence, kind="stable")][:n_errors]:
            errors.append({
                "row": int(i),
                "text": texts[i],
                "true": "|".join(from_indicator(Y[i : i + 1], label_names)[0]),
                "predicted": "|".join(from_indicator(pred[i : i + 1], label_names)[0]),
                "scores": {label: round(float(p), 4) for label, p in zip(label_names, proba[i])},
            })
    return Evaluation(
        metrics=label_metrics(Y, pred, label_names),
        exact_match=float((pred == Y).all(axis=1).mean()) if len(Y) else 0.0,
        recall_at_90_precision={label: recall_at_precision(Y[:, j], proba[:, j]) for j, label in enumerate(label_names)},
        calibration_error={label: expected_calibration_error(Y[:, j], proba[:, j]) for j, label in enumerate(label_names)},
        errors=errors,
        n=len(Y),
        label_names=label_names,
    )
