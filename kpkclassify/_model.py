"""The classifier: a scikit-learn estimator over raw Indonesian texts."""

from __future__ import annotations

import os
import weakref
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from ._features import TextFeatures
from ._labels import LABELS, OTHER, from_indicator, to_indicator
from .text import IndonesianPreprocessor

_FEATURE_NAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

#: Bumped when a saved model's layout changes so that older code cannot read it.
MODEL_FORMAT = 1


@dataclass(frozen=True)
class Prediction:
    """One text's result.

    Attributes
    ----------
    labels : tuple of str
        The labels that apply, or ``("other",)``.
    label : str
        The single most likely label: the applying label with the highest probability,
        or ``"other"``.
    scores : dict of str to float
        The probability of each of the three topical labels.
    """

    labels: tuple[str, ...]
    label: str
    scores: dict[str, float] = field(default_factory=dict)


#: Texts per batch when predicting (see Classifier._per_batch).
BATCH = 2048


def _as_texts(X: Iterable[str] | str) -> list[str]:
    if isinstance(X, str):
        raise TypeError("expected a list of texts, got a single string; wrap it in a list: [text]")
    texts = []
    for i, t in enumerate(X):
        if isinstance(t, str):
            texts.append(t)
        elif is_missing(t):  # an empty cell of a data frame: no text
            texts.append("")
        else:
            raise TypeError(f"text {i} is a {type(t).__name__}, not a str")
    return texts


