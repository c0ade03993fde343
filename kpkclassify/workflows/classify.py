"""Streaming classification of files: chunked, optionally parallel, atomic, nothing lost.

Rows are read, classified and written chunk by chunk, so memory stays flat whatever the
file size. Output rows keep every original cell, in order; the prediction columns are
added after the original ones. The output is written to a temporary file beside the
destination and renamed into place only when everything succeeded.
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from kpkclassify._missing import is_missing
from kpkclassify.exceptions import InputError
from kpkclassify.io.tables import TableReader, atomic_output, check_output_name, refuse_overwrite, resolve_text_columns
from kpkclassify.labels import LABELS, OTHER, decide, top_label


def prediction_columns(labels: Sequence[str] = LABELS) -> tuple[str, ...]:
    """The columns a model with ``labels`` (its ``labels_``) adds: ``labels``, ``label``, one
    ``p_<label>`` per label in the model's order, ``uncertainty`` (1 on a decision threshold, see
    :func:`kpkclassify.workflows.suggest.uncertainty`) and ``status``."""
    return ("labels", "label", *(f"p_{label}" for label in labels), "uncertainty", "status")


def model_labels(model: Any) -> tuple[str, ...]:
    """A fitted model's label set (``labels_``): the columns of its probabilities."""
    return tuple(getattr(model, "labels_", LABELS))


#: The columns our own label set gives (a model trained on other labels: :func:`prediction_columns`).
PREDICTION_COLUMNS = prediction_columns(LABELS)
STATUS_OK, STATUS_EMPTY, STATUS_RAGGED = "ok", "empty_text", "ragged"


@dataclass
class BatchSummary:
    """What a batch run did.

    Attributes
    ----------
    rows : int
        Rows read and written.
    label_counts : dict of str to int
        Rows per label (``other`` included).
    marked : dict of str to int
        Rows per non-``ok`` status (``empty_text``, ``ragged``).
    ragged_lines : list of int
        Line numbers of rows whose cell count differs from the header (the first 100).
    seconds : float
    output : str
    labels : tuple of str
        The model's labels (``labels_``), in the order the summary lists them.
    corrected : dict of str to dict
        For a model adapted to a source (``kpkclassify adapt``), each label's count corrected
        by the precision and recall measured there: ``{"count", "corrected", "low", "high"}``
        (see :func:`kpkclassify.workflows.adapt.corrected_counts`); empty otherwise.
    """

    rows: int = 0
    label_counts: dict[str, int] = field(default_factory=dict)
    marked: dict[str, int] = field(default_factory=dict)
    ragged_lines: list[int] = field(default_factory=list)
    seconds: float = 0.0
    output: str = ""
    labels: tuple[str, ...] = LABELS
    corrected: dict[str, dict] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """A short human summary."""
        rate = self.rows / self.seconds if self.seconds else 0.0
        out = [f"{self.rows} rows classified in {self.seconds:.1f} s ({rate:,.0f} rows/s) -> {self.output}"]
        classified = max(1, self.rows - sum(self.marked.values()))
        width = max(13, *(len(label) for label in self.labels))
        for label in (*self.labels, OTHER):
            n = self.label_counts.get(label, 0)
            out.append(f"  {label:<{width}} {n:>9} ({100 * n / classified:5.1f}%)")
        if self.corrected:  # a model adapted to a source: its precision and recall there
            out.append("  corrected for the precision/recall measured on the adapting source (95% interval):")
            out += [f"  {label:<{width}} {c['corrected']:>9.0f} [{c['low']:.0f}, {c['high']:.0f}]"
                    for label, c in self.corrected.items()]
        for status, n in sorted(self.marked.items()):
            out.append(f"  marked {status}: {n}")
        if self.ragged_lines:
            shown = ", ".join(map(str, self.ragged_lines[:10]))
            out.append(f"  ragged rows (cell count differs from the header) at lines: {shown}"
                       + (" ..." if len(self.ragged_lines) > 10 else ""))
        return out


