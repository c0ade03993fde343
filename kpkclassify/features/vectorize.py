"""A fast TF-IDF vectoriser over encoded texts: word n-grams plus hashed sub-words.

It computes what two scikit-learn ``TfidfVectorizer`` s would (word n-grams over terms;
character n-grams inside each term, padded like ``analyzer="char_wb"``), with sublinear TF,
smooth IDF and L2 normalisation of each block, from :class:`~kpkclassify.features.compiled.EncodedTexts`:
document frequencies are counted over the term-id arrays, each distinct term's columns are
computed once per :class:`~kpkclassify.features.compiled.TermTable`, and n-grams are found as
chains of term ids in an open-addressing hash table. Character n-grams are hashed (CRC-32, the
same in every process) into a fixed number of buckets; buckets seen in fewer than ``min_df``
training texts are dropped.
"""

from __future__ import annotations

import threading
import weakref
import zlib
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from kpkclassify.features.compiled import EncodedTexts, Growing, TermTable, gather_ranges

#: Texts whose sub-word buckets are counted at once when fitting (bounds the memory).
FIT_CHUNK = 2048


class TermVectorizer:
    """Encoded texts -> CSR rows. Not an estimator itself: :class:`TextFeatures` wraps it.

    Fitted attributes (the persisted state): ``words_`` (the sorted word n-grams, terms
    joined by spaces), ``word_idf_``, ``buckets_`` (the kept sub-word buckets, increasing)
    and ``char_idf_``. Terms are assumed to hold no spaces (preprocessing splits on them).
    """

    def __init__(self, *, ngram_range: tuple[int, int] = (1, 2), char_ngram_range: tuple[int, int] | None = (2, 5),
                 min_df: int = 2, n_buckets: int = 2**20, subwords: str = "all") -> None:
        self.subwords = subwords
        self.ngram_range = tuple(ngram_range)
        self.char_ngram_range = tuple(char_ngram_range) if char_ngram_range else None
        self.min_df = min_df
        self.n_buckets = n_buckets
        self._reset_caches()

    def _reset_caches(self) -> None:
        # term table -> the columns of its term ids for this vocabulary (never persisted)
        self._columns: weakref.WeakKeyDictionary[TermTable, _TermColumns] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._table = TermTable()  # for term lists given directly (fit, transform)

    # -- the pieces of a term ---------------------------------------------------------
    def _grams(self, term: str) -> list[str]:
        if self.char_ngram_range is None:
            return []
        lo, hi = self.char_ngram_range
        padded = f" {term} "
        return [padded[i : i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)]

    def _buckets(self, term: str) -> list[int]:
        if self.char_ngram_range is None:
            return []
        b = self.n_buckets
        return [zlib.crc32(g.encode("utf-8")) % b for g in self._grams(term)]

    # -- fitting ------------------------------------------------------------------------
    def fit(self, docs: Sequence[Sequence[str]]) -> TermVectorizer:
        """:meth:`fit_encoded` on texts given as lists of terms."""
        return self.fit_encoded(self._table.encode_terms(docs))

    def fit_encoded(self, encoded: EncodedTexts) -> TermVectorizer:
        """Learn the word n-grams, the kept buckets and their IDF weights from encoded texts."""
        n_docs = len(encoded)
        names = encoded.table.terms
        terms, doc = encoded.terms, encoded.doc
        word_df: dict[str, int] = {}
        for n in range(self.ngram_range[0], self.ngram_range[1] + 1):
            word_df.update(_ngram_df(terms, doc, len(names), n, names, self.min_df))
        words = sorted(word_df)
        self.words_ = words
        df = np.asarray([word_df[w] for w in words], dtype=np.float64)
        self.word_idf_ = np.log((1 + n_docs) / (1 + df)) + 1
        if self.char_ngram_range is not None:
            bucket_df = self._bucket_df(encoded, set(word_df) if self.subwords == "oov" else set())
            kept = np.flatnonzero(bucket_df >= self.min_df)
        else:
            bucket_df, kept = np.zeros(self.n_buckets, dtype=np.int64), np.zeros(0, dtype=np.int64)
        self.buckets_ = kept.astype(np.int64)
        self.char_idf_ = np.log((1 + n_docs) / (1 + bucket_df[kept].astype(np.float64))) + 1
        self._build_lookup()
        return self

    def _bucket_df(self, encoded: EncodedTexts, known: set[str]) -> np.ndarray:
        """In how many texts each bucket occurs, over the terms not in ``known``."""
        table, terms, offsets = encoded.table, encoded.terms, encoded.offsets
        nb, size = self.n_buckets, len(table)
        bucket_df = np.zeros(nb, dtype=np.int64)
        if not len(terms):
            return bucket_df
        starts, values = self._subwords(table, int(terms.max()) + 1)
        skip = np.zeros(size, dtype=bool)
        if known:
            distinct = np.unique(terms)
            names = table.terms
            skip[distinct] = np.fromiter((names[t] in known for t in distinct.tolist()), dtype=bool, count=len(distinct))
        doc = encoded.doc
        for first in range(0, len(encoded), FIT_CHUNK):
            a, b = offsets[first], offsets[min(first + FIT_CHUNK, len(encoded))]
            pairs = np.unique(doc[a:b] * size + terms[a:b])  # each (text, term) once
            pair_doc, pair_term = pairs // size, pairs % size
            keep = ~skip[pair_term]
            pair_doc, pair_term = pair_doc[keep], pair_term[keep]
            begin = starts[pair_term]
            count = starts[pair_term + 1] - begin
            buckets = gather_ranges(begin, count, values)
            seen = np.unique(np.repeat(pair_doc, count) * nb + buckets)  # each (text, bucket) once
            bucket_df += np.bincount(seen % nb, minlength=nb)
        return bucket_df

    def _subwords(self, table: TermTable, size: int) -> tuple[np.ndarray, np.ndarray]:
        """``(starts, buckets)``: the sub-word buckets of each term id below ``size`` of
        ``table`` (``buckets[starts[i]:starts[i + 1]]``, one per character n-gram, repeats
        kept), computed once per table and setting."""
        key = (self.char_ngram_range, self.n_buckets)
        with _SUBWORDS_LOCK:
            per_table = _SUBWORDS.get(table)
            if per_table is None:
                per_table = _SUBWORDS[table] = {}
            ranges = per_table.get(key)
            if ranges is None:
                ranges = per_table[key] = _Ranges()
        names, buckets_of = table.terms, self._buckets

        def compute(low: int, high: int) -> tuple[np.ndarray, np.ndarray, None]:
            lists = [buckets_of(names[i]) for i in range(low, high)]
            counts = np.fromiter(map(len, lists), dtype=np.int64, count=high - low)
            return counts, np.fromiter((b for one in lists for b in one), dtype=np.int64, count=int(counts.sum())), None

        starts, values, _ = ranges.cover(size, compute)
        return starts, values

    def _build_lookup(self, blob: np.ndarray | None = None) -> None:
        """The lookups of a vocabulary: unigrams by string, and n-grams of two or more terms
        as chains in a hash table: the node of a chain's first term is its part id, and the
        node of ``(chain, term)`` is found under ``node(chain) * n_nodes + part(term)``. A
        node below ``n_words`` is the column of that n-gram; the others are prefixes (and
        parts) that are no feature themselves.

        ``blob`` is ``words_`` joined by newlines, as UTF-8 bytes (what the persisted state
        holds), if the caller has it. When every term of every n-gram is a unigram of the
        vocabulary and every prefix an n-gram of it (what ``min_df`` gives when
        ``ngram_range`` starts at 1), the chains are found with NumPy over those bytes
        (:func:`_vocabulary_chains`), with the same nodes as the general loop
        (:meth:`_build_lookup_general`), which builds every other vocabulary."""
        words = self.words_
        if blob is None:
            blob = np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8)
        found = _vocabulary_chains(blob, len(words)) if words else None
        if found is None:
            self._build_lookup_general()
        else:
            unigrams, keys, columns = found
            index = unigrams.tolist()
            self.word_index_ = dict(zip([words[i] for i in index], index))
            self._parts = dict(self.word_index_)
            self._n_nodes = len(words)
            self._chains = BigramTable(keys, columns)
        self._bucket_column = np.full(self.n_buckets, -1, dtype=np.int32)
        self._bucket_column[self.buckets_] = len(self.words_) + np.arange(len(self.buckets_))
        self._idf = np.concatenate([self.word_idf_, self.char_idf_])
        self._reset_caches()

    def _build_lookup_general(self) -> None:
        """``word_index_``, ``_parts``, ``_n_nodes`` and ``_chains`` for any vocabulary, term
        by term (see :meth:`_build_lookup`)."""
        self.word_index_ = {w: i for i, w in enumerate(self.words_) if " " not in w}
        n_words = len(self.words_)
        parts = dict(self.word_index_)
        chains = [(column, tuple(word.split(" "))) for column, word in enumerate(self.words_) if " " in word]
        node_of: dict[tuple[str, ...], int] = {chain: column for column, chain in chains}
        next_id = n_words
        for _, chain in chains:
            for part in chain:
                if part not in parts:
                    parts[part], next_id = next_id, next_id + 1
            for k in range(2, len(chain)):
                if chain[:k] not in node_of:
                    node_of[chain[:k]], next_id = next_id, next_id + 1
        self._n_nodes = next_id
        keys = [(parts[chain[0]] if len(chain) == 2 else node_of[chain[:-1]]) * next_id + parts[chain[-1]]
                for chain in node_of]
        self._parts = parts
        self._chains = BigramTable(np.asarray(keys, dtype=np.int64), np.asarray(list(node_of.values()), dtype=np.int64))

    @property
    def n_words(self) -> int:
        return len(self.words_)

    @property
    def n_features(self) -> int:
        return len(self.words_) + len(self.buckets_)

    # -- transforming -------------------------------------------------------------------
    def term_columns(self, term: str) -> tuple[int, ...]:
        """The columns one term contributes: its unigram (if known) and its sub-word buckets."""
        table = self._table
        if table.full:
            table = self._table = TermTable()
        i = table.term(term)
        starts, columns, _ = self._columns_for(table).cover(table, self, i + 1)
        return tuple(columns[starts[i] : starts[i + 1]].tolist())

    def _term_columns(self, table: TermTable, low: int, high: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For term ids ``low`` to ``high`` of ``table``: how many columns each has, the columns
        (its unigram first, if in the vocabulary, then the kept buckets of its character
        n-grams: for every term with ``subwords="all"``, else for terms without a unigram)
        and its part id for n-grams (-1 for none)."""
        names, n = table.terms, high - low
        index, parts = self.word_index_, self._parts
        if self.ngram_range[0] <= 1:
            unigram = np.fromiter((index.get(names[i], -1) for i in range(low, high)), dtype=np.int64, count=n)
        else:
            unigram = np.full(n, -1, dtype=np.int64)
        part = np.fromiter((parts.get(names[i], -1) for i in range(low, high)), dtype=np.int64, count=n)
        owner, columns = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if self.char_ngram_range is not None:
            need = np.arange(n) if self.subwords == "all" else np.flatnonzero(unigram < 0)
            lists = [self._buckets(names[low + k]) for k in need.tolist()]
            count = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
            buckets = np.fromiter((b for one in lists for b in one), dtype=np.int64, count=int(count.sum()))
            columns = self._bucket_column[buckets].astype(np.int64)
            owner = np.repeat(need, count)
            kept = columns >= 0
            owner, columns = owner[kept], columns[kept]
        has = np.flatnonzero(unigram >= 0)
        # each term's unigram, then its buckets in order (a stable sort by owner, unigram first)
        owner = np.concatenate([has, owner])
        columns = np.concatenate([unigram[has], columns])
        order = np.argsort(owner, kind="stable")
        return np.bincount(owner, minlength=n), columns[order], part

    def ngram_columns(self, terms: Sequence[str]) -> list[tuple[int, int, int]]:
        """The word n-grams of two or more terms in one text's ``terms``: ``(column, start,
        length)`` for each, as :meth:`transform_encoded` counts them."""
        parts = np.asarray([self._parts.get(t, -1) for t in terms], dtype=np.int64)
        starts, lengths, columns = self._ngrams(parts, np.zeros(len(parts), dtype=np.int64))
        return list(zip(columns.tolist(), starts.tolist(), lengths.tolist()))

    def transform(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """:meth:`transform_encoded` on texts given as lists of terms."""
        table = self._table
        if table.full:
            table = self._table = TermTable()
        return self.transform_encoded(table.encode_terms(docs))

    def transform_encoded(self, encoded: EncodedTexts) -> sp.csr_matrix:
        """Encoded texts -> CSR rows of ``n_features`` columns.

        Each term id's columns come from a flat table kept for the encoding's term table
        (filled the first time an id is seen), and n-grams are chains of the terms' part ids
        looked up for the whole batch at once."""
        n, terms, doc = len(encoded), encoded.terms, encoded.doc
        need = int(terms.max()) + 1 if len(terms) else 0
        starts, columns, parts = self._columns_for(encoded.table).cover(encoded.table, self, need)
        start = starts[terms]
        count = starts[terms + 1] - start
        cols = gather_ranges(start, count, columns)
        rows = np.repeat(doc, count)
        at, _, found = self._ngrams(parts[terms], doc)
        if len(found):
            rows = np.concatenate([rows, doc[at]])
            cols = np.concatenate([cols, found])
        return self._weighted(rows, cols, n)

    def _columns_for(self, table: TermTable) -> _TermColumns:
        found = self._columns.get(table)
        if found is None:
            with self._lock:
                found = self._columns.get(table)
                if found is None:
                    found = self._columns[table] = _TermColumns()
        return found

    def _ngrams(self, parts: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The n-grams (two or more terms, within ``ngram_range``) of a batch given as each
        term's part id (-1 for none) and text: their start positions, lengths and columns."""
        low, high = self.ngram_range
        out: list[tuple[np.ndarray, int, np.ndarray]] = []
        if high >= 2 and self._chains.size and len(parts) > 1:
            n_nodes, n_words, lookup = self._n_nodes, self.n_words, self._chains.lookup
            at = np.flatnonzero((parts[:-1] >= 0) & (parts[1:] >= 0) & (doc[:-1] == doc[1:]))
            node = lookup(parts[at] * n_nodes + parts[at + 1])
            for n in range(2, high + 1):
                if n > 2:  # extend each chain found by the next term of its text
                    end = at + n - 1
                    keep = end < len(parts)
                    at, node, end = at[keep], node[keep], end[keep]
                    keep = (parts[end] >= 0) & (doc[end] == doc[at])
                    at, node, end = at[keep], node[keep], end[keep]
                    node = lookup(node * n_nodes + parts[end])
                hit = node >= 0
                at, node = at[hit], node[hit]
                if n >= low and n_nodes == n_words:  # every node is an n-gram of the vocabulary
                    out.append((at, n, node))
                elif n >= low:
                    word = node < n_words
                    out.append((at[word], n, node[word]))
                if not len(at):
                    break
        if not out:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        return (np.concatenate([o[0] for o in out]), np.concatenate([np.full(len(o[0]), o[1]) for o in out]),
                np.concatenate([o[2] for o in out]))

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
        raw = np.asarray(state["words_"], dtype=np.uint8)
        blob = raw.tobytes().decode("utf-8")
        self.words_ = blob.split("\n") if blob else []
        self.word_idf_ = np.asarray(state["word_idf_"], dtype=np.float64)
        self.buckets_ = np.asarray(state["buckets_"], dtype=np.int64)
        self.char_idf_ = np.asarray(state["char_idf_"], dtype=np.float64)
        self._build_lookup(raw)