def is_missing(value: object) -> bool:
    """Whether ``value`` is a missing value: ``None``, a NaN of any float type, ``NaT`` or
    ``pd.NA`` (recognised without importing pandas: a missing value is not equal to itself,
    and ``pd.NA``'s comparison is NA again, which refuses to be a bool)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pd.NA
        return True
    except ValueError:  # an array: its truth is ambiguous, and it is not a text either
        return False


def _require_words(texts: list[str]) -> None:
    """Refuse training data without a single word: the model would learn only its priors
    and then score every text alike. Stops at the first text with a word (cheap)."""
    from .text import tokenize

    if not any(text.strip() and tokenize(text) for text in texts):
        raise ValueError(
            f"no text has any word: all {len(texts)} training texts are empty or only punctuation; "
            "check that the text column holds the texts (e.g. --text-column)"
        )


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def best_threshold(y: np.ndarray, scores: np.ndarray, *, negative_weight: float = 1.0) -> float:
    """The score threshold that maximises F1 on ``(y, scores)``.

    ``negative_weight`` counts each negative example that many times, which mimics a
    stream where the label is rarer than in the training data.
    """
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_y = scores[order], y[order]
    tp = np.cumsum(sorted_y)
    fp = np.cumsum(1 - sorted_y) * negative_weight
    positives = max(1, y.sum())
    f1 = 2 * tp / (tp + fp + positives)
    # Only cut between distinct scores.
    valid = np.r_[sorted_scores[1:] < sorted_scores[:-1], True]
    f1 = np.where(valid, f1, -1)
    i = int(np.argmax(f1))
    below = sorted_scores[i + 1] if i + 1 < len(sorted_scores) else 0.0
    return float(np.clip((sorted_scores[i] + below) / 2, 0.05, 0.95))


class Classifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier of Indonesian complaints and posts.

    One logistic regression per label (``illegal_fee``, ``slow_service``, ``campaign``)
    over word and character n-grams of preprocessed text; a text none of them fires
    for is ``other``. Per-label decision thresholds are chosen by cross-validation.

    Parameters
    ----------
    preprocessor : IndonesianPreprocessor, optional
        The preprocessing; defaults to ``IndonesianPreprocessor()``.
    word_ngram_range : tuple of int, default=(1, 2)
    char_ngram_range : tuple of int or None, default=(3, 5)
        Character n-grams inside terms (see :class:`TextFeatures`).
    subwords : {"oov", "all"}, default="oov"
        Which terms get character n-grams (see :class:`TextFeatures`).
    min_df : int, default=2
    cues : bool, default=True
        Add cue features beyond n-grams (see :class:`TextFeatures`).
    C : float, default=8.0
        Inverse regularisation strength of each logistic regression.
    class_weight : {"balanced"} or None, default="balanced"
    thresholds : "cv", float or dict, default="cv"
        ``"cv"`` picks each label's threshold by ``cv``-fold cross-validation on the
        training data; a float or a ``{label: float}`` dict fixes them.
    negative_weight : float, default=1.0
        When choosing thresholds by cross-validation, count each negative example this
        many times (above 1 for streams where the labels are rarer than in training).
    calibration : {"sigmoid"} or None, default="sigmoid"
        Platt-scale each label's probabilities on out-of-fold predictions (only with
        ``thresholds="cv"``), so that a probability of 0.8 means about 80% of such texts
        carry the label in data like the training data.
    augment : int, default=2
        Noisy copies of each training text to add (slang swaps, dropped vowels, typos,
        lower case; see ``kpkclassify._augment``). Cross-validation adds them to the
        training folds only, so the scores stay honest.
    cv : int, default=5
    random_state : int, default=0

    Attributes
    ----------
    labels_ : tuple of str
        The label of each probability column.
    classes_ : ndarray of str
        Same as ``labels_``.
    features_ : TextFeatures
    estimators_ : list of LogisticRegression
        One per label.
    thresholds_ : ndarray of shape (3,)
    cv_scores_ : dict
        Cross-validated precision, recall and F1 per label (when ``thresholds="cv"``).

    Examples
    --------
    >>> clf = Classifier(cv=2).fit(texts, labels)          # doctest: +SKIP
    >>> clf.predict(["Disuruh bayar 200rb biar SIM cepat jadi"])  # doctest: +SKIP
    [('illegal_fee',)]
    """

    def __init__(
        self,
        *,
        preprocessor: IndonesianPreprocessor | None = None,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] | None = (3, 5),
        subwords: str = "oov",
        min_df: int = 2,
        cues: bool = True,
        C: float = 8.0,
        class_weight: str | None = "balanced",
        thresholds: str | float | dict = "cv",
        negative_weight: float = 1.0,
        calibration: str | None = "sigmoid",
        augment: int = 2,
        cv: int = 5,
        random_state: int = 0,
    ) -> None:
        self.preprocessor = preprocessor
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.subwords = subwords
        self.min_df = min_df
        self.cues = cues
        self.C = C
        self.class_weight = class_weight
        self.thresholds = thresholds
        self.negative_weight = negative_weight
        self.calibration = calibration
        self.augment = augment
        self.cv = cv
        self.random_state = random_state

    # -- fitting --------------------------------------------------------------------
    def _new_features(self) -> TextFeatures:
        return TextFeatures(
            preprocessor=self.preprocessor,
            word_ngram_range=self.word_ngram_range,
            char_ngram_range=self.char_ngram_range,
            subwords=self.subwords,
            min_df=self.min_df,
            cues=self.cues,
        )

    def _new_estimator(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C, class_weight=self.class_weight, solver="liblinear", max_iter=1000,
            random_state=self.random_state,
        )

    def _fit_models(self, features: TextFeatures, terms: Sequence[Sequence[str]], Y: np.ndarray) -> list[LogisticRegression]:
        matrix = features.fit_terms(terms).transform_terms(terms)
        return [self._new_estimator().fit(matrix, Y[:, j]) for j in range(len(LABELS))]

    def fit(self, X: Iterable[str], y: Iterable[str | Sequence[str]]) -> Classifier:
        """Fit on raw texts and their labels.

        Parameters
        ----------
        X : iterable of str
        y : iterable of str or of sequences of str
            Each row's labels: ``"illegal_fee"``, ``"illegal_fee|slow_service"``,
            ``["campaign"]``, ``"other"`` or ``""``.

        Returns
        -------
        self
        """
        texts = _as_texts(X)
        y = list(y)
        if len(texts) != len(y):
            raise ValueError(f"X has {len(texts)} texts but y has {len(y)} label rows")
        _require_words(texts)
        Y = to_indicator(y)
        for j, label in enumerate(LABELS):
            count = int(Y[:, j].sum())
            if count < 2 or count > len(Y) - 2:
                raise ValueError(
                    f"label {label!r} has {count} positive examples out of {len(Y)}; "
                    "each label needs at least 2 positive and 2 negative examples"
                )
        features = self._new_features()
        terms = features.to_terms(texts)
        noisy = self._noisy_terms(features, texts, y)
        self.thresholds_ = self._thresholds(terms, Y, noisy)
        self.estimators_ = self._fit_models(features, terms + [t for copy in noisy for t in copy],
                                            np.vstack([Y] * (1 + len(noisy))))
        self.features_ = features
        self.labels_ = LABELS
        self.classes_ = np.asarray(LABELS, dtype=object)
        self.model_format_ = MODEL_FORMAT
        return self

    def _noisy_terms(self, features: TextFeatures, texts: list[str], y: list) -> list[list[list[str]]]:
        """The terms of each noisy copy of the training texts, one list per copy, aligned with them."""
        from ._augment import augment

        if not self.augment:
            return []
        noisy_texts, _ = augment(texts, y, self.augment, seed=self.random_state)
        n = len(texts)
        return [features.to_terms(noisy_texts[n * (k + 1) : n * (k + 2)]) for k in range(self.augment)]

    def _thresholds(self, terms: list[list[str]], Y: np.ndarray, noisy: list | None = None) -> np.ndarray:
        self.cv_scores_ = {}
        self.calibration_ = None
        if isinstance(self.thresholds, dict):
            return np.asarray([float(self.thresholds.get(label, 0.5)) for label in LABELS])
        if self.thresholds != "cv":
            return np.full(len(LABELS), float(self.thresholds))
        scores = self.cross_val_scores(terms, Y, noisy)
        self.calibration_ = self._fit_calibration(scores, Y)
        scores = self._calibrate(scores)
        thresholds = np.asarray(
            [best_threshold(Y[:, j], scores[:, j], negative_weight=self.negative_weight) for j in range(len(LABELS))]
        )
        from ._evaluate import label_metrics

        self.cv_scores_ = label_metrics(Y, (scores >= thresholds).astype(np.int8))
        return thresholds

    def _fit_calibration(self, scores: np.ndarray, Y: np.ndarray) -> np.ndarray | None:
        """Platt scaling per label, fitted on out-of-fold probabilities: ``(a, b)`` rows."""
        if self.calibration is None:
            return None
        if self.calibration != "sigmoid":
            raise ValueError(f"calibration must be 'sigmoid' or None, got {self.calibration!r}")
        params = []
        for j in range(Y.shape[1]):
            logit = _logit(scores[:, j]).reshape(-1, 1)
            platt = LogisticRegression(C=1e6, solver="lbfgs").fit(logit, Y[:, j])
            params.append((float(platt.coef_[0, 0]), float(platt.intercept_[0])))
        return np.asarray(params)

    def _calibrate(self, proba: np.ndarray) -> np.ndarray:
        calibration = getattr(self, "calibration_", None)
        if calibration is None:
            return proba
        return 1.0 / (1.0 + np.exp(-(_logit(proba) * calibration[:, 0] + calibration[:, 1])))

    def cross_val_scores(self, terms: list[list[str]], Y: np.ndarray, noisy: list | None = None) -> np.ndarray:
        """Out-of-fold probabilities for preprocessed ``terms`` (features refit per fold;
        noisy copies, if any, join the training folds only)."""
        noisy = noisy or []
        strata = Y @ (1 << np.arange(Y.shape[1]))  # stratify by label combination
        counts = np.bincount(strata)
        # Combinations too rare to spread over the folds join the most common one.
        strata = np.where(counts[strata] >= self.cv, strata, int(np.argmax(counts)))
        folds = StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        out = np.zeros(Y.shape, dtype=np.float64)
        for train, test in folds.split(np.zeros(len(terms)), strata):
            features = self._new_features()
            fold_terms = [terms[i] for i in train] + [copy[i] for copy in noisy for i in train]
            models = self._fit_models(features, fold_terms, np.vstack([Y[train]] * (1 + len(noisy))))
            matrix = features.transform_terms([terms[i] for i in test])
            for j, model in enumerate(models):
                out[test, j] = model.predict_proba(matrix)[:, 1]
        return out

    # -- predicting -----------------------------------------------------------------
    def _per_batch(self, X: Iterable[str], score) -> np.ndarray:
        """``score(feature matrix)`` for the texts in batches of ``BATCH`` and stacked: memory
        stays bounded for any number of texts, and batches of this size keep the feature
        pipeline's arrays in the processor's caches (faster than one huge batch)."""
        check_is_fitted(self, "estimators_")
        texts = _as_texts(X)
        if not texts:  # scikit-learn refuses a matrix of zero rows; the answer is known
            return np.zeros((0, len(self.estimators_)), dtype=np.float64)
        if len(texts) <= BATCH:
            return score(self.features_.transform(texts))
        return np.vstack([score(self.features_.transform(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)])

    def predict_proba_matrix(self, matrix) -> np.ndarray:
        """Probabilities from an already computed feature matrix (calibrated when fitted so)."""
        return self._calibrate(np.column_stack([m.predict_proba(matrix)[:, 1] for m in self.estimators_]))

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Per-label probabilities, shape ``(n_texts, 3)``, columns in the order of ``labels_``."""
        return self._per_batch(X, self.predict_proba_matrix)

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Per-label linear scores, shape ``(n_texts, 3)``."""
        return self._per_batch(X, lambda matrix: np.column_stack([m.decision_function(matrix)
                                                                   for m in self.estimators_]))

    def predict_indicator(self, X: Iterable[str]) -> np.ndarray:
        """A 0/1 matrix of shape ``(n_texts, 3)``: which labels apply."""
        return (self.predict_proba(X) >= self.thresholds_).astype(np.int8)

    def predict(self, X: Iterable[str]) -> list[tuple[str, ...]]:
        """One tuple of labels per text; ``("other",)`` when none applies."""
        return from_indicator(self.predict_indicator(X))

    def classify(self, X: Iterable[str]) -> list[Prediction]:
        """Rich results: labels, the single top label, and per-label probabilities."""
        return self.predictions_from_proba(self.predict_proba(X))

    def predictions_from_proba(self, proba: np.ndarray) -> list[Prediction]:
        check_is_fitted(self, "thresholds_")
        applies = proba >= self.thresholds_
        results = []
        for row, hits in zip(proba, applies):
            labels = tuple(LABELS[j] for j in np.flatnonzero(hits)) or (OTHER,)
            top = LABELS[int(np.argmax(np.where(hits, row, -1)))] if hits.any() else OTHER
            results.append(Prediction(labels, top, {label: float(p) for label, p in zip(LABELS, row)}))
        return results

    def score(self, X: Iterable[str], y: Iterable[str | Sequence[str]], sample_weight: object = None) -> float:
        """Macro-averaged F1 over the three labels (used by ``GridSearchCV``)."""
        from sklearn.metrics import f1_score

        return float(f1_score(to_indicator(list(y)), self.predict_indicator(X), average="macro", zero_division=0))

    def evaluate(self, X: Iterable[str], y: Iterable, *, n_errors: int = 10):
        """Precision, recall and F1 per label on labelled data, plus the most confident errors.

        Parameters
        ----------
        X : iterable of str
        y : iterable of labels (any form :func:`kpkclassify.parse_labels` takes)
        n_errors : int, default=10
            How many of the most confident errors to keep.

        Returns
        -------
        Evaluation
        """
        from ._evaluate import evaluate_predictions

        texts = _as_texts(X)
        return evaluate_predictions(list(y), self.predict_proba(texts), self.thresholds_, texts, n_errors=n_errors)

    # -- explaining -----------------------------------------------------------------
    def explain(self, text: str, *, top: int = 5, labels: Sequence[str] | None = None) -> dict[str, list[tuple[str, float]]]:
        """The words of ``text`` that pushed each label's score up most.

        Parameters
        ----------
        text : str
        top : int, default=5
            How many words per label.
        labels : sequence of str, optional
            Which labels to explain; by default the predicted ones.

        Returns
        -------
        dict of str to list of (str, float)
            For each label, ``(word, weight)`` pairs: the user's own words (lower-cased,
            not stems), with the sum of the linear contributions of every feature they
            take part in.
        """
        from .text import preprocess_aligned

        check_is_fitted(self, "estimators_")
        pre = self.features_._preprocessor()
        aligned = preprocess_aligned(
            text, placeholders=pre.placeholders, hashtags=pre.hashtags, money=pre.money, emoji=pre.emoji,
            slang=pre.slang, stem=pre.stem, stopwords=pre.stopwords, repair=pre.repair, lexicon=pre._lexicon(),
        )
        aligned = _restore_amounts(text, aligned)
        term_words: dict[str, list[str]] = defaultdict(list)
        for word, terms in aligned:
            for term in terms:
                if word not in term_words[term]:
                    term_words[term].append(word)
        sequence = [t for _, terms in aligned for t in terms]
        vectorizer = self.features_.vectorizer_
        matrix = vectorizer.transform([sequence])
        # Which terms each column of this text comes from: a term's own columns, and each
        # bigram's column shared by its two terms.
        owners: dict[int, list[str]] = defaultdict(list)
        for term in sequence:
            for column in vectorizer.term_columns(term):
                owners[column].append(term)
        for a, b in zip(sequence, sequence[1:]):
            column = vectorizer.bigram_column(a, b)
            if column is not None:
                owners[column] += [a, b]
        if labels is None:
            labels = [p for p in self.predict([text])[0] if p != OTHER]
        result: dict[str, list[tuple[str, float]]] = {}
        row = matrix.getrow(0)
        for label in labels:
            coef = self.estimators_[LABELS.index(label)].coef_.ravel()
            weights: dict[str, float] = defaultdict(float)
            for column, value in zip(row.indices, row.data):
                terms = owners.get(int(column), [])
                contribution = float(coef[column] * value)
                for term in terms:
                    for word in term_words.get(term, []):
                        weights[word] += contribution / len(terms)
            ranked = sorted(((w, round(v, 4)) for w, v in weights.items() if v > 0), key=lambda p: -p[1])
            result[label] = ranked[:top]
        return result

    def _feature_names(self) -> np.ndarray:
        # Cached outside the estimator so that it never ends up in a saved model.
        names = _FEATURE_NAMES.get(self.features_)
        if names is None:
            names = _FEATURE_NAMES[self.features_] = self.features_.get_feature_names_out()
        return names

    # -- persistence ----------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Save with skops (see :func:`kpkclassify.save`)."""
        from ._persist import save

        save(self, path)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.multi_output = True
        return tags


def _restore_amounts(text: str, aligned: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, tuple[str, ...]]]:
    """Show money placeholders as the amounts the user wrote (``_money_`` -> ``200rb``)."""
    from .text._money import find_amounts
    from .text._normalize import _clean_unicode

    lowered = _clean_unicode(text).lower()
    spans = [lowered[start:end].strip() for start, end, _ in find_amounts(lowered)]
    restored, k = [], -1
    for word, terms in aligned:
        if word == "_money_":
            k += 1
        if (word == "_money_" or word.startswith("_rp1e")) and 0 <= k < len(spans):
            word = spans[k]
        restored.append((word, terms))
    return restored
