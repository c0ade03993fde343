"""Label names and the conversions between label strings, tuples and indicator matrices."""

from __future__ import annotations

import difflib
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


def parse_labels(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Parse one row's labels into a tuple of topical labels in canonical order.

    ``"other"``, an empty string or ``None`` give ``()``. Strings may join labels
    with ``|``, ``,`` or ``;``; lists and tuples are taken label by label.

    Raises
    ------
    LabelError
        When a part is not a known label; the message suggests the closest one.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        parts = [value]
        for sep in _SEPARATORS:
            parts = [p for part in parts for p in part.split(sep)]
    else:
        parts = list(value)
    found: set[str] = set()
    for raw in parts:
        if not isinstance(raw, str):
            raise LabelError(f"label {raw!r} is not a string")
        name = raw.strip().lower().replace("-", "_").replace(" ", "_")
        if name in ("", OTHER):
            continue
        if name not in LABELS:
            raise LabelError(_unknown_label_message(raw))
        found.add(name)
    return tuple(label for label in LABELS if label in found)


def _unknown_label_message(raw: str) -> str:
    close = difflib.get_close_matches(raw.strip().lower(), [*LABELS, OTHER], n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown label {raw!r}{hint}; known labels: {', '.join([*LABELS, OTHER])}"


def format_labels(labels: Sequence[str]) -> str:
    """Join a tuple of labels with ``|``; an empty tuple gives ``"other"``."""
    return "|".join(labels) if labels else OTHER


def to_indicator(rows: Iterable[str | Iterable[str] | None]) -> np.ndarray:
    """Turn per-row labels into an ``(n_rows, 3)`` 0/1 matrix in the order of :data:`LABELS`."""
    parsed = [parse_labels(r) for r in rows]
    out = np.zeros((len(parsed), len(LABELS)), dtype=np.int8)
    for i, labels in enumerate(parsed):
        for label in labels:
            out[i, LABELS.index(label)] = 1
    return out


def from_indicator(matrix: np.ndarray) -> list[tuple[str, ...]]:
    """Turn an ``(n_rows, 3)`` 0/1 matrix back into one tuple of labels per row (``("other",)`` when empty)."""
    result = []
    for row in np.asarray(matrix):
        labels = tuple(LABELS[j] for j in np.flatnonzero(row))
        result.append(labels or (OTHER,))
    return result
