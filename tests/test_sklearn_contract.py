"""scikit-learn's contract on raw texts: the checks that need no numeric data, and our own
versions of the ones that do (scikit-learn skips every data check for an estimator whose
input tag is ``string``, with a SkipTestWarning: they feed numeric arrays)."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import SkipTestWarning
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.utils import estimator_checks as checks

from kpkclassify import LABELS, Classifier
from kpkclassify.labels import to_indicator

DATA_FREE = ["check_get_params_invariance", "check_set_params", "check_no_attributes_set_in_init",
             "check_parameters_default_constructible", "check_estimator_repr", "check_estimator_cloneable",
             "check_valid_tag_types", "check_estimator_tags_renamed", "check_do_not_raise_errors_in_init_or_set_params",
             "check_param_validation"]
#: scikit-learn's own list for an estimator on raw text: every check it would run feeds numbers.
EXPECTED_SKIPPED = "requires input of type"


@pytest.mark.parametrize("name", [n for n in DATA_FREE if hasattr(checks, n)])
def test_scikit_learn_data_free_check(name):
    getattr(checks, name)("Classifier", Classifier())


def test_scikit_learn_skips_its_data_checks_for_raw_text_and_says_so():
    """The documented expected "failures": scikit-learn runs none of its data checks on an
    estimator of raw text, and says so; the tests below cover what they would."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checks.check_estimator(Classifier())
    assert any(issubclass(w.category, SkipTestWarning) and EXPECTED_SKIPPED in " ".join(str(w.message).split())
               for w in caught)


@pytest.fixture(scope="module")
def data(rows):
    texts, labels = zip(*rows)
    return list(texts), to_indicator(labels)


def test_cross_val_score_equals_our_evaluate_on_the_same_folds(data):
    texts, Y = data
    folds = KFold(n_splits=3, shuffle=True, random_state=0)
    clf = Classifier(cv=2, min_df=1, augment=0)
    theirs = cross_val_score(clf, texts, Y, scoring="f1_macro", cv=folds)
    ours = []
    for train, test in folds.split(texts):
        model = clone(clf).fit([texts[i] for i in train], Y[train])
        evaluation = model.evaluate([texts[i] for i in test], [tuple(np.array(LABELS)[Y[i] == 1]) for i in test])
        ours.append(evaluation.metrics["macro"]["f1"])
    np.testing.assert_allclose(theirs, ours)


def test_predict_is_the_indicator_matrix_f1_score_takes(fitted, data):
    texts, Y = data
    predicted = fitted.predict(texts)
    assert predicted.shape == Y.shape and set(np.unique(predicted)) <= {0, 1}
    assert fitted.score(texts, Y) == pytest.approx(f1_score(Y, predicted, average="macro", zero_division=0))


def test_fit_takes_label_strings_or_the_indicator_matrix_alike(data, rows):
    texts, Y = data
    from_strings = Classifier(cv=2, min_df=1, augment=0).fit(texts, [label for _, label in rows])
    from_matrix = Classifier(cv=2, min_df=1, augment=0).fit(texts, Y)
    np.testing.assert_array_equal(from_strings.predict_proba(texts), from_matrix.predict_proba(texts))


def test_sample_weight_of_two_is_the_row_twice(data):
    texts, Y = data
    weight = np.where(np.arange(len(texts)) % 3 == 0, 2.0, 1.0)
    weighted = Classifier(thresholds=0.5, min_df=1, augment=0, calibration=None).fit(texts, Y, sample_weight=weight)
    twice = [i for i in range(len(texts)) for _ in range(int(weight[i]))]
    # the vocabulary counts texts, so fix it by fitting the features on the same texts both ways
    repeated = Classifier(thresholds=0.5, min_df=1, augment=0, calibration=None)
    repeated.fit([texts[i] for i in twice], Y[twice])
    assert weighted.score(texts, Y, sample_weight=weight) > 0.5
    assert np.corrcoef(weighted.decision_function(texts).ravel(), repeated.decision_function(texts).ravel())[0, 1] > 0.99


