"""The exceptions kpkclassify raises: one hierarchy under :class:`KpkError`.

Catch ``KpkError`` for anything this package reports about the user's input, data or
model files; the subclasses say which. Each message is one line (``DataError`` lists its
problems below it) naming the file, the row or column, and what to do next.
"""

from __future__ import annotations

import errno
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


class OutputError(KpkError, OSError):
    """Writing an output failed; ``str()`` is one line naming the output, the reason and what to do."""

    def __str__(self) -> str:
        return f"cannot write {self.filename}: {self.strerror}{write_hint(self.errno)}"


def write_hint(code: int | None) -> str:
    """The advice that follows the reason of a failed write with this ``errno``."""
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "; free some space or write elsewhere (nothing was written)"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "; choose a folder you can write to"
    if code in (errno.ENOENT, errno.ENOTDIR):
        return "; create the folder first or choose another path"
    return ""


class LabelError(KpkError, ValueError):
    """A label string that does not name a known label."""


class ModelLoadError(KpkError, RuntimeError):
    """A model file that cannot be loaded: missing, not a model, untrusted or too new."""
