"""Opening tables: CSV/TSV with a sniffed delimiter and encoding, and JSON Lines."""

from __future__ import annotations

import codecs
import csv
import datetime
import fnmatch
import glob
import io
import json
import os
import re
import stat
import sys
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kpkclassify._missing import is_missing
from kpkclassify.exceptions import InputError, OutputError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

csv.field_size_limit(sys.maxsize)  # long complaint letters must never crash the reader

DELIMITERS = ",;\t|"
#: Column names that usually hold the text, most likely first.
TEXT_COLUMN_GUESSES = ("text", "teks", "isi", "laporan", "pengaduan", "keluhan", "tweet", "content",
                       "komentar", "ulasan", "review", "message", "pesan", "full_text", "body")


#: A cell may hold at most this many characters (every format): a bigger one is an error
#: naming its row and column, not a process grown to gigabytes.
MAX_CELL_CHARS = 1 << 20
#: An .xlsx whose members declare more than this in total, uncompressed, is refused unread.
XLSX_MAX_UNCOMPRESSED = 1 << 30
#: ... and so is one whose member over XLSX_RATIO_MIN_BYTES expands more than this many times
#: (real sheets compress 5 to 30 times; a zip bomb thousands of times).
XLSX_MAX_RATIO = 100
XLSX_RATIO_MIN_BYTES = 10 << 20
#: A quoted cell with more line breaks than this is most likely an unclosed quote: warned about.
WARN_LINE_BREAKS_IN_CELL = 100
_SCAN_BLOCK = 1 << 20
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def detect_encoding(sample: bytes, path: str, encoding: str | None, stream: IO[bytes] | None = None) -> str:
    """The encoding to read a file with: ``encoding`` if given; UTF-8 or UTF-16 by their
    byte-order mark; else decided on evidence that covers the whole file, never on a sample.

    A sample (the file's first bytes) that is valid UTF-8 gives strict UTF-8, at no cost: an
    invalid byte found later stops the run with :func:`utf8_error`. A sample that is not
    sends the whole of ``stream`` (seekable, at the file's start; left there) through one
    scan: with no valid UTF-8 multibyte sequence anywhere and only bytes Windows-1252
    defines, the file is Windows-1252 (with a warning); else it is UTF-8 with a stray byte,
    an :class:`InputError` naming its line and byte offset (one byte must not turn every
    accented letter of the file into mojibake). A pipe cannot be scanned: its first invalid
    byte is that error.
    """
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"{path}: unknown encoding {encoding!r}; try utf-8, cp1252 or latin-1") from None
        return encoding
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith(_UTF16_BOMS) and not sample.startswith(codecs.BOM_UTF32_LE):
        return "utf-16"  # Excel's "Unicode Text"; the codec reads the BOM's byte order
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"  # only a character cut by the sample's end
    if stream is None or not _seekable(stream):
        raise _bad_utf8(_scan_utf8(io.BytesIO(sample)), path, whole_file=False)
    return _decide(_scan_from_start(stream), path)


def _scan_from_start(stream: IO[bytes]) -> _Utf8Evidence:
    start = stream.tell()
    try:
        stream.seek(0)
        return _scan_utf8(stream)
    finally:
        stream.seek(start)


def utf8_error(stream: IO[bytes], path: str) -> InputError | None:
    """The error for a file read as UTF-8 that turned out not to be, naming the first bad
    byte's line and offset (``None`` when ``stream`` cannot be scanned again)."""
    if not _seekable(stream):
        return None
    try:
        seen = _scan_from_start(stream)
    except (OSError, ValueError):
        return None
    return _bad_utf8(seen, path) if seen.bad_offset is not None else None


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return stream.seekable()
    except (OSError, ValueError):
        return False


@dataclass
class _Utf8Evidence:
    """What one pass over a file's bytes showed about UTF-8."""

    bad_offset: int | None = None  # of the first byte that is not valid UTF-8
    bad_line: int = 0
    bad_byte: int = 0
    multibyte: bool = False  # a valid UTF-8 sequence of two or more bytes was seen
    cp1252: bool = True  # every byte is one Windows-1252 defines


_NON_ASCII_VALID = re.compile("[\u0080-\udc7f\udd00-\U0010ffff]")


