"""The command-line interface: a thin typer layer over the library.

Each command lives in its own module; importing them registers them on ``app``.
"""

from __future__ import annotations

from kpkclassify.cli import adapt, classify, compare, evaluate, info, predict, preprocess, review, suggest, train  # noqa: F401  (registers commands)
from kpkclassify.cli._app import app


def main() -> None:
    """The ``kpkclassify`` console script."""
    app()


__all__ = ["app", "main"]
