"""Opening tables: CSV/TSV with a sniffed delimiter and encoding, and JSON Lines."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kpkclassify.exceptions import InputError

csv.field_size_limit(sys.maxsize)  # long complaint letters must never crash the reader

DELIMITERS = ",;\t|"
#: Column names that usually hold the text, most likely first.
TEXT_COLUMN_GUESSES = ("text", "teks", "isi", "laporan", "pengaduan", "keluhan", "tweet", "content",
                       "komentar", "ulasan", "review", "message", "pesan", "full_text", "body")


def detect_encoding(sample: bytes, path: str, encoding: str | None) -> str:
    """``encoding`` if given; else UTF-8 (with or without BOM) when the sample decodes,
    else Windows-1252 with a warning."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"{path}: unknown encoding {encoding!r}; try utf-8, cp1252 or latin-1") from None
        return encoding
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut by the sample's end
            warnings.warn(
                f"{path}: not valid UTF-8, reading it as Windows-1252 (pass --encoding to choose)",
                stacklevel=2,
            )
            return "cp1252"
    return "utf-8"


def sniff_delimiter(sample: str) -> str:
    """The delimiter among ``, ; TAB |`` that splits the first lines most consistently."""
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def guess_format(path: str, fmt: str | None) -> str:
    if fmt:
        if fmt not in ("csv", "tsv", "jsonl", "xlsx"):
            raise InputError(f"unknown format {fmt!r}; use csv, tsv, jsonl or xlsx")
        return fmt
    suffix = Path(path).suffix.lower()
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".tsv": "tsv", ".xlsx": "xlsx"}.get(suffix, "csv")


def check_output_name(output: str) -> None:
    """Refuse an output we would not write in the format its name promises."""
    if Path(output).suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        raise InputError(f"{output}: kpkclassify writes CSV, not Excel; name the output .csv "
                         "(Excel opens it; the file is UTF-8 with a byte-order mark when the input is .xlsx)")


