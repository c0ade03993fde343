"""Label names and the conversions between label strings, tuples and indicator matrices."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

import numpy as np

from kpkclassify.exceptions import LabelError

#: The three topical labels, in the column order used everywhere (probabilities, matrices).
LABELS: tuple[str, ...] = ("illegal_fee", "slow_service", "campaign")
#: The label a text gets when none of :data:`LABELS` applies.
OTHER = "other"
#: Indonesian names, for reports meant for Indonesian readers.
INDONESIAN_NAMES = {
    "illegal_fee": "pungli / pemerasan",
    "slow_service": "pelayanan lambat",
    "campaign": "kampanye antikorupsi",
    OTHER: "lainnya",
}
_SEPARATORS = ("|", ",", ";")


def label_set(names: str | Iterable[str] | None = None) -> tuple[str, ...]:
    """Check and return a set of label names: ours (:data:`LABELS`) by default.

    Parameters
    ----------
    names : str or iterable of str, optional
        Label names, as a sequence or joined by ``,`` or ``|`` (``"illegal_fee,nepotism"``).
        Each is lower-case ``snake_case`` (letters, digits, ``_``), unique, and not ``other``:
        ``other`` is no label but the absence of every label.

    Returns
    -------
    tuple of str
        The names in the order given: the column order of probabilities and matrices.

    Examples
    --------
    >>> label_set("illegal_fee, nepotism")
    ('illegal_fee', 'nepotism')
    """
    if names is None:
        return LABELS
    parts = _split(names) if isinstance(names, str) else [str(n) for n in names]
    found: list[str] = []
    for raw in parts:
        name = raw.strip()
        if not name:
            continue
        if name.lower() == OTHER:
            raise LabelError(f"{OTHER!r} cannot be a label: a text with none of the labels is {OTHER!r}")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise LabelError(f"label name {raw!r} must be lower-case letters, digits and '_' (e.g. 'nepotism')")
        if name in found:
            raise LabelError(f"label {name!r} is named twice")
        found.append(name)
    if not found:
        raise LabelError("a label set needs at least one label")
    return tuple(found)


def _split(value: str) -> list[str]:
    parts = [value]
    for sep in _SEPARATORS:
        parts = [p for part in parts for p in part.split(sep)]
    return parts


def parse_labels(value: str | Iterable[str] | None, labels: Sequence[str] = LABELS) -> tuple[str, ...]:
    """Parse one row's labels into a tuple of labels in the order of ``labels``.

    ``"other"``, an empty string or ``None`` give ``()``. Strings may join labels
    with ``|``, ``,`` or ``;``; lists and tuples are taken label by label.

    Parameters
    ----------
    value : str, iterable of str or None
    labels : sequence of str, default=LABELS
        The label set (a model's ``labels_``).

    Raises
    ------
    LabelError
        When a part is not a known label; the message suggests the closest one.

    Examples
    --------
    >>> parse_labels("slow_service|illegal_fee")
    ('illegal_fee', 'slow_service')
    >>> parse_labels("other")
    ()
    """
    if value is None:
        return ()
    parts = _split(value) if isinstance(value, str) else list(value)
    found: set[str] = set()
    for raw in parts:
        if not isinstance(raw, str):
            raise LabelError(f"label {raw!r} is not a string")
        name = raw.strip().lower().replace("-", "_").replace(" ", "_")
        if name in ("", OTHER):
            continue
        if name not in labels:
            raise LabelError(_unknown_label_message(raw, labels))
        found.add(name)
    return tuple(label for label in labels if label in found)


def _unknown_label_message(raw: str, labels: Sequence[str] = LABELS) -> str:
    close = difflib.get_close_matches(raw.strip().lower(), [*labels, OTHER], n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown label {raw!r}{hint}; known labels: {', '.join([*labels, OTHER])}"


def format_labels(labels: Sequence[str]) -> str:
    """Join a tuple of labels with ``|``; an empty tuple gives ``"other"``."""
    return "|".join(labels) if labels else OTHER


def to_indicator(rows: Iterable[str | Iterable[str] | None], labels: Sequence[str] = LABELS) -> np.ndarray:
    """Turn per-row labels into an ``(n_rows, len(labels))`` 0/1 matrix in the order of ``labels``."""
    parsed = [parse_labels(r, labels) for r in rows]
    out = np.zeros((len(parsed), len(labels)), dtype=np.int8)
    column = {label: j for j, label in enumerate(labels)}
    for i, found in enumerate(parsed):
        for label in found:
            out[i, column[label]] = 1
    return out


def from_indicator(matrix: np.ndarray, labels: Sequence[str] = LABELS) -> list[tuple[str, ...]]:
    """Turn a 0/1 matrix back into one tuple of labels per row (``("other",)`` when empty)."""
    return [tuple(labels[int(j)] for j in np.flatnonzero(row)) or (OTHER,) for row in np.asarray(matrix)]


def label_combinations(Y: np.ndarray) -> np.ndarray:
    """Each row's label combination of a 0/1 indicator matrix as one integer (bit j: label j)."""
    return np.asarray(Y).astype(np.int64) @ (1 << np.arange(np.shape(Y)[1], dtype=np.int64))


def pooled_strata(Y: np.ndarray, n_folds: int) -> np.ndarray:
    """Strata for folds stratified by label combination: combinations with fewer than
    ``n_folds`` rows, too rare to spread over the folds, join the most common one."""
    strata = label_combinations(Y)
    counts = np.bincount(strata)
    return np.where(counts[strata] >= n_folds, strata, int(np.argmax(counts)))


def decide(proba: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The one decision rule: a label applies where its probability reaches its threshold.

    Parameters
    ----------
    proba : ndarray of shape (n_texts, n_labels)
    thresholds : ndarray of shape (n_labels,)

    Returns
    -------
    ndarray of bool, shape (n_texts, n_labels)
        A row with no ``True`` is ``other``.

    Examples
    --------
    >>> import numpy as np
    >>> decide(np.array([[0.9, 0.2], [0.1, 0.1]]), np.array([0.5, 0.15]))
    array([[ True,  True],
           [False, False]])
    """
    return np.asarray(proba) >= np.asarray(thresholds)


def top_label(proba: np.ndarray, applies: np.ndarray, labels: Sequence[str] = LABELS) -> list[str]:
    """Each row's single most probable label among those that apply (``other`` when none does)."""
    applies = np.asarray(applies, dtype=bool)
    if not len(applies):
        return []
    best = np.argmax(np.where(applies, proba, -1.0), axis=1)
    names = np.asarray([*labels, OTHER], dtype=object)
    return names[np.where(applies.any(axis=1), best, len(labels))].tolist()