def _scan_utf8(stream: IO[bytes]) -> _Utf8Evidence:
    """Decode the whole stream once (surrogateescape keeps invalid bytes as U+DC80..U+DCFF),
    stopping as soon as the evidence is conclusive (a valid multibyte sequence and an
    invalid byte both seen)."""
    seen = _Utf8Evidence()
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    fed, lines = 0, 1
    while True:
        block = stream.read(_SCAN_BLOCK)
        pending = len(decoder.getstate()[0])  # bytes of a sequence cut by the previous block
        text = decoder.decode(block, final=not block)
        if not text.isascii():  # O(1) for a str: an all-ASCII block costs nothing more
            _look_at(seen, text, block, fed - pending, lines)
        if seen.bad_offset is None:
            lines += text.count("\n")
        if not block or (seen.multibyte and seen.bad_offset is not None):
            return seen
        fed += len(block)


def _look_at(seen: _Utf8Evidence, text: str, block: bytes, offset: int, lines: int) -> None:
    """Update ``seen`` with one decoded block that starts at byte ``offset``, line ``lines``."""
    try:
        text.encode("utf-8")  # fails exactly on the escaped invalid bytes, fast
        seen.multibyte = True
        return
    except UnicodeEncodeError as exc:
        first = exc.start
    seen.multibyte = seen.multibyte or bool(_NON_ASCII_VALID.search(text))
    if not seen.multibyte and seen.cp1252:
        seen.cp1252 = not any(bytes([b]) in block for b in _CP1252_UNDEFINED)
    if seen.bad_offset is None:
        before = text[:first]
        seen.bad_offset = offset + len(before.encode("utf-8", "surrogateescape"))
        seen.bad_line = lines + before.count("\n")
        seen.bad_byte = ord(text[first]) - 0xDC00


def _decide(seen: _Utf8Evidence, path: str) -> str:
    if seen.bad_offset is None:
        return "utf-8"
    if _looks_cp1252(seen):
        warnings.warn(f"{path}: no line of the file is UTF-8, reading it as Windows-1252 "
                      "(pass --encoding to choose)", stacklevel=4)
        return "cp1252"
    raise _bad_utf8(seen, path)


def _looks_cp1252(seen: _Utf8Evidence) -> bool:
    return not seen.multibyte and seen.cp1252


def _bad_utf8(seen: _Utf8Evidence, path: str, whole_file: bool = True) -> InputError:
    where = (f"{path}: line {seen.bad_line}: the byte at offset {seen.bad_offset} (0x{seen.bad_byte:02x}) "
             "is not valid UTF-8")
    if not whole_file:
        return InputError(f"{where} (a pipe cannot be checked as a whole); pass --encoding with its real "
                          "encoding (e.g. --encoding cp1252)")
    if _looks_cp1252(seen):
        return InputError(f"{where}, nor is any other accented letter of the file: it looks like "
                          "Windows-1252; pass --encoding cp1252")
    return InputError(f"{where}, while the rest of the file is; fix that byte, or pass --encoding with "
                      "the file's real encoding (e.g. --encoding cp1252)")


