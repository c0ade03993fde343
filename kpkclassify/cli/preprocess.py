"""``kpkclassify preprocess``: show what the model sees."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from kpkclassify.cli._app import app, handles_errors


@app.command()
@handles_errors
def preprocess(
    input: str = typer.Argument(..., help="A CSV/TSV file, or - to read one text per line from standard input."),
    output: str = typer.Option("-", "--output", "-o", help="Where to write (standard output by default)."),
    text_column: Optional[str] = typer.Option(None, "--text-column", "-t", help="The text column (guessed)."),
) -> None:
    """Add a tokens column to a table, or print the terms of each line of standard input."""
    from kpkclassify.workflows.classify import preprocess_file, preprocess_lines

    if input == "-":
        preprocess_lines(sys.stdin, output)
        return
    preprocess_file(input, output, text_columns=[text_column] if text_column else None)
