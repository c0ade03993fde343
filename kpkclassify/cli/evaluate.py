"""``kpkclassify evaluate``: score a model on labelled data."""

from __future__ import annotations

from typing import Optional

import typer

from kpkclassify.cli._app import JSON_HELP, LABEL_COLUMN_HELP, TEXT_COLUMN_HELP, app, handles_errors, load_model, print_json


@app.command()
@handles_errors
def evaluate(
    data: str = typer.Argument(..., help="Labelled CSV/TSV/JSONL file (text + labels columns)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model file; the bundled model by default."),
    text_column: Optional[str] = typer.Option(None, "--text-column", "-t", help=TEXT_COLUMN_HELP),
    label_column: Optional[str] = typer.Option(None, "--label-column", help=LABEL_COLUMN_HELP),
    errors: int = typer.Option(10, "--errors", help="How many of the most confident errors to show."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP + " The metrics, confusion counts and errors."),
    report: Optional[str] = typer.Option(None, "--report", help="Also write a self-contained HTML report here."),
    mask_personal: bool = typer.Option(False, "--mask-personal", help="Mask personal data in the report."),
) -> None:
    """Print per-label precision, recall and F1, the confusion counts and the most confident errors.

    \b
    Example:
        kpkclassify evaluate test.csv --model my-model.skops --report report.html
    """
    from kpkclassify.io.labelled import read_labelled

    if report:
        from kpkclassify.io.tables import check_outputs
        from kpkclassify.workflows.report import report_target

        check_outputs([data, model], [report_target(report)])  # before the evaluation's work
    classifier = load_model(model)
    labelled = read_labelled(data, text_column=text_column, label_column=label_column, validate=False,
                             labels=classifier.labels_)
    result = classifier.evaluate(labelled.texts, labelled.labels, n_errors=errors)
    if report:
        from kpkclassify.workflows.report import write_report

        write_report(report, classifier, labelled.texts, labelled.labels, result, title=f"kpkclassify: {data}",
                     inputs=[data, model], mask_personal=mask_personal)
    if as_json:
        print_json(result.to_dict())
        return
    typer.echo(result.table())
    typer.echo("\nconfusion per label (tp / fp / fn / tn):")
    for label, m in result.metrics.items():
        if label != "macro":
            typer.echo(f"  {label:<13} {m['tp']:>6} {m['fp']:>6} {m['fn']:>6} {m['tn']:>6}")
    if result.errors:
        typer.echo("\nmost confident errors:")
        for e in result.errors:
            typer.echo(f"  row {e['row']}: true={e['true']} predicted={e['predicted']} :: {e['text'][:120]}")
