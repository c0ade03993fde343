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
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np

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

#: scikit-learn's cross-validation splitters, which a model's ``cv`` parameter may hold
#: (``Classifier(cv=GroupKFold(5))``): plain parameter holders, no learned state.
SPLITTER_TYPES: tuple[str, ...] = tuple(f"sklearn.model_selection._split.{name}" for name in (
    "GroupKFold", "LeaveOneGroupOut", "LeavePGroupsOut", "StratifiedGroupKFold", "GroupShuffleSplit",
    "KFold", "StratifiedKFold", "RepeatedStratifiedKFold", "ShuffleSplit", "StratifiedShuffleSplit",
))

#: The same types as format-1 files name them (modules kept importable by ``_legacy``).
FORMAT_1_TYPES: tuple[str, ...] = (
    "kpkclassify._model.Classifier",
    "kpkclassify._features.TextFeatures",
    "kpkclassify._vectorize.TermVectorizer",
)

#: What :func:`load` builds without skops (a file holding anything else goes through skops
#: and the allow-list): our types and the fitted LogisticRegressions inside them, all of
#: which the skops path admits too.
KNOWN_TYPES: frozenset[str] = frozenset(
    OWN_TYPES + FORMAT_1_TYPES + ("sklearn.linear_model._logistic.LogisticRegression",)
)

DEFAULT_MODEL = "default.skops"

# What a model file may inflate to, checked from the zip directory before skops inflates
# anything (zipfile never inflates a member past its declared size, so the declared sizes
# bound the memory). The bundled model is 4.6 MB compressed and 8 MB inflated; a model
# trained on a hundred times more data, with millions of n-grams, stays in the hundreds
# of MB. 1 GiB leaves that margin while a 4 GB bomb, loaded by every batch worker, is
# refused before it costs a byte.
MAX_MODEL_BYTES = 1 << 30
#: The largest member, one learned array: a float64 coefficient vector of 64M features
#: (the bundled model has 177k).
MAX_MEMBER_BYTES = 512 << 20
#: The schema (structure, no arrays): 116 KB for the bundled model.
MAX_SCHEMA_BYTES = 64 << 20
MAX_MEMBERS = 10_000
#: Learned float arrays deflate 1.1-10x and the schema about 20x; deflate can reach about
#: 1000x only on repetitive filler, which is what a bomb is made of. Small members are
#: exempt: their ratio costs nothing whatever it is.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_ABOVE = 1 << 20
#: Sizes the bucket-to-column table (int32) that loading builds: 2**20 by default.
MAX_BUCKETS = 1 << 26


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

    from kpkclassify.io.tables import atomic_output, check_outputs, is_stream, output_error

    model.model_format_ = MODEL_FORMAT  # the format this file is written in, checked by load()
    card = getattr(model, "card_", None)
    # Never over the data the model was trained on (its card lists the files).
    sources = [s for s in (card or {}).get("training_data", {}).get("sources", []) if os.path.exists(s)]
    outputs = model_outputs(path) if card else model_outputs(path)[:1]
    check_outputs(sources, outputs)
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, str(path)) from None
    with atomic_output(path, None, inputs=sources) as handle:
        sio.dump(model, handle, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    if card and not is_stream(str(path)):  # no card beside /dev/null or a pipe
        with atomic_output(outputs[1].path, "utf-8", inputs=sources) as handle:
            handle.write(json.dumps(card, indent=2, ensure_ascii=False) + "\n")


def model_outputs(path: str | os.PathLike) -> list:
    """The files :func:`save` writes for a model at ``path``: the model and its card,
    as :class:`~kpkclassify.io.tables.OutputTarget` (check them against the inputs before training)."""
    from kpkclassify.io.tables import OutputTarget

    return [OutputTarget(str(path)), OutputTarget(str(path) + ".card.json")]


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
    path = Path(path) if path is not None else bundled_model_path()
    if not path.is_file():
        raise ModelLoadError(f"{path}: no such model file")
    schema = _check_archive(path)
    model = _read_known_types(path, schema)
    via_skops = model is None
    if model is None:  # a type, node or protocol of its own: skops and the allow-list decide
        model = _read_with_skops(path, trusted)
    # skops' node trees hold reference cycles; ours do not, so only then is a collection worth its 0.1 s
    _release_freed_memory(collect=via_skops)
    if f"{type(model).__module__}.{type(model).__qualname__}" != OWN_TYPES[0]:
        raise ModelLoadError(f"{path}: holds a {type(model).__name__}, not a kpkclassify Classifier")
    made_with = getattr(model, "model_format_", None)
    if isinstance(made_with, bool) or not isinstance(made_with, (int, np.integer)) or made_with < 1:
        raise ModelLoadError(
            f"{path}: model format {made_with!r} is not a format number, so this file was not saved by "
            "kpkclassify; load a model saved with kpkclassify save() or train one (kpkclassify train)"
        )
    if made_with > MODEL_FORMAT:
        raise ModelLoadError(
            f"{path}: model format {made_with} is newer than this kpkclassify understands ({MODEL_FORMAT}); "
            "upgrade kpkclassify (pip install -U kpkclassify)"
        )
    problem = _learned_state_problem(model)
    if problem is not None:
        raise ModelLoadError(
            f"{path}: the learned state is inconsistent ({problem}); the file is damaged or was edited: "
            "train the model again (kpkclassify train) or load another file"
        )
    return model


def _read_known_types(path: Path, schema: Any) -> Any | None:
    """The file's object, built without importing skops when it holds only :data:`KNOWN_TYPES`
    (see :mod:`kpkclassify._skops_reader`), or ``None`` when skops must load it."""
    from kpkclassify._skops_reader import NeedsSkops, read_tree

    try:
        with zipfile.ZipFile(path) as archive:
            tree = read_tree(archive, schema, KNOWN_TYPES)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=_inconsistent_version_warning())  # see _read_with_skops
                return tree.construct()
    except NeedsSkops:
        return None
    except Exception:  # a damaged file: skops' loader reads it again and names the problem its way
        return None


