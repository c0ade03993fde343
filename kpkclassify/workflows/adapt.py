"""Adapting a fitted model to a user's own source from a few dozen labelled rows.

:func:`adapt` returns a new model (the given one is left untouched) whose thresholds and
probabilities fit the user's source, or, when the rows are enough and cross-validation says
it pays, a model retrained on our corpus plus the user's rows (weighted). The model card
(``card_["adaptation"]``) records the base model, the rows (digest and counts per label), the
method chosen, the thresholds before and after, the cross-validated gain with its 95%
interval, and precision and recall per label on the user's source with intervals, which
``classify``'s summary uses to correct its counts (see :func:`corrected_counts`).

Re-adapting an adapted model does not forget the earlier rows: a model adapted by its
thresholds and calibration keeps, in its card, each earlier row's base scores, labels and
weight (no text), and the next adaptation fits on the earlier rows and the new ones
together, from the same base. A model adapted by retraining cannot keep what retraining
needs (the texts), so adapting it again is refused with the digest of the rows it was
retrained on: adapt its base model with all the rows, earlier and new, in one go.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import warnings
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from kpkclassify.exceptions import DataError, InputError
from kpkclassify.io.labelled import LabelledData, bundled_corpus_path, read_labelled
from kpkclassify.labels import format_labels, to_indicator
from kpkclassify.model import adaptation as num
from kpkclassify.model.thresholds import logit

#: Fewer labelled rows than this is refused: no threshold can be chosen on fewer.
MIN_ROWS = 20
#: Retraining is considered from this many labelled rows on (see bench/adapt.py --simulate).
RETRAIN_ROWS = 60
#: Weights of a user's row relative to a corpus row tried when retraining.
WEIGHT_GRID = (4.0, 16.0)
#: Retraining is chosen only when its cross-validated macro-F1 beats the thresholds' by this much.
RETRAIN_MARGIN = 0.02
#: The column of selection weights that ``suggest --explore`` writes.
WEIGHT_COLUMN = "selection_weight"
ADAPTATION_FORMAT = 1


def adapt(
    model=None,
    data: str | os.PathLike | Sequence[str | os.PathLike] | LabelledData | None = None,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    weight_column: str | None = None,
    weights: Sequence[float] | None = None,
    retrain: bool | str = "auto",
    corpus: str | os.PathLike | LabelledData | None = None,
    cv: int = 5,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
):
    """Adapt a fitted model to a source from labelled rows of that source.

    Parameters
    ----------
    model : Classifier, path or None
        The base model (the bundled one when ``None``). It is not modified.
    data : path, list of paths or LabelledData
        CSV/TSV/JSONL/xlsx files with a text column and a ``labels`` column (read as
        :func:`kpkclassify.train` reads them), from the user's own source.
    text_column, label_column : str, optional
    weight_column : str, optional
        A column of selection weights (``suggest --explore`` writes ``selection_weight``,
        read by default when present): each row counts that many times, so that rows
        ``suggest`` picked for being uncertain do not bias the thresholds.
    weights : sequence of float, optional
        The same weights given directly (one per row of ``data``).
    retrain : {"auto", True, False}, default="auto"
        ``"auto"`` retrains on our corpus plus the rows when there are at least
        :data:`RETRAIN_ROWS` rows and cross-validation on the rows says it beats adapting
        the thresholds; ``True`` always retrains (with our label set only), ``False`` never.
    corpus : path or LabelledData, optional
        The corpus to retrain with: our bundled training corpus by default.
    cv : int, default=5
        Folds of the cross-validation on the user's rows.
    seed : int, default=0
    progress : callable, optional
        Called with one line of text at each step.

    Returns
    -------
    Classifier
        A new fitted model with ``card_["adaptation"]``. Its card's top-level ``thresholds``,
        ``training_data`` and ``options`` describe the adapted model (the base's, with its
        cross-validated scores, are under ``card_["adaptation"]["base"]["card"]``), and its
        parameters say ``calibration="sigmoid", thresholds="cv"`` (see :func:`_honest_params`).

    Raises
    ------
    InputError
        Too few rows, no label with a positive row, a label the base model does not know,
        no labels column, conflicting duplicates (each naming its file and row).
    """
    from kpkclassify.persist import model_card, resolve_model

    say = progress or (lambda message: None)
    if data is None:
        raise TypeError("adapt() needs data: labelled files or LabelledData")
    base = resolve_model(model)
    labels = tuple(base.labels_)
    labelled, sources = _read(data, labels, text_column, label_column)
    w = _weights(labelled, sources, weight_column, weights)
    Y: np.ndarray = to_indicator([list(r) for r in labelled.labels], labels).astype(np.int8)
    card = model_card(base)
    earlier = card.get("adaptation")
    if earlier and earlier.get("method") == "retrain":
        raise InputError(
            f"this model was adapted by retraining on {earlier['rows']['n']} rows (sha256 {earlier['rows']['sha256'][:16]}); "
            "adapting it again would forget them: adapt its base model (sha256 "
            f"{earlier['base']['sha256'][:16]}) with the earlier rows and the new ones in one file")
    base_info: dict = earlier["base"] if earlier else {
        "sha256": _model_digest(model, base), "thresholds": [float(t) for t in base.thresholds_],
        "calibration": None if getattr(base, "calibration_", None) is None else np.asarray(base.calibration_).tolist(),
        "card": {key: card[key] for key in _BASE_CARD_KEYS if key in card},
    }
    say(f"scoring {len(labelled)} rows with the base model")
    proba = base.predict_proba(labelled.texts)
    z = logit(proba)
    if earlier:  # back to the first base's scores, and the earlier rows joined
        transform = np.asarray(earlier["transform"], dtype=np.float64)
        z = (z - transform[:, 1]) / transform[:, 0]
        old = earlier["kept_rows"]
        again = set(_row_ids(labelled))
        keep = np.asarray([i not in again for i in old["ids"]], dtype=bool)
        if not keep.all():
            warnings.warn(f"{int((~keep).sum())} row(s) were already used by the earlier adaptation: "
                          "their new labels replace the earlier ones", UserWarning, stacklevel=2)
        z = np.vstack([np.asarray(old["scores"], dtype=np.float64).reshape(-1, len(labels))[keep], z])
        Y = np.vstack([to_indicator([x for x, k in zip(old["labels"], keep) if k], labels).astype(np.int8).reshape(-1, len(labels)), Y])
        w = np.r_[np.asarray(old["weights"], dtype=np.float64)[keep], w]
        ids = [x for x, k in zip(old["ids"], keep) if k] + _row_ids(labelled)
        say(f"with the {int(keep.sum())} rows of the earlier adaptation")
    else:
        ids = _row_ids(labelled)
    _check_rows(Y, labels, sources, earlier=len(Y) - len(labelled))  # the earlier rows count: small batches may follow
    base_cuts = logit(np.asarray(base_info["thresholds"], dtype=np.float64))
    test_folds = num.folds(Y, cv, seed)
    chosen, report = num.adapt_scores(z, Y, w, base_cuts, test_folds, labels=labels, seed=seed)
    method = "thresholds"
    from kpkclassify.labels import LABELS

    ours = corpus is not None or set(labels) == set(LABELS)  # our corpus teaches only our labels
    want_retrain = retrain is True or (retrain == "auto" and len(Y) >= RETRAIN_ROWS and not earlier and ours)
    if want_retrain:
        if earlier:
            raise InputError("retraining needs the texts of the earlier rows, which an adapted model does not keep: "
                             "adapt its base model with all the rows in one file")
        finish, retrain_report = _retrain(base, labelled, Y, w, z >= base_cuts, corpus, seed, say)
        report["retrain"] = retrain_report
        better = retrain_report["macro_f1"] - report["macro_f1"]["adapted"]
        if retrain is True or better > RETRAIN_MARGIN:
            method = "retrain"
    if method == "retrain":
        adapted = finish()
        adapted_thresholds = adapted.thresholds_
        gain = retrain_report["cv_gain"]
        estimates = retrain_report["estimates"]
    else:
        adapted = copy.deepcopy(base)
        original = base_info["calibration"]
        current = np.asarray(original if original is not None else np.tile([1.0, 0.0], (len(labels), 1)), dtype=np.float64)
        a, b = chosen.calibration[:, 0], chosen.calibration[:, 1]
        adapted.calibration_ = np.column_stack([a * current[:, 0], a * current[:, 1] + b])
        adapted_thresholds = np.clip(chosen.thresholds(), 0.0, 1.0)
        adapted.thresholds_ = adapted_thresholds
        gain = report["cv_gain"]
        estimates = report["estimates"]
    digest = labelled.sha256()
    adaptation = {
        "format": ADAPTATION_FORMAT,
        "method": method,
        "base": base_info,
        "rows": {"sources": sources, "sha256": digest, "n": int(len(Y)), "new": len(labelled),
                 "counts": {label: int(Y[:, j].sum()) for j, label in enumerate(labels)} | {"other": int((Y.sum(1) == 0).sum())},
                 "weighted": bool(np.any(w != 1)),
                 "earlier_sha256": [earlier["rows"]["sha256"], *earlier["rows"].get("earlier_sha256", [])] if earlier else []},
        "thresholds_before": {label: round(float(t), 4) for label, t in zip(labels, base_info["thresholds"])},
        "thresholds_after": {label: round(float(t), 4) for label, t in zip(labels, adapted_thresholds)},
        "kept_base": {label: bool(k) for label, k in zip(labels, report["kept"])},
        "cv_gain": gain,
        "cv_macro_f1": report["macro_f1"],
        "source_estimates": estimates,
        "choice": {"retrain_considered": bool(want_retrain), "retrain": report.get("retrain")},
    }
    if method == "thresholds":
        adaptation["transform"] = np.round(chosen.calibration, 6).tolist()
        adaptation["kept_rows"] = {"scores": np.round(z, 5).tolist(), "labels": [format_labels(
            tuple(label for label, v in zip(labels, row) if v)) for row in Y], "weights": np.round(w, 5).tolist(), "ids": ids}
    _honest_params(adapted)
    adapted.card_ = _adapted_card(card, adapted, adaptation, labelled, sources,
                                  retrain_report if method == "retrain" else None, cv, seed)
    say(f"adapted by {method}; cross-validated macro-F1 gain {gain['gain']:+.3f} [{gain['low']:+.3f}, {gain['high']:+.3f}]")
    return adapted


def _read(data, labels: tuple[str, ...], text_column, label_column) -> tuple[LabelledData, list[str]]:
    if isinstance(data, LabelledData):
        if tuple(data.label_names) != labels:
            from kpkclassify.workflows.train import _relabelled

            try:
                data = _relabelled(data, labels)
            except DataError as exc:
                raise _unknown_label_error(exc, labels) from None
        return data, ["<LabelledData>"]
    sources = [str(data)] if isinstance(data, (str, os.PathLike)) else [str(p) for p in data]
    try:
        return read_labelled(sources, text_column=text_column, label_column=label_column, labels=labels), sources
    except DataError as exc:
        raise _unknown_label_error(exc, labels) from None


def _unknown_label_error(exc: DataError, labels: tuple[str, ...]) -> InputError:
    """A label the base model does not know (not a misspelling of one): one line saying to retrain."""
    for problem in exc.problems:
        found = re.match(r"(.*?): unknown label '([^']*)'(?! \(did you mean)", problem)
        if found:
            return InputError(
                f"{found.group(1)}: label {found.group(2)!r} is not one of the base model's labels ({', '.join(labels)}); "
                "labels the base model does not know need retraining: use kpkclassify train FILE --labels "
                f"{','.join(labels)},{found.group(2).strip().lower()} -o MODEL.skops")
    return exc


def _row_ids(labelled: LabelledData) -> list[str]:
    """A short digest of each row's text (whitespace and case folded): which rows were used, without the texts."""
    return [hashlib.sha256(" ".join(t.lower().split()).encode("utf-8", "surrogatepass")).hexdigest()[:16]
            for t in labelled.texts]


