"""kpkclassify.adapt and `kpkclassify adapt`: thresholds and calibration (or retraining) fitted
to a user's source, the card it writes, its errors, and the loop with suggest --explore."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import read_csv, write_csv
from typer.testing import CliRunner

from kpkclassify import LabelledData, adapt
from kpkclassify.cli import app
from kpkclassify.exceptions import InputError
from kpkclassify.model import adaptation as num
from kpkclassify.workflows.adapt import corrected_counts

runner = CliRunner()


def _csv(path, rows, header=("text", "labels")):
    return write_csv(path, list(header), [list(r) for r in rows])


# -- the numeric part -----------------------------------------------------------------------

def test_hard_cut_is_the_f1_optimal_one():
    z = np.array([-3.0, -2.0, -1.0, 0.5, 1.0, 2.0])
    y = np.array([0, 0, 1, 0, 1, 1])
    cut = num.smooth_f1_cut(z, y, np.ones(6), 0.0)
    assert -2.0 < cut < -1.0  # every positive above, two negatives below: F1 = 6/7


def test_few_positives_stay_near_the_base_cut():
    rng = np.random.default_rng(0)
    z = rng.normal(size=40)
    y = (z > 1.5).astype(int)
    y[:2] = 1
    few = num.shrunk_cut(z, y, np.ones(40), 3.0, shrinkage=30)
    free = num.shrunk_cut(z, y, np.ones(40), 3.0, shrinkage=0)
    assert abs(few - 3.0) < abs(free - 3.0)
    one = y.copy()
    one[:] = 0
    one[0] = 1
    assert num.shrunk_cut(z, one, np.ones(40), 3.0) == 3.0  # one positive: the base cut is kept


def test_recalibration_prior_pulls_towards_the_identity():
    rng = np.random.default_rng(1)
    z = rng.normal(size=200)
    y = (rng.random(200) < num.sigmoid(2 * z - 1)).astype(int)
    a, b = num.fit_recalibration(z, y, np.ones(200), prior=0.01)
    assert 1.4 < a < 2.8 and -1.6 < b < -0.4
    strong = num.fit_recalibration(z, y, np.ones(200), prior=1e6)
    assert strong == pytest.approx((1.0, 0.0), abs=1e-3)
    separable = num.fit_recalibration(np.r_[np.full(30, -0.01), np.full(30, 0.01)], np.r_[np.zeros(30), np.ones(30)],
                                      np.ones(60), prior=0.0)
    assert separable[0] <= 10.0  # bounded: the probabilities stay finite


def test_wilson_interval_and_bootstrap_gain():
    low, high = num.wilson(8, 10)
    assert low < 0.8 < high and 0 <= low and high <= 1
    Y = np.array([[1], [1], [0], [0], [1], [0]] * 5)
    better, worse = Y.astype(bool), np.zeros_like(Y, dtype=bool)
    gain = num.bootstrap_gain(Y, better, worse, np.ones(len(Y)), repeats=100)
    assert gain["gain"] == 1.0 and gain["low"] <= 1.0 <= gain["high"]


def test_corrected_counts_divide_by_recall():
    card = {"adaptation": {"source_estimates": {"a": {"precision": {"value": 0.8, "low": 0.6, "high": 0.9},
                                                      "recall": {"value": 0.5, "low": 0.4, "high": 0.7}}}}}
    out = corrected_counts(card, {"a": 100}, 1000)
    assert out["a"]["corrected"] == 160.0
    assert out["a"]["low"] < 160 < out["a"]["high"]
    assert corrected_counts({}, {"a": 1}, 10) is None


# -- the library ----------------------------------------------------------------------------

def test_adapt_returns_a_new_model_and_leaves_the_base_alone(fitted, labelled_csv):
    before = (fitted.thresholds_.copy(), None if fitted.calibration_ is None else fitted.calibration_.copy())
    card = dict(getattr(fitted, "card_", {}) or {})
    adapted = adapt(fitted, labelled_csv, retrain=False)
    assert adapted is not fitted
    assert np.array_equal(fitted.thresholds_, before[0])
    assert before[1] is None or np.array_equal(fitted.calibration_, before[1])
    assert (getattr(fitted, "card_", {}) or {}) == card
    info = adapted.card_["adaptation"]
    assert info["method"] == "thresholds" and info["rows"]["n"] == 51
    assert info["rows"]["counts"]["illegal_fee"] == 15 and len(info["rows"]["sha256"]) == 64
    assert set(info["thresholds_before"]) == set(fitted.labels_) == set(info["thresholds_after"])
    assert info["cv_gain"]["low"] <= info["cv_gain"]["gain"] <= info["cv_gain"]["high"]
    for entry in info["source_estimates"].values():
        assert entry["precision"]["low"] <= entry["precision"]["value"] <= entry["precision"]["high"]
    assert len(adapted.predict_proba(["petugas minta uang 100rb"])[0]) == len(fitted.labels_)


def test_adapted_model_saves_and_info_shows_the_adaptation(fitted, labelled_csv, tmp_path):
    out = tmp_path / "adapted.skops"
    adapt(fitted, labelled_csv, retrain=False).save(out)
    result = runner.invoke(app, ["info", "-m", str(out)])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)["adaptation"]
    assert shown["method"] == "thresholds" and "source_estimates" in shown


def test_weights_are_read_from_the_selection_weight_column(fitted, rows, tmp_path):
    path = _csv(tmp_path / "w.csv", [(t, lab, "2.5") for t, lab in rows], ("text", "labels", "selection_weight"))
    adapted = adapt(fitted, path, retrain=False)
    assert adapted.card_["adaptation"]["rows"]["weighted"]
    bad = _csv(tmp_path / "bad.csv", [(t, lab, "-1") for t, lab in rows], ("text", "labels", "selection_weight"))
    with pytest.raises(InputError, match=r"bad.csv:2: column 'selection_weight' must hold a positive number"):
        adapt(fitted, bad, retrain=False)


def test_adapting_again_keeps_the_earlier_rows(fitted, rows, tmp_path):
    first = _csv(tmp_path / "first.csv", rows[:30])
    second = _csv(tmp_path / "second.csv", rows[30:])
    once = adapt(fitted, first, retrain=False)
    twice = adapt(once, second, retrain=False)
    info = twice.card_["adaptation"]
    assert info["rows"]["n"] == len(rows) and info["rows"]["new"] == len(rows) - 30
    assert info["rows"]["earlier_sha256"] == [once.card_["adaptation"]["rows"]["sha256"]]
    assert info["base"] == once.card_["adaptation"]["base"]  # always measured from the first base


def test_retraining_with_a_corpus_and_no_readapting_it(fitted, rows, labelled_csv):
    texts, labels = zip(*rows)
    corpus = LabelledData(texts=list(texts), labels=[tuple(x.split("|")) if x != "other" else () for x in labels],
                          origins=[f"c:{i}" for i in range(len(rows))])
    retrained = adapt(fitted, labelled_csv, retrain=True, corpus=corpus)
    info = retrained.card_["adaptation"]
    assert info["method"] == "retrain" and info["choice"]["retrain"]["weight"] > 0
    assert "kept_rows" not in info
    with pytest.raises(InputError, match="adapted by retraining on 51 rows .*adapt its base model"):
        adapt(retrained, labelled_csv, retrain=False)


@pytest.fixture(scope="module")
def trained(labelled_rows_path):
    from kpkclassify import Classifier, train

    return train(str(labelled_rows_path), cv=2, classifier=Classifier(min_df=1, augment=1))


@pytest.fixture(scope="module")
def labelled_rows_path(tmp_path_factory, rows):
    return _csv(tmp_path_factory.mktemp("adapt") / "labelled.csv", rows)


def test_threshold_adapted_card_and_params_describe_the_adapted_model(trained, labelled_rows_path, tmp_path):
    from sklearn.base import clone

    adapted = adapt(trained, labelled_rows_path, retrain=False)
    card = adapted.card_
    assert card["thresholds"] == {k: round(float(t), 4) for k, t in zip(adapted.labels_, adapted.thresholds_)}
    assert card["thresholds"] == card["adaptation"]["thresholds_after"] != trained.card_["thresholds"]
    base = card["adaptation"]["base"]["card"]
    assert base["thresholds"] == trained.card_["thresholds"] and base["cross_validated"] == trained.card_["cross_validated"]
    assert "cross_validated" not in card  # the base fit's scores describe another model
    assert card["options"]["adapted_by"] == "thresholds"
    assert adapted.calibration_ is not None and adapted.get_params()["calibration"] == "sigmoid"
    assert clone(adapted).get_params()["thresholds"] == "cv"
    out = tmp_path / "a.skops"
    adapted.save(out)
    shown = json.loads(runner.invoke(app, ["info", "-m", str(out)]).output)
    assert shown["thresholds"] == card["thresholds"] and shown["adaptation"]["base"]["card"]["thresholds"] == base["thresholds"]


def test_retrained_card_and_params_describe_the_retrain(trained, rows, labelled_rows_path):
    from sklearn.base import clone

    texts, labels = zip(*rows)
    corpus = LabelledData(texts=list(texts), labels=[tuple(x.split("|")) if x != "other" else () for x in labels],
                          origins=[f"c:{i}" for i in range(len(rows))])
    retrained = adapt(trained, labelled_rows_path, retrain=True, corpus=corpus)
    card = retrained.card_
    assert card["training_data"]["rows"] == 2 * len(rows) != trained.card_["training_data"]["rows"]
    assert card["training_data"]["adapting_rows"]["weight"] == card["adaptation"]["choice"]["retrain"]["weight"]
    assert card["training_data"]["sources"][-1] == str(labelled_rows_path)
    assert card["options"]["params"]["augment"] == "0" == repr(retrained.get_params()["augment"])
    assert trained.card_["options"]["params"]["augment"] == "1"
    assert card["adaptation"]["base"]["card"]["options"] == trained.card_["options"]
    assert card["thresholds"] == {k: round(float(t), 4) for k, t in zip(retrained.labels_, retrained.thresholds_)}
    assert "cross_validated" not in card
    params = retrained.get_params()
    assert params["calibration"] == "sigmoid" and params["thresholds"] == "cv"  # not calibration=None, thresholds=0.5
    refit = clone(retrained).set_params(cv=2).fit(list(texts), list(labels))
    assert refit.calibration_ is not None  # the same kind of model: calibrated, thresholds chosen by cv


def test_a_small_batch_after_an_adaptation_is_checked_with_the_earlier_rows(fitted, rows, tmp_path):
    first = _csv(tmp_path / "first.csv", rows[:40])
    small = _csv(tmp_path / "small.csv", rows[40:])  # 11 rows: too few alone, enough with the earlier 40
    with pytest.raises(InputError, match="11 labelled rows; adapting needs at least 20"):
        adapt(fitted, small, retrain=False)
    twice = adapt(adapt(fitted, first, retrain=False), small, retrain=False)
    assert twice.card_["adaptation"]["rows"]["n"] == len(rows) and twice.card_["adaptation"]["rows"]["new"] == 11
    only_other = _csv(tmp_path / "other.csv", [(f"jalan rusak nomor {i}", "other") for i in range(5)])
    assert adapt(adapt(fitted, first, retrain=False), only_other, retrain=False).card_["adaptation"]["rows"]["n"] == 45


@pytest.mark.parametrize("rows_, message", [
    ([("petugas minta uang", "illegal_fee")] * 1 + [(f"jalan rusak {i}", "other") for i in range(5)], "at least 20 rows"),
    ([(f"jalan rusak nomor {i}", "other") for i in range(30)], "no row carries any of the labels"),
    ([(f"jalan rusak nomor {i}", "nepotism" if i == 3 else "other") for i in range(30)],
     r"u.csv:5: label 'nepotism' is not one of the base model's labels .*need retraining: use kpkclassify train"),
    ([(f"jalan rusak nomor {i}", "ilegal_fee" if i == 3 else "other") for i in range(30)], "did you mean"),
    ([("jalan rusak", "other"), ("Jalan  rusak", "slow_service")] + [(f"x {i}", "other") for i in range(30)],
     "same text as"),
])
def test_bad_rows_are_refused_naming_the_file(fitted, tmp_path, rows_, message):
    path = _csv(tmp_path / "u.csv", rows_)
    with pytest.raises(InputError, match=message) as caught:
        adapt(fitted, path, retrain=False)
    if "need retraining" in message:
        assert "\n" not in str(caught.value)


def test_a_label_without_positives_is_a_warning(fitted, rows, tmp_path):
    path = _csv(tmp_path / "u.csv", [r for r in rows if "campaign" not in r[1]])
    with pytest.warns(UserWarning, match="no row is labelled campaign; its threshold stays"):
        adapted = adapt(fitted, path, retrain=False)
    assert adapted.card_["adaptation"]["kept_base"]["campaign"]


# -- the command line -----------------------------------------------------------------------

def test_cli_adapt_writes_the_model_and_its_card(model_path, labelled_csv, tmp_path):
    out = tmp_path / "a.skops"
    result = runner.invoke(app, ["adapt", str(labelled_csv), "-o", str(out), "-m", str(model_path), "--retrain", "never",
                                 "--json", "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["adaptation"]["method"] == "thresholds"
    assert out.exists() and (tmp_path / "a.skops.card.json").exists()


def test_cli_adapt_error_is_one_line_and_writes_nothing(model_path, tmp_path):
    src = _csv(tmp_path / "u.csv", [(f"jalan rusak nomor {i}", "nepotism" if i == 3 else "other") for i in range(30)])
    out = tmp_path / "a.skops"
    result = runner.invoke(app, ["adapt", str(src), "-o", str(out), "-m", str(model_path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "need retraining" in lines[0]
    assert not out.exists() and not list(tmp_path.glob("a.skops*"))
    nolabels = write_csv(tmp_path / "n.csv", ["text"], [[f"jalan rusak {i}"] for i in range(30)])
    result = runner.invoke(app, ["adapt", str(nolabels), "-o", str(out), "-m", str(model_path)])
    assert result.exit_code == 1 and "no label column" in result.output and not out.exists()


def test_suggest_explore_writes_selection_weights(model_path, tmp_path):
    texts = [f"jalan rusak nomor {i} minta uang {i}rb" if i % 3 else f"ktp belum jadi {i} bulan" for i in range(60)]
    src = write_csv(tmp_path / "in.csv", ["isi"], [[t] for t in texts])
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["suggest", str(src), "-o", str(out), "-n", "10", "-m", str(model_path), "-t", "isi",
                                 "--explore", "0.5", "-q"])
    assert result.exit_code == 0, result.output
    table = read_csv(out)
    assert table[0][-1] == "selection_weight" and len(table) == 11
    weights = [float(row[-1]) for row in table[1:]]
    picked_for_uncertainty = [w for w in weights if w == 1.0]
    assert 1 <= len(picked_for_uncertainty) <= 5
    assert sum(weights) == pytest.approx(60, abs=1e-6)  # a weighted count over the picks estimates the file's


def test_classify_summary_reports_corrected_counts(fitted, labelled_csv, tmp_path):
    from kpkclassify import classify_file

    adapted = adapt(fitted, labelled_csv, retrain=False)
    src = write_csv(tmp_path / "in.csv", ["text"], [["petugas minta uang 100rb biar cepat"], ["ktp belum jadi"]])
    summary = classify_file(src, tmp_path / "out.csv", model=adapted)
    assert set(summary.corrected) <= set(fitted.labels_) and summary.corrected
    assert any("corrected for the precision/recall" in line for line in summary.lines())
    plain = classify_file(src, tmp_path / "out2.csv", model=fitted)
    assert plain.corrected == {}
