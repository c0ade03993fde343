"""``kpkclassify adapt``: adapt a model to your own source from a few dozen labelled rows."""

from __future__ import annotations

from typing import Optional

import typer

from kpkclassify.cli._app import JSON_HELP, LABEL_COLUMN_HELP, QUIET_HELP, TEXT_COLUMN_HELP, app, handles_errors, print_json


@app.command()
@handles_errors
def adapt(
    data: list[str] = typer.Argument(..., help="Labelled CSV/TSV/JSONL/xlsx files of your source (text + labels columns)."),
    output: str = typer.Option(..., "--output", "-o", help="Where to save the adapted model (.skops)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="The base model file; the bundled model by default."),
    text_column: Optional[str] = typer.Option(None, "--text-column", "-t", help=TEXT_COLUMN_HELP),
    label_column: Optional[str] = typer.Option(None, "--label-column", help=LABEL_COLUMN_HELP),
    weight_column: Optional[str] = typer.Option(None, "--weight-column", help="Column of selection weights; "
                                                "selection_weight (written by suggest --explore) is read when present."),
    retrain: str = typer.Option("auto", "--retrain", help="auto (retrain on our corpus plus your rows when "
                                "cross-validation says it pays), always or never."),
    cv: int = typer.Option(5, "--cv", min=2, help="Cross-validation folds on your rows."),
    seed: int = typer.Option(0, "--seed", help="Seed for the folds and the bootstrap."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP + " The summary: output and the card's adaptation."),
) -> None:
    """Adapt a model's thresholds and calibration (or retrain it) to your source from labelled rows of it.

    The adapted model's card (kpkclassify info) records the method, the thresholds before and
    after, the cross-validated gain and precision/recall on your source, with intervals.

    \b
    Example:
        kpkclassify adapt labelled.csv -t isi -o adapted.skops
    """
    from kpkclassify.io.tables import check_outputs
    from kpkclassify.persist import model_outputs
    from kpkclassify.workflows.adapt import adapt as adapt_model

    choices: dict[str, bool | str] = {"auto": "auto", "always": True, "never": False}
    if retrain not in choices:
        raise typer.BadParameter(f"{retrain!r}: use auto, always or never", param_hint="--retrain")
    check_outputs([*data, *([model] if model else [])], model_outputs(output))

    def say(message: str) -> None:
        if not quiet:
            typer.echo(message, err=True)

    adapted = adapt_model(model, data, text_column=text_column, label_column=label_column, weight_column=weight_column,
                          retrain=choices[retrain], cv=cv, seed=seed, progress=say)
    adapted.save(output)
    card = adapted.card_["adaptation"]
    if as_json:
        print_json({"output": output, "adaptation": {k: v for k, v in card.items() if k != "kept_rows"}})
        return
    gain = card["cv_gain"]
    say(f"saved {output} (adapted by {card['method']}); thresholds "
        + ", ".join(f"{k} {card['thresholds_before'][k]:.2f}->{v:.2f}" for k, v in card["thresholds_after"].items())
        + f"; cross-validated macro-F1 gain {gain['gain']:+.3f} [95% {gain['low']:+.3f}, {gain['high']:+.3f}]")
