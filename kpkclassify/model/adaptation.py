"""The numeric part of adapting a fitted model to a user's source from a few labelled rows.

Everything here works on one model's scores of the user's rows: ``z``, the log-odds of the
probabilities :meth:`Classifier.predict_proba` gives (shape ``(n_rows, n_labels)``), the
rows' 0/1 labels ``Y`` and their weights ``w`` (1, or the inverse of the probability with
which ``suggest`` picked a row). Nothing here touches texts or features, so the same code
serves :func:`kpkclassify.adapt`, whatever model stage the classifier has, and the
benchmark (``bench/adapt.py``), which scores each source once.

Small samples need care, so a label's cut on ``z`` is chosen as follows:

* the F1-optimal cut on the user's rows, with F1 counted on *smoothed* decisions (each row
  counts ``sigmoid((z - cut) / bandwidth)``, not 0 or 1), so that one positive row does not
  pull the cut to just below itself;
* shrunk towards the base model's cut on the log-odds scale with the weight
  ``n_pos / (n_pos + shrinkage)`` (empirical-Bayes style: few positives, little trust);
* the base cut is kept when a label has fewer than :data:`MIN_POSITIVES` positive rows
  (and, with ``guard=True`` in :func:`adapt_scores`, when the out-of-fold F1 says the moved
  cut is worse; off by default: on the simulated sources it cost more than it saved).

The probabilities are recalibrated by a Platt map ``sigmoid(a * z + b)`` fitted to the
user's rows with a Gaussian prior centred on the identity ``(a, b) = (1, 0)`` (the base
calibration), of strength ``prior`` (in rows). The decision only depends on the cut, the
calibration only on the reported probabilities.

The defaults ``SHRINKAGE`` and ``BANDWIDTH`` were chosen on simulated sources built from our
own corpus (each register of ``datasets/train.csv`` as a source, 300 of its rows, the model
trained on the other registers; seeds 0-4): see ``bench/adapt.py --simulate``. ``PRIOR`` only
shapes the reported probabilities, never a decision, and was not tuned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from kpkclassify.model.thresholds import logit

#: Pseudo-count of positives of the shrinkage towards the base cut.
SHRINKAGE = 8.0
#: Width of the smoothed decisions, in log-odds.
BANDWIDTH = 1.0
#: Strength of the prior of the recalibration, in rows.
PRIOR = 20.0
#: A label with fewer positive rows than this keeps the base cut and calibration.
MIN_POSITIVES = 2


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, safe for large ``|x|``."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def effective_count(weights: np.ndarray) -> float:
    """Kish's effective sample size of weighted rows: ``sum(w)**2 / sum(w**2)``."""
    weights = np.asarray(weights, dtype=np.float64)
    total = float((weights**2).sum())
    return float(weights.sum() ** 2 / total) if total > 0 else 0.0


def smooth_f1_cut(z: np.ndarray, y: np.ndarray, w: np.ndarray, bandwidth: float = BANDWIDTH) -> float:
    """The cut on ``z`` that maximises F1 of smoothed decisions on weighted rows.

    ``bandwidth=0`` gives the ordinary (hard) F1-optimal cut, midway between two scores.
    """
    z, y, w = (np.asarray(a, dtype=np.float64) for a in (z, y, w))
    order = np.unique(z)
    mids = (order[1:] + order[:-1]) / 2 if len(order) > 1 else order
    candidates = np.r_[mids, order[0] - 0.5, order[-1] + 0.5]
    if bandwidth > 0:
        candidates = np.r_[candidates, np.linspace(order[0] - 1, order[-1] + 1, 101)]
        s = sigmoid((z[None, :] - candidates[:, None]) / bandwidth)
    else:
        s = (z[None, :] >= candidates[:, None]).astype(np.float64)
    positives = float((w * y).sum())
    tp = s @ (w * y)
    fp = s @ (w * (1 - y))
    f1 = 2 * tp / np.maximum(tp + fp + positives, 1e-12)
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(np.median(candidates[best]))