# -- the per-chunk work (runs in worker processes when jobs > 1) -------------------------
_WORKER_MODELS: dict[str, Any] = {}
_FORKED = "<forked>"
_FORKED_MODEL: Any = None


def _model_in_worker(model: Any) -> Any:
    if model == _FORKED:
        return _FORKED_MODEL
    if isinstance(model, str):
        cached = _WORKER_MODELS.get(model)
        if cached is None:
            from kpkclassify.persist import load

            cached = _WORKER_MODELS[model] = load(model)
        return cached
    return model


@dataclass
class _Format:
    """How output rows are written; travels with each chunk to the worker."""

    kind: str
    delimiter: str
    width: int
    names: list[str]
    explain: bool


def _process_chunk(model: Any, chunk: _Chunk, fmt: _Format) -> tuple[str, Counter]:
    """Classify one chunk and render its output rows: the whole job for a chunk, so that the
    main process only reads and writes when workers run in parallel."""
    # The hot path makes no reference cycles; pausing the cyclic collector spares it from
    # rescanning the model and the memos while thousands of small lists come and go.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _render_chunk(_model_in_worker(model), chunk, fmt)
    finally:
        if paused:
            gc.enable()


def _render_chunk(model: Any, chunk: _Chunk, fmt: _Format) -> tuple[str, Counter]:
    labels = model_labels(model)
    texts = [t for t, s in zip(chunk.texts, chunk.status) if s != STATUS_EMPTY]
    proba = model.predict_proba(texts) if texts else np.zeros((0, len(labels)))
    counts: Counter[str] = Counter({"status:" + s: n for s, n in Counter(chunk.status).items() if s != STATUS_OK})
    if chunk.records is not None and not fmt.explain and "status:" + STATUS_RAGGED not in counts:
        return _render_records(chunk, chunk.records, proba, model.thresholds_, fmt, counts, labels), counts
    out = io.StringIO()
    writer = _RowWriter(out, fmt)
    predicted = zip(*_prediction_columns(proba, model.thresholds_, counts, labels))
    evidence = iter(_evidence(model, texts) if fmt.explain else [])
    blank = ("", "", *([""] * len(labels)), "")
    for row, status in zip(chunk.cells(fmt.delimiter), chunk.status):
        values = list(blank if status == STATUS_EMPTY else next(predicted))
        extra = [next(evidence, "") if status != STATUS_EMPTY else ""] if fmt.explain else []
        writer.write(row, values + [status] + extra)
    return out.getvalue(), counts


def _render_records(chunk: _Chunk, records: list[str], proba: np.ndarray, thresholds: np.ndarray, fmt: _Format,
                    counts: Counter, labels: Sequence[str] = LABELS) -> str:
    """The common case, CSV rows of the header's width: each output row is the input row as
    written (``records``, the chunk's), then the prediction cells, computed column-wise for the whole chunk."""
    d = fmt.delimiter
    predicted = _prediction_columns(proba, thresholds, counts, labels)
    if set(d) & _CELL_CHARACTERS:  # an unusual delimiter inside our own cells: let csv quote
        joined = io.StringIO()
        csv.writer(joined, delimiter=d, lineterminator="\n").writerows(zip(*predicted))
        suffixes = joined.getvalue().split("\n")[:-1]
    else:
        suffixes = [d.join(cells) for cells in zip(*predicted)]
    if len(suffixes) != len(records):  # rows without text get empty cells
        found = iter(suffixes)
        blank = d.join([""] * len(predicted))
        suffixes = [blank if s == STATUS_EMPTY else next(found) for s in chunk.status]
    end = _line_end(fmt)
    ok, empty = d + STATUS_OK + end, d + STATUS_EMPTY + end
    return "".join([f"{record}{d}{suffix}{ok if status == STATUS_OK else empty}"
                    for record, suffix, status in zip(records, suffixes, chunk.status)])


# Every character our prediction cells can hold (labels, "|", probabilities).
_CELL_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz_|.0123456789")


