"""The package's one feature path (encode -> fit_encoded / transform_encoded) against the
per-text oracle (``tests/oracle_features.py``): the same terms and cues, the same vocabulary,
the same matrix."""

import csv
from pathlib import Path

import numpy as np
import oracle_features as oracle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent

WORDS = ["saya", "minta", "bayar", "100rb", "Rp 50.000", "tidak", "bukan", "gratis", "3", "bulan", "hari", "ktp",
         "belum", "jadi", "ayo", "tolak", "pungli", "#StopPungli", "?", "!", "@admin", "https://x.id", "😡", "—",
         "jangan", "_money_", "kami", "disuruh", "setor", "dua", "juta", "antri2", "lamaaa", "berbelit-belit", "", "\n",
         "0812-3456-7890", "tanpa", "_num_", "Tidak!", "suap?"]
unseen = st.text(alphabet="abcdeknrstuy", min_size=1, max_size=9)  # words no model has seen
texts_strategy = st.lists(st.lists(st.one_of(st.sampled_from(WORDS), unseen), max_size=70).map(" ".join),
                          min_size=1, max_size=25)
PARAMETERS = [
    {},
    {"subwords": "all"},
    {"char_ngram_range": None},
    {"word_ngram_range": (1, 1)},
    {"word_ngram_range": (1, 3)},
    {"word_ngram_range": (2, 3), "subwords": "all"},
    {"cues": False},
    {"cues": False, "char_ngram_range": None, "word_ngram_range": (1, 3)},
    {"min_df": 1, "char_ngram_range": (2, 4), "n_buckets": 4096},
]
TRAIN = ["saya disuruh bayar 100rb biar ktp cepat jadi", "ktp belum jadi tiga bulan", "ayo tolak pungli!",
         "tidak ada pungutan, gratis", "saya minta tolong ktp belum jadi", "bayar Rp 50.000 ke petugas #StopPungli",
         "ktp belum jadi, kenapa?", "jangan bayar pungli", "3 bulan belum jadi juga", "tidak bayar apa apa"] * 2


def assert_same(a, b):
    assert a.shape == b.shape
    difference = abs(a - b)
    assert difference.nnz == 0 or difference.max() < 1e-6


def corpus_texts(name: str, limit: int | None = None) -> list[str]:
    with open(ROOT / "datasets" / name, newline="", encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh)][:limit]


def assert_fitted_like_oracle(features, docs):
    expected = oracle.fit(docs, ngram_range=tuple(features.word_ngram_range), char_ngram_range=features.char_ngram_range,
                          min_df=features.min_df, n_buckets=features.n_buckets, subwords=features.subwords)
    v = features.vectorizer_
    assert v.words_ == expected.words
    np.testing.assert_array_equal(v.buckets_, expected.buckets)
    np.testing.assert_allclose(v.word_idf_, expected.word_idf, rtol=1e-12)
    np.testing.assert_allclose(v.char_idf_, expected.char_idf, rtol=1e-12)


@pytest.fixture(scope="module")
def fitted_by_parameters():
    from kpkclassify.features.text_features import TextFeatures

    return [TextFeatures(**p).fit(TRAIN) for p in PARAMETERS]


@settings(max_examples=150, deadline=None)
@given(texts_strategy)
def test_matrix_equals_the_oracle(fitted, texts):
    assert_same(fitted.features_.transform(texts), oracle.matrix(fitted.features_, texts))


@settings(max_examples=60, deadline=None)
@given(texts_strategy)
def test_every_parameter_setting_equals_the_oracle(fitted_by_parameters, texts):
    for features in fitted_by_parameters:
        encoded = features.encode(texts)
        assert encoded.term_lists() == oracle.terms(features, texts)
        assert_same(features.transform_encoded(encoded), oracle.matrix(features, texts))


@settings(max_examples=40, deadline=None)
@given(texts_strategy, st.sampled_from(PARAMETERS))
def test_fit_equals_the_oracle_fit(texts, parameters):
    from kpkclassify.features.text_features import TextFeatures

    features = TextFeatures(**parameters).fit(texts + TRAIN)
    assert_fitted_like_oracle(features, oracle.terms(features, texts + TRAIN))
    assert_same(features.transform(texts), oracle.matrix(features, texts))


