"""Bad model files are refused with one line, before they cost memory or give nonsense:
zip members that would inflate too far, learned arrays that do not fit together, and
the empty and missing inputs of the prediction methods."""

from __future__ import annotations

import copy
import struct
import zipfile

import numpy as np
import pytest
import skops.io as sio

from kpkclassify import ModelLoadError, _persist, load


def _dump(model, path):
    sio.dump(model, path, compression=zipfile.ZIP_DEFLATED)
    return path


def _with_member(source, target, name: str, data: bytes):
    """A copy of the zip ``source`` with one more member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, old.read(info.filename))
        new.writestr(name, data)
    return target


def _declare_size(path, name: str, size: int) -> None:
    """Rewrite the uncompressed size the central directory declares for ``name`` (the
    bytes stay small: what a bomb looks like to the loader, built in microseconds)."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == encoded:
            struct.pack_into("<I", data, at + 24, size)
            break
        at += 4
    path.write_bytes(bytes(data))


def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


# -- before inflating ------------------------------------------------------------------
def test_a_member_declaring_4_gib_is_refused_before_loading(model_path, tmp_path):
    path = _with_member(model_path, tmp_path / "bomb.skops", "0.npy", b"\0" * 1000)
    _declare_size(path, "0.npy", 0xFFFF_FFF0)
    with pytest.raises(ModelLoadError, match="0.npy would inflate to 4.0 GiB") as exc:
        load(path)
    assert "load only model files you trust" in _one_line(exc)


def test_the_total_declared_size_is_limited(model_path, tmp_path, monkeypatch):
    monkeypatch.setattr(_persist, "MAX_MODEL_BYTES", 64 << 10)  # the small model inflates to about 115 KiB
    with pytest.raises(ModelLoadError, match=r"members would inflate to 1\d\d KiB \(limit 64 KiB\)"):
        load(model_path)


def test_a_member_above_the_per_member_limit_is_refused(model_path, tmp_path, monkeypatch):
    monkeypatch.setattr(_persist, "MAX_MEMBER_BYTES", 1 << 20)
    path = _with_member(model_path, tmp_path / "big.skops", "big.npy", b"\0" * (2 << 20))
    with pytest.raises(ModelLoadError, match="big.npy would inflate to 2.0 MiB .limit 1.0 MiB"):
        load(path)


def test_a_highly_compressed_member_is_refused(model_path, tmp_path, monkeypatch):
    path = _with_member(model_path, tmp_path / "ratio.skops", "zeros.npy", b"\0" * (4 << 20))
    with pytest.raises(ModelLoadError, match=r"zeros.npy would inflate \d+-fold \(limit 200-fold\)"):
        load(path)


def test_a_forged_bucket_count_is_refused_before_tables_are_built(fitted, tmp_path):
    # Loading builds an int32 table of n_buckets entries: 2**40 would be 4 TB.
    model = copy.deepcopy(fitted)
    model.features_.vectorizer_.n_buckets = 2**40
    with pytest.raises(ModelLoadError, match="n_buckets is 1099511627776"):
        load(_dump(model, tmp_path / "buckets.skops"))


def test_the_bundled_model_and_a_saved_model_pass_every_check(model_path):
    assert load(model_path).predict_labels(["petugas minta uang 100rb biar cepat"])


# -- after loading: the learned state ---------------------------------------------------
def _tampered(fitted, change):
    model = copy.deepcopy(fitted)
    change(model)
    return model