def _line_end(fmt: _Format) -> str:
    return "\r\n" if fmt.delimiter == ";" else "\n"  # Excel in an Indonesian locale writes ; and CRLF


def _prediction_columns(proba: np.ndarray, thresholds: np.ndarray, counts: Counter | None = None,
                        labels: Sequence[str] = LABELS) -> list[list[str]]:
    """The prediction cells of a chunk column by column (labels, top label, one probability
    column per label of ``labels``, the model's ``labels_``), adding the rows per label to
    ``counts`` when given. The labels are :func:`~kpkclassify.labels.decide`'s, the top label
    :func:`~kpkclassify.labels.top_label`'s: the same rule as ``Classifier.classify``."""
    labels = tuple(labels)
    hits = decide(proba, thresholds)
    if counts is not None:
        for j, label in enumerate(labels):
            counts[label] += int(hits[:, j].sum())
        counts[OTHER] += int((~hits.any(axis=1)).sum())
    cells = [f"{p:.4f}" for p in proba.ravel().tolist()]
    width = len(labels)
    from kpkclassify.workflows.suggest import uncertainty  # the measure suggest and review use

    unsure = [f"{u:.4f}" for u in uncertainty(proba, thresholds).tolist()] if len(proba) else []
    return [_label_cells(hits, labels), top_label(proba, hits, labels),
            *(cells[j::width] for j in range(width)), unsure]


def _label_cells(hits: np.ndarray, labels: tuple[str, ...]) -> list[str]:
    """Each row's labels joined with ``|`` (``other`` when none), from the distinct rows of
    ``hits`` only: a chunk holds a handful of combinations however many rows it has."""
    if not len(hits):
        return []
    if len(labels) < 63:
        bits = hits @ (1 << np.arange(len(labels), dtype=np.int64))
        combinations = _combinations(labels) if len(labels) <= 8 else None
        if combinations is not None:
            return [combinations[b] for b in bits.tolist()]
        distinct, which = np.unique(bits, return_inverse=True)
        names = ["|".join(labels[j] for j in range(len(labels)) if b >> j & 1) or OTHER for b in distinct.tolist()]
        return [names[i] for i in which.ravel().tolist()]
    return ["|".join(labels[j] for j in np.flatnonzero(row)) or OTHER for row in hits]


_COMBINATION_TABLES: dict[tuple[str, ...], list[str]] = {}


def _combinations(labels: tuple[str, ...]) -> list[str]:
    """The ``|``-joined names of every subset of ``labels``, indexed by its bits (cached)."""
    table = _COMBINATION_TABLES.get(labels)
    if table is None:
        table = _COMBINATION_TABLES[labels] = [
            ("|".join(labels[j] for j in range(len(labels)) if bits >> j & 1) or OTHER)
            for bits in range(2 ** len(labels))
        ]
    return table


def _evidence(model: Any, texts: list[str]) -> list[str]:
    out = []
    for text in texts:
        parts = model.explain(text, top=5)
        out.append("; ".join(f"{label}: " + ", ".join(w for w, _ in words) for label, words in parts.items() if words))
    return out


# -- reading ------------------------------------------------------------------------------
@dataclass
class _Chunk:
    rows: list[Any] | None  # list[str] cells (CSV) or dict records (JSONL); None when `records` holds them
    texts: list[str]
    status: list[str]
    records: list[str] | None = None  # CSV rows as written in the file, without their line ends

    def __len__(self) -> int:
        return len(self.texts)

    def cells(self, delimiter: str) -> list[Any]:
        """The rows as cells, parsed again from ``records`` when only those were kept."""
        if self.rows is None:
            self.rows = [next(csv.reader(io.StringIO(r), delimiter=delimiter), []) for r in self.records or []]
        return self.rows