def test_corpus_sample_fits_and_transforms_like_the_oracle():
    from kpkclassify.features.text_features import TextFeatures

    train, test = corpus_texts("train.csv", 1500), corpus_texts("test.csv", 500)
    for parameters in ({}, {"subwords": "all", "word_ngram_range": (1, 3)}, {"cues": False, "char_ngram_range": None}):
        features = TextFeatures(**parameters).fit(train)
        assert_fitted_like_oracle(features, oracle.terms(features, train))
        assert_same(features.transform(test), oracle.matrix(features, test))


def test_odd_inputs_and_cues_off(fitted):
    from sklearn.base import clone

    texts = ["", None, 12, "saya tidak bayar", "ayo lapor!", "   ", "tidak tidak _money_ bukan", "\x01 ktp \x00", "#"]
    assert_same(fitted.features_.transform(texts), oracle.matrix(fitted.features_, texts))
    without_cues = clone(fitted.features_).set_params(cues=False).fit(["ktp belum jadi", "ktp belum jadi lagi"])
    assert_same(without_cues.transform(texts), oracle.matrix(without_cues, texts))
    assert fitted.features_.transform([]).shape == (0, fitted.features_.n_features_)


def test_take_and_concatenate_are_the_texts_they_name(fitted):
    from kpkclassify.features.compiled import EncodedTexts

    features = fitted.features_
    texts = ["saya tidak bayar ktp", "", "ayo tolak pungli!", "ktp belum jadi 3 bulan?"]
    encoded = features.encode(texts)
    lists = encoded.term_lists()
    assert len(encoded) == 4 and lists == oracle.terms(features, texts)
    assert encoded.take([3, 1, 3]).term_lists() == [lists[3], lists[1], lists[3]]
    assert encoded.take([]).term_lists() == []
    joined = EncodedTexts.concatenate([encoded.take([2]), features.encode(["bayar 50rb"]), encoded.take([0])])
    assert joined.term_lists() == [lists[2], *oracle.terms(features, ["bayar 50rb"]), lists[0]]
    assert_same(features.transform_encoded(joined), oracle.matrix(features, [texts[2], "bayar 50rb", texts[0]]))


def test_concatenating_encodings_of_two_tables_reencodes_them(fitted):
    from sklearn.base import clone

    from kpkclassify.features.compiled import EncodedTexts

    features = fitted.features_
    other = clone(features)  # its own encoder: its own term ids
    a, b = features.encode(["ktp belum jadi"]), other.encode(["saya disuruh setor 100rb", "ktp"])
    assert b.table is not a.table
    joined = EncodedTexts.concatenate([a, b])
    assert joined.table is a.table
    assert joined.term_lists() == a.term_lists() + b.term_lists()
    assert_same(features.transform_encoded(b), oracle.matrix(features, ["saya disuruh setor 100rb", "ktp"]))


def test_one_encoding_serves_fits_of_folds(fitted):
    """What cross-validation does: fit on a fold of one encoding, transform another fold."""
    from sklearn.base import clone

    texts = corpus_texts("train.csv", 300)
    encoded = fitted.features_.encode(texts)
    train, test = np.arange(0, 300, 2), np.arange(1, 300, 2)
    fold = clone(fitted.features_).fit_encoded(encoded.take(train))
    assert_fitted_like_oracle(fold, oracle.terms(fold, [texts[i] for i in train]))
    assert_same(fold.transform_encoded(encoded.take(test)), oracle.matrix(fold, [texts[i] for i in test]))


def test_a_changed_parameter_rebuilds_the_encoder(fitted):
    from sklearn.base import clone

    features = clone(fitted.features_).fit(["ktp belum jadi", "tidak bayar ktp", "ktp belum jadi"])
    first = features._encoder()
    assert features._encoder() is first
    features.set_params(cues=False)
    assert features._encoder() is not first
    assert_same(features.transform(["tidak bayar ktp"]), oracle.matrix(features, ["tidak bayar ktp"]))


