"""The reader's answer cache: one SQLite file, so that an interrupted review resumes without
asking the reader again.

An answer is keyed by the prompt's version hash, the reader model's name and the SHA-256 of
the text sent (masked, unless masking was turned off); the row stores that text too, never
the original. Each answer is committed as soon as it arrives.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from kpkclassify.exceptions import InputError

T = TypeVar("T")

#: The cache file's name under the cache folder.
CACHE_FILE = "review-answers.sqlite3"


def default_cache_path() -> Path:
    """Where answers are kept by default: ``$KPKCLASSIFY_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/kpkclassify``, else ``~/.cache/kpkclassify``; the file is
    ``review-answers.sqlite3``."""
    folder = os.environ.get("KPKCLASSIFY_CACHE_DIR")
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "kpkclassify")
    return Path(folder) / CACHE_FILE


def text_hash(text: str) -> str:
    """The SHA-256 of a text as sent (hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def answer_key(prompt_version: str, reader_model: str, digest: str) -> str:
    """The cache key of an answer: prompt version, reader model and text hash."""
    return hashlib.sha256(f"{prompt_version}\n{reader_model}\n{digest}".encode()).hexdigest()


SQLITE_HEADER = b"SQLite format 3\x00"


class AnswerCache:
    """Answers already received, in a SQLite file (safe to share between threads).

    Parameters
    ----------
    path : path, optional
        The file (its folder is created); :func:`default_cache_path` by default.

    Raises
    ------
    InputError
        The file is no review cache (another file, a corrupt database, a folder) or cannot be
        written (a full disk, permissions): one line naming it, never a SQLite traceback.
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{self.path}: cannot create the cache folder ({exc.strerror or exc}); "
                             "give another --cache") from None
        with self._errors():
            self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # committed answers survive a killed process without an fsync each (only a power cut can lose the last ones)
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, prompt_version TEXT, reader_model TEXT, "
                "text_hash TEXT, text TEXT, labels TEXT, reason TEXT, created REAL)")
            self._db.execute("SELECT labels, reason FROM answers LIMIT 1").fetchall()

    @contextmanager
    def _errors(self, writing: bool = False) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            full = isinstance(exc, sqlite3.OperationalError) and ("full" in str(exc) or "readonly" in str(exc))
            if writing and full:
                if self._db is not None:
                    self._db.close()
                    self._db = None
                raise InputError(f"{self.path}: cannot store an answer in the review cache ({exc}); free some "
                                 "space, or give another --cache or --no-cache") from None
            if self._db is not None:
                self._db.close()
                self._db = None
            raise InputError(f"{self.path}: not a review cache ({exc}); use --clear-cache or another --cache") from None

    def _run(self, work: Callable[[sqlite3.Connection], T], writing: bool = False) -> T:
        with self._lock, self._errors(writing):
            if self._db is None:
                raise sqlite3.ProgrammingError("the cache is closed")
            return work(self._db)

    def get(self, key: str) -> tuple[tuple[str, ...], str] | None:
        """The labels and reason stored under ``key``, or None."""
        row = self._run(lambda db: db.execute("SELECT labels, reason FROM answers WHERE key = ?", (key,)).fetchone())
        if row is None:
            return None
        try:
            return tuple(json.loads(row[0])), str(row[1])
        except (TypeError, ValueError):
            raise InputError(f"{self.path}: not a review cache (an answer is no JSON list); use --clear-cache "
                             "or another --cache") from None

    def put(self, key: str, *, prompt_version: str, reader_model: str, text: str,
            labels: tuple[str, ...], reason: str) -> None:
        """Store an answer (committed at once)."""
        values = (key, prompt_version, reader_model, text_hash(text), text, json.dumps(list(labels)), reason,
                  time.time())
        self._run(lambda db: db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values),
                  writing=True)

    def __len__(self) -> int:
        return int(self._run(lambda db: db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]))

    def clear(self) -> int:
        """Remove every answer; returns how many there were."""
        def work(db: sqlite3.Connection) -> int:
            n = int(db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
            db.execute("DELETE FROM answers")
            db.execute("VACUUM")
            return n

        return self._run(work)

    @classmethod
    def remove_broken(cls, path: str | os.PathLike | None = None) -> bool:
        """Delete a cache file SQLite cannot read (``--clear-cache`` on a corrupt cache), only
        when it is a regular file that starts as a SQLite database does (or is empty): never
        another kind of file given as ``--cache`` by mistake. Returns whether it was deleted."""
        target = Path(path) if path is not None else default_cache_path()
        try:
            with open(target, "rb") as handle:
                head = handle.read(len(SQLITE_HEADER))
        except OSError:
            return False
        if head and head != SQLITE_HEADER:
            return False
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(str(target) + suffix)
            except FileNotFoundError:
                pass
            except OSError:
                return False
        return True

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
            self._db = None

    def __enter__(self) -> AnswerCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
