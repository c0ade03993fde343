"""The term vectoriser against the per-text oracle (``tests/oracle_features.py``) and scikit-learn."""

import numpy as np
import oracle_features as oracle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from kpkclassify.features.vectorize import BigramTable, TermVectorizer

WORDS = ["ktp", "belum", "jadi", "bayar", "pungli", "_money_", "_rp1e5_", "lama", "antri", "kpk", "tolak", "urus"]
docs_strategy = st.lists(
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(alphabet="abcxyz", min_size=1, max_size=6)), max_size=12),
    min_size=1, max_size=30,
)
TRAIN = [
    ["ktp", "belum", "jadi"], ["bayar", "pungli", "_money_", "_rp1e5_"], ["ktp", "belum", "jadi", "lama"],
    ["antri", "lama", "ktp"], ["tolak", "pungli"], ["tolak", "pungli", "kpk"], ["bayar", "_money_", "_rp1e5_", "urus"],
    ["urus", "ktp", "belum", "jadi"], ["antri", "lama"], ["kpk", "tolak", "pungli", "bayar"],
]


@pytest.fixture(scope="module")
def vectorizer():
    return TermVectorizer(subwords="oov", ngram_range=(1, 2), char_ngram_range=(3, 5), min_df=2).fit(TRAIN)


@settings(max_examples=150, deadline=None)
@given(docs_strategy, docs_strategy, st.sampled_from([(1, 1), (1, 2), (1, 3), (2, 3)]), st.sampled_from(["oov", "all"]),
       st.sampled_from([(3, 5), None]))
def test_fit_and_transform_equal_the_oracle(train, docs, ngram_range, subwords, char_ngram_range):
    vectorizer = TermVectorizer(subwords=subwords, ngram_range=ngram_range, char_ngram_range=char_ngram_range,
                                min_df=2).fit(TRAIN + train)
    expected = oracle.fit(TRAIN + train, ngram_range=ngram_range, char_ngram_range=char_ngram_range, min_df=2,
                          subwords=subwords)
    assert vectorizer.words_ == expected.words
    np.testing.assert_array_equal(vectorizer.buckets_, expected.buckets)
    np.testing.assert_allclose(vectorizer.word_idf_, expected.word_idf)
    np.testing.assert_allclose(vectorizer.char_idf_, expected.char_idf)
    fast, slow = vectorizer.transform(docs), oracle.transform(vectorizer, docs)
    assert fast.shape == slow.shape
    assert abs(fast - slow).max() < 1e-6 if fast.nnz or slow.nnz else True
    # a second call goes through the filled column table and must agree too
    assert abs(vectorizer.transform(docs) - slow).sum() < 1e-5


def test_ngram_columns_are_the_ngrams_of_the_row():
    vectorizer = TermVectorizer(ngram_range=(1, 3), char_ngram_range=None, min_df=2).fit(TRAIN)
    terms = ["urus", "ktp", "belum", "jadi", "lama"]
    found = {(vectorizer.words_[c], start, length) for c, start, length in vectorizer.ngram_columns(terms)}
    assert ("ktp belum jadi", 1, 3) in found and ("belum jadi", 2, 2) in found
    assert all(" ".join(terms[s : s + n]) == w for w, s, n in found)


def test_word_block_matches_scikit_learn(vectorizer):
    reference = TfidfVectorizer(analyzer=lambda terms: terms + [f"{a} {b}" for a, b in zip(terms, terms[1:])],
                                sublinear_tf=True, min_df=2).fit(TRAIN)
    docs = [["ktp", "belum", "jadi", "ktp", "belum"], ["tolak", "pungli", "bayar"]]
    ours = vectorizer.transform(docs).toarray()[:, : vectorizer.n_words]
    # our word block is L2-normalised on its own, as scikit-learn normalises the whole row
    theirs = reference.transform(docs).toarray()
    order = [reference.vocabulary_[w] for w in vectorizer.words_]
    np.testing.assert_allclose(ours, theirs[:, order], atol=1e-6)


def test_unknown_terms_get_sub_word_columns_only():
    vectorizer = TermVectorizer(subwords="all", char_ngram_range=(3, 5), min_df=2).fit(TRAIN)
    row = vectorizer.transform([["pungliiii"]])
    assert row.nnz > 0 and row.indices.min() >= vectorizer.n_words


def test_term_table_resets_when_full(vectorizer, monkeypatch):
    import kpkclassify.features.compiled as module

    monkeypatch.setattr(module, "MEMO_LIMIT", 3)
    vectorizer.transform([["ktp"]])
    before = vectorizer.transform([["ktp", "belum", "jadi", "lama", "antri"]]).toarray()
    table = vectorizer._table
    after = vectorizer.transform([["ktp", "belum", "jadi", "lama", "antri"]]).toarray()
    assert vectorizer._table is not table and len(vectorizer._table) == 5
    np.testing.assert_array_equal(before, after)


@settings(max_examples=100, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=10**9), max_size=300), st.lists(st.integers(0, 10**9), max_size=300))
def test_bigram_table_finds_exactly_its_keys(keys, queries):
    keys = sorted(keys)
    table = BigramTable(np.asarray(keys, dtype=np.int64), np.arange(len(keys), dtype=np.int64) * 7)
    probe = np.asarray(keys + queries, dtype=np.int64)
    expected = [keys.index(k) * 7 if k in keys else -1 for k in probe.tolist()]
    assert table.lookup(probe).tolist() == expected


def _lookups(vectorizer):
    return (vectorizer.word_index_, list(vectorizer.word_index_), vectorizer._parts, vectorizer._n_nodes,
            vectorizer._chains._keys.tolist(), vectorizer._chains._values.tolist(), vectorizer._chains._probes)


LONG_WORDS = WORDS + ["abcdefgh", "abcdefghi", "abcdefgi", "pelayanannya", "pelayanannyá", "dé😀", "😀",
                      "sangatsangatlamasekaliprosesnya", "sangatsangatlamasekaliprosesnyx"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(LONG_WORDS), max_size=10), min_size=1, max_size=40),
       st.sampled_from([(1, 1), (1, 2), (1, 3), (1, 4), (2, 2), (2, 3)]), st.integers(1, 4))
def test_vectorised_lookup_builds_what_the_general_loop_does(docs, ngram_range, min_df):
    """The NumPy chains (when they apply) and the term-by-term loop give the same lookups."""
    fitted = TermVectorizer(ngram_range=ngram_range, char_ngram_range=(2, 3), min_df=min_df, n_buckets=256).fit(docs)
    fast = _lookups(fitted)
    fitted._build_lookup_general()
    assert fast == _lookups(fitted)


def test_vectorised_lookup_leaves_other_vocabularies_to_the_general_loop():
    from kpkclassify.features.vectorize import _vocabulary_chains

    def chains(words):
        return _vocabulary_chains(np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8), len(words))

    unigrams, keys, columns = chains(["ab", "ab cd", "cd"])
    assert unigrams.tolist() == [0, 2] and keys.tolist() == [0 * 3 + 2] and columns.tolist() == [1]
    assert chains(["ab", "ab cdefghij", "cdefghik"]) is None  # a part that is no unigram (same first 8 bytes)
    assert chains(["ab", "ab cd", "ab cd ab", "cd"]) is not None
    assert chains(["ab", "ab cd ab", "cd"]) is None  # a prefix that is no n-gram
    assert chains(["ab", "ab  cd", "cd"]) is None  # an empty term
