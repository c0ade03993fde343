"""The module names of kpkclassify before the layout of format 2, kept importable.

Model files of format 1 name their types by the old private modules
(``kpkclassify._model.Classifier``, ...), and user code may import them. A finder on
``sys.meta_path`` answers each old name with the module that holds its code now, so both
keep working without a file per old name.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

#: old module name -> the module that holds its code now
OLD_MODULES: dict[str, str] = {
    "kpkclassify._labels": "kpkclassify.labels",
    "kpkclassify._cues": "kpkclassify.features.cues",
    "kpkclassify._vectorize": "kpkclassify.features.vectorize",
    "kpkclassify._compiled": "kpkclassify.features.compiled",
    "kpkclassify._features": "kpkclassify.features.text_features",
    "kpkclassify._augment": "kpkclassify.model.augment",
    "kpkclassify._model": "kpkclassify.model.classifier",
    "kpkclassify._evaluate": "kpkclassify.workflows.evaluate",
    "kpkclassify._persist": "kpkclassify.persist",
    "kpkclassify._io": "kpkclassify.io.tables",
    "kpkclassify._data": "kpkclassify.io.labelled",
    "kpkclassify._batch": "kpkclassify.workflows.classify",
    "kpkclassify._train": "kpkclassify.workflows.train",
    "kpkclassify._report": "kpkclassify.workflows.report",
    "kpkclassify._active": "kpkclassify.workflows.suggest",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old module name and loads it as the module it moved to."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in OLD_MODULES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(OLD_MODULES[spec.name])

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module was imported under its new name."""


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.append(_Alias())


install()