def _weights(labelled: LabelledData, sources: list[str], column: str | None, given: Sequence[float] | None) -> np.ndarray:
    n = len(labelled)
    if given is not None:
        w = np.asarray(list(given), dtype=np.float64)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise InputError(f"weights must be {n} positive numbers, one per row")
        return w
    if sources == ["<LabelledData>"]:
        return np.ones(n)
    found = _read_weight_column(sources, column or WEIGHT_COLUMN, required=column is not None)
    if not found:
        return np.ones(n)
    w = np.ones(n)
    for i, origin in enumerate(labelled.origins):
        if origin in found:
            w[i] = found[origin]
    return w


def _read_weight_column(sources: list[str], column: str, required: bool) -> dict[str, float]:
    from kpkclassify.io.labelled import column_cells

    values: dict[str, float] = {}
    for path in sources:
        cells, columns = column_cells(path, column)
        if cells is None:
            if required:
                raise InputError(f"{path}: no weight column {column!r}; columns are: {', '.join(columns)}")
            continue
        values.update((f"{path}:{number}", _weight(value, path, number, column)) for number, value in cells.items())
    return values


def _weight(value: object, path: str, number: int, column: str) -> float:
    try:
        w = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        w = float("nan")
    if not np.isfinite(w) or w <= 0:
        raise InputError(f"{path}:{number}: column {column!r} must hold a positive number, got {value!r}")
    return w


