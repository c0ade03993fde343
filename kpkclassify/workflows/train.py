"""Training a model from labelled files, with its model card."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from collections.abc import Callable, Sequence
from importlib import metadata

import numpy as np

from kpkclassify.io.labelled import LabelledData, bundled_corpus_path, check_trainable, read_label_guide, read_labelled
from kpkclassify.labels import LABELS, label_set
from kpkclassify.model.classifier import Classifier
from kpkclassify.persist import MODEL_FORMAT


def library_versions() -> dict[str, str]:
    """Versions of the libraries a model depends on."""
    versions = {"python": platform.python_version()}
    for dist in ("kpkclassify", "scikit-learn", "PySastrawi", "numpy", "scipy", "skops", "joblib"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def _rounded(metrics: dict) -> dict:
    return {k: (_rounded(v) if isinstance(v, dict) else round(v, 4) if isinstance(v, float) else v) for k, v in metrics.items()}


def resolve_labels(labels: str | os.PathLike | Sequence[str] | None) -> tuple[tuple[str, ...], dict]:
    """The label set to train with, and what the card says of where it came from.

    ``None`` is ours (:data:`~kpkclassify.labels.LABELS`); a sequence of names or one string
    of names joined by ``,`` (``"illegal_fee,nepotism"``) is checked with
    :func:`~kpkclassify.labels.label_set`; a path (a ``PathLike``, or a string with a ``.``
    or a path separator, which no label name has) is a label guide file read with
    :func:`~kpkclassify.io.labelled.read_label_guide`.
    """
    if labels is None:
        return LABELS, {"source": "default"}
    if isinstance(labels, os.PathLike) or (isinstance(labels, str) and any(c in labels for c in "./\\")):
        guide = read_label_guide(labels)
        return tuple(guide), {"source": "label_guide", "path": str(labels), "descriptions": guide}
    names = label_set(labels)
    return names, {"source": "default" if names == LABELS else "given"}


def train(
    data: str | os.PathLike | Sequence[str | os.PathLike] | LabelledData,
    *,
    labels: str | os.PathLike | Sequence[str] | None = None,
    with_bundled: bool = False,
    text_column: str | None = None,
    label_column: str | None = None,
    test_size: float | None = None,
    seed: int = 0,
    cv: int = 5,
    classifier: Classifier | None = None,
    progress: Callable[[str], None] | None = None,
    group_column: str | None = None,
) -> Classifier:
    """Train a classifier on labelled files and attach a model card (``card_``).

    Parameters
    ----------
    data : path, list of paths, or LabelledData
        CSV/TSV/JSONL files with a text column and a ``labels`` column.
    labels : names, str or path, optional
        The label set to learn, in column order: ours by default (or ``classifier``'s own
        ``labels``); names (``("illegal_fee", "nepotism")`` or ``"illegal_fee,nepotism"``);
        or the path of a label guide file (see :func:`~kpkclassify.io.labelled.read_label_guide`).
        A cell of ``data`` naming any other label is an error with its file and row;
        ``other`` is the empty set, never a label.
    with_bundled : bool, default=False
        Add our own corpus (the training split of ``datasets/``) to ``data``. Only with our
        label set: the corpus is labelled with ours.
    text_column, label_column : str, optional
    test_size : float, optional
        Hold out this share of rows (stratified by label set, seeded) and record the
        model's scores on them in the card. The model is trained on the rest.
    seed : int, default=0
        Seeds the split, the cross-validation folds and the solver: the same data,
        options and library versions give a model that predicts identically.
    cv : int, default=5
        Folds for choosing per-label thresholds and for the card's cross-validated scores.
    classifier : Classifier, optional
        An unfitted classifier with your own parameters; ``random_state`` and ``cv`` are
        set from ``seed`` and ``cv``.
    progress : callable, optional
        Called with one line of text at each step.
    group_column : str, optional
        A column of every file (e.g. ``register`` or ``source``; the bundled corpus has
        ``register``) whose value groups the rows: the cross-validation that chooses the
        thresholds and calibration then keeps each group on one side of every fold (see
        ``Classifier.fit``'s ``groups``), which imitates texts of an unseen source.

    Returns
    -------
    Classifier
        Fitted, with ``card_`` holding the data digest, counts, options, versions and metrics.
    """
    say = progress or (lambda message: None)
    if labels is None and classifier is not None and classifier.labels is not None:
        labels = classifier.labels
    names, label_source = resolve_labels(labels)
    if with_bundled and set(names) != set(LABELS):
        raise ValueError(f"--with-bundled adds our corpus, labelled with {', '.join(LABELS)} only; "
                         f"it cannot train the labels {', '.join(names)}")
    if isinstance(data, LabelledData):
        labelled, sources = data, ["<LabelledData>"]
        if tuple(data.label_names) != names:
            labelled = _relabelled(data, names)
    else:
        sources = [str(data)] if isinstance(data, (str, os.PathLike)) else [str(p) for p in data]
        say(f"reading {len(sources)} file(s)")
        labelled = read_labelled(sources, text_column=text_column, label_column=label_column, labels=names)
    if with_bundled:
        bundled = read_labelled(bundled_corpus_path(), labels=names)
        say(f"adding {len(bundled)} rows of the bundled corpus")
        merged = LabelledData()
        merged.extend(labelled)
        merged.extend(bundled)
        labelled = merged
        sources.append("bundled:datasets/train.csv")
    check_trainable(labelled)

    groups = None if group_column is None else read_groups(labelled, group_column)
    train_idx, test_idx = _split(labelled, test_size, seed)
    texts = [labelled.texts[i] for i in train_idx]
    labels = [labelled.labels[i] for i in train_idx]
    model = (classifier if classifier is not None else Classifier()).set_params(
        labels=None if names == LABELS else names, random_state=seed, cv=cv)  # ours: as before, None
    say(f"training on {len(texts)} rows ({cv}-fold cross-validation for thresholds"
        + (f", grouped by {group_column})" if group_column else ")"))
    model.fit(texts, labels, groups=None if groups is None else [groups[i] for i in train_idx])

    card = {
        "kpkclassify_model_format": MODEL_FORMAT,
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "training_data": {
            "sources": sources,
            "sha256": labelled.sha256(),
            "rows": len(labelled),
            "label_counts": labelled.counts(),
            "train_rows": len(train_idx),
            "test_rows": len(test_idx),
        },
        "options": {"seed": seed, "cv": cv, "test_size": test_size, "with_bundled": with_bundled,
                    **({"group_column": group_column} if group_column else {}),
                    "params": {k: repr(v) for k, v in model.get_params(deep=False).items()}},
        "labels": {"names": list(model.labels_), **label_source},
        "thresholds": {label: round(float(t), 4) for label, t in zip(model.labels_, model.thresholds_)},
        "cross_validated": _rounded(model.cv_scores_),
        "versions": library_versions(),
    }
    if len(test_idx):
        say(f"scoring {len(test_idx)} held-out rows")
        evaluation = model.evaluate([labelled.texts[i] for i in test_idx], [labelled.labels[i] for i in test_idx])
        card["held_out"] = _rounded(evaluation.metrics)
    model.card_ = card
    return model


def read_groups(data: LabelledData, column: str) -> list[str]:
    """The value of ``column`` for each row of ``data``, read again from the files its rows came from.

    Raises
    ------
    DataError
        When the rows were not read from files, or a file has no such column.
    """
    from kpkclassify.exceptions import DataError
    from kpkclassify.io.labelled import column_cells

    by_file: dict[str, dict[int, object]] = {}
    out = []
    for origin in data.origins:
        path, _, line = origin.rpartition(":")
        if not path or not line.isdigit():
            raise DataError([f"{origin}: a group column needs rows read from files"])
        if path not in by_file:
            cells, columns = column_cells(path, column)
            if cells is None:
                raise DataError([f"{path}: no column {column!r} for the groups; the columns are {', '.join(columns)}"])
            by_file[path] = cells
        value = by_file[path].get(int(line))
        out.append("" if value is None else str(value))
    empty = [origin for origin, value in zip(data.origins, out) if not value.strip()]
    if empty:  # an empty cell would silently become a group of its own
        shown = ", ".join(empty[:5]) + (f" and {len(empty) - 5} more" if len(empty) > 5 else "")
        raise DataError([f"{shown}: empty {column!r} cell; give every row a group (or train without --group-column)"])
    return out


def _relabelled(data: LabelledData, names: tuple[str, ...]) -> LabelledData:
    """``data`` checked against the label set being trained (its rows in ``names``' order)."""
    from kpkclassify.exceptions import DataError, LabelError
    from kpkclassify.labels import parse_labels

    out = LabelledData(texts=list(data.texts), origins=list(data.origins), label_names=names)
    problems = []
    for row, origin in zip(data.labels, data.origins):
        try:
            out.labels.append(parse_labels(row, names))
        except LabelError as exc:
            problems.append(f"{origin}: {exc}")
    if problems:
        raise DataError(problems)
    return out


def _split(data: LabelledData, test_size: float | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    n = len(data)
    if not test_size:
        return np.arange(n), np.arange(0)
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size}")
    from sklearn.model_selection import train_test_split

    strata = np.asarray(["|".join(labels) for labels in data.labels])
    counts = {s: int((strata == s).sum()) for s in set(strata)}
    strata = np.asarray([s if counts[s] >= 2 else "rare" for s in strata])
    train_idx, test_idx = train_test_split(np.arange(n), test_size=test_size, random_state=seed, stratify=strata)
    return np.sort(train_idx), np.sort(test_idx)
