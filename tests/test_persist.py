"""Loading refuses files that need types outside our allow-list, and bad files."""

import zipfile
from pathlib import Path

import pytest
import skops.io as sio

from kpkclassify import ModelLoadError, load


class NotAllowed:
    """A type that is not on the allow-list."""

    def __init__(self):
        self.value = 1


def test_untrusted_type_is_refused_and_named(tmp_path):
    path = tmp_path / "evil.skops"
    sio.dump({"payload": NotAllowed()}, path)
    with pytest.raises(ModelLoadError, match="test_persist.NotAllowed"):
        load(path)


def test_not_a_model_file(tmp_path):
    path = tmp_path / "junk.skops"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(ModelLoadError, match="not a kpkclassify model"):
        load(path)


def test_pickle_is_not_read(tmp_path):
    import pickle

    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ModelLoadError):
        load(path)


def test_a_skops_file_that_is_not_a_classifier(tmp_path):
    path = tmp_path / "list.skops"
    sio.dump([1, 2, 3], path)
    with pytest.raises(ModelLoadError, match="not a kpkclassify Classifier"):
        load(path)


def test_missing_file(tmp_path):
    with pytest.raises(ModelLoadError, match="no such model file"):
        load(tmp_path / "nothing.skops")


def test_newer_model_format_is_refused(fitted, tmp_path, monkeypatch):
    import kpkclassify.persist as persist

    path = tmp_path / "future.skops"
    with monkeypatch.context() as patch:  # written by a newer kpkclassify
        patch.setattr(persist, "MODEL_FORMAT", persist.MODEL_FORMAT + 1)
        fitted.save(path)
    with pytest.raises(ModelLoadError, match="newer than this kpkclassify"):
        load(path)


def test_saved_file_is_a_skops_zip_with_a_card(fitted, tmp_path):
    fitted.card_ = {"note": "test"}
    try:
        path = tmp_path / "m.skops"
        fitted.save(path)
        assert zipfile.is_zipfile(path)
        assert (tmp_path / "m.skops.card.json").read_text().strip().startswith("{")
    finally:
        del fitted.card_


def test_a_format_1_model_loads_and_predicts_as_it_did():
    """A model saved by 8c3aa6d (format 1, the old module names) still loads and gives the
    probabilities it gave then (300 corpus rows, Classifier(cv=2, augment=0))."""
    import numpy as np

    from kpkclassify.persist import MODEL_FORMAT

    path = Path(__file__).parent / "data" / "model_format1.skops"
    model = load(path)
    assert model.model_format_ == 1 < MODEL_FORMAT
    proba = model.predict_proba(["Disuruh bayar 200rb biar SIM cepet jadi", "KTP saya udah 4 bulan belum jadi"])
    np.testing.assert_allclose(proba, [[0.97821325, 0.02058939, 0.01728812], [0.15498204, 0.99199037, 0.00805243]],
                               rtol=1e-6)
