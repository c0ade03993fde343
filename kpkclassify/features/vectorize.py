"""A fast TF-IDF vectoriser over preprocessed terms: word n-grams plus hashed sub-words.

It computes what two scikit-learn ``TfidfVectorizer`` s would (word uni- and bigrams over
terms; character n-grams inside each term, padded like ``analyzer="char_wb"``), with
sublinear TF, smooth IDF and L2 normalisation of each block, but every distinct term's
columns are computed once and memoised, so a text costs one lookup per term plus one per
bigram. Character n-grams are hashed (CRC-32, the same in every process) into a fixed
number of buckets; buckets seen in fewer than ``min_df`` training texts are dropped.
"""

from __future__ import annotations

import threading
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from kpkclassify._memo import remember

MEMO_LIMIT = 500_000


class TermVectorizer:
    """Term lists -> CSR rows. Not an estimator itself: :class:`TextFeatures` wraps it."""

    def __init__(self, *, ngram_range: tuple[int, int] = (1, 2), char_ngram_range: tuple[int, int] | None = (2, 5),
                 min_df: int = 2, n_buckets: int = 2**20, subwords: str = "all") -> None:
        self.subwords = subwords
        self.ngram_range = tuple(ngram_range)
        self.char_ngram_range = tuple(char_ngram_range) if char_ngram_range else None
        self.min_df = min_df
        self.n_buckets = n_buckets
        self._memo: dict[str, tuple[int, ...]] = {}
        self._ids = _TermIds()

    # -- the pieces of a term ---------------------------------------------------------
    def _grams(self, term: str) -> list[str]:
        lo, hi = self.char_ngram_range  # type: ignore[misc]
        padded = f" {term} "
        return [padded[i : i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)]

    def _buckets(self, term: str) -> list[int]:
        if self.char_ngram_range is None:
            return []
        b = self.n_buckets
        return [zlib.crc32(g.encode("utf-8")) % b for g in self._grams(term)]

    def _ngrams(self, terms: Sequence[str]) -> list[str]:
        lo, hi = self.ngram_range
        out: list[str] = list(terms) if lo <= 1 <= hi else []
        for n in range(max(2, lo), hi + 1):
            out.extend(" ".join(terms[i : i + n]) for i in range(len(terms) - n + 1))
        return out

    # -- fitting ------------------------------------------------------------------------
    def fit(self, docs: Sequence[Sequence[str]]) -> TermVectorizer:
        n_docs = len(docs)
        word_df: Counter[str] = Counter()
        for terms in docs:
            word_df.update(set(self._ngrams(terms)))

        def word_known(term: str) -> bool:
            return word_df.get(term, 0) >= self.min_df

        bucket_df = np.zeros(self.n_buckets, dtype=np.int64)
        term_buckets: dict[str, np.ndarray] = {}
        for terms in docs:
            seen: set[int] = set()
            for term in set(terms):
                if self.subwords == "oov" and word_known(term):
                    continue
                if term not in term_buckets:
                    term_buckets[term] = np.unique(np.asarray(self._buckets(term), dtype=np.int64))
                seen.update(term_buckets[term].tolist())
            if seen:
                bucket_df[np.fromiter(seen, dtype=np.int64)] += 1
        words = sorted(w for w, df in word_df.items() if df >= self.min_df)
        self.words_ = words
        df = np.asarray([word_df[w] for w in words], dtype=np.float64)
        self.word_idf_ = np.log((1 + n_docs) / (1 + df)) + 1
        kept = np.flatnonzero(bucket_df >= self.min_df) if self.char_ngram_range else np.zeros(0, dtype=np.int64)
        self.buckets_ = kept.astype(np.int64)
        self.char_idf_ = np.log((1 + n_docs) / (1 + bucket_df[kept].astype(np.float64))) + 1
        self._build_lookup()
        return self

    def _build_lookup(self) -> None:
        # unigrams by string; bigrams as pairs of unigram ids in a hash table (see transform)
        self.word_index_ = {w: i for i, w in enumerate(self.words_) if " " not in w}
        self._ngram_lookup_cache: dict[tuple[str, ...], int] | None = None
        n_words = len(self.words_)
        index = self.word_index_
        keys, columns = [], []
        for column, word in enumerate(self.words_):
            if " " in word:
                parts = word.split(" ")
                if len(parts) == 2 and parts[0] in index and parts[1] in index:
                    keys.append(index[parts[0]] * n_words + index[parts[1]])
                    columns.append(column)
        self._bigrams = BigramTable(np.asarray(keys, dtype=np.int64), np.asarray(columns, dtype=np.int64))
        self._bucket_column = np.full(self.n_buckets, -1, dtype=np.int32)
        self._bucket_column[self.buckets_] = len(self.words_) + np.arange(len(self.buckets_))
        self._idf = np.concatenate([self.word_idf_, self.char_idf_])
        self._memo = {}
        self._ids = _TermIds()

    @property
    def _ngram_lookup(self) -> dict[tuple[str, ...], int]:
        """n-gram tuples of two or more terms -> columns, built on first use (the general
        transform and explanations need it; the common uni+bigram transform does not)."""
        if self._ngram_lookup_cache is None:
            self._ngram_lookup_cache = {tuple(w.split(" ")): i for i, w in enumerate(self.words_) if " " in w}
        return self._ngram_lookup_cache

    def bigram_column(self, first: str, second: str) -> int | None:
        """The column of the bigram ``first second``, if it is in the vocabulary."""
        a, b = self.word_index_.get(first), self.word_index_.get(second)
        if a is None or b is None or tuple(self.ngram_range) != (1, 2):
            return self._ngram_lookup.get((first, second))
        found = int(self._bigrams.lookup(np.asarray([a * self.n_words + b], dtype=np.int64))[0])
        return found if found >= 0 else None

    @property
    def n_words(self) -> int:
        return len(self.words_)

    @property
    def n_features(self) -> int:
        return len(self.words_) + len(self.buckets_)

    # -- transforming -------------------------------------------------------------------
    def term_columns(self, term: str) -> tuple[int, ...]:
        """The columns one term contributes: its unigram (if known) and its sub-word buckets."""
        found = self._memo.get(term)
        if found is None:
            columns = []
            if self.ngram_range[0] <= 1:
                index = self.word_index_.get(term)
                if index is not None:
                    columns.append(index)
            if self.char_ngram_range is not None and (self.subwords == "all" or not columns):
                mapped = self._bucket_column[np.asarray(self._buckets(term), dtype=np.int64)]
                columns.extend(int(c) for c in mapped if c >= 0)
            found = remember(self._memo, term, tuple(columns), MEMO_LIMIT)
        return found

    def transform(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Term lists -> CSR rows of ``n_features`` columns."""
        if tuple(self.ngram_range) == (1, 2):
            return self._transform_bigrams(docs)
        return self._transform_general(docs)

    def _transform_bigrams(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """The common case, uni- and bigrams. Python does one dict lookup per term (term ->
        integer id); everything else happens for the whole batch at once in NumPy: each id's
        columns are gathered from a flat table, and bigrams are found as pairs of unigram ids
        in an open-addressing hash table of the vocabulary's bigrams."""
        n = len(docs)
        table = self._ids  # one snapshot per batch: a reset swaps in a new table
        if len(table.ids) >= MEMO_LIMIT:
            table = self._ids = _TermIds()
        ids_of = table.ids
        try:
            flat = [ids_of[term] for terms in docs for term in terms]
        except KeyError:  # terms seen for the first time (rare after the first batches)
            add = table.add
            flat = [add(term, self) for terms in docs for term in terms]
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=n)
        ids = np.asarray(flat, dtype=np.int64)
        starts, unigrams, columns = table.arrays()
        return self.matrix_of_terms(ids, np.repeat(np.arange(n), lengths), starts, columns, unigrams, n)

    def matrix_of_terms(self, terms: np.ndarray, doc: np.ndarray, starts: np.ndarray, columns: np.ndarray,
                        unigrams: np.ndarray, n: int) -> sp.csr_matrix:
        """The weighted CSR matrix of ``n`` texts given as term ids in text order: ``doc`` is
        each term's text, ``columns[starts[t]:starts[t + 1]]`` the columns of term ``t`` and
        ``unigrams[t]`` its unigram column (-1 for none). Bigrams are found here."""
        start = starts[terms]
        cols = gather_ranges(start, starts[terms + 1] - start, columns)
        rows = np.repeat(doc, starts[terms + 1] - start)
        if self._bigrams.size and len(terms) > 1:
            word = unigrams[terms]
            left, right = word[:-1], word[1:]
            valid = np.flatnonzero((left >= 0) & (right >= 0) & (doc[:-1] == doc[1:]))
            found = self._bigrams.lookup(left[valid] * self.n_words + right[valid])
            hit = found >= 0
            rows = np.concatenate([rows, doc[valid[hit]]])
            cols = np.concatenate([cols, found[hit]])
        return self._weighted(rows, cols, n)

    def _transform_general(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        n = len(docs)
        columns: list[int] = []
        extend = columns.extend
        lengths = np.zeros(n, dtype=np.int64)
        memo = self._memo
        term_columns = self.term_columns
        lookup = self._ngram_lookup.get  # n-gram tuples -> columns: hashing a tuple of
        max_n = self.ngram_range[1]      # already-hashed strings beats building a string
        for i, terms in enumerate(docs):
            start = len(columns)
            try:
                extend([c for term in terms for c in memo[term]])
            except KeyError:  # a term seen for the first time (or the memo was just emptied)
                extend([c for term in terms for c in term_columns(term)])
            if max_n >= 2:
                found = [lookup(p) for p in zip(terms, terms[1:])]
                for n_gram in range(3, max_n + 1):
                    found += [lookup(p) for p in zip(*(terms[k:] for k in range(n_gram)))]
                extend([c for c in found if c is not None])
            lengths[i] = len(columns) - start
        return self._matrix(np.asarray(columns, dtype=np.int64), lengths, n)

    def _matrix(self, columns: np.ndarray, lengths: np.ndarray, n: int) -> sp.csr_matrix:
        return self._weighted(np.repeat(np.arange(n), lengths), columns, n)

    def _weighted(self, rows: np.ndarray, columns: np.ndarray, n: int) -> sp.csr_matrix:
        """Counts of (row, column) pairs -> sublinear TF x IDF, each block L2-normalised."""
        counts = sp.csr_matrix((np.ones(len(columns), dtype=np.float32), (rows, columns)),
                               shape=(n, self.n_features))
        counts.sum_duplicates()
        data = (1.0 + np.log(counts.data)) * self._idf[counts.indices]  # sublinear TF x IDF
        rows = np.repeat(np.arange(n), np.diff(counts.indptr))
        is_word = counts.indices < self.n_words
        # L2-normalise the word block and the sub-word block of each row separately.
        norm_word = np.bincount(rows[is_word], weights=data[is_word] ** 2, minlength=n)
        norm_char = np.bincount(rows[~is_word], weights=data[~is_word] ** 2, minlength=n)
        norms = np.sqrt(np.where(is_word, norm_word[rows], norm_char[rows]))
        norms[norms == 0] = 1.0
        counts.data = (data / norms).astype(np.float32)
        return counts

    # -- persistence: plain arrays, rebuilt lookups -----------------------------------
    def __getstate__(self) -> dict:
        return {
            "ngram_range": list(self.ngram_range),
            "char_ngram_range": list(self.char_ngram_range) if self.char_ngram_range else None,
            "min_df": self.min_df,
            "n_buckets": self.n_buckets,
            "subwords": self.subwords,
            # one UTF-8 blob instead of a fixed-width string array (4 bytes a character, padded)
            "words_": np.frombuffer("\n".join(self.words_).encode("utf-8"), dtype=np.uint8),
            "word_idf_": self.word_idf_,
            "buckets_": self.buckets_,
            "char_idf_": self.char_idf_,
        }

    def __setstate__(self, state: dict) -> None:
        self.ngram_range = tuple(state["ngram_range"])
        self.char_ngram_range = tuple(state["char_ngram_range"]) if state["char_ngram_range"] else None
        self.min_df = state["min_df"]
        self.n_buckets = state["n_buckets"]
        self.subwords = state.get("subwords", "all")
        blob = np.asarray(state["words_"], dtype=np.uint8).tobytes().decode("utf-8")
        self.words_ = blob.split("\n") if blob else []
        self.word_idf_ = np.asarray(state["word_idf_"], dtype=np.float64)
        self.buckets_ = np.asarray(state["buckets_"], dtype=np.int64)
        self.char_idf_ = np.asarray(state["char_idf_"], dtype=np.float64)
        self._build_lookup()


def gather_ranges(starts: np.ndarray, counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``concatenate([values[s:s + c] for s, c in zip(starts, counts)])`` without a loop."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=values.dtype)
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return values[offsets + np.arange(total)]


class _TermIds:
    """Term -> integer id, with each id's columns in flat NumPy arrays (CSR-like).

    Grows as new terms arrive; once it holds ``MEMO_LIMIT`` terms the vectoriser swaps in
    a fresh table before its next batch. Readers take the table once per batch, so a swap never mixes the ids of
    one table with the arrays of another; inserts are serialised by a lock, and an id is
    published in ``ids`` only after its columns are written.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self._starts = Growing(1025)  # the columns of id i: columns[starts[i]:starts[i + 1]]
        self._unigrams = Growing(1024, fill=-1)  # id -> its unigram column, or -1
        self._columns = Growing(8192)
        self._lock = threading.Lock()

    def add(self, term: str, vectorizer: TermVectorizer) -> int:
        found = self.ids.get(term)
        if found is not None:
            return found
        columns = vectorizer.term_columns(term)
        with self._lock:
            found = self.ids.get(term)
            if found is not None:
                return found
            new_id = len(self.ids)
            self._unigrams.ensure(new_id + 1)
            append_range(self._starts, self._columns, new_id, columns)
            # a term's first column is its unigram when it has one (see term_columns)
            self._unigrams.data[new_id] = columns[0] if columns and columns[0] < vectorizer.n_words else -1
            self.ids[term] = new_id
            return new_id

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(starts, unigrams, columns)`` for every id published so far."""
        return self._starts.data, self._unigrams.data, self._columns.data


def append_range(starts: Growing, values: Growing, index: int, items: Sequence[int]) -> None:
    """Store ``items`` as range ``index`` of a CSR-like pair: ``values[starts[i]:starts[i + 1]]``."""
    starts.ensure(index + 2)
    start = int(starts.data[index])
    values.ensure(start + len(items))
    values.data[start : start + len(items)] = items
    starts.data[index + 1] = start + len(items)


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


class BigramTable:
    """An open-addressing (linear probing) hash table from int64 keys to columns, looked up
    for a whole array of keys at once: a few vectorised probing rounds instead of a binary
    search per key (``np.searchsorted`` over a large table is dominated by cache misses)."""

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        bits = max(4, int(np.ceil(np.log2(max(1, 2 * len(keys))))))  # load factor <= 1/2
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self._keys = np.full(1 << bits, -1, dtype=np.int64)
        self._values = np.full(1 << bits, -1, dtype=np.int32)
        self.size = len(keys)
        home = self._home(keys)
        pending = np.arange(len(keys))
        probe = 0
        while pending.size:  # round r places each pending key in its r-th slot if free
            slots = (home[pending] + probe) & self._mask
            free = self._keys[slots] == -1
            slots, candidates = slots[free], pending[free]
            slots, first = np.unique(slots, return_index=True)  # one winner per slot
            winners = candidates[first]
            self._keys[slots] = keys[winners]
            self._values[slots] = values[winners]
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            probe += 1
        self._probes = probe

    def _home(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((keys.astype(np.uint64) * self._MULTIPLIER) >> self._shift).astype(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key, or -1 where a key is absent."""
        out = np.full(len(keys), -1, dtype=np.int64)
        if not self.size or not len(keys):
            return out
        home = self._home(keys)
        active = np.arange(len(keys))
        for probe in range(self._probes):
            slots = (home[active] + probe) & self._mask
            stored = self._keys[slots]
            hit = stored == keys[active]
            out[active[hit]] = self._values[slots[hit]]  # int32 -> int64
            active = active[~hit & (stored != -1)]  # an empty slot ends a key's search
            if not active.size:
                break
        return out