def sniff_delimiter(sample: str) -> str:
    """The delimiter among ``, ; TAB |`` that splits the first lines most consistently."""
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in DELIMITERS}
        best = max(counts, key=counts.__getitem__)
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
    if is_missing(value):
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
        return open(path, "rb", buffering=1 << 16)  # so that the 64 KB sample can be peeked at
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
    fmt : {"csv", "tsv", "jsonl", "xlsx"}, optional
        Guessed from the file name when not given.
    delimiter, encoding : str, optional
        Sniffed when not given (see :func:`detect_encoding`).

    Reading is bounded: a cell over MAX_CELL_CHARS is an :class:`InputError` naming its line
    and column, an .xlsx is checked by :func:`check_workbook_size` before it is opened, and a
    JSON line nested too deeply to parse is an error naming the line.
    """

    def __init__(self, path: str, *, fmt: str | None = None, delimiter: str | None = None,
                 encoding: str | None = None) -> None:
        self.path = path
        self.kind = guess_format(path, fmt)
        self._warned: set[str] = set()
        if self.kind == "xlsx":
            self._open_xlsx(path)
            return
        raw = open_binary(path)
        self._raw = raw
        if isinstance(raw, io.BufferedReader):
            buffered = raw
        elif isinstance(raw, (io.RawIOBase, io.BufferedIOBase)):  # a replaced stdin, e.g. a BytesIO
            buffered = io.BufferedReader(raw)
        else:
            raise InputError(f"{path}: not a readable byte stream")
        sample = buffered.peek(65536)[:65536]
        try:
            self.encoding = detect_encoding(sample, path, encoding, buffered)
            self._text = io.TextIOWrapper(buffered, encoding=self.encoding, errors="strict", newline="")
            if self.kind == "jsonl":
                self._open_jsonl()
            else:
                self._open_csv(sample, delimiter)
        except BaseException:  # nobody will call close() on a reader that failed to open
            self._close_raw()
            raise

    def _open_csv(self, sample: bytes, delimiter: str | None) -> None:
        path = self.path
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
        except UnicodeDecodeError as exc:
            raise self._decode_error(1, exc) from None
        except csv.Error as exc:
            raise InputError(f"{path}: line 1: cannot read the header ({exc})") from None
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        self.columns = header
        self._check_cells(1, header)
        self._tap.taken.clear()

    def _close_raw(self) -> None:
        if self._raw is not sys.stdin.buffer:
            self._raw.close()

    def _open_jsonl(self) -> None:
        """JSON Lines have no header: the first record's keys stand for one (``columns``), so
        that our output keys are chosen by the same rule as a CSV file's output columns."""
        self.delimiter = ""
        self._records = self._parse_records()
        first = next(self._records, None)
        self._first = first
        self.columns = [str(key) for key in first[1]] if first else []

    def _open_xlsx(self, path: str) -> None:
        """The first sheet of an Excel workbook, read row by row (openpyxl's read-only mode),
        after :func:`check_workbook_size` found nothing that would expand without bound."""
        try:
            import openpyxl
        except ImportError:
            raise InputError(f"{path}: reading .xlsx needs openpyxl: pip install 'kpkclassify[xlsx]', "
                             "or save the sheet as CSV") from None
        if path == "-":
            raise InputError("an .xlsx file cannot come from standard input; give its path")
        open_binary(path).close()  # the same one-line errors for a missing or unreadable file
        check_workbook_size(path)
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
        self._check_cells(1, self.columns)
        while self.columns and not self.columns[-1]:  # Excel's trailing empty header cells
            self.columns.pop()

    @property
    def keeps_records(self) -> bool:
        """Whether :meth:`rows_with_text` can give each row as written (CSV and TSV)."""
        return self.kind in ("csv", "tsv")

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield ``(line_number, cells)``; line numbers count physical lines (sheet rows for .xlsx),
        the last line of a row that spans several. A blank line is a row of no cells."""
        if self.kind == "jsonl":
            raise TypeError("JSON Lines input has records, not rows: use records()")
        if self.kind == "xlsx":
            yield from self._xlsx_rows()
            return
        for number, cells, _ in self._csv_rows():
            yield number, cells

    def _xlsx_rows(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.columns)
        for number, values in enumerate(self._sheet_rows, start=2):
            cells = [_cell_text(v) for v in values]
            while len(cells) > width and not cells[-1]:  # empty cells past the header's width
                cells.pop()
            self._check_cells(number, cells)
            yield number, cells

    def rows_with_text(self) -> Iterator[tuple[int, list[str], str]]:
        """Yield ``(line_number, cells, record)``, ``record`` being the row exactly as written in
        the file (quotes and all, several lines for a quoted line break), without its line end."""
        if not self.keeps_records:
            raise TypeError(f"{self.kind} input has no rows as written; use rows() or records()")
        return self._csv_rows()

    def _csv_rows(self) -> Iterator[tuple[int, list[str], str]]:
        """The CSV rows with their records; warns (once per file) about a quoted cell that
        looks like an unclosed quote: one spanning over WARN_LINE_BREAKS_IN_CELL lines, or one
        the file ends inside."""
        reader, taken = self._reader, self._tap.taken
        last, start = "", 0
        try:
            for cells in reader:
                # A line end can only close a record: one inside a field is quoted, so the
                # record ends with the closing quote and then the line end.
                last = taken[0] if len(taken) == 1 else "".join(taken)
                start = reader.line_num - len(taken) + 1
                if len(last) > MAX_CELL_CHARS:
                    self._check_cells(start, cells)
                if len(taken) > WARN_LINE_BREAKS_IN_CELL:
                    self._warn_long_cell(start, cells)
                taken.clear()
                yield reader.line_num, cells, last.rstrip("\r\n")
        except (UnicodeDecodeError, csv.Error) as exc:
            raise self._read_error(exc) from None
        if '"' in last and _ends_inside_quote(last, self.delimiter):
            self._warn_once("eof", f"{self.path}: line {start}: the file "
                            "ends inside the quoted cell that opens on this line, so every line after it is "
                            "in that cell; close the quote if that is wrong")

    def _warn_long_cell(self, start: int, cells: list[str]) -> None:
        breaks = max((c.count("\n") + c.count("\r") - c.count("\r\n") for c in cells), default=0)
        if breaks > WARN_LINE_BREAKS_IN_CELL:
            self._warn_once("long", f"{self.path}: line {start}: a quoted cell opens here and spans {breaks + 1} "
                            "lines; if a quote was left unclosed, the rows after it are inside that cell")

    def _warn_once(self, kind: str, message: str) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            warnings.warn(message, stacklevel=4)

    def _check_cells(self, line: int, cells: list) -> None:
        """Refuse a cell over MAX_CELL_CHARS, naming its line and column."""
        for j, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise self._too_big(line, j, len(cell))

    def _too_big(self, line: int, column: int | str, size: int) -> InputError:
        if isinstance(column, int):
            name = self.columns[column] if column < len(getattr(self, "columns", ())) else ""
            where = f"column {column + 1}" + (f" ({name!r})" if name else "")
        else:
            where = f"key {column!r}"
        return InputError(f"{self.path}: line {line}, {where}: a cell of {size:,} characters, over the limit "
                          f"of {MAX_CELL_CHARS:,} per cell; shorten or split that cell (an unclosed quote "
                          "can also make one cell of many rows)")

    def _read_error(self, exc: Exception) -> InputError:
        line = self._reader.line_num
        if isinstance(exc, UnicodeDecodeError):
            return self._decode_error(line + 1, exc)
        return InputError(f"{self.path}: line {line}: {exc}")

    def _decode_error(self, line: int, exc: UnicodeDecodeError) -> InputError:
        """The exact line and byte when the file can be scanned again (the text layer decodes
        ahead, so the line being parsed is only near the bad byte)."""
        exact = utf8_error(self._raw, self.path) if self.encoding in ("utf-8", "utf-8-sig") else None
        return exact or InputError(f"{self.path}: near line {line}: not valid {self.encoding} ({exc.reason}); "
                                   "pass --encoding with the file's real encoding (e.g. --encoding cp1252)")

    def records(self) -> Iterator[tuple[int, dict]]:
        """Yield ``(line_number, record)`` for JSON Lines input (blank lines are skipped)."""
        if self._first is not None:
            first, self._first = self._first, None
            yield first
        yield from self._records

    def _parse_records(self) -> Iterator[tuple[int, dict]]:
        number = 0
        try:
            for number, line in enumerate(self._text, start=1):
                if not line.strip():
                    continue
                yield number, self._parse_record(number, line)
        except UnicodeDecodeError as exc:
            raise self._decode_error(number + 1, exc) from None

    def _parse_record(self, number: int, line: str) -> dict:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{self.path}: line {number}: not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise InputError(f"{self.path}: line {number}: JSON nested too deeply to read; "
                             "flatten that record or remove the line") from None
        if not isinstance(record, dict):
            raise InputError(f"{self.path}: line {number}: each line must be a JSON object")
        if len(line) > MAX_CELL_CHARS:
            for key, value in record.items():
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    raise self._too_big(number, key, len(value))
        return record

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

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = self._next()
        self.taken.append(line)
        return line


def _ends_inside_quote(record: str, delimiter: str) -> bool:
    """Whether ``record`` (the file's last, with its line ends) leaves a quoted cell open:
    the csv module closes such a cell at the end of the file without a word."""
    try:
        for _ in csv.reader(io.StringIO(record, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def check_workbook_size(path: str) -> None:
    """Refuse an .xlsx (a zip) that would expand without bound before openpyxl reads it: its
    members may declare XLSX_MAX_UNCOMPRESSED bytes in all, and one over XLSX_RATIO_MIN_BYTES
    may expand at most XLSX_MAX_RATIO times. (zipfile never returns more than a member
    declares, so the declared sizes bound what is read.)"""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    total = sum(m.file_size for m in members)
    if total > XLSX_MAX_UNCOMPRESSED:
        raise InputError(f"{path}: the workbook expands to {total:,} bytes, over the limit of "
                         f"{XLSX_MAX_UNCOMPRESSED:,}; save the sheet as CSV and classify that")
    for m in members:
        if m.file_size > XLSX_RATIO_MIN_BYTES and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1):
            raise InputError(f"{path}: {m.filename} expands {m.file_size // max(m.compress_size, 1):,} times "
                             f"(to {m.file_size:,} bytes), over the limit of {XLSX_MAX_RATIO} times for a "
                             "workbook; this looks like a zip bomb. Save the sheet as CSV if it is genuine")


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


# -- the output side: every file a command writes goes through check_outputs and atomic_output --
def output_error(exc: OSError, path: str) -> OSError:
    """``exc`` as an :class:`OutputError` naming ``path`` (a broken pipe stays itself: the
    command line treats a closed reader, ``| head``, as success)."""
    if isinstance(exc, (BrokenPipeError, OutputError)):
        return exc
    return OutputError(exc.errno, exc.strerror or str(exc), "standard output" if path == "-" else path)


@dataclass(frozen=True)
class OutputTarget:
    """A file a command is about to write.

    ``option`` names it in the error's hint (``-o``, ``--report``). ``pattern``: a Dask output
    such as ``out/part-*.csv``, one file per partition; it clashes with every input it matches.
    """

    path: str
    option: str = "-o"
    pattern: bool = False


def check_outputs(inputs: Iterable[object], outputs: Iterable[str | os.PathLike | OutputTarget]) -> None:
    """Raise :class:`InputError` when an output is one of the inputs, before anything is read.

    Caught: the same path, a symlink or hard link to it, standard input redirected from it
    (``- < FILE``), standard output sent to it (``-o - >> FILE``), and a Dask output pattern
    matching an input. Inputs that are not paths (a fitted model object) are skipped.
    """
    sources = [str(p) for p in inputs if isinstance(p, (str, os.PathLike))]
    for out in outputs:
        target = out if isinstance(out, OutputTarget) else OutputTarget(str(out))
        for source in sources:
            if _clashes(source, target):
                shown = "standard input" if source == "-" else source
                written = "standard output" if target.path == "-" else target.path
                raise InputError(f"{written}: the output may not overwrite the input {shown}; "
                                 f"choose another {target.option} path")


def _clashes(source: str, target: OutputTarget) -> bool:
    if target.pattern:
        # Either an input is one of the files the pattern writes, or the files it writes
        # (``*`` becomes a partition number) would be read as inputs: ``dk/*.csv -o dk/part-*.csv``.
        pattern = os.path.abspath(target.path)
        written = [pattern.replace("*", n) for n in ("0", "00", "000")]
        return (any(_glob_match(os.path.abspath(f), pattern) for f in glob.glob(source) or [source])
                or any(_glob_match(w, os.path.abspath(source)) for w in written))
    a, b = _stat(source, 0), _stat(target.path, 1)
    if a is None or b is None:  # nothing there yet: only the same name can clash
        return "-" not in (source, target.path) and os.path.realpath(source) == os.path.realpath(target.path)
    # Devices and pipes may be both read and written (/dev/stdin and /dev/stdout on a terminal).
    return stat.S_ISREG(a.st_mode) and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _glob_match(path: str, pattern: str) -> bool:
    """Whether ``path`` matches ``pattern`` as a glob does (``*`` stays within one folder)."""
    names, parts = path.split(os.sep), pattern.split(os.sep)
    return len(names) == len(parts) and all(fnmatch.fnmatchcase(n, p) for n, p in zip(names, parts))


def _stat(path: str, std_fd: int) -> os.stat_result | None:
    try:
        return os.fstat(std_fd) if path == "-" else os.stat(path)
    except (OSError, ValueError):
        return None


def same_file(a: str, b: str) -> bool:
    """Whether two paths name the same existing regular file (``-`` is standard input/output)."""
    return _clashes(a, OutputTarget(b))


def refuse_overwrite(input: str, output: str, *others: object) -> None:
    """Raise :class:`InputError` when ``output`` would overwrite ``input`` or another input
    (a model file given as a path)."""
    check_outputs([input, *others], [output])


def file_mode() -> int:
    """The mode a new file gets under the current umask (mkstemp makes files private)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class _OutputFile(io.RawIOBase):
    """A file descriptor we write to, whose errors name the output. It writes with
    ``os.write`` so that tests can fake a full disk exactly where the data leaves us."""

    def __init__(self, fd: int, name: str) -> None:
        super().__init__()
        self._fd, self.name = fd, name

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: ReadableBuffer, /) -> int:
        try:
            return os.write(self._fd, data)
        except OSError as exc:
            raise output_error(exc, self.name) from None

    def sync(self) -> None:
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise output_error(exc, self.name) from None

    def close(self) -> None:
        if self.closed:
            return
        fd, self._fd = self._fd, -1
        super().close()
        try:
            os.close(fd)  # NFS and quotas may report a failed write only here
        except OSError as exc:
            raise output_error(exc, self.name) from None


