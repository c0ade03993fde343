"""Loading our own model files without skops builds exactly what skops builds, and only our types."""

import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

from kpkclassify import ModelLoadError, load, persist
from kpkclassify._skops_reader import NeedsSkops, read_tree

TEXTS = ["Disuruh bayar 200rb biar SIM cepet jadi", "KTP saya udah 4 bulan belum jadi", "ayo lawan korupsi"]


class NotAllowed:
    """A type on no allow-list."""

    def __init__(self):
        self.value = 1


def _same(a, b, where="model"):
    """The same object graph: types, dict keys and their types, array dtypes, shapes and values."""
    assert type(a) is type(b), where
    if isinstance(a, np.ndarray):
        assert (a.dtype, a.shape, a.flags.writeable) == (b.dtype, b.shape, b.flags.writeable), where
        if a.dtype == object:
            for i, (x, y) in enumerate(zip(a.ravel(), b.ravel())):
                _same(x, y, f"{where}[{i}]")
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, dict):
        assert [(k, type(k)) for k in a] == [(k, type(k)) for k in b], where
        for key in a:
            _same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif type(a).__name__ in ("lock", "RLock"):
        pass  # made anew by __setstate__ either way
    elif hasattr(a, "__dict__") and not isinstance(a, type):
        _same(vars(a), vars(b), f"{where}.__dict__")
    else:
        assert a == b or (a != a and b != b), where


@pytest.mark.parametrize("path", [persist.bundled_model_path(), Path(__file__).parent / "data" / "model_format1.skops"],
                         ids=["bundled", "format1"])
def test_our_model_files_are_built_as_skops_builds_them(path):
    fast = persist._read_known_types(path, persist._check_archive(path))
    assert fast is not None, "the file went to skops"
    slow = persist._read_with_skops(path, None)
    _same(fast, slow)
    np.testing.assert_array_equal(fast.predict_proba(TEXTS), slow.predict_proba(TEXTS))


def test_loading_a_saved_model_does_not_need_skops(fitted, tmp_path, monkeypatch):
    path = tmp_path / "m.skops"
    fitted.save(path)

    def skops_path(*args):
        raise AssertionError("loaded with skops")

    monkeypatch.setattr(persist, "_read_with_skops", skops_path)
    np.testing.assert_array_equal(load(path).predict_proba(TEXTS), fitted.predict_proba(TEXTS))


def test_other_types_still_go_through_skops_and_the_allow_list(tmp_path, monkeypatch):
    from sklearn.preprocessing import StandardScaler

    calls = []
    original = persist._read_with_skops
    monkeypatch.setattr(persist, "_read_with_skops", lambda path, trusted: calls.append(path) or original(path, trusted))
    trusted_by_skops = tmp_path / "scaler.skops"
    sio.dump({"scaler": StandardScaler()}, trusted_by_skops)
    with pytest.raises(ModelLoadError, match="not a kpkclassify Classifier"):
        load(trusted_by_skops)
    evil = tmp_path / "evil.skops"
    sio.dump({"payload": NotAllowed()}, evil)
    with pytest.raises(ModelLoadError, match="outside the allow-list: test_model_reader.NotAllowed"):
        load(evil)
    assert calls == [trusted_by_skops, evil]


def _tree(obj, tmp_path, object_types=persist.KNOWN_TYPES, **schema_changes):
    path = tmp_path / "x.skops"
    sio.dump(obj, path)
    with zipfile.ZipFile(path) as archive:
        schema = persist._read_schema(archive)
        schema.update(schema_changes)
        return read_tree(archive, schema, object_types)


@pytest.mark.parametrize("obj, changes", [
    ({"payload": NotAllowed()}, {}),                 # a type of its own
    ([np.float64(1.5)], {}),                         # a NumPy scalar: skops' own node
    ({1, 2}, {}),                                    # a set
    (print, {}),                                     # a function
    ([1, 2], {"protocol": 1}),                       # an older skops protocol
    ([1, 2], {"protocol": True}),
])
def test_the_reader_hands_anything_else_to_skops_before_building_it(obj, changes, tmp_path):
    with pytest.raises(NeedsSkops):
        _tree(obj, tmp_path, **changes)


def test_the_reader_builds_containers_keys_and_arrays(tmp_path):
    value = {"a": [1, 2.5, None, "x"], 3: (True, np.arange(4, dtype=np.int32)), "o": np.array(["p", "q"], dtype=object)}
    built = _tree(value, tmp_path).construct()
    _same(built, sio.load(tmp_path / "x.skops", trusted=[]))
    assert list(built) == ["a", 3, "o"] and built["o"].dtype == object


def test_an_object_met_twice_is_built_once(tmp_path):
    shared = {"x": [1, 2]}
    built = _tree([shared, shared], tmp_path).construct()
    assert built == [shared, shared] and built[0] is built[1]
    by_skops = sio.load(tmp_path / "x.skops", trusted=[])
    assert by_skops[0] is by_skops[1]  # as skops builds it