def _check_rows(Y: np.ndarray, labels: tuple[str, ...], sources: list[str], earlier: int = 0) -> None:
    """The rows an adaptation fits on (the earlier adaptation's rows and the new ones together) are enough."""
    where = ", ".join(sources)
    if len(Y) < MIN_ROWS:
        with_earlier = f" (with the {earlier} rows of the earlier adaptation)" if earlier else ""
        raise InputError(f"{where}: {len(Y)} labelled rows{with_earlier}; adapting needs at least {MIN_ROWS} rows "
                         "of your source (50 to 200 make a real difference)")
    counts = Y.sum(axis=0)
    if not counts.any():
        raise InputError(f"{where}: no row carries any of the labels {', '.join(labels)}; adapting needs positive rows "
                         "(label rows that are illegal_fee, slow_service, ... not only other)")
    for label, count in zip(labels, counts):
        if count == 0:
            warnings.warn(f"{where}: no row is labelled {label}; its threshold stays the base model's", UserWarning, stacklevel=3)


#: What the card of a model says of its own fit; an adapted model's card keeps the base's under
#: ``card_["adaptation"]["base"]["card"]`` and says its own at the top.
_BASE_CARD_KEYS = ("created", "training_data", "options", "thresholds", "cross_validated", "held_out", "versions")


