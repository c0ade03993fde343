"""A scikit-learn transformer wrapping :func:`preprocess`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping

from sklearn.base import BaseEstimator, TransformerMixin

from ._lexicon import Lexicon, build_lexicon
from ._normalize import normalized_pieces, normalized_tokens
from ._preprocess import _segment_for
from ._terms import Settings, TermProcessor, get_processor


class IndonesianPreprocessor(TransformerMixin, BaseEstimator):
    """Turn raw Indonesian texts into preprocessed term strings.

    It holds no stemmer and no cache: those live once per process, so a fitted pipeline
    stays small and safe to persist.

    Parameters
    ----------
    placeholders, hashtags, money, emoji : bool, default=True
        Normalisation steps (see :func:`kpkclassify.text.normalize`).
    slang, repair, stem, stopwords : bool, default=True
        Word-level steps (see :func:`kpkclassify.text.preprocess`).
    extra_slang : mapping of str to str, optional
        Slang entries added to or overriding ours.
    extra_stopwords : list of str, optional
        Words dropped in addition to our stopwords.
    keep_words : list of str, optional
        Words removed from our stopword list.
    protected : list of str, optional
        Words never stemmed or rewritten.
    output : {"string", "tokens"}, default="string"
        ``"string"``: one space-joined string per text, ready for a ``TfidfVectorizer``
        with ``token_pattern=r"\\S+"``; ``"tokens"``: a list of terms per text.

    Examples
    --------
    >>> IndonesianPreprocessor().fit_transform(["Antrinya lamaaa bgt"])
    ['antre lama banget']
    """

    def __init__(
        self,
        *,
        placeholders: bool = True,
        hashtags: bool = True,
        money: bool = True,
        emoji: bool = True,
        slang: bool = True,
        repair: bool = True,
        stem: bool = True,
        stopwords: bool = True,
        extra_slang: Mapping[str, str] | None = None,
        extra_stopwords: list[str] | None = None,
        keep_words: list[str] | None = None,
        protected: list[str] | None = None,
        output: str = "string",
    ) -> None:
        self.placeholders = placeholders
        self.hashtags = hashtags
        self.money = money
        self.emoji = emoji
        self.slang = slang
        self.repair = repair
        self.stem = stem
        self.stopwords = stopwords
        self.extra_slang = extra_slang
        self.extra_stopwords = extra_stopwords
        self.keep_words = keep_words
        self.protected = protected
        self.output = output

    def _lexicon(self) -> Lexicon | None:
        if not (self.extra_slang or self.extra_stopwords or self.keep_words or self.protected):
            return None
        # One Lexicon per distinct set of overrides: building one copies and hashes every
        # list, and its identity keys the hashtag segmenter's cache.
        return _overridden_lexicon(
            tuple(sorted((self.extra_slang or {}).items())),
            tuple(self.extra_stopwords or ()),
            tuple(self.keep_words or ()),
            tuple(self.protected or ()),
        )

    def fit(self, X: Iterable[str], y: object = None) -> IndonesianPreprocessor:
        """Check the parameters; there is nothing to learn. Returns ``self``."""
        if self.output not in ("string", "tokens"):
            raise ValueError(f"output must be 'string' or 'tokens', got {self.output!r}")
        self._lexicon()  # validate overrides early
        return self

    def transform(self, X: Iterable[str]) -> list:
        """Preprocess each text of ``X``."""
        results = self.terms(X)
        if self.output == "tokens":
            return results
        return [" ".join(r) for r in results]

    def terms(self, X: Iterable[str]) -> list[list[str]]:
        """The list of terms of each text (what :meth:`transform` joins), computed on the fast path."""
        if isinstance(X, str):
            raise TypeError("X must be an iterable of texts, not a single string; wrap it in a list")
        tokens_of, processor = self.pipeline()
        process = processor.process
        return [process(tokens_of(t if isinstance(t, str) else ("" if t is None else str(t)))) for t in X]

    def pipeline(self) -> tuple[Callable[[str], list[str]], TermProcessor]:
        """The two halves of preprocessing for these settings: ``text -> raw tokens`` and the
        shared :class:`TermProcessor` (``raw token -> terms``, memoised)."""
        lexicon = self._lexicon()
        processor = get_processor(lexicon, Settings(slang=self.slang, stem=self.stem, stopwords=self.stopwords,
                                                    repair=self.repair))
        tokens_of = functools.partial(normalized_tokens, placeholders=self.placeholders, hashtags=self.hashtags,
                                      money=self.money, emoji=self.emoji, segment=_segment_for(lexicon))
        return tokens_of, processor

    def pieces_function(self) -> Callable[[list[str]], list[str]]:
        """``texts -> raw pieces of all of them``, ``"|"`` between texts: the batch form of the
        first half of :meth:`pipeline` (see :func:`~kpkclassify.text._normalize.normalized_pieces`)."""
        return functools.partial(normalized_pieces, placeholders=self.placeholders, hashtags=self.hashtags,
                                 money=self.money, emoji=self.emoji, segment=_segment_for(self._lexicon()))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags


@functools.lru_cache(maxsize=16)
def _overridden_lexicon(slang: tuple, stopwords: tuple, keep_words: tuple, protected: tuple) -> Lexicon:
    return build_lexicon(slang=dict(slang), stopwords=stopwords, keep_words=keep_words, protected=protected)