def shrunk_cut(z: np.ndarray, y: np.ndarray, w: np.ndarray, base_cut: float, *,
               shrinkage: float = SHRINKAGE, bandwidth: float = BANDWIDTH) -> float:
    """One label's cut: the smoothed-F1 cut on the rows shrunk towards ``base_cut``."""
    n_pos = effective_count(w[y == 1]) if (y == 1).any() else 0.0
    if (y == 1).sum() < MIN_POSITIVES or (y == 0).sum() < 1:
        return float(base_cut)
    own = smooth_f1_cut(z, y, w, bandwidth)
    share = n_pos / (n_pos + shrinkage) if shrinkage > 0 else 1.0
    return float(share * own + (1 - share) * base_cut)


def fit_recalibration(z: np.ndarray, y: np.ndarray, w: np.ndarray, prior: float = PRIOR) -> tuple[float, float]:
    """MAP Platt parameters ``(a, b)``: ``sigmoid(a * z + b)`` fitted to weighted rows, with a
    Gaussian prior of ``prior`` pseudo-rows on the identity ``(1, 0)``."""
    z, y, w = (np.asarray(a, dtype=np.float64) for a in (z, y, w))
    w = w * (len(w) / w.sum()) if w.sum() > 0 else w
    theta = np.array([1.0, 0.0])
    identity = np.array([1.0, 0.0])
    X = np.column_stack([z, np.ones_like(z)])
    for _ in range(50):  # Newton's method on a concave 2-parameter objective
        p = sigmoid(X @ theta)
        gradient = X.T @ (w * (y - p)) - prior * (theta - identity) / 4
        hessian = -(X.T * (w * p * (1 - p))) @ X - prior / 4 * np.eye(2)
        step = np.clip(np.linalg.solve(hessian, gradient), -2.0, 2.0)  # damped: no overshoot far from the optimum
        theta = theta - step
        if np.abs(step).max() < 1e-8:
            break
    # a rising map (never reverse the ranking), within bounds that keep every probability finite
    a, b = float(np.clip(theta[0], 0.05, 10.0)), float(np.clip(theta[1], -20.0, 20.0))
    return a, b


@dataclass
class Adaptation:
    """What the rows say of each label: cuts on the base log-odds and a recalibration.

    Attributes
    ----------
    cuts : ndarray of shape (n_labels,)
        A label applies where the base log-odds reach its cut.
    calibration : ndarray of shape (n_labels, 2)
        ``(a, b)`` per label: the adapted probability is ``sigmoid(a * z + b)``.
    kept : list of bool
        Labels that kept the base cut and calibration (too few positives).
    """

    cuts: np.ndarray
    calibration: np.ndarray
    kept: list[bool]

    def thresholds(self) -> np.ndarray:
        """The thresholds on the adapted probabilities."""
        return sigmoid(self.calibration[:, 0] * self.cuts + self.calibration[:, 1])

    def proba(self, z: np.ndarray) -> np.ndarray:
        """The adapted probabilities of rows with base log-odds ``z``."""
        return sigmoid(z * self.calibration[:, 0] + self.calibration[:, 1])

    def decide(self, z: np.ndarray) -> np.ndarray:
        return z >= self.cuts


def calibrated_cut(z: np.ndarray, w: np.ndarray, a: float, b: float) -> float:
    """The cut maximising the expected F1 of rows whose probabilities are ``sigmoid(a * z + b)``."""
    q = sigmoid(a * np.asarray(z, dtype=np.float64) + b)
    order = np.argsort(-z, kind="stable")
    zs, qs, ws = z[order], q[order], w[order]
    expected = 2 * np.cumsum(ws * qs) / (np.cumsum(ws) + float((w * q).sum()))
    i = int(np.argmax(expected))
    below = zs[i + 1] if i + 1 < len(zs) else zs[i] - 1.0
    return float((zs[i] + below) / 2)


def fit_adaptation(z: np.ndarray, Y: np.ndarray, w: np.ndarray, base_cuts: np.ndarray, *,
                   shrinkage: float = SHRINKAGE, bandwidth: float = BANDWIDTH, prior: float = PRIOR,
                   cut: str = "smoothed") -> Adaptation:
    """Cuts and recalibration of every label from the user's rows (see the module's text).

    ``cut="calibrated"`` (an alternative, see ``bench/adapt.py --simulate``) takes the cut that
    maximises the expected F1 under the recalibrated probabilities instead of the shrunk one.
    """
    n_labels = Y.shape[1]
    cuts = np.asarray(base_cuts, dtype=np.float64).copy()
    calibration = np.tile([1.0, 0.0], (n_labels, 1))
    kept = []
    for j in range(n_labels):
        y = Y[:, j]
        if y.sum() < MIN_POSITIVES or (1 - y).sum() < 1:
            kept.append(True)
            continue
        kept.append(False)
        calibration[j] = fit_recalibration(z[:, j], y, w, prior)
        if cut == "calibrated":
            cuts[j] = calibrated_cut(z[:, j], w, *calibration[j])
        else:
            cuts[j] = shrunk_cut(z[:, j], y, w, base_cuts[j], shrinkage=shrinkage, bandwidth=bandwidth)
    return Adaptation(cuts, calibration, kept)


