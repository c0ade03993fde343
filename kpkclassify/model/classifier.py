"""The classifier: a scikit-learn estimator over raw Indonesian texts."""

from __future__ import annotations

import os
import weakref
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from kpkclassify._missing import is_missing
from kpkclassify.features.compiled import EncodedTexts
from kpkclassify.features.text_features import TextFeatures
from kpkclassify.labels import OTHER, decide, from_indicator, label_combinations, label_set, pooled_strata, to_indicator, top_label
from kpkclassify.model.thresholds import best_threshold, fit_platt
from kpkclassify.text import IndonesianPreprocessor

_FEATURE_NAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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
        The probability of each label of the model.
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


def _is_missing(value: object) -> bool:
    """``None`` or a float NaN (numpy's, pandas' ``NA``/``NaT`` included): no group given."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT and pandas.NA are not equal to themselves
    except (TypeError, ValueError):  # pandas.NA's comparison cannot be made a bool
        return True


def _require_words(texts: list[str]) -> None:
    """Refuse training data without a single word: the model would learn only its priors
    and then score every text alike. Stops at the first text with a word (cheap)."""
    from kpkclassify.text import tokenize

    if not any(text.strip() and tokenize(text) for text in texts):
        raise ValueError(
            f"no text has any word: all {len(texts)} training texts are empty or only punctuation; "
            "check that the text column holds the texts (e.g. --text-column)"
        )


class Classifier(ClassifierMixin, BaseEstimator):
    """Multi-label classifier of Indonesian complaints and posts.

    One logistic regression per label (by default ``illegal_fee``, ``slow_service``,
    ``campaign``) over word and character n-grams of preprocessed text; a text none of
    them fires for is ``other``. Per-label decision thresholds are chosen by
    cross-validation.

    It follows scikit-learn's multi-label conventions: ``predict`` returns the 0/1
    indicator matrix over ``classes_``, ``fit`` takes label strings or that matrix, and
    ``score`` is macro-F1, so ``cross_val_score(clf, texts, Y, scoring="f1_macro")`` and
    ``GridSearchCV`` work on raw texts.

    Parameters
    ----------
    labels : str or sequence of str, optional
        The label set: ours (``illegal_fee``, ``slow_service``, ``campaign``) by default,
        or your own, e.g. ``["illegal_fee", "slow_service", "nepotism"]`` (or the string
        ``"illegal_fee,slow_service,nepotism"``). A label in the training data outside
        this set is an error. ``other`` is never a label: it is the empty set.
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
        training data; a float or a ``{label: float}`` dict fixes them (a dict's keys
        must be labels of the model; labels it leaves out get 0.5).
    negative_weight : float, default=1.0
        When choosing thresholds by cross-validation, count each negative example this
        many times (above 1 for streams where the labels are rarer than in training).
    calibration : {"sigmoid"} or None, default="sigmoid"
        Platt-scale each label's probabilities on out-of-fold predictions (only with
        ``thresholds="cv"``), so that a probability of 0.8 means about 80% of such texts
        carry the label in data like the training data.
    augment : int, default=2
        Noisy copies of each training text to add (slang swaps, dropped vowels, typos,
        lower case; see ``kpkclassify.model.augment``). Cross-validation adds them to the
        training folds only, so the scores stay honest.
    cv : int or cross-validation splitter, default=5
        The folds of ``thresholds="cv"``: a number of folds, stratified by label
        combination, or, when :meth:`fit` is given ``groups``, a :class:`GroupKFold` of
        that many folds, so that no group (a register, a source, a template) is on both
        sides of a fold; or a scikit-learn splitter such as ``LeaveOneGroupOut()``, called
        as ``split(X, strata, groups)``.
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
    thresholds_ : ndarray of shape (n_labels,)
    calibration_ : ndarray of shape (n_labels, 2) or None
        Platt parameters ``(a, b)`` per label.
    cv_scores_ : dict
        Cross-validated precision, recall and F1 per label (when ``thresholds="cv"``).

    Examples
    --------
    >>> clf = Classifier(cv=2).fit(texts, labels)          # doctest: +SKIP
    >>> clf.predict(["Disuruh bayar 200rb biar SIM cepat jadi"])  # doctest: +SKIP
    array([[1, 0, 0]], dtype=int8)
    >>> clf.predict_labels(["Disuruh bayar 200rb biar SIM cepat jadi"])  # doctest: +SKIP
    [('illegal_fee',)]
    """

    _parameter_constraints: dict = {
        "labels": [None, str, list, tuple],
        "preprocessor": [None, IndonesianPreprocessor],
        "word_ngram_range": [tuple, list],
        "char_ngram_range": [None, tuple, list],
        "subwords": [StrOptions({"oov", "all"})],
        "min_df": [Interval(Integral, 1, None, closed="left")],
        "cues": ["boolean"],
        "C": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [StrOptions({"balanced"}), None],
        "thresholds": [StrOptions({"cv"}), Interval(Real, 0, 1, closed="both"), dict],
        "negative_weight": [Interval(Real, 0, None, closed="neither")],
        "calibration": [StrOptions({"sigmoid"}), None],
        "augment": [Interval(Integral, 0, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left"), HasMethods(["split", "get_n_splits"])],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        labels: str | Sequence[str] | None = None,
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
        cv: int | object = 5,
        random_state: int = 0,
    ) -> None:
        self.labels = labels
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

    # -- checking parameters ----------------------------------------------------------
    def _check_params(self, labels: tuple[str, ...]) -> None:
        """What scikit-learn's constraints cannot say: ranges of n-gram sizes, threshold keys."""
        for name in ("word_ngram_range", "char_ngram_range"):
            value = getattr(self, name)
            if value is None:
                continue
            if len(value) != 2 or not all(isinstance(v, Integral) for v in value) or not 1 <= value[0] <= value[1]:
                raise ValueError(f"{name} must be (low, high) with 1 <= low <= high, got {value!r}")
        if isinstance(self.thresholds, dict):
            unknown = sorted(set(self.thresholds) - set(labels))
            if unknown:
                raise ValueError(f"thresholds names unknown labels {unknown}; the labels are {', '.join(labels)}")
            bad = {k: v for k, v in self.thresholds.items() if not (isinstance(v, Real) and 0 <= float(v) <= 1)}
            if bad:
                raise ValueError(f"thresholds must be numbers from 0 to 1, got {bad}")

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

    def _fit_models(self, features: TextFeatures, terms: EncodedTexts, Y: np.ndarray,
                    weight: np.ndarray | None) -> list[LogisticRegression]:
        matrix = features.fit_encoded(terms).transform_encoded(terms)
        return [self._new_estimator().fit(matrix, Y[:, j], sample_weight=weight) for j in range(Y.shape[1])]

    def _indicator(self, y: object, n: int, labels: tuple[str, ...]) -> np.ndarray:
        """Labels in any accepted form -> an ``(n, n_labels)`` 0/1 matrix."""
        if hasattr(y, "toarray"):  # a sparse indicator matrix
            y = y.toarray()
        array = np.asarray(y, dtype=object) if not isinstance(y, np.ndarray) else y
        if array.ndim == 2:
            try:
                Y = np.asarray(array, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError("a 2-D y must be a 0/1 indicator matrix with one column per label") from None
            if Y.shape != (n, len(labels)) or not np.isin(Y, (0, 1)).all():
                raise ValueError(f"a 2-D y must be a 0/1 matrix of shape ({n}, {len(labels)}): one column per "
                                 f"label of {labels}; got shape {Y.shape}")
            return Y.astype(np.int8)
        rows = list(y)  # type: ignore[call-overload]
        if len(rows) != n:
            raise ValueError(f"X has {n} texts but y has {len(rows)} label rows")
        return to_indicator(rows, labels)

    def fit(self, X: Iterable[str], y: object, sample_weight: object = None, groups: object = None) -> Classifier:
        """Fit on raw texts and their labels.

        Parameters
        ----------
        X : iterable of str
        y : iterable of str or of sequences of str, or array-like of shape (n_texts, n_labels)
            Each row's labels: ``"illegal_fee"``, ``"illegal_fee|slow_service"``,
            ``["campaign"]``, ``"other"`` or ``""``; or a 0/1 indicator matrix with one
            column per label of the model.
        sample_weight : array-like of shape (n_texts,), optional
            Weight of each text in the fit, the thresholds and the calibration.
        groups : array-like of shape (n_texts,), optional
            A group per text (e.g. its register or source). The cross-validation that
            chooses thresholds and calibration then never puts one group on both sides of
            a fold (see ``cv``): out-of-fold scores imitate texts of an unseen source rather
            than near copies of training rows. Not used for the fit itself. Missing values
            (``None``, NaN) are refused, and so is a fold whose training part has no positive
            or no negative example of a label (a ``ValueError`` naming the label and the
            held-out groups: use fewer folds or groups that mix labels).

        Returns
        -------
        self
        """
        self._validate_params()
        labels = label_set(self.labels)
        self._check_params(labels)
        texts = _as_texts(X)
        Y = self._indicator(y, len(texts), labels)
        weight = None if sample_weight is None else _check_sample_weight(sample_weight, np.zeros((len(texts), 1)))
        for j, label in enumerate(labels):
            count = int(Y[:, j].sum())
            if count < 2 or count > len(Y) - 2:
                raise ValueError(
                    f"label {label!r} has {count} positive examples out of {len(Y)}; "
                    "each label needs at least 2 positive and 2 negative examples"
                )
        features = self._new_features()
        _require_words(texts)
        terms = features.encode(texts)
        noisy = self._noisy_terms(features, texts, Y, labels)
        copies = 1 + len(noisy)
        self.labels_ = labels
        self.classes_ = np.asarray(labels, dtype=object)
        self.thresholds_ = self._thresholds(terms, Y, noisy, weight, groups=self._groups(groups, len(texts)))
        self.estimators_ = self._fit_models(features, EncodedTexts.concatenate([terms, *noisy]),
                                            np.vstack([Y] * copies), None if weight is None else np.tile(weight, copies))
        self.features_ = features
        self.__dict__.pop("card_", None)  # a card describes the fit it came with, not this one
        return self

    def _noisy_terms(self, features: TextFeatures, texts: list[str], Y: np.ndarray,
                     labels: tuple[str, ...]) -> list[EncodedTexts]:
        """The encoded terms of each noisy copy of the training texts, one per copy, aligned with them."""
        from kpkclassify.model.augment import augment

        if not self.augment:
            return []
        noisy_texts, _ = augment(texts, from_indicator(Y, labels), self.augment, seed=self.random_state)
        n = len(texts)
        return [features.encode(noisy_texts[n * (k + 1) : n * (k + 2)]) for k in range(self.augment)]

    @staticmethod
    def _groups(groups: object, n: int) -> np.ndarray | None:
        if groups is None:
            return None
        array = np.asarray(groups, dtype=object).ravel()
        if len(array) != n:
            raise ValueError(f"X has {n} texts but groups has {len(array)} values")
        missing = [i for i, value in enumerate(array.tolist()) if _is_missing(value)]
        if missing:
            shown = ", ".join(str(i) for i in missing[:10]) + (", ..." if len(missing) > 10 else "")
            raise ValueError(f"groups has {len(missing)} missing value(s) (None or NaN) at position(s) {shown}; "
                             "give every text a group (e.g. 'unknown')")
        if len(set(array.tolist())) < 2:
            raise ValueError("groups must hold at least 2 distinct values")
        return array

    def _splits(self, strata: np.ndarray, groups: np.ndarray | None) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (train, test) positions of the threshold cross-validation (see ``cv``)."""
        from sklearn.model_selection import GroupKFold

        X = np.zeros(len(strata))
        cv: Any = self.cv
        if not isinstance(cv, Integral):
            return list(cv.split(X, strata, groups))
        n_splits = int(cv)
        if groups is not None:
            n_groups = len(set(groups.tolist()))
            if n_groups < n_splits:
                raise ValueError(f"cv={n_splits} folds need at least {n_splits} groups; groups has {n_groups}")
            return list(GroupKFold(n_splits=n_splits).split(X, strata, groups))
        return list(StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state).split(X, strata))

    def _check_fold(self, Y: np.ndarray, train: np.ndarray, test: np.ndarray, groups: np.ndarray | None) -> None:
        """A fold can be trained only when its training part has a positive and a negative of each label."""
        counts = Y[train].sum(axis=0)
        for j, label in enumerate(label_set(self.labels) if getattr(self, "labels_", None) is None else self.labels_):
            if 0 < counts[j] < len(train):
                continue
            lacking = "positive" if counts[j] == 0 else "negative"
            if groups is not None:
                held = sorted({str(g) for g in groups[test].tolist()})
                where = f"with the group(s) {', '.join(held[:10])}{', ...' if len(held) > 10 else ''} held out"
                advice = ("use fewer folds (cv), groups that each mix labels, or spread the label's examples "
                          "over more groups")
            else:
                where = f"in a fold of {len(test)} held-out texts"
                advice = "use fewer folds (cv) or more examples of the label"
            raise ValueError(f"the threshold cross-validation cannot train label {label!r}: {where}, the training "
                             f"part has no {lacking} example of it; {advice}")

    def _thresholds(self, terms: EncodedTexts, Y: np.ndarray, noisy: list, weight: np.ndarray | None,
                    groups: np.ndarray | None = None) -> np.ndarray:
        self.cv_scores_ = {}
        self.calibration_ = None
        labels = self.labels_
        if isinstance(self.thresholds, dict):
            return np.asarray([float(self.thresholds.get(label, 0.5)) for label in labels])
        if self.thresholds != "cv":
            return np.full(len(labels), float(self.thresholds))
        scores = self.cross_val_scores(terms, Y, noisy, weight, groups=groups)
        if self.calibration == "sigmoid":
            self.calibration_ = np.asarray([fit_platt(scores[:, j], Y[:, j], weight) for j in range(Y.shape[1])])
        scores = self._calibrate(scores)
        thresholds = np.asarray([
            best_threshold(Y[:, j], scores[:, j], negative_weight=self.negative_weight, sample_weight=weight)
            for j in range(len(labels))
        ])
        from kpkclassify.metrics import label_metrics

        self.cv_scores_ = label_metrics(Y, decide(scores, thresholds).astype(np.int8), labels)
        return thresholds

    def _calibrate(self, proba: np.ndarray) -> np.ndarray:
        from kpkclassify.model.thresholds import apply_platt

        return apply_platt(proba, getattr(self, "calibration_", None))

    def cross_val_scores(self, terms: EncodedTexts, Y: np.ndarray, noisy: list | None = None,
                         weight: np.ndarray | None = None, groups: np.ndarray | None = None) -> np.ndarray:
        """Out-of-fold probabilities for ``terms`` encoded by :meth:`TextFeatures.encode` (features refit per fold;
        noisy copies, if any, join the training folds only; ``groups``: see :meth:`fit`)."""
        noisy = noisy or []
        cv: Any = self.cv
        n_splits = int(cv) if isinstance(cv, Integral) else cv.get_n_splits(np.zeros(len(Y)), label_combinations(Y), groups)
        strata = pooled_strata(Y, n_splits)  # stratified by label combination
        out = np.zeros(Y.shape, dtype=np.float64)
        copies = 1 + len(noisy)
        splits = self._splits(strata, groups)
        for train, test in splits:
            self._check_fold(Y, train, test, groups)
        for train, test in splits:
            features = self._new_features()
            fold_terms = EncodedTexts.concatenate([terms.take(train)] + [copy.take(train) for copy in noisy])
            fold_weight = None if weight is None else np.tile(weight[train], copies)
            models = self._fit_models(features, fold_terms, np.vstack([Y[train]] * copies), fold_weight)
            matrix = features.transform_encoded(terms.take(test))
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
        """Per-label probabilities, shape ``(n_texts, n_labels)``, columns in the order of ``classes_``."""
        return self._per_batch(X, self.predict_proba_matrix)

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Per-label linear scores, shape ``(n_texts, n_labels)``."""
        return self._per_batch(X, lambda matrix: np.column_stack([m.decision_function(matrix)
                                                                   for m in self.estimators_]))

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """The 0/1 indicator matrix of shape ``(n_texts, n_labels)`` over ``classes_``
        (scikit-learn's multi-label form; a row of zeros is ``other``).

        For label names use :meth:`predict_labels`; for probabilities and the top label,
        :meth:`classify`.
        """
        return decide(self.predict_proba(X), self.thresholds_).astype(np.int8)

    def predict_labels(self, X: Iterable[str]) -> list[tuple[str, ...]]:
        """One tuple of label names per text; ``("other",)`` when none applies."""
        return from_indicator(self.predict(X), self.labels_)

    def classify(self, X: Iterable[str]) -> list[Prediction]:
        """Rich results: labels, the single top label, and per-label probabilities."""
        return self.predictions_from_proba(self.predict_proba(X))

    def predictions_from_proba(self, proba: np.ndarray) -> list[Prediction]:
        """:class:`Prediction` s from probabilities of this model (rows of :meth:`predict_proba`)."""
        check_is_fitted(self, "thresholds_")
        applies = decide(proba, self.thresholds_)
        labels = self.labels_
        return [
            Prediction(tuple(labels[j] for j in np.flatnonzero(hits)) or (OTHER,), top,
                       {label: float(p) for label, p in zip(labels, row)})
            for row, hits, top in zip(proba, applies, top_label(proba, applies, labels))
        ]

    def score(self, X: Iterable[str], y: object, sample_weight: object = None) -> float:
        """Macro-averaged F1 over the labels (what ``GridSearchCV`` maximises).

        Parameters
        ----------
        X : iterable of str
        y : labels in any form :meth:`fit` takes
        sample_weight : array-like of shape (n_texts,), optional
        """
        from sklearn.metrics import f1_score

        check_is_fitted(self, "estimators_")
        texts = _as_texts(X)
        Y = self._indicator(y, len(texts), self.labels_)
        return float(f1_score(Y, self.predict(texts), average="macro", zero_division=0, sample_weight=sample_weight))

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
        from kpkclassify.metrics import evaluate_predictions

        texts = _as_texts(X)
        return evaluate_predictions(list(y), self.predict_proba(texts), self.thresholds_, texts,
                                    n_errors=n_errors, label_names=self.labels_)

    # -- explaining -----------------------------------------------------------------
    def explain(self, text: str, *, top: int = 5, labels: Sequence[str] | None = None) -> dict[str, list[tuple[str, float]]]:
        """The words of ``text`` that pushed each label's score up most.

        The weights are the model's own: each feature of the row the model scores (word
        n-grams, sub-words and cues) times its coefficient, shared among the words it
        comes from. Cues that belong to no single word (the text's length, a question
        mark, a hashtag) are shown in brackets, e.g. ``[cue: question]``.

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
        from kpkclassify.text import preprocess_aligned

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
        encoded = self.features_.encode([text])
        row = self.features_.transform_encoded(encoded).getrow(0)  # the row the model scores
        scored = encoded.term_lists()[0]  # the terms of that row: the text's, then its cues
        if self.features_.cues:
            cues = scored[len(sequence):]
            for cue in cues:
                name = cue.strip("_")
                shown = f"[cue: {name[4:] if name.startswith('cue_') else name}]"
                term_words[cue] = list(term_words.get(cue[4:], [])) if cue.startswith("neg_") else [shown]
        sequence = scored
        vectorizer = self.features_.vectorizer_
        # Which terms each column of this text comes from: a term's own columns, and each
        # n-gram's column shared by its terms.
        owners: dict[int, list[str]] = defaultdict(list)
        for term in sequence:
            for column in vectorizer.term_columns(term):
                owners[column].append(term)
        for ngram, start, length in vectorizer.ngram_columns(sequence):
            owners[ngram] += sequence[start : start + length]
        if labels is None:
            labels = [p for p in self.predict_labels([text])[0] if p != OTHER]
        result: dict[str, list[tuple[str, float]]] = {}
        for label in labels:
            coef = self.estimators_[self.labels_.index(label)].coef_.ravel()
            weights: dict[str, float] = defaultdict(float)
            for column, value in zip(row.indices, row.data):
                owned = owners.get(int(column), [])
                contribution = float(coef[column] * value)
                for term in owned:
                    words = term_words.get(term, [])
                    for word in words:
                        weights[word] += contribution / len(owned) / len(words)
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
        from kpkclassify.persist import save

        save(self, path)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags


def _restore_amounts(text: str, aligned: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, tuple[str, ...]]]:
    """Show money placeholders as the amounts the user wrote (``_money_`` -> ``200rb``)."""
    from kpkclassify.text._money import find_amounts
    from kpkclassify.text._normalize import _clean_unicode

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