def _chunks(reader: TableReader, text_columns: list[str] | None, chunk_size: int, limit: int | None,
            summary: BatchSummary, keep_records: bool = False) -> Iterator[_Chunk]:
    """Chunks of rows with their texts and statuses. With ``keep_records`` a CSV chunk keeps
    each row as written (``records``) instead of its cells: that is what the output repeats,
    and one string per row is cheaper to send to a worker than a list of cells.

    Every row comes out with exactly the header's cells, in place (see :func:`_fit_row`):
    a blank line is a row of empty cells marked ``empty_text``; a short row is padded with
    empty cells and marked ``ragged``; a long row is cut to the header's width when its extra
    cells are empty, and is an :class:`InputError` naming its line when one is not (its cells
    could only be put under the header's columns by guessing). A chunk holding any of these
    is written through the csv writer, never repeated as written.
    """
    if reader.kind == "jsonl":
        yield from _jsonl_chunks(reader, text_columns or ["text"], chunk_size, limit)
        return
    keep_records = keep_records and reader.keeps_records
    indices = resolve_text_columns(reader.columns, text_columns, reader.path)
    single = indices[0] if len(indices) == 1 else None
    width = len(reader.columns)
    source: Iterator[tuple] = reader.rows_with_text() if keep_records else reader.rows()
    if limit is not None:
        source = itertools.islice(source, limit)
    rows: list[Any] = []
    records: list[str] = []
    texts: list[str] = []
    statuses: list[str] = []
    verbatim = True  # every record of the chunk can be repeated as written
    for item in source:
        row = item[1]
        ragged = False
        if len(row) != width:
            row, ragged = _fit_row(row, width, item[0], reader)
            verbatim = False
            if ragged and len(summary.ragged_lines) < 100:
                summary.ragged_lines.append(item[0])
        text = row[single] if single is not None else " ".join(row[i] for i in indices)
        if not text or text.isspace():
            status = STATUS_EMPTY
        else:
            status = STATUS_RAGGED if ragged else STATUS_OK
        rows.append(row)
        texts.append(text)
        statuses.append(status)
        if keep_records:
            record = item[2]
            # An odd number of quotes: a quote inside an unquoted field, or a quoted field the
            # file never closed. The csv writer re-quotes such rows (same cells, valid output).
            if '"' in record and record.count('"') % 2:
                verbatim = False
            records.append(record)
        if len(rows) >= chunk_size:
            yield _Chunk(None, texts, statuses, records) if keep_records and verbatim else _Chunk(rows, texts, statuses)
            rows, records, texts, statuses, verbatim = [], [], [], [], True
    if rows:
        yield _Chunk(None, texts, statuses, records) if keep_records and verbatim else _Chunk(rows, texts, statuses)


def _fit_row(row: list[str], width: int, line: int, reader: TableReader) -> tuple[list[str], bool]:
    """``row`` with the header's ``width`` cells, and whether it was ragged.

    A blank line (no cells) becomes empty cells and is not ragged: in a one-column file it
    is how an empty text is written. Short rows are padded; long rows lose only empty
    trailing cells; a long row with a non-empty cell past the header is refused.
    """
    if not row:
        return [""] * width, False
    if len(row) < width:
        return row + [""] * (width - len(row)), True
    extra = next((j for j in range(width, len(row)) if row[j]), None)
    if extra is None:
        return row[:width], True
    sep = "tab" if reader.delimiter == "\t" else repr(reader.delimiter)
    raise InputError(
        f"{reader.path}: line {line}: {len(row)} cells but the header has {width} columns "
        f"(cell {extra + 1}, {row[extra][:30]!r}, has no column); quote the cells that contain the "
        f"delimiter {sep}, pass the right --delimiter, or give the extra column a header")


def _jsonl_chunks(reader: TableReader, keys: list[str], chunk_size: int, limit: int | None) -> Iterator[_Chunk]:
    source: Iterator[tuple[int, dict]] = reader.records()
    if limit is not None:
        source = itertools.islice(source, limit)
    records: list[Any] = []
    chunk = _Chunk(records, [], [])
    for line, record in source:
        if all(k not in record for k in keys):
            raise InputError(f"{reader.path}: line {line}: no key {keys[0]!r} in the record; "
                             f"keys are: {', '.join(record)}. Pass the right one with --text-column")
        # null, NaN and the like are no text (str() would classify the words "None" or "nan")
        text = " ".join(str(record[k]) for k in keys if not is_missing(record.get(k)))
        records.append(record)
        chunk.texts.append(text)
        chunk.status.append(STATUS_OK if text and not text.isspace() else STATUS_EMPTY)
        if len(chunk) >= chunk_size:
            yield chunk
            records = []
            chunk = _Chunk(records, [], [])
    if len(chunk):
        yield chunk


