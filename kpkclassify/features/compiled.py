"""Texts compiled to term ids: the encoding every feature matrix is built from.

Every distinct raw token and every distinct term gets an integer id once (in a
:class:`TermTable`), so encoding a batch costs one dict lookup per token; expanding tokens
into terms and adding the cue pseudo-terms (:func:`kpkclassify.features.cues.with_cues`)
are NumPy operations over the whole batch. The result, :class:`EncodedTexts`, is the term ids
of each text as one flat array with text offsets. It does not depend on a vocabulary: the
same encoding is fitted on (:meth:`TermVectorizer.fit_encoded`), split into cross-validation
folds (:meth:`EncodedTexts.take`), joined with noisy copies (:meth:`EncodedTexts.concatenate`)
and transformed (:meth:`TermVectorizer.transform_encoded`).

``tests/oracle_features.py`` computes the same terms and matrix one text at a time in plain
Python; the tests compare the two.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

import kpkclassify.features.cues as cues

if TYPE_CHECKING:  # pragma: no cover
    from kpkclassify.text import IndonesianPreprocessor
    from kpkclassify.text._terms import TermProcessor

MEMO_LIMIT = 500_000  # distinct tokens (or terms) kept before the tables start afresh
SEPARATOR = 0  # the token id of the piece between two texts
CHUNK = 4096  # texts normalised as one block when encoding


class Growing:
    """An int64 array that doubles when full (appends are amortised O(1)). Readers take
    ``data`` after the ids they look up were published, so a swap for a larger copy never
    hides an entry from them."""

    def __init__(self, size: int = 1024, fill: int = 0) -> None:
        self.data = np.full(size, fill, dtype=np.int64)
        self.fill = fill

    def ensure(self, size: int) -> None:
        if size > len(self.data):
            grown = np.full(max(size, 2 * len(self.data)), self.fill, dtype=np.int64)
            grown[: len(self.data)] = self.data
            self.data = grown


def append_range(starts: Growing, values: Growing, index: int, items: Sequence[int]) -> None:
    """Store ``items`` as range ``index`` of a CSR-like pair: ``values[starts[i]:starts[i + 1]]``."""
    starts.ensure(index + 2)
    start = int(starts.data[index])
    values.ensure(start + len(items))
    values.data[start : start + len(items)] = items
    starts.data[index + 1] = start + len(items)


def gather_ranges(starts: np.ndarray, counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``concatenate([values[s:s + c] for s, c in zip(starts, counts)])`` without a loop."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=values.dtype)
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return values[offsets + np.arange(total)]


class _TokenIds(dict):
    """Token -> id; a missing token is processed and added on the spot, so a batch needs one
    dict lookup per token whether or not it brings new tokens."""

    def __init__(self, table: TermTable, processor: TermProcessor | None) -> None:
        super().__init__()
        self.table = table
        self.processor = processor

    def __missing__(self, token: str) -> int:
        if self.processor is None:
            raise KeyError(token)
        return self.table.token(token, self.processor)


class TermTable:
    """Term ids and token ids, with what the cues need to know about each term.

    A term's id is its index in ``terms``; its cue flags are ``flags.data[id]``. A token's
    terms are ``token_terms[token_start[t]:token_start[t + 1]]``. Ids are published in the
    dicts only after their rows are written, and inserts hold a lock, so threads may share
    a table. Vectorisers keep the columns of each term id next to the table
    (:class:`~kpkclassify.features.vectorize.TermVectorizer`).

    Parameters
    ----------
    processor : TermProcessor, optional
        Raw token -> terms; without one the table takes terms only (:meth:`encode_terms`).
    """

    def __init__(self, processor: TermProcessor | None = None) -> None:
        self.token_ids = _TokenIds(self, processor)
        dict.__setitem__(self.token_ids, "|", SEPARATOR)  # between texts (normalized_pieces); no terms
        self.term_ids: dict[str, int] = {}
        self.terms: list[str] = []
        self.token_start, self.token_terms = Growing(1025), Growing(4096)
        self.flags, self.negated = Growing(1024), Growing(1024, -1)
        self.lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def full(self) -> bool:
        return len(self.token_ids) >= MEMO_LIMIT or len(self.term_ids) >= MEMO_LIMIT

    def term(self, term: str) -> int:
        """The id of ``term``, added if new."""
        found = self.term_ids.get(term)
        if found is not None:
            return found
        with self.lock:
            found = self.term_ids.get(term)
            if found is not None:
                return found
            new = len(self.terms)
            self.flags.ensure(new + 1)
            self.negated.ensure(new + 1)
            self.flags.data[new] = cues.term_flags(term)
            self.terms.append(term)
            self.term_ids[term] = new
            return new

    def token(self, token: str, processor: TermProcessor) -> int:
        """The id of raw ``token``, its terms added if new."""
        with self.lock:
            found = dict.get(self.token_ids, token)
            if found is not None:
                return found
            ids = [self.term(term) for term in processor.terms(token)]
            new = len(self.token_ids)
            append_range(self.token_start, self.token_terms, new, ids)
            self.token_ids[token] = new
            return new

    def negated_ids(self, term_ids: np.ndarray) -> np.ndarray:
        """The id of ``neg_<term>`` for each term id."""
        negated = self.negated.data[term_ids]
        missing = np.unique(term_ids[negated < 0])
        if missing.size:
            with self.lock:  # the array may grow while we write: write under the same lock
                for i in missing.tolist():
                    self.negated.data[i] = self.term(cues.negated(self.terms[i]))
            negated = self.negated.data[term_ids]
        return negated

    def encode_terms(self, docs: Iterable[Sequence[str]]) -> EncodedTexts:
        """Texts already split into terms (no preprocessing, no cues) as :class:`EncodedTexts`."""
        term = self.term
        ids: list[int] = []
        offsets = [0]
        for terms in docs:
            ids += [term(t) for t in terms]
            offsets.append(len(ids))
        return EncodedTexts(self, np.asarray(ids, dtype=np.int64), np.asarray(offsets, dtype=np.int64))


class EncodedTexts:
    """Texts as term ids: text ``i`` is ``table.terms`` of ``terms[offsets[i]:offsets[i + 1]]``
    (its terms, then its cue pseudo-terms).

    Made by :meth:`TextFeatures.encode`; independent of any vocabulary, so one encoding
    serves every fit and transform over those texts.

    Parameters
    ----------
    table : TermTable
        The table the ids index.
    terms : ndarray of int64
    offsets : ndarray of int64 of shape (n_texts + 1,)
    """

    __slots__ = ("table", "terms", "offsets", "_doc")

    def __init__(self, table: TermTable, terms: np.ndarray, offsets: np.ndarray, doc: np.ndarray | None = None) -> None:
        self.table = table
        self.terms = terms
        self.offsets = offsets
        self._doc = doc

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __repr__(self) -> str:
        return f"EncodedTexts({len(self)} texts, {len(self.terms)} terms)"

    @property
    def doc(self) -> np.ndarray:
        """The text of each term id."""
        if self._doc is None:
            self._doc = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))
        return self._doc

    def take(self, indices: Sequence[int] | np.ndarray) -> EncodedTexts:
        """The texts at ``indices``, in that order (a cross-validation fold, say)."""
        indices = np.asarray(indices, dtype=np.int64)
        starts = self.offsets[indices]
        counts = self.offsets[indices + 1] - starts
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return EncodedTexts(self.table, gather_ranges(starts, counts, self.terms), offsets)

    @staticmethod
    def concatenate(parts: Sequence[EncodedTexts]) -> EncodedTexts:
        """The texts of ``parts`` one after another, as ids of the first part's table (parts
        of another table are re-encoded into it, term by term)."""
        if not parts:
            raise ValueError("nothing to concatenate")
        table = parts[0].table
        terms, lengths = [], []
        for part in parts:
            ids = part.terms
            if part.table is not table and len(ids):
                distinct, inverse = np.unique(ids, return_inverse=True)
                other = part.table.terms
                ids = np.asarray([table.term(other[i]) for i in distinct.tolist()], dtype=np.int64)[inverse]
            terms.append(ids)
            lengths.append(np.diff(part.offsets))
        offsets = np.concatenate([[0], np.cumsum(np.concatenate(lengths))]).astype(np.int64)
        return EncodedTexts(table, np.concatenate(terms).astype(np.int64), offsets)

    def term_lists(self) -> list[list[str]]:
        """Each text's terms as strings (for looking at an encoding)."""
        names, ids, offsets = self.table.terms, self.terms.tolist(), self.offsets.tolist()
        return [[names[t] for t in ids[a:b]] for a, b in zip(offsets, offsets[1:])]