def _honest_params(adapted) -> None:
    """Parameters that say what kind of model the adapted one is: calibrated probabilities
    (``calibration="sigmoid"``) with thresholds chosen from labelled rows (``thresholds="cv"``).

    Not a dict of the adapted thresholds: ``fit`` with a dict skips the calibration, so
    ``clone(adapted).fit(...)`` would apply thresholds chosen on calibrated probabilities to
    uncalibrated ones. No parameter can say "adapted to these rows": ``clone(adapted).fit``
    gives a model of the same kind fitted on its own data, as for any estimator.
    """
    if getattr(adapted, "calibration_", None) is not None:
        adapted.set_params(calibration="sigmoid", thresholds="cv")


def _adapted_card(card: dict, adapted, adaptation: dict, labelled: LabelledData, sources: list[str],
                  retrain: dict | None, cv: int, seed: int) -> dict:
    """The adapted model's card: the top-level thresholds, training data and options describe the
    adapted model; the base's are in ``adaptation["base"]["card"]``. Cross-validated and held-out
    scores of the base fit describe another model and are left there only."""
    import datetime as _dt

    from kpkclassify.workflows.train import library_versions

    new = {key: value for key, value in card.items() if key not in ("adaptation", "cross_validated", "held_out")}
    new["created"] = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    new["thresholds"] = dict(adaptation["thresholds_after"])
    params = {k: repr(v) for k, v in adapted.get_params(deep=False).items()}
    options = dict(card.get("options") or {})
    if retrain is not None:
        corpus = retrain["corpus"]
        weight = retrain["weight"]
        counts = dict(corpus["label_counts"])
        for key, value in labelled.counts().items():
            counts[key] = counts.get(key, 0) + value
        rows = corpus["rows"] + len(labelled)
        new["training_data"] = {
            "sources": [corpus["source"], *sources], "sha256": corpus["sha256_with_rows"], "rows": rows,
            "label_counts": counts, "train_rows": rows, "test_rows": 0,
            "corpus": {"source": corpus["source"], "sha256": corpus["sha256"], "rows": corpus["rows"]},
            "adapting_rows": {"sha256": adaptation["rows"]["sha256"], "rows": len(labelled), "weight": weight},
        }
        options = {"seed": seed, "cv": cv, "test_size": None, "with_bundled": corpus["source"].startswith("bundled:"),
                   "adapted_by": "retrain"}
    else:
        options["adapted_by"] = "thresholds"
    options["params"] = params
    new["options"] = options
    new["versions"] = library_versions()
    new["adaptation"] = adaptation
    return new