TAMPERINGS = {
    "coef_ has shape \\(1, \\d+\\), expected": lambda m: setattr(m.estimators_[1], "coef_", m.estimators_[1].coef_[:, :-1]),
    "coef_ .* finite": lambda m: m.estimators_[0].coef_.__setitem__((0, 0), np.nan),
    "intercept_": lambda m: setattr(m.estimators_[2], "intercept_", np.array([np.inf])),
    "classes_ are not \\[0, 1\\]": lambda m: setattr(m.estimators_[0], "classes_", np.array([0, 2])),
    "estimators_ is not a list of 3": lambda m: setattr(m, "estimators_", m.estimators_[:2]),
    "thresholds_ is not 3 numbers in \\[0, 1\\]": lambda m: setattr(m, "thresholds_", np.array([0.5, 1.5, 0.5])),
    "thresholds_ is not 3 numbers": lambda m: setattr(m, "thresholds_", np.array([0.5, 0.5])),
    "thresholds_ is not 3 numbers in": lambda m: setattr(m, "thresholds_", np.array([0.5, np.nan, 0.5])),
    "calibration_": lambda m: setattr(m, "calibration_", np.zeros((3, 3))),
    "classes_ does not match labels_": lambda m: setattr(m, "labels_", ("illegal_fee", "slow_service")),
    "labels_ is": lambda m: setattr(m, "labels_", ("illegal_fee", "other", "campaign")),
    "classes_ does not match": lambda m: setattr(m, "classes_", np.asarray(["a", "b", "c"], dtype=object)),
    "word_idf_": lambda m: setattr(m.features_.vectorizer_, "word_idf_", m.features_.vectorizer_.word_idf_[:-1]),
    "char_idf_": lambda m: _set_buckets(m, [1, 2], [1.0, 2.0, 3.0]),
    "char_idf_ does not hold one positive": lambda m: _set_buckets(m, [1, 2], [1.0, -2.0]),
    "buckets_ are not increasing": lambda m: _set_buckets(m, [5, 3], [1.0, 1.0]),
}


def _set_buckets(model, buckets: list[int], idf: list[float]) -> None:
    vectorizer = model.features_.vectorizer_
    vectorizer.buckets_, vectorizer.char_idf_ = np.asarray(buckets, dtype=np.int64), np.asarray(idf)
    for estimator in model.estimators_:  # keep the coefficients as wide as the features
        estimator.coef_ = np.zeros((1, vectorizer.n_features))


@pytest.mark.parametrize("problem", sorted(TAMPERINGS))
def test_an_inconsistent_learned_state_is_refused(fitted, tmp_path, problem):
    path = _dump(_tampered(fitted, TAMPERINGS[problem]), tmp_path / "tampered.skops")
    with pytest.raises(ModelLoadError, match=problem) as exc:
        load(path)
    assert "train the model again" in _one_line(exc)


@pytest.mark.parametrize("value", ["1", 1.5, None, True, 0, [1]])
def test_a_model_format_that_is_not_a_number_is_one_line(fitted, tmp_path, value):
    path = _dump(_tampered(fitted, lambda m: setattr(m, "model_format_", value)), tmp_path / "format.skops")
    with pytest.raises(ModelLoadError, match="is not a format number") as exc:
        load(path)
    _one_line(exc)


# -- predicting on nothing and on missing values ------------------------------------------
def test_predicting_no_texts_gives_empty_results(fitted):
    assert fitted.predict_labels([]) == []
    assert fitted.classify([]) == []
    assert fitted.predict_proba([]).shape == (0, 3)
    assert fitted.decision_function([]).shape == (0, 3)
    assert fitted.predict([]).shape == (0, 3)


def test_missing_values_are_empty_texts(fitted):
    class NAType:  # what pd.NA does, without needing pandas: comparisons are NA, NA is not a bool
        def __ne__(self, other):
            return self

        def __eq__(self, other):
            return self

        def __bool__(self):
            raise TypeError("boolean value of NA is ambiguous")

    missing = [None, float("nan"), np.float32("nan"), np.datetime64("NaT", "ns"), NAType()]
    empty = fitted.predict_proba([""])
    proba = fitted.predict_proba(missing + ["petugas minta uang 100rb"])
    assert np.allclose(proba[:-1], empty)
    assert fitted.predict_labels(missing) == [("other",)] * len(missing)
    with pytest.raises(TypeError, match="text 0 is a int"):
        fitted.predict([5])


def test_pandas_missing_values_when_pandas_is_there(fitted):
    pd = pytest.importorskip("pandas")
    texts = pd.Series(["petugas minta uang 100rb biar cepat", None, pd.NA], dtype="object")
    assert len(fitted.predict(texts)) == 3
    assert fitted.predict_labels([pd.NA, pd.NaT]) == [("other",), ("other",)]


def test_fitting_on_texts_without_a_word_is_refused(rows):
    from kpkclassify import Classifier

    labels = [label for _, label in rows]
    texts = ["", "  ", "!!!", None, "...?"] * (len(labels) // 5) + [""] * (len(labels) % 5)
    with pytest.raises(ValueError, match="no text has any word"):
        Classifier(cv=2, min_df=1).fit(texts, labels)
