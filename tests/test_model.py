"""The classifier follows scikit-learn's contract and does what its docstrings say."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
)

from kpkclassify import LABELS, Classifier, Prediction, load


@pytest.mark.parametrize("check", [check_get_params_invariance, check_no_attributes_set_in_init,
                                   check_parameters_default_constructible])
def test_sklearn_data_free_checks(check):
    check("Classifier", Classifier())


def test_fit_returns_self_and_sets_learned_state(rows):
    texts, labels = zip(*rows)
    clf = Classifier(cv=3, min_df=1)
    assert clf.fit(list(texts), list(labels)) is clf
    assert clf.labels_ == LABELS
    assert list(clf.classes_) == list(LABELS)
    assert clf.thresholds_.shape == (3,)
    assert set(clf.cv_scores_) == {*LABELS, "macro"}


def test_params_are_stored_unchanged_and_clone_works():
    clf = Classifier(C=2.5, word_ngram_range=(1, 3), thresholds={"campaign": 0.7})
    assert clf.get_params()["C"] == 2.5
    assert clf.get_params()["word_ngram_range"] == (1, 3)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert not hasattr(twin, "estimators_")


def test_predictions_have_the_documented_shapes(fitted):
    texts = ["petugas minta uang 100rb biar cepat", "ktp belum jadi tiga bulan", "jalan rusak"]
    proba = fitted.predict_proba(texts)
    assert proba.shape == (3, 3) and np.all((proba >= 0) & (proba <= 1))
    predicted = fitted.predict_labels(texts)
    assert len(predicted) == 3 and all(isinstance(p, tuple) and p for p in predicted)
    assert predicted[0] == ("illegal_fee",)
    assert predicted[1] == ("slow_service",)
    results = fitted.classify(texts)
    assert all(isinstance(r, Prediction) for r in results)
    assert results[0].label == "illegal_fee" and set(results[0].scores) == set(LABELS)
    indicator = fitted.predict(texts)  # scikit-learn's multi-label form over classes_
    assert indicator.shape == (3, 3) and indicator.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 0]]
    assert list(fitted.classes_) == list(LABELS)
    assert fitted.decision_function(texts).shape == (3, 3)


def test_other_when_nothing_applies(fitted):
    result = fitted.classify(["pertandingan bola semalam seru"])[0]
    assert result.labels == ("other",) and result.label == "other"


def test_sparse_features_flow_through(fitted):
    import scipy.sparse as sp

    matrix = fitted.features_.transform(["ktp belum jadi"])
    assert sp.issparse(matrix) and matrix.shape[1] == fitted.features_.n_features_


def test_explain_maps_back_to_the_users_words(fitted):
    evidence = fitted.explain("Petugas dimintain uang 100rb biar cepat", labels=["illegal_fee"])
    words = [w for w, _ in evidence["illegal_fee"]]
    assert words, "expected some evidence"
    assert "100rb" in words  # the amount as written, not a placeholder
    assert all(not w.startswith("_") for w in words)
    assert all(weight > 0 for _, weight in evidence["illegal_fee"])


def test_single_string_is_refused(fitted):
    with pytest.raises(TypeError, match="single string"):
        fitted.predict("satu teks")


def test_too_few_examples_are_refused():
    with pytest.raises(ValueError, match="at least 2 positive"):
        Classifier().fit(["a b", "c d", "e f"], ["illegal_fee", "other", "other"])


def test_grid_search_works(rows):
    texts, labels = zip(*rows)
    search = GridSearchCV(Classifier(cv=2, min_df=1, thresholds=0.5), {"C": [1.0, 4.0]}, cv=2)
    search.fit(list(texts), list(labels))
    assert search.best_params_["C"] in (1.0, 4.0)
    assert 0.0 <= search.best_score_ <= 1.0


def test_training_is_deterministic(rows):
    texts, labels = zip(*rows)
    a = Classifier(cv=3, min_df=1).fit(list(texts), list(labels))
    b = Classifier(cv=3, min_df=1).fit(list(texts), list(labels))
    probe = ["uang rokok 50rb", "antre sampai sore", "ayo lawan korupsi"]
    np.testing.assert_array_equal(a.predict_proba(probe), b.predict_proba(probe))
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)


def test_save_load_round_trip_gives_identical_predictions(fitted, tmp_path):
    path = tmp_path / "m.skops"
    fitted.save(path)
    again = load(path)
    probe = ["uang rokok 50rb", "antre sampai sore", "ayo lawan korupsi", ""]
    np.testing.assert_array_equal(fitted.predict_proba(probe), again.predict_proba(probe))
    assert again.predict_labels(probe) == fitted.predict_labels(probe)


def test_bundled_model_loads_and_predicts():
    model = load()
    assert model.predict_labels(["Disuruh bayar 200rb biar SIM cepat jadi"])[0] == ("illegal_fee",)
    assert model.card_["training_data"]["rows"] > 0


def test_predictions_in_batches_equal_one_batch(fitted, monkeypatch):
    import kpkclassify.model.classifier as module

    texts = [f"petugas minta {i}rb biar ktp cepat jadi" if i % 3 else "ayo tolak pungli" for i in range(50)]
    whole = fitted.predict_proba(texts)
    monkeypatch.setattr(module, "BATCH", 7)
    np.testing.assert_allclose(fitted.predict_proba(texts), whole, rtol=1e-6)
    assert fitted.decision_function(texts).shape == (50, 3)
