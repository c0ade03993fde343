"""Thresholds chosen by cross-validation grouped by register or source: Classifier(cv=...), fit(groups=), train(group_column=)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

from kpkclassify import Classifier
from kpkclassify.exceptions import DataError


def _groups(n: int) -> list[str]:
    return [("tweet", "review", "news", "app_review")[i % 4] for i in range(n)]


def test_no_group_is_on_both_sides_of_a_fold() -> None:
    strata = np.arange(40) % 3
    groups = np.asarray(_groups(40), dtype=object)
    splits = Classifier(cv=4)._splits(strata, groups)
    assert len(splits) == 4
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
    assert sorted(np.concatenate([test for _, test in splits]).tolist()) == list(range(40))


def test_without_groups_the_folds_are_todays() -> None:
    strata = np.arange(30) % 3
    ours = Classifier(cv=3, random_state=0)._splits(strata, None)
    theirs = StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(np.zeros(30), strata)
    for (a, b), (c, d) in zip(ours, theirs):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_fit_with_groups_and_a_splitter(rows) -> None:
    texts, labels = map(list, zip(*rows))
    groups = _groups(len(texts))
    grouped = Classifier(cv=2, min_df=1, augment=0).fit(texts, labels, groups=groups)
    plain = Classifier(cv=2, min_df=1, augment=0).fit(texts, labels)
    assert grouped.thresholds_.shape == plain.thresholds_.shape
    assert not np.allclose(grouped.thresholds_, plain.thresholds_)  # other folds, other thresholds
    np.testing.assert_array_equal(grouped.predict(texts[:5]).shape, (5, 3))
    loo = Classifier(cv=LeaveOneGroupOut(), min_df=1, augment=0).fit(texts, labels, groups=groups)
    assert np.all((loo.thresholds_ > 0) & (loo.thresholds_ < 1))


def test_bad_groups_are_refused(rows) -> None:
    texts, labels = map(list, zip(*rows))
    with pytest.raises(ValueError, match="groups has 3 values"):
        Classifier(cv=2, min_df=1, augment=0).fit(texts, labels, groups=["a", "b", "c"])
    with pytest.raises(ValueError, match="at least 2 distinct"):
        Classifier(cv=2, min_df=1, augment=0).fit(texts, labels, groups=["a"] * len(texts))
    with pytest.raises(ValueError, match="need at least 5 groups"):
        Classifier(cv=5, min_df=1, augment=0).fit(texts, labels, groups=_groups(len(texts)))
    with pytest.raises(ValueError, match="cv"):
        Classifier(cv="five").fit(texts, labels)  # type: ignore[arg-type]


def test_train_reads_the_group_column(tmp_path, rows) -> None:
    from kpkclassify.workflows.train import read_groups, train

    path = tmp_path / "grouped.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "labels", "register"])
        writer.writerows([text, label, group] for (text, label), group in zip(rows, _groups(len(rows))))
    model = train(str(path), cv=2, classifier=Classifier(min_df=1, augment=0), group_column="register")
    assert model.card_["options"]["group_column"] == "register"
    from kpkclassify.io.labelled import read_labelled

    assert read_groups(read_labelled(str(path)), "register") == _groups(len(rows))
    with pytest.raises(DataError, match="no column 'source'"):
        train(str(path), cv=2, classifier=Classifier(min_df=1, augment=0), group_column="source")


def test_a_model_with_a_splitter_saves_and_loads(tmp_path, rows) -> None:
    from sklearn.model_selection import GroupKFold

    from kpkclassify import load

    texts, labels = map(list, zip(*rows))
    model = Classifier(cv=GroupKFold(2), min_df=1, augment=0).fit(texts, labels, groups=_groups(len(texts)))
    model.save(tmp_path / "grouped.skops")
    loaded = load(tmp_path / "grouped.skops")
    assert isinstance(loaded.cv, GroupKFold) and loaded.cv.n_splits == 2
    np.testing.assert_array_equal(loaded.predict_proba(texts[:4]), model.predict_proba(texts[:4]))


def test_cli_group_column_missing_is_an_error_and_writes_nothing(tmp_path, labelled_csv) -> None:
    from typer.testing import CliRunner

    from kpkclassify.cli import app

    out = tmp_path / "m.skops"
    result = CliRunner().invoke(app, ["train", str(labelled_csv), "-o", str(out), "--group-column", "register",
                                      "--cv", "2", "-q"])
    assert result.exit_code != 0
    assert "no column 'register'" in result.output  # stderr is in output under every click we support
    assert not out.exists()


def _one_group_per_label(labels: list[str]) -> list[str]:
    return [next((name for name in ("illegal_fee", "slow_service", "campaign") if name in lab), "other") for lab in labels]


@pytest.mark.parametrize("cv", [4, LeaveOneGroupOut()], ids=["cv=4", "LeaveOneGroupOut"])
def test_a_fold_without_a_positive_of_a_label_is_a_clear_error(rows, cv) -> None:
    texts, labels = map(list, zip(*rows))
    groups = _one_group_per_label(labels)  # each label lives in one group: holding it out leaves no positive
    with pytest.raises(ValueError, match=r"cannot train label '\w+': with the group\(s\) \w+ held out, the training "
                                         r"part has no positive example of it; use fewer folds") as caught:
        Classifier(cv=cv, min_df=1, augment=0).fit(texts, labels, groups=groups)
    assert "liblinear" not in str(caught.value) and "multiclass" not in str(caught.value)


def test_missing_groups_are_refused_naming_the_rows(rows) -> None:
    texts, labels = map(list, zip(*rows))
    groups: list = _groups(len(texts))
    groups[3], groups[7] = None, float("nan")
    with pytest.raises(ValueError, match=r"groups has 2 missing value\(s\) \(None or NaN\) at position\(s\) 3, 7"):
        Classifier(cv=2, min_df=1, augment=0).fit(texts, labels, groups=groups)
    with pytest.raises(ValueError, match=r"missing value\(s\).*position\(s\) 0"):
        Classifier(cv=2, min_df=1, augment=0).fit(texts, labels, groups=np.r_[np.nan, np.arange(len(texts) - 1) % 3])


def test_an_empty_group_cell_is_refused_naming_the_row(tmp_path, rows) -> None:
    from kpkclassify.io.labelled import read_labelled
    from kpkclassify.workflows.train import read_groups

    path = tmp_path / "grouped.csv"
    groups = _groups(len(rows))
    groups[3] = "  "
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "labels", "register"])
        writer.writerows([text, label, group] for (text, label), group in zip(rows, groups))
    with pytest.raises(DataError, match=r"grouped\.csv:5: empty 'register' cell; give every row a group"):
        read_groups(read_labelled(str(path)), "register")
