"""Features of preprocessed texts: word n-grams and character n-grams of the terms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from .text import IndonesianPreprocessor


class TextFeatures(TransformerMixin, BaseEstimator):
    """Raw texts -> a sparse matrix of TF-IDF word n-grams and character n-grams.

    Texts are preprocessed once (:class:`~kpkclassify.text.IndonesianPreprocessor`);
    both vectorisers read the same term strings, so slang, stems and money tokens
    reach the character n-grams too.

    Parameters
    ----------
    preprocessor : IndonesianPreprocessor, optional
        Defaults to ``IndonesianPreprocessor()``.
    word_ngram_range : tuple of int, default=(1, 2)
    char_ngram_range : tuple of int or None, default=(2, 5)
        ``None`` turns character n-grams off.
    min_df : int, default=2
        Minimum number of training texts a feature must occur in.
    max_features : int or None, default=None
        Cap on each vectoriser's vocabulary.
    """

    def __init__(
        self,
        *,
        preprocessor: IndonesianPreprocessor | None = None,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] | None = (2, 5),
        min_df: int = 2,
        max_features: int | None = None,
    ) -> None:
        self.preprocessor = preprocessor
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_features = max_features

    # -- preprocessing --------------------------------------------------------------
    def _preprocessor(self) -> IndonesianPreprocessor:
        return self.preprocessor if self.preprocessor is not None else IndonesianPreprocessor()

    def to_terms(self, texts: Iterable[str]) -> list[str]:
        """Preprocess raw texts into space-joined term strings."""
        return self._preprocessor().transform(texts)

    # -- fitting --------------------------------------------------------------------
    def fit(self, X: Iterable[str], y: object = None) -> TextFeatures:
        """Learn the vocabularies and IDF weights from raw texts. Returns ``self``."""
        return self.fit_terms(self.to_terms(X))

    def fit_terms(self, terms: Sequence[str]) -> TextFeatures:
        """:meth:`fit` on texts already preprocessed with :meth:`to_terms`."""
        self._preprocessor().fit(terms)
        self.word_vectorizer_ = TfidfVectorizer(
            token_pattern=r"\S+",
            lowercase=False,
            ngram_range=tuple(self.word_ngram_range),
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=True,
            dtype=np.float32,
        ).fit(terms)
        self.char_vectorizer_ = None
        if self.char_ngram_range is not None:
            self.char_vectorizer_ = TfidfVectorizer(
                analyzer="char_wb",
                lowercase=False,
                ngram_range=tuple(self.char_ngram_range),
                min_df=self.min_df,
                max_features=self.max_features,
                sublinear_tf=True,
                dtype=np.float32,
            ).fit(terms)
        self.n_word_features_ = len(self.word_vectorizer_.vocabulary_)
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """Raw texts -> a CSR matrix of ``n_features_`` columns."""
        return self.transform_terms(self.to_terms(X))

    def transform_terms(self, terms: Sequence[str]) -> sp.csr_matrix:
        """:meth:`transform` on texts already preprocessed with :meth:`to_terms`."""
        check_is_fitted(self, "word_vectorizer_")
        blocks = [self.word_vectorizer_.transform(terms)]
        if self.char_vectorizer_ is not None:
            blocks.append(self.char_vectorizer_.transform(terms))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    @property
    def n_features_(self) -> int:
        check_is_fitted(self, "word_vectorizer_")
        n_char = len(self.char_vectorizer_.vocabulary_) if self.char_vectorizer_ is not None else 0
        return self.n_word_features_ + n_char

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Feature names: ``w:<n-gram>`` for word features, ``c:<n-gram>`` for character ones."""
        check_is_fitted(self, "word_vectorizer_")
        names = [f"w:{n}" for n in self.word_vectorizer_.get_feature_names_out()]
        if self.char_vectorizer_ is not None:
            names += [f"c:{n}" for n in self.char_vectorizer_.get_feature_names_out()]
        return np.asarray(names, dtype=object)

    # -- compact persistence ----------------------------------------------------------
    # A fitted vectoriser's vocabulary is a dict of tens of thousands of n-grams, which
    # skops would write as one JSON node per entry (tens of MB). We store each vocabulary
    # as one NumPy string array plus its IDF weights, and rebuild the vectoriser on load.
    _VECTORIZERS = ("word_vectorizer_", "char_vectorizer_")

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for name in self._VECTORIZERS:
            vectorizer = state.get(name)
            if vectorizer is not None:
                terms = np.empty(len(vectorizer.vocabulary_), dtype=object)
                for term, index in vectorizer.vocabulary_.items():
                    terms[index] = term
                params = vectorizer.get_params()
                params["dtype"] = np.dtype(params["dtype"]).name
                params["ngram_range"] = list(params["ngram_range"])
                state[name] = {"params": params, "terms": terms.astype(str), "idf": vectorizer.idf_}
        return state

    def __setstate__(self, state: dict) -> None:
        for name in self._VECTORIZERS:
            packed = state.get(name)
            if isinstance(packed, dict):
                params = dict(packed["params"])
                params["dtype"] = np.dtype(params["dtype"]).type
                params["ngram_range"] = tuple(params["ngram_range"])
                vectorizer = TfidfVectorizer(**params)
                vectorizer.vocabulary_ = {str(term): i for i, term in enumerate(packed["terms"])}
                vectorizer.fixed_vocabulary_ = False
                vectorizer.idf_ = np.asarray(packed["idf"])
                state[name] = vectorizer
        self.__dict__.update(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
