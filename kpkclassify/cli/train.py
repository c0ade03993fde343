"""``kpkclassify train``: train a model on labelled files."""

from __future__ import annotations

from typing import Optional

import typer

from kpkclassify.cli._app import JSON_HELP, LABEL_COLUMN_HELP, QUIET_HELP, TEXT_COLUMN_HELP, app, fail, handles_errors, print_json


@app.command()
@handles_errors
def train(
    data: list[str] = typer.Argument(..., help="Labelled CSV/TSV/JSONL files (text + labels columns)."),
    output: str = typer.Option(..., "--output", "-o", help="Where to save the model (.skops)."),
    with_bundled: bool = typer.Option(False, "--with-bundled", help="Add kpkclassify's own corpus to your data."),
    text_column: Optional[str] = typer.Option(None, "--text-column", "-t", help=TEXT_COLUMN_HELP),
    label_column: Optional[str] = typer.Option(None, "--label-column", help=LABEL_COLUMN_HELP),
    labels: Optional[str] = typer.Option(None, "--labels", help="The label set to learn, comma-separated "
                                         "(e.g. illegal_fee,slow_service,nepotism); ours by default."),
    label_guide: Optional[str] = typer.Option(None, "--label-guide", help="A label guide file naming the labels "
                                              "to learn ('## name' Markdown headings, or one name[TAB]description a line)."),
    seed: int = typer.Option(0, "--seed", help="Seed for splits, folds and the solver."),
    test_size: Optional[float] = typer.Option(None, "--test-size", help="Hold out this share of rows and report on it."),
    cv: int = typer.Option(5, "--cv", min=2, help="Cross-validation folds for thresholds and the card's scores."),
    group_column: Optional[str] = typer.Option(None, "--group-column", help="Group the threshold cross-validation "
                                               "by this column (e.g. register or source): no group on both sides "
                                               "of a fold, like texts of an unseen source."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP + " The summary: output and the card's "
                                 "cross-validated (and held-out) metrics."),
) -> None:
    """Train a model, choose per-label thresholds by cross-validation, save it with its card.

    \b
    Example:
        kpkclassify train labelled.csv -t isi --label-column labels --with-bundled -o my-model.skops
    """
    from kpkclassify.io.tables import check_outputs
    from kpkclassify.persist import model_outputs
    from kpkclassify.workflows.train import train as train_model

    if labels is not None and label_guide is not None:
        fail("give --labels or --label-guide, not both")
    check_outputs([*data, *([label_guide] if label_guide else [])], model_outputs(output))  # before training, which takes minutes

    def say(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    from pathlib import Path

    from kpkclassify.labels import label_set

    # --labels is always names, --label-guide always a file (whatever its name looks like)
    label_spec = Path(label_guide) if label_guide is not None else label_set(labels) if labels is not None else None
    model = train_model(data, labels=label_spec, with_bundled=with_bundled, text_column=text_column, label_column=label_column,
                        seed=seed, test_size=test_size, cv=cv, progress=say, group_column=group_column)
    model.save(output)
    cv_scores = model.card_["cross_validated"]
    if as_json:
        print_json({"output": output, **{key: model.card_[key] for key in ("cross_validated", "held_out")
                                         if key in model.card_}})
        return
    say(f"saved {output}; cross-validated F1: "
        + ", ".join(f"{k}={v['f1']:.3f}" for k, v in cv_scores.items()))
