"""Whether a value is missing: the one test, shared by reading files and by the model."""

from __future__ import annotations


def is_missing(value: object) -> bool:
    """``None``, a NaN of any float type, ``pandas.NA`` or ``NaT``: no value at all, i.e. an
    empty text (``str()`` would make them the words "nan" or "<NA>" and classify those).

    Recognised without importing pandas: a missing value is not equal to itself, and
    ``pandas.NA``'s comparison is NA again, which refuses to be a bool.

    Examples
    --------
    >>> is_missing(float("nan")), is_missing(None), is_missing(""), is_missing(0)
    (True, True, False, False)
    """
    if value is None:
        return True
    if isinstance(value, str):
        return False
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA
        return True
    except ValueError:  # an array: its truth is ambiguous, and it is not a text either
        return False
