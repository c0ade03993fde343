"""Choosing decision thresholds and calibrating probabilities from out-of-fold scores."""

from __future__ import annotations

import numpy as np


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds, with probabilities clipped away from 0 and 1."""
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def best_threshold(y: np.ndarray, scores: np.ndarray, *, negative_weight: float = 1.0,
                   sample_weight: np.ndarray | None = None) -> float:
    """The score threshold that maximises F1 on ``(y, scores)``.

    ``negative_weight`` counts each negative example that many times, which mimics a
    stream where the label is rarer than in the training data; ``sample_weight`` weighs
    each example (F1 of weighted counts).
    """
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_y, sorted_w = scores[order], y[order], weight[order]
    tp = np.cumsum(sorted_y * sorted_w)
    fp = np.cumsum((1 - sorted_y) * sorted_w) * negative_weight
    positives = max(1.0, float((y * weight).sum())) if sample_weight is not None else max(1, y.sum())
    f1 = 2 * tp / (tp + fp + positives)
    # Only cut between distinct scores.
    valid = np.r_[sorted_scores[1:] < sorted_scores[:-1], True]
    f1 = np.where(valid, f1, -1)
    i = int(np.argmax(f1))
    below = sorted_scores[i + 1] if i + 1 < len(sorted_scores) else 0.0
    return float(np.clip((sorted_scores[i] + below) / 2, 0.05, 0.95))


def fit_platt(scores: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> tuple[float, float]:
    """Platt scaling: ``(a, b)`` such that ``sigmoid(a * logit(p) + b)`` is calibrated on ``y``."""
    from sklearn.linear_model import LogisticRegression

    platt = LogisticRegression(C=1e6, solver="lbfgs").fit(logit(scores).reshape(-1, 1), y, sample_weight=sample_weight)
    return float(platt.coef_[0, 0]), float(platt.intercept_[0])


def apply_platt(proba: np.ndarray, calibration: np.ndarray | None) -> np.ndarray:
    """Apply per-label Platt parameters (rows of ``(a, b)``) to probabilities; ``None`` leaves them."""
    if calibration is None:
        return proba
    return 1.0 / (1.0 + np.exp(-(logit(proba) * calibration[:, 0] + calibration[:, 1])))
