"""kpkclassify: find reports of illegal fees (pungli), slow service and anti-corruption
campaign content in Indonesian complaints and social-media posts.

Quick start
-----------
>>> import kpkclassify
>>> model = kpkclassify.load()                                    # doctest: +SKIP
>>> model.predict(["Disuruh bayar 200rb biar SIM cepet jadi"])    # doctest: +SKIP
[('illegal_fee',)]

The public API is re-exported here; submodules load on first use so that
``import kpkclassify`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it
_EXPORTS = {
    "Classifier": "._model",
    "Prediction": "._model",
    "TextFeatures": "._features",
    "load": "._persist",
    "save": "._persist",
    "model_card": "._persist",
    "bundled_model_path": "._persist",
    "ModelLoadError": "._persist",
    "train": "._train",
    "read_labelled": "._data",
    "LabelledData": "._data",
    "DataError": "._data",
    "InputError": "._io",
    "classify_file": "._batch",
    "BatchSummary": "._batch",
    "Evaluation": "._evaluate",
    "compare": "._evaluate",
    "compare_table": "._evaluate",
    "suggest": "._active",
    "suggest_file": "._active",
    "Suggestion": "._active",
    "html_report": "._report",
    "preprocess_file": "._batch",
    "evaluate_predictions": "._evaluate",
    "LABELS": "._labels",
    "OTHER": "._labels",
    "parse_labels": "._labels",
    "format_labels": "._labels",
    "preprocess": ".text",
    "normalize": ".text",
    "tokenize": ".text",
    "stem": ".text",
    "extract_amounts": ".text",
    "mask_personal": ".text",
    "IndonesianPreprocessor": ".text",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._batch import BatchSummary, classify_file
    from ._data import DataError, LabelledData, read_labelled
    from ._active import Suggestion, suggest, suggest_file
    from ._batch import preprocess_file
    from ._evaluate import Evaluation, compare, compare_table, evaluate_predictions
    from ._report import html_report
    from ._features import TextFeatures
    from ._io import InputError
    from ._labels import LABELS, OTHER, format_labels, parse_labels
    from ._model import Classifier, Prediction
    from ._persist import ModelLoadError, bundled_model_path, load, model_card, save
    from ._train import train
    from .text import IndonesianPreprocessor, extract_amounts, mask_personal, normalize, preprocess, stem, tokenize


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kpkclassify' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
