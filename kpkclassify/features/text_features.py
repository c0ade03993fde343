"""Features of preprocessed texts: word n-grams and character n-grams of the terms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from kpkclassify.features.cues import add_cues
from kpkclassify.features.vectorize import TermVectorizer
from kpkclassify.text import IndonesianPreprocessor


class TextFeatures(TransformerMixin, BaseEstimator):
    """Raw texts -> a sparse matrix of TF-IDF word n-grams and sub-word character n-grams.

    Texts are preprocessed once (:class:`~kpkclassify.text.IndonesianPreprocessor`);
    word n-grams and the character n-grams inside each term are read from the same
    terms, so slang, stems and money tokens reach both.

    Parameters
    ----------
    preprocessor : IndonesianPreprocessor, optional
        Defaults to ``IndonesianPreprocessor()``.
    word_ngram_range : tuple of int, default=(1, 2)
    char_ngram_range : tuple of int or None, default=(3, 5)
        Character n-grams inside each (space-padded) term; ``None`` turns them off.
    subwords : {"oov", "all"}, default="oov"
        ``"oov"``: character n-grams only for terms outside the word vocabulary (typos,
        rare slang, unseen words), which is several times faster at nearly the same
        accuracy; ``"all"``: for every term, as ``analyzer="char_wb"`` does.
    min_df : int, default=2
        Minimum number of training texts a feature must occur in.
    n_buckets : int, default=2**20
        Hash buckets for character n-grams (before the ``min_df`` cut).
    cues : bool, default=True
        Add cue pseudo-terms (first person next to a request, money next to a request,
        negation scope, durations, imperative and hashtag style...; see ``kpkclassify.features.cues``).
    """

    def __init__(
        self,
        *,
        preprocessor: IndonesianPreprocessor | None = None,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] | None = (3, 5),
        subwords: str = "oov",
        min_df: int = 2,
        n_buckets: int = 2**20,
        cues: bool = True,
    ) -> None:
        self.cues = cues
        self.preprocessor = preprocessor
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.subwords = subwords
        self.min_df = min_df
        self.n_buckets = n_buckets

    def _preprocessor(self) -> IndonesianPreprocessor:
        return self.preprocessor if self.preprocessor is not None else IndonesianPreprocessor()

    def to_terms(self, texts: Iterable[str]) -> list[list[str]]:
        """Preprocess raw texts into lists of terms (with cue pseudo-terms when ``cues``)."""
        if not self.cues:
            return self._preprocessor().terms(texts)
        texts = texts if isinstance(texts, list) else list(texts)
        return [add_cues(terms, raw if isinstance(raw, str) else "")
                for terms, raw in zip(self._preprocessor().terms(texts), texts)]

    def fit(self, X: Iterable[str], y: object = None) -> TextFeatures:
        """Learn the vocabulary, the kept sub-word buckets and IDF weights. Returns ``self``."""
        return self.fit_terms(self.to_terms(X))

    def fit_terms(self, terms: Sequence[Sequence[str]]) -> TextFeatures:
        """:meth:`fit` on texts already preprocessed with :meth:`to_terms`."""
        self._preprocessor().fit([])
        if self.subwords not in ("oov", "all"):
            raise ValueError(f"subwords must be 'oov' or 'all', got {self.subwords!r}")
        self.vectorizer_ = TermVectorizer(
            subwords=self.subwords,
            ngram_range=tuple(self.word_ngram_range),
            char_ngram_range=tuple(self.char_ngram_range) if self.char_ngram_range else None,
            min_df=self.min_df,
            n_buckets=self.n_buckets,
        ).fit(terms)
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """Raw texts -> a CSR matrix of ``n_features_`` columns."""
        check_is_fitted(self, "vectorizer_")
        compiled = self._compiled()
        if compiled is not None:
            return compiled.transform(X if isinstance(X, list) else list(X))
        return self.transform_terms(self.to_terms(X))

    def _compiled(self):
        """The batch fast path (:mod:`kpkclassify.features.compiled`) for the current parameters,
        built on first use and rebuilt when a parameter changes; never persisted."""
        from kpkclassify.features.compiled import CompiledFeatures

        key = (id(self.vectorizer_), repr(sorted(self.get_params().items())))
        cached = self.__dict__.get("_compiled_cache")
        if cached is None or cached[0] != key:
            if not CompiledFeatures.supports(self):
                return None
            cached = self._compiled_cache = (key, CompiledFeatures(self))
        return cached[1]

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_compiled_cache", None)
        return state

    def transform_terms(self, terms: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """:meth:`transform` on texts already preprocessed with :meth:`to_terms`."""
        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.transform(terms)

    @property
    def n_features_(self) -> int:
        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.n_features

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """``w:<n-gram>`` for word features, ``c:#<bucket>`` for hashed character n-grams."""
        check_is_fitted(self, "vectorizer_")
        names = [f"w:{w}" for w in self.vectorizer_.words_]
        names += [f"c:#{b}" for b in self.vectorizer_.buckets_]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
