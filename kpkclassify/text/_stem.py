"""One stemmer per process, built on first use: PySastrawi's rules, by default through our
exact and faster reimplementation (:mod:`kpkclassify.text._fast_stem`).

``KPKCLASSIFY_STEMMER=pysastrawi`` in the environment (read when the stemmer is first built)
selects PySastrawi's own ``Stemmer`` instead: the reference the fast one is tested against,
kept as a fallback and for comparing outputs. Both use the root words of the installed
Sastrawi package and give the same stems.

The stemmer is never stored on an estimator: models stay small, and a persisted model
holds no code object from PySastrawi.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

#: The environment variable choosing the implementation: "fast" (default) or "pysastrawi".
STEMMER_ENV = "KPKCLASSIFY_STEMMER"
IMPLEMENTATIONS = ("fast", "pysastrawi")

_lock = threading.Lock()
_stem: Callable[[str], str] | None = None


def _build(name: str) -> Callable[[str], str]:
    from ._lexicon import root_words

    if name == "pysastrawi":
        from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
        from Sastrawi.Stemmer.Stemmer import Stemmer

        return Stemmer(ArrayDictionary(list(root_words()))).stem
    if name == "fast":
        from ._fast_stem import FastStemmer

        return FastStemmer(root_words()).stem
    raise ValueError(f"{STEMMER_ENV}={name!r}: expected one of {', '.join(IMPLEMENTATIONS)}")


def _get_stem() -> Callable[[str], str]:
    global _stem
    if _stem is None:
        with _lock:
            if _stem is None:
                _stem = _build(os.environ.get(STEMMER_ENV, "fast").strip().lower() or "fast")
    return _stem


def use_stemmer(name: str) -> None:
    """Switch this process to the ``"fast"`` or the ``"pysastrawi"`` implementation.

    Stems already memoised by a :class:`~kpkclassify.text._terms.TermProcessor` are kept
    (both implementations give the same stems)."""
    global _stem
    stem = _build(name)
    with _lock:
        _stem = stem


def sastrawi_stem(word: str) -> str:
    """PySastrawi's stem of one lower-case word, with no memo and no exceptions."""
    if not word:
        return word
    return _get_stem()(word) or word