def _read_with_skops(path: Path, trusted: list[str] | None) -> Any:
    """The file's object, loaded by skops after every type it needs beyond skops' defaults
    has been found in the allow-list."""
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # zip errors, JSON errors: not a skops file
        raise ModelLoadError(f"{path}: not a kpkclassify model file ({type(exc).__name__}: {exc})") from exc
    allowed = set(OWN_TYPES) | set(FORMAT_1_TYPES) | set(SPLITTER_TYPES) | set(trusted or ())
    refused = sorted(set(untrusted) - allowed)
    if refused:
        raise ModelLoadError(
            f"{path}: refused to load, the file contains types outside the allow-list: {', '.join(refused)}. "
            "Load only models you trust; pass trusted=[...] to allow types whose code you have read"
        )
    try:
        with warnings.catch_warnings():
            # The scikit-learn parts of our models are fitted LogisticRegressions, whose
            # state means the same in every scikit-learn this package supports (>= 1.8, see
            # pyproject.toml: 1.5-1.7 still expect the removed multi_class attribute and
            # cannot predict with a model saved by a newer one; scripts/test_matrix.sh runs the
            # tests under the lowest and highest supported versions), so the warning would only alarm; the learned
            # state is checked below.
            warnings.filterwarnings("ignore", category=_inconsistent_version_warning())
            model = sio.load(path, trusted=sorted(set(untrusted)))
    except Exception as exc:
        raise ModelLoadError(f"{path}: could not be loaded ({type(exc).__name__}: {exc})") from exc
    return model


def _check_archive(path: Path) -> Any:
    """Refuse a file whose zip directory declares more than the limits above allow.
    Returns its parsed ``schema.json`` (``None`` when it has none that parses)."""
    schema = None
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            problem = _archive_problem(members)
            if problem is None:
                schema = _read_schema(archive)
                problem = _schema_problem(schema)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ModelLoadError(f"{path}: not a kpkclassify model file ({type(exc).__name__}: {exc})") from exc
    if problem is not None:
        raise ModelLoadError(
            f"{path}: refused to load, {problem}; this is not a model kpkclassify saved: "
            "load only model files you trust, saved with kpkclassify save()"
        )
    return schema