def test_bundled_model_on_the_test_split():
    from kpkclassify import load

    texts = corpus_texts("test.csv")
    features = load().features_
    assert_same(features.transform(texts), oracle.matrix(features, texts))


def test_tables_start_afresh_when_full(fitted, monkeypatch):
    import kpkclassify.features.compiled as compiled

    monkeypatch.setattr(compiled, "MEMO_LIMIT", 5)
    features = fitted.features_
    texts = ["saya tidak bayar ktp belum jadi", "ayo tolak pungli sekarang juga"]
    before = features.transform(texts)
    table = features._encoder().table
    after = features.transform(texts)
    assert features._encoder().table is not table
    assert_same(before, after)
    assert_same(after, oracle.matrix(features, texts))


def test_encoder_is_not_persisted(fitted, tmp_path):
    from kpkclassify import load

    fitted.features_.transform(["ktp belum jadi"])
    assert "_encoder_cache" not in fitted.features_.__getstate__()
    fitted.save(tmp_path / "m.skops")
    loaded = load(tmp_path / "m.skops")
    np.testing.assert_allclose(loaded.predict_proba(["ktp belum jadi"]), fitted.predict_proba(["ktp belum jadi"]))


@pytest.mark.parametrize("threads", [4])
def test_threads_share_the_tables_safely(fitted, threads):
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.base import clone

    features = clone(fitted.features_).fit([" ".join(WORDS)] * 2)
    batches = [[f"kata{i}{j} saya tidak bayar {j}rb" for j in range(200)] for i in range(threads * 3)]
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(features.transform, batches))
    for batch, result in zip(batches, results):
        assert_same(result, oracle.matrix(features, batch))


def test_custom_preprocessor_settings(rows):
    from kpkclassify.features.text_features import TextFeatures
    from kpkclassify.text import IndonesianPreprocessor

    texts = [t for t, _ in rows]
    for preprocessor in (IndonesianPreprocessor(extra_slang={"pelicin": "suap"}, keep_words=["di"], stem=False),
                         IndonesianPreprocessor(money=False, hashtags=False, placeholders=False)):
        features = TextFeatures(preprocessor=preprocessor, min_df=1).fit(texts)
        assert_fitted_like_oracle(features, oracle.terms(features, texts))
        probe = texts + ["Bayar Rp 50.000 ke @petugas #StopPungli https://x.id 0812-3456-7890 😡"]
        assert_same(features.transform(probe), oracle.matrix(features, probe))


def test_explain_scores_the_terms_of_the_row(fitted):
    """Every column of the scored row has owners among the row's own terms and cues."""
    text = "Saya disuruh bayar 100rb, tidak ada kwitansi! #StopPungli"
    features = fitted.features_
    scored = features.encode([text]).term_lists()[0]
    vectorizer = features.vectorizer_
    owned = {c for t in scored for c in vectorizer.term_columns(t)}
    owned |= {c for c, _, _ in vectorizer.ngram_columns(scored)}
    assert set(features.transform([text]).indices.tolist()) == owned
    assert fitted.explain(text, labels=["illegal_fee"], top=50)["illegal_fee"]


def test_a_classifier_of_word_trigrams_fits_and_explains(rows):
    """Training goes through encode / fit_encoded / transform_encoded for any n-gram range,
    and explain shares a trigram's weight among its three terms."""
    from kpkclassify import Classifier

    texts, labels = [t for t, _ in rows], [y for _, y in rows]
    model = Classifier(word_ngram_range=(1, 3), char_ngram_range=None, min_df=1, cv=2, augment=1).fit(texts, labels)
    features = model.features_
    assert any(w.count(" ") == 2 for w in features.vectorizer_.words_)
    assert_same(features.transform(texts), oracle.matrix(features, texts))
    text = "petugas minta uang 100rb biar ktp cepat jadi"
    scored = features.encode([text]).term_lists()[0]
    trigrams = [(c, s) for c, s, n in features.vectorizer_.ngram_columns(scored) if n == 3]
    assert trigrams and all(features.vectorizer_.words_[c] == " ".join(scored[s : s + 3]) for c, s in trigrams)
    assert model.explain(text, labels=["illegal_fee"])["illegal_fee"]
