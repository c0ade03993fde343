"""Reading and validating labelled data for training and evaluation."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from kpkclassify._missing import is_missing
from kpkclassify.exceptions import DataError, InputError, LabelError
from kpkclassify.io.tables import TableReader, resolve_text_columns
from kpkclassify.labels import LABELS, OTHER, format_labels, parse_labels

#: A label needs at least this many positive rows to be learned.
MIN_EXAMPLES_PER_LABEL = 10
LABEL_COLUMNS = ("labels", "label", "kategori", "category")


@dataclass
class LabelledData:
    """Texts with their labels and where each row came from.

    Attributes
    ----------
    texts : list of str
    labels : list of tuple of str
        ``()`` stands for ``other``.
    origins : list of str
        ``"file:line"`` of each row.
    """

    texts: list[str] = field(default_factory=list)
    labels: list[tuple[str, ...]] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def extend(self, other: LabelledData) -> None:
        self.texts += other.texts
        self.labels += other.labels
        self.origins += other.origins

    def label_strings(self) -> list[str]:
        return [format_labels(labels) for labels in self.labels]

    def counts(self) -> dict[str, int]:
        """Rows per label (``other`` for rows with none), and rows with two or more labels."""
        counter: Counter[str] = Counter()
        for labels in self.labels:
            counter.update(labels or (OTHER,))
            if len(labels) > 1:
                counter["multi_label"] += 1
        return {key: counter.get(key, 0) for key in (*LABELS, OTHER, "multi_label")}

    def sha256(self) -> str:
        """A digest of the texts and labels, in order: the training data's identity."""
        digest = hashlib.sha256()
        for text, labels in zip(self.texts, self.labels):
            digest.update(text.encode("utf-8", "surrogatepass"))
            digest.update(b"\x1f")
            digest.update(format_labels(labels).encode())
            digest.update(b"\x1e")
        return digest.hexdigest()


def _label_column(columns: list[str], wanted: str | None, path: str) -> int:
    lowered = [c.strip().lower() for c in columns]
    if wanted:
        if wanted.strip().lower() in lowered:
            return lowered.index(wanted.strip().lower())
        raise InputError(f"{path}: no label column {wanted!r}; columns are: {', '.join(columns)}")
    for name in LABEL_COLUMNS:
        if name in lowered:
            return lowered.index(name)
    raise InputError(
        f"{path}: no label column; columns are: {', '.join(columns)}. "
        "Add a 'labels' column (e.g. illegal_fee|slow_service, or other) or name it with --label-column"
    )


def read_labelled(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    encoding: str | None = None,
    validate: bool = True,
) -> LabelledData:
    """Read labelled CSV/TSV/JSONL files and check every row.

    Parameters
    ----------
    paths : path or list of paths
    text_column : str, optional
        Guessed (``text``, ``isi``, ``laporan`` ...) when not given.
    label_column : str, optional
        ``labels`` or ``label`` when not given. Cells hold one label, labels joined with
        ``|`` or ``,``, or ``other``/empty.
    validate : bool, default=True
        Also refuse the same text given with conflicting labels. Rows that cannot be used
        (unknown labels, empty texts) are refused whatever ``validate`` says: dropping them
        would make an evaluation score fewer rows than the file holds, without a word.
        Blank lines are skipped.

    Raises
    ------
    DataError
        Listing every problem with its file and line.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    data = LabelledData()
    problems: list[str] = []
    for path in map(str, paths):
        _read_one(path, text_column, label_column, encoding, data, problems)
    if validate:
        problems += _conflicts(data)
    if problems:
        raise DataError(problems)
    return data


def _read_one(path: str, text_column: str | None, label_column: str | None, encoding: str | None,
              data: LabelledData, problems: list[str]) -> None:
    with TableReader(path, encoding=encoding) as reader:
        if reader.kind == "jsonl":
            for number, record in reader.records():
                text = record.get(text_column or "text")
                raw_labels = next((record[c] for c in ([label_column] if label_column else LABEL_COLUMNS) if c in record), None)
                _add(path, number, text, raw_labels, data, problems)
            return
        text_index = resolve_text_columns(reader.columns, [text_column] if text_column else None, path)[0]
        label_index = _label_column(reader.columns, label_column, path)
        for number, cells in reader.rows():
            if not any(c.strip() for c in cells):
                continue  # blank line
            text = cells[text_index] if text_index < len(cells) else None
            raw = cells[label_index] if label_index < len(cells) else None
            _add(path, number, text, raw, data, problems)


def _add(path: str, number: int, text: object, raw_labels: object, data: LabelledData, problems: list[str]) -> None:
    where = f"{path}:{number}"
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: empty text")
        return
    if is_missing(raw_labels):  # JSON null or NaN: an empty label cell, i.e. other
        raw_labels = None
    try:
        labels = parse_labels(raw_labels if isinstance(raw_labels, (str, list)) or raw_labels is None else str(raw_labels))
    except LabelError as exc:
        problems.append(f"{where}: {exc}")
        return
    data.texts.append(text)
    data.labels.append(labels)
    data.origins.append(where)


def _conflicts(data: LabelledData) -> list[str]:
    seen: dict[str, int] = {}
    problems = []
    for i, text in enumerate(data.texts):
        key = " ".join(text.lower().split())
        if key in seen:
            j = seen[key]
            if data.labels[i] != data.labels[j]:
                problems.append(
                    f"{data.origins[i]}: same text as {data.origins[j]} with different labels "
                    f"({format_labels(data.labels[i])} vs {format_labels(data.labels[j])})"
                )
        else:
            seen[key] = i
    return problems


def check_trainable(data: LabelledData, minimum: int = MIN_EXAMPLES_PER_LABEL) -> None:
    """Refuse data in which a label has fewer than ``minimum`` positive or negative rows."""
    counts = data.counts()
    short = [f"{label} has {counts[label]}" for label in LABELS if counts[label] < minimum]
    short += [f"{label} is missing from only {len(data) - counts[label]}" for label in LABELS
              if counts[label] >= minimum and len(data) - counts[label] < minimum]
    if short:
        raise DataError(
            [f"too few examples to learn: {'; '.join(short)} rows; each label needs at least {minimum} rows "
             f"with it and {minimum} without it (add rows, or train with --with-bundled to add our corpus)"]
        )


def bundled_corpus_path() -> Path:
    """Our training split, as shipped inside the package (or in a source checkout)."""
    shipped = Path(str(resources.files("kpkclassify").joinpath("datasets", "train.csv")))
    if shipped.is_file():
        return shipped
    repo = Path(__file__).resolve().parents[2] / "datasets" / "train.csv"
    if repo.is_file():
        return repo
    raise InputError("the bundled corpus is missing; reinstall kpkclassify")
