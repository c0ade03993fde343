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

from kpkclassify import _legacy

__version__ = "0.2.0.dev0"

# name -> module that defines it
_EXPORTS = {
    "Classifier": ".model",
    "Prediction": ".model",
    "TextFeatures": ".features",
    "load": ".persist",
    "save": ".persist",
    "model_card": ".persist",
    "bundled_model_path": ".persist",
    "KpkError": ".exceptions",
    "InputError": ".exceptions",
    "DataError": ".exceptions",
    "LabelError": ".exceptions",
    "ModelLoadError": ".exceptions",
    "OutputError": ".exceptions",
    "train": ".workflows.train",
    "adapt": ".workflows.adapt",
    "read_labelled": ".io.labelled",
    "LabelledData": ".io.labelled",
    "classify_file": ".workflows.classify",
    "BatchSummary": ".workflows.classify",
    "preprocess_file": ".workflows.classify",
    "Evaluation": ".metrics",
    "evaluate_predictions": ".metrics",
    "compare": ".workflows.evaluate",
    "compare_table": ".workflows.evaluate",
    "suggest": ".workflows.suggest",
    "suggest_file": ".workflows.suggest",
    "Suggestion": ".workflows.suggest",
    "review_file": ".workflows.review",
    "ReviewSummary": ".workflows.review",
    "html_report": ".workflows.report",
    "classify_frame": ".workflows.frame",
    "resolve_model": ".persist",
    "label_set": ".labels",
    "decide": ".labels",
    "LABELS": ".labels",
    "OTHER": ".labels",
    "parse_labels": ".labels",
    "format_labels": ".labels",
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
    from kpkclassify.exceptions import DataError, InputError, KpkError, LabelError, ModelLoadError, OutputError
    from kpkclassify.features import TextFeatures
    from kpkclassify.io.labelled import LabelledData, read_labelled
    from kpkclassify.labels import LABELS, OTHER, decide, format_labels, label_set, parse_labels
    from kpkclassify.metrics import Evaluation, evaluate_predictions
    from kpkclassify.model import Classifier, Prediction
    from kpkclassify.persist import bundled_model_path, load, model_card, resolve_model, save
    from kpkclassify.text import IndonesianPreprocessor, extract_amounts, mask_personal, normalize, preprocess, stem, tokenize
    from kpkclassify.workflows.adapt import adapt
    from kpkclassify.workflows.classify import BatchSummary, classify_file, preprocess_file
    from kpkclassify.workflows.evaluate import compare, compare_table
    from kpkclassify.workflows.frame import classify_frame
    from kpkclassify.workflows.report import html_report
    from kpkclassify.workflows.review import ReviewSummary, review_file
    from kpkclassify.workflows.suggest import Suggestion, suggest, suggest_file
    from kpkclassify.workflows.train import train


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kpkclassify' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