class Encoder:
    """Raw texts -> :class:`EncodedTexts` for one preprocessor and cue setting.

    Parameters
    ----------
    preprocessor : IndonesianPreprocessor
    cues : bool
        Whether to add the cue pseudo-terms.
    """

    def __init__(self, preprocessor: IndonesianPreprocessor, cues: bool) -> None:
        _, self.processor = preprocessor.pipeline()
        self.pieces_of = preprocessor.pieces_function()
        self.cues = cues
        self.table = TermTable(self.processor)

    def encode(self, X: Iterable[object]) -> EncodedTexts:
        """Raw texts (``None`` and other non-strings as :meth:`TextFeatures.encode` takes
        them) -> their encoding. The table starts afresh once it is full (earlier
        encodings keep theirs)."""
        items = X if isinstance(X, list) else list(X)
        table = self.table  # one snapshot per batch: a reset swaps in a new table
        if table.full:
            table = self.table = TermTable(self.processor)
        parts = [self._encode(items[i : i + CHUNK], table) for i in range(0, len(items), CHUNK)]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return EncodedTexts(table, np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))
        return EncodedTexts.concatenate(parts)

    def _encode(self, X: list[object], table: TermTable) -> EncodedTexts:
        texts = [t if isinstance(t, str) else ("" if t is None else str(t)) for t in X]
        n = len(texts)
        pieces = self.pieces_of(texts)
        # map() with the dict's own lookup is the fastest way through Python for this loop
        token_ids = np.fromiter(map(table.token_ids.__getitem__, pieces), dtype=np.int64, count=len(pieces))
        token_doc = np.cumsum(token_ids == SEPARATOR)  # a separator has no terms: it vanishes below
        start = table.token_start.data[token_ids]
        count = table.token_start.data[token_ids + 1] - start
        terms = gather_ranges(start, count, table.token_terms.data)
        doc = np.repeat(token_doc, count)
        if self.cues:
            raw = [t if isinstance(t, str) else "" for t in X]  # only strings are searched for # ? !
            cue_id = {name: table.term(name) for name in cues.CUE_NAMES}
            terms, doc = cues.with_cues(terms, doc, raw, table.flags.data, cue_id, table.negated_ids)
        offsets = np.concatenate([[0], np.cumsum(np.bincount(doc, minlength=n))]).astype(np.int64)
        return EncodedTexts(table, terms, offsets, doc)
