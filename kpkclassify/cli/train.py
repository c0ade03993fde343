"""``kpkclassify train``: train a model on labelled files."""

from __future__ import annotations

from typing import Optional

import typer

from kpkclassify.cli._app import app, handles_errors


@app.command()
@handles_errors
def train(
    data: list[str] = typer.Argument(..., help="Labelled CSV/TSV/JSONL files (text + labels columns)."),
    output: str = typer.Option(..., "--output", "-o", help="Where to save the model (.skops)."),
    with_bundled: bool = typer.Option(False, "--with-bundled", help="Add kpkclassify's own corpus to your data."),
    text_column: Optional[str] = typer.Option(None, "--text-column", "-t", help="The text column (guessed)."),
    label_column: Optional[str] = typer.Option(None, "--label-column", help="The label column (labels or label)."),
    seed: int = typer.Option(0, "--seed", help="Seed for splits, folds and the solver."),
    test_size: Optional[float] = typer.Option(None, "--test-size", help="Hold out this share of rows and report on it."),
    cv: int = typer.Option(5, "--cv", min=2, help="Cross-validation folds for thresholds and the card's scores."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress messages."),
) -> None:
    """Train a model, choose per-label thresholds by cross-validation, save it with its card."""
    from kpkclassify.io.tables import check_outputs
    from kpkclassify.persist import model_outputs
    from kpkclassify.workflows.train import train as train_model

    check_outputs(data, model_outputs(output))  # before training, which takes minutes

    def say(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    model = train_model(data, with_bundled=with_bundled, text_column=text_column, label_column=label_column,
                        seed=seed, test_size=test_size, cv=cv, progress=say)
    model.save(output)
    cv_scores = model.card_["cross_validated"]
    say(f"saved {output}; cross-validated F1: "
        + ", ".join(f"{k}={v['f1']:.3f}" for k, v in cv_scores.items()))
