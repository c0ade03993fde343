"""One PySastrawi stemmer per process, built on first use.

The stemmer is never stored on an estimator: models stay small, and a persisted model
holds no code object from PySastrawi.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_stemmer: Any = None


def _get_stemmer() -> Any:
    global _stemmer
    if _stemmer is None:
        with _lock:
            if _stemmer is None:
                from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
                from Sastrawi.Stemmer.Stemmer import Stemmer

                from ._lexicon import root_words

                _stemmer = Stemmer(ArrayDictionary(list(root_words())))
    return _stemmer


def sastrawi_stem(word: str) -> str:
    """PySastrawi's stem of one lower-case word, with no memo and no exceptions."""
    if not word:
        return word
    return _get_stemmer().stem(word) or word
