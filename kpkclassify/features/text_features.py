"""Features of preprocessed texts: word n-grams and character n-grams of the terms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from kpkclassify.features.vectorize import TermVectorizer
from kpkclassify.text import IndonesianPreprocessor

if TYPE_CHECKING:  # pragma: no cover
    from kpkclassify.features.compiled import EncodedTexts, Encoder


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

    def _encoder(self) -> Encoder:
        """The :class:`~kpkclassify.features.compiled.Encoder` for the current preprocessor
        and cue settings, built on first use and rebuilt when one changes; never persisted."""
        from kpkclassify.features.compiled import Encoder

        preprocessor = self._preprocessor()
        key = (repr(sorted(preprocessor.get_params().items())), bool(self.cues))
        cached = self.__dict__.get("_encoder_cache")
        if cached is None or cached[0] != key:
            cached = self._encoder_cache = (key, Encoder(preprocessor, bool(self.cues)))
        return cached[1]

    def encode(self, X: Iterable[object]) -> EncodedTexts:
        """Raw texts -> their terms (and cue pseudo-terms, when ``cues``) as term ids.

        The encoding does not depend on a vocabulary: fit on it (:meth:`fit_encoded`), take
        folds of it (:meth:`EncodedTexts.take`), join encodings
        (:meth:`EncodedTexts.concatenate`) and transform it (:meth:`transform_encoded`)
        without preprocessing the texts again. Encodings made by one instance share a table
        of term ids (a new one starts once it holds 500,000 tokens or terms; joining
        encodings of two tables re-encodes the later ones into the first's).

        Parameters
        ----------
        X : iterable of str
            Non-strings count as empty for the cues and as ``str(x)`` for the terms
            (``None`` as empty).

        Returns
        -------
        EncodedTexts
        """
        return self._encoder().encode(X)

    def fit(self, X: Iterable[str], y: object = None) -> TextFeatures:
        """Learn the vocabulary, the kept sub-word buckets and IDF weights. Returns ``self``."""
        return self.fit_encoded(self.encode(X))

    def fit_encoded(self, encoded: EncodedTexts) -> TextFeatures:
        """:meth:`fit` on texts already encoded with :meth:`encode` (of this or an identically
        configured instance). Returns ``self``."""
        self._preprocessor().fit([])
        if self.subwords not in ("oov", "all"):
            raise ValueError(f"subwords must be 'oov' or 'all', got {self.subwords!r}")
        self.vectorizer_ = TermVectorizer(
            subwords=self.subwords,
            ngram_range=_pair(self.word_ngram_range),
            char_ngram_range=_pair(self.char_ngram_range) if self.char_ngram_range else None,
            min_df=self.min_df,
            n_buckets=self.n_buckets,
        ).fit_encoded(encoded)
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """Raw texts -> a CSR matrix of ``n_features_`` columns."""
        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.transform_encoded(self.encode(X))

    def transform_encoded(self, encoded: EncodedTexts) -> sp.csr_matrix:
        """:meth:`transform` on texts already encoded with :meth:`encode`."""
        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.transform_encoded(encoded)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_encoder_cache", None)
        return state

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


def _pair(value: Sequence[int]) -> tuple[int, int]:
    """An n-gram range parameter (a tuple or a list) as a ``(low, high)`` tuple."""
    low, high = value
    return (low, high)