def _ngram_df(terms: np.ndarray, doc: np.ndarray, n_ids: int, n: int, names: Sequence[str],
              min_df: int) -> dict[str, int]:
    """The n-grams of ``n`` terms in at least ``min_df`` texts, as strings, with their
    document frequencies. Each window of ``n`` terms inside one text gets a key (the
    window's ids, renumbered densely after each added term so the keys stay small)."""
    at = np.arange(max(0, len(terms) - n + 1))
    at = at[doc[at] == doc[at + n - 1]]
    key = terms[at]
    width = n_ids
    for k in range(1, n):
        key = np.unique(key * n_ids + terms[at + k], return_inverse=True)[1].astype(np.int64)
        width = int(key.max()) + 1 if len(key) else 1
    pairs = np.unique(doc[at] * width + key)  # each (text, n-gram) once
    df = np.bincount(pairs % width, minlength=width)
    kept = np.flatnonzero(df >= min_df)
    if not len(kept):
        return {}
    where = np.zeros(width, dtype=np.int64)
    where[key] = at  # one window of each key
    windows = terms[where[kept][:, None] + np.arange(n)].tolist()
    return {" ".join([names[t] for t in window]): int(d) for window, d in zip(windows, df[kept].tolist())}


#: ``_MASKS[n]`` keeps the first ``n`` bytes (0 to 8) of a little-endian 8-byte word.
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: well-spread 64-bit values from ``x`` (uint64, wrapping)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _vocabulary_chains(blob: np.ndarray, n_words: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The chains of a vocabulary whose n-grams are made of its own unigrams, found with
    NumPy: ``(unigram columns, chain keys, chain columns)``, keys in column order, as
    :meth:`TermVectorizer._build_lookup_general` computes them when every part is a unigram
    (its column is its part id) and every prefix of two or more terms an n-gram (its column
    is its node), so that no node is added (``n_nodes == n_words``). ``None`` for any other
    vocabulary (or one whose blob is not ``n_words`` words with non-empty terms).

    ``blob`` is the words joined by newlines (UTF-8 bytes), terms separated by spaces. Each
    term is read as the 8-byte words of its bytes and looked up among the unigrams by a key:
    the bytes themselves for a term of under 8 bytes, else a hash of its words whose match is
    checked word by word, so a hash collision can only send the vocabulary to the general
    loop, never give a wrong part."""
    raw = np.asarray(blob, dtype=np.uint8)
    is_newline = raw == 10
    is_break = is_newline | (raw == 32)
    breaks = np.flatnonzero(is_break)
    if int(np.count_nonzero(is_newline)) != n_words - 1 or len(raw) >= 2**31:
        return None
    n_terms = len(breaks) + 1
    term_start = np.concatenate([[0], breaks + 1]).astype(np.int32)
    term_length = np.concatenate([breaks, [len(raw)]]).astype(np.int32) - term_start
    if not term_length.all():  # an empty term (or word)
        return None
    term_word = np.concatenate([[0], np.cumsum(is_newline[breaks])])
    per_word = np.bincount(term_word, minlength=n_words)
    first_term = np.concatenate([[0], np.cumsum(per_word)[:-1]])
    unigrams = np.flatnonzero(per_word == 1)
    chains = np.flatnonzero(per_word > 1)
    if not len(chains):
        return unigrams, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # each term as the little-endian 8-byte words of its bytes (the bytes past its end masked off)
    padded = np.zeros(len(raw) + 8, dtype=np.uint8)
    padded[: len(raw)] = raw
    word_at = np.ndarray((len(raw) + 1,), dtype="<u8", buffer=padded, strides=(1,))  # the 8 bytes from each byte

    def words_of(start: np.ndarray, length: np.ndarray, k: int) -> np.ndarray:
        """Word ``k`` of the terms of ``start`` and ``length`` (all longer than ``8 * k`` bytes)."""
        return word_at[start + 8 * k] & _MASKS[np.minimum(length - 8 * k, 8)]

    # a key for each term, looked up among the unigrams' keys: a term of under 8 bytes is its
    # own key (its bytes and its length); a longer one has a hash of its words and length
    # (from 2**62 up, apart from the others), and a match is checked word by word below
    key = (word_at[term_start] & _MASKS[np.minimum(term_length, 8)]) | (term_length.astype(np.uint64) << np.uint64(56))
    long = np.flatnonzero(term_length >= 8)
    if len(long):
        start, length = term_start[long], term_length[long]
        hashed = length.astype(np.uint64)
        for k in range((int(length.max()) + 7) // 8):
            longer = np.flatnonzero(length > 8 * k)
            hashed[longer] = _mix(hashed[longer] ^ words_of(start[longer], length[longer], k))
        key[long] = (_mix(hashed) >> np.uint64(2)) | np.uint64(1 << 62)
    key = key.astype(np.int64)  # >= 0: never the table's empty key
    in_chain = np.flatnonzero(per_word[term_word] > 1)
    part = np.full(n_terms, -1, dtype=np.int64)
    part[in_chain] = BigramTable(key[first_term[unigrams]], unigrams).lookup(key[in_chain])
    found = part[in_chain]
    if (found < 0).any():
        return None
    # each long term of a chain has the bytes of the unigram found for it
    checked = np.flatnonzero(term_length[in_chain] >= 8)
    mine, theirs = term_start[in_chain[checked]], term_start[first_term[found[checked]]]
    length = term_length[in_chain[checked]]
    if (term_length[first_term[found[checked]]] != length).any():
        return None
    for k in range((int(length.max(initial=0)) + 7) // 8):
        longer = np.flatnonzero(length > 8 * k)
        if not np.array_equal(words_of(mine[longer], length[longer], k), words_of(theirs[longer], length[longer], k)):
            return None
    # the node of each chain's first k terms, level by level: the column of that k-gram
    length = per_word[chains]
    node = part[first_term[chains]]
    keys = np.zeros(len(chains), dtype=np.int64)
    longest = int(length.max())
    for k in range(2, longest + 1):
        live = np.flatnonzero(length >= k)
        key = node[live] * n_words + part[first_term[chains[live]] + k - 1]
        done = length[live] == k
        keys[live[done]] = key[done]
        if k < longest:
            complete, longer = key[done], key[~done]
            order = np.argsort(complete, kind="stable")
            where = np.minimum(np.searchsorted(complete[order], longer), max(len(complete) - 1, 0))
            if not len(complete) or (complete[order][where] != longer).any():
                return None  # a prefix that is no n-gram of the vocabulary
            node[live[~done]] = chains[live[done]][order][where]
    return unigrams, keys, chains


class _Ranges:
    """A range of int64 values for each id of a :class:`TermTable`, CSR-like
    (``values[starts[i]:starts[i + 1]]``), plus optionally one int64 per id (``extra``);
    filled on demand up to the largest id a batch holds. An id's rows are written before
    ``size`` covers it, so threads may share it."""

    def __init__(self) -> None:
        self.starts, self.values, self.extra = Growing(1025), Growing(8192), Growing(1024, -1)
        self.size = 0
        self.lock = threading.Lock()

    def cover(self, size: int, compute) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(starts, values, extra)`` covering ids below ``size``; ``compute(low, high)``
        gives ``(counts, values, extra or None)`` for the ids not yet covered."""
        if self.size < size:
            with self.lock:
                low = self.size
                if low < size:
                    counts, values, extra = compute(low, size)
                    base = int(self.starts.data[low])
                    self.starts.ensure(size + 1)
                    self.values.ensure(base + len(values))
                    self.values.data[base : base + len(values)] = values
                    self.starts.data[low + 1 : size + 1] = base + np.cumsum(counts)
                    if extra is not None:
                        self.extra.ensure(size)
                        self.extra.data[low:size] = extra
                    self.size = size
        return self.starts.data, self.values.data, self.extra.data


class _TermColumns(_Ranges):
    """The columns of each term id of one :class:`TermTable` under one vocabulary, with each
    id's part id for n-grams as ``extra``."""

    def cover(self, table: TermTable, vectorizer: TermVectorizer,  # type: ignore[override]
              size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return super().cover(size, lambda low, high: vectorizer._term_columns(table, low, high))


#: term table -> (character n-gram range, buckets) -> the buckets of each term id
_SUBWORDS: weakref.WeakKeyDictionary[TermTable, dict[tuple, _Ranges]] = weakref.WeakKeyDictionary()
_SUBWORDS_LOCK = threading.Lock()


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
        owner = np.full(1 << bits, len(keys), dtype=np.int64)  # the first key to claim each free slot
        probe = 0
        while pending.size:  # round r places each pending key in its r-th slot if free
            slots = (home[pending] + probe) & self._mask
            free = self._keys[slots] == -1
            slots, candidates = slots[free], pending[free]
            np.minimum.at(owner, slots, candidates)  # one winner per slot: the first key to claim it
            won = owner[slots] == candidates
            slots, winners = slots[won], candidates[won]
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