def _model_digest(model, base) -> str:
    from kpkclassify.persist import bundled_model_path

    path = bundled_model_path() if model is None else model if isinstance(model, (str, os.PathLike)) else None
    digest = hashlib.sha256()
    if path is not None:
        with open(path, "rb") as handle:
            for block in iter(partial(handle.read, 1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    card = getattr(base, "card_", None) or {}
    digest.update(repr((card.get("training_data", {}).get("sha256"), np.asarray(base.thresholds_).tolist())).encode())
    return digest.hexdigest()


def _retrain(base, labelled: LabelledData, Y: np.ndarray, w: np.ndarray, D_base: np.ndarray, corpus, seed: int, say):
    """Retrain on the corpus plus the rows; the rows' weight and the thresholds chosen by
    cross-validation on the rows. Returns a function that fits the final model (called only
    when retraining is chosen) and what the choice saw."""
    from sklearn.base import clone

    from kpkclassify.labels import LABELS

    labels = tuple(base.labels_)
    if isinstance(corpus, LabelledData):
        extra = corpus
    else:
        if corpus is None and set(labels) != set(LABELS):
            raise InputError("retraining adds our corpus, labelled with our labels only; "
                             "this model has other labels: adapt with retrain=False")
        extra = read_labelled(corpus if corpus is not None else bundled_corpus_path(), labels=labels)
    corpus_texts = list(extra.texts)
    joined = LabelledData(label_names=labels)
    joined.extend(extra)
    joined.extend(labelled)
    corpus_info = {"source": "bundled:datasets/train.csv" if corpus is None else
                   "<LabelledData>" if isinstance(corpus, LabelledData) else str(corpus),
                   "sha256": extra.sha256(), "sha256_with_rows": joined.sha256(), "rows": len(extra),
                   "label_counts": extra.counts()}
    corpus_Y = to_indicator([list(r) for r in extra.labels], labels).astype(np.int8)
    scale = w / w.mean()
    folds = num.folds(Y, 3, seed)
    every = np.arange(len(Y))
    template = clone(base).set_params(augment=0, thresholds=0.5, calibration=None, random_state=seed)

    def fit(rows: np.ndarray, weight: float):
        texts = corpus_texts + [labelled.texts[i] for i in rows]
        target = np.vstack([corpus_Y, Y[rows]])
        sample_weight = np.r_[np.ones(len(corpus_texts)), weight * scale[rows]]
        return clone(template).fit(texts, target, sample_weight=sample_weight)

    best = None
    tried = {}
    for weight in WEIGHT_GRID:
        say(f"retraining with the rows weighted {weight:g}: {len(folds)} folds")
        z = np.zeros(Y.shape)
        for test in folds:
            model = fit(np.setdiff1d(every, test), weight)
            z[test] = logit(model.predict_proba([labelled.texts[i] for i in test]))
        cuts0 = np.zeros(len(labels))
        D = num.cross_validated_decisions(z, Y, w, cuts0, folds)
        f1 = num.macro_f1(Y, D, w)
        tried[f"{weight:g}"] = round(f1, 4)
        if best is None or f1 > best[0]:
            best = (f1, weight, z, D)
    assert best is not None
    f1, weight, z, D = best

    def finish():
        say(f"retraining on the corpus and all rows (weight {weight:g})")
        model = fit(every, weight)
        chosen = num.fit_adaptation(z, Y, w, np.zeros(len(labels)))
        model.calibration_ = np.asarray(chosen.calibration, dtype=np.float64)
        model.thresholds_ = np.clip(chosen.thresholds(), 0.0, 1.0)
        return model

    return finish, {
        "weight": weight, "macro_f1_by_weight": tried, "macro_f1": round(f1, 4), "folds": len(folds),
        "corpus_rows": len(corpus_texts), "corpus": corpus_info,
        "cv_gain": num.bootstrap_gain(Y, D, D_base, w, seed=seed),
        "estimates": num.source_estimates(Y, D, w, labels),
    }


def corrected_counts(card: dict, counts: dict[str, int], rows: int) -> dict[str, dict] | None:
    """Counts per label corrected for the precision and recall measured on the adapting source.

    ``count * precision / recall`` estimates how many texts of the batch carry the label; the
    interval combines the ends of the two intervals (the lowest precision with the highest
    recall, and the other way round), so it is conservative. ``None`` when the model's card has
    no estimates.
    """
    estimates = (card or {}).get("adaptation", {}).get("source_estimates")
    if not estimates:
        return None
    out = {}
    for label, entry in estimates.items():
        precision, recall = entry.get("precision"), entry.get("recall")
        n = int(counts.get(label, 0))
        if not precision or not recall or recall["value"] <= 0:
            continue
        estimate = n * precision["value"] / recall["value"]
        low = n * precision["low"] / max(recall["high"], 1e-9)
        high = n * precision["high"] / max(recall["low"], 1e-9) if recall["low"] > 0 else float(rows)
        out[label] = {"count": n, "corrected": round(min(estimate, rows), 1), "low": round(min(low, rows), 1),
                      "high": round(min(high, rows), 1)}
    return out


__all__ = ["adapt", "corrected_counts"]