def test_grid_search_over_raw_texts(data):
    texts, Y = data
    search = GridSearchCV(Classifier(cv=2, min_df=1, augment=0), {"C": [1.0, 8.0]}, cv=2, scoring="f1_macro")
    search.fit(texts, Y)
    assert search.best_params_["C"] in (1.0, 8.0)
    assert search.predict(texts[:2]).shape == (2, 3)


def test_pickle_round_trip_predicts_the_same(fitted, data):
    texts, _ = data
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(texts), fitted.predict_proba(texts))


@pytest.mark.parametrize("params, message", [
    ({"word_ngram_range": (2, 1)}, "word_ngram_range"),
    ({"thresholds": {"campain": 0.5}}, "unknown labels"),
    ({"C": -1.0}, "'C' parameter"),
    ({"subwords": "some"}, "'subwords' parameter"),
    ({"labels": "other,campaign"}, "cannot be a label"),
])
def test_bad_parameters_are_refused_when_fitting(params, message, data):
    texts, Y = data
    with pytest.raises(ValueError, match=message):
        Classifier(**params).fit(texts, Y)


def test_predicting_nothing_gives_empty_results(fitted):
    assert fitted.predict([]).shape == (0, 3)
    assert fitted.predict_proba([]).shape == (0, 3)
    assert fitted.predict_labels([]) == [] and fitted.classify([]) == []


def test_missing_texts_are_empty_texts(fitted):
    class NA:  # behaves like pandas.NA: comparing it is an error
        def __eq__(self, other):
            raise TypeError("boolean value of NA is ambiguous")

        __ne__ = __eq__

    proba = fitted.predict_proba([None, float("nan"), NA(), ""])
    np.testing.assert_allclose(proba, np.repeat(proba[-1:], 4, axis=0))


def test_fitting_on_texts_without_words_fails(rows):
    labels = [label for _, label in rows]
    with pytest.raises(ValueError, match="no text has any word"):
        Classifier(cv=2, augment=0).fit(["   "] * len(labels), labels)


def test_refitting_drops_the_old_card(data):
    texts, Y = data
    clf = Classifier(cv=2, min_df=1, augment=0).fit(texts, Y)
    clf.card_ = {"note": "from an earlier fit"}
    clf.fit(texts, Y)
    assert not hasattr(clf, "card_")


def test_explain_uses_the_row_the_model_scores(fitted):
    text = "saya disuruh bayar 200rb biar cepat?"
    explanation = fitted.explain(text, labels=["illegal_fee"], top=50)["illegal_fee"]
    row = fitted.features_.transform([text]).getrow(0)
    coef = fitted.estimators_[0].coef_.ravel()
    positive = sum(v for v in (coef[row.indices] * row.data) if v > 0)
    # every positive contribution of the row is attributed to some word or cue (no more, no less)
    assert sum(w for _, w in explanation) == pytest.approx(positive, rel=0.05) or sum(w for _, w in explanation) <= positive + 1e-6
    assert any(word == "200rb" for word, _ in explanation)


def test_classify_frame_keeps_the_series_index(fitted):
    pd = pytest.importorskip("pandas")
    from kpkclassify import classify_frame

    texts = pd.Series(["petugas minta uang 100rb biar ktp cepat jadi", "jalan rusak parah"], index=[10, 20])
    frame = classify_frame(texts, model=fitted)
    assert list(frame.index) == [10, 20]
    assert list(frame.columns) == ["labels", "label", "p_illegal_fee", "p_slow_service", "p_campaign"]
    assert frame.loc[10, "labels"] == "illegal_fee" and frame.loc[20, "label"] == "other"


def test_suggest_file_takes_pathlib_paths(fitted, tmp_path):
    from pathlib import Path

    from kpkclassify import suggest_file

    source = Path(tmp_path) / "unlabelled.csv"
    source.write_text("text\nbayar 200rb biar cepat\nktp belum jadi\njalan rusak\n", encoding="utf-8")
    assert suggest_file(source, tmp_path / "next.csv", model=fitted, n=2) == 2
    assert (tmp_path / "next.csv").read_text(encoding="utf-8").startswith("text,labels,")