# -- writing ------------------------------------------------------------------------------
def _prediction_names(columns: Sequence[str], explain: bool, labels: Sequence[str] = LABELS) -> list[str]:
    """Our output columns (keys, for JSON Lines) for a model with ``labels``: all prefixed
    ``kpk_`` (again, until none clashes) when any would shadow one of the user's columns of
    the same name."""
    names = list(prediction_columns(labels)) + (["evidence"] if explain else [])
    taken = set(columns)
    while taken.intersection(names):
        names = [f"kpk_{n}" for n in names]
    return names


class _RowWriter:
    """Renders rows with their prediction cells as CSV (the input's delimiter) or JSON Lines.

    A JSON Lines record gets the names chosen for the file (from its first record's keys);
    a later record with a key of the same name gets them prefixed by the same rule instead,
    so that a user's own value is never overwritten.
    """

    def __init__(self, handle: IO[str], fmt: _Format) -> None:
        self.fmt, self.handle = fmt, handle
        if fmt.kind != "jsonl":
            # The csv module quotes a cell only for the characters of its own line end: with
            # "\n", a cell holding a bare "\r" would go out unquoted and split its row for every
            # reader. So rows are rendered ending in "\r\n", and that is swapped for ours.
            self._end = _line_end(fmt)
            self._row = io.StringIO()
            self.csv = csv.writer(self._row, delimiter=fmt.delimiter, lineterminator="\r\n")

    def _emit(self, cells: list[str]) -> None:
        self.csv.writerow(cells)
        text = self._row.getvalue()
        self._row.seek(0)
        self._row.truncate()
        self.handle.write(text[:-2] + self._end)

    def header(self, columns: list[str]) -> None:
        if self.fmt.kind != "jsonl":
            self._emit(list(columns) + self.fmt.names)

    def write(self, row: Any, values: list[str]) -> None:
        if self.fmt.kind == "jsonl":
            record = dict(row)
            names = self.fmt.names
            while not record.keys().isdisjoint(names):
                names = [f"kpk_{n}" for n in names]
            record.update(zip(names, values))
            self.handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            return
        width = self.fmt.width
        if len(row) < width:  # _chunks fits rows to the header; this only guards other callers
            row = row + [""] * (width - len(row))
        self._emit(row + values)


_COMBINATIONS = _combinations(LABELS)


def _chunk_values(proba: np.ndarray, thresholds: np.ndarray, labels: Sequence[str] = LABELS) -> list[list[str]]:
    """The prediction cells of each row of a chunk, computed for the whole chunk at once."""
    return [list(cells) for cells in zip(*_prediction_columns(proba, thresholds, None, labels))]


