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
from pathlib import Path

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


class AnswerCache:
    """Answers already received, in a SQLite file (safe to share between threads).

    Parameters
    ----------
    path : path, optional
        The file (its folder is created); :func:`default_cache_path` by default.
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # committed answers survive a killed process without an fsync each (only a power cut can lose the last ones)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, prompt_version TEXT, reader_model TEXT, "
            "text_hash TEXT, text TEXT, labels TEXT, reason TEXT, created REAL)")

    def get(self, key: str) -> tuple[tuple[str, ...], str] | None:
        """The labels and reason stored under ``key``, or None."""
        with self._lock:
            row = self._db.execute("SELECT labels, reason FROM answers WHERE key = ?", (key,)).fetchone()
        return None if row is None else (tuple(json.loads(row[0])), row[1])

    def put(self, key: str, *, prompt_version: str, reader_model: str, text: str,
            labels: tuple[str, ...], reason: str) -> None:
        """Store an answer (committed at once)."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (key, prompt_version, reader_model, text_hash(text), text, json.dumps(list(labels)),
                              reason, time.time()))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def clear(self) -> int:
        """Remove every answer; returns how many there were."""
        with self._lock:
            n = int(self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
            self._db.execute("DELETE FROM answers")
            self._db.execute("VACUUM")
        return n

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> AnswerCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