def _archive_problem(members: list[zipfile.ZipInfo]) -> str | None:
    """What in a zip directory exceeds the limits, or ``None``."""
    if len(members) > MAX_MEMBERS:
        return f"it has {len(members)} members (limit {MAX_MEMBERS})"
    total = 0
    for info in members:
        limit = MAX_SCHEMA_BYTES if info.filename == "schema.json" else MAX_MEMBER_BYTES
        if info.file_size > limit:
            return f"member {info.filename} would inflate to {_size(info.file_size)} (limit {_size(limit)})"
        if info.file_size > RATIO_CHECKED_ABOVE and info.file_size > MAX_COMPRESSION_RATIO * max(1, info.compress_size):
            return (f"member {info.filename} would inflate {info.file_size // max(1, info.compress_size)}-fold "
                    f"(limit {MAX_COMPRESSION_RATIO}-fold)")
        total += info.file_size
    if total > MAX_MODEL_BYTES:
        return f"its members would inflate to {_size(total)} (limit {_size(MAX_MODEL_BYTES)})"
    return None


def _read_schema(archive: zipfile.ZipFile) -> Any:
    """The parsed ``schema.json`` of a skops file, or ``None`` (not a skops file: skops itself says so)."""
    try:
        return json.loads(archive.read("schema.json"))
    except (KeyError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def _schema_problem(schema: Any) -> str | None:
    """A bucket count in the schema too large to build a table for, or ``None``.

    Loading rebuilds the vectoriser's lookup tables, one int32 per hash bucket: a forged
    ``n_buckets`` would allocate gigabytes before any check after loading could run."""
    for value in _values_of(schema, "n_buckets"):
        content: Any = value.get("content") if isinstance(value, dict) else value
        try:
            buckets = int(json.loads(content) if isinstance(content, str) else content)
        except (TypeError, ValueError, json.JSONDecodeError):
            continue  # stored some other way (a NumPy scalar): checked after loading instead
        if not 1 <= buckets <= MAX_BUCKETS:
            return f"n_buckets is {buckets} (between 1 and {MAX_BUCKETS} allowed)"
    return None


def _values_of(node: Any, key: str) -> list[Any]:
    """Every value stored under ``key`` anywhere in a JSON document (iteratively: a deep
    document must not exhaust the stack)."""
    found, stack = [], [node]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if key in node:
                found.append(node[key])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _size(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


def _learned_state_problem(model: Any) -> str | None:
    """What is inconsistent in a loaded classifier's learned state, or ``None``.

    A file can hold well-formed types with wrong contents (a coefficient vector of the
    wrong width, NaN thresholds): such a model loads but predicts nonsense, so each
    array is checked against the others before the model is handed out."""
    labels = getattr(model, "labels_", None)
    if not (isinstance(labels, tuple) and _is_label_set(labels)):
        return f"labels_ is {labels!r}, not a tuple of label names"
    for check in (_labels_problem, _features_problem, _estimators_problem, _thresholds_problem):
        problem = check(model, labels)
        if problem is not None:
            return problem
    return None


def _is_label_set(labels: tuple[Any, ...]) -> TypeGuard[tuple[str, ...]]:
    """Whether ``labels`` are label names, each once, in their canonical order."""
    from kpkclassify.exceptions import LabelError
    from kpkclassify.labels import label_set

    try:
        return label_set(labels) == labels
    except (LabelError, TypeError):
        return False


def _labels_problem(model: Any, labels: tuple[str, ...]) -> str | None:
    if [str(c) for c in np.asarray(getattr(model, "classes_", []), dtype=object).ravel()] != list(labels):
        return "classes_ does not match labels_"
    return None


def _features_problem(model: Any, labels: tuple[str, ...]) -> str | None:
    from kpkclassify.features.text_features import TextFeatures
    from kpkclassify.features.vectorize import TermVectorizer

    features = getattr(model, "features_", None)
    vectorizer = getattr(features, "vectorizer_", None)
    if not isinstance(features, TextFeatures) or not isinstance(vectorizer, TermVectorizer):
        return "features_ is not fitted TextFeatures"
    return _vectorizer_problem(vectorizer)


def _vectorizer_problem(v: Any) -> str | None:
    """The vectoriser's tables agree with each other (words and their IDF, buckets and theirs)."""
    if not _is_range(v.ngram_range, 1) or (v.char_ngram_range is not None and not _is_range(v.char_ngram_range, 1)):
        return f"n-gram ranges {v.ngram_range} / {v.char_ngram_range} are not (low, high) with 1 <= low <= high"
    if v.subwords not in ("oov", "all"):
        return f"subwords is {v.subwords!r}"
    if not _is_vector(v.word_idf_, len(v.words_), "f") or not np.all(v.word_idf_ > 0):
        return f"word_idf_ does not hold one positive finite weight for each of the {len(v.words_)} words"
    if not _is_vector(v.char_idf_, len(v.buckets_), "f") or not np.all(v.char_idf_ > 0):
        return f"char_idf_ does not hold one positive finite weight for each of the {len(v.buckets_)} buckets"
    buckets = v.buckets_
    if len(buckets) and (buckets.dtype.kind not in "iu" or buckets.min() < 0 or buckets.max() >= v.n_buckets
                         or np.any(np.diff(buckets) <= 0)):
        return f"buckets_ are not increasing bucket numbers below n_buckets ({v.n_buckets})"
    return None


def _estimators_problem(model: Any, labels: tuple[str, ...]) -> str | None:
    from sklearn.linear_model import LogisticRegression

    estimators = getattr(model, "estimators_", None)
    if not isinstance(estimators, list) or len(estimators) != len(labels):
        return f"estimators_ is not a list of {len(labels)} models, one per label"
    width = model.features_.n_features_
    for label, estimator in zip(labels, estimators):
        if not isinstance(estimator, LogisticRegression):
            return f"the {label} model is a {type(estimator).__name__}, not a LogisticRegression"
        coef, intercept = getattr(estimator, "coef_", None), getattr(estimator, "intercept_", None)
        if not isinstance(coef, np.ndarray) or coef.shape != (1, width) or coef.dtype.kind != "f" \
                or not np.all(np.isfinite(coef)):
            shape = getattr(coef, "shape", None)
            return f"the {label} model's coef_ has shape {shape}, expected (1, {width}) finite floats"
        if not _is_vector(intercept, 1, "f"):
            return f"the {label} model's intercept_ is not one finite float"
        if [int(c) for c in np.asarray(getattr(estimator, "classes_", [])).ravel()] != [0, 1]:
            return f"the {label} model's classes_ are not [0, 1]"
    return None


def _thresholds_problem(model: Any, labels: tuple[str, ...]) -> str | None:
    thresholds = getattr(model, "thresholds_", None)
    if not _is_vector(thresholds, len(labels), "f") or not np.all((thresholds >= 0) & (thresholds <= 1)):
        return f"thresholds_ is not {len(labels)} numbers in [0, 1], one per label"
    calibration = getattr(model, "calibration_", None)
    if calibration is not None and not (isinstance(calibration, np.ndarray) and calibration.shape == (len(labels), 2)
                                        and calibration.dtype.kind == "f" and np.all(np.isfinite(calibration))):
        return f"calibration_ is not {len(labels)} finite (slope, intercept) pairs"
    return None


def _is_vector(value: object, length: int, kinds: str) -> TypeGuard[np.ndarray]:
    """Whether ``value`` is a finite 1-D array of ``length`` numbers of a dtype kind in ``kinds``."""
    return (isinstance(value, np.ndarray) and value.shape == (length,) and value.dtype.kind in kinds
            and bool(np.all(np.isfinite(value))))


def _is_range(value: Any, low: int) -> bool:
    return (isinstance(value, tuple) and len(value) == 2 and all(isinstance(x, (int, np.integer)) for x in value)
            and low <= value[0] <= value[1])


def _release_freed_memory(collect: bool = True) -> None:
    """Give the memory that decoding the file used back to the system (glibc keeps it
    otherwise), so that forked batch workers do not start from a bloated heap. ``collect``
    first frees garbage held in reference cycles."""
    import gc

    if collect:
        gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def model_card(model: Any) -> dict:
    """The model card stored in a model (empty when it has none).

    A card always names the model's label set (``labels``: ``{"names": [...], "source": ...}``),
    from the model's own ``labels_`` when the card predates label sets; the card's
    thresholds are keyed by those labels."""
    card = dict(getattr(model, "card_", None) or {})
    labels = getattr(model, "labels_", None)
    if card and labels is not None and "labels" not in card:
        card["labels"] = {"names": list(labels), "source": "model"}
    return card


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