#: Our temporary files: ``.NAME.PID.RANDOM.partial``; the pid tells whether their run is alive.
_PARTIAL = re.compile(r"^\..+\.(\d+)\.[A-Za-z0-9_]{8}\.partial$")
#: Paths that name one of this process's file descriptors (may be a pipe or a socket).
_FD_ALIAS = re.compile(r"^/(?:dev/(?:std(out|err)|fd/(\d+))|proc/self/fd/(\d+))$")


def _alias_fd(path: str) -> int | None:
    match = _FD_ALIAS.match(path)
    if not match:
        return None
    out_or_err, dev_fd, proc_fd = match.groups()
    return {"out": 1, "err": 2}[out_or_err] if out_or_err else int(dev_fd or proc_fd)


def is_stream(path: str) -> bool:
    """Whether ``path`` is written straight through rather than replaced: standard output, one
    of our descriptors (``/dev/stdout``), a character device (``/dev/null``) or a FIFO."""
    if path == "-" or _alias_fd(path) is not None:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: someone else's live process
        return True
    return True


def _locked(path: str) -> bool:
    """Whether a run still holds ``path`` (its writer keeps an exclusive lock while it writes)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: trust the pid alone
        return False
    try:
        with open(path, "rb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return True  # cannot tell: leave it
    return False


def clean_stale_partials(folder: str) -> list[str]:
    """Remove the temporary outputs that a killed run of ours left in ``folder``: only those
    whose owner's pid is gone and whose lock nobody holds, never a run's still going.
    Returns the removed paths."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _PARTIAL.match(entry.name)
        if not match or int(match.group(1)) == os.getpid() or _alive(int(match.group(1))):
            continue
        if not entry.is_file(follow_symlinks=False) or _locked(entry.path):
            continue
        try:
            os.unlink(entry.path)
            removed.append(entry.path)
        except OSError:
            pass
    return removed


