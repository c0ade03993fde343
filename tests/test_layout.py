"""The package's layers: every import, deferred ones included, points down; no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kpkclassify"

#: Lower layers first: a module may import only from layers below its own (or its own subpackage).
LAYERS = [
    {"exceptions", "_memo", "_legacy", "_missing", "_skops_reader"},
    {"labels"},
    {"metrics", "text"},
    {"features", "io"},
    {"persist"},
    {"model", "reader"},
    {"workflows"},
    {"dask", "__init__"},
    {"cli"},
    {"__main__"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every kpkclassify module this file imports at run time, at any depth of the code."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for block in ast.walk(tree):  # imports for type checkers only never run: not a dependency
        if isinstance(block, ast.If) and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            block.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.startswith("kpkclassify"):
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("kpkclassify"))
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_imports_point_down_the_layers():
    wrong = []
    for module, imported in sorted(_graph().items()):
        if module.endswith("._legacy") or module == "kpkclassify":
            continue  # the aliases and the lazy public API name modules of every layer
        for target in sorted(imported):
            if target == "kpkclassify" or _layer(target) == _layer(module):
                continue
            if RANK[_layer(target)] >= RANK[_layer(module)]:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_every_module_is_in_a_layer():
    assert {_layer(m) for m in _graph()} <= set(RANK)


@pytest.mark.parametrize("old", sorted(__import__("kpkclassify._legacy", fromlist=["OLD_MODULES"]).OLD_MODULES))
def test_old_private_module_names_still_import(old):
    import importlib

    from kpkclassify._legacy import OLD_MODULES

    assert importlib.import_module(old) is importlib.import_module(OLD_MODULES[old])
