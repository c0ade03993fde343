"""Metrics for multi-label predictions: per label, macro, exact match, recall at a precision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ._labels import LABELS, from_indicator, to_indicator


def label_metrics(Y_true: np.ndarray, Y_pred: np.ndarray) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support of each label, plus their macro average."""
    result: dict[str, dict[str, float]] = {}
    for j, label in enumerate(LABELS):
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
        key: float(np.mean([result[label][key] for label in LABELS])) for key in ("precision", "recall", "f1")
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
    """

    metrics: dict
    exact_match: float
    recall_at_90_precision: dict
    calibration_error: dict
    errors: list = field(default_factory=list)
    n: int = 0

    def to_dict(self) -> dict:
        return {
            "n": self.n,
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
        for label in LABELS:
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
) -> Evaluation:
    """Score probabilities against true labels (any form :func:`parse_labels` takes)."""
    Y = to_indicator(labels)
    pred = (proba >= thresholds).astype(np.int8)
    errors = []
    if texts is not None:
        wrong = np.flatnonzero((pred != Y).any(axis=1))
        confidence = np.abs(proba - thresholds)[wrong].max(axis=1) if len(wrong) else np.array([])
        for i in wrong[np.argsort(-confidence, kind="stable")][:n_errors]:
            errors.append({
                "row": int(i),
                "text": texts[i],
                "true": "|".join(from_indicator(Y[i : i + 1])[0]),
                "predicted": "|".join(from_indicator(pred[i : i + 1])[0]),
                "scores": {label: round(float(p), 4) for label, p in zip(LABELS, proba[i])},
            })
    return Evaluation(
        metrics=label_metrics(Y, pred),
        exact_match=float((pred == Y).all(axis=1).mean()) if len(Y) else 0.0,
        recall_at_90_precision={label: recall_at_precision(Y[:, j], proba[:, j]) for j, label in enumerate(LABELS)},
        calibration_error={label: expected_calibration_error(Y[:, j], proba[:, j]) for j, label in enumerate(LABELS)},
        errors=errors,
        n=len(Y),
    )


def compare_table(evaluations: dict[str, Evaluation]) -> str:
    """A Markdown table of several models' metrics on the same data, with the differences
    of each model from the first one."""
    names = list(evaluations)
    first = evaluations[names[0]]
    header = "| label | metric | " + " | ".join(names) + "".join(f" | {n} - {names[0]}" for n in names[1:]) + " |"
    lines = [header, "|" + "---|" * (2 + len(names) + len(names) - 1)]
    for label in (*LABELS, "macro"):
        for metric in ("precision", "recall", "f1"):
            values = [evaluations[n].metrics[label][metric] for n in names]
            diffs = [v - first.metrics[label][metric] for v in values[1:]]
            lines.append(
                f"| {label} | {metric} | " + " | ".join(f"{v:.3f}" for v in values)
                + "".join(f" | {d:+.3f}" for d in diffs) + " |"
            )
    exact = [evaluations[n].exact_match for n in names]
    lines.append("| all | exact match | " + " | ".join(f"{v:.3f}" for v in exact)
                 + "".join(f" | {v - exact[0]:+.3f}" for v in exact[1:]) + " |")
    return "\n".join(lines)


def compare(data, models: Sequence, *, names: Sequence[str] | None = None, text_column: str | None = None,
            label_column: str | None = None) -> dict[str, Evaluation]:
    """Evaluate several models on the same labelled data.

    Parameters
    ----------
    data : path or LabelledData
    models : sequence of Classifier or paths (``None`` for the bundled model)
    names : sequence of str, optional
        Display names; the paths (or ``model 1``, ``model 2``...) by default.

    Returns
    -------
    dict of str to Evaluation
        In the order given; render with :func:`compare_table`.

    Raises
    ------
    DataError
        A row with an unknown label or an empty text, listed with its file and line as
        :func:`kpkclassify.train` lists them: every model must be scored on every row.
    """
    from ._data import LabelledData, read_labelled
    from ._persist import load

    labelled = data if isinstance(data, LabelledData) else read_labelled(
        data, text_column=text_column, label_column=label_column, validate=False)
    result: dict[str, Evaluation] = {}
    for i, model in enumerate(models):
        name = names[i] if names else (str(model) if model is None or isinstance(model, str) else f"model {i + 1}")
        if name in result:
            name = f"{name} ({i + 1})"
        loaded = model if hasattr(model, "predict_proba") else load(model)
        result[name] = loaded.evaluate(labelled.texts, labelled.labels)
    return result
