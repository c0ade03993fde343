"""Reading a skops model file of a few known types without importing skops.

``import skops.io`` costs one to two seconds, more than the rest of a first prediction
after scikit-learn itself: it builds its default allow-list by importing every
scikit-learn estimator (``all_estimators()``) and scanning NumPy's and SciPy's ufuncs. A
kpkclassify model holds only Python containers and numbers, NumPy arrays and a handful of
estimator types, so this module builds exactly those, the way skops' own loader of
protocol 2 does (``skops/io/_general.py`` and ``_numpy.py``: ``DictNode``, ``ListNode``,
``TupleNode``, ``JsonNode``, ``TypeNode``, ``NdArrayNode``, ``ObjectNode``, ``CachedNode``).

Like skops it works in two passes: the whole schema is read and checked first, without
importing or building anything, and only then are objects built. A file with any other
node, type or protocol raises :class:`NeedsSkops` before anything is built: the caller
then loads it with skops, whose allow-list and error messages apply unchanged. The types
this reader admits are a subset of what the skops path admits, so it never loads a file
that path would refuse.
"""

from __future__ import annotations

import importlib
import io
import json
import zipfile
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

#: The skops protocol whose node layout this module reads (skops 0.10 to 0.16 write it).
PROTOCOL = 2

#: The types a ``TypeNode`` may name here: dictionary key types.
KEY_TYPES = frozenset({"builtins.str", "builtins.int", "builtins.float", "builtins.bool"})


class NeedsSkops(Exception):
    """The file holds something this reader does not build: load it with skops."""


class _Node(ABC):
    """One value of the schema, built on demand and once (shared values are one node)."""

    _unbuilt = object()

    def __init__(self) -> None:
        self._value: Any = self._unbuilt

    def read(self, state: dict[str, Any], reader: _Reader) -> None:
        """Read the node's children from its ``state`` (nothing to read by default)."""

    def construct(self) -> Any:
        if self._value is self._unbuilt:
            self._value = self._construct()
        return self._value

    @abstractmethod
    def _construct(self) -> Any:
        """Build the node's value (each node type defines how)."""


class _Reader:
    """The first pass: turns ``schema.json`` into nodes, refusing what it does not know."""

    def __init__(self, archive: zipfile.ZipFile, object_types: frozenset[str]) -> None:
        self.archive = archive
        self.object_types = object_types
        self.memo: dict[Any, _Node] = {}

    def tree(self, state: Any) -> _Node:
        if not isinstance(state, dict):
            raise NeedsSkops(f"a node is a {type(state).__name__}")
        saved_id = state.get("__id__")
        if saved_id in self.memo:  # the same object met again
            return self.memo[saved_id]
        loader, name = state.get("__loader__"), f"{state.get('__module__')}.{state.get('__class__')}"
        node: _Node
        if loader == "JsonNode":
            node = _Json(state["content"])
        elif loader == "TypeNode" and name in KEY_TYPES:
            node = _Type(state["__module__"], state["__class__"])
        elif loader == "NdArrayNode" and name == "numpy.ndarray":
            node = _Array()
        elif loader == "ListNode" and name == "builtins.list":
            node = _List()
        elif loader == "TupleNode" and name == "builtins.tuple":
            node = _Tuple()
        elif loader == "DictNode" and name == "builtins.dict":
            node = _Dict()
        elif loader == "ObjectNode" and name in self.object_types:
            node = _Object(state["__module__"], state["__class__"])
        else:
            raise NeedsSkops(f"{loader} {name}")
        if saved_id:  # skops memoizes a node before reading its children
            self.memo[saved_id] = node
        node.read(state, self)
        return node


class _Json(_Node):
    def __init__(self, content: Any) -> None:
        super().__init__()
        if not isinstance(content, str):
            raise NeedsSkops("a JSON node without JSON text")
        self.content = content

    def _construct(self) -> Any:
        return json.loads(self.content)


