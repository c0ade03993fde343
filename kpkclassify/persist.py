"""Saving and loading models with skops, trusting only an explicit list of types.

A pickle (or ``joblib.load``) runs code from the file; a skops file is data, and
``skops.io.load`` builds only the types it is told to trust. We trust skops' own
default list (scikit-learn, NumPy and SciPy types) plus this package's estimators, and
refuse a file that needs anything else, naming the types.
"""

from __future__ import annotations

import json
import os
import warnings
import zipfile
import tempfile
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpkclassify.exceptions import ModelLoadError

if TYPE_CHECKING:  # pragma: no cover - persistence knows the model only by its type name
    from kpkclassify.model import Classifier

#: The model file format this version writes. 2: the layout of concept subpackages (types
#: named by their new modules). Files of an older format load (their type names below).
MODEL_FORMAT = 2

#: This package's types that a model file may contain.
OWN_TYPES: tuple[str, ...] = (
    "kpkclassify.model.classifier.Classifier",
    "kpkclassify.features.text_features.TextFeatures",
    "kpkclassify.features.vectorize.TermVectorizer",
    "kpkclassify.text._transformer.IndonesianPreprocessor",
)

#: The same types as format-1 files name them (modules kept importable by ``_legacy``).
FORMAT_1_TYPES: tuple[str, ...] = (
    "kpkclassify._model.Classifier",
    "kpkclassify._features.TextFeatures",
    "kpkclassify._vectorize.TermVectorizer",
)

DEFAULT_MODEL = "default.skops"


def bundled_model_path() -> Path:
    """The path of the model shipped with the package."""
    bundled = resources.files("kpkclassify").joinpath("models", DEFAULT_MODEL)
    path = Path(str(bundled))
    if not path.is_file():  # a source checkout: the model lives in ../models
        repo_model = Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL
        if repo_model.is_file():
            return repo_model
        raise ModelLoadError(
            f"the bundled model is missing ({path}); reinstall kpkclassify or pass a model path"
        )
    return path


def save(model: Any, path: str | os.PathLike) -> None:
    """Save a fitted model to ``path`` with skops, atomically (a temporary file renamed into place).

    A model card, when the model has one (``card_``), is also written beside it as
    ``<path>.card.json``.
    """
    import skops.io as sio

    model.model_format_ = MODEL_FORMAT  # the format this file is written in, checked by load()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        sio.dump(model, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        from kpkclassify.io.tables import file_mode

        os.chmod(tmp, file_mode())  # mkstemp makes it private; a model is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    card = getattr(model, "card_", None)
    if card:
        card_path = path.with_name(path.name + ".card.json")
        card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load(path: str | os.PathLike | None = None, *, trusted: list[str] | None = None) -> Classifier:
    """Load a model saved by :func:`save` (or the bundled model when ``path`` is None).

    Parameters
    ----------
    path : str or path-like, optional
        A ``.skops`` file. ``None`` loads the bundled default model.
    trusted : list of str, optional
        More type names to trust, for a model that embeds your own estimator. Only add
        types whose code you have read: loading builds them.

    Raises
    ------
    ModelLoadError
        The file is missing, is not a skops model, needs types outside the allow-list
        (they are named), or was made by a newer, incompatible kpkclassify.
    """
    import skops.io as sio

    path = Path(path) if path is not None else bundled_model_path()
    if not path.is_file():
        raise ModelLoadError(f"{path}: no such model file")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # zip errors, JSON errors: not a skops file
        raise ModelLoadError(f"{path}: not a kpkclassify model file ({type(exc).__name__}: {exc})") from exc
    allowed = set(OWN_TYPES) | set(FORMAT_1_TYPES) | set(trusted or ())
    refused = sorted(set(untrusted) - allowed)
    if refused:
        raise ModelLoadError(
            f"{path}: refused to load, the file contains types outside the allow-list: {', '.join(refused)}. "
            "Load only models you trust; pass trusted=[...] to allow types whose code you have read"
        )
    try:
        with warnings.catch_warnings():
            # The scikit-learn parts of our models are fitted LogisticRegressions, whose
            # state (coef_, intercept_, classes_) means the same in every scikit-learn this
            # package supports (see pyproject.toml); a model saved under another one of those
            # versions is fine, and the shapes are checked below.
            warnings.filterwarnings("ignore", category=_inconsistent_version_warning())
            model = sio.load(path, trusted=sorted(set(untrusted)))
    except Exception as exc:
        raise ModelLoadError(f"{path}: could not be loaded ({type(exc).__name__}: {exc})") from exc
    _release_freed_memory()
    if f"{type(model).__module__}.{type(model).__qualname__}" != OWN_TYPES[0]:
        raise ModelLoadError(f"{path}: holds a {type(model).__name__}, not a kpkclassify Classifier")
    made_with = getattr(model, "model_format_", None)
    if made_with is None or made_with > MODEL_FORMAT:
        raise ModelLoadError(
            f"{path}: model format {made_with} is newer than this kpkclassify understands ({MODEL_FORMAT}); "
            "upgrade kpkclassify (pip install -U kpkclassify)"
        )
    return model


def _release_freed_memory() -> None:
    """Give the memory that decoding the file used back to the system (glibc keeps it
    otherwise), so that forked batch workers do not start from a bloated heap."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def model_card(model: Any) -> dict:
    """The model card stored in a model (empty when it has none)."""
    return dict(getattr(model, "card_", None) or {})


def resolve_model(model: Classifier | str | os.PathLike | None) -> Classifier:
    """The one way every workflow turns its ``model`` argument into a model.

    ``None`` is the bundled model, a path is loaded with :func:`load`, and a fitted model
    (anything with ``predict_proba``) is used as it is.
    """
    if model is None or isinstance(model, (str, os.PathLike)):
        return load(model)
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"model must be None, a path or a fitted Classifier, got {type(model).__name__}")
    return model


def _inconsistent_version_warning() -> type[Warning]:
    from sklearn.exceptions import InconsistentVersionWarning

    return InconsistentVersionWarning