def _cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):  # Excel keeps dates as datetimes at midnight
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def open_binary(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None


class TableReader:
    """Reads a table's header and then its rows, with 1-based line numbers, streaming.

    Parameters
    ----------
    path : str
        A file path or ``"-"`` for standard input.
    fmt : {"csv", "tsv", "jsonl"}, optional
        Guessed from the file name when not given.
    delimiter, encoding : str, optional
        Sniffed when not given.
    """

    def __init__(self, path: str, *, fmt: str | None = None, delimiter: str | None = None,
                 encoding: str | None = None) -> None:
        self.path = path
        self.kind = guess_format(path, fmt)
        if self.kind == "xlsx":
            self._open_xlsx(path)
            return
        raw = open_binary(path)
        self._raw = raw
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
        sample = buffered.peek(65536)[:65536]
        self.encoding = detect_encoding(sample, path, encoding)
        self._text = io.TextIOWrapper(buffered, encoding=self.encoding, errors="strict", newline="")
        if self.kind == "jsonl":
            self.delimiter = ""
            self.columns = []
            return
        if delimiter:
            self.delimiter = "\t" if delimiter in ("\\t", "tab", "TAB") else delimiter
        elif self.kind == "tsv":
            self.delimiter = "\t"
        else:
            self.delimiter = sniff_delimiter(sample.decode(self.encoding.replace("-sig", ""), errors="ignore"))
        self._tap = _LineTap(self._text)
        self._reader = csv.reader(self._tap, delimiter=self.delimiter)
        try:
            header = next(self._reader)
        except StopIteration:
            raise InputError(f"{path}: the file is empty; it needs a header row") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"{path}: line 1: cannot read the header ({exc})") from None
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        self.columns = header
        self._tap.taken.clear()

    def _open_xlsx(self, path: str) -> None:
        """The first sheet of an Excel workbook, read row by row (openpyxl's read-only mode)."""
        try:
            import openpyxl
        except ImportError:
            raise InputError(f"{path}: reading .xlsx needs openpyxl: pip install 'kpkclassify[xlsx]', "
                             "or save the sheet as CSV") from None
        if path == "-":
            raise InputError("an .xlsx file cannot come from standard input; give its path")
        open_binary(path).close()  # the same one-line errors for a missing or unreadable file
        try:
            self._workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
            raise InputError(f"{path}: not a readable .xlsx workbook ({exc})") from None
        self.encoding, self.delimiter = "utf-8-sig", ","  # what the CSV output will use
        self._sheet_rows = self._workbook.worksheets[0].iter_rows(values_only=True)
        header = next(self._sheet_rows, None)
        if header is None:
            raise InputError(f"{path}: the first sheet is empty; it needs a header row")
        self.columns = [_cell_text(v) for v in header]
        while self.columns and not self.columns[-1]:  # Excel's trailing empty header cells
            self.columns.pop()

    @property
    def keeps_records(self) -> bool:
        """Whether :meth:`rows_with_text` can give each row as written (CSV and TSV)."""
        return self.kind in ("csv", "tsv")

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield ``(line_number, cells)``; line numbers count physical lines (sheet rows for .xlsx)."""
        if self.kind == "jsonl":
            raise TypeError("JSON Lines input has records, not rows: use records()")
        if self.kind == "xlsx":
            width = len(self.columns)
            for number, values in enumerate(self._sheet_rows, start=2):
                cells = [_cell_text(v) for v in values]
                while len(cells) > width and not cells[-1]:  # empty cells past the header's width
                    cells.pop()
                yield number, cells
            return
        self._tap.keep = False
        yield from self._rows()

    def rows_with_text(self) -> Iterator[tuple[int, list[str], str]]:
        """Yield ``(line_number, cells, record)``, ``record`` being the row exactly as written in
        the file (quotes and all, several lines for a quoted line break), without its line end."""
        if not self.keeps_records:
            raise TypeError(f"{self.kind} input has no rows as written; use rows() or records()")
        reader, taken = self._reader, self._tap.taken
        try:
            for cells in reader:
                # A line end can only close a record: one inside a field is quoted, so the
                # record ends with the closing quote and then the line end.
                record = (taken[0] if len(taken) == 1 else "".join(taken)).rstrip("\r\n")
                taken.clear()
                yield reader.line_num, cells, record
        except (UnicodeDecodeError, csv.Error) as exc:
            raise self._read_error(exc) from None

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        reader = self._reader
        try:
            for cells in reader:
                yield reader.line_num, cells
        except (UnicodeDecodeError, csv.Error) as exc:
            raise self._read_error(exc) from None

    def _read_error(self, exc: Exception) -> InputError:
        line = self._reader.line_num
        if isinstance(exc, UnicodeDecodeError):
            return InputError(f"{self.path}: near line {line + 1}: not valid {self.encoding} ({exc.reason}); "
                              "pass --encoding cp1252 (or the file's real encoding)")
        return InputError(f"{self.path}: line {line}: {exc}")

    def records(self) -> Iterator[tuple[int, dict]]:
        """Yield ``(line_number, record)`` for JSON Lines input."""
        for number, line in enumerate(self._text, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{self.path}: line {number}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise InputError(f"{self.path}: line {number}: each line must be a JSON object")
            yield number, record

    def close(self) -> None:
        if self.kind == "xlsx":
            self._workbook.close()
        elif self._raw is not sys.stdin.buffer:
            self._text.close()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _LineTap:
    """The lines of a text stream, remembering those handed out since the last ``clear``
    (the csv reader pulls one line per record, more for a quoted line break)."""

    def __init__(self, lines: IO[str]) -> None:
        self._next = lines.__next__
        self.taken: list[str] = []
        self.keep = True

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = self._next()
        if self.keep:
            self.taken.append(line)
        return line


def resolve_text_columns(columns: list[str], wanted: list[str] | None, path: str) -> list[int]:
    """Indices of the text columns; a clear error listing the columns when one is missing."""
    lowered = {c.strip().lower(): i for i, c in enumerate(columns)}
    if not wanted:
        for guess in TEXT_COLUMN_GUESSES:
            if guess in lowered:
                return [lowered[guess]]
        raise InputError(
            f"{path}: no text column found; columns are: {', '.join(columns) or '(none)'}. "
            "Name the text column with --text-column NAME"
        )
    indices = []
    for name in wanted:
        if name in columns:
            indices.append(columns.index(name))
        elif name.strip().lower() in lowered:
            indices.append(lowered[name.strip().lower()])
        else:
            likely = next((c for c in columns if c.strip().lower() in TEXT_COLUMN_GUESSES), None)
            hint = f"; the likeliest is {likely!r}" if likely else ""
            raise InputError(
                f"{path}: no column {name!r}; columns are: {', '.join(columns) or '(none)'}{hint}. "
                "Pass the right one with --text-column"
            )
    return indices


def same_file(a: str, b: str) -> bool:
    if a == "-" or b == "-":
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def refuse_overwrite(input: str, output: str) -> None:
    """Raise :class:`InputError` when ``output`` would overwrite ``input``."""
    if input != "-" and (input == output or same_file(input, output)):
        raise InputError(f"{output}: the output may not overwrite the input; choose another -o path")


def file_mode() -> int:
    """The mode a new file gets under the current umask (mkstemp makes files private)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class atomic_output:
    """A text handle on a temporary file renamed to ``path`` on success, removed on failure."""

    def __init__(self, path: str, encoding: str) -> None:
        self.path, self.encoding = path, encoding

    def __enter__(self) -> IO[str]:
        if self.path == "-":
            self.handle = sys.stdout
            return self.handle
        target = Path(self.path)
        if target.is_dir():
            raise InputError(f"{self.path}: is a directory; give a file name with -o")
        if not target.parent.exists():
            raise InputError(f"{self.path}: the folder {target.parent} does not exist")
        fd, self.tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        os.chmod(self.tmp, file_mode())
        self.handle = os.fdopen(fd, "w", encoding=self.encoding, newline="")
        return self.handle

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.path == "-":
            self.handle.flush()
            return
        try:
            self.handle.close()
        finally:
            if exc_type is None:
                os.replace(self.tmp, self.path)
            else:
                Path(self.tmp).unlink(missing_ok=True)
