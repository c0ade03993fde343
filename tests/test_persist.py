"""Loading refuses files that need types outside our allow-list, and bad files."""

import zipfile

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
    import kpkclassify._model as model_module

    path = tmp_path / "future.skops"
    monkeypatch.setattr(fitted, "model_format_", model_module.MODEL_FORMAT + 1)
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