class atomic_output:
    """A handle on a temporary file beside ``path``, renamed onto it only after everything was
    written, flushed, fsynced and closed; on any failure the temporary file is removed and a
    previous file at ``path`` is left as it was.

    Parameters
    ----------
    path : str
        The destination; ``-`` is standard output. Symlinks are followed (the file they point
        to is replaced, the link stays). Character devices, FIFOs and this process's own
        descriptors (``/dev/null``, a named pipe, ``/dev/stdout``) are written straight
        through: renaming onto them would replace the device node.
    encoding : str or None
        ``None`` gives a binary handle.
    inputs : iterable of paths
        What the command reads: an output that is one of them is refused (:func:`check_outputs`).
    option : str
        The option naming the output, for error hints.

    Raises
    ------
    InputError
        The output is an input, a folder, or in a missing folder.
    OutputError
        The system refused a write (full disk, permissions, read-only folder).
    """

    def __init__(self, path: str | os.PathLike, encoding: str | None = "utf-8", *,
                 inputs: Iterable[object] = (), option: str = "-o") -> None:
        self.path, self.encoding, self.option = str(path), encoding, option
        self.inputs = list(inputs)
        self.tmp: str | None = None
        self.dest = self.path
        self.raw: _OutputFile | None = None

    def __enter__(self) -> IO[Any]:
        check_outputs(self.inputs, [OutputTarget(self.path, self.option)])
        if self.path == "-":  # not ours to close
            self.handle: IO[Any] = sys.stdout if self.encoding else sys.stdout.buffer
            return self.handle
        self.raw = self._open()
        buffered = io.BufferedWriter(self.raw, buffer_size=1 << 16)
        self.handle = buffered if self.encoding is None else io.TextIOWrapper(
            buffered, encoding=self.encoding, newline="")
        return self.handle

    def _open(self) -> _OutputFile:
        alias = _alias_fd(self.path)
        if alias is not None:
            return self._direct(lambda: os.dup(alias))
        self.dest = os.path.realpath(self.path)
        try:
            mode = os.stat(self.dest).st_mode
        except FileNotFoundError:
            mode = None
        except OSError as exc:
            raise output_error(exc, self.path) from None
        if self.path.endswith(("/", os.sep)) or (mode is not None and stat.S_ISDIR(mode)):
            raise InputError(f"{self.path}: is a folder; give a file name with {self.option}")
        if is_stream(self.dest):
            return self._direct(lambda: os.open(self.dest, os.O_WRONLY))
        if mode is not None and not stat.S_ISREG(mode):
            raise InputError(f"{self.path}: is not a regular file; give a file name with {self.option}")
        return self._temporary()

    def _direct(self, opener: Any) -> _OutputFile:
        try:
            return _OutputFile(opener(), self.path)
        except OSError as exc:
            raise output_error(exc, self.path) from None

    def _temporary(self) -> _OutputFile:
        folder = os.path.dirname(self.dest)
        if not os.path.isdir(folder):
            shown = os.path.dirname(self.path) or "."
            raise InputError(f"{self.path}: the folder {shown} does not exist; create it first "
                             f"or choose another {self.option} path")
        clean_stale_partials(folder)
        name = os.path.basename(self.dest)
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}.", suffix=".partial", dir=folder)
        except OSError as exc:
            raise output_error(exc, self.path) from None
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)  # tells clean_stale_partials that this run is alive
        except (ImportError, OSError):
            pass
        os.chmod(self.tmp, file_mode())  # mkstemp makes it private; outputs are meant to be shared
        return _OutputFile(fd, self.path)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.raw is None:  # standard output
            if exc_type is None:
                try:
                    self.handle.flush()
                except OSError as error:
                    raise output_error(error, "-") from None
            return
        if exc_type is not None:
            self._discard()
            return
        try:
            self.handle.flush()
            if self.tmp is not None:
                self.raw.sync()
            self.handle.close()
        except BaseException:
            self._discard()
            raise
        if self.tmp is not None:
            self._commit()

    def _discard(self) -> None:
        """Close without caring for errors (the disk may be full) and remove the temporary file."""
        raw = self.raw
        if raw is not None:
            try:
                raw.close()  # first: the buffered data has nowhere to go
            except OSError:
                pass
        try:
            self.handle.close()
        except (OSError, ValueError):
            pass
        if self.tmp is not None:
            Path(self.tmp).unlink(missing_ok=True)
            self.tmp = None

    def _commit(self) -> None:
        assert self.tmp is not None
        try:
            mode = os.lstat(self.dest).st_mode
        except FileNotFoundError:
            mode = None
        except OSError as exc:
            self._discard()
            raise output_error(exc, self.path) from None
        if mode is not None and not stat.S_ISREG(mode):  # something else appeared meanwhile
            self._discard()
            raise InputError(f"{self.path}: is no longer a regular file; nothing was written over it")
        try:
            os.replace(self.tmp, self.dest)
        except OSError as exc:
            self._discard()
            raise output_error(exc, self.path) from None
        self.tmp = None
