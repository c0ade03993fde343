"""Classification on a Dask cluster: the same predictions as on one machine, partition by
partition. Needs the optional extra: ``pip install "kpkclassify[dask]"``.

Examples
--------
>>> import dask.dataframe as dd                                       # doctest: +SKIP
>>> from kpkclassify.dask import classify_dataframe                   # doctest: +SKIP
>>> ddf = dd.read_csv("exports/*.csv", dtype=str, keep_default_na=False)  # doctest: +SKIP
>>> classify_dataframe(ddf, text_column="isi").to_csv("out/part-*.csv", index=False)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from kpkclassify.labels import LABELS

#: The columns our own label set gives; a model with other labels adds ``p_<label>`` for its
#: ``labels_`` (:func:`kpkclassify.workflows.classify.prediction_columns`).
PREDICTION_COLUMNS = ("labels", "label", *(f"p_{label}" for label in LABELS), "uncertainty", "status")


def _require_dask() -> None:
    try:
        import dask.dataframe  # noqa: F401
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError('kpkclassify.dask needs Dask: pip install "kpkclassify[dask]"') from exc


def _classify_partition(frame: Any, model: Any, text_columns: Sequence[str], names: Sequence[str]) -> Any:
    """Add the prediction columns to one pandas partition (runs on a worker)."""
    from kpkclassify.workflows.classify import STATUS_EMPTY, STATUS_OK, _chunk_values, model_labels, prediction_columns

    # Column-wise lists, joined in Python: row-wise pandas operations cost far more than the model.
    columns = [frame[c].fillna("").astype(str).tolist() for c in text_columns]
    texts = columns[0] if len(columns) == 1 else [" ".join(parts) for parts in zip(*columns)]
    empty = [not t.strip() for t in texts]
    present = [t for t, e in zip(texts, empty) if not e]
    labels = model_labels(model)
    values = iter(_chunk_values(model.predict_proba(present), model.thresholds_, labels)) if present else iter(())
    blank = [""] * (len(prediction_columns(labels)) - 1) + [STATUS_EMPTY]  # every column empty but the status
    rows = [list(blank) if e else next(values) + [STATUS_OK] for e in empty]
    out = frame.copy()
    for name, column in zip(names, zip(*rows) if rows else [()] * len(names)):
        out[name] = list(column)
    return out


def classify_dataframe(
    ddf: Any,
    text_column: str | Sequence[str] = "text",
    model: Any = None,
) -> Any:
    """Add ``labels``, ``label``, one ``p_<label>`` per label of the model's ``labels_``
    (``p_illegal_fee``, ``p_slow_service``, ``p_campaign`` for ours) and ``status`` to a Dask
    DataFrame, lazily.

    The values are the same strings the single-machine ``kpkclassify classify`` writes
    (probabilities with four decimals, the same decision rule). When any of these columns
    has the name of one of ``ddf``'s, all of them are prefixed ``kpk_`` (again, until none
    clashes), as in ``kpkclassify classify``. Nothing is computed until you call
    ``compute``, ``to_csv`` or similar.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
    text_column : str or sequence of str, default="text"
        The text column; several are joined with a space.
    model : Classifier or path, optional
        The bundled model by default. With a ``distributed`` client the model is scattered
        to every worker once (not sent with each task); without one it becomes a single
        graph key that every partition shares.

    Returns
    -------
    dask.dataframe.DataFrame
    """
    _require_dask()
    import dask
    import pandas as pd

    from kpkclassify.persist import resolve_model

    columns = [text_column] if isinstance(text_column, str) else list(text_column)
    missing = [c for c in columns if c not in ddf.columns]
    if missing:
        raise ValueError(f"no column {missing[0]!r}; columns are: {', '.join(map(str, ddf.columns))}")
    model_obj = resolve_model(model)
    from kpkclassify.workflows.classify import _prediction_names, model_labels

    names = _prediction_names([str(c) for c in ddf.columns], False, model_labels(model_obj))
    meta = ddf._meta.copy()
    for name in names:
        meta[name] = pd.Series(dtype=object)
    model_ref: Any
    try:
        from distributed import default_client

        model_ref = default_client().scatter(model_obj, broadcast=True, hash=False)
    except (ImportError, ValueError):
        model_ref = dask.delayed(model_obj, pure=True)
    return ddf.map_partitions(_classify_partition, model_ref, columns, names, meta=meta)


def classify_files(
    inputs: str | Sequence[str],
    output: str,
    *,
    text_column: str | Sequence[str] = "text",
    model: Any = None,
    scheduler: str | None = None,
    blocksize: str | int | None = "64MB",
    delimiter: str = ",",
    workers: int | None = None,
) -> int:
    """Classify CSV files (a glob, a list, or one huge file) on Dask and write partitioned
    output (``output`` must contain ``*``, e.g. ``out/part-*.csv``).

    Parameters
    ----------
    inputs : str or list of str
        Paths or glob patterns.
    output : str
        An output pattern with ``*``, one file per partition, in input order.
    scheduler : str, optional
        Address of a running ``distributed`` scheduler (``tcp://host:8786``); without it a
        local cluster is started on this machine's cores and closed at the end.
    blocksize : str, int or None, default="64MB"
        Bytes per partition when splitting large files; ``None`` keeps one partition per
        file, which is required when quoted fields contain line breaks.
    delimiter : str, default=","
    workers : int, optional
        Worker processes of the local cluster (default: one per core).

    Returns
    -------
    int
        The number of rows written.
    """
    _require_dask()
    patterns = [str(p) for p in ([inputs] if isinstance(inputs, str) else inputs)]
    _check_files(patterns, output, model)
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        ddf = dd.read_csv(inputs, dtype=str, keep_default_na=False, blocksize=blocksize, sep=delimiter)
        result = classify_dataframe(ddf, text_column=text_column, model=model)
        return _write_parts(result, output, delimiter)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_files(patterns: list[str], output: str, model: Any) -> None:
    """Refuse, before a cluster starts: inputs we cannot split, input patterns matching no
    file, an output that is not a pattern, and an output pattern matching an input."""
    import glob

    from kpkclassify.io.tables import InputError, OutputTarget, check_outputs

    for pattern in patterns:
        if pattern.lower().endswith((".xlsx", ".jsonl", ".ndjson")):
            raise InputError(f"{pattern}: the Dask engine reads CSV files only; convert it to CSV or "
                             "classify it without --engine dask")
        if "://" not in pattern and not glob.glob(pattern):
            raise InputError(f"{pattern}: no file matches; check the path (quote a glob so that "
                             "the shell leaves it to kpkclassify)")
    if "*" not in output:
        raise ValueError(f"{output}: the output must be a pattern with '*', e.g. out/part-*.csv")
    check_outputs([*patterns, model], [OutputTarget(output, pattern=True)])


def _write_parts(result: Any, output: str, delimiter: str) -> int:
    """Write one file per partition, each atomically, and count the rows in the same pass
    (``to_csv`` and then a count computed every partition twice). Returns the rows."""
    import dask
    from fsspec.utils import build_name_function

    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    parts = result.to_delayed()
    name = build_name_function(max(0, len(parts) - 1))  # zero-padded: names sort in input order
    writes = [dask.delayed(_write_part)(part, output.replace("*", name(i)), delimiter)
              for i, part in enumerate(parts)]
    return int(sum(dask.compute(*writes)))


def _write_part(frame: Any, path: str, delimiter: str) -> int:
    """Write one partition (runs on a worker) and return its rows."""
    from kpkclassify.io.tables import atomic_output

    with atomic_output(path, "utf-8") as handle:
        frame.to_csv(handle, index=False, sep=delimiter)
    return len(frame)