# -- the public entry point ---------------------------------------------------------------
def classify_file(
    input: str | os.PathLike,
    output: str | os.PathLike,
    *,
    model: Any = None,
    text_columns: Sequence[str] | None = None,
    fmt: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    chunk_size: int = 2000,
    jobs: int | None = 1,
    limit: int | None = None,
    explain: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
) -> BatchSummary:
    """Classify every row of a CSV/TSV/JSONL file and write it with prediction columns.

    Parameters
    ----------
    input : path or "-"
        The file to read (``"-"``: standard input).
    output : path or "-"
        Where to write (``"-"``: standard output). Written atomically; it may not be the input.
    model : Classifier or path, optional
        Defaults to the bundled model.
    text_columns : list of str, optional
        The column(s) holding the text, joined with a space when several. Guessed when absent.
    fmt : {"csv", "tsv", "jsonl"}, optional
        Input format; guessed from the file name. Output uses the same format and delimiter.
    delimiter, encoding : str, optional
        Sniffed when absent (UTF-8 with or without BOM; Windows-1252 with a warning).
    chunk_size : int, default=2000
        Rows classified together.
    jobs : int, default=1
        Worker processes; ``-1`` for all cores, ``None`` for all cores on big files.
    limit : int, optional
        Stop after this many rows.
    explain : bool, default=False
        Add an ``evidence`` column with the words behind each predicted label (slower).
    progress : callable, optional
        Called as ``progress(rows_done, bytes_done, total_bytes)`` after each chunk.

    Returns
    -------
    BatchSummary

    Raises
    ------
    InputError
        Bad input (missing file or column, unreadable line); nothing is left at ``output``.
    """
    from kpkclassify.persist import resolve_model

    input, output = str(input), str(output)
    refuse_overwrite(input, output)
    check_output_name(output)
    started = time.perf_counter()
    # workers load a model given by path themselves (see _model_in_worker); an object is passed on
    model_ref: Any = str(model) if isinstance(model, os.PathLike) else model
    model_obj = resolve_model(model)
    labels = model_labels(model_obj)
    summary = BatchSummary(output=output, labels=labels)
    with TableReader(input, fmt=fmt, delimiter=delimiter, encoding=encoding) as reader:
        total = os.path.getsize(input) if input != "-" else 0
        n_jobs = _choose_jobs(jobs, total)
        names = _prediction_names(reader.columns, explain, labels)
        # Excel's files (UTF-8 with BOM, "Unicode Text" UTF-16) get a BOM back, so Excel reads it
        out_encoding = "utf-8-sig" if reader.encoding in ("utf-8-sig", "utf-16") else "utf-8"
        row_format = _Format(reader.kind, reader.delimiter or ",", len(reader.columns), names, explain)
        with atomic_output(output, out_encoding) as handle:
            _RowWriter(handle, row_format).header(reader.columns)
            chunks = _chunks(reader, list(text_columns) if text_columns else None, chunk_size, limit, summary,
                             keep_records=True)
            worker_model = model_ref if (n_jobs > 1 and model_ref is not None) else model_obj
            counts: Counter[str] = Counter()
            for chunk, (text, chunk_counts) in _run(chunks, worker_model, model_obj, n_jobs, row_format):
                handle.write(text)
                counts.update(chunk_counts)
                summary.rows += len(chunk)
                if progress is not None:
                    progress(summary.rows, _position(reader), total)
            summary.marked = {k[7:]: v for k, v in counts.items() if k.startswith("status:")}
            summary.label_counts = {k: v for k, v in counts.items() if not k.startswith("status:")}
    from kpkclassify.workflows.adapt import corrected_counts

    summary.corrected = corrected_counts(getattr(model_obj, "card_", None) or {}, summary.label_counts,
                                         summary.rows - sum(summary.marked.values())) or {}
    summary.seconds = time.perf_counter() - started
    return summary


def _position(reader: TableReader) -> int:
    try:
        return reader._raw.tell()
    except (OSError, ValueError, AttributeError):
        return 0


def _choose_jobs(jobs: int | None, total_bytes: int) -> int:
    cores = os.cpu_count() or 1
    if jobs is None:
        return cores if total_bytes > 20_000_000 else 1
    if jobs < 0:
        return max(1, cores + 1 + jobs)
    return max(1, jobs)


