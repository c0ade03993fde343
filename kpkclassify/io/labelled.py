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
from kpkclassify.labels import LABELS, OTHER, format_labels, label_set, parse_labels

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
    label_names : tuple of str
        The label set the rows were parsed with (ours, :data:`~kpkclassify.labels.LABELS`,
        by default).
    """

    texts: list[str] = field(default_factory=list)
    labels: list[tuple[str, ...]] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    label_names: tuple[str, ...] = LABELS

    def __len__(self) -> int:
        return len(self.texts)

    def extend(self, other: LabelledData) -> None:
        if len(self) and len(other) and tuple(other.label_names) != tuple(self.label_names):
            raise LabelError(f"cannot join data labelled with {', '.join(other.label_names)} to data labelled "
                             f"with {', '.join(self.label_names)}")
        if not len(self):
            self.label_names = tuple(other.label_names)
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
        return {key: counter.get(key, 0) for key in (*self.label_names, OTHER, "multi_label")}

    def sha256(self) -> str:
        """A digest of the texts and labels, in order: the training data's identity."""
        digest = hashlib.sha256()
        for text, labels in zip(self.texts, self.labels):
            digest.update(text.encode("utf-8", "surrogatepass"))
            digest.update(b"\x1f")
            digest.update(format_labels(labels).encode())
            digest.update(b"\x1e")
        return digest.hexdigest()


def _label_column(columns: list[str], wanted: str | None, path: str, labels: Sequence[str] = LABELS) -> int:
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
        f"Add a 'labels' column (e.g. {'|'.join(labels[:2])}, or other) or name it with --label-column"
    )


def read_labelled(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    encoding: str | None = None,
    validate: bool = True,
    labels: str | Sequence[str] | None = None,
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
    labels : str or sequence of str, optional
        The label set the cells may name (checked with :func:`~kpkclassify.labels.label_set`):
        ours by default; a model's ``labels_`` to evaluate it. A cell naming any other label
        (a misspelling) is a problem of its row.

    Raises
    ------
    DataError
        Listing every problem with its file and line.
    LabelError
        When ``labels`` is no valid label set.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    names = label_set(labels)
    data = LabelledData(label_names=names)
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
        label_index = _label_column(reader.columns, label_column, path, data.label_names)
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
        labels = parse_labels(raw_labels if isinstance(raw_labels, (str, list)) or raw_labels is None else str(raw_labels),
                              data.label_names)
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
    """Refuse data in which a label (of ``data.label_names``) has fewer than ``minimum``
    positive or negative rows."""
    counts = data.counts()
    names = data.label_names
    short = [f"{label} has {counts[label]}" for label in names if counts[label] < minimum]
    short += [f"{label} is missing from only {len(data) - counts[label]}" for label in names
              if counts[label] >= minimum and len(data) - counts[label] < minimum]
    if short:
        hint = "add rows, or train with --with-bundled to add our corpus" if set(names) == set(LABELS) else "add rows"
        raise DataError(
            [f"too few examples to learn: {'; '.join(short)} rows; each label needs at least {minimum} rows "
             f"with it and {minimum} without it ({hint})"]
        )


def read_label_guide(path: str | os.PathLike) -> dict[str, str]:
    """Read a label guide file: the label set to train with, and what each label means.

    Two forms, both UTF-8 text:

    * **Markdown**: every level-2 heading ``## name`` starts a label; the text under it, up
      to the next heading, is its description (a level-1 ``# title`` and text before the
      first ``##`` are ignored). The name is the heading's first word; a ``:`` or `` - ``
      after it may start a short description (``## nepotism: jobs for relatives``).
    * **one label per line** (``.txt``, ``.tsv``): ``name`` or ``name<TAB>description``;
      blank lines and lines starting with ``#`` are skipped.

    A file with any ``## `` heading is read as Markdown. The names are checked with
    :func:`~kpkclassify.labels.label_set` (lower-case ``snake_case``, unique, never
    ``other``); the order of the file is the order of the model's columns.

    Returns
    -------
    dict of str to str
        Label name -> description (``""`` when none), in the file's order.

    Raises
    ------
    InputError
        The file is missing or unreadable, or a name is invalid (with its line).
    """
    import re

    path = str(path)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: no such label guide file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the label guide: {exc}") from None
    markdown = any(line.startswith("## ") for line in lines)
    entries: list[tuple[int, str, list[str]]] = []  # line, name, description lines
    current: list[str] | None = None
    for number, line in enumerate(lines, 1):
        if markdown:
            if line.startswith("## "):
                title = re.match(r"([^\s:]*)\s*(?::|-\s)?\s*(.*)$", line[3:].strip())
                assert title is not None  # every group of the pattern may be empty: it matches any string
                current = [title.group(2)] if title.group(2) else []
                entries.append((number, title.group(1), current))
            elif line.startswith("# "):
                current = None  # a new level-1 section: no label's text
            elif current is not None and line.strip():
                current.append(line.strip())
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, description = line.partition("\t")
        entries.append((number, name.strip(), [description.strip()] if description.strip() else []))
    guide: dict[str, str] = {}
    for number, name, parts in entries:
        try:
            if not name:
                raise LabelError("a label heading needs a name")
            (checked,) = label_set([name])
        except LabelError as exc:
            raise InputError(f"{path}:{number}: {exc}") from None
        if checked in guide:
            raise InputError(f"{path}:{number}: label {checked!r} is named twice")
        guide[checked] = " ".join(part for part in parts if part).strip()
    if not guide:
        raise InputError(f"{path}: no labels in the label guide (write one '## name' heading or one name a line)")
    return guide


def column_cells(path: str, column: str) -> tuple[dict[int, object] | None, list[str]]:
    """One more column of a labelled file, read again beside its texts and labels (groups for
    ``train --group-column``, selection weights for ``adapt``).

    Returns ``(cells, columns)``: ``cells`` maps a row's line number to its value, for the rows
    that have one (a JSON Lines record holding the key, whatever its value; a table cell that is
    not blank), or is ``None`` when a table has no such column (matched as text columns are:
    exactly, else ignoring case and surrounding spaces); ``columns`` are the file's columns.
    """
    cells: dict[int, object] = {}
    with TableReader(path) as reader:
        if reader.kind == "jsonl":
            for number, record in reader.records():
                if column in record:
                    cells[number] = record[column]
            return cells, list(reader.columns)
        lowered = [c.strip().lower() for c in reader.columns]
        if column in reader.columns:
            index = reader.columns.index(column)
        elif column.strip().lower() in lowered:
            index = lowered.index(column.strip().lower())
        else:
            return None, list(reader.columns)
        for number, row in reader.rows():
            if index < len(row) and row[index].strip():
                cells[number] = row[index]
    return cells, list(reader.columns)


def bundled_corpus_path() -> Path:
    """Our training split, as shipped inside the package (or in a source checkout)."""
    shipped = Path(str(resources.files("kpkclassify").joinpath("datasets", "train.csv")))
    if shipped.is_file():
        return shipped
    repo = Path(__file__).resolve().parents[2] / "datasets" / "train.csv"
    if repo.is_file():
        return repo
    raise InputError("the bundled corpus is missing; reinstall kpkclassify")
