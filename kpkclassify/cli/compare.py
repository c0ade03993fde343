"""``kpkclassify compare``: two or more models side by side on the same data."""

from __future__ import annotations

from typing import Optional

import typer

from kpkclassify.cli._app import JSON_HELP, LABEL_COLUMN_HELP, TEXT_COLUMN_HELP, app, fail, handles_errors, print_json


@app.command()
@handles_errors
def compare(
    data: str = typer.Argument(..., help="Labelled CSV/TSV/JSONL file (text + labels columns)."),
    model: list[str] = typer.Option(..., "--model", "-m", help="A model file; give --model at least twice. "
                                    "Use 'bundled' for the bundled model."),
    text_column: Optional[str] = typer.Option(None, "--text-column", "-t", help=TEXT_COLUMN_HELP),
    label_column: Optional[str] = typer.Option(None, "--label-column", help=LABEL_COLUMN_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP + " One evaluation per model, keyed by its name."),
) -> None:
    """Show each model's precision, recall and F1 and the differences from the first model.

    \b
    Example:
        kpkclassify compare test.csv --model bundled --model my-model.skops
    """
    from kpkclassify.workflows.evaluate import compare as run
    from kpkclassify.workflows.evaluate import compare_table

    if len(model) < 2:
        fail("give at least two models: --model A --model B", code=2)
    models = [None if m == "bundled" else m for m in model]
    evaluations = run(data, models, names=model, text_column=text_column, label_column=label_column)
    if as_json:
        print_json({name: evaluation.to_dict() for name, evaluation in evaluations.items()})
        return
    typer.echo(compare_table(evaluations))
