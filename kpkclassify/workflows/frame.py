"""Predictions as a pandas DataFrame, for notebooks and pandas pipelines (pandas stays optional)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kpkclassify.labels import decide, format_labels, top_label
from kpkclassify.persist import resolve_model

if TYPE_CHECKING:  # pragma: no cover
    from kpkclassify.model import Classifier


def classify_frame(texts: Iterable[str] | Any, model: Classifier | str | os.PathLike | None = None) -> Any:
    """Classify texts into a :class:`pandas.DataFrame`, one row per text.

    Parameters
    ----------
    texts : iterable of str or pandas.Series
        A Series keeps its index in the result, so the frame joins back onto the user's.
    model : Classifier, path or None
        The bundled model by default.

    Returns
    -------
    pandas.DataFrame
        Columns ``labels`` (``|``-joined, or ``other``), ``label`` (the single most
        probable label) and ``p_<label>`` for each label of the model.

    Examples
    --------
    >>> frame = classify_frame(["Disuruh bayar 200rb biar SIM cepet jadi"])  # doctest: +SKIP
    >>> frame.loc[0, "labels"]                                               # doctest: +SKIP
    'illegal_fee'
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("classify_frame needs pandas: pip install pandas") from None
    model = resolve_model(model)
    index = texts.index if isinstance(texts, pd.Series) else None
    values = list(texts)
    proba = model.predict_proba(values)
    applies = decide(proba, model.thresholds_)
    labels = model.labels_
    columns: dict[str, Any] = {
        "labels": [format_labels(tuple(labels[j] for j in row.nonzero()[0])) for row in applies],
        "label": top_label(proba, applies, labels),
    }
    columns.update({f"p_{label}": proba[:, j] for j, label in enumerate(labels)})
    return pd.DataFrame(columns, index=index)