def naive_cuts(z: np.ndarray, Y: np.ndarray, w: np.ndarray, base_cuts: np.ndarray) -> np.ndarray:
    """The baseline: each label's hard F1-optimal cut on the rows (the base cut without positives)."""
    cuts = np.asarray(base_cuts, dtype=np.float64).copy()
    for j in range(Y.shape[1]):
        if Y[:, j].any() and not Y[:, j].all():
            cuts[j] = smooth_f1_cut(z[:, j], Y[:, j], w, 0.0)
    return cuts


def folds(Y: np.ndarray, n_folds: int, seed: int = 0) -> list[np.ndarray]:
    """Test indices of ``n_folds`` folds stratified by label combination (rare ones pooled)."""
    from sklearn.model_selection import StratifiedKFold

    from kpkclassify.labels import pooled_strata

    strata = pooled_strata(Y, n_folds)
    n_folds = max(2, min(n_folds, int(np.bincount(strata).max())))
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [test for _, test in splitter.split(np.zeros(len(Y)), strata)]


def cross_validated_decisions(z: np.ndarray, Y: np.ndarray, w: np.ndarray, base_cuts: np.ndarray,
                              test_folds: list[np.ndarray], fit=fit_adaptation) -> np.ndarray:
    """Out-of-fold decisions: each fold decided by an adaptation fitted on the other folds."""
    out = np.zeros(Y.shape, dtype=bool)
    every = np.arange(len(Y))
    for test in test_folds:
        train = np.setdiff1d(every, test)
        adaptation = fit(z[train], Y[train], w[train], base_cuts)
        out[test] = adaptation.decide(z[test])
    return out


def weighted_counts(Y: np.ndarray, D: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """Weighted true positives, false positives and false negatives per label."""
    Y, D = Y.astype(bool), D.astype(bool)
    return {"tp": w @ (Y & D), "fp": w @ (~Y & D), "fn": w @ (Y & ~D)}


def macro_f1(Y: np.ndarray, D: np.ndarray, w: np.ndarray | None = None, labels: np.ndarray | None = None) -> float:
    """Macro F1 over ``labels`` (a boolean mask; by default the labels with a positive row)."""
    w = np.ones(len(Y)) if w is None else w
    f1 = _f1_from(w, Y.astype(bool), D.astype(bool))
    mask = Y.any(axis=0) if labels is None else labels
    return float(f1[mask].mean()) if mask.any() else 0.0


def bootstrap_gain(Y: np.ndarray, D_new: np.ndarray, D_old: np.ndarray, w: np.ndarray, *,
                   repeats: int = 500, seed: int = 0) -> dict[str, float]:
    """Macro-F1 gain of ``D_new`` over ``D_old`` on rows ``Y``, with a 95% bootstrap interval."""
    rng = np.random.default_rng(seed)
    n = len(Y)
    labels = np.asarray(Y.any(axis=0))
    gain = macro_f1(Y, D_new, w, labels) - macro_f1(Y, D_old, w, labels)
    draws = np.empty(repeats)
    Yb, Nb, Ob = Y.astype(bool), D_new.astype(bool), D_old.astype(bool)
    counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(repeats)]) * w
    for k, pick in enumerate(counts):
        f_new = _f1_from(pick, Yb, Nb)
        f_old = _f1_from(pick, Yb, Ob)
        draws[k] = float((f_new - f_old)[labels].mean()) if labels.any() else 0.0
    low, high = np.percentile(draws, [2.5, 97.5])
    return {"gain": round(gain, 4), "low": round(float(low), 4), "high": round(float(high), 4)}


