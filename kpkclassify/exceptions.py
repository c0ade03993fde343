"""The exceptions kpkclassify raises: one hierarchy under :class:`KpkError`.

Catch ``KpkError`` for anything this package reports about the user's input, data or
model files; the subclasses say which. Each message is one line (``DataError`` lists its
problems below it) naming the file, the row or column, and what to do next.
"""

from __future__ import annotations

from collections.abc import Sequence

_MAX_PROBLEMS_SHOWN = 20


class KpkError(Exception):
    """Base class of every error kpkclassify raises about input, data or model files."""


class InputError(KpkError, ValueError):
    """Bad input: the message names the file, the line or column, and what to do."""


class DataError(InputError):
    """Labelled data with problems; ``problems`` lists every one with its file and line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:_MAX_PROBLEMS_SHOWN])
        more = len(self.problems) - _MAX_PROBLEMS_SHOWN
        extra = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the labelled data:\n{shown}{extra}")


class LabelError(KpkError, ValueError):
    """A label string that does not name a known label."""


class ModelLoadError(KpkError, RuntimeError):
    """A model file that cannot be loaded: missing, not a model, untrusted or too new."""