def _run(chunks: Iterator[_Chunk], worker_model: Any, model_obj: Any, n_jobs: int, fmt: _Format):
    """Yield ``(chunk, (output_text, counts))`` in input order."""
    if n_jobs == 1:
        for chunk in chunks:
            yield chunk, _process_chunk(model_obj, chunk, fmt)
        return
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods():
        yield from _run_forked(chunks, model_obj, n_jobs, fmt)
        return
    # Elsewhere (no fork): joblib's loky workers each load the model once from a file.
    from joblib import Parallel, delayed

    tmp_dir = None
    target = worker_model
    if not isinstance(target, str):
        from kpkclassify.persist import save

        tmp_dir = tempfile.TemporaryDirectory(prefix="kpkclassify-")
        target = os.path.join(tmp_dir.name, "model.skops")
        save(model_obj, target)
    pending: list[_Chunk] = []

    def tasks():
        for chunk in chunks:
            pending.append(chunk)
            yield delayed(_process_chunk)(target, chunk, fmt)

    try:
        for result in Parallel(n_jobs=n_jobs, return_as="generator", pre_dispatch="2*n_jobs")(tasks()):
            yield pending.pop(0), result
    finally:
        if tmp_dir is not None:
            tmp_dir.cleanup()


def keep_freed_memory() -> None:
    """Let this process keep the memory it frees for its next chunk (glibc only; else a no-op).

    Each chunk allocates and frees the same few dozen arrays of about a megabyte. glibc
    hands allocations that large straight back to the kernel, so every chunk paid for fresh
    zeroed pages again: 1.1 million page faults and 2 s of kernel time per million rows.
    Raising the thresholds keeps those pages in the process. Called in the worker processes
    and by the command line, never on a library user's own process.
    """
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 64 * 2**20)  # M_MMAP_THRESHOLD: serve blocks under 64 MB from the heap
        libc.mallopt(-1, 128 * 2**20)  # M_TRIM_THRESHOLD: keep up to 128 MB free at the heap's top
    except (OSError, AttributeError):  # not glibc
        pass


def _run_forked(chunks: Iterator[_Chunk], model_obj: Any, n_jobs: int, fmt: _Format):
    """Forked workers inherit the loaded model (shared copy-on-write): nothing is loaded or
    sent per worker, only texts travel. A window of ``2 * n_jobs`` chunks in flight keeps
    memory flat and the output in input order, while reading and writing overlap the work.
    (joblib's fork-based backend cannot stream results back, hence the standard library.)"""
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    global _FORKED_MODEL
    # The first chunk is classified here, before forking: the memos and tables it fills
    # (every common word's terms and columns) are then inherited by every worker instead of
    # being rebuilt in each.
    first = next(chunks, None)
    if first is None:
        return
    yield first, _process_chunk(model_obj, first, fmt)
    _FORKED_MODEL = model_obj
    window: deque = deque()
    # The cyclic garbage collector writes into every object it scans, which would copy
    # each page of the shared model into every worker; frozen objects are never scanned.
    gc.collect()
    gc.freeze()
    lifeline = os.pipe()  # our end closes when we die, however we die: the workers then exit
    pool = ProcessPoolExecutor(max_workers=n_jobs, mp_context=multiprocessing.get_context("fork"),
                               initializer=_worker_setup, initargs=(os.getpid(), lifeline))
    try:
        for chunk in chunks:
            window.append((chunk, pool.submit(_process_chunk, _FORKED, chunk, fmt)))
            if len(window) >= 2 * n_jobs:
                done, future = window.popleft()
                yield done, future.result()
        while window:
            done, future = window.popleft()
            yield done, future.result()
        pool.shutdown(wait=True)
    except BaseException:  # an error, Ctrl-C, SIGTERM, or the consumer stopped (GeneratorExit)
        _stop_workers(pool, lifeline)
        raise
    else:
        _close_lifeline(lifeline)
    finally:
        _FORKED_MODEL = None
        gc.unfreeze()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _worker_setup(parent: int, lifeline: tuple[int, int]) -> None:
    """Run first in each forked worker: die with the parent, leave signals to the parent
    (which stops the pool itself), and keep freed memory.

    Without this, a SIGKILL or SIGHUP of the main process left the workers alive for good.
    On Linux the kernel kills us when the parent dies (PR_SET_PDEATHSIG); everywhere a
    thread also watches the lifeline pipe, whose write end only the parent holds.
    """
    import signal
    import threading

    read_end, write_end = lifeline
    os.close(write_end)  # our inherited copy would keep the pipe open after the parent died
    _set_parent_death_signal(signal.SIGKILL)
    threading.Thread(target=_exit_when_closed, args=(read_end,), daemon=True, name="kpk-lifeline").start()
    # Ctrl-C, a closed terminal or systemd's SIGTERM reach the whole process group. The parent
    # stops the pool; a worker dying on its own mid-result would leave the executor waiting
    # for the rest of that result forever. (The parent's handlers, inherited by the fork,
    # would raise KeyboardInterrupt here.) A dead parent still takes us with it, see above.
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(1)
    keep_freed_memory()


