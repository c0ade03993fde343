"""The examples in docstrings stay true (run with doctest on the installed package)."""

import doctest
import importlib
import pkgutil

import pytest

import kpkclassify

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(kpkclassify.__path__, "kpkclassify.")
    if not name.startswith("kpkclassify.cli") and name != "kpkclassify.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) in {name} failed; run: python -m doctest -v"


def test_some_examples_exist():
    found = sum(len(doctest.DocTestFinder().find(importlib.import_module(n))) for n in MODULES)
    assert found > 10
