"""The feature matrix one text at a time in plain Python: the oracle the package is tested against.

The package computes features for whole batches from term-id arrays
(``kpkclassify.features.compiled``, ``cues.with_cues``, ``TermVectorizer``). This module states
the same definition the slow, obvious way (it is the per-text code the package used before):
preprocess each text, append its cues (:func:`add_cues`), count n-gram strings with a
``Counter`` (:func:`fit`), and build each row from dicts (:func:`transform`). It shares only the
cue word lists and the preprocessing with the package.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from kpkclassify.features.cues import DURATION, FIRST_PERSON, IMPERATIVE, MONEY, NEGATION, NUMBER, REQUEST, WINDOW


def add_cues(terms: Sequence[str], raw: str) -> list[str]:
    """``terms`` followed by the cue pseudo-terms of the text."""
    n = len(terms)
    out = list(terms)
    request_at = [i for i, t in enumerate(terms) if t in REQUEST]
    first_at = [i for i, t in enumerate(terms) if t in FIRST_PERSON]
    if any(0 <= r - f <= WINDOW for f in first_at for r in request_at):
        out.append("_cue_self_request_")
    money_at = [i for i, t in enumerate(terms) if t == MONEY]
    if any(abs(r - m) <= WINDOW + 1 for m in money_at for r in request_at):
        out.append("_cue_money_request_")
    for i in [i for i, t in enumerate(terms) if t in NEGATION]:
        # negation scope: the next two terms that are not placeholders
        out += ["neg_" + t for t in terms[i + 1 : i + 3] if t[0] != "_"]
    out += ["_cue_duration_" for i in range(n - 1) if terms[i] == NUMBER and terms[i + 1] in DURATION]
    if n and terms[0] in IMPERATIVE:
        out.append("_cue_imperative_")
    if "#" in raw:
        out.append("_cue_hashtag_")
    if "?" in raw:
        out.append("_cue_question_")
    if "!" in raw:
        out.append("_cue_exclaim_")
    out.append("_len_short_" if n < 8 else "_len_long_" if n > 60 else "_len_mid_")
    return out


def terms(features, texts: Sequence[object]) -> list[list[str]]:
    """What ``features.encode(texts)`` holds, text by text: the preprocessed terms, then the cues."""
    texts = list(texts)
    plain = features._preprocessor().terms(texts)
    if not features.cues:
        return plain
    return [add_cues(t, raw if isinstance(raw, str) else "") for t, raw in zip(plain, texts)]


@dataclass
class Fitted:
    words: list[str]
    word_idf: np.ndarray
    buckets: np.ndarray
    char_idf: np.ndarray


def _ngrams(terms: Sequence[str], ngram_range: tuple[int, int]) -> list[str]:
    lo, hi = ngram_range
    return [" ".join(terms[i : i + n]) for n in range(lo, hi + 1) for i in range(len(terms) - n + 1)]


def _buckets(term: str, char_ngram_range: tuple[int, int] | None, n_buckets: int) -> list[int]:
    if char_ngram_range is None:
        return []
    padded = f" {term} "
    grams = [padded[i : i + n] for n in range(char_ngram_range[0], char_ngram_range[1] + 1)
             for i in range(len(padded) - n + 1)]
    return [zlib.crc32(g.encode("utf-8")) % n_buckets for g in grams]


def fit(docs: Sequence[Sequence[str]], *, ngram_range=(1, 2), char_ngram_range=(3, 5), min_df=2, n_buckets=2**20,
        subwords="oov") -> Fitted:
    """The vocabulary, kept buckets and IDF weights of term lists."""
    n_docs = len(docs)
    word_df: Counter[str] = Counter()
    for terms in docs:
        word_df.update(set(_ngrams(terms, ngram_range)))
    bucket_df: Counter[int] = Counter()
    for terms in docs:
        seen: set[int] = set()
        for term in set(terms):
            if subwords == "oov" and word_df.get(term, 0) >= min_df:
                continue
            seen.update(_buckets(term, char_ngram_range, n_buckets))
        bucket_df.update(seen)
    words = sorted(w for w, df in word_df.items() if df >= min_df)
    buckets = np.asarray(sorted(b for b, df in bucket_df.items() if df >= min_df), dtype=np.int64)
    idf = lambda df: np.log((1 + n_docs) / (1 + np.asarray(df, dtype=np.float64))) + 1  # noqa: E731
    return Fitted(words, idf([word_df[w] for w in words]), buckets, idf([bucket_df[b] for b in buckets.tolist()]))


def transform(vectorizer, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
    """The rows of term lists under a fitted vectoriser's vocabulary (its ``words_``,
    ``buckets_`` and IDF weights): sublinear TF x IDF, word and sub-word blocks L2-normalised
    separately."""
    words = {w: i for i, w in enumerate(vectorizer.words_)}
    n_words = len(words)
    bucket_column = {int(b): n_words + i for i, b in enumerate(vectorizer.buckets_.tolist())}
    idf = np.concatenate([vectorizer.word_idf_, vectorizer.char_idf_])
    lo, hi = vectorizer.ngram_range
    rows, columns, values = [], [], []
    for r, terms in enumerate(docs):
        counts: Counter[int] = Counter()
        for term in terms:
            unigram = words.get(term) if lo <= 1 and " " not in term else None
            if unigram is not None:
                counts[unigram] += 1
            if vectorizer.subwords == "all" or unigram is None:
                counts.update(bucket_column[b] for b in _buckets(term, vectorizer.char_ngram_range, vectorizer.n_buckets)
                              if b in bucket_column)
        for n in range(max(2, lo), hi + 1):
            counts.update(words[g] for g in (" ".join(terms[i : i + n]) for i in range(len(terms) - n + 1))
                          if g in words)
        weights = {c: (1 + np.log(k)) * idf[c] for c, k in counts.items()}
        norm_word = np.sqrt(sum(w * w for c, w in weights.items() if c < n_words)) or 1.0
        norm_char = np.sqrt(sum(w * w for c, w in weights.items() if c >= n_words)) or 1.0
        for c, w in weights.items():
            rows.append(r)
            columns.append(c)
            values.append(w / (norm_word if c < n_words else norm_char))
    return sp.csr_matrix((values, (rows, columns)), shape=(len(docs), n_words + len(bucket_column)))


def matrix(features, texts: Sequence[object]) -> sp.csr_matrix:
    """What ``features.transform(texts)`` gives, text by text."""
    return transform(features.vectorizer_, terms(features, texts))
