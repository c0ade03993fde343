"""The prediction fast path: raw texts -> the feature matrix of :class:`TextFeatures`, per batch.

:meth:`TextFeatures.transform` is defined as preprocess -> add cues -> vectorise, one text
at a time in Python (that reference path is what training uses). Predicting millions of
rows needs less Python per row, so here every distinct raw token and every distinct term
gets an integer id once, and a batch then costs one dict lookup per token; expanding tokens
into terms, the cues, the columns and the bigrams are NumPy operations over the whole batch.
The result is the same matrix as the reference path (``tests/test_compiled.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

import kpkclassify.features.cues as cues
from kpkclassify.features.vectorize import Growing, append_range, gather_ranges

if TYPE_CHECKING:  # pragma: no cover
    from kpkclassify.features.text_features import TextFeatures
    from kpkclassify.features.vectorize import TermVectorizer
    from kpkclassify.text._terms import TermProcessor

MEMO_LIMIT = 500_000  # distinct tokens (or terms) kept before the tables start afresh
SEPARATOR = 0  # the token id of the piece between two texts

# Flag bits of a term, for the cues.
_FIRST, _REQUEST, _NEGATION, _DURATION, _IMPERATIVE, _MONEY, _NUMBER, _PLACEHOLDER = (1 << i for i in range(8))
_CUE_NAMES = ("_cue_self_request_", "_cue_money_request_", "_cue_duration_", "_cue_imperative_",
              "_cue_hashtag_", "_cue_question_", "_cue_exclaim_", "_len_short_", "_len_mid_", "_len_long_")
# The order add_cues appends its cues in: a cue's section, then its position inside it.
(_S_SELF, _S_MONEY, _S_NEG, _S_DURATION, _S_IMPERATIVE, _S_HASHTAG, _S_QUESTION, _S_EXCLAIM, _S_LENGTH) = range(9)


def _flags(term: str) -> int:
    return ((term in cues.FIRST_PERSON) * _FIRST | (term in cues.REQUEST) * _REQUEST
            | (term in cues.NEGATION) * _NEGATION | (term in cues.DURATION) * _DURATION
            | (term in cues.IMPERATIVE) * _IMPERATIVE | (term == cues.MONEY) * _MONEY
            | (term == cues.NUMBER) * _NUMBER | (term[:1] == "_") * _PLACEHOLDER)


class _TokenIds(dict):
    """Token -> id; a missing token is processed and added on the spot, so a batch needs one
    dict lookup per token whether or not it brings new tokens."""

    def __init__(self, tables: _Tables) -> None:
        super().__init__()
        self.tables = tables
        self.processor: TermProcessor | None = None
        self.vectorizer: TermVectorizer | None = None

    def __missing__(self, token: str) -> int:
        return self.tables.token(token, self.processor, self.vectorizer)


class _Tables:
    """Token and term ids with everything the batch path needs to know about each.

    A token's terms are ``token_terms[token_start[t]:token_start[t + 1]]``; a term's columns
    are ``term_columns[term_start[i]:term_start[i + 1]]``. Ids are published in the dicts
    only after their rows are written, and inserts hold a lock, so threads may share them.
    """

    def __init__(self, processor: TermProcessor, vectorizer: TermVectorizer) -> None:
        self.token_ids = _TokenIds(self)
        self.token_ids.processor, self.token_ids.vectorizer = processor, vectorizer
        dict.__setitem__(self.token_ids, "|", SEPARATOR)  # between texts (normalized_pieces); no terms
        self.term_ids: dict[str, int] = {}
        self.terms: list[str] = []
        self.token_start, self.token_terms = Growing(1025), Growing(4096)
        self.term_start, self.term_columns = Growing(1025), Growing(8192)
        self.unigram, self.flags, self.negated = Growing(1024, -1), Growing(1024), Growing(1024, -1)
        self.lock = threading.RLock()

    @property
    def full(self) -> bool:
        return len(self.token_ids) >= MEMO_LIMIT or len(self.term_ids) >= MEMO_LIMIT

    def term(self, term: str, vectorizer: TermVectorizer) -> int:
        found = self.term_ids.get(term)
        if found is not None:
            return found
        with self.lock:
            found = self.term_ids.get(term)
            if found is not None:
                return found
            columns = vectorizer.term_columns(term)
            new = len(self.terms)
            for array in (self.unigram, self.flags, self.negated):
                array.ensure(new + 1)
            append_range(self.term_start, self.term_columns, new, columns)
            # a term's first column is its unigram when it has one (see TermVectorizer.term_columns)
            self.unigram.data[new] = columns[0] if columns and columns[0] < vectorizer.n_words else -1
            self.flags.data[new] = _flags(term)
            self.terms.append(term)
            self.term_ids[term] = new
            return new

    def token(self, token: str, processor: TermProcessor, vectorizer: TermVectorizer) -> int:
        with self.lock:
            found = dict.get(self.token_ids, token)
            if found is not None:
                return found
            ids = [self.term(term, vectorizer) for term in processor.terms(token)]
            new = len(self.token_ids)
            append_range(self.token_start, self.token_terms, new, ids)
            self.token_ids[token] = new
            return new

    def negated_ids(self, term_ids: np.ndarray, vectorizer: TermVectorizer) -> np.ndarray:
        """The id of ``neg_<term>`` for each term id."""
        negated = self.negated.data[term_ids]
        missing = np.unique(term_ids[negated < 0])
        if missing.size:
            with self.lock:  # the array may grow while we write: write under the same lock
                for i in missing.tolist():
                    self.negated.data[i] = self.term(cues._negated(self.terms[i]), vectorizer)
            negated = self.negated.data[term_ids]
        return negated


class CompiledFeatures:
    """:class:`TextFeatures`' transform for whole batches (word uni+bigrams, cues or not)."""

    def __init__(self, features: TextFeatures) -> None:
        self.vectorizer = features.vectorizer_
        preprocessor = features._preprocessor()
        _, self.processor = preprocessor.pipeline()
        self.pieces_of = preprocessor.pieces_function()
        self.cues = features.cues
        self._tables = _Tables(self.processor, self.vectorizer)

    @staticmethod
    def supports(features: TextFeatures) -> bool:
        return tuple(features.vectorizer_.ngram_range) == (1, 2)

    def transform(self, X: Sequence[object]) -> sp.csr_matrix:
        """Raw texts -> the CSR matrix :meth:`TextFeatures.transform` would give."""
        texts = [t if isinstance(t, str) else ("" if t is None else str(t)) for t in X]
        tables = self._tables  # one snapshot per batch: a reset swaps in new tables
        if tables.full:
            tables = self._tables = _Tables(self.processor, self.vectorizer)
        n = len(texts)
        pieces = self.pieces_of(texts)
        # map() with the dict's own lookup is the fastest way through Python for this loop
        token_ids = np.fromiter(map(tables.token_ids.__getitem__, pieces), dtype=np.int64, count=len(pieces))
        token_doc = np.cumsum(token_ids == SEPARATOR)  # a separator has no terms: it vanishes below
        start = tables.token_start.data[token_ids]
        count = tables.token_start.data[token_ids + 1] - start
        terms = gather_ranges(start, count, tables.token_terms.data)
        doc = np.repeat(token_doc, count)
        if self.cues:
            raw = [t if isinstance(t, str) else "" for t in X]  # as TextFeatures.to_terms passes them
            terms, doc = self._with_cues(tables, terms, doc, raw)
        return self._matrix(tables, terms, doc, n)

    # -- cues, as kpkclassify.features.cues.add_cues computes them ---------------------------------
    def _with_cues(self, tables: _Tables, terms: np.ndarray, doc: np.ndarray,
                   texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        n = len(texts)
        vectorizer = self.vectorizer
        cue_id = {name: tables.term(name, vectorizer) for name in _CUE_NAMES}
        flags = tables.flags.data[terms]
        n_terms = np.bincount(doc, minlength=n)
        term_start = np.concatenate([[0], np.cumsum(n_terms)])
        position = np.arange(len(terms)) - term_start[doc]  # each term's index inside its text
        pieces: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]] = []  # (docs, section, positions, ids)

        def near(a: int, b: int, lo: int, hi: int) -> np.ndarray:
            """Texts with a term flagged ``a`` at i and one flagged ``b`` at i + d, lo <= d <= hi."""
            found = np.zeros(n, dtype=bool)
            has_a, has_b = (flags & a) != 0, (flags & b) != 0
            for d in range(lo, hi + 1):
                if abs(d) >= len(terms):
                    continue
                if d >= 0:
                    pair = has_a[: len(terms) - d] & has_b[d:] & (doc[: len(terms) - d] == doc[d:])
                    found[doc[: len(terms) - d][pair]] = True
                else:
                    pair = has_a[-d:] & has_b[: len(terms) + d] & (doc[-d:] == doc[: len(terms) + d])
                    found[doc[-d:][pair]] = True
            return np.flatnonzero(found)

        def add(docs: np.ndarray, section: int, positions: np.ndarray | None, ids: np.ndarray | int) -> None:
            positions = np.zeros(len(docs), dtype=np.int64) if positions is None else positions
            ids = np.full(len(docs), ids, dtype=np.int64) if isinstance(ids, int) else ids
            pieces.append((docs, section, positions, ids))

        add(near(_FIRST, _REQUEST, 0, cues._WINDOW), _S_SELF, None, cue_id["_cue_self_request_"])
        add(near(_MONEY, _REQUEST, -(cues._WINDOW + 1), cues._WINDOW + 1), _S_MONEY, None, cue_id["_cue_money_request_"])
        # negation scope: the next two terms of the same text that are not placeholders
        negation_at = np.flatnonzero(flags & _NEGATION)
        for k in (1, 2):
            target = negation_at + k
            target = target[target < len(terms)]
            source = target - k
            keep = (doc[target] == doc[source]) & ((flags[target] & _PLACEHOLDER) == 0)
            target, source = target[keep], source[keep]
            add(doc[target], _S_NEG, 2 * position[source] + k, tables.negated_ids(terms[target], vectorizer))
        number_at = np.flatnonzero(flags[:-1] & _NUMBER) if len(terms) else np.zeros(0, dtype=np.int64)
        number_at = number_at[(doc[number_at] == doc[number_at + 1]) & ((flags[number_at + 1] & _DURATION) != 0)]
        add(doc[number_at], _S_DURATION, position[number_at], cue_id["_cue_duration_"])
        first_terms = term_start[:-1][n_terms > 0]
        add(doc[first_terms[(flags[first_terms] & _IMPERATIVE) != 0]], _S_IMPERATIVE, None, cue_id["_cue_imperative_"])
        for mark, section, name in (("#", _S_HASHTAG, "_cue_hashtag_"), ("?", _S_QUESTION, "_cue_question_"),
                                    ("!", _S_EXCLAIM, "_cue_exclaim_")):
            add(np.asarray([i for i, t in enumerate(texts) if mark in t], dtype=np.int64), section, None, cue_id[name])
        length = np.where(n_terms < 8, cue_id["_len_short_"], np.where(n_terms > 60, cue_id["_len_long_"],
                                                                          cue_id["_len_mid_"]))
        add(np.arange(n), _S_LENGTH, None, length)

        cue_doc = np.concatenate([p[0] for p in pieces]).astype(np.int64)
        section = np.concatenate([np.full(len(p[0]), p[1], dtype=np.int64) for p in pieces])
        cue_position = np.concatenate([p[2] for p in pieces]).astype(np.int64)
        cue_terms = np.concatenate([p[3] for p in pieces]).astype(np.int64)
        order = np.lexsort((cue_position, section, cue_doc))
        cue_doc, cue_terms = cue_doc[order], cue_terms[order]
        # Merge: each text's terms, then its cues. A term moves down by the cues of the texts
        # before it; a cue lands after its text's terms and every cue before it.
        n_cues = np.bincount(cue_doc, minlength=n)
        cue_start = np.concatenate([[0], np.cumsum(n_cues)])
        merged = np.empty(len(terms) + len(cue_terms), dtype=np.int64)
        merged_doc = np.empty_like(merged)
        term_at = np.arange(len(terms)) + cue_start[doc]
        cue_at = term_start[cue_doc + 1] + np.arange(len(cue_terms))
        merged[term_at], merged_doc[term_at] = terms, doc
        merged[cue_at], merged_doc[cue_at] = cue_terms, cue_doc
        return merged, merged_doc

    # -- columns, bigrams, weights --------------------------------------------------------
    def _matrix(self, tables: _Tables, terms: np.ndarray, doc: np.ndarray, n: int) -> sp.csr_matrix:
        return self.vectorizer.matrix_of_terms(terms, doc, tables.term_start.data, tables.term_columns.data,
                                               tables.unigram.data, n)