class _Type(_Node):
    def __init__(self, module: str, name: str) -> None:
        super().__init__()
        self.module, self.name = module, name

    def _construct(self) -> Any:
        return getattr(importlib.import_module(self.module), self.name)


class _Array(_Node):
    buffer: io.BytesIO | None = None
    items: list[_Node]
    shape: _Node

    def read(self, state: dict[str, Any], reader: _Reader) -> None:
        if state["type"] == "numpy":  # in NumPy's own format, a member of the zip file
            self.buffer = io.BytesIO(reader.archive.read(state["file"]))
        elif state["type"] == "json":  # an object array, as the list of its items
            self.items = [reader.tree(item) for item in state["content"]]
            self.shape = reader.tree(state["shape"])
        else:
            raise NeedsSkops(f"an array stored as {state['type']!r}")

    def _construct(self) -> Any:
        if self.buffer is not None:
            return np.load(self.buffer, allow_pickle=False)
        shape = self.shape.construct()
        values = [item.construct() for item in self.items]
        if len(shape) == 1:  # as skops does: a 1-D object array, item by item
            content = np.ndarray(shape=len(values), dtype="O")
            for i, value in enumerate(values):
                content[i] = value
            return content
        return np.array(values, dtype="O")


class _List(_Node):
    items: list[_Node]

    def read(self, state: dict[str, Any], reader: _Reader) -> None:
        self.items = [reader.tree(item) for item in state["content"]]

    def _construct(self) -> Any:
        return [item.construct() for item in self.items]


class _Tuple(_List):
    def _construct(self) -> Any:
        return tuple(item.construct() for item in self.items)


class _Dict(_Node):
    key_types: _Node
    items: dict[str, _Node]

    def read(self, state: dict[str, Any], reader: _Reader) -> None:
        self.key_types = reader.tree(state["key_types"])
        if not isinstance(state["content"], dict):
            raise NeedsSkops("a dict's content is not a mapping")
        self.items = {key: reader.tree(value) for key, value in state["content"].items()}

    def _construct(self) -> Any:
        content: dict[Any, Any] = {}
        key_types = self.key_types.construct()
        for key_type, (key, value) in zip(key_types, self.items.items()):
            content[key_type(key)] = value.construct()
        return content


class _Object(_Node):
    attrs: _Node | None = None

    def __init__(self, module: str, name: str) -> None:
        super().__init__()
        self.module, self.name = module, name

    def read(self, state: dict[str, Any], reader: _Reader) -> None:
        content = state.get("content")
        self.attrs = reader.tree(content) if content is not None else None

    def _construct(self) -> Any:
        cls = getattr(importlib.import_module(self.module), self.name)
        instance = cls.__new__(cls)  # as skops does: no __init__, then the saved state
        attrs = self.attrs.construct() if self.attrs is not None else None
        if attrs is not None:
            if hasattr(instance, "__setstate__"):
                instance.__setstate__(attrs)
            else:
                instance.__dict__.update(attrs)
        return instance


def read_tree(archive: zipfile.ZipFile, schema: Any, object_types: frozenset[str]) -> _Node:
    """The first pass over a skops file: its value as unbuilt nodes.

    Parameters
    ----------
    archive : zipfile.ZipFile
        The open skops file (its arrays are read from it).
    schema : object
        Its parsed ``schema.json``.
    object_types : frozenset of str
        The ``module.Class`` names an object may have: nothing else is built.

    Raises
    ------
    NeedsSkops
        The file holds another node type, object type or protocol, or is malformed.
    """
    protocol = schema.get("protocol") if isinstance(schema, dict) else None
    if isinstance(protocol, bool) or protocol != PROTOCOL:
        raise NeedsSkops(f"skops protocol {protocol!r}")
    try:
        return _Reader(archive, object_types).tree(schema)
    except (KeyError, TypeError, ValueError, AttributeError, zipfile.BadZipFile, RecursionError) as exc:
        raise NeedsSkops(f"an unexpected schema ({type(exc).__name__}: {exc})") from exc
