"""``kpkclassify preprocess``: show what the model sees."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from kpkclassify.cli._app import TEXT_COLUMNS_HELP, app, handles_errors


@app.command()
@handles_errors
def preprocess(
    input: str = typer.Argument(..., help="A CSV/TSV file, or - to read one text per line from standard input."),
    output: str = typer.Option("-", "--output", "-o", help="Where to write (standard output by default)."),
    text_column: Optional[list[str]] = typer.Option(None, "--text-column", "-t", help=TEXT_COLUMNS_HELP),
) -> None:
    """Add a tokens column to a table, or print the terms of each line of standard input.

    \b
    Example:
        kpkclassify preprocess complaints.csv -t isi -o tokens.csv
        echo "petugas minta uang 100rb" | kpkclassify preprocess -
    """
    from kpkclassify.workflows.classify import preprocess_file, preprocess_lines

    if input == "-":
        preprocess_lines(sys.stdin, output)
        return
    preprocess_file(input, output, text_columns=text_column or None)
