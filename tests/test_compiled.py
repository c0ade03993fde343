"""The batch fast path gives exactly the matrix of the reference path (preprocess, cues, vectorise)."""

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent

WORDS = ["saya", "minta", "bayar", "100rb", "Rp 50.000", "tidak", "bukan", "gratis", "3", "bulan", "hari", "ktp",
         "belum", "jadi", "ayo", "tolak", "pungli", "#StopPungli", "?", "!", "@admin", "https://x.id", "😡", "—",
         "jangan", "_money_", "kami", "disuruh", "setor", "dua", "juta", "antri2", "lamaaa", "berbelit-belit", "", "\n"]
texts_strategy = st.lists(st.lists(st.sampled_from(WORDS), max_size=70).map(" ".join), min_size=1, max_size=25)


def reference(features, texts):
    return features.transform_terms(features.to_terms(texts))


def assert_same(a, b):
    assert a.shape == b.shape
    difference = abs(a - b)
    assert difference.nnz == 0 or difference.max() < 1e-6


@settings(max_examples=150, deadline=None)
@given(texts_strategy)
def test_fast_path_equals_reference_path(fitted, texts):
    assert_same(fitted.features_.transform(texts), reference(fitted.features_, texts))


def test_cues_off_and_odd_inputs(fitted):
    from sklearn.base import clone

    texts = ["", None, 12, "saya tidak bayar", "ayo lapor!", "   ", "tidak tidak _money_ bukan"]
    assert_same(fitted.features_.transform(texts), reference(fitted.features_, texts))
    without_cues = clone(fitted.features_).set_params(cues=False).fit(["ktp belum jadi", "ktp belum jadi lagi"])
    assert_same(without_cues.transform(texts), reference(without_cues, texts))


def test_a_changed_parameter_rebuilds_the_fast_path(fitted):
    from sklearn.base import clone

    features = clone(fitted.features_).fit(["ktp belum jadi", "tidak bayar ktp", "ktp belum jadi"])
    first = features._compiled()
    features.set_params(cues=False)
    assert features._compiled() is not first
    assert_same(features.transform(["tidak bayar ktp"]), reference(features, ["tidak bayar ktp"]))


def test_bundled_model_on_the_test_split():
    from kpkclassify import load

    with open(ROOT / "datasets" / "test.csv", newline="", encoding="utf-8") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    features = load().features_
    assert_same(features.transform(texts), reference(features, texts))


def test_tables_start_afresh_when_full(fitted, monkeypatch):
    import kpkclassify.features.compiled as compiled

    monkeypatch.setattr(compiled, "MEMO_LIMIT", 5)
    features = fitted.features_
    texts = ["saya tidak bayar ktp belum jadi", "ayo tolak pungli sekarang juga"]
    before = features.transform(texts)
    tables = features._compiled()._tables
    after = features.transform(texts)
    assert features._compiled()._tables is not tables
    assert_same(before, after)


def test_fast_path_is_not_persisted(fitted, tmp_path):
    from kpkclassify import load

    fitted.features_.transform(["ktp belum jadi"])
    assert "_compiled_cache" not in fitted.features_.__getstate__()
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
        assert_same(result, reference(features, batch))


def test_custom_preprocessor_settings(rows):
    from kpkclassify.features.text_features import TextFeatures
    from kpkclassify.text import IndonesianPreprocessor

    texts = [t for t, _ in rows]
    for preprocessor in (IndonesianPreprocessor(extra_slang={"pelicin": "suap"}, keep_words=["di"], stem=False),
                         IndonesianPreprocessor(money=False, hashtags=False, placeholders=False)):
        features = TextFeatures(preprocessor=preprocessor, min_df=1).fit(texts)
        probe = texts + ["Bayar Rp 50.000 ke @petugas #StopPungli https://x.id 0812-3456-7890 😡"]
        assert_same(features.transform(probe), reference(features, probe))