def _set_parent_death_signal(signum: int) -> bool:
    """Ask the Linux kernel to send ``signum`` when our parent exits; False elsewhere."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _exit_when_closed(read_end: int) -> None:
    """Block until the parent's end of the lifeline closes (it died), then exit at once."""
    try:
        while os.read(read_end, 1):
            pass
    except OSError:
        pass
    os._exit(1)


def _stop_workers(pool: Any, lifeline: tuple[int, int]) -> None:
    """Stop a pool without waiting: the chunks not yet handed to a worker are dropped, and the
    workers exit after the one or two they hold (a fraction of a second).

    Killing them instead, or closing the lifeline now (they would exit at once), would be
    quicker but unsafe: a worker that dies while sending its result leaves half a message in
    the result pipe, and the executor's thread waits for the rest forever, so the interpreter
    never exits. The lifeline is closed once the workers are gone.
    """
    import threading

    # The executor's own thread ends once every worker has exited. shutdown(wait=False)
    # forgets it (a later shutdown(wait=True) returns at once), hence the private attribute.
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)

    def close_when_done() -> None:
        if manager is not None:
            manager.join()
        _close_lifeline(lifeline)

    threading.Thread(target=close_when_done, daemon=True, name="kpk-pool-stop").start()


def _close_lifeline(lifeline: tuple[int, int]) -> None:
    for fd in lifeline:
        try:
            os.close(fd)
        except OSError:
            pass


def preprocess_file(
    input: str | os.PathLike,
    output: str | os.PathLike,
    *,
    text_columns: Sequence[str] | None = None,
    fmt: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    chunk_size: int = 2000,
) -> int:
    """Add a ``tokens`` column (the preprocessed terms, space-joined) to every row of a file.

    Streams and writes atomically like :func:`classify_file`. Returns the number of rows.
    """
    from kpkclassify.text import preprocess

    input, output = str(input), str(output)
    refuse_overwrite(input, output)
    check_output_name(output)
    rows = 0
    summary = BatchSummary(output=output)
    with TableReader(input, fmt=fmt, delimiter=delimiter, encoding=encoding) as reader:
        name = "kpk_tokens" if "tokens" in reader.columns else "tokens"
        with atomic_output(output, "utf-8-sig" if reader.encoding == "utf-8-sig" else "utf-8") as handle:
            writer = _RowWriter(handle, _Format(reader.kind, reader.delimiter or ",", len(reader.columns), [name], False))
            writer.header(reader.columns)
            for chunk in _chunks(reader, list(text_columns) if text_columns else None, chunk_size, None, summary):
                for row, text in zip(chunk.cells(reader.delimiter or ","), chunk.texts):
                    writer.write(row, [" ".join(preprocess(text))])
                rows += len(chunk)
    return rows


def preprocess_lines(lines: Iterator[str], output: str | os.PathLike, *, source: str = "-") -> int:
    """Write the terms of each line of ``lines`` (one text per line), space-joined, to ``output``.

    Atomic like :func:`classify_file`: an interrupted run leaves no partial ``output``.
    ``source`` names where the lines come from (``-``: standard input), so that an output
    that is the same file is refused. Returns the number of lines.
    """
    from kpkclassify.text import preprocess

    count = 0
    with atomic_output(str(output), "utf-8", inputs=[source]) as handle:
        for line in lines:
            handle.write(" ".join(preprocess(line.rstrip("\n"))) + "\n")
            count += 1
    return count