def _f1_from(weight: np.ndarray, Y: np.ndarray, D: np.ndarray) -> np.ndarray:
    tp = weight @ (Y & D)
    return 2 * tp / np.maximum(2 * tp + weight @ (~Y & D) + weight @ (Y & ~D), 1e-12)


def wilson(successes: float, total: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson's 95% interval for a proportion (``(0, 1)`` without data)."""
    if total <= 0:
        return 0.0, 1.0
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def source_estimates(Y: np.ndarray, D: np.ndarray, w: np.ndarray, labels: tuple[str, ...]) -> dict[str, dict]:
    """Precision and recall per label on the user's source, from out-of-fold decisions, with
    Wilson intervals on the effective counts (weights scaled to the rows' effective size)."""
    out = {}
    for j, label in enumerate(labels):
        y, d = Y[:, j].astype(bool), D[:, j].astype(bool)
        entry: dict = {"positives": int(y.sum()), "predicted": int(d.sum())}
        for name, base, hit in (("precision", d, y & d), ("recall", y, y & d)):
            if not base.any():
                entry[name] = None
                continue
            n_eff = effective_count(w[base])
            share = float(w[hit].sum() / w[base].sum())
            low, high = wilson(share * n_eff, n_eff)
            entry[name] = {"value": round(share, 4), "low": round(low, 4), "high": round(high, 4)}
        out[label] = entry
    return out


def base_cuts_of(thresholds: np.ndarray) -> np.ndarray:
    """Thresholds on probabilities -> cuts on their log-odds."""
    return logit(np.asarray(thresholds, dtype=np.float64))


def adapt_scores(z: np.ndarray, Y: np.ndarray, w: np.ndarray, base_cuts: np.ndarray, test_folds: list[np.ndarray], *,
                 guard: bool = False, labels: tuple[str, ...] | None = None, seed: int = 0,
                 **params: Any) -> tuple[Adaptation, dict]:
    """The adaptation of the thresholds and calibration, with what cross-validation says of it.

    The adaptation is fitted on all rows; out-of-fold decisions (each fold decided by an
    adaptation fitted on the others) estimate its gain over the base cuts, with a 95%
    bootstrap interval, and its precision and recall per label on the source. With
    ``guard``, a label whose out-of-fold F1 is lower adapted than with the base cut keeps the
    base cut (the evidence is too weak to move it).

    Returns
    -------
    Adaptation, dict
        The dict holds ``cv_gain``, ``macro_f1`` (base and adapted, out of fold), ``per_label``
        F1s, ``kept`` (labels left at their base cut) and ``estimates`` (see :func:`source_estimates`).
    """
    labels = labels or tuple(f"label_{j}" for j in range(Y.shape[1]))
    fit: Callable[..., Adaptation] = partial(fit_adaptation, **params) if params else fit_adaptation
    adaptation = fit(z, Y, w, base_cuts)
    D_new = cross_validated_decisions(z, Y, w, base_cuts, test_folds, fit)
    D_old = z >= base_cuts
    c_new, c_old = weighted_counts(Y, D_new, w), weighted_counts(Y, D_old, w)
    f1_new = 2 * c_new["tp"] / np.maximum(2 * c_new["tp"] + c_new["fp"] + c_new["fn"], 1e-12)
    f1_old = 2 * c_old["tp"] / np.maximum(2 * c_old["tp"] + c_old["fp"] + c_old["fn"], 1e-12)
    kept = list(adaptation.kept)
    for j in range(Y.shape[1]):
        if guard and not kept[j] and f1_new[j] < f1_old[j]:
            kept[j] = True
            adaptation.cuts[j] = base_cuts[j]
            D_new[:, j] = D_old[:, j]
    adaptation.kept = kept
    present = np.asarray(Y.any(axis=0))
    report = {
        "cv_gain": bootstrap_gain(Y, D_new, D_old, w, seed=seed),
        "macro_f1": {"base": round(macro_f1(Y, D_old, w, present), 4), "adapted": round(macro_f1(Y, D_new, w, present), 4)},
        "per_label": {label: {"base": round(float(f1_old[j]), 4), "adapted": round(float(f1_new[j] if not kept[j] else f1_old[j]), 4)}
                      for j, label in enumerate(labels)},
        "kept": kept,
        "folds": len(test_folds),
        "estimates": source_estimates(Y, D_new, w, labels),
    }
    return adaptation, report
