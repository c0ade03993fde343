"""``kpkclassify compare``: two or more models side by side on the same data."""

from __future__ import annotations

from typing import Optional

import typer

from kpkclassify.cli._app import app, fail, handles_errors


@app.command()
@handles_errors
def compare(
    data: str = typer.Argument(..., help="Labelled CSV/TSV/JSONL file (text + labels columns)."),
    model: list[str] = typer.Option(..., "--model", "-m", help="A model file; give --model at least twice. "
                                    "Use 'bundled' for the bundled model."),
    text_column: Optional[str] = typer.Option(None, "--text-column", "-t"),
    label_column: Optional[str] = typer.Option(None, "--label-column"),
) -> None:
    """Show each model's precision, recall and F1 and the differences from the first model."""
    from kpkclassify.workflows.evaluate import compare as run, compare_table

    if len(model) < 2:
        fail("give at least two models: --model A --model B", code=2)
    models = [None if m == "bundled" else m for m in model]
    typer.echo(compare_table(run(data, models, names=model, text_column=text_column, label_column=label_column)))
